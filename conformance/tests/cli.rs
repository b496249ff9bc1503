//! The two commands, run as built: bad arguments (unknown, malformed,
//! out of range, not UTF-8, conflicting) get one line on stderr and exit
//! status 2; a closed stdout ends them quietly; the progress line is not
//! drawn with `\r` when stderr is not a terminal; a passing executor exits
//! 0; a failing gallery executor exits 1 and names the clause.

use std::process::{Command, Stdio};

const KIT: &str = env!("CARGO_BIN_EXE_concurrent-futures-conformance");
const DIFFERENTIAL: &str = env!("CARGO_BIN_EXE_differential");

fn run(program: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run the command");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn kit(args: &[&str]) -> (i32, String, String) {
    run(KIT, args)
}

/// Asserts that `args` are refused with exit status 2 and exactly one line
/// on stderr containing `says`, before anything runs (stdout stays empty).
fn refused(program: &str, args: &str, says: &str) {
    let args: Vec<&str> = args.split(' ').collect();
    let (code, out, err) = run(program, &args);
    assert_eq!(code, 2, "{args:?}: {err}");
    assert!(err.contains(says), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err:?}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert!(out.is_empty(), "{args:?}: {out}");
}

#[test]
fn cli_bad_arguments_exit_2_with_one_line() {
    for (args, says) in [
        ("--cases abc", "'abc' is not a non-negative integer"),
        ("--cases -1", "not a non-negative integer"),
        ("--executor nope", "unknown executor 'nope'"),
        ("--format xml", "not table, json or junit"),
        ("--group nope", "unknown group 'nope'"),
        ("--seed", "--seed needs a number"),
        ("--bogus", "unknown argument '--bogus'"),
        ("--list=yes", "--list takes no value"),
        ("--executor py:nocolon", "py:MODULE:CALLABLE"),
        (
            "--python python3",
            "--python needs an --executor py:MODULE:CALLABLE",
        ),
        (
            "--executor py:concurrent.futures:ThreadPoolExecutor --missing nope",
            "unknown feature 'nope'",
        ),
        ("--known FUT-CANCEL-1", "is not CLAUSE=WHY"),
        ("--known NOPE-1=why", "unknown clause 'NOPE-1'"),
        (
            "--known-timing FUT-CANCEL-1",
            "--known-timing: 'FUT-CANCEL-1' is not CLAUSE=WHY",
        ),
        (
            "--known FUT-CANCEL-1=a --known-timing FUT-CANCEL-1=b",
            "FUT-CANCEL-1",
        ),
        ("--out /nonexistent-dir/report.txt", "--out: cannot write"),
        (
            "--python /nonexistent/python --executor py:m:c",
            "cannot run /nonexistent/python",
        ),
        (
            "--executor py:no_such_module_here:X",
            "No module named 'no_such_module_here'",
        ),
    ] {
        refused(KIT, args, says);
    }
    for (args, says) in [
        ("--scenarios x", "'x' is not a non-negative integer"),
        ("--executor nomodule", "is not module:callable"),
        ("--out", "--out needs a file"),
        ("--bogus", "unknown argument '--bogus'"),
    ] {
        refused(DIFFERENTIAL, args, says);
    }
}

#[test]
fn cli_numbers_beyond_range_are_out_of_range() {
    for (args, says) in [
        ("--cases 0", "--cases: 0 is out of range"),
        ("--cases 4294967296", "--cases: 4294967296 is out of range"),
        ("--cases=99999999999999999999999", "is out of range"),
        (
            "--seed 0x10000000000000000",
            "--seed: 0x10000000000000000 is out of range",
        ),
        ("--patience 0", "--patience: 0 is out of range"),
        ("--patience 86400001", "is out of range"),
    ] {
        refused(KIT, args, says);
    }
    for (args, says) in [
        (
            "--scenarios 4294967296",
            "--scenarios: 4294967296 is out of range",
        ),
        (
            "--others 99999999999",
            "--others: 99999999999 is out of range",
        ),
        (
            "--shrink 4294967296",
            "--shrink: 4294967296 is out of range",
        ),
        ("--seed 18446744073709551616", "is out of range"),
        ("--scenarios 0", "--scenarios: 0 is out of range"),
    ] {
        refused(DIFFERENTIAL, args, says);
    }
}

#[test]
fn cli_conflicting_options_exit_2() {
    for (args, says) in [
        (
            "--list --gallery",
            "--list and --gallery cannot be combined",
        ),
        (
            "--gallery --list",
            "--list and --gallery cannot be combined",
        ),
        (
            "--list --executor reference",
            "--list takes no other option (got --executor)",
        ),
        (
            "--cases 3 --list",
            "--list takes no other option (got --cases)",
        ),
        (
            "--gallery --format json",
            "--gallery takes only --cases and --seed (got --format)",
        ),
        (
            "--gallery --executor reference",
            "--gallery takes only --cases and --seed (got --executor)",
        ),
        (
            "--group wait --gallery",
            "--gallery takes only --cases and --seed (got --group)",
        ),
        ("--gallery --patience 10", "(got --patience)"),
        ("--cases 3 --cases 4", "--cases given twice"),
        ("--format json --format=table", "--format given twice"),
        (
            "--executor reference --executor reference",
            "--executor reference given twice",
        ),
        ("--group wait --group wait", "--group wait given twice"),
        ("--list --list", "--list given twice"),
    ] {
        refused(KIT, args, says);
    }
    for (args, says) in [
        (
            "--probes --replay w1;s:r",
            "--replay and --probes cannot be combined",
        ),
        (
            "--probes --executor m:c",
            "--probes takes only --python, not --executor",
        ),
        (
            "--probes --scenarios 3",
            "--probes takes only --python, not --scenarios",
        ),
        (
            "--replay w1;s:r --seed 3",
            "--replay takes only --python, --executor, --isolated, --missing, --known and --patience, not --seed",
        ),
        ("--replay w1;s:r --out r.md", "not --out"),
        ("--seed 1 --seed 2", "--seed given twice"),
    ] {
        refused(DIFFERENTIAL, args, says);
    }
}

#[cfg(unix)]
#[test]
fn cli_non_utf8_argument_exits_2_without_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    for program in [KIT, DIFFERENTIAL] {
        for args in [
            vec![
                std::ffi::OsStr::from_bytes(b"--executor"),
                std::ffi::OsStr::from_bytes(b"r\xffe"),
            ],
            vec![std::ffi::OsStr::from_bytes(b"--\xff")],
        ] {
            let out = Command::new(program).args(&args).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{program} {args:?}: {err}");
            assert!(err.contains("is not valid UTF-8"), "{program}: {err}");
            assert_eq!(err.lines().count(), 1, "{program}: {err}");
            assert!(!err.contains("panicked"), "{program}: {err}");
        }
    }
}

#[cfg(unix)]
/// A pipe whose reading end is already closed: `true` reads nothing and
/// exits, and its stdin is handed on as another process's stdout, so every
/// write there fails with a broken pipe, deterministically.
fn closed_pipe() -> Stdio {
    let mut reader = Command::new("true")
        .stdin(Stdio::piped())
        .spawn()
        .expect("run true");
    let write_end = reader.stdin.take().unwrap();
    reader.wait().unwrap();
    Stdio::from(write_end)
}

#[cfg(unix)]
#[test]
fn cli_closed_stdout_ends_quietly() {
    for (program, args) in [
        (KIT, &["--list"][..]),
        (KIT, &["--help"][..]),
        (DIFFERENTIAL, &["--help"][..]),
    ] {
        let out = Command::new(program)
            .args(args)
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.is_empty(), "{program} {args:?} wrote to stderr: {err}");
        assert_eq!(out.status.code(), Some(141), "{program} {args:?}");
    }
    // With stdout open, the same commands succeed and print everything.
    let (code, out, _) = kit(&["--list"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("executors:\n") && out.contains("clause groups:"),
        "{out}"
    );
}

#[test]
fn cli_help_states_the_rules_and_exits_0() {
    let (code, out, err) = kit(&["--help"]);
    assert_eq!(code, 0, "{err}");
    for rule in [
        "takes only --cases and --seed",
        "takes no other option",
        "given once",
    ] {
        assert!(out.contains(rule), "{rule}: {out}");
    }
    let (code, out, err) = run(DIFFERENTIAL, &["--help"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("--replay and --probes cannot be combined"),
        "{out}"
    );
}

#[test]
fn cli_passing_executor_exits_0_and_prints_the_matrix() {
    let (code, out, err) = kit(&[
        "--executor",
        "reference",
        "--cases",
        "16",
        "--group",
        "wait",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("| WAIT-ALLCOMPLETED-1 | pass |"), "{out}");
    // stderr is a pipe here, not a terminal: no progress drawn with '\r',
    // one plain line for the executor.
    assert!(!err.contains('\r'), "{err:?}");
    let done: Vec<&str> = err.lines().filter(|l| l.contains("done in")).collect();
    assert_eq!(done.len(), 1, "{err}");
    assert!(done[0].starts_with("[1/1] reference"), "{err}");
}

#[test]
fn cli_broken_executor_exits_1_naming_the_clause() {
    let (code, out, err) = kit(&[
        "--executor",
        "gallery:accepts-after-shutdown",
        "--group",
        "shutdown",
        "--cases",
        "64",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("\"clause\":\"SHUT-REJECT-1\",\"group\":\"shutdown\",\"verdict\":\"FAIL\""),
        "{out}"
    );
    assert!(err.contains("SHUT-REJECT-1"), "{err}");
}

// `--replay`: the command a failure prints replays exactly that scenario;
// what did not run is marked; a known deviation replays as known.

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

#[test]
fn fut_cancel_1_python_executor_replay_fails_and_known_deviation_passes() {
    // A broken Python executor's failure, replayed from the command line,
    // exits 1 naming the clause; declared as a known deviation, it exits 0.
    let base = [
        "--executor",
        "py:broken_executors:NoCancelWhilePending",
        "--replay",
        "w1;s:gC;s:r;c:1",
    ];
    let (code, out, err) = kit(&base);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("FUT-CANCEL-1 violated at step 3"), "{out}");
    let mut known = base.to_vec();
    known.push("--known=FUT-CANCEL-1=cancel() refuses pending futures");
    let (code, out, err) = kit(&known);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("known deviation"), "{out}");
}

#[test]
fn fut_state_1_out_file_keeps_the_report_of_every_finished_group() {
    // The report is rewritten after each group; the last write is the whole
    // report, the same text as stdout.
    let dir = std::env::temp_dir().join(format!("cf-kit-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("report.json");
    let (code, out, err) = kit(&[
        "--executor",
        "reference",
        "--cases",
        "2",
        "--group",
        "futures",
        "--group",
        "wait",
        "--format",
        "json",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let kept = std::fs::read_to_string(&path).unwrap();
    assert_eq!(kept, out);
    assert!(kept.contains("FUT-STATE-1") && kept.contains("WAIT-PARTITION-1"));
    std::fs::remove_dir_all(&dir).unwrap();
}
