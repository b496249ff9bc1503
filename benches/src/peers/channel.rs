//! The baseline anyone could write in an afternoon: worker threads looping
//! on a `crossbeam_channel` of boxed closures, a [`slot`](crate::slot) per
//! task for the result. Cancelling queued work is draining the channel.

use super::Peer;
use super::workers::ChannelWorkers;
use crate::slot::{SlotReader, slot};

type Job = Box<dyn FnOnce() + Send>;

/// A minimal pool: an unbounded MPMC channel and `workers` threads.
pub struct ChannelPool {
    workers: ChannelWorkers<Job>,
}

impl ChannelPool {
    /// Drops every job not yet taken by a worker (their slots close empty)
    /// and returns how many there were: this pool's
    /// `shutdown(cancel_futures=True)`.
    pub fn cancel_queued(&self) -> usize {
        self.workers.receiver().try_iter().count()
    }
}

impl Peer for ChannelPool {
    type Handle<T: Clone + Send + 'static> = SlotReader<T>;
    const NAME: &'static str = "crossbeam";

    fn with_workers(workers: usize) -> Self {
        ChannelPool {
            workers: ChannelWorkers::new(workers, |job: Job| job()),
        }
    }

    fn submit<T, F>(&self, call: F) -> SlotReader<T>
    where
        T: Clone + Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (writer, reader) = slot();
        self.workers.send(Box::new(move || writer.set(call())));
        reader
    }

    fn join<T: Clone + Send + 'static>(&self, handle: SlotReader<T>) -> T {
        handle
            .wait()
            .expect("the channel pool runs every job it is given")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::hold;

    #[test]
    fn cancel_queued_drops_waiting_jobs_and_closes_their_slots() {
        let pool = ChannelPool::with_workers(1);
        let (gate, held) = hold(&pool);
        let queued: Vec<_> = (0..10u64).map(|i| pool.submit(move || i)).collect();
        assert_eq!(pool.cancel_queued(), 10);
        gate.open();
        pool.join(held);
        assert!(queued.into_iter().all(|r| r.wait().is_none()));
    }
}
