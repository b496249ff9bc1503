//! The loop each worker thread runs.

use super::pool::Pool;
use crate::exception::panic_message;
use crate::sync::Arc;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;

/// A worker: run the initializer, then take items from the queue in FIFO
/// order until the pool is shut down and the queue is empty.
pub(crate) fn run(pool: Arc<Pool>) {
    pool.enter_worker();
    if let Some(init) = &pool.initializer {
        // A closure, not `**init`: std's and loom's `Arc` deref differently.
        #[allow(clippy::redundant_closure)]
        let failure = match catch_unwind(AssertUnwindSafe(|| init())) {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(payload) => Some(panic_message(payload.as_ref())),
        };
        if let Some(reason) = failure {
            eprintln!("Exception in initializer: {reason}");
            pool.break_pool();
            let st = pool.state.lock();
            pool.worker_exited(st);
            return;
        }
    }
    let mut st = pool.state.lock();
    loop {
        // MUTANT: a worker leaves at shutdown without taking the queued work.
        if cfg!(cf_mutant = "worker_exits_with_queue") && st.shutdown {
            break;
        }
        if let Some(work) = st.queue.pop_front() {
            pool.busy.fetch_add(1, Ordering::AcqRel);
            drop(st);
            // Idle again as soon as the call returns, before its future is
            // completed (POOL-REUSE-1).
            work.run_then(|| {
                pool.busy.fetch_sub(1, Ordering::AcqRel);
            });
            st = pool.state.lock();
            continue;
        }
        if st.shutdown {
            break;
        }
        st.sleeping += 1;
        st = pool.work_ready.wait(st);
        st.sleeping -= 1;
    }
    pool.worker_exited(st);
}
