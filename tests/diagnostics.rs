//! The core's reports and their handler: spec/errors.md, ERR-REPORT-1.
//!
//! The handler is process-wide, so this file is its own test binary and its
//! tests are serialised by [`SERIAL`].

mod support;
use concurrent_futures::diagnostics::{self, Diagnostic, Handler};
use concurrent_futures::{ExceptionKind, Executor, Future};
use std::sync::{Arc, Mutex, MutexGuard};
use support::*;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A value whose `Drop` panics.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("bomb dropped");
    }
}

/// Installs a collecting handler; returns the log and the previous handler.
fn collect() -> (Log<String>, Handler) {
    let log = Log::new();
    let sink = log.clone();
    let previous =
        diagnostics::set_handler(Handler::Custom(Arc::new(move |d: &Diagnostic<'_>| {
            let kind = match d {
                Diagnostic::CallbackPanicked { .. } => "callback",
                Diagnostic::InitializerFailed { .. } => "initializer",
                Diagnostic::DropPanicked { .. } => "drop",
                _ => "other",
            };
            sink.push(format!("{kind}: {d}"));
        })));
    (log, previous)
}

/// ERR-REPORT-1: a Custom handler receives a panicking callback, a failed
/// initializer and a contained Drop panic, each once, with its message; it
/// replaces the default (stderr) handler and `set_handler` returns it.
#[test]
fn err_report_1_custom_handler_sees_every_diagnostic() {
    let _s = serial();
    let (log, previous) = collect();
    // Callback panic, on this thread.
    let f: Future<u8> = Future::new();
    f.add_done_callback(|_| panic!("callback boom"));
    f.set_result(1).unwrap();
    // Initializer failure, on a worker: reported before the queue is failed.
    let gate = Gate::new();
    let broken = failing_init_pool(&gate, false);
    let queued = broken.submit(|| 1).unwrap();
    gate.open();
    assert_eq!(
        queued.exception(None).unwrap().unwrap().kind(),
        ExceptionKind::BrokenExecutor
    );
    drop(broken);
    // A task's panic payload whose Drop panics: reported before the future
    // finishes.
    let pool = pool(1);
    let f = pool
        .submit(|| -> u8 { std::panic::panic_any(Bomb) })
        .unwrap();
    assert!(f.exception(None).unwrap().is_some());
    drop(pool);
    let mine = diagnostics::set_handler(previous);
    assert!(matches!(mine, Handler::Custom(_)));
    assert_eq!(
        log.items(),
        [
            "callback: exception calling callback: callback boom",
            "initializer: Exception in initializer: initializer failed",
            "drop: Exception ignored in drop: bomb dropped",
        ]
    );
}

/// ERR-REPORT-1: `set_handler` returns the handler it replaces, the default
/// being `Stderr`; `Ignore` drops reports (nothing reaches the previous
/// custom handler).
#[test]
fn err_report_1_set_handler_returns_the_previous_one() {
    let _s = serial();
    let original = diagnostics::set_handler(Handler::Ignore);
    assert!(matches!(original, Handler::Stderr), "{original:?}");
    let (log, previous) = collect();
    assert!(matches!(previous, Handler::Ignore));
    assert!(matches!(
        diagnostics::set_handler(Handler::Ignore),
        Handler::Custom(_)
    ));
    let f: Future<u8> = Future::new();
    f.add_done_callback(|_| panic!("ignored"));
    assert!(f.cancel());
    assert!(log.items().is_empty());
    diagnostics::set_handler(original);
}

/// ERR-REPORT-1: handlers name themselves in `Debug` (the function of a
/// Custom one is not shown).
#[test]
fn err_report_1_handlers_debug() {
    let custom = Handler::Custom(Arc::new(|_: &Diagnostic<'_>| {}));
    let names: Vec<String> = [Handler::Stderr, Handler::Ignore, custom]
        .iter()
        .map(|h| format!("{h:?}"))
        .collect();
    assert_eq!(names, ["Stderr", "Ignore", "Custom(..)"]);
    assert!(matches!(Handler::default(), Handler::Stderr));
}

/// ERR-REPORT-1: a panicking Custom handler is contained: `cancel()` returns
/// normally and a worker that reported survives.
#[test]
fn err_report_1_panicking_handler_is_contained() {
    let _s = serial();
    let previous = diagnostics::set_handler(Handler::Custom(Arc::new(|_: &Diagnostic<'_>| {
        std::panic::panic_any(Bomb)
    })));
    let f: Future<u8> = Future::new();
    f.add_done_callback(|_| panic!("callback boom"));
    assert!(matches!(std::panic::catch_unwind(|| f.cancel()), Ok(true)));
    within_watchdog("worker reporting through a panicking handler", || {
        let pool = pool(1);
        let f = pool.submit(|| 1).unwrap();
        f.add_done_callback(|_| panic!("on the worker"));
        f.result(None).unwrap();
        assert_eq!(pool.submit(|| 2).unwrap().result(None).unwrap(), 2);
        assert_eq!(pool.threads_started(), 1);
    });
    diagnostics::set_handler(previous);
}

/// ERR-REPORT-1: the default handler prints the `Display` line on stderr and
/// `Ignore` prints nothing (seen from a child process's stderr).
#[test]
fn err_report_1_stderr_and_ignore_seen_from_a_child() {
    if let Some(mode) = std::env::var_os("CF_DIAG_CHILD") {
        if mode == "ignore" {
            diagnostics::set_handler(Handler::Ignore);
        }
        let f: Future<u8> = Future::new();
        f.add_done_callback(|_| panic!("child callback"));
        f.cancel();
        return;
    }
    let _s = serial();
    let run = |mode: &str| {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "err_report_1_stderr_and_ignore_seen_from_a_child",
            ])
            .args(["--nocapture", "--test-threads=1"])
            .env("CF_DIAG_CHILD", mode)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let line = "exception calling callback: child callback";
    assert!(run("stderr").lines().any(|l| l == line));
    assert!(!run("ignore").contains("exception calling callback"));
}
