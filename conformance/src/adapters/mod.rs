//! Adapters for executors nobody here wrote, run in CI, and the registry of
//! every executor the binary knows by name.
//!
//! The tokio, rayon and threadpool adapters, and their registry entries,
//! need the `third-party` feature (on by default); the result-slot helpers
//! ([`Slot`], [`SlotHandle`], [`run_caught`]) are always available.

#[cfg(feature = "third-party")]
mod rayon_pool;
// `slot_job` serves the third-party adapters only.
#[cfg_attr(not(feature = "third-party"), allow(dead_code))]
mod slot;
#[cfg(feature = "third-party")]
mod threadpool_crate;
#[cfg(feature = "third-party")]
mod tokio_blocking;

#[cfg(feature = "third-party")]
pub use rayon_pool::RayonPool;
pub use slot::{HANDLELESS_POOL_LACKS, Slot, SlotHandle, panic_message, run_caught};
#[cfg(feature = "third-party")]
pub use threadpool_crate::ThreadPoolCrate;
#[cfg(feature = "third-party")]
pub use tokio_blocking::{TokioBlocking, TokioTask};

use crate::check::check_with_progress;
use crate::gallery::Bug;
use crate::{Config, ExecutorAdapter, Options, Report};
use std::sync::Arc;

/// A clause an executor is known to break, and why.
#[derive(Clone, Copy, Debug)]
pub struct Known {
    /// The clause ID.
    pub clause: &'static str,
    /// One line: why that executor behaves so.
    pub why: &'static str,
}

/// An executor the binary can check by name.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// Its name on the command line.
    pub name: &'static str,
    /// What it is.
    pub about: &'static str,
    /// Clauses it is known to break (not counted as regressions).
    pub known: &'static [Known],
}

/// The executors checked by default: the reference and the third-party ones
/// (those with the `third-party` feature).
pub const EXECUTORS: &[Entry] = &[
    Entry {
        name: "reference",
        about: "concurrent_futures::ThreadPoolExecutor (this repository)",
        known: &[],
    },
    Entry {
        name: "toy-pool",
        about: "a minimal Executor-trait pool (src/gallery/toy_pool.rs) without flaws",
        known: &[],
    },
    #[cfg(feature = "third-party")]
    Entry {
        name: "tokio",
        about: "tokio::runtime::Runtime::spawn_blocking with its JoinHandle (max_blocking_threads = workers)",
        known: TOKIO_KNOWN,
    },
    #[cfg(feature = "third-party")]
    Entry {
        name: "rayon",
        about: "rayon::ThreadPool::spawn plus a result slot (num_threads = workers)",
        known: RAYON_KNOWN,
    },
    #[cfg(feature = "third-party")]
    Entry {
        name: "threadpool",
        about: "threadpool::ThreadPool::execute plus a result slot, join() as shutdown(wait=True)",
        known: THREADPOOL_KNOWN,
    },
];

#[cfg(feature = "third-party")]
const TOKIO_KNOWN: &[Known] = &[
    Known {
        clause: "FUT-CANCEL-1",
        why: "abort() of a queued spawn_blocking task completes its JoinHandle only when a blocking thread dequeues it, so the cancelled task is not done at once",
    },
    Known {
        clause: "FUT-CANCEL-2",
        why: "abort() returns nothing and cannot stop a started blocking task; the adapter can only report 'not finished yet' as cancelled",
    },
    Known {
        clause: "EXE-SUBMIT-3",
        why: "when the runtime shuts down, queued blocking tasks are started at once, out of turn",
    },
    Known {
        clause: "POOL-MAX-1",
        why: "when the runtime shuts down, queued blocking tasks run on extra threads beyond max_blocking_threads",
    },
    Known {
        clause: "SHUT-REJECT-1",
        why: "spawn_blocking on a shut-down runtime hands back a JoinHandle (which resolves as cancelled) instead of refusing",
    },
    Known {
        clause: "SHUT-WAIT-1",
        why: "after shutdown_background() (shutdown(wait=False)) nothing can wait for the blocking threads any more",
    },
];
#[cfg(feature = "third-party")]
const RAYON_KNOWN: &[Known] = &[Known {
    clause: "SHUT-WAIT-1",
    why: "dropping a rayon ThreadPool does not wait for spawned jobs, and rayon offers no join",
}];
#[cfg(feature = "third-party")]
const THREADPOOL_KNOWN: &[Known] = &[Known {
    clause: "SHUT-REJECT-1",
    why: "the pool has no shut-down state: execute() after join() is accepted and runs",
}];

/// The entry named `name`.
pub fn entry(name: &str) -> Option<&'static Entry> {
    EXECUTORS.iter().find(|e| e.name == name)
}

/// Checks the executor named `name` (an [`EXECUTORS`] entry or
/// `gallery:<bug>`); `None` if there is no such executor.
pub fn check_named(
    name: &str,
    options: &Options,
    progress: &mut dyn FnMut(&str, usize),
) -> Option<Report> {
    let report = match name {
        "reference" => check_with_progress(name, Arc::new(crate::reference), options, progress),
        "toy-pool" => check_with_progress(
            name,
            Arc::new(|cfg: Config| {
                ExecutorAdapter::new(crate::gallery::ToyPool::new(
                    cfg.workers,
                    cfg.failing_initializer,
                    crate::gallery::Flaws::default(),
                ))
                .with_unsupported(Vec::new())
            }),
            options,
            progress,
        ),
        #[cfg(feature = "third-party")]
        "tokio" => check_with_progress(name, Arc::new(TokioBlocking::new), options, progress),
        #[cfg(feature = "third-party")]
        "rayon" => check_with_progress(name, Arc::new(RayonPool::new), options, progress),
        #[cfg(feature = "third-party")]
        "threadpool" => {
            check_with_progress(name, Arc::new(ThreadPoolCrate::new), options, progress)
        }
        other => {
            let bug = Bug::from_name(other.strip_prefix("gallery:")?)?;
            check_with_progress(name, Arc::new(move |cfg| bug.build(cfg)), options, progress)
        }
    };
    Some(report)
}
