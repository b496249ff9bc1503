//! The five states of a [`Future`](crate::Future).

use std::fmt;

/// The state of a [`Future`](crate::Future), exactly as in Python's
/// `concurrent.futures._base` (spec clauses FUT-STATE-1, FUT-STATE-2).
///
/// ```
/// use concurrent_futures::{Future, State};
///
/// let f: Future<i32> = Future::new();
/// assert_eq!(f.state(), State::Pending);
/// f.cancel();
/// assert_eq!(f.state(), State::Cancelled);
/// assert_eq!(f.set_running_or_notify_cancel().unwrap(), false);
/// assert_eq!(f.state(), State::CancelledAndNotified);
/// assert_eq!(State::CancelledAndNotified.to_string(), "CANCELLED_AND_NOTIFIED");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Created or queued; nothing has happened yet.
    Pending,
    /// The executor has started the call.
    Running,
    /// Cancelled, but the executor has not yet acknowledged it; `wait` and
    /// `as_completed` do not count it as done yet.
    Cancelled,
    /// Cancelled and acknowledged by the executor
    /// (`set_running_or_notify_cancel` returned `false`, or the reference's
    /// `shutdown(cancel_futures)` / broken-pool drain); done for everyone.
    CancelledAndNotified,
    /// Completed with a value or an exception.
    Finished,
}

impl State {
    /// Python's name for the state (`"PENDING"`, …, `"CANCELLED_AND_NOTIFIED"`).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "PENDING",
            State::Running => "RUNNING",
            State::Cancelled => "CANCELLED",
            State::CancelledAndNotified => "CANCELLED_AND_NOTIFIED",
            State::Finished => "FINISHED",
        }
    }

    /// `true` in `Cancelled` and `CancelledAndNotified`.
    pub fn is_cancelled(self) -> bool {
        matches!(self, State::Cancelled | State::CancelledAndNotified)
    }

    /// `true` in `Cancelled`, `CancelledAndNotified` and `Finished`: what
    /// `Future::done` reports.
    pub fn is_done(self) -> bool {
        !matches!(self, State::Pending | State::Running)
    }

    /// `true` in `CancelledAndNotified` and `Finished`: what `wait` and
    /// `as_completed` count as done.
    pub fn is_done_for_waiters(self) -> bool {
        matches!(self, State::CancelledAndNotified | State::Finished)
    }

    /// The lower-case word Python's `repr` uses (`"pending"`, …).
    pub(crate) fn repr_word(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Running => "running",
            State::Cancelled | State::CancelledAndNotified => "cancelled",
            State::Finished => "finished",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
