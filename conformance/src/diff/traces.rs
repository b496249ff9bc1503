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
//! line), or what the Python side was seen to do is the observation a
//! recorded divergence (`DIV-*`) describes ([`OBSERVATIONS`]) — matched by
//! the observation, not by the clause alone. Anything else — including any
//! failure of the reference — is unexpected, and is minimised to a scenario
//! the kit's `--replay` reruns.

use crate::adapter::{Adapter, Feature};
use crate::check::{CONFIRM, Run, run_guarded};
use crate::diff::generate::has_buffered_map;
use crate::diff::versions;
use crate::runner::{Factory, Kind, Timing, Violation};
use crate::scenario::{Scenario, Step, TaskSpec};
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

/// A recorded divergence the differential can see: its ID, the clauses
/// whose violations can show it, the observation it stands for, and the
/// test of a Python-side violation (in its scenario) for that observation.
pub struct Observation {
    /// The divergence (`DIV-*`).
    pub divergence: &'static str,
    /// The clauses the runner files it under.
    pub clauses: &'static [&'static str],
    /// What the divergence says CPython does, as the report words it.
    pub what: &'static str,
    /// Whether a Python violation is that observation.
    pub shows: fn(&Violation, &Scenario) -> bool,
}

/// The recorded divergences (`DIV-*`) a difference can be expected under.
/// A divergence matches only its own observation: a violation of the same
/// clause that looks otherwise (a future never cancelled at all, where
/// DIV-NOTIFY-1 is about one cancelled but not acknowledged) is unexpected.
/// The other divergences a `Reference:` line names are no observation of
/// CPython a scenario can show (DIV-PANIC-1, DIV-DROP-1: how the Rust API
/// stands for Python's), or concern what the scenarios never do (thread
/// names, a failing thread spawn, an initializer failing beside cancelled
/// work, callback races, reference cycles, a collected executor, an input
/// read late, `chunksize=0`): a difference on their clauses is unexpected.
pub const OBSERVATIONS: &[Observation] = &[
    Observation {
        divergence: "DIV-NOTIFY-1",
        clauses: &["SHUT-CANCEL-1"],
        what: "a future cancelled by shutdown(cancel_futures) that wait() does not count as done",
        shows: notify_1,
    },
    Observation {
        divergence: "DIV-ASCORDER-1",
        clauses: &["ASC-DONEFIRST-1"],
        what: "as_completed yields the expected futures, the already-done ones out of input order",
        shows: ascorder_1,
    },
    Observation {
        divergence: "DIV-CHUNK-1",
        clauses: &["MAP-CHUNK-1", "POOL-REUSE-2"],
        what: "the executor's map ignores chunksize: each item is a task of its own",
        shows: chunk_1,
    },
    Observation {
        divergence: "DIV-CHUNK-2",
        clauses: &["MAP-CHUNK-1", "MAP-CHUNK-2"],
        what: "a failing chunk raises before the results of its earlier items are yielded",
        shows: chunk_2,
    },
];

/// DIV-NOTIFY-1: the runner found the future cancelled by `cancel_futures`
/// (its state CANCELLED_AND_NOTIFIED in the model, `result()` already
/// checked to raise CancelledError) and `wait()` does not count it done.
fn notify_1(v: &Violation, _: &Scenario) -> bool {
    v.expected.starts_with("wait() counts f")
        && v.expected
            .ends_with(" as done: true (CANCELLED_AND_NOTIFIED)")
        && v.observed == "false"
}

/// The maps of `s` up to step `upto` (1-based), each with the task ID of
/// its first item.
fn maps_upto(s: &Scenario, upto: Option<usize>) -> Vec<(usize, &Step)> {
    let mut task = 0;
    let mut maps = Vec::new();
    let last = upto.unwrap_or(s.steps.len()).min(s.steps.len());
    for step in &s.steps[..last] {
        match step {
            Step::Submit(_) => task += 1,
            Step::Map { items, .. } => {
                maps.push((task, step));
                task += items.len();
            }
            _ => {}
        }
    }
    maps
}

/// DIV-CHUNK-1: a later item of a chunk started on its own (the runner's
/// MAP-CHUNK-1), or, in a buffered map with chunksize c > 1, an item past
/// the first `buffersize` that the chunks submitted at the call hold has
/// not started (POOL-REUSE-2): `buffersize` counted items, not chunks.
fn chunk_1(v: &Violation, s: &Scenario) -> bool {
    let chunked = |step: &Step| matches!(step, Step::Map { chunksize, .. } if *chunksize > 1);
    match v.clause.as_str() {
        "MAP-CHUNK-1" => {
            v.expected.starts_with("started tasks ")
                && v.observed.ends_with(" must not have started)")
                && maps_upto(s, v.step).iter().any(|(_, m)| chunked(m))
        }
        "POOL-REUSE-2" => {
            let Some(task) = v
                .expected
                .strip_prefix("task ")
                .and_then(|r| r.strip_suffix(" starts: a worker is free for it"))
                .and_then(|t| t.parse::<usize>().ok())
            else {
                return false;
            };
            maps_upto(s, v.step).iter().any(|(first, m)| match m {
                Step::Map {
                    items,
                    chunksize,
                    buffersize: Some(n),
                    ..
                } => {
                    *chunksize > 1
                        && task >= first + n
                        && task < first + (n * chunksize).min(items.len())
                }
                _ => false,
            })
        }
        _ => false,
    }
}

/// DIV-CHUNK-2: in a map with a chunk whose failing item has earlier items
/// in that chunk, `next()` raised where a result was due.
fn chunk_2(v: &Violation, s: &Scenario) -> bool {
    let fails_mid_chunk = |step: &Step| match step {
        Step::Map {
            items, chunksize, ..
        } if *chunksize > 1 => items
            .iter()
            .enumerate()
            .any(|(k, t)| k % chunksize > 0 && matches!(t, TaskSpec::Fail | TaskSpec::Panic)),
        _ => false,
    };
    v.expected.starts_with("value ")
        && (v.observed.starts_with("error ") || v.observed.starts_with("panic "))
        && maps_upto(s, v.step).iter().any(|(_, m)| fails_mid_chunk(m))
}

/// DIV-ASCORDER-1: the same futures, none twice, no timeout where none was
/// due, only their order differs; or the thread check's finding that only
/// the already-done futures' order is wrong.
fn ascorder_1(v: &Violation, _: &Scenario) -> bool {
    if v.expected == "the futures done at the first next() in input order" {
        return true;
    }
    // `[0, 2, 1]`, then ` then Timeout` when the call timed out.
    let items = |s: &str| -> Option<(Vec<String>, bool)> {
        let (seq, timed_out) = match s.trim().strip_suffix(" then Timeout") {
            Some(seq) => (seq, true),
            None => (s.trim(), false),
        };
        let mut list: Vec<String> = seq
            .strip_prefix('[')?
            .strip_suffix(']')?
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect();
        list.sort();
        Some((list, timed_out))
    };
    match (items(&v.expected), items(&v.observed)) {
        (Some(want), Some(got)) => want == got && v.expected != v.observed,
        _ => false,
    }
}

/// Why a Python violation `v` in scenario `s` on CPython 3.`minor` is
/// intended, if the spec records it: its clause does not hold on that
/// version, or `v` is the observation of a divergence in [`OBSERVATIONS`]
/// filed under its clause.
pub fn recorded(v: &Violation, s: &Scenario, minor: u32) -> Option<(String, String)> {
    let clause = v.clause.as_str();
    if versions::holds_on(clause, minor) == Some(false) {
        return Some((
            clause.to_string(),
            format!("the spec states {clause} for other CPython versions than 3.{minor}"),
        ));
    }
    let o = OBSERVATIONS
        .iter()
        .find(|o| o.clauses.contains(&clause) && (o.shows)(v, s))?;
    Some((
        o.divergence.to_string(),
        format!("{clause}: {} ({})", o.what, o.divergence),
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
            (v.clause.clone(), recorded(v, s, minor).or(declared))
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

/// `n` and `noun`, the noun in the plural unless `n` is 1 (`1 scenario`,
/// `2 scenarios`).
pub fn count_of(n: u32, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
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
            let ran = if t.unsupported.contains(&Feature::MapBuffersize) {
                "generated, not run as buffered on this interpreter"
            } else {
                "run on both sides"
            };
            let _ = writeln!(
                out,
                "\n{} `{}`: {} of {} ({:.0}%) have a buffered map (`map(buffersize=…)`), {ran}.",
                t.version,
                t.executor,
                t.buffered,
                count_of(t.scenarios, "scenario"),
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
    let mut clauses = BTreeSet::new();
    for t in tallies {
        clauses.extend(t.unexpected.keys().cloned());
        clauses.extend(t.expected.values().map(|(_, d)| d.clause.clone()));
    }
    if clauses.is_empty() {
        let _ = writeln!(out, "None: no scenario differs on any interpreter.");
    } else {
        let _ = writeln!(
            out,
            "`✗` = an unexpected difference; `v` = differs, as the spec states for this version; `d` = differs, a recorded divergence (`DIV-*`); blank = no difference.\n"
        );
    }
    let mut head = String::from("| clause |");
    let mut rule = String::from("|---|");
    for t in tallies {
        let _ = write!(head, " {} {} |", t.version, t.executor);
        rule.push_str("---|");
    }
    if !clauses.is_empty() {
        let _ = writeln!(out, "{head}\n{rule}");
    }
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
                "\n#### Unexpected: {clause} on {} `{}` ({})\n\n```text\n{}\nreference: {}\npython:    {}\n```\n\nReplay: `--replay '{}'`",
                t.version,
                t.executor,
                count_of(*n, "scenario"),
                d.scenario.render(None).trim_end(),
                d.reference,
                d.python,
                d.scenario.to_replay()
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Replay;

    fn violation(clause: &str, expected: &str, observed: &str) -> Violation {
        Violation {
            clause: clause.into(),
            kind: Kind::Stuck,
            step: Some(1),
            expected: expected.into(),
            observed: observed.into(),
        }
    }

    fn scenario(replay: &str) -> Scenario {
        Replay::parse(replay).expect("replay").scenario()
    }

    fn entry(v: &Violation, s: &str) -> Option<String> {
        recorded(v, &scenario(s), 11).map(|(e, _)| e)
    }

    /// DIV-NOTIFY-1 (SHUT-CANCEL-1's divergence) covers a future cancelled
    /// by cancel_futures that wait() does not count as done, not a future
    /// never cancelled (an executor ignoring cancel_futures) nor one
    /// cancelled but reported otherwise.
    #[test]
    fn shut_cancel_1_div_notify_1_is_expected_only_for_its_observation() {
        let s = "w1;s:gA;s:r;sd:0:1";
        let notified = violation(
            "SHUT-CANCEL-1",
            "wait() counts f1 as done: true (CANCELLED_AND_NOTIFIED)",
            "false",
        );
        let (e, why) = recorded(&notified, &scenario(s), 11).expect("DIV-NOTIFY-1");
        assert_eq!(e, "DIV-NOTIFY-1");
        assert!(why.contains("cancel_futures"), "{why}");
        for other in [
            violation(
                "SHUT-CANCEL-1",
                "f1 is done (CANCELLED_AND_NOTIFIED)",
                "not done after 10s",
            ),
            violation(
                "SHUT-CANCEL-1",
                "f1.cancelled() is true (CANCELLED_AND_NOTIFIED)",
                "false",
            ),
            violation("SHUT-CANCEL-1", "f1.result() gives Cancelled", "value 1"),
            // The same observation under another clause is not DIV-NOTIFY-1.
            violation(
                "WAIT-CANCELLED-1",
                "wait() counts f1 as done: true (CANCELLED_AND_NOTIFIED)",
                "false",
            ),
        ] {
            assert_eq!(entry(&other, s), None, "{other}");
        }
    }

    /// DIV-ASCORDER-1 (ASC-DONEFIRST-1's divergence) covers the same
    /// futures in another order, not a different set or a timeout.
    #[test]
    fn asc_donefirst_1_div_ascorder_1_is_expected_only_for_a_reordering() {
        let s = "w2;s:r;s:r";
        for (expected, observed) in [
            ("[0, 1, 2]", "[2, 0, 1]"),
            ("[0, 1] then Timeout", "[1, 0] then Timeout"),
            (
                "the futures done at the first next() in input order",
                "[1, 0]",
            ),
        ] {
            let v = violation("ASC-DONEFIRST-1", expected, observed);
            assert_eq!(entry(&v, s).as_deref(), Some("DIV-ASCORDER-1"), "{v}");
        }
        for (expected, observed) in [
            ("[0, 1, 2]", "[0, 1]"),
            ("[0, 1]", "[0, 2]"),
            ("[0, 1]", "[1, 0] then Timeout"),
            ("[0, 1]", "[0, 1]"),
        ] {
            let v = violation("ASC-DONEFIRST-1", expected, observed);
            assert_eq!(entry(&v, s), None, "{v}");
        }
    }

    /// DIV-CHUNK-1 (a thread pool's map ignores chunksize) covers a chunk's
    /// later item started on its own, and, in a buffered chunked map, an
    /// item of the chunks submitted at the call not started; not the same
    /// findings where no map is chunked, nor an item within buffersize.
    #[test]
    fn map_chunk_1_div_chunk_1_is_expected_only_in_a_chunked_map() {
        let early = violation(
            "MAP-CHUNK-1",
            "started tasks {t0}",
            "started tasks {t0, t1} (task 1 must not have started)",
        );
        assert_eq!(
            entry(&early, "w2;m:gA,r:2:-:-").as_deref(),
            Some("DIV-CHUNK-1")
        );
        assert_eq!(entry(&early, "w2;m:gA,r:1:-:-"), None);
        let late = |t: usize| {
            violation(
                "POOL-REUSE-2",
                &format!("task {t} starts: a worker is free for it"),
                "started tasks {t0} after 10s",
            )
        };
        assert_eq!(
            entry(&late(1), "w1;m:r,r:2:1:-").as_deref(),
            Some("DIV-CHUNK-1")
        );
        assert_eq!(entry(&late(0), "w1;m:r,r:2:1:-"), None);
        assert_eq!(entry(&late(1), "w1;m:r,r:1:1:-"), None);
        assert_eq!(entry(&late(1), "w1;m:r,r:2:-:-"), None);
    }

    /// DIV-CHUNK-2 (a process pool's failing chunk loses its earlier
    /// results) covers an error where an earlier item's value was due, in a
    /// map whose chunk fails after its first item; not one where no chunk
    /// fails midway.
    #[test]
    fn map_chunk_2_div_chunk_2_is_expected_only_for_a_chunk_failing_midway() {
        let v = Violation {
            clause: "MAP-CHUNK-2".into(),
            kind: Kind::Wrong,
            step: Some(2),
            expected: "value 0".into(),
            observed: "error \"t1 failed\"".into(),
        };
        assert_eq!(
            entry(&v, "w1;m:r,f:2:-:-;n").as_deref(),
            Some("DIV-CHUNK-2")
        );
        assert_eq!(entry(&v, "w1;m:f,r:2:-:-;n"), None);
        assert_eq!(entry(&v, "w1;m:r,f:1:-:-;n"), None);
    }

    /// A divergence with no observation in [`OBSERVATIONS`] never makes a
    /// difference expected: DIV-PANIC-1 (how the Rust API stands for
    /// exceptions) behind EXE-PANIC-1 is no licence for a Python executor
    /// to lose a task's exception. Each listed divergence is tied by the
    /// spec to a clause it is filed under.
    #[test]
    fn exe_panic_1_a_divergence_without_an_observation_expects_nothing() {
        assert_eq!(
            versions::divergence_of("EXE-PANIC-1").as_deref(),
            Some("DIV-PANIC-1")
        );
        let v = violation("EXE-PANIC-1", "f0 is done (FINISHED)", "not done after 10s");
        assert_eq!(entry(&v, "w1;s:p"), None);
        for o in OBSERVATIONS {
            let text = versions::section(o.divergence).expect(o.divergence);
            assert!(
                o.clauses.iter().any(|c| {
                    versions::divergence_of(c).as_deref() == Some(o.divergence) || text.contains(c)
                }),
                "{}: none of {:?} names it, nor does it name them",
                o.divergence,
                o.clauses
            );
        }
    }

    /// The report says so when nothing differs, counts in the singular for
    /// one, and says a buffered map was not run as buffered where the
    /// interpreter has no buffersize.
    #[test]
    fn map_buffer_1_report_says_what_ran() {
        let t = Tally {
            version: "3.11.7".into(),
            executor: "concurrent.futures:ThreadPoolExecutor".into(),
            scenarios: 1,
            agreed: 1,
            buffered: 1,
            unsupported: vec![Feature::MapBuffersize],
            ..Tally::default()
        };
        let report = render_markdown(std::slice::from_ref(&t), &[], "test");
        assert!(
            report.contains(
                "1 of 1 scenario (100%) have a buffered map (`map(buffersize=…)`), \
                 generated, not run as buffered on this interpreter."
            ),
            "{report}"
        );
        assert!(report.contains("None: no scenario differs"), "{report}");
        assert!(!report.contains("| clause |"), "{report}");
        let t = Tally {
            unsupported: vec![],
            scenarios: 4,
            ..t
        };
        let report = render_markdown(&[t], &[], "test");
        assert!(report.contains("1 of 4 scenarios (25%)"), "{report}");
        assert!(report.contains("run on both sides"), "{report}");
    }
}
