//! `--replay`: the command a failure prints replays exactly that scenario;
//! what did not run is marked; a known deviation replays as known.

use std::process::Command;

fn kit(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_concurrent-futures-conformance"))
        .args(args)
        .output()
        .expect("run the command");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn replay_of_a_failure_exits_1_and_names_the_clause() {
    // FUT-TIMEOUT-2: result(timeout=0) must not block; this executor's does.
    let (code, out, _) = kit(&[
        "--executor",
        "gallery:zero-timeout-blocks",
        "--patience",
        "300",
        "--replay",
        "w1;s:gA;r:0:z",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("2. f0.result(timeout=0)"), "{out}");
    assert!(out.contains("FUT-TIMEOUT-2 violated at step 2"), "{out}");
}

#[test]
fn replay_of_a_passing_scenario_exits_0_and_lists_the_teardown() {
    let (code, out, _) = kit(&["--executor", "reference", "--replay", "w2;s:gA;c:0;s:r"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no violation"), "{out}");
    // No map iterator and no thread: the teardown names neither.
    assert!(
        out.contains("then: open every gate, shutdown(wait=True)"),
        "{out}"
    );
}

#[test]
fn replay_marks_the_steps_an_executor_could_not_run() {
    // rayon has no cancel and no map: those steps did not run, and say so.
    let (code, out, _) = kit(&[
        "--executor",
        "rayon",
        "--replay",
        "w1;s:gA;c:0;m:r:1:-:-;n;o:A",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("f0.cancel()   [not run: the executor has no cancel()]"),
        "{out}"
    );
    assert!(
        out.contains("[not run: the executor has no map()]"),
        "{out}"
    );
    assert!(
        out.contains("next(it)   [not run: no map iterator is live]"),
        "{out}"
    );
    assert!(!out.contains("drop the map iterator"), "{out}");
}

#[test]
fn replay_of_a_known_deviation_exits_0_and_says_known() {
    let (code, out, _) = kit(&["--executor", "threadpool", "--replay", "w1;s:r;sd:0:0;s:r"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("SHUT-REJECT-1 violated at step 3"), "{out}");
    assert!(out.contains("known deviation of threadpool"), "{out}");
}

#[test]
fn replay_bad_input_exits_2_with_one_line() {
    for (args, says) in [
        (
            &["--executor", "reference", "--replay", "w1;zz"][..],
            "step 1",
        ),
        (&["--replay", "w1;s:r"][..], "exactly one --executor"),
        (
            &["--executor", "reference", "--replay"][..],
            "--replay needs",
        ),
    ] {
        let (code, _, err) = kit(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn replay_of_a_timing_probe_runs_that_probe() {
    // The fixed MAP-DEADLINE-1 probe: it passes on the reference and
    // catches a map whose deadline counts from each next().
    let (code, out, _) = kit(&[
        "--executor",
        "reference",
        "--replay",
        "probe:MAP-DEADLINE-1",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no violation"), "{out}");
    let (code, out, _) = kit(&[
        "--executor",
        "gallery:map-deadline-per-item",
        "--replay",
        "probe:MAP-DEADLINE-1",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("MAP-DEADLINE-1 violated"), "{out}");
    let (code, _, err) = kit(&["--executor", "reference", "--replay", "probe:FUT-CANCEL-1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("has no fixed probe"), "{err}");
}

#[test]
fn the_kit_keeps_reports_of_its_own_deliberate_failures_off_stderr() {
    // Callbacks that panic on purpose and initializers that fail on purpose
    // would each make the core report a line; the kit routes those away
    // (concurrent_futures::diagnostics) so that its output stays readable.
    let (code, out, err) = kit(&[
        "--executor",
        "reference",
        "--group",
        "callbacks",
        "--group",
        "broken",
        "--cases",
        "64",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("| CB-PANIC-1 | pass |"), "{out}");
    assert!(!err.contains("exception calling callback"), "{err}");
    assert!(!err.contains("Exception in initializer"), "{err}");
}
