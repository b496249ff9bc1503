//! The executors nobody here wrote, run in CI: each fails no clause beyond
//! its documented deviations (`adapters::EXECUTORS[..].known`, with the
//! reason), and what it lacks is reported n/a, never pass.

use concurrent_futures_conformance::adapters::{EXECUTORS, check_named};
use concurrent_futures_conformance::{Options, Verdict, needs};

fn options() -> Options {
    Options {
        cases: std::env::var("CF_CONFORMANCE_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256),
        ..Options::default()
    }
}

/// The executor's report has no FAIL and no STALE: every failure is one of
/// its declared deviations, and every declared deviation still fails.
fn check_entry(name: &str) {
    let report = check_named(name, &options(), &mut |_, _| {}).expect("known executor");
    eprintln!("{}", report.render_text());
    assert!(
        report.passed(),
        "{name}: failures beyond its declared deviations, or stale declarations: {:?}\n{}",
        report.failed_clauses(),
        report.render_text()
    );
    let entry = EXECUTORS
        .iter()
        .find(|e| e.name == name)
        .expect("registered");
    for k in entry.known {
        assert!(
            matches!(report.verdict(k.clause), Some(Verdict::Known { .. })),
            "{name}: {} is declared known and must be reported so",
            k.clause
        );
    }
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
