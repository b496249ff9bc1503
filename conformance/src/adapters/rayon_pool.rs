//! rayon's `ThreadPool`: `spawn` plus a result slot. rayon has no handles,
//! no cancellation and no way to wait for spawned jobs; a panicking job
//! would abort the process, so the job catches it into the slot.

use super::slot::{HANDLELESS_POOL_LACKS, SlotHandle, slot_job};
use crate::adapter::{Adapter, Config, Feature, Outcome, Rejected, Task};
use std::sync::Mutex;
use std::time::Duration;

/// rayon's `ThreadPool` with `num_threads = workers`.
#[derive(Debug)]
pub struct RayonPool {
    pool: Mutex<Option<rayon::ThreadPool>>,
}

impl RayonPool {
    /// A pool for one scenario.
    pub fn new(cfg: Config) -> RayonPool {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(cfg.workers)
            .build()
            .expect("rayon pool");
        RayonPool {
            pool: Mutex::new(Some(pool)),
        }
    }
}

impl Adapter for RayonPool {
    type Handle = SlotHandle;

    fn unsupported(&self) -> Vec<Feature> {
        HANDLELESS_POOL_LACKS.to_vec()
    }

    fn submit(&self, task: Task) -> Result<SlotHandle, Rejected> {
        let (slot, job) = slot_job(task);
        match self.pool.lock().unwrap().as_ref() {
            Some(pool) => pool.spawn(job),
            // The pool was dropped: there is nothing to spawn on.
            None => return Err(Rejected::Shutdown),
        }
        Ok(slot)
    }

    fn result(&self, h: &SlotHandle, timeout: Option<Duration>) -> Outcome {
        h.wait(timeout)
    }

    fn done(&self, h: &SlotHandle) -> bool {
        h.is_set()
    }

    fn shutdown(&self, _wait: bool, _cancel_futures: bool) {
        // Dropping the pool is rayon's only shutdown; it does not wait.
        drop(self.pool.lock().unwrap().take());
    }
}
