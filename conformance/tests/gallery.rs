//! The kit bites: every deliberately broken executor in the gallery is
//! flagged with the clause it breaks (and the reference passes, see
//! `reference.rs`). Prints the kill rate.

use concurrent_futures_conformance::gallery::{Bug, gallery_options, hunt};

#[test]
fn gallery_every_bug_is_flagged_with_its_clause() {
    let options = gallery_options(256, 0x5EED);
    let mut survivors = Vec::new();
    for bug in Bug::ALL {
        let t0 = std::time::Instant::now();
        let kill = hunt(bug, &options);
        eprint!("[{:>5.1}s] ", t0.elapsed().as_secs_f64());
        eprintln!(
            "{:<36} {:<6} flagged: {}",
            bug.name(),
            if kill.killed { "killed" } else { "ALIVE" },
            kill.flagged.join(", ")
        );
        if !kill.killed {
            survivors.push((bug, kill.report.render_text()));
        }
    }
    let total = Bug::ALL.len();
    eprintln!(
        "kill rate: {}/{} ({:.0}%)",
        total - survivors.len(),
        total,
        100.0 * (total - survivors.len()) as f64 / total as f64
    );
    for (bug, report) in &survivors {
        eprintln!("--- {bug:?} survived:\n{report}");
    }
    assert!(survivors.is_empty(), "{} bug(s) survived", survivors.len());
}
