//! The crate under test: `concurrent_futures::ThreadPoolExecutor`.
//! `submit` is `Executor::submit`, the handle its `Future`, and joining is
//! `Future::result(None)` — exactly what a user writes.

use super::Peer;
use concurrent_futures::{Executor, Future, ThreadPoolExecutor};

/// `ThreadPoolExecutor` with `max_workers` workers.
pub struct Ours {
    /// The pool, public so that benches can use the rest of its API
    /// (`map_with`, `wait`, `shutdown`).
    pub pool: ThreadPoolExecutor,
}

impl Peer for Ours {
    type Handle<T: Clone + Send + 'static> = Future<T>;
    const NAME: &'static str = "ours";

    fn with_workers(workers: usize) -> Self {
        Ours {
            pool: ThreadPoolExecutor::builder()
                .max_workers(workers)
                .build()
                .expect("max_workers > 0"),
        }
    }

    fn submit<T, F>(&self, call: F) -> Future<T>
    where
        T: Clone + Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.pool.submit(call).expect("pool is running")
    }

    fn join<T: Clone + Send + 'static>(&self, handle: Future<T>) -> T {
        handle.result(None).expect("tiny tasks do not fail")
    }
}
