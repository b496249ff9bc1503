//! [`Error`]: every way an operation of this crate can fail, each one
//! mirroring a Python exception class.

use crate::exception::Exception;
use crate::state::State;
use std::fmt;

/// The message of the error returned when submitting to a shut-down executor.
pub const SHUTDOWN_MESSAGE: &str = "cannot schedule new futures after shutdown";
/// The message of a thread pool broken by a failing initializer.
pub const BROKEN_POOL_MESSAGE: &str =
    "A thread initializer failed, the thread pool is not usable anymore";

/// How many futures `as_completed` was still waiting for when it timed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Unfinished {
    /// Futures not yet yielded.
    pub unfinished: usize,
    /// Distinct futures given to `as_completed`.
    pub total: usize,
}

/// An error from this crate. Each variant corresponds to one Python exception
/// class; [`Error::python_name`] names it (ERR-NAME-1).
///
/// ```
/// use concurrent_futures::{Error, Future};
/// use std::time::Duration;
///
/// let f: Future<u8> = Future::new();
/// let err = f.result(Some(Duration::ZERO)).unwrap_err();
/// assert!(matches!(err, Error::Timeout(None)));
/// assert_eq!(err.python_name(), "TimeoutError");
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Error {
    /// The future was cancelled (Python `CancelledError`).
    Cancelled,
    /// A timed wait gave up (Python `TimeoutError`). `as_completed` says how
    /// many futures were unfinished; every other operation gives `None`.
    Timeout(Option<Unfinished>),
    /// `set_result` / `set_exception` on a future that is already cancelled or
    /// finished (Python `InvalidStateError`).
    InvalidState {
        /// The state the future was in.
        state: State,
        /// A description of the future (its `Debug` form).
        future: String,
    },
    /// The executor is broken and accepts no work (Python `BrokenExecutor`,
    /// `BrokenThreadPool`).
    BrokenExecutor(String),
    /// The executor is shut down and accepts no work (Python `RuntimeError`
    /// with [`SHUTDOWN_MESSAGE`]).
    Shutdown,
    /// Any other misuse at run time (Python `RuntimeError`): e.g.
    /// `"cannot join current thread"`, `"Future in unexpected state"`.
    Runtime(String),
    /// An argument out of range (Python `ValueError`).
    InvalidArgument(String),
    /// The task failed: what it panicked with or the error it returned.
    Exception(Exception),
}

impl Error {
    /// The Python exception class this error corresponds to:
    /// `"CancelledError"`, `"TimeoutError"`, `"InvalidStateError"`,
    /// `"BrokenThreadPool"`, `"RuntimeError"`, `"ValueError"`, or
    /// `"Exception"` for a task's own failure.
    pub fn python_name(&self) -> &'static str {
        match self {
            Error::Cancelled => "CancelledError",
            Error::Timeout(_) => "TimeoutError",
            Error::InvalidState { .. } => "InvalidStateError",
            Error::BrokenExecutor(_) => "BrokenThreadPool",
            Error::Shutdown | Error::Runtime(_) => "RuntimeError",
            Error::InvalidArgument(_) => "ValueError",
            Error::Exception(e) => match e.kind() {
                crate::ExceptionKind::BrokenExecutor => "BrokenThreadPool",
                _ => "Exception",
            },
        }
    }

    /// The task's failure, if this error is one.
    pub fn exception(&self) -> Option<&Exception> {
        match self {
            Error::Exception(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Cancelled => f.write_str("the future was cancelled"),
            Error::Timeout(None) => f.write_str("timed out"),
            Error::Timeout(Some(u)) => {
                write!(f, "{} (of {}) futures unfinished", u.unfinished, u.total)
            }
            Error::InvalidState { state, future } => write!(f, "{state}: {future}"),
            Error::BrokenExecutor(m) | Error::Runtime(m) | Error::InvalidArgument(m) => {
                f.write_str(m)
            }
            Error::Shutdown => f.write_str(SHUTDOWN_MESSAGE),
            Error::Exception(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Exception(e) => Some(e),
            _ => None,
        }
    }
}
