//! The executors compared, behind one small [`Peer`] trait: submit a
//! closure, get a handle, join the handle.
//!
//! Each module maps one executor onto that trait with the least machinery
//! the executor allows; its comment says how.

pub mod async_task;
pub mod channel;
pub mod floor;
pub mod ours;
pub mod rayon;
pub mod threadpool;
pub mod tokio;
pub mod workers;

pub use async_task::AsyncTaskPool;
pub use channel::ChannelPool;
pub use floor::FloorPool;
pub use ours::Ours;
pub use rayon::RayonPool;
pub use threadpool::ThreadPoolCrate;
pub use tokio::TokioBlocking;

/// An executor that runs closures on a fixed set of worker threads and
/// hands back a handle for each result.
pub trait Peer: Sync + Sized {
    /// What [`submit`](Peer::submit) returns: a future, join handle or slot.
    type Handle<T: Clone + Send + 'static>: Send;

    /// The name used in benchmark ids and the summary table.
    const NAME: &'static str;

    /// A pool of `workers` threads.
    fn with_workers(workers: usize) -> Self;

    /// Queues `call`.
    fn submit<T, F>(&self, call: F) -> Self::Handle<T>
    where
        T: Clone + Send + 'static,
        F: FnOnce() -> T + Send + 'static;

    /// Blocks until `handle`'s call has run and returns its value.
    fn join<T: Clone + Send + 'static>(&self, handle: Self::Handle<T>) -> T;

    /// Joins every handle, in order. Peers with a cheaper bulk join (tokio:
    /// one `block_on` for all) override it.
    fn join_all<T: Clone + Send + 'static>(&self, handles: Vec<Self::Handle<T>>) -> Vec<T> {
        handles.into_iter().map(|h| self.join(h)).collect()
    }
}
