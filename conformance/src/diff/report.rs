//! The differential's report: per interpreter, then clause × version.

use crate::diff::harness::Tally;
use crate::diff::versions;
use std::collections::BTreeSet;
use std::fmt::Write;

fn version_of(t: &Tally) -> String {
    t.interpreter
        .as_ref()
        .map_or("?".into(), |i| i.version.clone())
}

/// The Markdown report of `tallies` (one per interpreter × executor).
pub fn render_markdown(tallies: &[Tally], missing: &[String], command: &str) -> String {
    let mut out = String::new();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let _ = writeln!(
        out,
        "Command: `{command}` (on {cores} cores; the traces compared are described in \
         conformance/python/FORMAT.md)\n"
    );
    if !missing.is_empty() {
        let _ = writeln!(
            out,
            "CPython versions claimed by the spec but not installed here: {}.\n",
            missing.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "| Python | executor | scenarios | agree | expected differences | unexpected differences | driver errors | seconds |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for t in tallies {
        let expected: Vec<String> = t
            .expected
            .iter()
            .map(|(id, (n, _))| format!("{id} ×{n}"))
            .collect();
        let unexpected: Vec<String> = t
            .unexpected
            .iter()
            .map(|(c, u)| format!("{c} ×{}", u.count))
            .collect();
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} | {} | {:.0} |",
            version_of(t),
            t.executor,
            t.scenarios,
            t.agreed,
            if expected.is_empty() {
                "—".into()
            } else {
                expected.join(", ")
            },
            if unexpected.is_empty() {
                "**none**".into()
            } else {
                format!("**{}**", unexpected.join(", "))
            },
            t.errors.len(),
            t.seconds
        );
    }
    for t in tallies.iter().filter(|t| t.buffered > 0) {
        let _ = writeln!(
            out,
            "\n{} `{}`: {} of {} scenarios ({:.0}%) have a buffered map (`map(buffersize=…)`).",
            version_of(t),
            t.executor,
            t.buffered,
            t.scenarios,
            100.0 * f64::from(t.buffered) / f64::from(t.scenarios.max(1))
        );
    }
    // Clause × version.
    let mut clauses: BTreeSet<String> = BTreeSet::new();
    for t in tallies {
        clauses.extend(t.confirmed.keys().cloned());
        clauses.extend(t.unexpected.keys().cloned());
        clauses.extend(t.expected.values().map(|(_, d)| d.clause.clone()));
    }
    let _ = writeln!(out, "\n### Clauses by version\n");
    let _ = writeln!(
        out,
        "`n` = confirmed in n scenarios (the observations the clause governs agreed); `✗` = an unexpected difference; `v` = differs, as the spec states for this version; `d` = differs, a documented divergence (`DIV-*`); blank = not exercised.\n"
    );
    let mut head = String::from("| clause |");
    let mut rule = String::from("|---|");
    for t in tallies {
        let _ = write!(head, " {} {} |", version_of(t), short_executor(&t.executor));
        rule.push_str("---|");
    }
    let _ = writeln!(out, "{head}\n{rule}");
    for c in &clauses {
        let mut row = format!("| {c} {} |", versions::title(c));
        for t in tallies {
            let mut marks = Vec::new();
            if let Some(n) = t.confirmed.get(c) {
                marks.push(n.to_string());
            }
            if t.unexpected.contains_key(c) {
                marks.push("✗".into());
            }
            for (id, (_, d)) in &t.expected {
                if &d.clause == c {
                    marks.push(if id.starts_with("DIV-") {
                        "d".into()
                    } else {
                        "v".into()
                    });
                }
            }
            marks.dedup();
            let _ = write!(row, " {} |", marks.join(" "));
        }
        let _ = writeln!(out, "{row}");
    }
    // Details.
    for t in tallies {
        for (id, (n, d)) in &t.expected {
            if let Some((_, why)) = &d.expected {
                let _ = writeln!(
                    out,
                    "\n- {} `{}`: {id} ×{n} — {why}; first seen: {d}",
                    version_of(t),
                    t.executor
                );
            }
        }
    }
    for t in tallies {
        for (clause, u) in &t.unexpected {
            let _ = writeln!(
                out,
                "\n#### Unexpected: {clause} on {} `{}` ({} scenarios)\n\n```text\n{}\nfirst difference: {}\n```\n\nReplay: `{}`",
                version_of(t),
                t.executor,
                u.count,
                u.scenario.scenario,
                u.difference,
                u.scenario.to_json()
            );
        }
        for e in t.errors.iter().take(5) {
            let _ = writeln!(out, "\n- driver error on {}: {e}", version_of(t));
        }
    }
    out
}

fn short_executor(e: &str) -> &str {
    match e {
        "concurrent.futures:ThreadPoolExecutor" => "",
        "concurrent.futures:ProcessPoolExecutor" => "(process)",
        other => other,
    }
}
