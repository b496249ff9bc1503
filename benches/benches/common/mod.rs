//! Criterion settings shared by every bench: few samples, short runs — the
//! machine has 2 cores and the whole suite must finish in minutes.

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode};
use std::time::Duration;

/// 10 samples, 1 s warm-up, 5 s of measurement, no plots.
pub fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .without_plots()
}

/// A group with flat sampling: every sample runs the same number of
/// iterations, so a 1 s iteration costs 10 s and not 55 (linear sampling).
pub fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sampling_mode(SamplingMode::Flat);
    g
}

/// The bench binary's `main`: runs `benches` with [`config`] (and the
/// command line's filters), then prints criterion's summary. Written out
/// instead of `criterion_group!`, whose generated function has no rustdoc.
pub fn run(benches: &[fn(&mut Criterion)]) {
    let mut c = config().configure_from_args();
    for bench in benches {
        bench(&mut c);
    }
    c.final_summary();
}
