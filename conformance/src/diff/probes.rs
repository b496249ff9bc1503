//! Version facts the scenarios cannot show (`cf_probes.py`),
//! checked against what the spec says of each CPython version.

use crate::diff::python::Interpreter;
use serde_json::{Value, json};
use std::fmt::Write;

/// One fact on one interpreter.
#[derive(Clone, Debug)]
pub struct ProbeCheck {
    /// The fact's name (`cf_probes.py` key).
    pub fact: &'static str,
    /// The spec entry that states it.
    pub clause: &'static str,
    /// What the interpreter showed.
    pub observed: Value,
    /// What the spec says for this version.
    pub expected: Value,
    /// Whether they agree.
    pub agrees: bool,
}

fn patch(version: &str) -> u32 {
    version
        .split('.')
        .nth(2)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

/// What the spec states for CPython `version` (3.`minor`), per fact.
pub fn expectations(i: &Interpreter, cpus: u64) -> Vec<(&'static str, &'static str, Value)> {
    let m = i.minor;
    vec![
        // errors.md: concurrent.futures.TimeoutError is the builtin from 3.11.
        ("timeout_error_is_builtin", "ERR-NAME-1", json!(m >= 11)),
        // POOL-MAXW-1: min(32, cpus + 4) from 3.8; cpus * 5 before.
        (
            "default_max_workers",
            "POOL-MAXW-1",
            json!(if m >= 8 { (cpus + 4).min(32) } else { cpus * 5 }),
        ),
        ("has_buffersize", "MAP-BUFFER-1", json!(m >= 14)),
        ("has_cancel_futures", "SHUT-CANCEL-1", json!(m >= 9)),
        ("has_initializer", "POOL-INIT-1", json!(m >= 7)),
        // DIV-FALSY-1 / FUT-FALSY-1: result() returns None for a falsy
        // exception up to 3.13.0; raises from 3.14 (and later 3.13 releases).
        (
            "falsy_exception_result",
            "FUT-FALSY-1",
            if m < 13 || (m == 13 && patch(&i.version) == 0) {
                json!("returns None")
            } else {
                json!("raises")
            },
        ),
        // POOL-REUSE-1: an idle worker is reused from 3.8.
        (
            "idle_reuse",
            "POOL-REUSE-1",
            json!(if m >= 8 { 1 } else { 4 }),
        ),
    ]
}

/// Checks `facts` (the `--probes` object of `i`) against [`expectations`].
pub fn check_probes(i: &Interpreter, facts: &Value) -> Vec<ProbeCheck> {
    let cpus = facts["cpu_count"].as_u64().unwrap_or(1);
    expectations(i, cpus)
        .into_iter()
        .map(|(fact, clause, expected)| {
            let mut observed = facts.get(fact).cloned().unwrap_or(Value::Null);
            if fact == "falsy_exception_result" {
                observed = json!(if observed.get("value").is_some_and(Value::is_null) {
                    "returns None"
                } else {
                    "raises"
                });
            }
            ProbeCheck {
                fact,
                clause,
                agrees: observed == expected,
                observed,
                expected,
            }
        })
        .collect()
}

/// A Markdown table of `checks` for `i`.
pub fn render_probes(i: &Interpreter, checks: &[ProbeCheck]) -> String {
    let mut out = format!(
        "\nCPython {} ({}):\n\n| fact | clause | observed | spec says | |\n|---|---|---|---|---|\n",
        i.version,
        i.path.display()
    );
    for c in checks {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            c.fact,
            c.clause,
            c.observed,
            c.expected,
            if c.agrees { "agrees" } else { "**differs**" }
        );
    }
    out
}
