//! The `threadpool` crate: `execute` plus a result slot, `join()` for
//! `shutdown(wait=True)`. It has no handles, no cancellation and no
//! shut-down state.

use super::slot::{HANDLELESS_POOL_LACKS, SlotHandle, slot_job};
use crate::adapter::{Adapter, Config, Feature, Outcome, Rejected, Task};
use std::sync::Mutex;
use std::time::Duration;

/// `threadpool::ThreadPool::new(workers)`.
pub struct ThreadPoolCrate {
    pool: Mutex<threadpool::ThreadPool>,
}

impl std::fmt::Debug for ThreadPoolCrate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ThreadPoolCrate")
    }
}

impl ThreadPoolCrate {
    /// A pool for one scenario.
    pub fn new(cfg: Config) -> ThreadPoolCrate {
        ThreadPoolCrate {
            pool: Mutex::new(threadpool::ThreadPool::new(cfg.workers)),
        }
    }
}

impl Adapter for ThreadPoolCrate {
    type Handle = SlotHandle;

    fn unsupported(&self) -> Vec<Feature> {
        HANDLELESS_POOL_LACKS.to_vec()
    }

    fn submit(&self, task: Task) -> Result<SlotHandle, Rejected> {
        let (slot, job) = slot_job(task);
        self.pool.lock().unwrap().execute(job);
        Ok(slot)
    }

    fn result(&self, h: &SlotHandle, timeout: Option<Duration>) -> Outcome {
        h.wait(timeout)
    }

    fn done(&self, h: &SlotHandle) -> bool {
        h.is_set()
    }

    fn shutdown(&self, wait: bool, _cancel_futures: bool) {
        if wait {
            // join() waits for queued and running jobs. Clone the pool handle
            // so that other calls are not blocked meanwhile.
            let pool = self.pool.lock().unwrap().clone();
            pool.join();
        }
    }
}
