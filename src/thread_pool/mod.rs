//! [`ThreadPoolExecutor`]: Python's `concurrent.futures.ThreadPoolExecutor`.

mod builder;
mod pool;
mod worker;

pub use builder::Builder;

use crate::error::Error;
use crate::executor::Executor;
use crate::sync::Arc;
use crate::work_item::WorkItem;
use pool::Pool;
use std::fmt;

/// An [`Executor`] that runs calls on a pool of at most `max_workers`
/// threads, started lazily (POOL-*).
///
/// The handle is cheap to clone; all clones drive the same pool. Dropping
/// the last handle shuts the pool down and waits for queued work, like
/// leaving Python's `with` block — unless it is dropped on one of the pool's
/// own threads, where waiting would deadlock: then it shuts down without
/// waiting (SHUT-DROP-*).
///
/// ```
/// use concurrent_futures::{Executor, ThreadPoolExecutor};
/// use std::fs;
///
/// // The seed's `with ThreadPoolExecutor(max_workers=4) as e:` example.
/// let dir = std::env::temp_dir().join(format!("cf-doc-{}", std::process::id()));
/// fs::create_dir_all(&dir).unwrap();
/// fs::write(dir.join("src1.txt"), "one").unwrap();
/// {
///     let e = ThreadPoolExecutor::builder().max_workers(4).build().unwrap();
///     let (from, to) = (dir.join("src1.txt"), dir.join("dest1.txt"));
///     e.submit(move || fs::copy(from, to)).unwrap();
/// } // drop = shutdown(wait=true): the copy has finished here
/// assert_eq!(fs::read_to_string(dir.join("dest1.txt")).unwrap(), "one");
/// fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Clone)]
pub struct ThreadPoolExecutor {
    handle: Arc<Handle>,
}

/// The user-side owner of the pool. Workers hold only the [`Pool`], so the
/// last `Handle` going away means no user can submit any more.
struct Handle {
    pool: Arc<Pool>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        // On one of our own workers, waiting would be waiting for ourselves.
        let wait = !self.pool.is_current_worker();
        let _ = self.pool.shutdown(wait, false);
    }
}

/// Python's default `max_workers`: `min(32, available parallelism + 4)`
/// (POOL-MAXW-1; CPython 3.13+ uses the process's CPU count, which is what
/// [`std::thread::available_parallelism`] reports).
pub fn default_max_workers() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cpus + 4).min(32)
}

fn next_pool_number() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

impl ThreadPoolExecutor {
    /// A pool with every argument at its default (see [`Builder`]).
    ///
    /// ```
    /// use concurrent_futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new().unwrap();
    /// assert_eq!(pool.max_workers(), concurrent_futures::default_max_workers());
    /// assert_eq!(pool.threads_started(), 0); // threads start lazily
    /// ```
    pub fn new() -> Result<ThreadPoolExecutor, Error> {
        Builder::new().build()
    }

    /// A [`Builder`] to set `max_workers`, `thread_name_prefix` and
    /// `initializer`.
    pub fn builder() -> Builder {
        Builder::new()
    }

    fn from_pool(pool: Arc<Pool>) -> ThreadPoolExecutor {
        ThreadPoolExecutor {
            handle: Arc::new(Handle { pool }),
        }
    }

    /// The most threads this pool will run.
    pub fn max_workers(&self) -> usize {
        self.handle.pool.max_workers
    }

    /// How many worker threads the pool has started so far.
    pub fn threads_started(&self) -> usize {
        self.handle.pool.threads_started()
    }
}

impl Executor for ThreadPoolExecutor {
    /// Queues `work` (FIFO). Refused with [`Error::BrokenExecutor`] after an
    /// initializer failed, then with [`Error::Shutdown`] after shutdown. Starts
    /// a thread only when no idle worker is available and fewer than
    /// `max_workers` exist.
    fn submit_work(&self, work: WorkItem) -> Result<(), Error> {
        Pool::submit(&self.handle.pool, work)
    }

    /// Shuts the pool down (SHUT-*): no new work; with `cancel_futures`,
    /// queued work is cancelled (CANCELLED_AND_NOTIFIED); with `wait`, returns
    /// once all accepted work has run and every worker thread has exited.
    /// Called with `wait` from one of the pool's own tasks, it shuts down but
    /// returns `Err(Error::Runtime("cannot join current thread"))`.
    ///
    /// ```
    /// use concurrent_futures::{Error, Executor, ThreadPoolExecutor};
    ///
    /// let pool = ThreadPoolExecutor::new().unwrap();
    /// let f = pool.submit(|| 1).unwrap();
    /// pool.shutdown(true, false).unwrap();
    /// assert!(f.done());
    /// assert!(matches!(pool.submit(|| 2), Err(Error::Shutdown)));
    /// ```
    fn shutdown(&self, wait: bool, cancel_futures: bool) -> Result<(), Error> {
        self.handle.pool.shutdown(wait, cancel_futures)
    }
}

impl fmt::Debug for ThreadPoolExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPoolExecutor")
            .field("max_workers", &self.max_workers())
            .field("threads_started", &self.threads_started())
            .finish()
    }
}
