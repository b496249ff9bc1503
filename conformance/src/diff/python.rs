//! Python interpreters, found at run time, and their version facts
//! (`conformance/python/cf_probes.py`).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

/// The probe script shipped with the kit.
pub fn probes_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join("cf_probes.py")
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

/// `cf_probes.py`'s facts for `interpreter`.
pub fn probes(interpreter: &Interpreter) -> Result<Value, String> {
    let out = Command::new(&interpreter.path)
        .arg(probes_path())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", interpreter.path.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} cf_probes.py failed: {}",
            interpreter.path.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("cf_probes.py printed no JSON: {e}"))
}
