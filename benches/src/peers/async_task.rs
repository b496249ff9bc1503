//! A pool of `async-task` tasks: each task is **one allocation** holding
//! the closure (as a future), its state and its output; `Runnable`s go
//! through a `crossbeam_channel` to worker threads that run them. The
//! handle is async-task's `Task`, which supports what the floor pool does
//! not: [`cancel`](AsyncTaskPool::cancel) (a queued task then never runs)
//! and `detach`. Joining blocks the calling thread on the `Task` with a
//! waker that unparks it.

use super::Peer;
use super::workers::ChannelWorkers;
use async_task::{Runnable, Task};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

/// Unparks the thread blocked in [`block_on`].
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    /// One waker per joining thread, made once (not one allocation per join).
    static WAKER: Waker = Waker::from(Arc::new(Unpark(std::thread::current())));
}

/// Polls `future` on this thread, parking between polls.
fn block_on<F: Future + Unpin>(mut future: F) -> F::Output {
    WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(value) = Pin::new(&mut future).poll(&mut cx) {
                return value;
            }
            std::thread::park();
        }
    })
}

/// `workers` threads running async-task `Runnable`s from a channel.
pub struct AsyncTaskPool {
    workers: ChannelWorkers<Runnable>,
}

impl AsyncTaskPool {
    /// Cancels `task` without waiting: if it has not started it never
    /// will (the worker that takes its `Runnable` drops it unpolled).
    /// Dropping a `Task` is async-task's cancel; its `Task::cancel` future
    /// would instead wait until the queued `Runnable` has been dropped.
    pub fn cancel<T>(&self, task: Task<T>) {
        drop(task);
    }
}

impl Peer for AsyncTaskPool {
    type Handle<T: Clone + Send + 'static> = Task<T>;
    const NAME: &'static str = "async-task";

    fn with_workers(workers: usize) -> Self {
        AsyncTaskPool {
            workers: ChannelWorkers::new(workers, |runnable: Runnable| {
                runnable.run();
            }),
        }
    }

    fn submit<T, F>(&self, call: F) -> Task<T>
    where
        T: Clone + Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        // Each task's schedule function holds a sender: the workers end
        // once the pool and every unfinished task are gone.
        let tx = self.workers.sender().clone();
        let schedule = move |runnable| tx.send(runnable).expect("workers alive");
        let (runnable, task) = async_task::spawn(async move { call() }, schedule);
        runnable.schedule();
        task
    }

    fn join<T: Clone + Send + 'static>(&self, handle: Task<T>) -> T {
        block_on(handle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::hold;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn a_cancelled_queued_task_never_runs() {
        let pool = AsyncTaskPool::with_workers(1);
        let (gate, held) = hold(&pool);
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let queued = pool.submit(move || r.store(true, Ordering::SeqCst));
        // Returns while the only worker is still held: it does not wait.
        pool.cancel(queued);
        // One worker, FIFO: once a later task has run, the cancelled one's
        // runnable has been taken off the queue and dropped unpolled.
        let later = pool.submit(|| 7u8);
        gate.open();
        pool.join(held);
        assert_eq!(pool.join(later), 7);
        assert!(!ran.load(Ordering::SeqCst), "the cancelled task ran");
    }

    #[test]
    fn a_detached_task_still_runs() {
        let pool = AsyncTaskPool::with_workers(1);
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        pool.submit(move || r.store(true, Ordering::SeqCst))
            .detach();
        assert_eq!(pool.join(pool.submit(|| 3u8)), 3);
        assert!(ran.load(Ordering::SeqCst), "the detached task did not run");
    }
}
