//! The loop each worker thread runs.

use super::pool::Pool;
use crate::diagnostics::{self, Diagnostic};
use crate::sync::Arc;
use std::sync::atomic::Ordering;

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
    let mut st = pool.state.lock();
    // Whether this worker has run an item since it last slept: only then
    // does it spin before sleeping (more work is likely to follow soon).
    let mut may_spin = false;
    loop {
        // MUTANT: a worker leaves at shutdown without taking the queued work.
        if cfg!(cf_mutant = "worker_exits_with_queue") && st.shutdown {
            break;
        }
        if let Some(work) = st.queue.pop_front() {
            pool.publish_queued(&st);
            pool.busy.fetch_add(1, Ordering::AcqRel);
            drop(st);
            // Idle again as soon as the call returns, before its outcome is
            // visible (POOL-REUSE-1), unless it has done-callbacks to run:
            // then once they have run (POOL-CBIDLE-1).
            work.run_then(|| {
                pool.busy.fetch_sub(1, Ordering::AcqRel);
            });
            may_spin = true;
            st = pool.state.lock();
            continue;
        }
        if st.shutdown {
            break;
        }
        if may_spin && st.spinning == 0 {
            // Spin without the lock, then come back and check again under
            // it: the decision to sleep below is made under one acquisition
            // together with the increment of `sleeping`. While counted in
            // `spinning`, submits count on this worker to take an item.
            may_spin = false;
            st.spinning += 1;
            drop(st);
            pool.idle_spin();
            st = pool.state.lock();
            st.spinning -= 1;
            continue;
        }
        may_spin = false;
        st.sleeping += 1;
        st = pool.work_ready.wait(st);
        st.sleeping -= 1;
        st.wakeups = st.wakeups.saturating_sub(1);
    }
    pool.worker_exited(st);
}
