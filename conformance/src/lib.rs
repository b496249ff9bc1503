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
mod replay;
mod report;
mod runner;
mod scenario;
pub mod shrink;
mod table;
mod timing_probes;

pub use adapter::{
    Adapter, Callback, Config, Feature, MapRun, MapSpec, Mode, Outcome, Raised, Rejected, RunAgain,
    Task, Value,
};
pub use check::{
    CLI_REPLAY, CONFIRM, KnownDeviation, Options, Replay, Run, check, check_with_partial,
    check_with_progress, replay, run_guarded,
};
pub use executor_adapter::{ExecutorAdapter, outcome_of_error, rejected_of_error};
pub use groups::{GROUPS, Group, group, needs};
pub use report::{
    ClauseResult, Counts, Failure, Report, Verdict, render_json_all, render_junit_all,
    render_matrix,
};
pub use runner::{BUILDING, Factory, Kind, Note, Timing, Trace, Violation, Watch, resolve};
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
    use crate::{Adapter, Factory, KnownDeviation, Options, Replay, check, groups::group, replay};
    use std::sync::Arc;

    /// Gives the macro's `executor:` closure its signature (so that `|cfg|`
    /// needs no type annotation) and wraps what it builds.
    pub fn executor_factory<E: concurrent_futures::Executor + 'static>(
        f: impl Fn(crate::Config) -> E + Send + Sync + 'static,
    ) -> impl Fn(crate::Config) -> crate::ExecutorAdapter<E> + Send + Sync + 'static {
        move |cfg| crate::ExecutorAdapter::new(f(cfg))
    }

    /// Gives the macro's `adapter:` closure its signature.
    pub fn adapter_factory<A: Adapter + 'static>(
        f: impl Fn(crate::Config) -> A + Send + Sync + 'static,
    ) -> impl Fn(crate::Config) -> A + Send + Sync + 'static {
        f
    }

    /// Reads a positive number from the environment variable `var`.
    /// `var` as a number of at least `min`, decimal or `0x` hex, as the
    /// command line's options take it (`None` when unset).
    fn env_number(var: &str, min: u64) -> Option<u64> {
        let v = std::env::var(var).ok()?;
        let parsed = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => v.parse::<u64>(),
        };
        match parsed {
            Ok(n) if n >= min => Some(n),
            _ => panic!("{var}='{v}' is not an integer of at least {min} (decimal or 0x-hex)"),
        }
    }

    /// The body of one generated test: checks one group and fails (panics
    /// with the report) if a clause the group owns fails or a declared
    /// deviation of it no longer does. Violations of clauses another group
    /// owns are printed, but left to that group's test, so that each clause
    /// is reported by one test. With `CF_CONFORMANCE_REPLAY` set, runs that
    /// one scenario instead.
    pub fn run_group<A: Adapter + 'static>(
        module: &str,
        group_name: &str,
        factory: impl Fn(crate::Config) -> A + Send + Sync + 'static,
        cases: Option<u32>,
        known: &[(&str, &str)],
    ) {
        let owned = group(group_name).expect("a group the macro names").clauses;
        for (clause, _) in known {
            assert!(
                crate::GROUPS.iter().any(|g| g.clauses.contains(clause)),
                "conformance_suite!: known deviation of an unknown clause '{clause}'"
            );
        }
        // The test's own path, for the replay command (the crate name is not
        // part of a test filter).
        let test = module
            .split_once("::")
            .map_or(module, |(_, rest)| rest)
            .to_string()
            + "::"
            + group_name;
        let mut options = Options {
            groups: Some(vec![group_name.to_string()]),
            known: known
                .iter()
                .map(|(c, why)| KnownDeviation::new(*c, *why))
                .collect(),
            replay_command: format!(
                "CF_CONFORMANCE_REPLAY='{{scenario}}' cargo test {test} -- --exact"
            ),
            ..Options::default()
        };
        if let Some(c) = cases.or_else(|| {
            env_number("CF_CONFORMANCE_CASES", 1).map(|n| n.min(u32::MAX as u64) as u32)
        }) {
            options.cases = c;
        }
        if let Some(seed) = env_number("CF_CONFORMANCE_SEED", 0) {
            options.seed = seed;
        }
        if let Some(ms) = env_number("CF_CONFORMANCE_PATIENCE_MS", 1) {
            options.timing.patience = std::time::Duration::from_millis(ms);
        }
        let factory: Factory<A> = Arc::new(factory);
        if let Ok(text) = std::env::var("CF_CONFORMANCE_REPLAY") {
            let what =
                Replay::parse(&text).unwrap_or_else(|e| panic!("CF_CONFORMANCE_REPLAY: {e}"));
            let run = replay(factory, &what, &options);
            let scenario = what.scenario();
            let rendered = scenario.render(Some((
                &run.trace,
                run.result.as_ref().err().and_then(|v| v.step),
            )));
            match run.result {
                Ok(()) => eprintln!("replayed, no violation:\n{rendered}"),
                Err(v) => panic!("replayed:\n{rendered}  {v}"),
            }
            return;
        }
        let report = check(module, factory, &options);
        let (mine, theirs): (Vec<_>, Vec<_>) = report
            .failed_clauses()
            .into_iter()
            .partition(|c| owned.contains(&c.as_str()));
        if !theirs.is_empty() {
            eprintln!(
                "also violated (reported by the tests of the groups that own them): {}",
                theirs.join(", ")
            );
        }
        if !mine.is_empty() {
            panic!(
                "clauses violated: {}\n\n{}",
                mine.join(", "),
                report.render_text()
            );
        }
        eprintln!("{}", report.summary());
    }
}
