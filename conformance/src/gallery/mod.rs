//! The gallery: deliberately broken executors and futures, each breaking
//! one clause, to prove that the kit notices. `tests/gallery.rs` asserts
//! that the kit flags every one with its clause; the binary's `--gallery`
//! prints the kill rate.
//!
//! Each [`Bug`] is the reference executor (or the [`ToyPool`], for flaws
//! that live in the executor itself) seen through an adapter that changes
//! exactly one behaviour.

mod toy_pool;

pub use toy_pool::{Flaws, ToyPool, as_map_submissions};

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
    /// Runs a task even after its future was cancelled (on a thread of its
    /// own, started by the `cancel()` that succeeded).
    RunsCancelledTask,
    /// `cancel()` returns true for a running future.
    CancelRunningReturnsTrue,
    /// `cancel()` of a pending future returns false and cancels nothing.
    CancelPendingRefused,
    /// `exception()` of a failed future says "no exception".
    ExceptionReportedAsNone,
    /// `result(timeout=0)` blocks like `result()`.
    ZeroTimeoutBlocks,
    /// A callback added to a done future runs twice.
    CallbackRunsTwice,
    /// A panicking callback stops the later ones.
    CallbackPanicSkipsRest,
    /// A panicking callback called at once by `add_done_callback` (on a
    /// done future) is not contained: the panic escapes the call, as a
    /// raising callback's exception does on CPython 3.6.
    ImmediateCallbackPanicEscapes,
    /// `submit` after `shutdown` is accepted: the submit path skips the
    /// check and runs the task on a thread of its own (the executor itself,
    /// and so its `map`, still refuses).
    AcceptsAfterShutdown,
    /// `shutdown(wait=True)` returns before the work is done.
    ShutdownReturnsEarly,
    /// `shutdown(cancel_futures=True)` cancels running work too.
    CancelFuturesCancelsRunning,
    /// Queued work starts newest first.
    LifoStart,
    /// One more task runs at once than `max_workers` (a `submit` that finds
    /// every worker busy starts its task on an extra thread).
    ExtraWorker,
    /// `wait(timeout=None)` misses completions: it decides from a stale view
    /// (the futures done when the last task was submitted) and then sleeps
    /// through every completion.
    WaitLostWakeup,
    /// `wait(FIRST_EXCEPTION)` behaves as `ALL_COMPLETED`.
    WaitFirstExceptionIsAll,
    /// `wait` counts a cancelled but unacknowledged future as done.
    WaitCountsUnacknowledgedCancel,
    /// `as_completed` yields a future once per occurrence in its input.
    AsCompletedDuplicates,
    /// `map` yields its first two results swapped.
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
    pub const ALL: [Bug; 21] = [
        Bug::RunsCancelledTask,
        Bug::CancelRunningReturnsTrue,
        Bug::CancelPendingRefused,
        Bug::ExceptionReportedAsNone,
        Bug::ZeroTimeoutBlocks,
        Bug::CallbackRunsTwice,
        Bug::CallbackPanicSkipsRest,
        Bug::ImmediateCallbackPanicEscapes,
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

    /// The clauses it breaks, exactly: the kit must flag these and no
    /// others (`tests/gallery.rs`). The first is the one it is named for.
    pub fn clauses(self) -> &'static [&'static str] {
        match self {
            Bug::RunsCancelledTask => &["EXE-CANCEL-1"],
            Bug::CancelRunningReturnsTrue => &["FUT-CANCEL-2"],
            Bug::CancelPendingRefused => &["FUT-CANCEL-1"],
            Bug::ExceptionReportedAsNone => &["FUT-EXC-1"],
            Bug::ZeroTimeoutBlocks => &["FUT-TIMEOUT-2"],
            Bug::CallbackRunsTwice => &["CB-ONCE-1"],
            Bug::CallbackPanicSkipsRest => &["CB-PANIC-1"],
            Bug::ImmediateCallbackPanicEscapes => &["CB-PANIC-2"],
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
            Bug::MapOutOfOrder => &["MAP-ORDER-1"],
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
            seen_done: Mutex::new(HashSet::new()),
            slots: Mutex::new(HashMap::new()),
            callbacks: Arc::default(),
        }
    }
}

type Handle = Future<u64>;

/// A task the executor has not started yet (`None` once it has).
type Slot = Arc<Mutex<Option<Task>>>;

/// An executor with one [`Bug`].
pub struct Broken {
    bug: Bug,
    inner: ExecutorAdapter<Box<dyn Executor>>,
    /// CancelFuturesCancelsRunning: futures it pretends are cancelled.
    cancelled_at_shutdown: Mutex<HashSet<Handle>>,
    handles: Mutex<Vec<Handle>>,
    /// RunsCancelledTask: each future's task until the executor starts it.
    slots: Mutex<HashMap<Handle, Slot>>,
    /// WaitLostWakeup: the futures that were done at the last submit.
    seen_done: Mutex<HashSet<Handle>>,
    /// CallbackPanicSkipsRest: its own callback lists.
    callbacks: Arc<Mutex<CallbackLists>>,
}

/// CallbackPanicSkipsRest's callbacks: stored per future until it is done,
/// then run in order without containing panics.
#[derive(Default)]
struct CallbackLists {
    stored: HashMap<Handle, Vec<Callback>>,
    /// Futures whose stored callbacks were taken to run: later ones run at once.
    fired: HashSet<Handle>,
}

impl Broken {
    /// ZeroTimeoutBlocks: `timeout=0` waits like `None`.
    fn timeout(&self, timeout: Option<Duration>) -> Option<Duration> {
        match (self.bug, timeout) {
            (Bug::ZeroTimeoutBlocks, Some(Duration::ZERO)) => None,
            _ => timeout,
        }
    }

    /// Submits `task` through a slot, so that the adapter can still take
    /// it back while the executor has not started it.
    fn submit_slotted(&self, task: Task) -> (Result<Handle, Rejected>, Slot) {
        let slot: Slot = Arc::new(Mutex::new(Some(task)));
        let s = slot.clone();
        let submitted = self.inner.submit(Task::new(move || {
            let task = s.lock().unwrap().take().expect("runs once");
            task.call()
        }));
        (submitted, slot)
    }

    /// AcceptsAfterShutdown: what the executor refuses as shut down runs on
    /// a thread of its own.
    fn submit_ignoring_shutdown(&self, task: Task) -> Result<Handle, Rejected> {
        match self.submit_slotted(task) {
            (Err(Rejected::Shutdown), slot) => {
                let task = slot.lock().unwrap().take().expect("not run");
                let future = Future::new();
                let f = future.clone();
                std::thread::spawn(move || run_into(&f, task));
                Ok(future)
            }
            (other, _) => other,
        }
    }

    fn pretends_cancelled(&self, h: &Handle) -> bool {
        self.cancelled_at_shutdown.lock().unwrap().contains(h)
    }
}

impl Adapter for Broken {
    type Handle = Handle;

    fn submit(&self, task: Task) -> Result<Handle, Rejected> {
        if self.bug == Bug::WaitLostWakeup {
            let handles = self.handles.lock().unwrap();
            let done = handles.iter().filter(|h| h.done()).cloned().collect();
            *self.seen_done.lock().unwrap() = done;
        }
        let h = match self.bug {
            Bug::RunsCancelledTask => {
                let (h, slot) = self.submit_slotted(task);
                let h = h?;
                self.slots.lock().unwrap().insert(h.clone(), slot);
                h
            }
            Bug::AcceptsAfterShutdown => self.submit_ignoring_shutdown(task)?,
            _ => self.inner.submit(task)?,
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
            Bug::RunsCancelledTask => {
                // Only the cancel() that moves a pending future to CANCELLED.
                let pending = !h.done();
                let cancelled = self.inner.cancel(h);
                let slot = self.slots.lock().unwrap().get(h).cloned();
                let task = slot.filter(|_| pending && cancelled);
                if let Some(task) = task.and_then(|s| s.lock().unwrap().take()) {
                    // The flaw: the cancelled task runs anyway, on a thread
                    // of its own (its outcome is lost; the workers' schedule
                    // is the one the executor would have had).
                    // cancel() returns once the task is under way, so that
                    // its start is there to see (not a race with the kit).
                    let started = Arc::new(std::sync::Barrier::new(2));
                    let s = started.clone();
                    std::thread::spawn(move || {
                        s.wait();
                        drop(catch_unwind(AssertUnwindSafe(|| task.call())));
                    });
                    started.wait();
                }
                cancelled
            }
            Bug::CancelRunningReturnsTrue => self.inner.cancel(h) || h.running(),
            // Only a pending future is refused (a cancelled one still says true).
            Bug::CancelPendingRefused if !h.running() && !h.done() => false,
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
            Bug::CallbackRunsTwice if h.done() => {
                // Called at once, twice (so the second run happens within
                // this call, not racing with other futures' callbacks).
                self.inner.add_done_callback(h, callback.clone());
                self.inner.add_done_callback(h, callback);
            }
            Bug::ImmediateCallbackPanicEscapes => {
                // The reference contains the panic; this one catches it
                // only to let it out of the call when the callback ran
                // within it (at once, on this thread), not when it was
                // queued behind callbacks still being delivered.
                let caller = std::thread::current().id();
                let escaped: Arc<Mutex<Option<Box<dyn std::any::Any + Send>>>> = Arc::default();
                let slot = escaped.clone();
                self.inner.add_done_callback(
                    h,
                    Arc::new(move || {
                        if std::thread::current().id() != caller {
                            return callback();
                        }
                        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| callback())) {
                            *slot.lock().unwrap() = Some(panic);
                        }
                    }),
                );
                let panic = escaped.lock().unwrap().take();
                if let Some(panic) = panic {
                    std::panic::resume_unwind(panic);
                }
            }
            Bug::CallbackPanicSkipsRest => {
                let mut lists = self.callbacks.lock().unwrap();
                if lists.fired.contains(h) {
                    // Done and its stored callbacks run: call at once,
                    // containing a panic (CB-ADD-2).
                    drop(lists);
                    let _ = catch_unwind(AssertUnwindSafe(|| callback()));
                    return;
                }
                let first = !lists.stored.contains_key(h);
                lists.stored.entry(h.clone()).or_default().push(callback);
                drop(lists);
                if first {
                    let lists = self.callbacks.clone();
                    h.add_done_callback(move |f| {
                        let mine = {
                            let mut lists = lists.lock().unwrap();
                            lists.fired.insert(f.clone());
                            lists.stored.remove(f).unwrap_or_default()
                        };
                        for cb in mine {
                            cb(); // the flaw: a panic here skips the rest
                        }
                    });
                }
            }
            _ => self.inner.add_done_callback(h, callback),
        }
    }

    fn wait(&self, hs: &[Handle], timeout: Option<Duration>, mode: Mode) -> Vec<usize> {
        match self.bug {
            Bug::WaitLostWakeup if timeout.is_none() => {
                // Decides from the stale view; if that is not enough, sleeps
                // through every completion (a wakeup nobody sends).
                let seen = self.seen_done.lock().unwrap().clone();
                let stale: Vec<usize> = (0..hs.len()).filter(|&i| seen.contains(&hs[i])).collect();
                let satisfied = match mode {
                    Mode::AllCompleted => stale.len() == hs.len(),
                    Mode::FirstCompleted => !stale.is_empty() || hs.is_empty(),
                    Mode::FirstException => {
                        stale.len() == hs.len()
                            || stale.iter().any(|&i| {
                                matches!(
                                    future_result(&hs[i], Some(Duration::ZERO)),
                                    Outcome::Raised(..)
                                )
                            })
                    }
                };
                if !satisfied {
                    sleep_without_wakeups();
                }
                self.inner.wait(hs, Some(Duration::ZERO), mode)
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
            // Its own map where it is simple (one item per task, no buffer),
            // with exactly one flaw; the core's map otherwise.
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
                Ok(Box::new(FlawedMap::new(self.bug, fs, spec.timeout)))
            }
            Bug::ExtraWorker => {
                let mut it = as_map_submissions(|| self.inner.map(tasks, spec))?;
                Ok(Box::new(std::iter::from_fn(move || {
                    as_map_submissions(|| it.next())
                })))
            }
            _ => self.inner.map(tasks, spec),
        }
    }
}

/// Runs `task` into `f`: starts it, then sets its outcome.
fn run_into(f: &Future<u64>, task: Task) {
    let _ = f.set_running_or_notify_cancel();
    let _ = match catch_unwind(AssertUnwindSafe(|| task.call())) {
        Ok(Ok(v)) => f.set_result(v),
        Ok(Err(m)) => f.set_exception(concurrent_futures::Exception::msg(m)),
        Err(p) => f.set_exception(concurrent_futures::Exception::from_panic(p)),
    };
}

/// Blocks for good: a condition variable nobody notifies (the thread is
/// abandoned by the kit's watchdog).
fn sleep_without_wakeups() -> ! {
    let (lock, cv) = (Mutex::new(()), Condvar::new());
    let mut guard = lock.lock().unwrap();
    loop {
        guard = cv.wait(guard).unwrap();
    }
}

/// A `map` (one task per item, no buffer) with exactly one flaw, chosen by
/// its bug; otherwise as the spec says: results in input order, the
/// deadline fixed at the call, a timeout or failure cancels the rest and
/// ends the iteration, dropping an advanced iterator cancels the rest.
struct FlawedMap {
    bug: Bug,
    fs: std::collections::VecDeque<Future<u64>>,
    timeout: Option<Duration>,
    /// The deadline, fixed at the call (MAP-DEADLINE-1).
    deadline: Option<Instant>,
    /// MapOutOfOrder: the first item's value, yielded after the second's.
    held: Option<Outcome>,
    swapped: bool,
    started: bool,
    done: bool,
}

impl FlawedMap {
    fn new(bug: Bug, fs: Vec<Future<u64>>, timeout: Option<Duration>) -> FlawedMap {
        FlawedMap {
            bug,
            fs: fs.into(),
            timeout,
            deadline: timeout.map(|t| Instant::now() + t),
            held: None,
            swapped: false,
            started: false,
            done: false,
        }
    }

    fn wait_for(&self, f: &Future<u64>) -> Outcome {
        let timeout = if self.bug == Bug::MapDeadlinePerItem {
            // The flaw: the timeout restarts at every next().
            self.timeout
        } else {
            self.deadline
                .map(|d| d.saturating_duration_since(Instant::now()))
        };
        future_result(f, timeout)
    }

    /// A timeout or failure: cancel `f` and every later future, and end.
    fn finish(&mut self, f: Option<&Future<u64>>) {
        self.done = true;
        f.map(Future::cancel);
        for g in self.fs.drain(..) {
            g.cancel();
        }
    }
}

impl Iterator for FlawedMap {
    type Item = Outcome;

    fn next(&mut self) -> Option<Outcome> {
        self.started = true;
        if let Some(out) = self.held.take() {
            return Some(out);
        }
        if self.done {
            return None;
        }
        let Some(f) = self.fs.pop_front() else {
            self.done = true;
            return None;
        };
        let out = self.wait_for(&f);
        if !matches!(out, Outcome::Value(_)) {
            self.finish(Some(&f));
            return Some(out);
        }
        if self.bug == Bug::MapOutOfOrder && !self.swapped && !self.fs.is_empty() {
            // The flaw: the first two results are yielded swapped.
            self.swapped = true;
            let g = self.fs.pop_front().expect("checked non-empty");
            let second = self.wait_for(&g);
            if !matches!(second, Outcome::Value(_)) {
                self.finish(Some(&g));
            }
            self.held = Some(out);
            return Some(second);
        }
        Some(out)
    }
}

impl Drop for FlawedMap {
    fn drop(&mut self) {
        // The flaw of MapDropCancelsNothing: nothing is cancelled.
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
    /// The clauses the kit flagged, in report order.
    pub flagged: Vec<String>,
    /// Whether one of the bug's own clauses was flagged.
    pub killed: bool,
    /// Whether the flagged clauses are exactly [`Bug::clauses`]: the bug
    /// breaks what it is named for and nothing else.
    pub exact: bool,
    /// The reports, one per clause group.
    pub reports: Vec<crate::Report>,
}

impl Kill {
    /// Its clauses the kit did not flag.
    pub fn missed(&self) -> Vec<&'static str> {
        let clauses = self.bug.clauses().iter().copied();
        clauses
            .filter(|c| !self.flagged.iter().any(|f| f == c))
            .collect()
    }

    /// Flagged clauses that are not its own.
    pub fn extra(&self) -> Vec<&str> {
        let flagged = self.flagged.iter().map(String::as_str);
        flagged
            .filter(|f| !self.bug.clauses().contains(f))
            .collect()
    }
}

/// Options suited to the gallery: `cases` and `seed` as given (no caps),
/// short patience (several bugs hang by design, and each hang costs three
/// patiences), no shrinking (the verdict is the set of flagged clauses,
/// not the counterexample; shrinking a hang costs a hang per step).
pub fn gallery_options(cases: u32, seed: u64) -> crate::Options {
    crate::Options {
        cases,
        seed,
        timing: crate::Timing {
            patience: Duration::from_millis(400),
            short: Duration::from_millis(5),
        },
        max_shrink_iters: 0,
        max_shrink_time: Duration::from_secs(10),
        ..crate::Options::default()
    }
}

/// Runs the whole kit on `bug` (every clause group, or `options.groups`;
/// the groups run at the same time, on threads of their own, since most of
/// a broken executor's time is spent in hangs) and compares the clauses it
/// flags with the bug's own.
pub fn hunt(bug: Bug, options: &crate::Options) -> Kill {
    let groups: Vec<&crate::Group> = crate::GROUPS
        .iter()
        .filter(|g| {
            options
                .groups
                .as_ref()
                .is_none_or(|only| only.iter().any(|n| n == g.name))
        })
        .collect();
    let reports: Vec<crate::Report> = std::thread::scope(|scope| {
        let running: Vec<_> = groups
            .iter()
            .map(|g| {
                let options = crate::Options {
                    groups: Some(vec![g.name.to_string()]),
                    ..options.clone()
                };
                scope.spawn(move || {
                    crate::check(
                        &format!("gallery:{}", bug.name()),
                        Arc::new(move |cfg| bug.build(cfg)),
                        &options,
                    )
                })
            })
            .collect();
        running
            .into_iter()
            .map(|t| t.join().expect("a clause group's check panicked"))
            .collect()
    });
    let mut flagged: Vec<String> = Vec::new();
    for c in reports.iter().flat_map(crate::Report::failed_clauses) {
        if !flagged.contains(&c) {
            flagged.push(c);
        }
    }
    let killed = flagged.iter().any(|c| bug.clauses().contains(&c.as_str()));
    let exact = killed
        && flagged.len() == bug.clauses().len()
        && bug.clauses().iter().all(|c| flagged.iter().any(|f| f == c));
    Kill {
        bug,
        flagged,
        killed,
        exact,
        reports,
    }
}
