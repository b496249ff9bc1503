//! rayon: a dedicated `rayon::ThreadPool`; `ThreadPool::spawn` is its
//! fire-and-forget submit, so each task writes into a [`slot`](crate::slot).
//! (rayon's `map` counterpart, `par_iter`, is used directly by the map
//! bench through [`RayonPool::pool`].)

use super::Peer;
use crate::slot::{SlotReader, slot};

/// A `rayon::ThreadPool` of `workers` threads with a result slot per task.
pub struct RayonPool {
    /// The pool, public so that the map bench can `install` a `par_iter`.
    pub pool: rayon::ThreadPool,
}

impl Peer for RayonPool {
    type Handle<T: Clone + Send + 'static> = SlotReader<T>;
    const NAME: &'static str = "rayon";

    fn with_workers(workers: usize) -> Self {
        RayonPool {
            pool: rayon::ThreadPoolBuilder::new()
                .num_threads(workers)
                .build()
                .expect("rayon pool"),
        }
    }

    fn submit<T, F>(&self, call: F) -> SlotReader<T>
    where
        T: Clone + Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (writer, reader) = slot();
        self.pool.spawn(move || writer.set(call()));
        reader
    }

    fn join<T: Clone + Send + 'static>(&self, handle: SlotReader<T>) -> T {
        handle.wait().expect("rayon runs every spawned task")
    }
}
