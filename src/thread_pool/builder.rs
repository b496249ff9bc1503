//! [`Builder`]: the constructor arguments of a [`ThreadPoolExecutor`].

use super::ThreadPoolExecutor;
use super::pool::{Initializer, Pool};
use crate::error::Error;
use crate::exception::BoxError;
use crate::sync::Arc;
use std::fmt;

/// Configures and builds a [`ThreadPoolExecutor`] (Python's
/// `ThreadPoolExecutor(max_workers, thread_name_prefix, initializer)`).
///
/// ```
/// use concurrent_futures::{Executor, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::builder()
///     .max_workers(2)
///     .thread_name_prefix("io")
///     .initializer(|| Ok(()))
///     .build()
///     .unwrap();
/// let name = pool.submit(|| std::thread::current().name().unwrap().to_string()).unwrap();
/// assert_eq!(name.result(None).unwrap(), "io_0");
/// ```
#[derive(Default)]
pub struct Builder {
    max_workers: Option<usize>,
    thread_name_prefix: Option<String>,
    initializer: Option<Arc<Initializer>>,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("max_workers", &self.max_workers)
            .field("thread_name_prefix", &self.thread_name_prefix)
            .field("initializer", &self.initializer.is_some())
            .finish()
    }
}

impl Builder {
    /// A builder with every argument at its default.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// The most threads the pool will start (POOL-MAXW-*, POOL-MAX-1). Default:
    /// [`default_max_workers`](super::default_max_workers); 0 is refused by
    /// [`build`](Builder::build).
    pub fn max_workers(mut self, n: usize) -> Builder {
        self.max_workers = Some(n);
        self
    }

    /// Worker threads are named `{prefix}_{n}`, `n` counting from 0
    /// (POOL-NAME-*). Default prefix: `ThreadPoolExecutor-{k}`, `k` counting
    /// pools built in this process with the default; an empty prefix means
    /// the default, as in CPython (POOL-NAME-2). A prefix containing a NUL
    /// byte is refused by [`build`](Builder::build) (POOL-NAME-3).
    pub fn thread_name_prefix(mut self, prefix: impl Into<String>) -> Builder {
        self.thread_name_prefix = Some(prefix.into());
        self
    }

    /// Called once in each worker thread before it runs any work
    /// (POOL-INIT-*). If it returns an error or panics, the pool is broken:
    /// queued work fails with the broken-pool exception and later
    /// submissions are refused with [`Error::BrokenExecutor`].
    pub fn initializer<F>(mut self, initializer: F) -> Builder
    where
        F: Fn() -> Result<(), BoxError> + Send + Sync + 'static,
    {
        self.initializer = Some(Arc::new(Box::new(initializer)));
        self
    }

    /// Builds the pool. No thread starts until work is submitted.
    ///
    /// ```
    /// use concurrent_futures::{Error, ThreadPoolExecutor};
    /// let err = ThreadPoolExecutor::builder().max_workers(0).build().unwrap_err();
    /// assert_eq!(err.to_string(), "max_workers must be greater than 0");
    /// assert!(matches!(err, Error::InvalidArgument(_)));
    /// let err = ThreadPoolExecutor::builder().thread_name_prefix("a\0b").build().unwrap_err();
    /// assert_eq!(err.to_string(), "thread_name_prefix must not contain a NUL byte");
    /// ```
    pub fn build(self) -> Result<ThreadPoolExecutor, Error> {
        let max_workers = self.max_workers.unwrap_or_else(super::default_max_workers);
        if max_workers == 0 {
            return Err(Error::InvalidArgument(
                "max_workers must be greater than 0".to_string(),
            ));
        }
        // Empty counts as unset, as CPython's `prefix or default` (POOL-NAME-2).
        let prefix = match self.thread_name_prefix {
            Some(prefix) if !prefix.is_empty() => prefix,
            _ => format!("ThreadPoolExecutor-{}", super::next_pool_number()),
        };
        // A thread name cannot hold a NUL byte: refuse it here rather than
        // fail at every submit (POOL-NAME-3).
        if prefix.contains('\0') {
            return Err(Error::InvalidArgument(
                "thread_name_prefix must not contain a NUL byte".to_string(),
            ));
        }
        Ok(ThreadPoolExecutor::from_pool(Pool::new(
            max_workers,
            prefix,
            self.initializer,
        )))
    }
}
