//! Verdicts and how they are printed: a text table, JSON, JUnit XML, and the
//! clause × executor matrix.

use crate::adapter::Feature;
use crate::runner::{Trace, Violation};
use crate::scenario::Scenario;
use std::fmt::Write as _;

/// A clause's verdict for one executor.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// Some case checked it and found it kept; none violated it.
    Pass,
    /// Violated; the minimal scenario found.
    Fail(Box<Failure>),
    /// The executor declared a feature the clause needs unsupported.
    NotApplicable(Vec<Feature>),
    /// A declared deviation ([`crate::KnownDeviation`]): it fails, for the
    /// reason given. `example` is the first scenario that showed it (not
    /// minimised; `None` if it was seen only in a group not run).
    Known {
        /// Why the executor behaves so.
        why: String,
        /// The first failing scenario seen.
        example: Option<Box<Failure>>,
    },
    /// A declared deviation that no scenario showed: the declaration is out
    /// of date (counts as a failure, so that such lists cannot rot).
    Stale {
        /// The reason that was declared.
        why: String,
    },
    /// No run was clean enough to decide (a timing probe on a stalled
    /// machine); neither a pass nor a failure.
    Inconclusive(String),
}

/// A violation with the (shrunk) scenario that shows it.
#[derive(Clone, Debug)]
pub struct Failure {
    /// What was violated.
    pub violation: Violation,
    /// The minimal scenario, operands resolved.
    pub scenario: Scenario,
    /// The group that found it.
    pub group: String,
    /// What the run that showed it did (skipped steps, teardown).
    pub trace: Trace,
    /// The replay text: the scenario's, or `probe:CLAUSE` for a fixed
    /// timing probe.
    pub replay: String,
}

impl Failure {
    /// The scenario as it ran, the violation, and the command replaying it
    /// (`replay_command` with `{scenario}` filled in).
    pub fn render(&self, replay_command: &str) -> String {
        let mut s = self
            .scenario
            .render(Some((&self.trace, self.violation.step)));
        let _ = writeln!(s, "  {}", self.violation);
        let command = replay_command.replace("{scenario}", &self.replay);
        let _ = writeln!(s, "  replay: {command}");
        s
    }
}

/// How many clauses got each verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// `pass`.
    pub pass: usize,
    /// `FAIL`.
    pub fail: usize,
    /// `n/a`.
    pub not_applicable: usize,
    /// `known`.
    pub known: usize,
    /// `STALE`.
    pub stale: usize,
    /// `inconclusive`.
    pub inconclusive: usize,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} pass, {} FAIL, {} n/a, {} known",
            self.pass, self.fail, self.not_applicable, self.known
        )?;
        if self.stale > 0 {
            write!(f, ", {} STALE", self.stale)?;
        }
        if self.inconclusive > 0 {
            write!(f, ", {} inconclusive", self.inconclusive)?;
        }
        Ok(())
    }
}

/// One clause's line in a report.
#[derive(Clone, Debug)]
pub struct ClauseResult {
    /// The clause ID.
    pub clause: String,
    /// The group that checks it.
    pub group: String,
    /// The verdict.
    pub verdict: Verdict,
}

/// The full result of checking one executor.
#[derive(Clone, Debug)]
pub struct Report {
    /// The executor's name.
    pub executor: String,
    /// Generated scenarios per group.
    pub cases: u32,
    /// The seed.
    pub seed: u64,
    /// Scenarios run in all (including confirmation and minimising).
    pub scenarios: u64,
    /// Cases that looked stuck at the patience but finished when run again
    /// with a longer one (slow, not stuck; they passed).
    pub slow: u64,
    /// Features the executor declared unsupported.
    pub unsupported: Vec<Feature>,
    /// Every clause's verdict.
    pub clauses: Vec<ClauseResult>,
    /// Wall time of the check.
    pub seconds: f64,
    /// The command that replays a failure, `{scenario}` to be filled in.
    pub replay_command: String,
    /// The clause groups not run yet when this report was made: empty for
    /// a finished check. A report handed out while the check runs (after
    /// each group, by [`check_with_partial`](crate::check_with_partial))
    /// names the rest, so that one kept from an interrupted run says it is
    /// incomplete; such a report is never [`passed`](Report::passed).
    pub pending: Vec<String>,
}

impl Verdict {
    /// `pass`, `FAIL`, `n/a`, `known`, `STALE` or `inconclusive`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail(_) => "FAIL",
            Verdict::NotApplicable(_) => "n/a",
            Verdict::Known { .. } => "known",
            Verdict::Stale { .. } => "STALE",
            Verdict::Inconclusive(_) => "inconclusive",
        }
    }

    /// Whether it counts against the executor: `FAIL` or `STALE`.
    pub fn is_failure(&self) -> bool {
        matches!(self, Verdict::Fail(_) | Verdict::Stale { .. })
    }
}

impl Report {
    /// Whether no clause failed (`FAIL` or `STALE`); known deviations, `n/a`
    /// and inconclusive clauses do not count against it.
    pub fn passed(&self) -> bool {
        self.pending.is_empty() && !self.clauses.iter().any(|c| c.verdict.is_failure())
    }

    /// What an unfinished report lacks, as one sentence (`None` once the
    /// check is complete).
    pub fn incomplete(&self) -> Option<String> {
        (!self.pending.is_empty()).then(|| {
            format!(
                "INCOMPLETE: the run ended or was interrupted before these groups ran: {}",
                self.pending.join(", ")
            )
        })
    }

    /// The failed clauses (`FAIL`), with their minimal scenarios.
    pub fn failures(&self) -> impl Iterator<Item = (&ClauseResult, &Failure)> {
        self.clauses.iter().filter_map(|c| match &c.verdict {
            Verdict::Fail(f) => Some((c, f.as_ref())),
            _ => None,
        })
    }

    /// The IDs of the clauses that count against the executor (`FAIL` and
    /// `STALE`).
    pub fn failed_clauses(&self) -> Vec<String> {
        self.clauses
            .iter()
            .filter(|c| c.verdict.is_failure())
            .map(|c| c.clause.clone())
            .collect()
    }

    /// The verdict for `clause`.
    pub fn verdict(&self, clause: &str) -> Option<&Verdict> {
        self.clauses
            .iter()
            .find(|c| c.clause == clause)
            .map(|c| &c.verdict)
    }

    /// How many clauses got each verdict.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for r in &self.clauses {
            match r.verdict {
                Verdict::Pass => c.pass += 1,
                Verdict::Fail(_) => c.fail += 1,
                Verdict::NotApplicable(_) => c.not_applicable += 1,
                Verdict::Known { .. } => c.known += 1,
                Verdict::Stale { .. } => c.stale += 1,
                Verdict::Inconclusive(_) => c.inconclusive += 1,
            }
        }
        c
    }

    /// The one-line summary: counts, scenarios, seed, time.
    pub fn summary(&self) -> String {
        let slow = if self.slow > 0 {
            format!(", {} slow but finished", self.slow)
        } else {
            String::new()
        };
        let incomplete = self
            .incomplete()
            .map_or(String::new(), |why| format!(" — {why}"));
        format!(
            "{}: {}; {} scenario{} ({} per group, seed {:#x}{slow}) in {:.1} s{incomplete}",
            self.executor,
            self.counts(),
            self.scenarios,
            if self.scenarios == 1 { "" } else { "s" },
            self.cases,
            self.seed,
            self.seconds
        )
    }

    /// The details below the table: each failure with its minimal scenario
    /// and replay command, each known deviation with its reason, each stale
    /// declaration and inconclusive clause with why.
    pub fn render_details(&self) -> String {
        let mut s = String::new();
        for c in &self.clauses {
            let head = format!("{} / {}", self.executor, c.clause);
            match &c.verdict {
                Verdict::Fail(f) => {
                    let _ = write!(
                        s,
                        "\n{head}: FAIL — minimal scenario ({} group):\n{}",
                        f.group,
                        f.render(&self.replay_command)
                    );
                }
                Verdict::Known { why, example } => {
                    let _ = writeln!(s, "\n{head}: known — {why}");
                    if let Some(f) = example {
                        let command = self.replay_command.replace("{scenario}", &f.replay);
                        let v = &f.violation;
                        let at = match v.step {
                            None => "teardown".to_string(),
                            Some(crate::runner::BUILDING) => "the executor's build".to_string(),
                            Some(n) => format!("step {n}"),
                        };
                        let _ = writeln!(
                            s,
                            "  seen in the {} group at {at}: expected {}; observed {}\n  replay: {command}",
                            f.group, v.expected, v.observed
                        );
                    }
                }
                Verdict::Stale { why } => {
                    let _ = writeln!(
                        s,
                        "\n{head}: STALE — declared a known deviation (\"{why}\") but no scenario showed it; remove the declaration"
                    );
                }
                Verdict::Inconclusive(why) => {
                    let _ = writeln!(s, "\n{head}: inconclusive — {why}");
                }
                Verdict::Pass | Verdict::NotApplicable(_) => {}
            }
        }
        s
    }

    /// A readable report: a verdict line per clause, then the details
    /// (see [`Report::render_details`]).
    pub fn render_text(&self) -> String {
        let mut s = self.summary();
        s.push('\n');
        for c in &self.clauses {
            let extra = match &c.verdict {
                Verdict::NotApplicable(fs) => {
                    let names: Vec<&str> = fs.iter().map(|f| f.name()).collect();
                    format!("  (unsupported: {})", names.join(", "))
                }
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "  {:<24} {:<12} {}{extra}",
                c.clause,
                c.verdict.label(),
                c.group
            );
        }
        s.push_str(&self.render_details());
        s
    }

    /// The report as JSON.
    pub fn render_json(&self) -> String {
        let mut s = String::new();
        let unsupported: Vec<String> = self
            .unsupported
            .iter()
            .map(|f| json_str(f.name()))
            .collect();
        let _ = write!(
            s,
            "{{\"executor\":{},\"passed\":{},\"complete\":{},\"pending\":[{}],\"cases\":{},\"seed\":{},\"scenarios\":{},\"slow\":{},\"seconds\":{:.3},\"unsupported\":[{}],\"clauses\":[",
            json_str(&self.executor),
            self.passed(),
            self.pending.is_empty(),
            self.pending
                .iter()
                .map(|g| json_str(g))
                .collect::<Vec<_>>()
                .join(","),
            self.cases,
            self.seed,
            self.scenarios,
            self.slow,
            self.seconds,
            unsupported.join(",")
        );
        for (i, c) in self.clauses.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(
                s,
                "{{\"clause\":{},\"group\":{},\"verdict\":{}",
                json_str(&c.clause),
                json_str(&c.group),
                json_str(c.verdict.label())
            );
            let failure = match &c.verdict {
                Verdict::Fail(f) => Some(f.as_ref()),
                Verdict::Known { why, example } => {
                    let _ = write!(s, ",\"why\":{}", json_str(why));
                    example.as_deref()
                }
                Verdict::Stale { why } | Verdict::Inconclusive(why) => {
                    let _ = write!(s, ",\"why\":{}", json_str(why));
                    None
                }
                Verdict::NotApplicable(fs) => {
                    let names: Vec<String> = fs.iter().map(|f| json_str(f.name())).collect();
                    let _ = write!(s, ",\"unsupported\":[{}]", names.join(","));
                    None
                }
                Verdict::Pass => None,
            };
            if let Some(f) = failure {
                let _ = write!(
                    s,
                    ",\"step\":{},\"kind\":{},\"expected\":{},\"observed\":{},\"scenario\":{},\"replay\":{}",
                    f.violation
                        .step
                        .map_or("null".to_string(), |n| n.to_string()),
                    json_str(&format!("{:?}", f.violation.kind).to_lowercase()),
                    json_str(&f.violation.expected),
                    json_str(&f.violation.observed),
                    json_str(&f.scenario.render(Some((&f.trace, f.violation.step)))),
                    json_str(&f.replay)
                );
                // The whole command, with the interpreter and features a
                // Python executor's replay needs.
                let command = self.replay_command.replace("{scenario}", &f.replay);
                let _ = write!(s, ",\"command\":{}", json_str(&command));
            }
            s.push('}');
        }
        s.push_str("]}");
        s
    }

    /// The report as a JUnit test suite: one test case per clause. `FAIL`
    /// and `STALE` are failures; `n/a`, `known` and `inconclusive` are
    /// skipped with the reason — as the exit status counts them.
    pub fn render_junit(&self) -> String {
        let counts = self.counts();
        let incomplete = self.incomplete();
        let unfinished = usize::from(incomplete.is_some());
        let failures = counts.fail + counts.stale + unfinished;
        let skipped = counts.not_applicable + counts.known + counts.inconclusive;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{:.3}\">",
            xml(&self.executor),
            self.clauses.len() + unfinished,
            self.seconds
        );
        if let Some(why) = incomplete {
            // One failing case, so that a kept report of an interrupted run
            // never reads green.
            let _ = writeln!(
                s,
                "    <testcase classname=\"{}.run\" name=\"complete\"><failure message=\"{}\"/></testcase>",
                xml(&self.executor),
                xml(&why)
            );
        }
        for c in &self.clauses {
            let _ = write!(
                s,
                "    <testcase classname=\"{}.{}\" name=\"{}\"",
                xml(&self.executor),
                xml(&c.group),
                xml(&c.clause)
            );
            let skipped =
                |why: String| format!("><skipped message=\"{}\"/></testcase>\n", xml(&why));
            match &c.verdict {
                Verdict::Pass => s.push_str("/>\n"),
                Verdict::NotApplicable(fs) => {
                    let names: Vec<&str> = fs.iter().map(|f| f.name()).collect();
                    s.push_str(&skipped(format!(
                        "not applicable: the executor lacks {}",
                        names.join(", ")
                    )));
                }
                Verdict::Known { why, .. } => {
                    s.push_str(&skipped(format!("known deviation: {why}")));
                }
                Verdict::Inconclusive(why) => {
                    s.push_str(&skipped(format!("inconclusive: {why}")));
                }
                Verdict::Stale { why } => {
                    let _ = writeln!(
                        s,
                        "><failure message=\"{}\"/></testcase>",
                        xml(&format!("declared known deviation no longer fails: {why}"))
                    );
                }
                Verdict::Fail(f) => {
                    let _ = writeln!(
                        s,
                        "><failure message=\"{}\">{}</failure></testcase>",
                        xml(&f.violation.to_string()),
                        xml(&f.render(&self.replay_command))
                    );
                }
            }
        }
        s.push_str("  </testsuite>\n");
        s
    }
}

/// The clause × executor matrix for several reports, with a line per failure.
pub fn render_matrix(reports: &[Report]) -> String {
    let mut clauses: Vec<String> = Vec::new();
    for r in reports {
        for c in &r.clauses {
            if !clauses.contains(&c.clause) {
                clauses.push(c.clause.clone());
            }
        }
    }
    let mut s = String::new();
    let _ = write!(s, "| clause |");
    for r in reports {
        let _ = write!(s, " {} |", r.executor);
    }
    let _ = write!(s, "\n|---|");
    for _ in reports {
        s.push_str("---|");
    }
    s.push('\n');
    for clause in &clauses {
        let _ = write!(s, "| {clause} |");
        for r in reports {
            let label = r.verdict(clause).map_or("-", Verdict::label);
            let _ = write!(s, " {label} |");
        }
        s.push('\n');
    }
    let _ = write!(s, "| **pass / FAIL / n/a / known** |");
    for r in reports {
        let c = r.counts();
        let _ = write!(
            s,
            " {} / {} / {} / {} |",
            c.pass,
            c.fail + c.stale,
            c.not_applicable,
            c.known
        );
    }
    s.push('\n');
    s
}

/// Several reports as one JUnit document.
pub fn render_junit_all(reports: &[Report]) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for r in reports {
        s.push_str(&r.render_junit());
    }
    s.push_str("</testsuites>\n");
    s
}

/// Several reports as one JSON array.
pub fn render_json_all(reports: &[Report]) -> String {
    let parts: Vec<String> = reports.iter().map(Report::render_json).collect();
    format!("[{}]\n", parts.join(",\n"))
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
