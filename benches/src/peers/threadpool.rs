//! The `threadpool` crate: `ThreadPool::execute` runs a `FnOnce()` and
//! returns nothing, so each task writes its value into a [`slot`](crate::slot).

use super::Peer;
use crate::slot::{SlotReader, slot};

/// `threadpool::ThreadPool` with a result slot per task.
pub struct ThreadPoolCrate {
    pool: threadpool::ThreadPool,
}

impl Peer for ThreadPoolCrate {
    type Handle<T: Clone + Send + 'static> = SlotReader<T>;
    const NAME: &'static str = "threadpool";

    fn with_workers(workers: usize) -> Self {
        ThreadPoolCrate {
            pool: threadpool::ThreadPool::new(workers),
        }
    }

    fn submit<T, F>(&self, call: F) -> SlotReader<T>
    where
        T: Clone + Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (writer, reader) = slot();
        self.pool.execute(move || writer.set(call()));
        reader
    }

    fn join<T: Clone + Send + 'static>(&self, handle: SlotReader<T>) -> T {
        handle.wait().expect("threadpool runs every task")
    }
}
