//! [`Future`]: the state machine at the heart of the crate.
//!
//! # States and transitions
//!
//! ```text
//!              cancel()                      set_running_or_notify_cancel()
//!   PENDING ─────────────────▶ CANCELLED ──────────────────────────────▶ CANCELLED_AND_NOTIFIED
//!      │  │                        (wakes result() waiters,             (notifies wait()/as_completed()
//!      │  │                         runs callbacks)                      waiters; no callbacks)
//!      │  │ set_running_or_notify_cancel()
//!      │  └──────────────▶ RUNNING
//!      │                      │
//!      │ set_result()         │ set_result() / set_exception()
//!      │ set_exception()      ▼
//!      └───────────────▶ FINISHED   (wakes result() waiters, notifies wait()/as_completed()
//!                                    waiters, runs callbacks)
//! ```
//!
//! Every other (state, operation) pair leaves the state unchanged; the table
//! in `spec/future-state-machine.tsv` lists each one with its return value
//! and side effects, and the tests load that table.
//!
//! # The state word
//!
//! The state lives in one atomic word, `Shared::state`, holding one of the
//! five [`State`]s (`PENDING` 0, `RUNNING` 1, `CANCELLED` 2,
//! `CANCELLED_AND_NOTIFIED` 3, `FINISHED` 4; nothing else is ever stored).
//! `state()`, `done()`, `running()` and `cancelled()` are one load of it.
//! A mutex (`Shared::inner`) guards only what needs one: the outcome, the
//! callbacks, the `wait`/`as_completed` waiters and the flag saying that a
//! reader has blocked in `result()`/`exception()` (`reader_blocked`, kept
//! outside `Inner` for its size but only touched under the mutex).
//!
//! Each transition, and the invariant it keeps:
//!
//! | transition | how | under the mutex? |
//! |---|---|---|
//! | PENDING → RUNNING (`set_running_or_notify_cancel`) | one compare-and-swap | no |
//! | PENDING → CANCELLED (`cancel`) | one compare-and-swap | yes |
//! | CANCELLED → CANCELLED_AND_NOTIFIED (acknowledge) | a store | yes |
//! | PENDING or RUNNING → FINISHED (`set_result`, `set_exception`) | a swap | yes |
//!
//! * **Exactly one of `cancel` and a worker's start wins.** Both leave
//!   PENDING by a compare-and-swap from PENDING, so at most one succeeds; the
//!   loser sees the winner's state (RUNNING: `cancel` returns `false`;
//!   CANCELLED: the worker acknowledges and never runs the call).
//! * **Only PENDING → RUNNING happens without the mutex.** Every other
//!   transition is made with the mutex held, so a thread that holds it and
//!   reads the word can only see it move from PENDING to RUNNING meanwhile,
//!   which no decision under the mutex depends on except `cancel`'s (hence
//!   its compare-and-swap). `finish` may overwrite a RUNNING set by a racing
//!   start; that start then happened first, and the worker's own
//!   `set_result` is refused, the same as in the serial order.
//! * **Done states are entered only under the mutex, and left never** (C&N
//!   and FINISHED are terminal; CANCELLED is left only for C&N, under the
//!   mutex). A thread that registers a callback, a waiter or itself as a
//!   blocked reader checks the word under the mutex; the transition that
//!   makes the future done takes the callbacks, notifies the waiters and
//!   reads the blocked-reader flag under the same mutex: no registration is
//!   missed, none is served twice (no lost wake-up).
//! * **The outcome is written under the mutex before FINISHED is stored**
//!   (release); a reader that loads FINISHED (acquire) takes the mutex to
//!   clone the outcome and finds it there. A reader that loads a cancelled
//!   state returns without taking the mutex.
//!
//! # Invariants
//!
//! * `outcome` is `Some` exactly when the state is FINISHED (map's private
//!   `take` is the one exception: it empties the slot of a future nobody
//!   else can see).
//! * Callbacks and the immediate call of a late `add_done_callback` run with
//!   the lock released, in registration order, each under `catch_unwind`:
//!   user code never runs under the lock and never poisons it.
//! * A transition takes the callback list out under the lock, so callbacks
//!   run exactly once. While that thread runs them (`delivering`), a newly
//!   added callback is queued behind them; once it has finished, a newly
//!   added callback is called immediately by the adding thread. Either way
//!   callbacks run in registration order.
//! * Waiters of `wait`/`as_completed` are notified under the lock, so a
//!   waiter that registered while the future was not done is told of the
//!   completion exactly once (no lost wake-ups); notifying also removes
//!   them, so a future done for waiters holds none.
//! * The condition variable is signalled only when a thread has blocked in
//!   `result()`/`exception()` (`reader_blocked`, set by the first one and
//!   never cleared: the future becomes done once), keeping the uncontended
//!   path free of system calls.
//! * The decision to signal it is made under the lock, in the transition
//!   that makes the future done, but the signal itself is sent after the
//!   lock is released (before any callback runs), so the woken reader does
//!   not block at once on a lock the completing thread still holds
//!   (benches/FINDINGS.md, section 2). No wake-up is lost: a reader that set
//!   `reader_blocked` is inside `Condvar::wait` or about to re-check the state
//!   under the lock, which it does in a loop, and it sees the future done;
//!   a reader that comes later finds it done before it would block. The
//!   condition variable outlives the signal because the signalling thread
//!   holds a handle to the future.

use crate::diagnostics::{self, Diagnostic, drop_contained};
use crate::error::Error;
use crate::exception::Exception;
use crate::state::State;
use crate::sync::{Arc, AtomicBool, AtomicU8, CellArc, Condvar, Mutex, MutexGuard};
use crate::time::Deadline;
use crate::waiter::{Completion, Waiter};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use std::time::Duration;

type Callback<T> = Box<dyn FnOnce(&Future<T>) + Send + 'static>;

/// The eventual result of a call: Python's `concurrent.futures.Future`.
///
/// A `Future<T>` is a cheap shared handle: clones refer to the same future
/// (and compare equal and hash alike), and every method may be called from
/// any thread. Executors create futures when work is submitted; third-party
/// executors may create them with [`Future::new`] and drive them with the
/// executor-side methods [`set_running_or_notify_cancel`](Future::set_running_or_notify_cancel),
/// [`set_result`](Future::set_result) and [`set_exception`](Future::set_exception).
///
/// ```
/// use concurrent_futures::{Future, State};
/// use std::time::Duration;
///
/// let f = Future::new();
/// let g = f.clone();
/// let t = std::thread::spawn(move || {
///     assert!(g.set_running_or_notify_cancel().unwrap());
///     g.set_result(42).unwrap();
/// });
/// assert_eq!(f.result(None).unwrap(), 42); // blocks until the value is set
/// assert_eq!(f.state(), State::Finished);
/// t.join().unwrap();
/// ```
pub struct Future<T> {
    shared: CellArc<Shared<T, dyn Erased>>,
}

/// What a future's allocation may carry after its state: nothing (`()`, a
/// future made by [`Future::new`]) or the task's call (`work_item::Call`).
/// Erasing it keeps `Future<T>` independent of the closure's type while the
/// closure lives in the same allocation as the state (one allocation per
/// task). The unwind-safety bounds keep `Future<T>` as unwind-safe as a
/// future without a payload.
pub(crate) trait Erased: Send + Sync + RefUnwindSafe + UnwindSafe + 'static {
    /// MUTANT `cancel_takes_call`: drops a work item's call from the
    /// future's side (breaking the rule of `work_item::Call`).
    #[cfg(cf_mutant = "cancel_takes_call")]
    fn discard_call(&self) {}
}

impl Erased for () {}

/// The one allocation behind a future: its state and, in `call`, whatever
/// the creator stored with it (a [`WorkItem`](crate::WorkItem)'s call).
pub(crate) struct Shared<T, C: ?Sized> {
    /// The state word (module docs): a [`State`] as `u8`. With
    /// `reader_blocked` it takes 2 of the 4 B beside the condvar, so that
    /// for `T = ()` and an empty closure the allocation is 64 B, not 72
    /// (issue 14: bytes per pending future).
    state: AtomicU8,
    inner: Mutex<Inner<T>>,
    /// Signalled when the future becomes done (FINISHED or CANCELLED), for
    /// threads blocked in `result()` / `exception()`.
    done: Condvar,
    /// Set (for good) by the first reader that blocks in `result()` /
    /// `exception()`; read and written only with `inner` locked, so the
    /// mutex orders it and `Relaxed` suffices (an atomic only for interior
    /// mutability). The future becomes done once, so a sticky flag decides
    /// that transition's signal as well as a count would; a reader that
    /// blocked and timed out costs at most one signal nobody waits for.
    /// One byte outside `Inner`: a count inside it made `Inner` 8 B larger.
    reader_blocked: AtomicBool,
    /// The creator's payload, last so that it can be unsized.
    pub(crate) call: C,
}

impl<T, C> Shared<T, C> {
    /// A PENDING future's state, carrying `call`.
    pub(crate) fn new(call: C) -> Self {
        Shared {
            state: AtomicU8::new(PENDING),
            inner: Mutex::new(Inner {
                outcome: None,
                registered: None,
            }),
            done: Condvar::new(),
            reader_blocked: AtomicBool::new(false),
            call,
        }
    }
}

struct Inner<T> {
    outcome: Option<Result<T, Exception>>,
    /// Callbacks and waiters, allocated by the first registration: a task
    /// nobody registers on (the common case) carries one pointer for them
    /// instead of two vectors (issue 14: bytes per pending future).
    registered: Option<Box<Registered<T>>>,
}

/// What `add_done_callback`, `wait` and `as_completed` registered.
struct Registered<T> {
    callbacks: Vec<Callback<T>>,
    /// The thread that made the future done is still running callbacks;
    /// callbacks added meanwhile are queued for it, after the earlier ones.
    delivering: bool,
    waiters: Vec<Registration>,
}

/// A `wait`/`as_completed` waiter installed on this future, with the
/// future's position in that call's list.
struct Registration {
    waiter: Arc<Waiter>,
    index: usize,
}

impl<T> Inner<T> {
    /// Tells every installed waiter that the future is now done for waiters,
    /// and forgets them: a future in FINISHED or CANCELLED_AND_NOTIFIED never
    /// notifies again, so it holds no waiter (DIV-WAITRACE-3, ASC-DROP-1).
    fn notify_waiters(&mut self, how: Completion) {
        if let Some(registered) = &mut self.registered {
            for r in registered.waiters.drain(..) {
                r.waiter.notify(r.index, how);
            }
        }
    }

    /// The registrations, allocated on first use.
    fn registered(&mut self) -> &mut Registered<T> {
        self.registered.get_or_insert_with(|| {
            Box::new(Registered {
                callbacks: Vec::new(),
                delivering: false,
                waiters: Vec::new(),
            })
        })
    }

    /// Whether callbacks are waiting to run.
    fn has_callbacks(&self) -> bool {
        self.registered
            .as_ref()
            .is_some_and(|r| !r.callbacks.is_empty())
    }

    /// Takes the callbacks waiting to run, in registration order.
    fn take_callbacks(&mut self) -> Vec<Callback<T>> {
        match &mut self.registered {
            Some(r) => std::mem::take(&mut r.callbacks),
            None => Vec::new(),
        }
    }
}

const PENDING: u8 = 0;
const RUNNING: u8 = 1;
const CANCELLED: u8 = 2;
const CANCELLED_AND_NOTIFIED: u8 = 3;
const FINISHED: u8 = 4;

/// The state a word holds.
fn decode(word: u8) -> State {
    match word {
        PENDING => State::Pending,
        RUNNING => State::Running,
        CANCELLED => State::Cancelled,
        CANCELLED_AND_NOTIFIED => State::CancelledAndNotified,
        _ => State::Finished,
    }
}

impl<T, C: ?Sized> Shared<T, C> {
    /// [`Future::set_running_or_notify_cancel`], for a worker holding the
    /// allocation as a [`WorkItem`](crate::WorkItem).
    ///
    /// PENDING -> RUNNING is one compare-and-swap, without the mutex: it has
    /// no side effect, and `cancel` leaves PENDING by a compare-and-swap too,
    /// so exactly one of them wins.
    pub(crate) fn set_running_or_notify_cancel(&self) -> Result<bool, Error> {
        // MUTANT: the check and the store are two steps; a cancel between them is overwritten.
        #[cfg(cf_mutant = "start_load_then_store")]
        let claimed = if self.state.load(Acquire) == PENDING {
            self.state.store(RUNNING, Release);
            Ok(PENDING)
        } else {
            Err(self.state.load(Acquire))
        };
        #[cfg(not(cf_mutant = "start_load_then_store"))]
        let claimed = self
            .state
            .compare_exchange(PENDING, RUNNING, AcqRel, Acquire);
        match claimed {
            Ok(_) => Ok(true),
            Err(CANCELLED) => {
                // CANCELLED is left only under the mutex: check again there
                // (a concurrent acknowledgement may have won).
                let mut inner = self.inner.lock();
                if self.state.load(Acquire) == CANCELLED {
                    self.acknowledge_cancel(&mut inner);
                    Ok(false)
                } else {
                    Err(unexpected_state())
                }
            }
            Err(_) => Err(unexpected_state()),
        }
    }

    /// The current state (one load; acquire, so that a FINISHED seen here
    /// is followed by the outcome under the mutex).
    fn load(&self) -> State {
        decode(self.state.load(Acquire))
    }

    /// CANCELLED -> CANCELLED_AND_NOTIFIED: the only step that tells waiters
    /// about a cancellation. No callbacks: they ran at `cancel()`. The
    /// caller holds the mutex (`inner`) and has seen CANCELLED under it.
    fn acknowledge_cancel(&self, inner: &mut Inner<T>) {
        debug_assert_eq!(self.load(), State::Cancelled);
        self.state.store(CANCELLED_AND_NOTIFIED, Release);
        inner.notify_waiters(Completion::Cancelled);
    }
}

/// FUT-NOTIFY-3's error.
fn unexpected_state() -> Error {
    Error::Runtime("Future in unexpected state".to_string())
}

impl<T> Default for Future<T> {
    fn default() -> Self {
        Future::new()
    }
}

impl<T> Clone for Future<T> {
    /// Another handle to the same future.
    fn clone(&self) -> Self {
        Future {
            shared: self.shared.clone(),
        }
    }
}

impl<T> PartialEq for Future<T> {
    /// Identity: two handles are equal when they refer to the same future.
    fn eq(&self, other: &Self) -> bool {
        self.addr() == other.addr()
    }
}

impl<T> Eq for Future<T> {}

impl<T> Hash for Future<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.addr().hash(state);
    }
}

impl<T> fmt::Debug for Future<T> {
    /// Python's `repr`: `<Future at 0x… state=finished returned i32>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.shared.inner.lock();
        f.write_str(&self.repr(&inner))
    }
}

impl<T> Future<T> {
    /// A new future in the PENDING state (Python's `Future()`).
    ///
    /// ```
    /// use concurrent_futures::{Future, State};
    /// let f: Future<String> = Future::new();
    /// assert_eq!(f.state(), State::Pending);
    /// assert!(!f.done());
    /// ```
    pub fn new() -> Future<T> {
        Future::from_shared(CellArc::new(Shared::new(())))
    }

    /// A handle to the future whose allocation is `shared` (the other
    /// handle is a [`WorkItem`](crate::WorkItem)'s).
    pub(crate) fn from_shared<C: Erased>(shared: CellArc<Shared<T, C>>) -> Future<T> {
        Future { shared }
    }

    fn addr(&self) -> usize {
        CellArc::as_ptr(&self.shared).cast::<()>() as usize
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        self.shared.inner.lock()
    }

    /// Python's `repr`; `inner` is the locked state, so the word is stable
    /// but for PENDING -> RUNNING.
    fn repr(&self, inner: &Inner<T>) -> String {
        let state = self.shared.load();
        let mut s = format!("<Future at {:#x} state={}", self.addr(), state.repr_word());
        if state == State::Finished {
            match &inner.outcome {
                Some(Ok(_)) => {
                    s.push_str(" returned ");
                    s.push_str(std::any::type_name::<T>());
                }
                Some(Err(e)) => {
                    s.push_str(" raised ");
                    s.push_str(&format!("{:?}", e.kind()));
                }
                None => {}
            }
        }
        s.push('>');
        s
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.shared.load()
    }

    /// Attempts to cancel the future (FUT-CANCEL-*).
    ///
    /// * PENDING: becomes CANCELLED, wakes threads blocked in
    ///   [`result`](Future::result) / [`exception`](Future::exception), runs
    ///   the done-callbacks in this thread, returns `true`. Threads in
    ///   [`wait`](crate::wait) / [`as_completed`](crate::as_completed) are
    ///   not told until the executor acknowledges the cancellation.
    /// * CANCELLED or CANCELLED_AND_NOTIFIED: returns `true`, nothing changes.
    /// * RUNNING or FINISHED: returns `false`, nothing changes.
    ///
    /// ```
    /// use concurrent_futures::Future;
    /// let f: Future<()> = Future::new();
    /// assert!(f.cancel());
    /// assert!(f.cancelled() && f.done());
    /// ```
    pub fn cancel(&self) -> bool {
        // Only PENDING can still change without the mutex; any other state
        // is answered from the word alone (FUT-CANCEL-2, FUT-CANCEL-3).
        match self.shared.load() {
            State::Running | State::Finished => return false,
            State::Cancelled | State::CancelledAndNotified => return true,
            State::Pending => {}
        }
        let inner = self.lock();
        // MUTANT: the decision is made, the lock dropped, the act (a plain store) done later.
        #[cfg(cf_mutant = "cancel_check_then_act")]
        let claimed = if self.shared.load() == State::Pending {
            drop(inner);
            let inner = self.lock();
            self.shared.state.store(CANCELLED, Release);
            Ok((PENDING, inner))
        } else {
            Err((self.shared.state.load(Acquire), inner))
        };
        // PENDING -> CANCELLED by compare-and-swap: a worker's start may
        // take PENDING -> RUNNING at any moment without the mutex.
        #[cfg(not(cf_mutant = "cancel_check_then_act"))]
        let claimed = match self
            .shared
            .state
            .compare_exchange(PENDING, CANCELLED, AcqRel, Acquire)
        {
            Ok(word) => Ok((word, inner)),
            Err(word) => Err((word, inner)),
        };
        match claimed {
            Ok((_, inner)) => {
                // MUTANT: the winning cancel frees the task's call at once.
                #[cfg(cf_mutant = "cancel_takes_call")]
                self.shared.call.discard_call();
                // Blocked result()/exception() callers must see it;
                // wait()/as_completed() waiters deliberately not.
                let wake = self.must_wake_blocked(&inner);
                self.deliver_callbacks(inner, wake);
                true
            }
            Err((word, _)) => decode(word).is_cancelled(),
        }
    }

    /// `true` if the future was cancelled (CANCELLED or CANCELLED_AND_NOTIFIED).
    pub fn cancelled(&self) -> bool {
        self.shared.load().is_cancelled()
    }

    /// `true` while the call is running (RUNNING).
    pub fn running(&self) -> bool {
        self.shared.load() == State::Running
    }

    /// `true` once the future is cancelled or finished.
    pub fn done(&self) -> bool {
        self.shared.load().is_done()
    }

    /// Waits at most `timeout` for the future and returns its value
    /// (FUT-RESULT-*).
    ///
    /// * FINISHED with a value: `Ok(value.clone())`.
    /// * FINISHED with an exception: `Err(Error::Exception(e))`, the same
    ///   exception every time.
    /// * cancelled (either cancelled state): `Err(Error::Cancelled)`.
    /// * still PENDING or RUNNING when the timeout elapses:
    ///   `Err(Error::Timeout(None))`; the future is not affected.
    ///
    /// `None` waits as long as it takes; `Some(Duration::ZERO)` only checks.
    ///
    /// ```
    /// use concurrent_futures::{Error, Future};
    /// use std::time::Duration;
    ///
    /// let f = Future::new();
    /// assert!(matches!(f.result(Some(Duration::ZERO)), Err(Error::Timeout(None))));
    /// f.set_result("done").unwrap();
    /// assert_eq!(f.result(Some(Duration::ZERO)).unwrap(), "done");
    /// ```
    pub fn result(&self, timeout: Option<Duration>) -> Result<T, Error>
    where
        T: Clone,
    {
        let inner = self.wait_done(&mut Deadline::after(timeout))?;
        match &inner.outcome {
            Some(Ok(v)) => Ok(v.clone()),
            Some(Err(e)) => Err(Error::Exception(e.clone())),
            None => Err(Error::Runtime(
                "the result was taken by its consumer".to_string(),
            )),
        }
    }

    /// Waits at most `timeout` for the future and returns the exception it
    /// finished with, `Ok(None)` if it finished with a value (FUT-EXC-*).
    /// Cancelled and timeout errors as for [`result`](Future::result).
    ///
    /// ```
    /// use concurrent_futures::{Exception, Future};
    /// let f: Future<u8> = Future::new();
    /// f.set_exception(Exception::msg("no")).unwrap();
    /// assert_eq!(f.exception(None).unwrap().unwrap().to_string(), "no");
    /// ```
    pub fn exception(&self, timeout: Option<Duration>) -> Result<Option<Exception>, Error> {
        let inner = self.wait_done(&mut Deadline::after(timeout))?;
        Ok(match &inner.outcome {
            Some(Err(e)) => Some(e.clone()),
            _ => None,
        })
    }

    /// Blocks until FINISHED or cancelled, or until `deadline` passes.
    /// Returns the locked state when FINISHED.
    fn wait_done(&self, deadline: &mut Deadline) -> Result<MutexGuard<'_, Inner<T>>, Error> {
        // A cancelled future answers without the mutex; FINISHED needs it
        // for the outcome.
        if self.shared.load().is_cancelled() {
            return Err(Error::Cancelled);
        }
        // MUTANT: the first check under the mutex uses a word read before it was taken.
        #[cfg(cf_mutant = "reader_check_outside_lock")]
        let mut seen = Some(self.shared.load());
        let mut inner = self.lock();
        loop {
            #[cfg(cf_mutant = "reader_check_outside_lock")]
            let state = seen.take().unwrap_or_else(|| self.shared.load());
            #[cfg(not(cf_mutant = "reader_check_outside_lock"))]
            let state = self.shared.load();
            match state {
                State::Finished => return Ok(inner),
                State::Cancelled | State::CancelledAndNotified => return Err(Error::Cancelled),
                State::Pending | State::Running => {}
            }
            if deadline.has_passed() {
                return Err(Error::Timeout(None));
            }
            // Under the mutex: the transition that makes the future done
            // reads it under the same mutex (no lost wake-up).
            self.shared.reader_blocked.store(true, Relaxed);
            let (guard, _) = deadline.wait(&self.shared.done, inner);
            inner = guard;
        }
    }

    /// Waits for the value like [`result`](Future::result) but moves it out
    /// instead of cloning it. Only for futures no one else can observe
    /// (`map`'s own futures).
    pub(crate) fn take_result(&self, deadline: &mut Deadline) -> Result<T, Error> {
        let mut inner = self.wait_done(deadline)?;
        match inner.outcome.take() {
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) => {
                inner.outcome = Some(Err(e.clone()));
                Err(Error::Exception(e))
            }
            None => Err(Error::Runtime(
                "the result was taken by its consumer".to_string(),
            )),
        }
    }

    /// Attaches `callback`, to be called with the future once it is done
    /// (CB-*).
    ///
    /// If the future is already done (cancelled or finished) the callback is
    /// called immediately, in this thread. Otherwise it runs in the thread
    /// that completes or cancels the future. Callbacks run in the order they
    /// were added. A panicking callback is reported (on stderr unless
    /// [`diagnostics::set_handler`](crate::diagnostics::set_handler) says
    /// otherwise) and ignored: later callbacks still run and the future is
    /// unaffected; so is a panic from dropping that panic's payload.
    ///
    /// A callback that owns a handle to its own future (a clone moved into
    /// it) makes a reference cycle: if the future is never completed or
    /// cancelled, neither the future nor the callback is ever freed
    /// (CB-CYCLE-1). Completing or cancelling it runs and frees the
    /// callback, breaking the cycle.
    ///
    /// ```
    /// use concurrent_futures::Future;
    /// use std::sync::mpsc;
    ///
    /// let f = Future::new();
    /// let (tx, rx) = mpsc::channel();
    /// f.add_done_callback(move |f: &Future<i32>| tx.send(f.result(None).unwrap()).unwrap());
    /// f.set_result(7).unwrap();
    /// assert_eq!(rx.recv().unwrap(), 7);
    /// ```
    pub fn add_done_callback<F>(&self, callback: F)
    where
        F: FnOnce(&Future<T>) + Send + 'static,
    {
        // MUTANT: whether the future is done is read before the mutex is taken.
        #[cfg(cf_mutant = "callback_check_outside_lock")]
        let done = self.shared.load().is_done();
        let mut inner = self.lock();
        #[cfg(not(cf_mutant = "callback_check_outside_lock"))]
        let done = self.shared.load().is_done();
        // Not done, or done but the completing thread is still running the
        // earlier callbacks: queue it, so that registration order holds
        // whichever side of the race it lands on (CB-ORDER-1).
        #[cfg(cf_mutant = "late_callback_runs_at_once")]
        let delivering = false; // MUTANT: CPython's behaviour
        #[cfg(not(cf_mutant = "late_callback_runs_at_once"))]
        let delivering = inner.registered.as_ref().is_some_and(|r| r.delivering);
        if !done || delivering {
            inner.registered().callbacks.push(Box::new(callback));
            return;
        }
        drop(inner);
        self.run_callbacks(vec![Box::new(callback) as Callback<T>]);
    }

    /// Called by an executor before it runs the call (FUT-NOTIFY-*).
    ///
    /// * PENDING: becomes RUNNING, returns `Ok(true)`: run the call.
    /// * CANCELLED: becomes CANCELLED_AND_NOTIFIED, tells threads in
    ///   [`wait`](crate::wait) / [`as_completed`](crate::as_completed), returns
    ///   `Ok(false)`: do not run the call. No callbacks run (they ran at
    ///   `cancel`).
    /// * any other state: `Err(Error::Runtime("Future in unexpected state"))`,
    ///   nothing changes.
    pub fn set_running_or_notify_cancel(&self) -> Result<bool, Error> {
        self.shared.set_running_or_notify_cancel()
    }

    /// Completes the future with `value` (FUT-SET-1).
    ///
    /// Allowed from PENDING or RUNNING: the future becomes FINISHED, blocked
    /// `result()` callers and `wait`/`as_completed` waiters are woken, and the
    /// callbacks run in this thread. From any other state it returns
    /// `Err(Error::InvalidState { .. })` and the first outcome is kept.
    pub fn set_result(&self, value: T) -> Result<(), Error> {
        self.finish(Ok(value), &mut || {})
    }

    /// Completes the future with an exception (FUT-SET-2). Same rules as
    /// [`set_result`](Future::set_result).
    pub fn set_exception(&self, exception: Exception) -> Result<(), Error> {
        self.finish(Err(exception), &mut || {})
    }

    /// Completes the future for the worker that ran its call, calling `idle`
    /// exactly once: before anyone can see the outcome when the future has
    /// no callbacks (POOL-REUSE-1), after the callbacks have run otherwise
    /// (POOL-CBIDLE-1); after the refusal if the future was already done.
    pub(crate) fn finish_then(&self, outcome: Result<T, Exception>, idle: &mut dyn FnMut()) {
        let _ = self.finish(outcome, idle);
    }

    fn finish(&self, outcome: Result<T, Exception>, idle: &mut dyn FnMut()) -> Result<(), Error> {
        let inner = self.lock();
        // MUTANT: no state check, a second outcome overwrites the first.
        #[cfg(cf_mutant = "finish_any_state")]
        if self.shared.load().is_done() {
            self.finish_locked(inner, outcome, idle);
            return Ok(());
        }
        match self.shared.load() {
            State::Pending | State::Running => {
                self.finish_locked(inner, outcome, idle);
                Ok(())
            }
            state => {
                let refused = Error::InvalidState {
                    state,
                    future: self.repr(&inner),
                };
                drop(inner);
                idle();
                // The refused value is user code's to drop: outside the lock,
                // contained (POOL-DROPPANIC-1).
                drop_contained(outcome);
                Err(refused)
            }
        }
    }

    /// PENDING/RUNNING -> FINISHED: publish the outcome and the state
    /// together and tell waiters under the lock, then wake blocked readers
    /// and run callbacks outside it. The caller has checked the state under
    /// `inner`. `idle` as for [`finish_then`](Future::finish_then): it is
    /// core code (the pool's busy count), so it may run under the lock.
    fn finish_locked(
        &self,
        mut inner: MutexGuard<'_, Inner<T>>,
        outcome: Result<T, Exception>,
        idle: &mut dyn FnMut(),
    ) {
        // Callbacks are added only under this lock, so this decides for the
        // whole delivery below.
        let idle_first = !inner.has_callbacks();
        // MUTANT: the worker counts as idle while it runs callbacks (issue 12, item 7).
        let idle_first = idle_first || cfg!(cf_mutant = "idle_during_callbacks");
        if idle_first {
            idle();
        }
        let how = match &outcome {
            Ok(_) => Completion::Result,
            Err(_) => Completion::Exception,
        };
        inner.outcome = Some(outcome);
        // Under the mutex the word can only have moved PENDING -> RUNNING
        // since the caller checked it: a start that happened first.
        let _was = self.shared.state.swap(FINISHED, AcqRel);
        #[cfg(not(cf_mutant = "finish_any_state"))]
        debug_assert!(matches!(_was, PENDING | RUNNING), "finished from {_was}");
        let wake = self.must_wake_blocked(&inner);
        if inner.registered.is_none() {
            // No callback or waiter was ever registered (the common case):
            // nothing to notify or deliver, and `idle` has run.
            drop(inner);
            if wake {
                self.shared.done.notify_all();
            }
            return;
        }
        inner.notify_waiters(how);
        self.deliver_callbacks(inner, wake);
        if !idle_first {
            idle();
        }
    }

    /// Cancels the future and, if that left it CANCELLED, acknowledges the
    /// cancellation at once (CANCELLED_AND_NOTIFIED). Used for work that an
    /// executor drops without running, so that `wait`/`as_completed` never
    /// hang on it (SHUT-CANCEL-*, the fix of CPython gh-92001).
    pub(crate) fn cancel_and_notify(&self) {
        self.cancel();
        // MUTANT: CPython's drain, cancelled but never notified (gh-92001).
        if cfg!(cf_mutant = "drain_without_notify") {
            return;
        }
        let mut inner = self.lock();
        if self.shared.load() == State::Cancelled {
            self.shared.acknowledge_cancel(&mut inner);
        }
    }

    /// The broken-pool drain: a PENDING future finishes with `exception`; a
    /// CANCELLED one is acknowledged (CANCELLED_AND_NOTIFIED) instead of
    /// raising as CPython does. Other states are left alone. One decision
    /// under one lock.
    pub(crate) fn fail_or_notify_cancel(&self, exception: Exception) {
        let mut inner = self.lock();
        match self.shared.load() {
            State::Pending => self.finish_locked(inner, Err(exception), &mut || {}),
            State::Cancelled => self.shared.acknowledge_cancel(&mut inner),
            _ => {}
        }
    }

    /// Installs `waiter` for the future at `index` of a waiting call, unless
    /// the future is already done for waiters; then returns how it completed.
    pub(crate) fn install_waiter(&self, waiter: &Arc<Waiter>, index: usize) -> Option<Completion> {
        let mut inner = self.lock();
        // MUTANT: the state is checked, the lock dropped, the waiter installed later.
        #[cfg(cf_mutant = "install_check_then_act")]
        if !self.shared.load().is_done_for_waiters() {
            drop(inner);
            let mut inner = self.lock();
            inner.registered().waiters.push(Registration {
                waiter: waiter.clone(),
                index,
            });
            return None;
        }
        match self.shared.load() {
            State::Finished => Some(match inner.outcome {
                Some(Err(_)) => Completion::Exception,
                _ => Completion::Result,
            }),
            State::CancelledAndNotified => Some(Completion::Cancelled),
            _ => {
                inner.registered().waiters.push(Registration {
                    waiter: waiter.clone(),
                    index,
                });
                None
            }
        }
    }

    /// How many `wait` / `as_completed` calls currently have a waiter
    /// installed on this future. Zero whenever no such call is in progress:
    /// a call that returns, times out or is dropped leaves nothing behind
    /// (ASC-DROP-1, WAIT-UNTOUCHED-1).
    ///
    /// ```
    /// use concurrent_futures::{as_completed, Future};
    /// let f: Future<()> = Future::new();
    /// let it = as_completed([&f], None);
    /// assert_eq!(f.waiters_installed(), 0); // nothing happens before next()
    /// drop(it);
    /// assert_eq!(f.waiters_installed(), 0);
    /// ```
    pub fn waiters_installed(&self) -> usize {
        self.lock()
            .registered
            .as_ref()
            .map_or(0, |r| r.waiters.len())
    }

    /// Removes every registration of `waiter`.
    pub(crate) fn remove_waiter(&self, waiter: &Arc<Waiter>) {
        let mut inner = self.lock();
        let target: *const Waiter = &**waiter;
        if let Some(registered) = &mut inner.registered {
            registered
                .waiters
                .retain(|r| !std::ptr::eq(&*r.waiter, target));
        }
    }

    /// Whether the transition just made (under `inner`) must signal `done`:
    /// only when a reader is blocked in `result()` / `exception()`. The
    /// signal is sent by [`deliver_callbacks`](Future::deliver_callbacks)
    /// once the lock is released.
    fn must_wake_blocked(&self, _inner: &Inner<T>) -> bool {
        // MUTANT: the notify is dropped.
        if cfg!(cf_mutant = "no_wake_blocked") {
            return false;
        }
        // `_inner` is the held lock that orders this load.
        self.shared.reader_blocked.load(Relaxed)
    }

    /// Releases the lock, signals blocked readers if `wake`, then runs the
    /// stored callbacks outside the lock, then any added while they ran,
    /// until none is left. Called once, by the thread that made the future
    /// done, with the lock held.
    fn deliver_callbacks<'a>(&'a self, mut inner: MutexGuard<'a, Inner<T>>, wake: bool) {
        let mut batch = inner.take_callbacks();
        // Callbacks added while this thread runs the batch are queued for it
        // (`delivering`), so set it before the lock is released.
        if !batch.is_empty() {
            inner.registered().delivering = true;
        }
        drop(inner);
        if wake {
            self.shared.done.notify_all();
        }
        while !batch.is_empty() {
            self.run_callbacks(batch);
            let mut inner = self.lock();
            batch = inner.take_callbacks();
            if batch.is_empty() {
                inner.registered().delivering = false;
            }
        }
    }

    /// Runs `callbacks` in order, each contained: a panic, or a panic from
    /// dropping its payload, is reported and the next callback runs
    /// (CB-PANIC-1, CB-PANICDROP-1).
    fn run_callbacks(&self, callbacks: Vec<Callback<T>>) {
        for callback in callbacks {
            if let Err(message) = diagnostics::catch(|| callback(self)) {
                diagnostics::report(&Diagnostic::CallbackPanicked { message: &message });
            }
        }
    }
}
