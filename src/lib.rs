//! # concurrent-futures
//!
//! The semantics of Python's [`concurrent.futures`] — `Future`, `Executor`,
//! `ThreadPoolExecutor`, `wait`, `as_completed` — reproduced exactly in Rust,
//! clause by clause of the specification in the repository's `spec/`
//! directory. Where CPython versions differ, the newest released one (3.15)
//! is followed; `spec/divergences.md` lists every place where Rust must
//! differ and every CPython defect this crate does not reproduce.
//!
//! | Python                                   | Rust                                        |
//! |------------------------------------------|---------------------------------------------|
//! | `Future()`                               | [`Future::new`]                             |
//! | `executor.submit(fn, *args)`             | [`Executor::submit`] with a closure         |
//! | `executor.map(fn, *its, timeout=…, …)`   | [`Executor::map`], [`Executor::map_with`]   |
//! | `executor.shutdown(wait, cancel_futures=…)` | [`Executor::shutdown`]                   |
//! | `with ThreadPoolExecutor(…) as e:`       | a [`ThreadPoolExecutor`] dropped at scope end |
//! | `wait(fs, timeout, return_when)`         | [`wait()`]                                  |
//! | `as_completed(fs, timeout)`              | [`as_completed()`]                          |
//! | exceptions                               | [`Error`], [`Exception`]                    |
//! | the `concurrent.futures` logger          | [`diagnostics::set_handler`]                |
//!
//! ```
//! use concurrent_futures::{as_completed, Executor, ThreadPoolExecutor};
//!
//! let pool = ThreadPoolExecutor::builder().max_workers(4).build().unwrap();
//! let futures: Vec<_> = (1..=5u64)
//!     .map(|n| pool.submit(move || (1..=n).product::<u64>()).unwrap())
//!     .collect();
//! let mut results: Vec<u64> = as_completed(&futures, None)
//!     .map(|f| f.unwrap().result(None).unwrap())
//!     .collect();
//! results.sort();
//! assert_eq!(results, [1, 2, 6, 24, 120]);
//! ```
//!
//! [`concurrent.futures`]: https://docs.python.org/3/library/concurrent.futures.html

#![warn(missing_docs)]

mod as_completed;
pub mod diagnostics;
mod error;
mod exception;
mod executor;
mod future;
mod map;
mod state;
mod sync;
mod thread_pool;
mod time;
mod wait;
mod waiter;
mod work_item;

pub use as_completed::{AsCompleted, as_completed};
pub use error::{BROKEN_POOL_MESSAGE, Error, SHUTDOWN_MESSAGE, Unfinished};
pub use exception::{BoxError, Exception, ExceptionKind};
pub use executor::Executor;
pub use future::Future;
pub use map::{MapIter, MapOptions};
pub use state::State;
pub use thread_pool::{Builder, ThreadPoolExecutor, default_max_workers};
pub use wait::{DoneAndNotDone, ReturnWhen, wait};
pub use work_item::{RunningWork, WorkItem};

#[cfg(any(loom, shuttle))]
pub use time::{ModelTimeouts, set_model_timeouts};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
