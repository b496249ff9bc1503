//! The differential check against CPython, as CI runs it: a fixed-seed
//! sample against the default `python3`, a smaller one against every other
//! installed CPython (found at run time), the version probes, and proof
//! that the comparison catches broken executors on either side.
//!
//! The long run (10,000 scenarios) is the `differential` command; see
//! spec/README.md, "Conformance".

use concurrent_futures_conformance::diff::format::DiffScenario;
use concurrent_futures_conformance::diff::generate::Caps;
use concurrent_futures_conformance::diff::harness::{Campaign, Tally, run, run_with};
use concurrent_futures_conformance::diff::mutants::{Mutant, run_mutant};
use concurrent_futures_conformance::diff::probes::{check_probes, render_probes};
use concurrent_futures_conformance::diff::python::{
    Driver, Interpreter, discover, driver_path, probes,
};
use concurrent_futures_conformance::diff::report::render_markdown;
use std::process::Command;

const SEED: u64 = 0x5EED_D1FF;

fn default_python() -> Interpreter {
    let (found, missing) = discover();
    if !missing.is_empty() {
        println!(
            "CPython versions not found on this machine: {}",
            missing.join(", ")
        );
    }
    found
        .into_iter()
        .find(|i| i.default)
        .expect("the differential needs python3 on PATH (any CPython 3.6+)")
}

fn caps(i: &Interpreter) -> Caps {
    let p = probes(i).expect("cf_driver.py --probes");
    Caps {
        buffersize: p["has_buffersize"] == true,
        isolated: false,
    }
}

fn campaign(scenarios: u32) -> Campaign {
    Campaign {
        scenarios,
        seed: SEED,
        shrink_steps: 60,
        shrink_time: std::time::Duration::from_secs(30),
    }
}

fn assert_clean(tallies: &[Tally]) {
    let report = render_markdown(tallies, &[], "cargo test --test differential");
    println!("{report}");
    for t in tallies {
        assert!(
            t.unexpected.is_empty() && t.errors.is_empty(),
            "unexpected differences or driver errors on {}:\n{report}",
            t.interpreter.as_ref().map_or("?", |i| i.version.as_str())
        );
        assert!(
            t.agreed * 2 > t.scenarios,
            "fewer than half the scenarios agree:\n{report}"
        );
    }
}

/// CPython's `ThreadPoolExecutor` on the default `python3` agrees with the
/// reference on a fixed-seed sample (every clause group's scenarios), apart
/// from the differences the spec records.
#[test]
fn differential_sample_agrees_with_default_python3() {
    let py = default_python();
    let mut driver =
        Driver::start(&py, "concurrent.futures:ThreadPoolExecutor", false).expect("driver");
    let tally = run(&mut driver, caps(&py), &campaign(300), &mut |_, _| {});
    assert_eq!(tally.scenarios, 300);
    assert_clean(&[tally]);
}

/// A smaller sample against every other CPython found here.
#[test]
fn differential_sample_agrees_with_every_other_installed_cpython() {
    let (found, missing) = discover();
    println!(
        "installed: {}; not found: {}",
        found
            .iter()
            .map(|i| i.version.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        if missing.is_empty() {
            "none".into()
        } else {
            missing.join(", ")
        }
    );
    let mut tallies = Vec::new();
    for py in found.iter().filter(|i| !i.default) {
        let mut driver =
            Driver::start(py, "concurrent.futures:ThreadPoolExecutor", false).expect("driver");
        tallies.push(run(&mut driver, caps(py), &campaign(40), &mut |_, _| {}));
    }
    assert_clean(&tallies);
}

/// The version facts scenarios cannot show agree with the spec on every
/// installed CPython (timeout identity, default max_workers, buffersize,
/// cancel_futures, initializer, falsy exceptions, idle reuse).
#[test]
fn version_probes_agree_with_the_spec_on_every_installed_cpython() {
    let (found, _) = discover();
    assert!(!found.is_empty(), "no python3");
    for py in &found {
        let checks = check_probes(py, &probes(py).expect("--probes"));
        let table = render_probes(py, &checks);
        println!("{table}");
        assert!(checks.iter().all(|c| c.agrees), "{table}");
    }
}

fn hunt(mutant: Mutant) -> Tally {
    let py = default_python();
    let mut driver =
        Driver::start(&py, "concurrent.futures:ThreadPoolExecutor", false).expect("driver");
    let rust = move |s: &DiffScenario| run_mutant(s, mutant);
    run_with(
        &mut driver,
        caps(&py),
        &campaign(200),
        &rust,
        &mut |_, _| {},
    )
}

/// The comparison is trusted because it fails a broken reference: with
/// `shutdown` ignoring `cancel_futures` it reports SHUT-CANCEL-1.
#[test]
fn differential_catches_a_reference_that_ignores_cancel_futures() {
    let t = hunt(Mutant::IgnoresCancelFutures);
    println!(
        "{}",
        render_markdown(std::slice::from_ref(&t), &[], "mutant")
    );
    assert!(
        t.unexpected.contains_key("SHUT-CANCEL-1"),
        "not caught: {:?}",
        t.unexpected.keys()
    );
}

/// … and with work accepted after `shutdown` it reports SHUT-REJECT-1.
#[test]
fn differential_catches_a_reference_that_accepts_work_after_shutdown() {
    let t = hunt(Mutant::AcceptsAfterShutdown);
    println!(
        "{}",
        render_markdown(std::slice::from_ref(&t), &[], "mutant")
    );
    assert!(
        t.unexpected.contains_key("SHUT-REJECT-1"),
        "not caught: {:?}",
        t.unexpected.keys()
    );
}

/// The other way round: broken Python executors (conformance/python/
/// broken_executors.py) are reported against the reference.
#[test]
fn differential_catches_broken_python_executors() {
    let py = default_python();
    for (executor, clause) in [
        ("broken_executors:IgnoresCancelFutures", "SHUT-CANCEL-1"),
        ("broken_executors:NoCancelWhilePending", "FUT-CANCEL-1"),
    ] {
        let mut driver = Driver::start(&py, executor, false).expect("driver");
        let t = run(&mut driver, caps(&py), &campaign(200), &mut |_, _| {});
        println!(
            "{}",
            render_markdown(std::slice::from_ref(&t), &[], executor)
        );
        assert!(
            t.unexpected.contains_key(clause),
            "{executor} not caught on {clause}: {:?}",
            t.unexpected.keys()
        );
    }
}

/// MAP-BUFFER-1/2/3 bite: on a CPython with `map(buffersize=…)` (3.14+,
/// e.g. obtained by conformance/python/get-cpython.sh), a map that submits
/// the whole input despite `buffersize` is reported as MAP-BUFFER-*.
#[test]
fn differential_catches_a_python_map_that_ignores_buffersize() {
    let (found, _) = discover();
    let Some(py) = found.iter().rev().find(|i| i.minor >= 14) else {
        println!("skipped: no CPython 3.14+ here (conformance/python/get-cpython.sh obtains one)");
        return;
    };
    let executor = "broken_executors:IgnoresBuffersize";
    let mut driver = Driver::start(py, executor, false).expect("driver");
    let t = run(&mut driver, caps(py), &campaign(100), &mut |_, _| {});
    println!(
        "{}",
        render_markdown(std::slice::from_ref(&t), &[], executor)
    );
    assert!(
        t.unexpected.keys().any(|c| c.starts_with("MAP-BUFFER-")),
        "{executor} not caught on MAP-BUFFER-*: {:?}",
        t.unexpected.keys()
    );
}

/// The driver's own tests (standard library unittest) pass on python3.
#[test]
fn python_driver_unit_tests_pass() {
    let dir = driver_path().parent().unwrap().to_path_buf();
    let out = Command::new("python3")
        .args(["-m", "unittest", "-q", "test_driver"])
        .current_dir(&dir)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn cli(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_differential"))
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Bad input gets one clear line and exit status 2, never a hang.
#[test]
fn differential_cli_rejects_bad_input() {
    let (code, err) = cli(&["--python", "/no/such/python"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no such interpreter"), "{err}");
    let (code, err) = cli(&[
        "--python",
        "default",
        "--executor",
        "no_such_module:Pool",
        "--scenarios",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no_such_module"), "{err}");
    assert!(!err.contains("Traceback"), "{err}");
    let bad = std::env::temp_dir().join(format!("cf-diff-bad-{}.json", std::process::id()));
    std::fs::write(&bad, "{\"workers\": 0, \"steps\": []}").unwrap();
    let (code, err) = cli(&["--python", "default", "--replay", bad.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("workers"), "{err}");
    std::fs::write(&bad, "not json").unwrap();
    let (code, err) = cli(&["--python", "default", "--replay", bad.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    let _ = std::fs::remove_file(&bad);
    let (code, err) = cli(&["--scenarios", "many"]);
    assert_eq!(code, 2, "{err}");
}

/// A scenario survives the trip through JSON unchanged.
#[test]
fn scenario_json_round_trips() {
    use concurrent_futures_conformance::diff::generate::{prepare, strategy};
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strat = strategy();
    for k in 0..200 {
        let (raw, bits) = strat.new_tree(&mut runner).unwrap().current();
        let s = prepare(
            format!("rt-{k}"),
            &raw,
            bits,
            Caps {
                buffersize: true,
                isolated: false,
            },
        );
        let back = DiffScenario::from_json(&s.to_json()).unwrap();
        assert_eq!(back, s);
    }
}
