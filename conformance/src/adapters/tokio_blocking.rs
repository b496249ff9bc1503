//! tokio's blocking pool: `spawn_blocking` with its `JoinHandle`. The
//! `JoinHandle` is awaited by a collector task on a second runtime, which
//! stores the outcome (value, panic, or cancelled by `abort()`) where
//! `result(timeout)` can wait for it; `cancel` is `abort()`.
//!
//! Shutdown is mapped as a tokio user would map Python's: `shutdown` stops
//! accepting work (a flag; `spawn_blocking` itself has no shut-down state);
//! `shutdown(wait=True)` waits for every accepted task's outcome while the
//! runtime still runs them in their turn, and only then drops the runtime.
//! (Dropping or `shutdown_background()` of a runtime with queued blocking
//! tasks starts them all at once, out of turn and beyond
//! `max_blocking_threads`, at a moment nobody can observe: the verdicts
//! would then depend on timing.)

use super::slot::{Slot, panic_message};
use crate::adapter::{Adapter, Config, Feature, Outcome, Raised, Rejected, Task};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::runtime::{Builder, Runtime};
use tokio::task::AbortHandle;

/// A runtime whose blocking pool has `max_blocking_threads = workers`.
#[derive(Debug)]
pub struct TokioBlocking {
    runtime: Mutex<Option<Runtime>>,
    spawner: tokio::runtime::Handle,
    collector: Runtime,
    /// Whether `shutdown` was called (later submits are refused), and every
    /// accepted task's slot, for `shutdown(wait=True)`.
    accepted: Mutex<(bool, Vec<Arc<Slot>>)>,
}

/// A `spawn_blocking` task: its abort handle and its outcome slot.
#[derive(Clone, Debug)]
pub struct TokioTask {
    abort: AbortHandle,
    slot: Arc<Slot>,
}

impl TokioBlocking {
    /// A runtime for one scenario.
    pub fn new(cfg: Config) -> TokioBlocking {
        let runtime = Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(cfg.workers)
            .build()
            .expect("tokio runtime");
        let collector = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .expect("tokio collector runtime");
        TokioBlocking {
            spawner: runtime.handle().clone(),
            runtime: Mutex::new(Some(runtime)),
            collector,
            accepted: Mutex::new((false, Vec::new())),
        }
    }
}

impl Adapter for TokioBlocking {
    type Handle = TokioTask;

    fn unsupported(&self) -> Vec<Feature> {
        use Feature::*;
        vec![
            StatePredicates,
            Callbacks,
            Wait,
            AsCompleted,
            Map,
            CancelFutures,
            Initializer,
        ]
    }

    fn submit(&self, task: Task) -> Result<TokioTask, Rejected> {
        let mut accepted = self.accepted.lock().unwrap();
        if accepted.0 {
            return Err(Rejected::Shutdown);
        }
        // tokio contains the panic and reports it through the JoinHandle.
        let join = self.spawner.spawn_blocking(move || task.call());
        let abort = join.abort_handle();
        let slot = Arc::new(Slot::default());
        accepted.1.push(slot.clone());
        let s = slot.clone();
        self.collector.spawn(async move {
            s.set(match join.await {
                Ok(Ok(v)) => Outcome::Value(v),
                Ok(Err(m)) => Outcome::Raised(Raised::Error, m),
                Err(e) if e.is_panic() => {
                    Outcome::Raised(Raised::Panic, panic_message(e.into_panic().as_ref()))
                }
                Err(_) => Outcome::Cancelled,
            });
        });
        Ok(TokioTask { abort, slot })
    }

    fn result(&self, h: &TokioTask, timeout: Option<Duration>) -> Outcome {
        h.slot.wait(timeout)
    }

    fn done(&self, h: &TokioTask) -> bool {
        h.slot.is_set()
    }

    fn cancel(&self, h: &TokioTask) -> bool {
        // abort() does not say whether it took effect; a task not finished
        // is reported as cancelled.
        h.abort.abort();
        !h.abort.is_finished()
    }

    fn shutdown(&self, wait: bool, _cancel_futures: bool) {
        let slots = {
            let mut accepted = self.accepted.lock().unwrap();
            accepted.0 = true;
            accepted.1.clone()
        };
        if wait {
            for slot in slots {
                slot.wait(None);
            }
            let runtime = self.runtime.lock().unwrap().take();
            drop(runtime); // nothing is queued any more
        }
    }
}
