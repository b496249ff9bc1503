//! Python interpreters, found at run time, and the driver process
//! (`conformance/python/cf_driver.py`) that runs scenarios on them.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

/// The CPython minor versions the project claims: 3.6 through the newest
/// any clause names (the spec's `CPython:` lines).
pub fn claimed() -> std::ops::RangeInclusive<u32> {
    6..=crate::diff::versions::newest()
}

/// Where `conformance/python/get-cpython.sh` puts the interpreters it
/// obtains: `target/cpython/3.N/usr/bin/python3.N` of the workspace.
pub fn obtained_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize()
        .unwrap_or(root)
        .join("target")
        .join("cpython")
}

/// The claimed versions none of `found` is.
pub fn missing(found: &[Interpreter]) -> Vec<String> {
    claimed()
        .filter(|m| !found.iter().any(|f| f.minor == *m))
        .map(|m| format!("3.{m}"))
        .collect()
}

/// One interpreter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpreter {
    /// Its executable.
    pub path: PathBuf,
    /// `major.minor.patch`, as it reports it.
    pub version: String,
    /// The minor version (3.`minor`).
    pub minor: u32,
    /// Whether it is the `python3` on `PATH`.
    pub default: bool,
}

/// The driver script shipped with the kit.
pub fn driver_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join("cf_driver.py")
}

/// Asks `path` for its version; `None` if it is not a runnable Python 3.
pub fn probe_interpreter(path: &Path, default: bool) -> Option<Interpreter> {
    let out = Command::new(path)
        .args(["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let mut parts = version.split('.');
    let (major, minor) = (
        parts.next()?.parse::<u32>().ok()?,
        parts.next()?.parse::<u32>().ok()?,
    );
    (major == 3).then(|| Interpreter {
        path: path.to_path_buf(),
        version,
        minor,
        default,
    })
}

/// Every interpreter this machine has: `python3` on `PATH` first, then each
/// of `pyenv versions` that is a CPython 3.6 or newer, then those
/// `get-cpython.sh` obtained ([`obtained_dir`]), oldest first (duplicates
/// of a version are dropped). The second list is the claimed versions not
/// found.
pub fn discover() -> (Vec<Interpreter>, Vec<String>) {
    let mut found: Vec<Interpreter> = Vec::new();
    if let Some(p) = probe_interpreter(Path::new("python3"), true) {
        found.push(p);
    }
    let pyenv = Command::new("pyenv")
        .args(["versions", "--bare"])
        .stderr(Stdio::null())
        .output();
    if let Ok(out) = pyenv {
        for name in String::from_utf8_lossy(&out.stdout).lines().map(str::trim) {
            if !name.starts_with("3.") {
                continue;
            }
            let Ok(prefix) = Command::new("pyenv")
                .args(["prefix", name])
                .stderr(Stdio::null())
                .output()
            else {
                continue;
            };
            let home = PathBuf::from(String::from_utf8_lossy(&prefix.stdout).trim());
            let exe = home.join("bin").join("python3");
            if let Some(p) = probe_interpreter(&exe, false) {
                if p.minor >= 6 && !found.iter().any(|f| f.version == p.version) {
                    found.push(p);
                }
            }
        }
    }
    let mut obtained: Vec<Interpreter> = std::fs::read_dir(obtained_dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("3.").then(|| {
                e.path()
                    .join("usr")
                    .join("bin")
                    .join(format!("python{name}"))
            })
        })
        .filter(|exe| exe.is_file())
        .filter_map(|exe| probe_interpreter(&exe, false))
        .collect();
    obtained.sort_by_key(|i| i.minor);
    for p in obtained {
        if p.minor >= 6 && !found.iter().any(|f| f.version == p.version) {
            found.push(p);
        }
    }
    let missing = missing(&found);
    (found, missing)
}

/// A running driver: one scenario in, one trace out.
pub struct Driver {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    /// The interpreter it runs on.
    pub interpreter: Interpreter,
    /// `module:callable` of the executor.
    pub executor: String,
    isolated: bool,
}

impl Driver {
    /// Starts `cf_driver.py` on `interpreter` for `executor`.
    pub fn start(
        interpreter: &Interpreter,
        executor: &str,
        isolated: bool,
    ) -> Result<Driver, String> {
        let mut cmd = Command::new(&interpreter.path);
        cmd.arg("-u")
            .arg(driver_path())
            .arg("--executor")
            .arg(executor);
        if isolated {
            cmd.arg("--isolated");
        }
        cmd.arg("-");
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", interpreter.path.display()))?;
        let stdout = child.stdout.take().expect("piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Ok(Driver {
            child,
            stdin,
            lines,
            interpreter: interpreter.clone(),
            executor: executor.to_string(),
            isolated,
        })
    }

    /// Runs one scenario, waiting at most `limit` for its trace. A driver
    /// that exits or stalls is restarted for the next scenario, and the
    /// error says what it printed.
    pub fn run(&mut self, scenario: &Value, limit: Duration) -> Result<Value, String> {
        let line = format!("{scenario}\n");
        let sent = self
            .stdin
            .as_mut()
            .map(|s| s.write_all(line.as_bytes()).and_then(|()| s.flush()));
        let got = match sent {
            Some(Ok(())) => self.lines.recv_timeout(limit).map_err(|e| match e {
                mpsc::RecvTimeoutError::Timeout => {
                    format!("the driver printed no trace within {limit:?}")
                }
                mpsc::RecvTimeoutError::Disconnected => "the driver exited".to_string(),
            }),
            _ => Err("the driver exited".to_string()),
        };
        match got.and_then(|l| {
            serde_json::from_str::<Value>(&l)
                .map_err(|e| format!("the driver printed a line that is not JSON ({e}): {l}"))
        }) {
            Ok(v) => Ok(v),
            Err(e) => {
                let stderr = self.stop();
                *self = Driver::start(
                    &self.interpreter.clone(),
                    &self.executor.clone(),
                    self.isolated,
                )?;
                Err(if stderr.is_empty() {
                    e
                } else {
                    format!("{e}; its stderr: {stderr}")
                })
            }
        }
    }

    /// Kills the driver and returns what it wrote on stderr.
    fn stop(&mut self) -> String {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        let _ = self.child.wait();
        err.trim().chars().take(2000).collect()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The driver's `--probes` facts for `interpreter`.
pub fn probes(interpreter: &Interpreter) -> Result<Value, String> {
    let out = Command::new(&interpreter.path)
        .arg(driver_path())
        .arg("--probes")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", interpreter.path.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} --probes failed: {}",
            interpreter.path.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("--probes printed no JSON: {e}"))
}
