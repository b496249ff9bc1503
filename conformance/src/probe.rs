//! What the kit's tasks and callbacks leave behind: gates they block on and
//! a log of which tasks started and which callbacks ran, with blocking
//! waits bounded by a patience so that a wedged executor is reported, never
//! waited for.

use crate::adapter::Task;
use crate::model::{Item, MARK, message_of, value_of};
use crate::scenario::{GATES, TaskSpec};
use std::sync::{Condvar, Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

/// The scenario's gates.
#[derive(Debug, Default)]
pub struct Gates {
    open: Mutex<[bool; GATES]>,
    changed: Condvar,
}

impl Gates {
    fn lock(&self) -> MutexGuard<'_, [bool; GATES]> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens gate `g`.
    pub fn open(&self, g: usize) {
        self.lock()[g % GATES] = true;
        self.changed.notify_all();
    }

    /// Opens every gate (teardown, or a scenario abandoned by the watchdog).
    pub fn open_all(&self) {
        *self.lock() = [true; GATES];
        self.changed.notify_all();
    }

    /// Blocks until gate `g` is open.
    pub fn pass(&self, g: usize) {
        let mut open = self.lock();
        while !open[g % GATES] {
            open = self.changed.wait(open).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// The record of what ran.
#[derive(Debug, Default)]
pub struct Log {
    inner: Mutex<LogInner>,
    changed: Condvar,
}

/// The log's contents.
#[derive(Clone, Debug, Default)]
pub struct LogInner {
    /// Task ids in the order they started.
    pub started: Vec<usize>,
    /// Task ids in the order their calls returned (or raised).
    pub finished: Vec<usize>,
    /// (future index, callback label) in the order callbacks ran.
    pub callbacks: Vec<(usize, usize)>,
    /// The most tasks that were running at once (started, call not yet
    /// returned), over the whole run.
    pub peak: usize,
}

impl Log {
    fn lock(&self) -> MutexGuard<'_, LogInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, f: impl FnOnce(&mut LogInner)) {
        f(&mut self.lock());
        self.changed.notify_all();
    }

    /// Records that task `id` started.
    pub fn started(&self, id: usize) {
        self.record(|l| {
            l.started.push(id);
            l.peak = l.peak.max(l.started.len() - l.finished.len());
        });
    }

    /// Records that task `id`'s call is returning.
    pub fn finished(&self, id: usize) {
        self.record(|l| l.finished.push(id));
    }

    /// Records that callback `label` of future `f` ran.
    pub fn callback(&self, f: usize, label: usize) {
        self.record(|l| l.callbacks.push((f, label)));
    }

    /// A copy of the log.
    pub fn snapshot(&self) -> LogInner {
        self.lock().clone()
    }

    /// Waits up to `patience` until `ready` holds; returns the log either way
    /// and whether it held.
    pub fn wait_for(
        &self,
        patience: Duration,
        mut ready: impl FnMut(&LogInner) -> bool,
    ) -> (LogInner, bool) {
        let deadline = Instant::now() + patience;
        let mut log = self.lock();
        loop {
            if ready(&log) {
                return (log.clone(), true);
            }
            let now = Instant::now();
            if now >= deadline {
                return (log.clone(), false);
            }
            log = self
                .changed
                .wait_timeout(log, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// Builds the task for `item`: it logs its start, then does what its spec says.
pub fn make_task(item: Item, gates: &std::sync::Arc<Gates>, log: &std::sync::Arc<Log>) -> Task {
    let (gates, log, again) = (gates.clone(), log.clone(), log.clone());
    let run_again = move || {
        again.started(item.id);
        again.finished(item.id);
    };
    Task::with_run_again(
        move || {
            log.started(item.id);
            if let TaskSpec::Gated(g) = item.spec {
                gates.pass(g);
            }
            log.finished(item.id);
            match item.spec {
                TaskSpec::Return | TaskSpec::Gated(_) => Ok(value_of(item.id)),
                TaskSpec::Fail => Err(message_of(item.id, item.spec)),
                TaskSpec::Panic => panic!("{}", message_of(item.id, item.spec)),
            }
        },
        run_again,
    )
}

/// Keeps the kit's own deliberate panics (tasks and callbacks that panic on
/// purpose) off stderr, and the core's reports of them ("exception calling
/// callback", "Exception in initializer": the kit's failing initializer);
/// every other panic reaches the previous hook, every other report the
/// previous [`concurrent_futures::diagnostics`] handler.
pub fn quiet_kit_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        quiet_panics_where(|text| text.contains(MARK));
        quiet_kit_diagnostics();
    });
}

/// Routes the core's reports: those about the kit's deliberate failures are
/// dropped, the rest go where they went before.
fn quiet_kit_diagnostics() {
    use concurrent_futures::diagnostics::{Diagnostic, Handler, set_handler};
    use std::sync::{Arc, Mutex};
    let previous = Arc::new(Mutex::new(Handler::Ignore));
    let forward = previous.clone();
    let before = set_handler(Handler::Custom(Arc::new(move |d: &Diagnostic<'_>| {
        let text = d.to_string();
        if text.contains(MARK) {
            return;
        }
        let handler = forward.lock().unwrap_or_else(|e| e.into_inner()).clone();
        match handler {
            Handler::Custom(f) => f(d),
            Handler::Ignore => {}
            _ => eprintln!("{text}"),
        }
    })));
    *previous.lock().unwrap_or_else(|e| e.into_inner()) = before;
}

/// Installs a panic hook that drops the panics whose message `deliberate`
/// accepts and hands every other one to the hook installed before. Call it
/// once per kind of deliberate panic (callers guard it with a `Once`).
pub fn quiet_panics_where(deliberate: fn(&str) -> bool) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !deliberate(&crate::adapters::panic_message(info.payload())) {
            previous(info);
        }
    }));
}
