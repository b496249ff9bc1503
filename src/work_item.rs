//! [`WorkItem`]: a call and its future, type-erased, as executors queue them.

use crate::diagnostics::drop_contained;
use crate::exception::{BoxError, Exception};
use crate::future::{Erased, Future, Shared};
use crate::sync::{CellArc, UnsafeCell};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A submitted call together with its [`Future`], ready to be queued by an
/// executor (Python's `_WorkItem`). This is what
/// [`Executor::submit_work`](crate::Executor::submit_work) receives.
///
/// An executor must eventually do exactly one of three things with it:
/// [`run`](WorkItem::run) it, [`cancel`](WorkItem::cancel) it, or
/// [`fail`](WorkItem::fail) it. If it is dropped instead, its future is
/// cancelled and acknowledged (CANCELLED_AND_NOTIFIED), so no one waits for
/// it forever (EXE-WORKITEM-4).
///
/// ```
/// use concurrent_futures::WorkItem;
///
/// let (item, future) = WorkItem::new(|| 6 * 7);
/// item.run(); // what a worker thread does
/// assert_eq!(future.result(None).unwrap(), 42);
/// ```
pub struct WorkItem {
    /// The future's own allocation, holding the call (`None` once the item
    /// was run, cancelled or failed).
    job: Option<CellArc<dyn Job>>,
}

/// The task's call, stored in its future's allocation (one allocation per
/// task: `Shared<T, Call<F>>`). `Some` until the work item runs, cancels or
/// fails it, or is dropped. It is taken out, then called or dropped.
/// Unwind-safe: a panicking call has already been taken out (and runs under
/// `catch_unwind`), so no one can see a call left half-changed by a panic.
///
/// **Who may touch it (the invariant the `unsafe` blocks rely on).** Only
/// the holder of the allocation's one job handle: the `CellArc<dyn Job>` of
/// a [`WorkItem`], moved into its [`RunningWork`] by `start`. Neither type is
/// `Clone` and each method that takes the call consumes it, so the handle
/// is owned by one thread at a time, and it passes between threads only by
/// a move (a queue's lock, a channel, a thread spawn), which orders an
/// access before the next. The [`Future`] handles to the same allocation
/// see it as `dyn Erased`, which has no method that reaches the call; the
/// allocation's drop has `&mut`. So the slot needs no lock of its own: in
/// callgrind that lock cost ~37 instructions per task (issue 14), and its
/// mutex 8 B. Under loom the cell is loom's, which would report two
/// unordered accesses (model `loom_call_slot_owned_by_the_work_item`,
/// mutant `cancel_takes_call`).
pub(crate) struct Call<F>(AssertUnwindSafe<UnsafeCell<Option<F>>>);

// SAFETY: `&Call<F>` is shared between threads only inside the future's
// allocation, and only the one thread that holds the job handle takes the
// call out (see `Call`'s documentation); the call then moves to that thread,
// hence `F: Send`, the bound a `Mutex<Option<F>>` would have had.
unsafe impl<F: Send> Sync for Call<F> {}

impl<F: Send + 'static> Erased for Call<F> {
    // MUTANT: a cancel that wins frees the call at once, through a future handle.
    #[cfg(cf_mutant = "cancel_takes_call")]
    fn discard_call(&self) {
        // SAFETY: none; this mutant breaks the ownership rule on purpose.
        drop(unsafe { self.take() });
    }
}

impl<F> Call<F> {
    /// Takes the call out of its slot.
    ///
    /// # Safety
    ///
    /// The caller holds the allocation's job handle (`Job`'s contract): no
    /// other thread can be in `take` at the same time.
    unsafe fn take(&self) -> Option<F> {
        // SAFETY: the caller's contract makes this the only access for its
        // duration, so the exclusive reference lives alone.
        self.0.with_mut(|slot| unsafe { (*slot).take() })
    }
}

/// What a [`WorkItem`] does with the allocation it shares with its future,
/// whatever the future's value type. Its methods are called only by the
/// [`WorkItem`] or [`RunningWork`] that holds the allocation's one job
/// handle, through that handle: the contract `Call::take` needs.
trait Job: Send + Sync {
    /// PENDING -> RUNNING (true), or CANCELLED -> C&N with the call dropped
    /// (false). Later, `run` calls the call without a second transition.
    fn start(&self) -> bool;
    /// Runs the call (`started`: `start` already moved the future to RUNNING).
    fn run(self: CellArc<Self>, started: bool, after_call: &mut dyn FnMut());
    fn cancel(self: CellArc<Self>);
    fn fail(self: CellArc<Self>, exception: Exception);
    /// The work item was dropped: if the call is still there, drop it and
    /// settle the future so no one waits for ever (EXE-WORKITEM-4/5).
    fn abandon(self: CellArc<Self>, started: bool);
}

impl<T, F> Job for Shared<T, Call<F>>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Exception> + Send + 'static,
{
    fn start(&self) -> bool {
        if matches!(self.set_running_or_notify_cancel(), Ok(true)) {
            return true;
        }
        // Cancelled (now acknowledged): the call never runs.
        // SAFETY: reached through the job handle (`Job`'s contract).
        drop_contained(unsafe { self.call.take() });
        false
    }

    fn run(self: CellArc<Self>, started: bool, after_call: &mut dyn FnMut()) {
        // SAFETY: reached through the job handle (`Job`'s contract).
        let call = unsafe { self.call.take() };
        let future = Future::from_shared(self);
        if let Some(call) = call {
            // PENDING -> RUNNING, or CANCELLED -> C&N and skip (the call of a
            // cancelled future never runs; its closure is dropped, contained).
            // Already RUNNING if `start` claimed it.
            if !started && !matches!(future.set_running_or_notify_cancel(), Ok(true)) {
                drop_contained(call);
                after_call();
            } else {
                // The call is wrapped in `catch_unwind` by its constructor,
                // and the panic payload is dropped contained
                // (`Exception::from_panic`).
                let outcome = call();
                // Only a user calling set_result on a running future can make
                // this refuse; the first outcome is kept (FUT-SET-*).
                // `after_call` runs once either way, when the worker is idle
                // again.
                future.finish_then(outcome, after_call);
            }
        }
        // This may be the last handle to the future: dropping it drops the
        // value or exception no one can read any more, user code that may
        // panic (POOL-DROPPANIC-1).
        drop_contained(future);
    }

    fn cancel(self: CellArc<Self>) {
        // SAFETY: reached through the job handle (`Job`'s contract).
        drop_contained(unsafe { self.call.take() });
        Future::from_shared(self).cancel_and_notify();
    }

    fn fail(self: CellArc<Self>, exception: Exception) {
        // SAFETY: reached through the job handle (`Job`'s contract).
        drop_contained(unsafe { self.call.take() });
        Future::from_shared(self).fail_or_notify_cancel(exception);
    }

    fn abandon(self: CellArc<Self>, started: bool) {
        // SAFETY: reached through the job handle (`Job`'s contract).
        let Some(call) = (unsafe { self.call.take() }) else {
            return;
        };
        // Dropped without being run, cancelled or failed.
        drop_contained(call);
        let future = Future::from_shared(self);
        if started {
            // RUNNING cannot be cancelled: finish it, so no one waits for
            // ever (EXE-WORKITEM-5).
            future.finish_then(Err(Exception::broken_executor(DROPPED_RUNNING)), &mut || {});
        } else {
            future.cancel_and_notify();
        }
    }
}

impl Drop for WorkItem {
    fn drop(&mut self) {
        if let Some(job) = self.job.take() {
            job.abandon(false);
        }
    }
}

impl Drop for RunningWork {
    fn drop(&mut self) {
        if let Some(job) = self.job.take() {
            job.abandon(true);
        }
    }
}

/// The allocation of a work item or running work; only `None` inside `drop`.
fn take_job(job: &mut Option<CellArc<dyn Job>>) -> CellArc<dyn Job> {
    job.take()
        .expect("a work item holds its job until it is dropped")
}

impl WorkItem {
    /// Wraps `call`; a panic in it becomes the future's [`Exception`] (kind
    /// [`Panic`](crate::ExceptionKind::Panic)).
    pub fn new<T, F>(call: F) -> (WorkItem, Future<T>)
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        WorkItem::from_outcome(move || {
            catch_unwind(AssertUnwindSafe(call)).map_err(Exception::from_panic)
        })
    }

    /// Wraps a fallible `call`: `Err(e)` becomes the future's [`Exception`]
    /// (kind [`Error`](crate::ExceptionKind::Error)), a panic one of kind
    /// [`Panic`](crate::ExceptionKind::Panic).
    ///
    /// ```
    /// use concurrent_futures::{ExceptionKind, WorkItem};
    ///
    /// let (item, future) = WorkItem::new_fallible(|| "x".parse::<i32>());
    /// item.run();
    /// let e = future.exception(None).unwrap().unwrap();
    /// assert_eq!(e.kind(), ExceptionKind::Error);
    /// assert!(e.downcast_ref::<std::num::ParseIntError>().is_some());
    /// ```
    pub fn new_fallible<T, E, F>(call: F) -> (WorkItem, Future<T>)
    where
        T: Send + 'static,
        E: Into<BoxError>,
        F: FnOnce() -> Result<T, E> + Send + 'static,
    {
        WorkItem::from_outcome(move || match catch_unwind(AssertUnwindSafe(call)) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(Exception::new(error)),
            Err(payload) => Err(Exception::from_panic(payload)),
        })
    }

    pub(crate) fn from_outcome<T, F>(call: F) -> (WorkItem, Future<T>)
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, Exception> + Send + 'static,
    {
        let shared = CellArc::new(Shared::new(Call(AssertUnwindSafe(UnsafeCell::new(Some(
            call,
        ))))));
        let job: CellArc<dyn Job> = shared.clone();
        let item = WorkItem { job: Some(job) };
        (item, Future::from_shared(shared))
    }

    /// Claims the item now, as a worker does before it runs the call
    /// (Python's `set_running_or_notify_cancel`, EXE-WORKITEM-5): a PENDING
    /// future becomes RUNNING and the item is returned, to be run later,
    /// here or on another thread; a cancelled one becomes
    /// CANCELLED_AND_NOTIFIED, its call is dropped without running, and
    /// `None` is returned. Between `start` and [`RunningWork::run`] the future
    /// is RUNNING, so `cancel()` returns `false`.
    ///
    /// An executor uses it when it must know that a task has started before
    /// it goes on (for example, to hand the task to a thread and return only
    /// once no `cancel` can reach it).
    ///
    /// ```
    /// use concurrent_futures::WorkItem;
    ///
    /// let (item, future) = WorkItem::new(|| 6 * 7);
    /// let running = item.start().expect("not cancelled");
    /// assert!(future.running() && !future.cancel());
    /// running.run();
    /// assert_eq!(future.result(None).unwrap(), 42);
    ///
    /// let (item, future) = WorkItem::new(|| 0);
    /// assert!(future.cancel());
    /// assert!(item.start().is_none()); // acknowledged; the call never runs
    /// ```
    pub fn start(mut self) -> Option<RunningWork> {
        let job = take_job(&mut self.job);
        // Cancelled: the call was dropped and the future acknowledged;
        // nothing is left to settle.
        if job.start() {
            Some(RunningWork { job: Some(job) })
        } else {
            None
        }
    }

    /// Runs the call in this thread: moves the future to RUNNING (or, if it
    /// was cancelled, to CANCELLED_AND_NOTIFIED without running the call),
    /// calls it, and completes the future with its value or failure, running
    /// the callbacks here.
    pub fn run(mut self) {
        take_job(&mut self.job).run(false, &mut || {});
    }

    /// Like [`run`](WorkItem::run), calling `after_call` once the call has
    /// returned (or been skipped) and the thread has nothing left to do for
    /// this item: before anyone can see the result if the future has no
    /// done-callbacks, after they have run otherwise. The thread pool uses it
    /// to count its worker as idle (POOL-REUSE-1, POOL-CBIDLE-1).
    pub fn run_then(mut self, mut after_call: impl FnMut()) {
        take_job(&mut self.job).run(false, &mut after_call);
    }

    /// Discards the call: the future is cancelled (if still PENDING) and
    /// acknowledged, ending in CANCELLED_AND_NOTIFIED; a RUNNING or FINISHED
    /// future is left alone.
    pub fn cancel(mut self) {
        take_job(&mut self.job).cancel();
    }

    /// Discards the call because the executor broke: a PENDING future
    /// finishes with `exception`, a cancelled one is acknowledged
    /// (CANCELLED_AND_NOTIFIED).
    pub fn fail(mut self, exception: Exception) {
        take_job(&mut self.job).fail(exception);
    }
}

/// The message of the exception a [`RunningWork`] dropped without running
/// finishes its future with.
const DROPPED_RUNNING: &str = "the executor dropped a started work item without running it";

/// A [`WorkItem`] claimed by [`WorkItem::start`]: its future is RUNNING and
/// the call has not run yet. Run it with [`run`](RunningWork::run) or
/// [`run_then`](RunningWork::run_then). Dropped instead, its future finishes
/// with a [`BrokenExecutor`](crate::ExceptionKind::BrokenExecutor) exception
/// (a RUNNING future cannot be cancelled), so no one waits for it forever.
pub struct RunningWork {
    /// As [`WorkItem`]'s; the future is RUNNING.
    job: Option<CellArc<dyn Job>>,
}

impl RunningWork {
    /// Calls the call in this thread and completes the future with its value
    /// or failure, running the callbacks here (as [`WorkItem::run`], without
    /// a second transition).
    pub fn run(mut self) {
        take_job(&mut self.job).run(true, &mut || {});
    }

    /// Like [`run`](RunningWork::run), calling `after_call` once the thread
    /// has nothing left to do for this item (as [`WorkItem::run_then`]).
    pub fn run_then(mut self, mut after_call: impl FnMut()) {
        take_job(&mut self.job).run(true, &mut after_call);
    }
}

impl fmt::Debug for RunningWork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RunningWork { .. }")
    }
}

impl fmt::Debug for WorkItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WorkItem { .. }")
    }
}
