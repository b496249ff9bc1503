//! The loop each worker thread runs.

use super::pool::{Pool, PoolState};
use crate::diagnostics::{self, Diagnostic};
use crate::sync::{Arc, MutexGuard};

/// A worker: run the initializer, then take items from the queue in FIFO
/// order until the pool is shut down and the queue is empty.
pub(crate) fn run(pool: Arc<Pool>) {
    pool.enter_worker();
    if let Some(init) = &pool.initializer {
        // A closure, not `**init`: std's and loom's `Arc` deref differently.
        #[allow(clippy::redundant_closure)]
        // The error's Display and Drop are user code too: all contained.
        let failure = match diagnostics::catch(|| init().err().map(|e| e.to_string())) {
            Ok(failure) => failure,
            Err(panic) => Some(panic),
        };
        if let Some(reason) = failure {
            diagnostics::report(&Diagnostic::InitializerFailed { message: &reason });
            pool.break_pool();
            let st = pool.state.lock();
            pool.worker_exited(st);
            return;
        }
    }
    // Whether this worker has run an item since it last slept: only then
    // does it spin before sleeping (more work is likely to follow soon).
    let mut may_spin = false;
    let st = loop {
        // MUTANT: a worker leaves at shutdown without taking the queued work.
        if cfg!(cf_mutant = "worker_exits_with_queue") {
            let st = pool.state.lock();
            if st.shutdown {
                break st;
            }
        }
        // The outbox first; when it is empty, the whole inbox is swapped in
        // under both locks (lock order: outbox, then state).
        let mut outbox = pool.outbox.items.lock();
        let work = match pool.take_front(&mut outbox) {
            Some(work) => {
                drop(outbox);
                work
            }
            None => {
                // MUTANT: the outbox is released before the inbox is checked,
                // so a swap by another worker in between is missed and this
                // one may sleep with items in the outbox.
                #[cfg(cf_mutant = "outbox_checked_unlocked")]
                let mut outbox = {
                    drop(outbox);
                    let st = pool.state.lock();
                    if st.inbox.is_empty() {
                        match idle(&pool, st, &mut may_spin) {
                            Some(st) => break st,
                            None => continue,
                        }
                    }
                    drop(st);
                    let outbox = pool.outbox.items.lock();
                    if !outbox.is_empty() {
                        continue;
                    }
                    outbox
                };
                let mut st = pool.state.lock();
                if st.inbox.is_empty() {
                    // Both queues are empty, and stay so while `st` is held:
                    // nothing enters the outbox without it.
                    drop(outbox);
                    match idle(&pool, st, &mut may_spin) {
                        Some(st) => break st,
                        None => continue,
                    }
                }
                let work = pool.refill_and_take(&mut outbox, &mut st);
                drop(st);
                drop(outbox);
                work.expect("the inbox was not empty")
            }
        };
        // Idle again as soon as the call returns, before its outcome is
        // visible (POOL-REUSE-1), unless it has done-callbacks to run: then
        // once they have run (POOL-CBIDLE-1).
        work.run_then(|| {
            pool.finished_one();
        });
        may_spin = true;
    };
    pool.worker_exited(st);
}

/// What a worker that found both queues empty does, holding `state`: exits
/// at shutdown (returns the guard), or spins once after running an item, or
/// sleeps until woken (returns `None`: look at the queues again).
fn idle<'a>(
    pool: &'a Pool,
    mut st: MutexGuard<'a, PoolState>,
    may_spin: &mut bool,
) -> Option<MutexGuard<'a, PoolState>> {
    if st.shutdown {
        return Some(st);
    }
    if *may_spin && st.spinning == 0 {
        // Spin without the locks, then uncount and look again: while counted
        // in `spinning` this worker has taken no item, and submits count on
        // it to take one.
        *may_spin = false;
        st.spinning += 1;
        drop(st);
        pool.idle_spin();
        pool.state.lock().spinning -= 1;
        return None;
    }
    *may_spin = false;
    st.sleeping += 1;
    st = pool.work_ready.wait(st);
    st.sleeping -= 1;
    st.wakeups = st.wakeups.saturating_sub(1);
    None
}
