//! [`Exception`]: the failure of a task, Python's "exception set on a future".

use std::any::Any;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// A boxed error, the form in which tasks and initializers report failure.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What kind of failure an [`Exception`] records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExceptionKind {
    /// The task panicked; the panic message is kept.
    Panic,
    /// The task (or whoever called [`Future::set_exception`](crate::Future::set_exception))
    /// returned an error value.
    Error,
    /// The executor broke before the task could run (Python's
    /// `BrokenThreadPool` set on every queued future).
    BrokenExecutor,
}

/// The failure stored in a future: a caught panic, an error a task returned,
/// or the broken-executor error (ERR-EXC-1).
///
/// Cloning is cheap and keeps identity: every clone, and every call of
/// `result()` / `exception()` on the same future, gives back the same
/// exception ([`Exception::ptr_eq`]), as Python returns the same object.
///
/// ```
/// use concurrent_futures::{Exception, ExceptionKind};
///
/// let e = Exception::msg("disk full");
/// assert_eq!(e.kind(), ExceptionKind::Error);
/// assert_eq!(e.to_string(), "disk full");
/// assert!(Exception::ptr_eq(&e, &e.clone()));
/// ```
#[derive(Clone)]
pub struct Exception(Arc<Repr>);

enum Repr {
    Panic(String),
    Error(BoxError),
    Broken(String),
}

impl Exception {
    /// Wraps an error value.
    pub fn new(error: impl Into<BoxError>) -> Exception {
        Exception(Arc::new(Repr::Error(error.into())))
    }

    /// An error carrying just a message.
    pub fn msg(message: impl Into<String>) -> Exception {
        Exception::new(message.into())
    }

    /// Records a caught panic; the payload's message is kept when it is a
    /// string (as `panic!` makes it), otherwise a placeholder is used.
    pub fn from_panic(payload: Box<dyn Any + Send>) -> Exception {
        // MUTANT: the payload is dropped uncontained (issue 12, item 1).
        if cfg!(cf_mutant = "payload_drop_uncontained") {
            return Exception(Arc::new(Repr::Panic(panic_message(payload.as_ref()))));
        }
        // The payload's own Drop may panic: contained (POOL-DROPPANIC-1).
        Exception(Arc::new(Repr::Panic(crate::diagnostics::take_message(
            payload,
        ))))
    }

    /// The broken-executor failure set on queued futures when a pool breaks.
    pub fn broken_executor(message: impl Into<String>) -> Exception {
        Exception(Arc::new(Repr::Broken(message.into())))
    }

    /// Which kind of failure this is.
    pub fn kind(&self) -> ExceptionKind {
        match &*self.0 {
            Repr::Panic(_) => ExceptionKind::Panic,
            Repr::Error(_) => ExceptionKind::Error,
            Repr::Broken(_) => ExceptionKind::BrokenExecutor,
        }
    }

    /// The human-readable message (same as `to_string()`).
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// The error value, if this exception wraps one of type `E`.
    ///
    /// ```
    /// use concurrent_futures::Exception;
    /// let e = Exception::new(std::io::Error::other("boom"));
    /// assert!(e.downcast_ref::<std::io::Error>().is_some());
    /// ```
    pub fn downcast_ref<E: StdError + 'static>(&self) -> Option<&E> {
        match &*self.0 {
            Repr::Error(e) => e.downcast_ref::<E>(),
            _ => None,
        }
    }

    /// Whether `a` and `b` are the same exception (Python's `a is b`).
    pub fn ptr_eq(a: &Exception, b: &Exception) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

/// Extracts the message of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

impl fmt::Display for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            Repr::Panic(m) | Repr::Broken(m) => f.write_str(m),
            Repr::Error(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl fmt::Debug for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exception")
            .field("kind", &self.kind())
            .field("message", &self.to_string())
            .finish()
    }
}

impl StdError for Exception {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &*self.0 {
            Repr::Error(e) => e.source(),
            _ => None,
        }
    }
}
