//! Deliberately broken Rust executors (the reference with one clause
//! broken), to see the differential catch them: a check is trusted only
//! once it has failed a broken implementation.

use crate::diff::format::DiffScenario;
use crate::diff::reference::{reference_pool, run_on};
use concurrent_futures::{Error, Executor, ThreadPoolExecutor, WorkItem};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};

/// A broken variant of the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutant {
    /// `shutdown` ignores `cancel_futures` (breaks SHUT-CANCEL-1).
    IgnoresCancelFutures,
    /// `submit` after `shutdown` is accepted and run (breaks SHUT-REJECT-1).
    AcceptsAfterShutdown,
}

struct Broken {
    pool: ThreadPoolExecutor,
    mutant: Mutant,
    shut: AtomicBool,
}

impl Executor for Broken {
    fn submit_work(&self, work: WorkItem) -> Result<(), Error> {
        if self.mutant == Mutant::AcceptsAfterShutdown && self.shut.load(Ordering::SeqCst) {
            std::thread::spawn(move || work.run());
            return Ok(());
        }
        self.pool.submit_work(work)
    }

    fn shutdown(&self, wait: bool, cancel_futures: bool) -> Result<(), Error> {
        self.shut.store(true, Ordering::SeqCst);
        let cancel = cancel_futures && self.mutant != Mutant::IgnoresCancelFutures;
        self.pool.shutdown(wait, cancel)
    }
}

/// Runs `s` on the reference broken as `mutant`.
pub fn run_mutant(s: &DiffScenario, mutant: Mutant) -> Value {
    run_on(s, &format!("reference with {mutant:?}"), |s| {
        Ok(Broken {
            pool: reference_pool(s)?,
            mutant,
            shut: AtomicBool::new(false),
        })
    })
}
