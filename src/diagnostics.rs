//! Where the core's reports go: the Rust counterpart of configuring the
//! `concurrent.futures` logger in Python.
//!
//! The core reports a failure it has contained, and otherwise ignores, in
//! three places: a done-callback that panicked (Python logs `exception
//! calling callback for …`), a worker's initializer that failed (Python logs
//! `Exception in initializer:`), and a `Drop` of a user value that panicked
//! and was contained (a panic payload, a task's closure that is discarded, a
//! result no one can read any more; Python's "Exception ignored in …"). By
//! default each report is one line on stderr; [`set_handler`] turns them off
//! ([`Handler::Ignore`]) or routes them to a function ([`Handler::Custom`]),
//! for the whole process.
//!
//! * The handler is called outside every lock of the core, on the thread
//!   where the failure happened (a worker, or a thread calling `cancel()`,
//!   `set_result()`, `shutdown()`, …).
//! * A panicking custom handler is contained: the panic is discarded and the
//!   core carries on (the worker survives, `cancel()` returns normally).
//! * Reading the handler costs nothing on the success path: it is read only
//!   when there is something to report.
//!
//! ```
//! use concurrent_futures::diagnostics::{self, Diagnostic, Handler};
//! use concurrent_futures::Future;
//! use std::sync::{Arc, Mutex};
//!
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let sink = seen.clone();
//! let previous = diagnostics::set_handler(Handler::Custom(Arc::new(move |d: &Diagnostic<'_>| {
//!     sink.lock().unwrap().push(d.to_string());
//! })));
//!
//! let f: Future<u8> = Future::new();
//! f.add_done_callback(|_| panic!("oops"));
//! f.set_result(1).unwrap(); // the callback panics; the report goes to the handler
//!
//! diagnostics::set_handler(previous); // put the old handler back
//! assert_eq!(*seen.lock().unwrap(), ["exception calling callback: oops"]);
//! ```

use crate::exception::panic_message;
use std::any::Any;
use std::fmt;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, PoisonError, RwLock};

/// One report of the core: a failure that was contained and is otherwise
/// ignored.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diagnostic<'a> {
    /// A done-callback panicked (CB-PANIC-1); `message` is the panic payload's
    /// text. Later callbacks still ran.
    CallbackPanicked {
        /// The panic payload's text.
        message: &'a str,
    },
    /// A worker's initializer returned an error or panicked (POOL-BROKEN-1);
    /// the pool is broken.
    InitializerFailed {
        /// The error's `Display` text, or the panic payload's text.
        message: &'a str,
    },
    /// The `Drop` of a user value panicked and the panic was contained
    /// (POOL-DROPPANIC-1): a panic payload, a discarded task closure, or a
    /// value or error no one could read any more.
    DropPanicked {
        /// The text of the panic raised by that `Drop`.
        message: &'a str,
    },
}

impl fmt::Display for Diagnostic<'_> {
    /// The line [`Handler::Stderr`] prints.
    ///
    /// ```
    /// use concurrent_futures::diagnostics::Diagnostic;
    /// let d = Diagnostic::InitializerFailed { message: "no db" };
    /// assert_eq!(d.to_string(), "Exception in initializer: no db");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diagnostic::CallbackPanicked { message } => {
                write!(f, "exception calling callback: {message}")
            }
            Diagnostic::InitializerFailed { message } => {
                write!(f, "Exception in initializer: {message}")
            }
            Diagnostic::DropPanicked { message } => {
                write!(f, "Exception ignored in drop: {message}")
            }
        }
    }
}

/// Where [`Diagnostic`]s go (see [`set_handler`]).
#[derive(Clone, Default)]
pub enum Handler {
    /// One line on stderr, the [`Display`](fmt::Display) text (the default).
    #[default]
    Stderr,
    /// Dropped silently.
    Ignore,
    /// Passed to this function, on the thread where the failure happened,
    /// outside every lock of the core. A panic in it is contained.
    Custom(Arc<dyn Fn(&Diagnostic<'_>) + Send + Sync>),
}

impl fmt::Debug for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Handler::Stderr => "Stderr",
            Handler::Ignore => "Ignore",
            Handler::Custom(_) => "Custom(..)",
        })
    }
}

/// The process-wide handler. A plain `std` lock even under the model
/// checkers: it is not part of the modelled state, it is taken only when
/// there is something to report, and only to clone the handler out.
static HANDLER: RwLock<Handler> = RwLock::new(Handler::Stderr);

/// Installs `handler` for the whole process and returns the one it replaces.
///
/// ```
/// use concurrent_futures::diagnostics::{set_handler, Handler};
/// let previous = set_handler(Handler::Ignore);
/// assert!(matches!(set_handler(previous), Handler::Ignore));
/// ```
pub fn set_handler(handler: Handler) -> Handler {
    let mut slot = HANDLER.write().unwrap_or_else(PoisonError::into_inner);
    std::mem::replace(&mut *slot, handler)
}

/// Sends `diagnostic` to the current handler. Never panics, never called
/// under a lock of the core.
pub(crate) fn report(diagnostic: &Diagnostic<'_>) {
    let handler = HANDLER
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    match handler {
        Handler::Stderr => {
            // Not `eprintln!`: it panics when stderr is closed.
            let _ = writeln!(std::io::stderr(), "{diagnostic}");
        }
        Handler::Ignore => {}
        Handler::Custom(f) => {
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| f(diagnostic))) {
                // Reporting the handler's own failure could fail again.
                discard(payload);
            }
        }
    }
}

/// Runs `f`, containing a panic: `Err` carries the panic's message, and the
/// payload is dropped with [`drop_contained`].
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(take_message)
}

/// The message of a panic payload; the payload is dropped with
/// [`drop_contained`], since its `Drop` is user code too.
pub(crate) fn take_message(payload: Box<dyn Any + Send>) -> String {
    let message = panic_message(payload.as_ref());
    drop_contained(payload);
    message
}

/// Drops `value`; if its `Drop` panics, the panic is contained and reported
/// as [`Diagnostic::DropPanicked`], and so on for that panic's payload.
pub(crate) fn drop_contained<V>(value: V) {
    drop_chain(value, |message| {
        report(&Diagnostic::DropPanicked { message });
    });
}

/// Drops a payload whose message no one will read, without reporting.
fn discard(payload: Box<dyn Any + Send>) {
    drop_chain(payload, |_| {});
}

/// Drops `value` under `catch_unwind`, then each payload of a panic raised
/// by the previous drop, calling `on_panic` with each such panic's message.
fn drop_chain<V>(value: V, on_panic: impl Fn(&str)) {
    let mut next = catch_unwind(AssertUnwindSafe(move || drop(value))).err();
    while let Some(payload) = next {
        let message = panic_message(payload.as_ref());
        next = catch_unwind(AssertUnwindSafe(move || drop(payload))).err();
        on_panic(&message);
    }
}
