//! [`ChannelWorkers`]: worker threads draining an unbounded
//! `crossbeam_channel`, the engine of the pools written here (the channel
//! pool, the floor, the async-task pool).

use crossbeam_channel::{Receiver, Sender, unbounded};
use std::thread::JoinHandle;

/// `workers` threads, each running every item it takes off the channel;
/// dropping it closes the channel and joins them once the queue is empty.
pub struct ChannelWorkers<J> {
    tx: Option<Sender<J>>,
    rx: Receiver<J>,
    threads: Vec<JoinHandle<()>>,
}

impl<J: Send + 'static> ChannelWorkers<J> {
    /// Starts `workers` threads calling `run` on each item.
    pub fn new(workers: usize, run: fn(J)) -> Self {
        let (tx, rx) = unbounded::<J>();
        let threads = (0..workers)
            .map(|_| {
                let rx = rx.clone();
                // Ends when every sender is gone and the queue is empty.
                std::thread::spawn(move || rx.into_iter().for_each(run))
            })
            .collect();
        ChannelWorkers {
            tx: Some(tx),
            rx,
            threads,
        }
    }

    /// The channel's sending end.
    pub fn sender(&self) -> &Sender<J> {
        self.tx.as_ref().expect("open until drop")
    }

    /// Queues `item`.
    pub fn send(&self, item: J) {
        self.sender().send(item).expect("workers alive");
    }

    /// The channel's receiving end (to drain what no worker took yet).
    pub fn receiver(&self) -> &Receiver<J> {
        &self.rx
    }
}

impl<J> Drop for ChannelWorkers<J> {
    fn drop(&mut self) {
        self.tx = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
