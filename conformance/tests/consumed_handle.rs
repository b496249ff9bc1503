//! An adapter over a real handle type that is consumed when awaited:
//! `std::thread::JoinHandle` (its `join(self)` takes it). The "executor"
//! starts one thread per task; a ticket lock makes the threads run their
//! tasks in submission order, at most `max_workers` at once. It has no
//! shut-down state — `shutdown(wait=true)` waits for what was submitted, and
//! later work is still accepted — a deviation it declares, which the suite
//! then reports as `known` (and would report `STALE` if it stopped failing).
//!
//! The pattern: the kit needs handles it can clone and wait on with a
//! timeout; `join_in_background` hands the `JoinHandle` to a thread that
//! joins it and fills a result slot.

use concurrent_futures_conformance::adapters::{SlotHandle, join_in_background, outcome_of_join};
use concurrent_futures_conformance::{Adapter, Feature, Outcome, Rejected, Task};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Tickets in submission order: a thread runs its task when its ticket is
/// the next one and fewer than `max` tasks are running.
#[derive(Default)]
struct Turns {
    state: Mutex<(u64, usize)>, // (next ticket to run, tasks running)
    changed: Condvar,
}

struct ThreadPerTask {
    max: usize,
    turns: Arc<Turns>,
    /// The next ticket to hand out, and every task's slot.
    submitted: Mutex<(u64, Vec<SlotHandle>)>,
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
        let mut submitted = self.submitted.lock().unwrap();
        let ticket = submitted.0;
        submitted.0 += 1;
        let (turns, max) = (self.turns.clone(), self.max);
        let join = std::thread::spawn(move || {
            let mut s = turns.state.lock().unwrap();
            while s.0 != ticket || s.1 >= max {
                s = turns.changed.wait(s).unwrap();
            }
            (s.0, s.1) = (s.0 + 1, s.1 + 1);
            drop(s);
            turns.changed.notify_all();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| task.call()));
            turns.state.lock().unwrap().1 -= 1;
            turns.changed.notify_all();
            outcome.unwrap_or_else(|p| std::panic::resume_unwind(p))
        });
        let slot = join_in_background(join, |h| outcome_of_join(h.join()));
        submitted.1.push(slot.clone());
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
            let slots = self.submitted.lock().unwrap().1.clone();
            for slot in slots {
                slot.wait(None);
            }
        }
    }
}

concurrent_futures_conformance::conformance_suite!(
    adapter: |cfg| ThreadPerTask {
        max: cfg.workers,
        turns: Arc::default(),
        submitted: Mutex::new((0, Vec::new())),
    },
    known = [("SHUT-REJECT-1", "no shut-down state: work submitted after shutdown is accepted and runs")]
);
