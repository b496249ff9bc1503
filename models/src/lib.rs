//! Runners for the model checks of the `concurrent-futures` core.
//!
//! The models themselves are the tests in `models/tests/`: `loom_*.rs` are
//! compiled with `--cfg loom`, `shuttle_*.rs` with `--cfg shuttle` (see
//! `models/run.sh`). In a normal build this crate is empty of models.
//!
//! Every model is run through `loom_model` or `shuttle_model` (present in
//! the loom and shuttle builds), which read their bounds from the environment
//! and print one line per model: what was explored and how long it took.

#![cfg_attr(not(any(loom, shuttle)), allow(unused))]

use concurrent_futures::ThreadPoolExecutor;
use std::time::Instant;

/// A pool with `n` workers, the way every pool model builds one.
pub fn pool(n: usize) -> ThreadPoolExecutor {
    ThreadPoolExecutor::builder()
        .max_workers(n)
        .build()
        .unwrap()
}

/// The number in environment variable `name`, or `default`.
fn env_number<N: std::str::FromStr>(name: &str, default: N) -> N {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The loom preemption bound: `LOOM_MAX_PREEMPTIONS`, 2 by default (CI).
pub fn preemption_bound() -> usize {
    env_number("LOOM_MAX_PREEMPTIONS", 2)
}

/// Runs `body` under loom with the configured preemption bound and prints
/// how many executions were explored. `clauses` names the spec clauses the
/// model checks.
#[cfg(loom)]
pub fn loom_model<F>(name: &str, clauses: &str, body: F)
where
    F: Fn() + Sync + Send + 'static,
{
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemption_bound());
    let start = Instant::now();
    builder.check(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        body();
    });
    eprintln!(
        "model {name} [{clauses}]: {} interleavings explored (preemption bound {}) in {:.2?}",
        runs.load(Ordering::Relaxed),
        preemption_bound(),
        start.elapsed()
    );
}

/// Shuttle iterations per scheduler: `SHUTTLE_ITERATIONS`, 1000 by default.
pub fn shuttle_iterations() -> usize {
    env_number("SHUTTLE_ITERATIONS", 1000)
}

/// Runs `body` under shuttle's random scheduler and then its PCT scheduler
/// (depth 3), each for [`shuttle_iterations`] iterations, with a fixed seed
/// (`SHUTTLE_SEED`, default 0x5eed) so that CI runs are reproducible. A
/// failure prints the schedule to replay with `shuttle::replay`.
#[cfg(shuttle)]
pub fn shuttle_model<F>(name: &str, clauses: &str, body: F)
where
    F: Fn() + Send + Sync + 'static,
{
    use shuttle::scheduler::{PctScheduler, RandomScheduler};
    use std::sync::Arc;
    let iterations = shuttle_iterations();
    let seed: u64 = env_number("SHUTTLE_SEED", 0x5eed);
    let body = Arc::new(body);
    let start = Instant::now();
    let b = body.clone();
    let random = RandomScheduler::new_from_seed(seed, iterations);
    shuttle::Runner::new(random, shuttle::Config::default()).run(move || b());
    let pct = PctScheduler::new_from_seed(seed, 3, iterations);
    shuttle::Runner::new(pct, shuttle::Config::default()).run(move || body());
    eprintln!(
        "model {name} [{clauses}]: {iterations} random + {iterations} PCT iterations (seed {seed}) in {:.2?}",
        start.elapsed()
    );
}
