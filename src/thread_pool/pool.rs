//! The state a thread pool's handles and workers share, and the operations
//! on it: submit, shutdown, breaking.
//!
//! # Invariants (all fields of [`PoolState`] change only under `state`)
//!
//! * Every queued item has a worker that will take it: a submit either finds
//!   at least as many idle workers as queued items (and wakes a sleeping
//!   one), or starts a thread, or — when `max_workers` threads exist — leaves
//!   the item for a busy worker, which always checks the queue under the lock
//!   before it sleeps.
//! * `busy` counts workers inside a call or its done-callbacks. A worker
//!   whose future has no callbacks leaves it (lock-free) when its call
//!   returns, before the outcome is visible, so a caller that has seen a
//!   result also sees that worker as idle (POOL-REUSE-*); one running
//!   callbacks leaves it only after they have run, so a callback that
//!   submits and waits gets a new thread (POOL-CBIDLE-1).
//! * No user code runs under `state`: items refused or drained are dropped,
//!   cancelled or failed after it is released (POOL-SPAWN-1), and a worker
//!   survives any panic of user code, including a panicking `Drop`
//!   (POOL-DROPPANIC-1).
//! * Once `shutdown` is set it is never cleared, and no item is queued after
//!   it; workers exit when the queue is empty and `shutdown` is set, so
//!   every item queued before shutdown runs unless `cancel_futures` drained
//!   it.
//! * Once `broken` is set, the queue is drained (its items failed) and no item
//!   is queued again.
//! * `alive` counts started workers that have not exited; `shutdown(wait)`
//!   returns only when it is 0.
//! * An idle worker that has just run an item may spin briefly before it
//!   sleeps, watching `queued` (a lock-free copy of the queue's length,
//!   written under the lock). At most one worker spins at a time
//!   (`spinning` is 0 or 1), so that on few cores a spinner never takes the
//!   CPU from more than one thread. `queued` is only a hint: the spinner is
//!   counted in `spinning` under the lock, and uncounted under the lock in
//!   the same acquisition in which it re-checks the queue; it decides to
//!   sleep and counts itself in `sleeping` only under that acquisition. So a
//!   spinning worker is an idle worker on its way back to the queue.
//! * `wakeups` counts wake-ups sent to sleepers that have not yet re-taken
//!   the lock (`wakeups <= sleeping`; a spurious wake-up may consume one
//!   early, which only causes an extra wake-up later).
//! * A submit that finds enough idle workers wakes a sleeper only when the
//!   queued items outnumber the workers already on their way back to the
//!   queue (`spinning + wakeups`) and some sleeper has not been woken
//!   (`sleeping > wakeups`): each such worker takes an item as soon as it
//!   re-takes the lock, and a burst of submits sends one wake-up per
//!   sleeper instead of one per item.

use super::worker;
use crate::error::{BROKEN_POOL_MESSAGE, Error};
use crate::exception::{BoxError, Exception};
use crate::sync::{Arc, AtomicUsize, Condvar, JoinHandle, Mutex, MutexGuard, thread, thread_local};
use crate::work_item::WorkItem;
use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;

/// A worker's initializer.
pub(crate) type Initializer = Box<dyn Fn() -> Result<(), BoxError> + Send + Sync>;

#[cfg(not(loom))]
thread_local! {
    /// The id of the pool whose worker this thread is (0: none).
    static CURRENT_POOL: Cell<usize> = const { Cell::new(0) };
}

// loom's `thread_local!` does not accept the `const { … }` form.
#[cfg(loom)]
thread_local! {
    static CURRENT_POOL: Cell<usize> = Cell::new(0);
}

/// Rounds of [`Pool::idle_spin`] that busy-wait (round `i` spins `2^i`
/// hints), then rounds that yield the CPU. Under the model checkers one
/// yielding round, so that the models explore the spin path but stay finite.
#[cfg(all(not(loom), not(shuttle)))]
const SPIN_STEPS: usize = 7;
#[cfg(all(not(loom), not(shuttle)))]
const YIELD_STEPS: usize = 4;
#[cfg(any(loom, shuttle))]
const SPIN_STEPS: usize = 0;
#[cfg(any(loom, shuttle))]
const YIELD_STEPS: usize = 1;

static NEXT_POOL_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

pub(crate) struct Pool {
    id: usize,
    pub(crate) max_workers: usize,
    prefix: String,
    pub(crate) initializer: Option<Arc<Initializer>>,
    pub(crate) state: Mutex<PoolState>,
    /// Workers sleep here waiting for work or shutdown.
    pub(crate) work_ready: Condvar,
    /// `shutdown(wait)` sleeps here until every worker has exited.
    all_exited: Condvar,
    /// Workers inside a call.
    pub(crate) busy: AtomicUsize,
    /// `state.queue.len()` as of the last change, for spinning workers (a
    /// hint; see the invariants above).
    queued: AtomicUsize,
}

pub(crate) struct PoolState {
    pub(crate) queue: VecDeque<WorkItem>,
    /// Threads started so far (names the next one).
    started: usize,
    /// Started workers that have not exited.
    alive: usize,
    /// Workers blocked on `work_ready`.
    pub(crate) sleeping: usize,
    /// Wake-ups sent by `submit` that no sleeper has consumed yet.
    pub(crate) wakeups: usize,
    /// Workers spinning in [`Pool::idle_spin`] (at most one).
    pub(crate) spinning: usize,
    pub(crate) shutdown: bool,
    broken: Option<String>,
    handles: Vec<JoinHandle<()>>,
}

impl Pool {
    pub(crate) fn new(
        max_workers: usize,
        prefix: String,
        initializer: Option<Arc<Initializer>>,
    ) -> Arc<Pool> {
        Arc::new(Pool {
            id: NEXT_POOL_ID.fetch_add(1, Ordering::Relaxed),
            max_workers,
            prefix,
            initializer,
            state: Mutex::new(PoolState {
                queue: VecDeque::new(),
                started: 0,
                alive: 0,
                sleeping: 0,
                wakeups: 0,
                spinning: 0,
                shutdown: false,
                broken: None,
                handles: Vec::new(),
            }),
            work_ready: Condvar::new(),
            all_exited: Condvar::new(),
            busy: AtomicUsize::new(0),
            queued: AtomicUsize::new(0),
        })
    }

    /// Publishes the queue's length to spinning workers. Called under the
    /// lock after every change to the queue.
    pub(crate) fn publish_queued(&self, st: &PoolState) {
        self.queued.store(st.queue.len(), Ordering::Relaxed);
    }

    /// Spins, then yields, for a bounded time while the queue looks empty,
    /// so that a worker that has just run out of work can pick up the next
    /// item without sleeping and being woken (benches/FINDINGS.md). Returns
    /// early when an item appears; the caller re-checks under the lock either
    /// way. Called without the lock.
    pub(crate) fn idle_spin(&self) {
        for step in 0..SPIN_STEPS + YIELD_STEPS {
            if self.queued.load(Ordering::Relaxed) > 0 {
                return;
            }
            if step < SPIN_STEPS {
                for _ in 0..1u32 << step {
                    crate::sync::spin_hint();
                }
            } else {
                thread::yield_now();
            }
        }
    }

    /// Whether the calling thread is one of this pool's workers.
    pub(crate) fn is_current_worker(&self) -> bool {
        CURRENT_POOL.with(|c| c.get()) == self.id
    }

    /// Marks the calling thread as one of this pool's workers.
    pub(crate) fn enter_worker(&self) {
        CURRENT_POOL.with(|c| c.set(self.id));
    }

    pub(crate) fn threads_started(&self) -> usize {
        self.state.lock().started
    }

    pub(crate) fn submit(this: &Arc<Pool>, work: WorkItem) -> Result<(), Error> {
        let mut st = this.state.lock();
        // Broken is checked before shutdown, as CPython does (EXE-SUBMIT-2).
        let refusal = match &st.broken {
            Some(message) => Some(Error::BrokenExecutor(message.clone())),
            None => st.shutdown.then_some(Error::Shutdown),
        };
        if let Some(refusal) = refusal {
            // Dropping the item cancels its future and runs its callbacks:
            // user code, so after the lock (POOL-SPAWN-1).
            drop(st);
            drop(work);
            return Err(refusal);
        }
        st.queue.push_back(work);
        this.publish_queued(&st);
        let idle = st.alive - this.busy.load(Ordering::Acquire).min(st.alive);
        // MUTANT: busy workers counted as idle (gh-88354-like imbalance).
        let idle = if cfg!(cf_mutant = "idle_ignores_busy") {
            st.alive
        } else {
            idle
        };
        if idle >= st.queue.len() {
            // An idle worker will take it: wake one if a sleeper is not
            // already on its way back (the others are about to come back to
            // the queue). The item is queued under the lock and a sleeper
            // re-checks the queue under it, so the wake-up can be sent after
            // unlocking: the woken worker then does not block straight away
            // on the lock we hold (benches/FINDINGS.md, the lock convoy).
            let on_the_way = st.spinning + st.wakeups;
            // MUTANT: a spinner is counted as two workers on their way back.
            let on_the_way = if cfg!(cf_mutant = "spinner_counted_twice") {
                on_the_way + st.spinning
            } else {
                on_the_way
            };
            let wake = st.sleeping > st.wakeups && st.queue.len() > on_the_way;
            if wake {
                st.wakeups += 1;
            }
            drop(st);
            if wake {
                this.work_ready.notify_one();
            }
        } else if st.alive < this.max_workers {
            if let Err(e) = Pool::start_worker(this, &mut st) {
                if st.alive == 0 {
                    // No thread can ever run it: take it back and report. Its
                    // future is cancelled when it drops, which runs its
                    // callbacks: only after the lock is released (POOL-SPAWN-1).
                    let refused = st.queue.pop_back();
                    this.publish_queued(&st);
                    // MUTANT: the refused item is dropped under the pool lock (issue 12, item 6).
                    #[cfg(cf_mutant = "refused_dropped_under_lock")]
                    let refused: Option<WorkItem> = {
                        drop(refused);
                        None
                    };
                    drop(st);
                    drop(refused);
                    return Err(Error::Runtime(format!("can't start new thread: {e}")));
                }
                // Existing workers will run it.
            }
        }
        Ok(())
    }

    fn start_worker(this: &Arc<Pool>, st: &mut MutexGuard<'_, PoolState>) -> std::io::Result<()> {
        let name = format!("{}_{}", this.prefix, st.started);
        let pool = this.clone();
        let handle = thread::Builder::new()
            .name(name)
            .spawn(move || worker::run(pool))?;
        st.started += 1;
        st.alive += 1;
        st.handles.push(handle);
        Ok(())
    }

    /// Called by a worker as its last act.
    pub(crate) fn worker_exited(&self, mut st: MutexGuard<'_, PoolState>) {
        st.alive -= 1;
        if st.alive == 0 {
            self.all_exited.notify_all();
        }
    }

    /// A worker's initializer failed: break the pool and fail queued work
    /// (POOL-BROKEN-1). Queued items are failed outside the lock, because
    /// their callbacks may call back into the pool.
    pub(crate) fn break_pool(&self) {
        let drained: Vec<WorkItem> = {
            let mut st = self.state.lock();
            if st.broken.is_none() {
                st.broken = Some(BROKEN_POOL_MESSAGE.to_string());
            }
            // MUTANT: the drain stops after the first item, stranding the rest.
            let drained = if cfg!(cf_mutant = "drain_stops_early") {
                st.queue.pop_front().into_iter().collect()
            } else {
                st.queue.drain(..).collect()
            };
            self.publish_queued(&st);
            drained
        };
        for work in drained {
            work.fail(Exception::broken_executor(BROKEN_POOL_MESSAGE));
        }
    }

    pub(crate) fn shutdown(&self, wait: bool, cancel_futures: bool) -> Result<(), Error> {
        if wait && self.is_current_worker() {
            // Joining ourselves would deadlock: shut down, then refuse to wait.
            self.shutdown(false, cancel_futures)?;
            return Err(Error::Runtime("cannot join current thread".to_string()));
        }
        let (drained, handles) = {
            let mut st = self.state.lock();
            st.shutdown = true;
            let drained: Vec<WorkItem> = if cancel_futures {
                st.queue.drain(..).collect()
            } else {
                Vec::new()
            };
            self.publish_queued(&st);
            if st.sleeping > 0 {
                self.work_ready.notify_all();
            }
            let handles = if wait {
                std::mem::take(&mut st.handles)
            } else {
                Vec::new()
            };
            (drained, handles)
        };
        // Cancelled AND notified, so wait()/as_completed() return (CPython
        // leaves them CANCELLED: gh-92001).
        for work in drained {
            work.cancel();
        }
        if wait {
            for handle in handles {
                // Workers never panic: every piece of user code they run
                // (calls, callbacks, drops) is contained (POOL-DROPPANIC-1).
                let _ = handle.join();
            }
            // Another shutdown may have taken some handles: wait for them too.
            let mut st = self.state.lock();
            while st.alive > 0 {
                st = self.all_exited.wait(st);
            }
        }
        Ok(())
    }
}
