//! The reference `ThreadPoolExecutor` passes every clause the kit checks.

use concurrent_futures_conformance::{Options, Verdict, check, reference};
use std::sync::Arc;

fn cases() -> u32 {
    std::env::var("CF_CONFORMANCE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

#[test]
fn reference_passes_every_clause() {
    let options = Options {
        cases: cases(),
        ..Options::default()
    };
    let report = check("reference", Arc::new(reference), &options);
    eprintln!("{}", report.render_text());
    assert!(report.passed(), "{}", report.render_text());
    assert!(
        report
            .clauses
            .iter()
            .all(|c| matches!(c.verdict, Verdict::Pass)),
        "the reference supports every feature: no clause may be n/a"
    );
}
