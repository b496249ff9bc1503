//! # concurrent-futures-conformance
//!
//! A clause-by-clause conformance kit for executors with the semantics of
//! Python's `concurrent.futures`, as stated by the `concurrent-futures`
//! spec (`spec/` in the repository).
//!
//! Plug an executor in, and the kit generates scenarios with proptest —
//! tasks that return, fail, panic or block on gates; `submit`, `cancel`,
//! `result`/`exception` with and without timeouts, callbacks, `wait`,
//! `as_completed`, `map` with `chunksize`/`buffersize` and an iterator dropped
//! mid-way, `shutdown(wait, cancel_futures)`, calls from several threads —
//! runs them under a watchdog, compares every observation with an oracle
//! built on the spec's state table, and shrinks each failure to a minimal
//! scenario printed as numbered steps with the clause it violates.
//!
//! * Any [`concurrent_futures::Executor`] plugs in through [`ExecutorAdapter`].
//! * An executor with its own handles implements [`Adapter`] and lists the
//!   [`Feature`]s it lacks; clauses needing them are reported `n/a`.
//! * [`conformance_suite!`] generates one `#[test]` per clause group;
//!   [`check`] returns a full [`Report`].
//!
//! ```no_run
//! // tests/conformance.rs of a crate with its own executor:
//! use concurrent_futures::ThreadPoolExecutor;
//! concurrent_futures_conformance::conformance_suite!(
//!     executor: |cfg| ThreadPoolExecutor::builder().max_workers(cfg.workers).build().unwrap()
//! );
//! ```
#![warn(missing_docs)]

mod adapter;
pub mod adapters;
mod check;
#[cfg(feature = "diff")]
pub mod diff;
mod executor_adapter;
pub mod gallery;
mod groups;
mod macros;
mod model;
mod probe;
mod report;
mod runner;
mod scenario;
mod table;
mod timing_probes;

pub use adapter::{
    Adapter, Callback, Config, Feature, MapRun, MapSpec, Mode, Outcome, Raised, Rejected, Task,
    Value,
};
pub use check::{Options, check, check_with_progress, run_guarded};
pub use executor_adapter::{ExecutorAdapter, outcome_of_error, rejected_of_error};
pub use groups::{GROUPS, Group, group, needs};
pub use report::{
    ClauseResult, Failure, Report, Verdict, render_json_all, render_junit_all, render_matrix,
};
pub use runner::{Factory, Timing, Violation, resolve};
pub use scenario::{Patience, Scenario, Step, TaskSpec, ThreadOp};
pub use table::{STATE_TABLE_TSV, SpecState, StateTable};

/// The reference executor (`ThreadPoolExecutor`) built for a scenario,
/// including the failing initializer the `broken` group asks for.
pub fn reference(cfg: Config) -> ExecutorAdapter<concurrent_futures::ThreadPoolExecutor> {
    let mut builder = concurrent_futures::ThreadPoolExecutor::builder().max_workers(cfg.workers);
    if cfg.failing_initializer {
        builder = builder.initializer(|| Err(format!("{} initializer failed", model::MARK).into()));
    }
    ExecutorAdapter::new(builder.build().expect("valid max_workers")).with_unsupported(Vec::new())
}

/// The README's examples, compiled as doctests (one adapts the `threadpool`
/// crate).
#[cfg(all(doctest, feature = "third-party"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[doc(hidden)]
pub mod __private {
    use crate::{Adapter, Factory, Options, check};
    use std::sync::Arc;

    /// The body of one generated test: checks one group, panics with the
    /// report if any clause fails.
    pub fn run_group<A: Adapter + 'static>(
        name: &str,
        group: &str,
        factory: impl Fn(crate::Config) -> A + Send + Sync + 'static,
        cases: Option<u32>,
    ) {
        let mut options = Options {
            groups: Some(vec![group.to_string()]),
            ..Options::default()
        };
        if let Some(c) = cases.or_else(|| {
            std::env::var("CF_CONFORMANCE_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
        }) {
            options.cases = c;
        }
        let factory: Factory<A> = Arc::new(factory);
        let report = check(name, factory, &options);
        if !report.passed() {
            panic!(
                "clauses violated: {}\n\n{}",
                report.failed_clauses().join(", "),
                report.render_text()
            );
        }
    }
}
