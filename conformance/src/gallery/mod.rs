//! The gallery: deliberately broken executors and futures, each breaking
//! one clause, to prove that the kit notices. `tests/gallery.rs` asserts
//! that the kit flags every one with its clause; the binary's `--gallery`
//! prints the kill rate.
//!
//! Each [`Bug`] is the reference executor (or the [`ToyPool`], for flaws
//! that live in the executor itself) seen through an adapter that changes
//! exactly one behaviour.

mod toy_pool;

pub use toy_pool::{Flaws, ToyPool};

use crate::adapter::{Adapter, Callback, Config, MapRun, MapSpec, Mode, Outcome, Rejected, Task};
use crate::executor_adapter::{ExecutorAdapter, future_result};
use concurrent_futures::{Executor, Future};
use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// One deliberate defect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bug {
    /// Runs a task even after its future was cancelled.
    RunsCancelledTask,
    /// `cancel()` returns true for a running future.
    CancelRunningReturnsTrue,
    /// `cancel()` of a pending future returns false and cancels nothing.
    CancelPendingRefused,
    /// `exception()` of a failed future says "no exception".
    ExceptionReportedAsNone,
    /// `result(timeout=0)` blocks like `result()`.
    ZeroTimeoutBlocks,
    /// Every callback runs twice.
    CallbackRunsTwice,
    /// A panicking callback stops the later ones.
    CallbackPanicSkipsRest,
    /// `submit` after `shutdown` is accepted.
    AcceptsAfterShutdown,
    /// `shutdown(wait=True)` returns before the work is done.
    ShutdownReturnsEarly,
    /// `shutdown(cancel_futures=True)` cancels running work too.
    CancelFuturesCancelsRunning,
    /// Queued work starts newest first.
    LifoStart,
    /// One more task runs at once than `max_workers`.
    ExtraWorker,
    /// `wait` misses completions that happen while it blocks.
    WaitLostWakeup,
    /// `wait(FIRST_EXCEPTION)` behaves as `ALL_COMPLETED`.
    WaitFirstExceptionIsAll,
    /// `wait` counts a cancelled but unacknowledged future as done.
    WaitCountsUnacknowledgedCancel,
    /// `as_completed` yields a future once per occurrence in its input.
    AsCompletedDuplicates,
    /// `map` yields the latest finished item first.
    MapOutOfOrder,
    /// `map`'s timeout counts from each `next()`.
    MapDeadlinePerItem,
    /// Dropping a `map` iterator cancels nothing.
    MapDropCancelsNothing,
    /// A failing initializer leaves queued futures pending.
    BrokenPoolLeavesPending,
}

impl Bug {
    /// Every bug in the gallery.
    pub const ALL: [Bug; 20] = [
        Bug::RunsCancelledTask,
        Bug::CancelRunningReturnsTrue,
        Bug::CancelPendingRefused,
        Bug::ExceptionReportedAsNone,
        Bug::ZeroTimeoutBlocks,
        Bug::CallbackRunsTwice,
        Bug::CallbackPanicSkipsRest,
        Bug::AcceptsAfterShutdown,
        Bug::ShutdownReturnsEarly,
        Bug::CancelFuturesCancelsRunning,
        Bug::LifoStart,
        Bug::ExtraWorker,
        Bug::WaitLostWakeup,
        Bug::WaitFirstExceptionIsAll,
        Bug::WaitCountsUnacknowledgedCancel,
        Bug::AsCompletedDuplicates,
        Bug::MapOutOfOrder,
        Bug::MapDeadlinePerItem,
        Bug::MapDropCancelsNothing,
        Bug::BrokenPoolLeavesPending,
    ];

    /// A kebab-case name.
    pub fn name(self) -> String {
        let debug = format!("{self:?}");
        let mut out = String::new();
        for (i, c) in debug.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }

    /// The clauses the kit may name for it (the first is the one it breaks).
    pub fn clauses(self) -> &'static [&'static str] {
        match self {
            Bug::RunsCancelledTask => &["EXE-CANCEL-1"],
            Bug::CancelRunningReturnsTrue => &["FUT-CANCEL-2"],
            Bug::CancelPendingRefused => &["FUT-CANCEL-1"],
            Bug::ExceptionReportedAsNone => &["FUT-EXC-1"],
            Bug::ZeroTimeoutBlocks => &["FUT-TIMEOUT-2"],
            Bug::CallbackRunsTwice => &["CB-ONCE-1"],
            Bug::CallbackPanicSkipsRest => &["CB-PANIC-1"],
            Bug::AcceptsAfterShutdown => &["SHUT-REJECT-1"],
            Bug::ShutdownReturnsEarly => &["SHUT-WAIT-1"],
            Bug::CancelFuturesCancelsRunning => &["SHUT-CANCEL-2"],
            Bug::LifoStart => &["EXE-SUBMIT-3"],
            Bug::ExtraWorker => &["POOL-MAX-1"],
            Bug::WaitLostWakeup => &[
                "WAIT-ALLCOMPLETED-1",
                "WAIT-FIRSTCOMPLETED-1",
                "WAIT-FIRSTEXCEPTION-1",
            ],
            Bug::WaitFirstExceptionIsAll => &["WAIT-FIRSTEXCEPTION-1"],
            Bug::WaitCountsUnacknowledgedCancel => &["WAIT-CANCELLED-1"],
            Bug::AsCompletedDuplicates => &["ASC-ONCE-1"],
            Bug::MapOutOfOrder => &["MAP-ORDER-1", "MAP-CHUNK-2"],
            Bug::MapDeadlinePerItem => &["MAP-DEADLINE-1"],
            Bug::MapDropCancelsNothing => &["MAP-DROP-1"],
            Bug::BrokenPoolLeavesPending => &["POOL-BROKEN-1"],
        }
    }

    /// The bug named `name`.
    pub fn from_name(name: &str) -> Option<Bug> {
        Bug::ALL.into_iter().find(|b| b.name() == name)
    }

    /// Builds the broken executor for a scenario.
    pub fn build(self, cfg: Config) -> Broken {
        let flaws = Flaws {
            lifo: self == Bug::LifoStart,
            extra_worker: self == Bug::ExtraWorker,
            accepts_after_shutdown: self == Bug::AcceptsAfterShutdown,
            shutdown_returns_early: self == Bug::ShutdownReturnsEarly,
            broken_leaves_pending: self == Bug::BrokenPoolLeavesPending,
        };
        let executor: Box<dyn Executor> = if flaws != Flaws::default() {
            Box::new(ToyPool::new(cfg.workers, cfg.failing_initializer, flaws))
        } else {
            Box::new(crate::reference(cfg).into_executor())
        };
        Broken {
            bug: self,
            inner: ExecutorAdapter::new(executor).with_unsupported(Vec::new()),
            cancelled_at_shutdown: Mutex::new(HashSet::new()),
            handles: Mutex::new(Vec::new()),
            callbacks: Arc::new(Mutex::new(HashMap::new())),
        }
    }
}

type Handle = Future<u64>;

/// An executor with one [`Bug`].
pub struct Broken {
    bug: Bug,
    inner: ExecutorAdapter<Box<dyn Executor>>,
    /// CancelFuturesCancelsRunning: futures it pretends are cancelled.
    cancelled_at_shutdown: Mutex<HashSet<Handle>>,
    handles: Mutex<Vec<Handle>>,
    /// CallbackPanicSkipsRest: its own callback lists.
    callbacks: Arc<Mutex<HashMap<Handle, Vec<Callback>>>>,
}

impl Broken {
    /// ZeroTimeoutBlocks: `timeout=0` waits like `None`.
    fn timeout(&self, timeout: Option<Duration>) -> Option<Duration> {
        match (self.bug, timeout) {
            (Bug::ZeroTimeoutBlocks, Some(Duration::ZERO)) => None,
            _ => timeout,
        }
    }

    fn pretends_cancelled(&self, h: &Handle) -> bool {
        self.cancelled_at_shutdown.lock().unwrap().contains(h)
    }
}

impl Adapter for Broken {
    type Handle = Handle;

    fn submit(&self, task: Task) -> Result<Handle, Rejected> {
        let h = if self.bug == Bug::RunsCancelledTask {
            // The call runs whatever became of its future.
            let future = Future::new();
            let f = future.clone();
            self.inner
                .executor()
                .submit(move || {
                    let _ = f.set_running_or_notify_cancel();
                    match catch_unwind(AssertUnwindSafe(|| task.call())) {
                        Ok(Ok(v)) => drop(f.set_result(v)),
                        Ok(Err(m)) => drop(f.set_exception(concurrent_futures::Exception::msg(m))),
                        Err(p) => {
                            drop(f.set_exception(concurrent_futures::Exception::from_panic(p)))
                        }
                    }
                })
                .map_err(|e| crate::rejected_of_error(&e))?;
            future
        } else {
            self.inner.submit(task)?
        };
        self.handles.lock().unwrap().push(h.clone());
        Ok(h)
    }

    fn result(&self, h: &Handle, timeout: Option<Duration>) -> Outcome {
        if self.pretends_cancelled(h) {
            return Outcome::Cancelled;
        }
        self.inner.result(h, self.timeout(timeout))
    }

    fn exception(&self, h: &Handle, timeout: Option<Duration>) -> Outcome {
        if self.pretends_cancelled(h) {
            return Outcome::Cancelled;
        }
        match (self.bug, self.inner.exception(h, self.timeout(timeout))) {
            (Bug::ExceptionReportedAsNone, Outcome::Raised(..)) => Outcome::NoException,
            (_, other) => other,
        }
    }

    fn done(&self, h: &Handle) -> bool {
        self.pretends_cancelled(h) || self.inner.done(h)
    }

    fn shutdown(&self, wait: bool, cancel_futures: bool) {
        if self.bug == Bug::CancelFuturesCancelsRunning && cancel_futures {
            let handles = self.handles.lock().unwrap().clone();
            let mut pretend = self.cancelled_at_shutdown.lock().unwrap();
            pretend.extend(handles.into_iter().filter(|h| h.running()));
        }
        self.inner.shutdown(wait, cancel_futures);
    }

    fn cancel(&self, h: &Handle) -> bool {
        match self.bug {
            Bug::CancelRunningReturnsTrue => self.inner.cancel(h) || h.running(),
            Bug::CancelPendingRefused => false,
            _ => self.inner.cancel(h),
        }
    }

    fn cancelled(&self, h: &Handle) -> bool {
        self.pretends_cancelled(h) || self.inner.cancelled(h)
    }

    fn running(&self, h: &Handle) -> bool {
        !self.pretends_cancelled(h) && self.inner.running(h)
    }

    fn add_done_callback(&self, h: &Handle, callback: Callback) {
        match self.bug {
            Bug::CallbackRunsTwice => {
                self.inner.add_done_callback(h, callback.clone());
                self.inner.add_done_callback(h, callback);
            }
            Bug::CallbackPanicSkipsRest => {
                // Its own list, run without containing panics.
                let mut lists = self.callbacks.lock().unwrap();
                if h.done() && !lists.contains_key(h) {
                    drop(lists);
                    let _ = catch_unwind(AssertUnwindSafe(|| callback()));
                    return;
                }
                let first = !lists.contains_key(h);
                lists.entry(h.clone()).or_default().push(callback);
                drop(lists);
                if first {
                    let lists = self.callbacks.clone();
                    h.add_done_callback(move |f| {
                        let mine = lists
                            .lock()
                            .unwrap()
                            .get_mut(f)
                            .map(std::mem::take)
                            .unwrap_or_default();
                        for cb in mine {
                            cb(); // a panic here skips the rest
                        }
                    });
                }
            }
            _ => self.inner.add_done_callback(h, callback),
        }
    }

    fn wait(&self, hs: &[Handle], timeout: Option<Duration>, mode: Mode) -> Vec<usize> {
        match self.bug {
            Bug::WaitLostWakeup => {
                // Checks once, then sleeps through completions until the timeout.
                let now: Vec<usize> = self.inner.wait(hs, Some(Duration::ZERO), mode);
                let satisfied = match mode {
                    Mode::AllCompleted => now.len() == hs.len(),
                    Mode::FirstCompleted => !now.is_empty() || hs.is_empty(),
                    Mode::FirstException => {
                        now.len() == hs.len()
                            || now.iter().any(|&i| {
                                matches!(
                                    future_result(&hs[i], Some(Duration::ZERO)),
                                    Outcome::Raised(..)
                                )
                            })
                    }
                };
                if !satisfied {
                    sleep_without_wakeups(timeout);
                }
                now
            }
            Bug::WaitFirstExceptionIsAll if mode == Mode::FirstException => {
                self.inner.wait(hs, timeout, Mode::AllCompleted)
            }
            Bug::WaitCountsUnacknowledgedCancel => {
                let mut done = self.inner.wait(hs, timeout, mode);
                for (i, h) in hs.iter().enumerate() {
                    if h.cancelled() && !done.contains(&i) {
                        done.push(i);
                    }
                }
                done.sort_unstable();
                done
            }
            _ => self.inner.wait(hs, timeout, mode),
        }
    }

    fn as_completed<'a>(
        &'a self,
        hs: &'a [Handle],
        timeout: Option<Duration>,
    ) -> Box<dyn Iterator<Item = Result<usize, ()>> + 'a> {
        let it = self.inner.as_completed(hs, timeout);
        if self.bug != Bug::AsCompletedDuplicates {
            return it;
        }
        // Yields every input position of each completed future.
        Box::new(it.flat_map(move |r| {
            match r {
                Ok(i) => hs
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| *g == &hs[i])
                    .map(|(j, _)| Ok(j))
                    .collect::<Vec<_>>(),
                Err(()) => vec![Err(())],
            }
        }))
    }

    fn map(&self, tasks: Vec<Task>, spec: MapSpec) -> Result<MapRun<'_>, Rejected> {
        match self.bug {
            // Done wrong only where it is simple: one item per task, no buffer.
            Bug::MapOutOfOrder | Bug::MapDeadlinePerItem | Bug::MapDropCancelsNothing
                if spec.chunksize == 1 && spec.buffersize.is_none() =>
            {
                let fs = tasks
                    .into_iter()
                    .map(|t| {
                        self.inner
                            .executor()
                            .submit(move || crate::executor_adapter::run_map_item(t))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| crate::rejected_of_error(&e))?;
                Ok(Box::new(NaiveMap {
                    bug: self.bug,
                    fs: fs.into(),
                    timeout: spec.timeout,
                    started: false,
                    done: false,
                }))
            }
            _ => self.inner.map(tasks, spec),
        }
    }
}

fn sleep_without_wakeups(timeout: Option<Duration>) {
    // A condition variable nobody notifies: the lost wakeup.
    let (lock, cv) = (Mutex::new(()), Condvar::new());
    let guard = lock.lock().unwrap();
    match timeout {
        Some(t) => drop(cv.wait_timeout(guard, t)),
        None => loop {
            let _unused = cv.wait(lock.lock().unwrap());
        },
    }
}

/// A `map` done wrong in one of three ways (ignores chunksize and buffersize).
struct NaiveMap {
    bug: Bug,
    fs: std::collections::VecDeque<Future<u64>>,
    timeout: Option<Duration>,
    started: bool,
    done: bool,
}

impl Iterator for NaiveMap {
    type Item = Outcome;

    fn next(&mut self) -> Option<Outcome> {
        self.started = true;
        if self.done || self.fs.is_empty() {
            self.done = true;
            return None;
        }
        let f = if self.bug == Bug::MapOutOfOrder {
            // The last finished item first; else the oldest.
            match self.fs.iter().rposition(Future::done) {
                Some(pos) => self.fs.remove(pos)?,
                None => self.fs.pop_front()?,
            }
        } else {
            self.fs.pop_front()?
        };
        // MapDeadlinePerItem: the timeout restarts at every next().
        let started = Instant::now();
        let out = future_result(
            &f,
            self.timeout.map(|t| t.saturating_sub(started.elapsed())),
        );
        if !matches!(out, Outcome::Value(_)) {
            self.done = true;
            f.cancel();
            for g in self.fs.drain(..) {
                g.cancel();
            }
        }
        Some(out)
    }
}

impl Drop for NaiveMap {
    fn drop(&mut self) {
        if self.started && self.bug != Bug::MapDropCancelsNothing {
            for g in self.fs.drain(..) {
                g.cancel();
            }
        }
    }
}

/// The kit's verdict on one bug.
#[derive(Debug)]
pub struct Kill {
    /// The bug.
    pub bug: Bug,
    /// The clauses the kit flagged.
    pub flagged: Vec<String>,
    /// Whether one of the bug's own clauses was flagged.
    pub killed: bool,
    /// The report.
    pub report: crate::Report,
}

/// Options suited to the gallery: hangs are expected, so patience is short
/// and shrinking bounded.
pub fn gallery_options(cases: u32, seed: u64) -> crate::Options {
    crate::Options {
        cases,
        seed,
        timing: crate::Timing {
            patience: Duration::from_millis(400),
            short: Duration::from_millis(5),
        },
        max_shrink_iters: 32,
        max_shrink_time: Duration::from_secs(10),
        ..crate::Options::default()
    }
}

/// Runs the kit on `bug`, group by group (the groups owning its clauses
/// first), until one of its clauses is flagged.
pub fn hunt(bug: Bug, options: &crate::Options) -> Kill {
    let owns = |g: &crate::Group| bug.clauses().iter().any(|c| g.clauses.contains(c));
    let mut order: Vec<&crate::Group> = crate::GROUPS.iter().filter(|g| owns(g)).collect();
    order.extend(crate::GROUPS.iter().filter(|g| !owns(g)));
    let mut flagged: Vec<String> = Vec::new();
    let mut last = None;
    for group in order {
        let options = crate::Options {
            groups: Some(vec![group.name.to_string()]),
            ..options.clone()
        };
        let report = crate::check(&bug.name(), Arc::new(move |cfg| bug.build(cfg)), &options);
        for c in report.failed_clauses() {
            if !flagged.contains(&c) {
                flagged.push(c);
            }
        }
        last = Some(report);
        if flagged.iter().any(|c| bug.clauses().contains(&c.as_str())) {
            break;
        }
    }
    let killed = flagged.iter().any(|c| bug.clauses().contains(&c.as_str()));
    Kill {
        bug,
        flagged,
        killed,
        report: last.expect("at least one group"),
    }
}
