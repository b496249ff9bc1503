//! The waiter that `wait` and `as_completed` install on futures.
//!
//! One [`Waiter`] serves one call. It is registered on every future the call
//! is still waiting for, under that future's lock, together with the index
//! of the future in the call's de-duplicated list. When such a future becomes
//! done for waiters (FINISHED, or CANCELLED_AND_NOTIFIED), the future — still
//! under its own lock — calls [`Waiter::notify`], which records the index and
//! wakes the waiting thread only if the call's condition now holds.
//!
//! Lock order: a future's lock may be held while taking a waiter's lock,
//! never the other way round. The waiting thread therefore never holds the
//! waiter's lock while touching a future.

use crate::sync::{Condvar, Mutex, MutexGuard};
use crate::time::Deadline;

/// What a waiting call is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitMode {
    /// `wait(FIRST_COMPLETED)`.
    FirstCompleted,
    /// `wait(FIRST_EXCEPTION)`.
    FirstException,
    /// `wait(ALL_COMPLETED)`.
    AllCompleted,
    /// `as_completed`: any new completion.
    AsCompleted,
}

/// How a future became done for waiters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Completion {
    /// FINISHED with a value.
    Result,
    /// FINISHED with an exception.
    Exception,
    /// CANCELLED_AND_NOTIFIED.
    Cancelled,
}

/// The state shared between the waiting thread and the futures.
#[derive(Debug)]
pub(crate) struct WaiterState {
    /// Indices of futures that completed since the waiter was installed (or
    /// since `as_completed` last took them), in completion order.
    pub(crate) completed: Vec<usize>,
    /// Futures still expected (the countdown of ALL_COMPLETED; bpo-14406:
    /// decremented only under this lock, so no completion is ever lost).
    pub(crate) remaining: usize,
    /// Whether a future completed with an exception.
    pub(crate) exception: bool,
    /// Whether the waiting thread is blocked and must be woken.
    blocked: bool,
}

/// A waiter installed by one `wait` / `as_completed` call.
#[derive(Debug)]
pub(crate) struct Waiter {
    mode: WaitMode,
    state: Mutex<WaiterState>,
    cond: Condvar,
}

impl Waiter {
    /// A waiter expecting `remaining` futures.
    pub(crate) fn new(mode: WaitMode, remaining: usize) -> Waiter {
        Waiter {
            mode,
            state: Mutex::new(WaiterState {
                completed: Vec::new(),
                remaining,
                exception: false,
                blocked: false,
            }),
            cond: Condvar::new(),
        }
    }

    /// Sets how many installed futures the countdown expects. Completions
    /// already recorded (they raced the installation) are subtracted, so the
    /// countdown can never miss one.
    pub(crate) fn set_remaining(&self, installed: usize) {
        let mut st = self.state.lock();
        st.remaining = installed.saturating_sub(st.completed.len());
        // MUTANT: completions that raced the installation are forgotten (bpo-14406).
        if cfg!(cf_mutant = "countdown_overwrites") {
            st.remaining = installed;
        }
    }

    /// Takes the indices recorded so far, in completion order.
    pub(crate) fn take_completed(&self) -> Vec<usize> {
        std::mem::take(&mut self.state.lock().completed)
    }

    /// Called by a future, under the future's lock, when the future at
    /// `index` becomes done for waiters.
    pub(crate) fn notify(&self, index: usize, how: Completion) {
        let mut st = self.state.lock();
        st.completed.push(index);
        st.remaining = st.remaining.saturating_sub(1);
        if how == Completion::Exception {
            st.exception = true;
        }
        // Wake only when the waiting thread's condition now holds: an
        // ALL_COMPLETED wait over n futures is woken once, not n times.
        if st.blocked && self.ready(&st) {
            self.cond.notify_one();
        }
    }

    /// Whether the call's condition holds.
    fn ready(&self, st: &WaiterState) -> bool {
        match self.mode {
            WaitMode::FirstCompleted | WaitMode::AsCompleted => !st.completed.is_empty(),
            WaitMode::FirstException => st.exception || st.remaining == 0,
            WaitMode::AllCompleted => st.remaining == 0,
        }
    }

    /// Blocks until the call's condition holds or `deadline` passes, and
    /// returns the locked state for the caller to read.
    pub(crate) fn wait(&self, deadline: &mut Deadline) -> MutexGuard<'_, WaiterState> {
        let mut st = self.state.lock();
        while !self.ready(&st) {
            st.blocked = true;
            let (guard, passed) = deadline.wait(&self.cond, st);
            st = guard;
            st.blocked = false;
            if passed {
                break;
            }
        }
        st
    }
}
