//! A Python executor under the kit's one runner: [`PythonExecutor`] starts
//! `conformance/python/cf_server.py` and each [`Adapter`] call becomes one
//! request to it (submit, cancel, result with a timeout, …).
//!
//! The kit's tasks and callbacks still run here, in Rust: a Python task
//! reports its start, the adapter runs the kit's [`Task`] (which logs into
//! the runner's task log and waits on the runner's gates) and then releases
//! the Python task with its value, error or panic; a Python done-callback
//! likewise runs the kit's callback before it returns. So the runner, its
//! gates, its task log and its oracle are the same for a Python executor as
//! for a Rust one, and nothing interprets scenarios in Python.
//!
//! A server that dies, or answers a request with a fault, makes the adapter
//! call panic (the runner attributes that to the step in progress); a request
//! that is never answered blocks like a hung executor call, which the
//! runner's watchdog reports as stuck and confirms with a longer patience.
//! Requests left blocked by an abandoned run are released when the server is
//! replaced: one server serves the executors of consecutive scenarios, and a
//! fresh one is started whenever an earlier scenario's executor is still in
//! use when the next is built.

use crate::adapter::{
    Adapter, Callback, Config, Feature, MapRun, MapSpec, Mode, Outcome, Raised, Rejected, RunAgain,
    Task,
};
use crate::adapters::run_caught;
use crate::model::MARK;
use crate::runner::Factory;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc};
use std::time::{Duration, Instant};

/// The server script, in this crate's source tree.
pub const SERVER_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/python/cf_server.py");

/// How long building an executor waits for the previous scenario's executor
/// to be dropped before it starts a fresh server instead.
const REUSE_WAIT: Duration = Duration::from_millis(300);

/// How long a server may take to greet, and the first executor to be
/// built, before the executor is rejected as hanging (a module whose import
/// never returns, a factory that never returns): one line, not a hang.
const START_LIMIT: Duration = Duration::from_secs(60);

/// How the error of a request given up after its limit begins.
const NO_ANSWER: &str = "no answer";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Ends a server and every process of its group (a process pool's workers,
/// a forkserver), which would otherwise outlive it blocked on their work;
/// then reaps the server.
fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A Python executor to check: an interpreter and a `MODULE:CALLABLE` that
/// builds the executor (`callable(max_workers=N[, initializer=…])`).
pub struct PythonExecutor {
    python: PathBuf,
    executor: String,
    script: PathBuf,
    isolated: bool,
    unsupported: Vec<Feature>,
    version: String,
    servers: Mutex<Servers>,
}

#[derive(Default)]
struct Servers {
    current: Option<Arc<Server>>,
    /// Servers replaced while an executor of theirs was still in use.
    retired: Vec<Arc<Server>>,
}

impl PythonExecutor {
    /// Starts `python` on the server script with `executor` (`MODULE:CALLABLE`)
    /// and asks it what the executor lacks; `missing` adds features declared
    /// missing. The error is one line: the interpreter cannot be run, the
    /// callable cannot be loaded, it does not build an executor, or the
    /// server or that first build does not answer within a minute.
    pub fn new(
        python: impl Into<PathBuf>,
        executor: &str,
        missing: &[Feature],
    ) -> Result<PythonExecutor, String> {
        PythonExecutor::with_options(python, executor, missing, false)
    }

    /// Like [`PythonExecutor::new`]; with `isolated`, every task reaches the
    /// server through a local socket instead of in-process, so that
    /// executors running tasks in other processes or interpreters (process
    /// and interpreter pools) report starts and wait on gates too.
    pub fn with_options(
        python: impl Into<PathBuf>,
        executor: &str,
        missing: &[Feature],
        isolated: bool,
    ) -> Result<PythonExecutor, String> {
        let (python, script) = (python.into(), PathBuf::from(SERVER_SCRIPT));
        let server = Server::start(&python, &script, executor, isolated)?;
        let probe = match server.request_within(json!({"op": "probe"}), START_LIMIT) {
            Ok(probe) => probe,
            Err(e) => {
                server.kill();
                return Err(e);
            }
        };
        let mut unsupported: Vec<Feature> = missing.to_vec();
        for name in probe["lacks"].as_array().into_iter().flatten() {
            if let Some(f) = name.as_str().and_then(Feature::from_name) {
                unsupported.push(f);
            }
        }
        if unsupported.contains(&Feature::Map) {
            unsupported.extend([Feature::MapChunksize, Feature::MapBuffersize]);
        }
        // The server calls CPython's as_completed for every executor: the
        // futures already done come in set order (DIV-ASCORDER-1).
        unsupported.push(Feature::AsCompletedInputOrder);
        unsupported.sort();
        unsupported.dedup();
        let version = probe["version"].as_str().unwrap_or("?").to_string();
        let this = PythonExecutor {
            python,
            executor: executor.to_string(),
            script,
            isolated,
            unsupported,
            version,
            servers: Mutex::new(Servers {
                current: Some(server),
                retired: Vec::new(),
            }),
        };
        // Build one to see that the callable makes an executor (dropping
        // `this` on an error kills the server).
        let cfg = Config {
            workers: 1,
            failing_initializer: false,
        };
        let probe = this.build(cfg, Some(START_LIMIT))?;
        if let Err(e) = &probe.executor {
            return Err(e.clone());
        }
        drop(probe);
        Ok(this)
    }

    /// The features the executor lacks (declared or found).
    pub fn unsupported(&self) -> &[Feature] {
        &self.unsupported
    }

    /// The interpreter's version (`3.11.7`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The kit's factory of this executor's adapters. A build that fails
    /// (the callable raised, the server died) panics, so that the runner
    /// reports it while building the executor (EXE-SUBMIT-1), before any
    /// step; a build that never returns is the runner's watchdog's.
    pub fn factory(self: Arc<Self>) -> Factory<PythonAdapter> {
        Arc::new(move |cfg| {
            let adapter = self
                .build(cfg, None)
                .unwrap_or_else(|e| panic!("{MARK} the Python driver could not be started: {e}"));
            if let Err(e) = &adapter.executor {
                let e = e.clone();
                drop(adapter);
                panic!("{MARK} {e}");
            }
            adapter
        })
    }

    /// A server whose executors are all dropped: the current one once the
    /// previous scenario's executor is gone, else a fresh one.
    fn server(&self) -> Result<Arc<Server>, String> {
        let mut s = lock(&self.servers);
        // Servers replaced earlier belong to runs whose verdict is in.
        for old in s.retired.drain(..) {
            old.kill();
        }
        if let Some(cur) = s.current.clone() {
            if !cur.is_dead() && cur.wait_unused(REUSE_WAIT) {
                return Ok(cur);
            }
            s.retired.push(cur);
            s.current = None;
        }
        let fresh = Server::start(&self.python, &self.script, &self.executor, self.isolated)?;
        s.current = Some(fresh.clone());
        Ok(fresh)
    }

    /// An adapter on a server with no executor left in use; its executor is
    /// the error if the callable did not build one. The outer error: no
    /// server could be started, or (with `limit`) the build did not answer
    /// in time.
    fn build(&self, cfg: Config, limit: Option<Duration>) -> Result<PythonAdapter, String> {
        let server = self.server()?;
        *lock(&server.live) += 1;
        let request = json!({
            "op": "build",
            "workers": cfg.workers,
            "failing_initializer": cfg.failing_initializer,
        });
        let reply = match limit {
            Some(limit) => server.request_within(request, limit),
            None => server.request(request),
        };
        if let Err(e) = &reply {
            if e.starts_with(NO_ANSWER) {
                *lock(&server.live) -= 1;
                return Err(e.clone());
            }
        }
        let executor = reply.and_then(|r| match r["e"].as_u64() {
            Some(e) => Ok(e),
            None => Err(format!(
                "the executor could not be built: {}",
                r["error"].as_str().unwrap_or("no reason given")
            )),
        });
        Ok(PythonAdapter {
            server,
            executor,
            unsupported: self.unsupported.clone(),
            owned: Mutex::new(Owned::default()),
        })
    }
}

impl Drop for PythonExecutor {
    fn drop(&mut self) {
        let mut s = lock(&self.servers);
        let current = s.current.take();
        for server in s.retired.drain(..).chain(current) {
            server.kill();
        }
    }
}

/// One running `cf_server.py`.
struct Server {
    child: Mutex<Child>,
    stdin: Mutex<ChildStdin>,
    pending: Mutex<Pending>,
    tasks: Mutex<HashMap<u64, Task>>,
    /// Each task's [`RunAgain`], kept after its call is used: a second start
    /// is recorded through it (EXE-SUBMIT-1).
    reruns: Mutex<HashMap<u64, RunAgain>>,
    callbacks: Mutex<HashMap<u64, Callback>>,
    next: AtomicU64,
    /// Adapters built on this server and not yet dropped.
    live: Mutex<u64>,
    /// Signalled when `live` goes down.
    gone: Condvar,
    stderr: Arc<Mutex<String>>,
}

#[derive(Default)]
struct Pending {
    waiting: HashMap<u64, mpsc::Sender<Value>>,
    /// Why the server is gone, once it is.
    dead: Option<String>,
}

impl Server {
    fn start(
        python: &PathBuf,
        script: &PathBuf,
        executor: &str,
        isolated: bool,
    ) -> Result<Arc<Server>, String> {
        let mut command = Command::new(python);
        command
            .arg("-u")
            .arg(script)
            .arg("--executor")
            .arg(executor);
        if isolated {
            command.arg("--isolated");
        }
        // Its own process group, so that killing it also ends the worker
        // processes its executor started (see `kill`).
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
        let stdin = child.stdin.take().expect("piped");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let (mut err, tail) = (child.stderr.take().expect("piped"), stderr.clone());
            std::thread::Builder::new()
                .name("cf-py-stderr".into())
                .spawn(move || {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = err.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        let mut t = lock(&tail);
                        t.push_str(&String::from_utf8_lossy(&buf[..n]));
                        if t.len() > 4000 {
                            let cut = t.len() - 2000;
                            let cut = (cut..t.len()).find(|&i| t.is_char_boundary(i)).unwrap_or(0);
                            t.drain(..cut);
                        }
                    }
                })
                .expect("spawn a stderr reader");
        }
        // The greeting, read on a thread of its own so that a server whose
        // import never returns is given up after START_LIMIT.
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("cf-py-hello".into())
            .spawn(move || {
                let mut hello = String::new();
                let read = stdout.read_line(&mut hello);
                let _ = tx.send((read.is_ok(), hello, stdout));
            })
            .expect("spawn the greeting's reader");
        let Ok((read, hello, stdout)) = rx.recv_timeout(START_LIMIT) else {
            kill_group(&mut child);
            return Err(format!(
                "{NO_ANSWER} within {START_LIMIT:?}: the server did not greet (the module's import hangs?)"
            ));
        };
        let greeting: Option<Value> = serde_json::from_str(&hello).ok();
        let ok = greeting.as_ref().and_then(|g| g["hello"].as_bool());
        if !read || ok != Some(true) {
            kill_group(&mut child);
            let why = greeting
                .as_ref()
                .and_then(|g| g["error"].as_str().map(str::to_string))
                .unwrap_or_else(|| {
                    let e = lock(&stderr).trim().replace('\n', " ");
                    format!("the server did not start ({})", tail_of(&e))
                });
            return Err(why);
        }
        let server = Arc::new(Server {
            child: Mutex::new(child),
            stdin: Mutex::new(stdin),
            pending: Mutex::new(Pending::default()),
            tasks: Mutex::new(HashMap::new()),
            reruns: Mutex::new(HashMap::new()),
            callbacks: Mutex::new(HashMap::new()),
            next: AtomicU64::new(0),
            live: Mutex::new(0),
            gone: Condvar::new(),
            stderr,
        });
        let reader = server.clone();
        std::thread::Builder::new()
            .name("cf-py-reader".into())
            .spawn(move || reader.read(stdout))
            .expect("spawn the server's reader");
        Ok(server)
    }

    /// Waits up to `limit` until no adapter of this server is left.
    fn wait_unused(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut live = lock(&self.live);
        while *live > 0 {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            live = self
                .gone
                .wait_timeout(live, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }

    fn id(&self) -> u64 {
        self.next.fetch_add(1, Ordering::SeqCst)
    }

    fn is_dead(&self) -> bool {
        lock(&self.pending).dead.is_some()
    }

    /// Ends the server and its process group ([`kill_group`]).
    fn kill(&self) {
        kill_group(&mut lock(&self.child));
    }

    /// Sends one message (no reply expected).
    fn send(&self, msg: &Value) -> Result<(), String> {
        let line = format!("{msg}\n");
        let mut w = lock(&self.stdin);
        w.write_all(line.as_bytes())
            .and_then(|()| w.flush())
            .map_err(|e| format!("cannot write to the Python driver: {e}"))
    }

    /// Sends a request and waits for its reply, without a time limit (a
    /// request that is never answered is a hung executor call). A fault
    /// reply, or the server's death, is the error.
    fn request(&self, req: Value) -> Result<Value, String> {
        self.request_bounded(req, None)
    }

    /// Like [`Server::request`], giving up after `limit`: the error then
    /// starts with [`NO_ANSWER`] (the caller kills the server).
    fn request_within(&self, req: Value, limit: Duration) -> Result<Value, String> {
        self.request_bounded(req, Some(limit))
    }

    fn request_bounded(&self, mut req: Value, limit: Option<Duration>) -> Result<Value, String> {
        let id = self.id();
        req["id"] = json!(id);
        let op = req["op"].as_str().unwrap_or("request").to_string();
        let (tx, rx) = mpsc::channel();
        {
            let mut p = lock(&self.pending);
            if let Some(why) = &p.dead {
                return Err(why.clone());
            }
            p.waiting.insert(id, tx);
        }
        if let Err(e) = self.send(&req) {
            lock(&self.pending).waiting.remove(&id);
            return Err(self.death().unwrap_or(e));
        }
        let reply = match limit {
            None => rx.recv().ok(),
            Some(limit) => match rx.recv_timeout(limit) {
                Ok(reply) => Some(reply),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    lock(&self.pending).waiting.remove(&id);
                    return Err(format!(
                        "{NO_ANSWER} within {limit:?}: the Python driver's {op} hangs"
                    ));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => None,
            },
        };
        match reply {
            Some(reply) => match reply["fault"].as_str() {
                Some(fault) => Err(format!("the Python driver's {op} raised {fault}")),
                None => Ok(reply),
            },
            None => Err(self
                .death()
                .unwrap_or_else(|| "the Python driver went away".into())),
        }
    }

    fn death(&self) -> Option<String> {
        lock(&self.pending).dead.clone()
    }

    /// The reader: replies to their requests, events to the kit's tasks and
    /// callbacks. Ends when the server's stdout closes.
    fn read(self: Arc<Server>, mut stdout: BufReader<std::process::ChildStdout>) {
        let mut line = String::new();
        loop {
            line.clear();
            match stdout.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let Ok(msg) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            match msg["ev"].as_str() {
                Some("start") => self.clone().start_task(msg["task"].as_u64().unwrap_or(0)),
                Some("cb") => self.clone().run_callback(
                    msg["cb"].as_u64().unwrap_or(0),
                    msg["n"].as_u64().unwrap_or(0),
                ),
                _ => {
                    let id = msg["id"].as_u64();
                    let tx = id.and_then(|id| lock(&self.pending).waiting.remove(&id));
                    if let Some(tx) = tx {
                        let _ = tx.send(msg);
                    }
                }
            }
        }
        // Gone: wait for the exit status, then fail every waiting request.
        let status = {
            let mut c = lock(&self.child);
            c.wait().map(|s| s.to_string()).unwrap_or_default()
        };
        let tail = tail_of(lock(&self.stderr).trim());
        let why = if tail.is_empty() {
            format!("the Python driver exited ({status})")
        } else {
            format!("the Python driver exited ({status}): {tail}")
        };
        let waiting = {
            let mut p = lock(&self.pending);
            p.dead = Some(why);
            std::mem::take(&mut p.waiting)
        };
        drop(waiting);
        // Tasks that never started: dropped here, outside the lock.
        let tasks = std::mem::take(&mut *lock(&self.tasks));
        drop(tasks);
    }

    /// A Python task started: run the kit's task here, then release it.
    fn start_task(self: Arc<Server>, k: u64) {
        let task = lock(&self.tasks).remove(&k);
        if task.is_none() {
            let again = lock(&self.reruns).get(&k).cloned();
            if let Some(again) = again {
                again.record();
            }
        }
        std::thread::Builder::new()
            .name("cf-py-task".into())
            .spawn(move || {
                let (kind, payload) = match task.map(run_caught) {
                    Some(Outcome::Value(v)) => ("value", json!(v)),
                    Some(Outcome::Raised(Raised::Panic, m)) => ("panic", json!(m)),
                    Some(Outcome::Raised(Raised::Error, m)) => ("error", json!(m)),
                    Some(other) => ("error", json!(other.to_string())),
                    None => ("error", json!(format!("{MARK} task {k} ran twice"))),
                };
                let key = if kind == "value" { "v" } else { "msg" };
                let mut msg = json!({"op": "release", "task": k, "kind": kind});
                msg[key] = payload;
                let _ = self.send(&msg);
            })
            .expect("spawn a task thread");
    }

    /// A Python done-callback is running: run the kit's callback, then let
    /// it return (raising if the kit's callback panicked).
    fn run_callback(self: Arc<Server>, k: u64, n: u64) {
        let cb = lock(&self.callbacks).get(&k).cloned();
        std::thread::Builder::new()
            .name("cf-py-callback".into())
            .spawn(move || {
                let panicked = match cb {
                    Some(cb) => catch_unwind(AssertUnwindSafe(|| cb())).is_err(),
                    None => true,
                };
                let _ = self.send(&json!({"op": "cbdone", "cb": k, "n": n, "panicked": panicked}));
            })
            .expect("spawn a callback thread");
    }
}

fn tail_of(s: &str) -> String {
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(2)..].join(" | ")
}

/// The ids a scenario's adapter registered on the server.
#[derive(Default)]
struct Owned {
    tasks: Vec<u64>,
    callbacks: Vec<u64>,
}

/// One Python executor (one scenario's), as the kit's [`Adapter`].
pub struct PythonAdapter {
    server: Arc<Server>,
    executor: Result<u64, String>,
    unsupported: Vec<Feature>,
    owned: Mutex<Owned>,
}

/// A future in the Python server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PyFuture(u64);

impl PythonAdapter {
    /// A request on this adapter's executor; a failure panics (the runner
    /// attributes the panic to the step in progress).
    fn call(&self, op: &str, mut fields: Value) -> Value {
        let e = match &self.executor {
            Ok(e) => *e,
            Err(why) => panic!("{MARK} {why}"),
        };
        fields["op"] = json!(op);
        fields["e"] = json!(e);
        match self.server.request(fields) {
            Ok(v) => v,
            Err(why) => panic!("{MARK} {why}"),
        }
    }

    fn flag(&self, op: &str, h: &PyFuture) -> bool {
        let r = self.call(op, json!({"f": h.0}));
        match r["r"].as_bool() {
            Some(b) => b,
            None => panic!("{MARK} {op}() gave no boolean: {r}"),
        }
    }

    fn task(&self, task: Task) -> u64 {
        let k = self.server.id();
        lock(&self.server.reruns).insert(k, task.run_again());
        lock(&self.server.tasks).insert(k, task);
        lock(&self.owned).tasks.push(k);
        k
    }
}

fn seconds(t: Option<Duration>) -> Value {
    t.map_or(Value::Null, |d| json!(d.as_secs_f64()))
}

fn outcome(v: &Value) -> Outcome {
    let msg = || v["msg"].as_str().unwrap_or("").to_string();
    match v["o"].as_str() {
        Some("value") => match v["v"].as_u64() {
            Some(n) => Outcome::Value(n),
            None => Outcome::Other(format!("a value that is not the task's: {}", v["v"])),
        },
        Some("no_exception") => Outcome::NoException,
        Some("error") => Outcome::Raised(Raised::Error, msg()),
        Some("panic") => Outcome::Raised(Raised::Panic, msg()),
        Some("cancelled") => Outcome::Cancelled,
        Some("timeout") => Outcome::Timeout,
        Some("broken") => Outcome::Broken,
        Some("shutdown") => Outcome::Rejected(Rejected::Shutdown),
        Some("other") => Outcome::Other(msg()),
        _ => Outcome::Other(format!("an unexpected reply: {v}")),
    }
}

fn rejection(v: &Value) -> Option<Rejected> {
    Some(match v["rejected"].as_str()? {
        "shutdown" => Rejected::Shutdown,
        "broken" => Rejected::Broken,
        _ => Rejected::Other(v["msg"].as_str().unwrap_or("").to_string()),
    })
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::FirstCompleted => "first_completed",
        Mode::FirstException => "first_exception",
        Mode::AllCompleted => "all_completed",
    }
}

impl Adapter for PythonAdapter {
    type Handle = PyFuture;

    fn unsupported(&self) -> Vec<Feature> {
        self.unsupported.clone()
    }

    fn submit(&self, task: Task) -> Result<PyFuture, Rejected> {
        let k = self.task(task);
        let r = self.call("submit", json!({"task": k}));
        if let Some(rej) = rejection(&r) {
            return Err(rej);
        }
        match r["f"].as_u64() {
            Some(f) => Ok(PyFuture(f)),
            None => panic!("{MARK} submit() gave no future: {r}"),
        }
    }

    fn result(&self, h: &PyFuture, timeout: Option<Duration>) -> Outcome {
        outcome(&self.call("result", json!({"f": h.0, "timeout": seconds(timeout)})))
    }

    fn exception(&self, h: &PyFuture, timeout: Option<Duration>) -> Outcome {
        outcome(&self.call("exception", json!({"f": h.0, "timeout": seconds(timeout)})))
    }

    fn done(&self, h: &PyFuture) -> bool {
        self.flag("done", h)
    }

    fn cancel(&self, h: &PyFuture) -> bool {
        self.flag("cancel", h)
    }

    fn cancelled(&self, h: &PyFuture) -> bool {
        self.flag("cancelled", h)
    }

    fn running(&self, h: &PyFuture) -> bool {
        self.flag("running", h)
    }

    fn shutdown(&self, wait: bool, cancel_futures: bool) {
        self.call(
            "shutdown",
            json!({"wait": wait, "cancel_futures": cancel_futures}),
        );
    }

    fn add_done_callback(&self, h: &PyFuture, callback: Callback) {
        let k = self.server.id();
        lock(&self.server.callbacks).insert(k, callback);
        lock(&self.owned).callbacks.push(k);
        self.call("callback", json!({"f": h.0, "cb": k}));
    }

    fn wait(&self, hs: &[PyFuture], timeout: Option<Duration>, mode: Mode) -> Vec<usize> {
        let fs: Vec<u64> = hs.iter().map(|h| h.0).collect();
        let r = self.call(
            "wait",
            json!({"fs": fs, "timeout": seconds(timeout), "mode": mode_name(mode)}),
        );
        indices(&r["done"])
    }

    fn as_completed<'a>(
        &'a self,
        hs: &'a [PyFuture],
        timeout: Option<Duration>,
    ) -> Box<dyn Iterator<Item = Result<usize, ()>> + 'a> {
        let fs: Vec<u64> = hs.iter().map(|h| h.0).collect();
        let r = self.call(
            "as_completed",
            json!({"fs": fs, "timeout": seconds(timeout)}),
        );
        let mut seq: Vec<Result<usize, ()>> = indices(&r["seq"]).into_iter().map(Ok).collect();
        if r["timed_out"].as_bool() == Some(true) {
            seq.push(Err(()));
        } else if let Some(o) = r.get("other") {
            panic!("{MARK} as_completed raised {}", outcome(o));
        }
        Box::new(seq.into_iter())
    }

    fn map(&self, tasks: Vec<Task>, spec: MapSpec) -> Result<MapRun<'_>, Rejected> {
        let ks: Vec<u64> = tasks.into_iter().map(|t| self.task(t)).collect();
        let r = self.call(
            "map",
            json!({
                "tasks": ks,
                "chunksize": spec.chunksize,
                "buffersize": spec.buffersize,
                "timeout": seconds(spec.timeout),
            }),
        );
        if let Some(rej) = rejection(&r) {
            return Err(rej);
        }
        match r["m"].as_u64() {
            Some(m) => Ok(Box::new(PyMap {
                adapter: self,
                m,
                ended: false,
            })),
            None => panic!("{MARK} map() gave no iterator: {r}"),
        }
    }
}

fn indices(v: &Value) -> Vec<usize> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i.as_u64().map(|i| i as usize))
        .collect()
}

/// A live Python map iterator; dropping it closes it (`it.close()`).
struct PyMap<'a> {
    adapter: &'a PythonAdapter,
    m: u64,
    ended: bool,
}

impl Iterator for PyMap<'_> {
    type Item = Outcome;

    fn next(&mut self) -> Option<Outcome> {
        if self.ended {
            return None;
        }
        let r = self.adapter.call("map_next", json!({"m": self.m}));
        if r["end"].as_bool() == Some(true) {
            self.ended = true;
            return None;
        }
        Some(outcome(&r))
    }
}

impl Drop for PyMap<'_> {
    fn drop(&mut self) {
        if let Ok(e) = &self.adapter.executor {
            let _ = self
                .adapter
                .server
                .request(json!({"op": "map_close", "e": e, "m": self.m}));
        }
    }
}

impl Drop for PythonAdapter {
    fn drop(&mut self) {
        if let Ok(e) = &self.executor {
            let _ = self
                .server
                .send(&json!({"op": "forget", "e": e, "id": u64::MAX}));
        }
        let owned = std::mem::take(&mut *lock(&self.owned));
        let tasks: Vec<Task> = {
            let mut t = lock(&self.server.tasks);
            owned.tasks.iter().filter_map(|k| t.remove(k)).collect()
        };
        drop(tasks);
        let reruns: Vec<RunAgain> = {
            let mut r = lock(&self.server.reruns);
            owned.tasks.iter().filter_map(|k| r.remove(k)).collect()
        };
        drop(reruns);
        let callbacks: Vec<Callback> = {
            let mut c = lock(&self.server.callbacks);
            owned.callbacks.iter().filter_map(|k| c.remove(k)).collect()
        };
        drop(callbacks);
        *lock(&self.server.live) -= 1;
        self.server.gone.notify_all();
    }
}
