//! A small thread pool implementing the core's `Executor` trait, with
//! switchable flaws. Without flaws it is a correct executor (FIFO, at most
//! `workers` threads, started lazily, shutdown as specified); each flaw
//! breaks one executor-level clause.

use concurrent_futures::{BROKEN_POOL_MESSAGE, Error, Exception, Executor, RunningWork, WorkItem};
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// The flaws a [`ToyPool`] can have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flaws {
    /// Workers take the newest queued item first (breaks EXE-SUBMIT-3).
    pub lifo: bool,
    /// One thread more than `max_workers` (breaks POOL-MAX-1): a `submit`
    /// (not a `map`'s, see [`as_map_submissions`]) that finds every worker
    /// busy claims its item
    /// ([`WorkItem::start`]: the future is RUNNING before `submit` returns,
    /// so the extra start is there to see, not a race with whoever looks,
    /// and no `cancel` can reach it) and hands it to an extra thread.
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

thread_local! {
    /// Set while this thread's submissions are a `map`'s.
    static IN_MAP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with this thread's submissions marked as a `map`'s: the
/// `extra_worker` flaw leaves those queued, so that it breaks only the
/// worker bound seen through `submit` (a map's futures cannot be asked
/// whether they are running, so an extra start of a map item would be
/// seen only once its call logs it, at a moment no step controls).
pub fn as_map_submissions<R>(f: impl FnOnce() -> R) -> R {
    let before = IN_MAP.with(|m| m.replace(true));
    let out = f();
    IN_MAP.with(|m| m.set(before));
    out
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    work: Condvar,
    exited: Condvar,
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<WorkItem>,
    shutdown: bool,
    broken: bool,
    threads: usize,
    live: usize,
    idle: usize,
    /// The extra worker's next item (already RUNNING), and whether it has
    /// one claimed or running.
    handoff: Option<RunningWork>,
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
            && !IN_MAP.with(std::cell::Cell::get)
            && !self.failing_initializer
            && st.idle == 0
            && st.threads == self.limit
            && !st.extra_busy
        {
            // Every worker is busy: claim the item (outside the lock: a
            // cancelled item would drop user code) and hand it to the
            // extra thread. No one else holds its future yet, so it starts.
            st.extra_busy = true;
            drop(st);
            let claimed = work.start();
            let mut st = self.shared.lock();
            let Some(running) = claimed else {
                st.extra_busy = false;
                return Ok(());
            };
            st.handoff = Some(running);
            if !st.extra_started {
                st.extra_started = true;
                st.live += 1;
                let shared = self.shared.clone();
                std::thread::spawn(move || ToyPool::extra_worker(shared));
            }
            drop(st);
            self.shared.work.notify_all();
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
