//! Verdicts and how they are printed: a text table, JSON, JUnit XML, and the
//! clause × executor matrix.

use crate::adapter::Feature;
use crate::runner::Violation;
use crate::scenario::Scenario;
use std::fmt::Write as _;

/// A clause's verdict for one executor.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// No generated scenario violated it.
    Pass,
    /// Violated; the minimal scenario found.
    Fail(Box<Failure>),
    /// The executor declared a feature the clause needs unsupported.
    NotApplicable(Vec<Feature>),
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
    /// Scenarios run in all (including shrinking).
    pub scenarios: u64,
    /// Features the executor declared unsupported.
    pub unsupported: Vec<Feature>,
    /// Every clause's verdict.
    pub clauses: Vec<ClauseResult>,
    /// Wall time of the check.
    pub seconds: f64,
}

impl Verdict {
    /// `pass`, `FAIL` or `n/a`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail(_) => "FAIL",
            Verdict::NotApplicable(_) => "n/a",
        }
    }
}

impl Report {
    /// Whether no clause failed.
    pub fn passed(&self) -> bool {
        self.failures().next().is_none()
    }

    /// The failed clauses.
    pub fn failures(&self) -> impl Iterator<Item = (&ClauseResult, &Failure)> {
        self.clauses.iter().filter_map(|c| match &c.verdict {
            Verdict::Fail(f) => Some((c, f.as_ref())),
            _ => None,
        })
    }

    /// The IDs of the failed clauses.
    pub fn failed_clauses(&self) -> Vec<String> {
        self.failures().map(|(c, _)| c.clause.clone()).collect()
    }

    /// The verdict for `clause`.
    pub fn verdict(&self, clause: &str) -> Option<&Verdict> {
        self.clauses
            .iter()
            .find(|c| c.clause == clause)
            .map(|c| &c.verdict)
    }

    /// Counts of (pass, fail, n/a).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for r in &self.clauses {
            match r.verdict {
                Verdict::Pass => c.0 += 1,
                Verdict::Fail(_) => c.1 += 1,
                Verdict::NotApplicable(_) => c.2 += 1,
            }
        }
        c
    }

    /// A readable report: a verdict line per clause, then every failure with
    /// its minimal scenario as numbered steps.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let (p, f, n) = self.counts();
        let _ = writeln!(
            s,
            "{}: {p} pass, {f} fail, {n} n/a ({} scenarios, {} cases per group, seed {:#x}, {:.1} s)",
            self.executor, self.scenarios, self.cases, self.seed, self.seconds
        );
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
                "  {:<24} {:<5} {}{extra}",
                c.clause,
                c.verdict.label(),
                c.group
            );
        }
        for (c, fail) in self.failures() {
            let _ = writeln!(
                s,
                "\n{} — minimal scenario ({} group):",
                c.clause, fail.group
            );
            let _ = write!(s, "{}", fail.scenario);
            let _ = writeln!(s, "  {}", fail.violation);
        }
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
            "{{\"executor\":{},\"cases\":{},\"seed\":{},\"scenarios\":{},\"seconds\":{:.3},\"unsupported\":[{}],\"clauses\":[",
            json_str(&self.executor),
            self.cases,
            self.seed,
            self.scenarios,
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
            if let Verdict::Fail(f) = &c.verdict {
                let _ = write!(
                    s,
                    ",\"step\":{},\"expected\":{},\"observed\":{},\"scenario\":{}",
                    f.violation
                        .step
                        .map_or("null".to_string(), |n| n.to_string()),
                    json_str(&f.violation.expected),
                    json_str(&f.violation.observed),
                    json_str(&f.scenario.to_string())
                );
            }
            s.push('}');
        }
        s.push_str("]}");
        s
    }

    /// The report as a JUnit test suite: one test case per clause.
    pub fn render_junit(&self) -> String {
        let (_, fails, skipped) = self.counts();
        let mut s = String::new();
        let _ = writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\" skipped=\"{skipped}\" time=\"{:.3}\">",
            xml(&self.executor),
            self.clauses.len(),
            self.seconds
        );
        for c in &self.clauses {
            let _ = write!(
                s,
                "    <testcase classname=\"{}.{}\" name=\"{}\"",
                xml(&self.executor),
                xml(&c.group),
                xml(&c.clause)
            );
            match &c.verdict {
                Verdict::Pass => s.push_str("/>\n"),
                Verdict::NotApplicable(_) => s.push_str("><skipped/></testcase>\n"),
                Verdict::Fail(f) => {
                    let _ = writeln!(
                        s,
                        "><failure message=\"{}\">{}</failure></testcase>",
                        xml(&f.violation.to_string()),
                        xml(&format!("{}{}", f.scenario, f.violation))
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
    let _ = write!(s, "| **pass / fail / n/a** |");
    for r in reports {
        let (p, f, n) = r.counts();
        let _ = write!(s, " {p} / {f} / {n} |");
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
