//! A result slot for executors whose jobs return nothing: the adapter's job
//! runs the task, catches its panic, and stores the outcome here.

use crate::adapter::{Feature, Outcome, Raised, Task};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// What a pool with neither handles nor cancellation lacks: everything
/// but submit, result (with timeouts) and shutdown.
pub const HANDLELESS_POOL_LACKS: [Feature; 10] = [
    Feature::Cancel,
    Feature::StatePredicates,
    Feature::Callbacks,
    Feature::Wait,
    Feature::AsCompleted,
    Feature::Map,
    Feature::MapChunksize,
    Feature::MapBuffersize,
    Feature::CancelFutures,
    Feature::Initializer,
];

/// One task's outcome, once known.
#[derive(Debug, Default)]
pub struct Slot {
    outcome: Mutex<Option<Outcome>>,
    set: Condvar,
}

/// A shared slot: the handle of slot-based adapters.
pub type SlotHandle = Arc<Slot>;

impl Slot {
    /// Stores the outcome (the first one wins) and wakes waiters.
    pub fn set(&self, outcome: Outcome) {
        let mut o = self.outcome.lock().unwrap_or_else(|e| e.into_inner());
        if o.is_none() {
            *o = Some(outcome);
        }
        drop(o);
        self.set.notify_all();
    }

    /// Whether the outcome is known.
    pub fn is_set(&self) -> bool {
        self.outcome
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Waits up to `timeout` (`None`: without limit) for the outcome.
    pub fn wait(&self, timeout: Option<Duration>) -> Outcome {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut o = self.outcome.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(out) = o.as_ref() {
                return out.clone();
            }
            o = match deadline {
                None => self.set.wait(o).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return Outcome::Timeout;
                    }
                    self.set
                        .wait_timeout(o, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }
}

/// A slot for `task`'s outcome, and the job that runs the task and fills the
/// slot: what a handle-less pool spawns.
pub fn slot_job(task: Task) -> (SlotHandle, impl FnOnce() + Send + 'static) {
    let slot = Arc::new(Slot::default());
    let s = slot.clone();
    (slot, move || s.set(run_caught(task)))
}

/// Runs `task` on this thread, turning its value, error or panic into an outcome.
pub fn run_caught(task: Task) -> Outcome {
    outcome_of_join(catch_unwind(AssertUnwindSafe(|| task.call())))
}

/// The text of a panic payload.
pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Makes a handle that is consumed when awaited (a `JoinHandle` whose
/// `join(self)` takes it) into a [`SlotHandle`] the kit can clone and wait on
/// with a timeout from any thread: a thread of its own calls `join(handle)`
/// and stores the outcome.
///
/// ```
/// use concurrent_futures_conformance::adapters::{join_in_background, outcome_of_join};
/// use concurrent_futures_conformance::Outcome;
///
/// let h = std::thread::spawn(|| Ok::<u64, String>(7));
/// let slot = join_in_background(h, |h| outcome_of_join(h.join()));
/// assert_eq!(slot.wait(None), Outcome::Value(7));
/// assert!(slot.is_set());
/// ```
pub fn join_in_background<H: Send + 'static>(
    handle: H,
    join: impl FnOnce(H) -> Outcome + Send + 'static,
) -> SlotHandle {
    let slot = Arc::new(Slot::default());
    let s = slot.clone();
    std::thread::Builder::new()
        .name("cf-kit-joiner".into())
        .spawn(move || s.set(join(handle)))
        .expect("spawn a joiner thread");
    slot
}

/// The outcome of a joined kit task: `std::thread::Result` of the task's
/// `Result` (what `JoinHandle::join` gives).
pub fn outcome_of_join(joined: std::thread::Result<Result<crate::Value, String>>) -> Outcome {
    match joined {
        Ok(Ok(v)) => Outcome::Value(v),
        Ok(Err(m)) => Outcome::Raised(Raised::Error, m),
        Err(p) => Outcome::Raised(Raised::Panic, panic_message(p.as_ref())),
    }
}
