//! The differential as the kit's one runner on two executors: every
//! generated scenario runs on the reference and on a Python executor (through
//! [`PythonAdapter`](crate::adapters::PythonAdapter)), with the same features
//! declared on both sides, and the two runs are compared — the verdict (the
//! clause a side broke, and where) and the trace (what each step became, the
//! teardown). There is no second scenario interpreter: what differs is what
//! the runner and its oracle saw.
//!
//! A difference is *expected* when the spec records it: the clause broken on
//! the Python side does not hold on that CPython version (its `CPython:`
//! line), or its `Reference:` line names a recorded divergence (`DIV-*`).
//! Anything else — including any failure of the reference — is unexpected,
//! and is minimised to a scenario the kit's `--replay` reruns.

use crate::adapter::{Adapter, Feature};
use crate::check::{CONFIRM, Run, run_guarded};
use crate::diff::generate::has_buffered_map;
use crate::diff::versions;
use crate::runner::{Factory, Kind, Timing};
use crate::scenario::Scenario;
use crate::shrink::{Budget, minimise};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One run, confirmed like a kit case: a stuck verdict is run again with
/// [`CONFIRM`] times the patience, and the second run decides.
pub fn confirmed<A: Adapter + 'static>(factory: &Factory<A>, s: &Scenario, timing: Timing) -> Run {
    let quick = Arc::new(BTreeSet::new());
    let first = run_guarded(factory, s, timing, &quick);
    match &first.result {
        Err(v) if v.kind == Kind::Stuck => {
            let long = Timing {
                patience: timing.patience * CONFIRM,
                ..timing
            };
            run_guarded(factory, s, long, &quick)
        }
        _ => first,
    }
}

/// What the runner saw in one run: the clause broken and its step, the
/// notes, the teardown.
type Key<'a> = (
    Option<(&'a str, Option<usize>)>,
    &'a [crate::Note],
    &'a [&'static str],
);

fn key(r: &Run) -> Key<'_> {
    (
        r.result.as_ref().err().map(|v| (v.clause.as_str(), v.step)),
        &r.trace.notes,
        &r.trace.teardown,
    )
}

/// How two runs of one scenario differ.
#[derive(Clone, Debug)]
pub struct Difference {
    /// The clause behind it: the one the Python side broke, else the one
    /// the reference broke, else `TRACE` (same verdicts, different traces).
    pub clause: String,
    /// The spec entry that records it and why, if it is expected.
    pub expected: Option<(String, String)>,
    /// The scenario (minimised, if unexpected).
    pub scenario: Scenario,
    /// The reference's verdict, as text.
    pub reference: String,
    /// The Python executor's verdict, as text.
    pub python: String,
}

fn verdict_text(r: &Run) -> String {
    match &r.result {
        Ok(()) => "no violation".into(),
        Err(v) => v.to_string(),
    }
}

/// Why a Python violation of `clause` on CPython 3.`minor` is intended, if
/// the spec records it.
pub fn recorded(clause: &str, minor: u32) -> Option<(String, String)> {
    if versions::holds_on(clause, minor) == Some(false) {
        return Some((
            clause.to_string(),
            format!("the spec states {clause} for other CPython versions than 3.{minor}"),
        ));
    }
    let div = versions::divergence_of(clause)?;
    Some((
        div.clone(),
        format!("{clause}'s Reference: line records it ({div})"),
    ))
}

/// Compares the runs of `s` on both sides; `None` when they agree. A
/// Python violation of a clause in `known` (clause, why: a deviation of
/// this executor declared by whoever runs it) is expected too.
pub fn compare<R: Adapter + 'static, P: Adapter + 'static>(
    reference: &Factory<R>,
    python: &Factory<P>,
    s: &Scenario,
    timing: Timing,
    minor: u32,
    known: &[(String, String)],
) -> Option<Difference> {
    let r = confirmed(reference, s, timing);
    let p = confirmed(python, s, timing);
    compare_runs(&r, &p, s, minor, known)
}

/// [`compare`] on runs already made. Two runs whose buffered-map top-up
/// races came out differently still agree: either outcome is allowed
/// ([`Trace::races`](crate::Trace::races)).
pub fn compare_runs(
    r: &Run,
    p: &Run,
    s: &Scenario,
    minor: u32,
    known: &[(String, String)],
) -> Option<Difference> {
    if key(r) == key(p) {
        return None;
    }
    let (clause, expected) = match (&r.result, &p.result) {
        (Ok(()), Err(v)) => {
            let declared = known
                .iter()
                .find(|(c, _)| *c == v.clause)
                .map(|(c, why)| (c.clone(), format!("a known deviation: {why}")));
            (v.clause.clone(), recorded(&v.clause, minor).or(declared))
        }
        (Err(v), _) => (v.clause.clone(), None),
        (Ok(()), Ok(())) => ("TRACE".to_string(), None),
    };
    Some(Difference {
        clause,
        expected,
        scenario: s.clone(),
        reference: verdict_text(r),
        python: verdict_text(p),
    })
}

/// One interpreter × executor's results.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// The interpreter's version (`3.11.7`).
    pub version: String,
    /// `MODULE:CALLABLE`.
    pub executor: String,
    /// Scenarios run.
    pub scenarios: u32,
    /// Scenarios whose runs agree.
    pub agreed: u32,
    /// Scenarios with a buffered map.
    pub buffered: u32,
    /// Buffered-map top-up races by side and outcome (`reference started`,
    /// `python cancelled`, …): each outcome allowed, counted to show both
    /// were seen.
    pub races: BTreeMap<String, u32>,
    /// Expected differences by spec entry: count and the first one.
    pub expected: BTreeMap<String, (u32, Difference)>,
    /// Unexpected differences by clause: count and the first one, minimised.
    pub unexpected: BTreeMap<String, (u32, Difference)>,
    /// Features both sides ran without (declared or found missing).
    pub unsupported: Vec<Feature>,
    /// Seconds taken.
    pub seconds: f64,
}

/// Runs `scenarios` on both sides and tallies (`known` as in [`compare`]);
/// `progress(k, tally)` after each scenario. Unexpected differences are minimised (at most `shrink`
/// runs each) with the Python side alone: a candidate counts if it still
/// breaks the same clause there.
#[allow(clippy::too_many_arguments)]
pub fn campaign<R: Adapter + 'static, P: Adapter + 'static>(
    reference: &Factory<R>,
    python: &Factory<P>,
    scenarios: &[Scenario],
    timing: Timing,
    minor: u32,
    known: &[(String, String)],
    shrink: u32,
    tally: &mut Tally,
    progress: &mut dyn FnMut(u32, &Tally),
) {
    let started = Instant::now();
    for (k, s) in scenarios.iter().enumerate() {
        tally.scenarios += 1;
        if has_buffered_map(s) {
            tally.buffered += 1;
        }
        let r = confirmed(reference, s, timing);
        let p = confirmed(python, s, timing);
        for (side, run) in [("reference", &r), ("python", &p)] {
            for (_, outcome) in &run.trace.races {
                *tally.races.entry(format!("{side} {outcome}")).or_default() += 1;
            }
        }
        match compare_runs(&r, &p, s, minor, known) {
            None => tally.agreed += 1,
            Some(d) => match d.expected.clone() {
                Some((entry, _)) => tally.expected.entry(entry).or_insert((0, d)).0 += 1,
                None if tally.unexpected.contains_key(&d.clause) => {
                    tally.unexpected.get_mut(&d.clause).expect("present").0 += 1;
                }
                None => {
                    let d = minimised(reference, python, d, timing, minor, known, shrink);
                    tally.unexpected.insert(d.clause.clone(), (1, d));
                }
            },
        }
        tally.seconds = started.elapsed().as_secs_f64();
        progress(k as u32 + 1, tally);
    }
}

fn minimised<R: Adapter + 'static, P: Adapter + 'static>(
    reference: &Factory<R>,
    python: &Factory<P>,
    d: Difference,
    timing: Timing,
    minor: u32,
    known: &[(String, String)],
    shrink: u32,
) -> Difference {
    let run = confirmed(python, &d.scenario, timing);
    let Err(v) = run.result else {
        return d; // the reference's failure, or a trace difference: as found
    };
    let clause = v.clause.clone();
    let budget = Budget {
        runs: shrink,
        time: Duration::from_secs(60),
    };
    let (s, _, _) = minimise((d.scenario.clone(), v, run.trace), budget, |candidate| {
        let r = confirmed(python, candidate, timing);
        match r.result {
            Err(v) if v.clause == clause => Some((v, r.trace)),
            _ => None,
        }
    });
    compare(reference, python, &s, timing, minor, known)
        .filter(|m| m.clause == d.clause)
        .unwrap_or(d)
}

/// Whether any tally has an unexpected difference.
pub fn any_unexpected(tallies: &[Tally]) -> bool {
    tallies.iter().any(|t| !t.unexpected.is_empty())
}

/// The Markdown report: one row per interpreter × executor, the share of
/// buffered maps, the clauses that differed by version, and each
/// difference with its scenario and replay text.
pub fn render_markdown(tallies: &[Tally], missing: &[String], command: &str) -> String {
    let mut out = String::new();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let _ = writeln!(
        out,
        "Command: `{command}` (on {cores} cores; both sides run by the kit's runner, \
         verdicts and traces compared)\n"
    );
    if !missing.is_empty() {
        let _ = writeln!(
            out,
            "CPython versions claimed by the spec but not found here: {}.\n",
            missing.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "| Python | executor | scenarios | agree | expected differences | unexpected differences | seconds |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    let counted = |m: &BTreeMap<String, (u32, Difference)>| -> Vec<String> {
        m.iter().map(|(c, (n, _))| format!("{c} ×{n}")).collect()
    };
    for t in tallies {
        let (e, u) = (counted(&t.expected), counted(&t.unexpected));
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} | {:.0} |",
            t.version,
            t.executor,
            t.scenarios,
            t.agreed,
            if e.is_empty() {
                "—".into()
            } else {
                e.join(", ")
            },
            if u.is_empty() {
                "**none**".into()
            } else {
                format!("**{}**", u.join(", "))
            },
            t.seconds
        );
    }
    for t in tallies {
        if !t.unsupported.is_empty() {
            let names: Vec<&str> = t.unsupported.iter().map(|f| f.name()).collect();
            let _ = writeln!(
                out,
                "\n{} `{}`: both sides run without {}.",
                t.version,
                t.executor,
                names.join(", ")
            );
        }
        if t.buffered > 0 {
            let _ = writeln!(
                out,
                "\n{} `{}`: {} of {} scenarios ({:.0}%) have a buffered map (`map(buffersize=…)`).",
                t.version,
                t.executor,
                t.buffered,
                t.scenarios,
                100.0 * f64::from(t.buffered) / f64::from(t.scenarios.max(1))
            );
        }
        if !t.races.is_empty() {
            let seen: Vec<String> = t.races.iter().map(|(k, n)| format!("{k} {n}")).collect();
            let _ = writeln!(
                out,
                "\n{} `{}`: buffered-map top-up races (MAP-BUFFER-2 with MAP-ERROR-1; either outcome allowed): {}.",
                t.version,
                t.executor,
                seen.join(", ")
            );
        }
    }
    let _ = writeln!(out, "\n### Clauses by version\n");
    let _ = writeln!(
        out,
        "`✗` = an unexpected difference; `v` = differs, as the spec states for this version; `d` = differs, a recorded divergence (`DIV-*`); blank = no difference.\n"
    );
    let mut clauses = BTreeSet::new();
    for t in tallies {
        clauses.extend(t.unexpected.keys().cloned());
        clauses.extend(t.expected.values().map(|(_, d)| d.clause.clone()));
    }
    let mut head = String::from("| clause |");
    let mut rule = String::from("|---|");
    for t in tallies {
        let _ = write!(head, " {} {} |", t.version, t.executor);
        rule.push_str("---|");
    }
    let _ = writeln!(out, "{head}\n{rule}");
    for c in &clauses {
        let mut row = format!("| {c} {} |", versions::title(c));
        for t in tallies {
            let mut marks = Vec::new();
            if t.unexpected.contains_key(c) {
                marks.push("✗");
            }
            for (entry, (_, d)) in &t.expected {
                if &d.clause == c {
                    marks.push(if entry.starts_with("DIV-") { "d" } else { "v" });
                }
            }
            marks.dedup();
            let _ = write!(row, " {} |", marks.join(" "));
        }
        let _ = writeln!(out, "{row}");
    }
    for t in tallies {
        for (entry, (n, d)) in &t.expected {
            let why = d.expected.as_ref().map_or("", |(_, w)| w.as_str());
            let _ = writeln!(
                out,
                "\n- {} `{}`: {entry} ×{n} — {why}; first seen: `{}`: {}",
                t.version,
                t.executor,
                d.scenario.to_replay(),
                d.python.lines().next().unwrap_or("")
            );
        }
        for (clause, (n, d)) in &t.unexpected {
            let _ = writeln!(
                out,
                "\n#### Unexpected: {clause} on {} `{}` ({n} scenarios)\n\n```text\n{}\nreference: {}\npython:    {}\n```\n\nReplay: `--replay '{}'`",
                t.version,
                t.executor,
                d.scenario.render(None).trim_end(),
                d.reference,
                d.python,
                d.scenario.to_replay()
            );
        }
    }
    out
}
