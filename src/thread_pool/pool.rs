//! The state a thread pool's handles and workers share, and the operations
//! on it: submit, shutdown, breaking.
//!
//! # The queue: an inbox and an outbox
//!
//! Queued items live in two FIFO queues under two locks. Submitters append to
//! the *inbox* (`PoolState::inbox`, under `state`, with the bookkeeping
//! below); workers pop from the *outbox* (`Outbox::items`, under its own
//! lock). A worker that finds the outbox empty takes `state` (lock order:
//! outbox, then state) and swaps the whole inbox in. Every item in the outbox
//! was submitted before every item in the inbox, and each queue is popped
//! from its front, so items are taken in submission order (EXE-SUBMIT-3);
//! submit and take contend only at a swap, once per batch, instead of at
//! every item.
//!
//! # Invariants
//!
//! * Every field of [`PoolState`] changes only under `state`; the outbox's
//!   items only under the outbox lock, and it is refilled only while both
//!   are held, from an empty outbox.
//! * `pending` counts the items swapped into the outbox that have not
//!   finished: those still in the outbox plus the workers running one (inside
//!   its call or its done-callbacks). A swap adds the batch under both locks;
//!   a take moves an item from the outbox to a worker and leaves `pending`
//!   unchanged; a worker subtracts one, lock-free, when its call returns —
//!   before the outcome is visible, so a caller that has seen a result also
//!   sees that worker as idle (POOL-REUSE-*) — or, when the future has
//!   done-callbacks, only after they have run, so a callback that submits and
//!   waits gets a new thread (POOL-CBIDLE-1); a drain subtracts what it takes
//!   from the outbox.
//! * Idle workers (alive, not running an item) are at least the queued items
//!   (inbox + outbox) exactly when `alive >= inbox + pending`. A submitter
//!   holds `state`, so `alive` and the inbox are exact, and reads `pending` in
//!   one load: no take in between can make it count an item both as queued
//!   and as running (with one counter per side, a take seen half done would
//!   make idle workers look busy and leave a sleeper asleep).
//! * `Outbox::len` is the outbox's length, stored under its lock after every
//!   change, read without it: by the wake-up rule below (a stale, higher
//!   value sends an extra wake-up at worst) and by a spinning worker.
//! * Every queued item has a worker that will take it: a submit either finds
//!   at least as many idle workers as queued items (and wakes a sleeping one),
//!   or starts a thread, or — when `max_workers` threads exist — leaves the
//!   item for a busy worker, which always checks both queues before it
//!   sleeps. A worker decides to sleep only while holding `state`, having
//!   found the inbox empty under it and the outbox empty under the outbox
//!   lock held until `state` was taken: nothing enters the outbox without
//!   `state`, so both were empty at once.
//! * When `max_workers` threads exist and no sleeper is waiting for a
//!   wake-up (`sleeping == wakeups`), a submit has nothing to decide: it
//!   reads neither `pending` nor the outbox's length, and writes nothing but
//!   the inbox and its lock. While the workers are busy, a submit touches no
//!   line a worker writes per item, and a take none a submitter writes.
//! * No user code runs under either lock: items refused or drained are
//!   dropped, cancelled or failed after both are released (POOL-SPAWN-1), and
//!   a worker survives any panic of user code, including a panicking `Drop`
//!   (POOL-DROPPANIC-1).
//! * Once `shutdown` is set it is never cleared, and no item is queued after
//!   it; workers exit when both queues are empty and `shutdown` is set, so
//!   every item queued before shutdown runs unless `cancel_futures` drained
//!   it. A drain (cancel_futures, breaking) takes both locks and empties the
//!   outbox, then the inbox, in submission order.
//! * Once `broken` is set, both queues are drained (their items failed) and
//!   no item is queued again.
//! * `alive` counts started workers that have not exited; `shutdown(wait)`
//!   returns only when it is 0.
//! * An idle worker that has just run an item may spin briefly before it
//!   sleeps, watching `queued` (a hint that the inbox is not empty, stored
//!   by a submit only while a worker spins) and the outbox's length. At most
//!   one worker spins at a time (`spinning` is 0 or 1), so that on few cores
//!   a spinner never takes the CPU from more than one thread. The spinner is
//!   counted in `spinning` under `state` in the acquisition in which it found
//!   both queues empty, and uncounted under `state` before it next looks at
//!   the queues, so while counted it has taken no item: a spinning worker is
//!   an idle worker on its way back to the queue.
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

/// The queue workers take from; refilled from the inbox (see the module
/// header). The length sits beside the lock: a worker that pops writes both.
pub(crate) struct Outbox {
    pub(crate) items: Mutex<VecDeque<WorkItem>>,
    /// `items.len()`, stored under `items` after every change; read without
    /// it by submitters and by a spinning worker (see the invariants above).
    pub(crate) len: AtomicUsize,
}

pub(crate) struct Pool {
    id: usize,
    pub(crate) max_workers: usize,
    prefix: String,
    pub(crate) initializer: Option<Arc<Initializer>>,
    pub(crate) state: Mutex<PoolState>,
    /// The items workers take first; see the module header.
    pub(crate) outbox: Outbox,
    /// Workers sleep here waiting for work or shutdown.
    pub(crate) work_ready: Condvar,
    /// `shutdown(wait)` sleeps here until every worker has exited.
    all_exited: Condvar,
    /// Items swapped into the outbox and not yet finished: the outbox's
    /// items plus the workers inside a call or its callbacks taken from it.
    /// A take moves an item from one to the other and leaves it unchanged,
    /// so a submitter reads both in one load (see the invariants above).
    pub(crate) pending: AtomicUsize,
    /// Non-zero when the inbox may hold items: stored by a submit while a
    /// worker spins, cleared when the inbox is emptied (a hint for the
    /// spinning worker; see the invariants above).
    queued: AtomicUsize,
}

pub(crate) struct PoolState {
    /// Items submitted since the last swap into the outbox.
    pub(crate) inbox: VecDeque<WorkItem>,
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
                inbox: VecDeque::new(),
                started: 0,
                alive: 0,
                sleeping: 0,
                wakeups: 0,
                spinning: 0,
                shutdown: false,
                broken: None,
                handles: Vec::new(),
            }),
            outbox: Outbox {
                items: Mutex::new(VecDeque::new()),
                len: AtomicUsize::new(0),
            },
            work_ready: Condvar::new(),
            all_exited: Condvar::new(),
            pending: AtomicUsize::new(0),
            queued: AtomicUsize::new(0),
        })
    }

    /// Clears the spinner's hint after the inbox was emptied (under `state`).
    pub(crate) fn clear_queued(&self) {
        if self.queued.load(Ordering::Relaxed) != 0 {
            self.queued.store(0, Ordering::Relaxed);
        }
    }

    /// Moves the whole inbox into the (empty) outbox, counting its items in
    /// `pending`, and takes the first one. Called by a worker holding both
    /// locks.
    pub(crate) fn refill_and_take(
        &self,
        outbox: &mut VecDeque<WorkItem>,
        st: &mut PoolState,
    ) -> Option<WorkItem> {
        debug_assert!(outbox.is_empty());
        // The emptied outbox's buffer becomes the inbox's: the two buffers
        // trade places, so a steady stream of batches allocates nothing.
        std::mem::swap(outbox, &mut st.inbox);
        self.pending.fetch_add(outbox.len(), Ordering::AcqRel);
        self.clear_queued();
        self.take_front(outbox)
    }

    /// Pops the outbox's first item; the caller stays counted in `pending`
    /// until [`Pool::finished_one`]. Called under the outbox lock.
    pub(crate) fn take_front(&self, outbox: &mut VecDeque<WorkItem>) -> Option<WorkItem> {
        if outbox.is_empty() {
            return None;
        }
        // MUTANT: the outbox is popped from its back (a batch runs newest first).
        let work = if cfg!(cf_mutant = "outbox_popped_lifo") {
            outbox.pop_back()
        } else {
            outbox.pop_front()
        };
        self.outbox.len.store(outbox.len(), Ordering::Relaxed);
        work
    }

    /// A worker's item has returned (and its callbacks, if any, have run):
    /// the worker is idle again.
    pub(crate) fn finished_one(&self) {
        self.pending.fetch_sub(1, Ordering::AcqRel);
    }

    /// Empties both queues, oldest first (under both locks).
    fn drain_all(&self, outbox: &mut VecDeque<WorkItem>, st: &mut PoolState) -> Vec<WorkItem> {
        // MUTANT: a drain forgets the items already moved to the outbox.
        let mut drained: Vec<WorkItem> = if cfg!(cf_mutant = "drain_skips_outbox") {
            Vec::new()
        } else {
            outbox.drain(..).collect()
        };
        self.pending.fetch_sub(drained.len(), Ordering::AcqRel);
        self.outbox.len.store(outbox.len(), Ordering::Relaxed);
        drained.extend(st.inbox.drain(..));
        self.clear_queued();
        drained
    }

    /// Spins, then yields, for a bounded time while the queue looks empty,
    /// so that a worker that has just run out of work can pick up the next
    /// item without sleeping and being woken (benches/FINDINGS.md). Returns
    /// early when an item appears; the caller re-checks under the lock either
    /// way. Called without the lock.
    // Under the models `SPIN_STEPS` is 0, so the spinning loop is empty there.
    #[cfg_attr(any(loom, shuttle), allow(clippy::reversed_empty_ranges))]
    pub(crate) fn idle_spin(&self) {
        let work_seen = || {
            self.queued.load(Ordering::Relaxed) > 0 || self.outbox.len.load(Ordering::Relaxed) > 0
        };
        for step in 0..SPIN_STEPS {
            if work_seen() {
                return;
            }
            for _ in 0..1u32 << step {
                crate::sync::spin_hint();
            }
        }
        for _ in 0..YIELD_STEPS {
            if work_seen() {
                return;
            }
            thread::yield_now();
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
        st.inbox.push_back(work);
        if st.spinning > 0 {
            this.queued.store(st.inbox.len(), Ordering::Relaxed);
        }
        if st.alive == this.max_workers && st.sleeping == st.wakeups {
            // No thread can start and every sleeper is already being woken:
            // a busy or returning worker takes the item (the invariants).
            // No shared line of the workers is read or written.
            return Ok(());
        }
        // Idle workers are at least the queued items (POOL-REUSE-1) when
        // `alive >= inbox + outbox + busy`; the last two are `pending`, read
        // in one load, so no take in between can tear the count.
        let outbox_len = this.outbox.len.load(Ordering::Relaxed);
        let pending = this.pending.load(Ordering::Acquire);
        // MUTANT: busy workers counted as idle (gh-88354-like imbalance).
        let pending = if cfg!(cf_mutant = "idle_ignores_busy") {
            outbox_len
        } else if cfg!(cf_mutant = "queued_ignores_outbox") {
            // MUTANT: the idle count ignores the items already in the outbox.
            pending.saturating_sub(outbox_len)
        } else {
            pending
        };
        // The wake-up rule below needs the queued items only: the outbox's
        // length may be read stale, i.e. too high, which sends an extra
        // wake-up at worst.
        let queued = st.inbox.len() + outbox_len;
        if st.alive >= st.inbox.len() + pending {
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
            let wake = st.sleeping > st.wakeups && queued > on_the_way;
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
                    let refused = st.inbox.pop_back();
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
            let mut outbox = self.outbox.items.lock();
            let mut st = self.state.lock();
            if st.broken.is_none() {
                st.broken = Some(BROKEN_POOL_MESSAGE.to_string());
            }
            let mut drained = self.drain_all(&mut outbox, &mut st);
            // MUTANT: the drain stops after the first item, stranding the rest.
            if cfg!(cf_mutant = "drain_stops_early") && drained.len() > 1 {
                let rest = drained.split_off(1);
                st.inbox.extend(rest);
            }
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
            let mut outbox = self.outbox.items.lock();
            let mut st = self.state.lock();
            st.shutdown = true;
            let drained: Vec<WorkItem> = if cancel_futures {
                self.drain_all(&mut outbox, &mut st)
            } else {
                Vec::new()
            };
            drop(outbox);
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
