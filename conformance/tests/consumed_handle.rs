//! An adapter over a real handle type that is consumed when awaited:
//! `std::thread::JoinHandle` (its `join(self)` takes it). The "executor"
//! starts one thread per task; it has no queue, so it runs more tasks at once
//! than `max_workers` and does not start them in submission order — two
//! deviations it declares, which the suite then reports as `known` (and
//! would report `STALE` if they stopped failing).
//!
//! The pattern: the kit needs handles it can clone and wait on with a
//! timeout; `join_in_background` hands the `JoinHandle` to a thread that
//! joins it and fills a result slot. `shutdown(wait=true)` waits on every
//! slot, so SHUT-WAIT-1 holds.

use concurrent_futures_conformance::adapters::{SlotHandle, join_in_background, outcome_of_join};
use concurrent_futures_conformance::{Adapter, Feature, Outcome, Rejected, Task};
use std::sync::Mutex;
use std::time::Duration;

struct ThreadPerTask {
    /// Every task's slot, while the executor accepts work; `None` once shut down.
    tasks: Mutex<Option<Vec<SlotHandle>>>,
}

impl Adapter for ThreadPerTask {
    type Handle = SlotHandle;

    fn unsupported(&self) -> Vec<Feature> {
        use Feature::*;
        vec![
            Cancel,
            StatePredicates,
            Callbacks,
            Wait,
            AsCompleted,
            Map,
            CancelFutures,
            Initializer,
        ]
    }

    fn submit(&self, task: Task) -> Result<SlotHandle, Rejected> {
        let mut tasks = self.tasks.lock().unwrap();
        let tasks = tasks.as_mut().ok_or(Rejected::Shutdown)?;
        let join = std::thread::spawn(move || task.call());
        let slot = join_in_background(join, |h| outcome_of_join(h.join()));
        tasks.push(slot.clone());
        Ok(slot)
    }

    fn result(&self, h: &SlotHandle, timeout: Option<Duration>) -> Outcome {
        h.wait(timeout)
    }

    fn done(&self, h: &SlotHandle) -> bool {
        h.is_set()
    }

    fn shutdown(&self, wait: bool, _cancel_futures: bool) {
        // The first call takes the task list (the executor is consumed);
        // later calls find it gone and return.
        let tasks = self.tasks.lock().unwrap().take();
        if wait {
            for slot in tasks.into_iter().flatten() {
                slot.wait(None);
            }
        }
    }
}

concurrent_futures_conformance::conformance_suite!(
    adapter: |_cfg| ThreadPerTask { tasks: Mutex::new(Some(Vec::new())) },
    known = [
        ("POOL-MAX-1", "one thread per task: nothing bounds how many run at once"),
        ("EXE-SUBMIT-3", "one thread per task: no queue, so no submission order to start in"),
    ]
);
