//! The baseline anyone could write in an afternoon: worker threads looping
//! on a `crossbeam_channel` of boxed closures, a [`slot`](crate::slot) per
//! task for the result. Cancelling queued work is draining the channel.

use super::Peer;
use crate::slot::{SlotReader, slot};
use crossbeam_channel::{Receiver, Sender, unbounded};
use std::thread::JoinHandle;

type Job = Box<dyn FnOnce() + Send>;

/// A minimal pool: an unbounded MPMC channel and `workers` threads.
pub struct ChannelPool {
    tx: Option<Sender<Job>>,
    rx: Receiver<Job>,
    workers: Vec<JoinHandle<()>>,
}

impl ChannelPool {
    /// Drops every job not yet taken by a worker (their slots close empty)
    /// and returns how many there were: this pool's
    /// `shutdown(cancel_futures=True)`.
    pub fn cancel_queued(&self) -> usize {
        self.rx.try_iter().count()
    }
}

impl Peer for ChannelPool {
    type Handle<T: Clone + Send + 'static> = SlotReader<T>;
    const NAME: &'static str = "crossbeam";

    fn with_workers(workers: usize) -> Self {
        let (tx, rx) = unbounded::<Job>();
        let workers = (0..workers)
            .map(|_| {
                let rx = rx.clone();
                std::thread::spawn(move || {
                    // Ends when every sender is gone and the queue is empty.
                    for job in rx {
                        job();
                    }
                })
            })
            .collect();
        ChannelPool {
            tx: Some(tx),
            rx,
            workers,
        }
    }

    fn submit<T, F>(&self, call: F) -> SlotReader<T>
    where
        T: Clone + Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (writer, reader) = slot();
        let job: Job = Box::new(move || writer.set(call()));
        self.tx
            .as_ref()
            .expect("open until drop")
            .send(job)
            .expect("workers alive");
        reader
    }

    fn join<T: Clone + Send + 'static>(&self, handle: SlotReader<T>) -> T {
        handle
            .wait()
            .expect("the channel pool runs every job it is given")
    }
}

impl Drop for ChannelPool {
    fn drop(&mut self) {
        self.tx = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::Gate;

    #[test]
    fn cancel_queued_drops_waiting_jobs_and_closes_their_slots() {
        let pool = ChannelPool::with_workers(1);
        let gate = Gate::new();
        let g = gate.clone();
        let held = pool.submit(move || g.pass());
        gate.wait_arrived(1);
        let queued: Vec<_> = (0..10u64).map(|i| pool.submit(move || i)).collect();
        assert_eq!(pool.cancel_queued(), 10);
        gate.open();
        pool.join(held);
        assert!(queued.into_iter().all(|r| r.wait().is_none()));
    }
}
