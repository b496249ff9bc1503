//! Adapters for executors nobody here wrote, run in CI, and the registry of
//! every executor the binary knows by name.
//!
//! The tokio, rayon and threadpool adapters, and their registry entries,
//! need the `third-party` feature (on by default); the result-slot helpers
//! ([`Slot`], [`SlotHandle`], [`run_caught`]) are always available.

#[cfg(feature = "diff")]
mod python;
#[cfg(feature = "third-party")]
mod rayon_pool;
// `slot_job` serves the third-party adapters only.
#[cfg_attr(not(feature = "third-party"), allow(dead_code))]
mod slot;
#[cfg(feature = "third-party")]
mod threadpool_crate;
#[cfg(feature = "third-party")]
mod tokio_blocking;

#[cfg(feature = "diff")]
pub use python::{PyFuture, PythonAdapter, PythonExecutor, SERVER_SCRIPT};
#[cfg(feature = "third-party")]
pub use rayon_pool::RayonPool;
pub use slot::{
    HANDLELESS_POOL_LACKS, Slot, SlotHandle, join_in_background, outcome_of_join, panic_message,
    run_caught,
};
#[cfg(feature = "third-party")]
pub use threadpool_crate::ThreadPoolCrate;
#[cfg(feature = "third-party")]
pub use tokio_blocking::{TokioBlocking, TokioTask};

use crate::gallery::Bug;
use crate::{
    Adapter, Config, ExecutorAdapter, Factory, KnownDeviation, Options, Replay, Report, Run,
};
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
    /// Clauses it is known to break (reported `known`, not `FAIL`).
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
        about: "tokio::runtime::Runtime::spawn_blocking with its JoinHandle (max_blocking_threads = workers); shutdown waits, then drops the runtime",
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

/// Something to do with the factory of a named executor, whatever its
/// adapter type (see [`with_named`]).
pub trait WithFactory {
    /// What it gives.
    type Out;
    /// Does it with `factory`.
    fn with<A: Adapter + 'static>(self, factory: Factory<A>) -> Self::Out;
}

/// Calls `job` with the factory of the executor named `name` (an
/// [`EXECUTORS`] entry or `gallery:<bug>`); `None` if there is no such
/// executor.
pub fn with_named<W: WithFactory>(name: &str, job: W) -> Option<W::Out> {
    Some(match name {
        "reference" => job.with(Arc::new(crate::reference)),
        "toy-pool" => job.with(Arc::new(|cfg: Config| {
            ExecutorAdapter::new(crate::gallery::ToyPool::new(
                cfg.workers,
                cfg.failing_initializer,
                crate::gallery::Flaws::default(),
            ))
            .with_unsupported(Vec::new())
        })),
        #[cfg(feature = "third-party")]
        "tokio" => job.with(Arc::new(TokioBlocking::new)),
        #[cfg(feature = "third-party")]
        "rayon" => job.with(Arc::new(RayonPool::new)),
        #[cfg(feature = "third-party")]
        "threadpool" => job.with(Arc::new(ThreadPoolCrate::new)),
        other => {
            let bug = Bug::from_name(other.strip_prefix("gallery:")?)?;
            job.with(Arc::new(move |cfg| bug.build(cfg)))
        }
    })
}

/// `options` with the known deviations of the executor named `name` added.
pub fn options_for(name: &str, options: &Options) -> Options {
    let mut options = options.clone();
    if let Some(e) = entry(name) {
        options
            .known
            .extend(e.known.iter().map(|k| KnownDeviation::new(k.clause, k.why)));
    }
    options
}

/// Checks the executor named `name` (an [`EXECUTORS`] entry or
/// `gallery:<bug>`), its known deviations declared; `None` if there is no
/// such executor.
pub fn check_named(
    name: &str,
    options: &Options,
    progress: &mut dyn FnMut(&str, usize),
) -> Option<Report> {
    check_named_with_partial(name, options, progress, &mut |_| {})
}

/// Like [`check_named`], handing `partial` the report so far after each
/// group (see [`crate::check_with_partial`]).
pub fn check_named_with_partial(
    name: &str,
    options: &Options,
    progress: &mut dyn FnMut(&str, usize),
    partial: &mut dyn FnMut(&Report),
) -> Option<Report> {
    struct Check<'a> {
        name: &'a str,
        options: Options,
        progress: &'a mut dyn FnMut(&str, usize),
        partial: &'a mut dyn FnMut(&Report),
    }
    impl WithFactory for Check<'_> {
        type Out = Report;
        fn with<A: Adapter + 'static>(self, factory: Factory<A>) -> Report {
            crate::check_with_partial(
                self.name,
                factory,
                &self.options,
                self.progress,
                self.partial,
            )
        }
    }
    with_named(
        name,
        Check {
            name,
            options: options_for(name, options),
            progress,
            partial,
        },
    )
}

/// Replays one scenario on the executor named `name` (see
/// [`crate::replay`]); `None` if there is no such executor.
pub fn replay_named(name: &str, what: &Replay, options: &Options) -> Option<Run> {
    struct Job<'a>(&'a Replay, &'a Options);
    impl WithFactory for Job<'_> {
        type Out = Run;
        fn with<A: Adapter + 'static>(self, factory: Factory<A>) -> Run {
            crate::replay(factory, self.0, self.1)
        }
    }
    with_named(name, Job(what, options))
}
