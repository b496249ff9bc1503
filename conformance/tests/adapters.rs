//! The executors nobody here wrote, run in CI: each fails no clause beyond
//! its documented deviations (`adapters::EXECUTORS[..].known`, with the
//! reason), and what it lacks is reported n/a, never pass.

use concurrent_futures_conformance::adapters::{EXECUTORS, check_named};
use concurrent_futures_conformance::{Options, Timing, Verdict, needs};
use std::time::Duration;

fn options() -> Options {
    Options {
        cases: std::env::var("CF_CONFORMANCE_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(64),
        timing: Timing {
            patience: Duration::from_secs(1),
            short: Duration::from_millis(5),
        },
        max_shrink_iters: 16,
        ..Options::default()
    }
}

fn check_entry(name: &str) {
    let entry = EXECUTORS
        .iter()
        .find(|e| e.name == name)
        .expect("registered");
    let report = check_named(name, &options(), &mut |_, _| {}).expect("known executor");
    eprintln!("{}", report.render_text());
    let unexpected: Vec<String> = report
        .failed_clauses()
        .into_iter()
        .filter(|c| !entry.known.iter().any(|k| k.clause == c))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{name}: undocumented failures {unexpected:?}\n{}",
        report.render_text()
    );
    for c in &report.clauses {
        let lacks = needs(&c.clause)
            .iter()
            .any(|f| report.unsupported.contains(f));
        if lacks {
            assert!(
                matches!(c.verdict, Verdict::NotApplicable(_)),
                "{name}: {} needs an unsupported feature and must be n/a",
                c.clause
            );
        }
    }
}

#[test]
fn adapter_tokio_spawn_blocking() {
    check_entry("tokio");
}

#[test]
fn adapter_rayon_thread_pool() {
    check_entry("rayon");
}

#[test]
fn adapter_threadpool_crate() {
    check_entry("threadpool");
}

#[test]
fn adapter_toy_pool_conforms() {
    check_entry("toy-pool");
}
