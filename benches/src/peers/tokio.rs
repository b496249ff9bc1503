//! tokio: `Runtime::spawn_blocking` on a current-thread runtime whose
//! blocking pool is capped at the same worker count
//! (`max_blocking_threads`). The handle is tokio's `JoinHandle`, joined with
//! `block_on` on the calling thread — one `block_on` per handle for a single
//! join, one for all of them in [`join_all`](Peer::join_all).

use super::Peer;
use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinHandle;

/// A tokio runtime used only for its blocking pool.
pub struct TokioBlocking {
    /// The runtime, public so that the `as_completed` bench can use a
    /// `JoinSet` on it.
    pub rt: Runtime,
}

impl Peer for TokioBlocking {
    type Handle<T: Clone + Send + 'static> = JoinHandle<T>;
    const NAME: &'static str = "tokio";

    fn with_workers(workers: usize) -> Self {
        TokioBlocking {
            rt: Builder::new_current_thread()
                .max_blocking_threads(workers)
                .build()
                .expect("tokio runtime"),
        }
    }

    fn submit<T, F>(&self, call: F) -> JoinHandle<T>
    where
        T: Clone + Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.rt.spawn_blocking(call)
    }

    fn join<T: Clone + Send + 'static>(&self, handle: JoinHandle<T>) -> T {
        self.rt.block_on(handle).expect("tiny tasks do not panic")
    }

    fn join_all<T: Clone + Send + 'static>(&self, handles: Vec<JoinHandle<T>>) -> Vec<T> {
        self.rt.block_on(async {
            let mut values = Vec::with_capacity(handles.len());
            for h in handles {
                values.push(h.await.expect("tiny tasks do not panic"));
            }
            values
        })
    }
}
