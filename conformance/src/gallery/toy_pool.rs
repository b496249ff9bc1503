//! A small thread pool implementing the core's `Executor` trait, with
//! switchable flaws. Without flaws it is a correct executor (FIFO, at most
//! `workers` threads, started lazily, shutdown as specified); each flaw
//! breaks one executor-level clause.

use concurrent_futures::{BROKEN_POOL_MESSAGE, Error, Exception, Executor, WorkItem};
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// The flaws a [`ToyPool`] can have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flaws {
    /// Workers take the newest queued item first (breaks EXE-SUBMIT-3).
    pub lifo: bool,
    /// One thread more than `max_workers` (breaks POOL-MAX-1): a `submit`
    /// that finds every worker busy hands its item to an extra thread and
    /// returns once that thread has taken it, so the extra start is there
    /// to see when `submit` returns (not a race with whoever looks).
    pub extra_worker: bool,
    /// `shutdown(wait=True)` returns without waiting (breaks SHUT-WAIT-1).
    pub shutdown_returns_early: bool,
    /// A failing initializer marks the pool broken but leaves the queued
    /// futures pending (breaks POOL-BROKEN-1).
    pub broken_leaves_pending: bool,
}

/// The toy pool.
#[derive(Debug)]
pub struct ToyPool {
    shared: Arc<Shared>,
    limit: usize,
    failing_initializer: bool,
    flaws: Flaws,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    work: Condvar,
    exited: Condvar,
    /// Signalled when the extra worker takes its item.
    took: Condvar,
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<WorkItem>,
    shutdown: bool,
    broken: bool,
    threads: usize,
    live: usize,
    idle: usize,
    /// The extra worker's next item, and whether it has one running.
    handoff: Option<WorkItem>,
    extra_busy: bool,
    extra_started: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl ToyPool {
    /// A pool of `workers` threads with `flaws`; its threads' initializer
    /// fails if `failing_initializer`.
    pub fn new(workers: usize, failing_initializer: bool, flaws: Flaws) -> ToyPool {
        ToyPool {
            shared: Arc::default(),
            limit: workers,
            failing_initializer,
            flaws,
        }
    }

    fn worker(shared: Arc<Shared>, failing_initializer: bool, flaws: Flaws) {
        ToyPool::work(&shared, failing_initializer, flaws);
        shared.lock().live -= 1;
        shared.exited.notify_all();
    }

    fn work(shared: &Shared, failing_initializer: bool, flaws: Flaws) {
        if failing_initializer {
            let mut st = shared.lock();
            st.broken = true;
            if !flaws.broken_leaves_pending {
                for item in st.queue.drain(..) {
                    item.fail(Exception::broken_executor(BROKEN_POOL_MESSAGE));
                }
            }
            return;
        }
        let mut st = shared.lock();
        loop {
            let item = if flaws.lifo {
                st.queue.pop_back()
            } else {
                st.queue.pop_front()
            };
            if let Some(item) = item {
                drop(st);
                item.run();
                st = shared.lock();
                continue;
            }
            if st.shutdown {
                return;
            }
            st.idle += 1;
            st = shared.work.wait(st).unwrap_or_else(|e| e.into_inner());
            st.idle -= 1;
        }
    }
}

impl ToyPool {
    /// The extra worker (the flaw `extra_worker`): runs what it is handed.
    fn extra_worker(shared: Arc<Shared>) {
        let mut st = shared.lock();
        loop {
            if let Some(item) = st.handoff.take() {
                shared.took.notify_all();
                drop(st);
                item.run();
                st = shared.lock();
                st.extra_busy = false;
                continue;
            }
            if st.shutdown {
                break;
            }
            st = shared.work.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st.live -= 1;
        drop(st);
        shared.exited.notify_all();
    }
}

impl Executor for ToyPool {
    fn submit_work(&self, work: WorkItem) -> Result<(), Error> {
        let mut st = self.shared.lock();
        if st.broken {
            return Err(Error::BrokenExecutor(BROKEN_POOL_MESSAGE.into()));
        }
        if st.shutdown {
            return Err(Error::Shutdown);
        }
        if self.flaws.extra_worker
            && !self.failing_initializer
            && st.idle == 0
            && st.threads == self.limit
            && !st.extra_busy
        {
            // Every worker is busy: the extra thread takes the item now.
            st.extra_busy = true;
            st.handoff = Some(work);
            if !st.extra_started {
                st.extra_started = true;
                st.live += 1;
                let shared = self.shared.clone();
                std::thread::spawn(move || ToyPool::extra_worker(shared));
            }
            self.shared.work.notify_all();
            while st.handoff.is_some() {
                st = self.shared.took.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            return Ok(());
        }
        st.queue.push_back(work);
        // Start a thread unless an idle one can take the item.
        if st.idle < st.queue.len() && st.threads < self.limit {
            let (shared, init, flaws) = (self.shared.clone(), self.failing_initializer, self.flaws);
            st.threads += 1;
            st.live += 1;
            std::thread::spawn(move || ToyPool::worker(shared, init, flaws));
        }
        drop(st);
        if self.flaws.extra_worker {
            // The extra thread waits on the same condition variable.
            self.shared.work.notify_all();
        } else {
            self.shared.work.notify_one();
        }
        Ok(())
    }

    fn shutdown(&self, wait: bool, cancel_futures: bool) -> Result<(), Error> {
        let mut st = self.shared.lock();
        st.shutdown = true;
        if cancel_futures {
            for item in st.queue.drain(..) {
                item.cancel();
            }
        }
        self.shared.work.notify_all();
        if wait && !self.flaws.shutdown_returns_early {
            // Every caller waits until every worker has exited.
            while st.live > 0 {
                st = self
                    .shared
                    .exited
                    .wait(st)
                    .unwrap_or_else(|e| e.into_inner());
            }
        }
        Ok(())
    }
}

impl Drop for ToyPool {
    fn drop(&mut self) {
        let _ = self.shutdown(!self.flaws.shutdown_returns_early, false);
    }
}
