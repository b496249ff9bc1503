//! The command: bad arguments get a clear message and exit status 2; a
//! passing executor exits 0; a failing gallery executor exits 1 and names
//! the clause.

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
fn cli_bad_arguments_exit_2_with_a_message() {
    for (args, says) in [
        (&["--cases", "abc"][..], "not a non-negative integer"),
        (&["--cases", "0"][..], "--cases must be"),
        (&["--executor", "nope"][..], "unknown executor 'nope'"),
        (&["--format", "xml"][..], "not table, json or junit"),
        (&["--group", "nope"][..], "unknown group 'nope'"),
        (&["--seed"][..], "--seed needs a value"),
        (&["--bogus"][..], "unknown argument '--bogus'"),
    ] {
        let (code, _, err) = kit(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(err.contains("usage:"), "{args:?}: {err}");
    }
}

#[test]
fn cli_passing_executor_exits_0_and_prints_the_matrix() {
    let (code, out, _) = kit(&[
        "--executor",
        "reference",
        "--cases",
        "16",
        "--group",
        "wait",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("| WAIT-ALLCOMPLETED-1 | pass |"), "{out}");
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
