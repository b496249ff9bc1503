//! How verdicts are reached: a slow executor is not a stuck one; declared
//! deviations are `known` while they fail and `STALE` once they do not; the
//! JUnit report and `passed()` (the exit status) agree; failures are
//! minimised; a printed scenario says which steps did not run.

use concurrent_futures::{Future, ThreadPoolExecutor};
use concurrent_futures_conformance::adapters::{SlotHandle, run_caught};
use concurrent_futures_conformance::gallery::{Bug, gallery_options};
use concurrent_futures_conformance::{
    Adapter, Callback, Config, ExecutorAdapter, Feature, KnownDeviation, MapRun, MapSpec, Mode,
    Options, Outcome, Rejected, Replay, Task, Timing, Verdict, check, reference, replay,
};
use std::sync::Arc;
use std::time::Duration;

fn quick_options(group: &str) -> Options {
    Options {
        cases: 16,
        groups: Some(vec![group.to_string()]),
        ..Options::default()
    }
}

/// [`quick_options`] with a patience of 100 ms, for checks whose builds
/// hang: each hang costs the build's allowance of that patience.
fn impatient_options(group: &str) -> Options {
    Options {
        timing: Timing {
            patience: Duration::from_millis(100),
            ..Timing::default()
        },
        ..quick_options(group)
    }
}

/// A pool that runs each task on its own thread after a delay of `delay`:
/// slow, never stuck.
struct Slow {
    delay: Duration,
}

impl Adapter for Slow {
    type Handle = SlotHandle;
    fn unsupported(&self) -> Vec<Feature> {
        Feature::ALL.to_vec()
    }
    fn submit(&self, task: Task) -> Result<SlotHandle, Rejected> {
        let slot = Arc::new(concurrent_futures_conformance::adapters::Slot::default());
        let (s, delay) = (slot.clone(), self.delay);
        std::thread::spawn(move || {
            // The delay stands for a loaded machine: this check is about
            // elapsed time (the patience), so real time is the point.
            std::thread::sleep(delay);
            s.set(run_caught(task));
        });
        Ok(slot)
    }
    fn result(&self, h: &SlotHandle, timeout: Option<Duration>) -> Outcome {
        h.wait(timeout)
    }
    fn done(&self, h: &SlotHandle) -> bool {
        h.is_set()
    }
    fn shutdown(&self, _wait: bool, _cancel_futures: bool) {}
}

#[test]
fn a_slow_executor_is_confirmed_not_stuck_and_passes() {
    // Patience 200 ms; every task takes 300 ms: each first run looks stuck,
    // each confirming run (5 x 200 ms) sees it finish.
    let options = Options {
        timing: Timing {
            patience: Duration::from_millis(200),
            ..Timing::default()
        },
        cases: 4,
        groups: Some(vec!["futures".into()]),
        known: vec![
            // Thread per task: more at once than max_workers, no FIFO start.
            KnownDeviation::new("POOL-MAX-1", "thread per task"),
            KnownDeviation::new("EXE-SUBMIT-3", "thread per task"),
        ],
        ..Options::default()
    };
    let report = check(
        "slow",
        Arc::new(|_: Config| Slow {
            delay: Duration::from_millis(300),
        }),
        &options,
    );
    assert!(
        report.slow > 0,
        "some case looked stuck: {}",
        report.render_text()
    );
    assert_eq!(
        report.verdict("FUT-RESULT-1").map(Verdict::label),
        Some("pass"),
        "{}",
        report.render_text()
    );
}

#[test]
fn a_stuck_executor_fails_after_confirmation_with_a_minimal_scenario() {
    // FUT-TIMEOUT-2: result(timeout=0) blocks. Minimal: submit a task that
    // blocks, call result(timeout=0) on it.
    let bug = Bug::ZeroTimeoutBlocks;
    // The gallery's short patience, but the default minimisation budget
    // (the gallery itself does not minimise: its verdict is the clause set).
    let options = Options {
        groups: Some(vec!["futures".into()]),
        timing: gallery_options(256, 0xC0FFEE).timing,
        ..Options::default()
    };
    let report = check(&bug.name(), Arc::new(move |cfg| bug.build(cfg)), &options);
    let Some(Verdict::Fail(f)) = report.verdict("FUT-TIMEOUT-2") else {
        panic!("FUT-TIMEOUT-2 must fail:\n{}", report.render_text());
    };
    assert!(
        f.scenario.steps.len() <= 3,
        "minimal scenario has {} steps:\n{}",
        f.scenario.steps.len(),
        f.render(&report.replay_command)
    );
    let text = report.render_text();
    assert!(
        text.contains("--replay 'w1;") && text.contains("r:0:z"),
        "{text}"
    );
}

#[test]
fn a_declared_deviation_that_fails_is_known_and_does_not_fail_the_report() {
    let bug = Bug::CancelPendingRefused;
    let options = Options {
        known: vec![KnownDeviation::new("FUT-CANCEL-1", "declared for the test")],
        ..quick_options("futures")
    };
    let report = check(&bug.name(), Arc::new(move |cfg| bug.build(cfg)), &options);
    assert!(
        matches!(
            report.verdict("FUT-CANCEL-1"),
            Some(Verdict::Known {
                example: Some(_),
                ..
            })
        ),
        "{}",
        report.render_text()
    );
    let junit = report.render_junit();
    assert!(
        junit.contains("<skipped message=\"known deviation: declared for the test\"/>"),
        "{junit}"
    );
    assert_eq!(report.passed(), !junit.contains("<failure"), "{junit}");
}

#[test]
fn a_declared_deviation_that_no_longer_fails_is_stale_and_fails_the_report() {
    let options = Options {
        known: vec![KnownDeviation::new("FUT-CANCEL-1", "no longer true")],
        ..quick_options("futures")
    };
    let report = check("reference", Arc::new(reference), &options);
    assert!(
        matches!(report.verdict("FUT-CANCEL-1"), Some(Verdict::Stale { .. })),
        "{}",
        report.render_text()
    );
    assert!(!report.passed());
    assert_eq!(report.failed_clauses(), vec!["FUT-CANCEL-1".to_string()]);
    let junit = report.render_junit();
    assert!(
        junit.contains("declared known deviation no longer fails: no longer true"),
        "{junit}"
    );
    assert!(report.render_text().contains("STALE"));
}

#[test]
fn junit_skips_say_why() {
    let report = check(
        "threadpool-like",
        Arc::new(|_: Config| Slow {
            delay: Duration::ZERO,
        }),
        &Options {
            known: vec![
                KnownDeviation::new("POOL-MAX-1", "thread per task"),
                KnownDeviation::new("EXE-SUBMIT-3", "thread per task"),
            ],
            ..quick_options("futures")
        },
    );
    let junit = report.render_junit();
    assert!(
        junit
            .contains("<skipped message=\"not applicable: the executor lacks state-predicates\"/>"),
        "{junit}"
    );
    assert!(!junit.contains("<skipped/>"), "{junit}");
}

/// An executor that refuses every submit and map.
struct RefusesAll;

impl Adapter for RefusesAll {
    type Handle = SlotHandle;
    fn unsupported(&self) -> Vec<Feature> {
        vec![Feature::Initializer]
    }
    fn submit(&self, _task: Task) -> Result<SlotHandle, Rejected> {
        Err(Rejected::Other("refused".into()))
    }
    fn result(&self, h: &SlotHandle, timeout: Option<Duration>) -> Outcome {
        h.wait(timeout)
    }
    fn done(&self, h: &SlotHandle) -> bool {
        h.is_set()
    }
    fn shutdown(&self, _wait: bool, _cancel_futures: bool) {}
}

/// EXE-SUBMIT-1: an executor whose every submit is refused fails
/// EXE-SUBMIT-1, and the clauses no case could check behind that refusal
/// are not passed (inconclusive: not checked).
#[test]
fn exe_submit_1_clauses_no_case_checked_are_not_passed() {
    let report = check(
        "refuses-all",
        Arc::new(|_: Config| RefusesAll),
        &quick_options("futures"),
    );
    assert!(matches!(
        report.verdict("EXE-SUBMIT-1"),
        Some(Verdict::Fail(_))
    ));
    for clause in ["FUT-RESULT-1", "FUT-EXC-1", "EXE-PANIC-1", "FUT-PRED-3"] {
        match report.verdict(clause) {
            Some(Verdict::Inconclusive(why)) => assert!(why.starts_with("not checked"), "{why}"),
            other => panic!("{clause}: {other:?}"),
        }
    }
}

/// FUT-CANCEL-1: a deviation declared as depending on timing
/// (`--known-timing`) that no case shows is `known`, not `STALE`: a run
/// where the executor's own threads were slow is no sign it is gone.
#[test]
fn fut_cancel_1_a_timing_deviation_not_shown_is_known_not_stale() {
    let options = Options {
        known: vec![KnownDeviation::timing(
            "FUT-CANCEL-1",
            "shows only when quick",
        )],
        ..quick_options("futures")
    };
    let report = check("reference", Arc::new(reference), &options);
    assert!(
        matches!(
            report.verdict("FUT-CANCEL-1"),
            Some(Verdict::Known { example: None, .. })
        ),
        "{}",
        report.render_text()
    );
    assert!(report.passed());
}

/// Directed shapes: at `--cases 16` (the Python tables' budget) the
/// reference decides every clause — 68 pass, none inconclusive — because
/// each group opens with its directed shapes. Before them, six clauses were
/// never reached at 16 cases: FUT-CANCEL-3, FUT-EXC-2, CB-PANIC-1,
/// SHUT-CANCEL-3, ASC-CANCELLED-1, MAP-ERROR-1 (and MAP-CHUNK-2 is reached
/// only by a shape, CB-PANIC-2 only since the callbacks group owns it).
#[test]
fn every_clause_is_checked_by_a_directed_shape_at_16_cases() {
    let options = Options {
        cases: 16,
        ..Options::default()
    };
    let report = check("reference", Arc::new(reference), &options);
    let counts = report.counts();
    let undecided: Vec<String> = report
        .clauses
        .iter()
        .filter(|c| !matches!(c.verdict, Verdict::Pass))
        .map(|c| format!("{}: {:?}", c.clause, c.verdict))
        .collect();
    assert!(undecided.is_empty(), "{undecided:#?}");
    assert_eq!(counts.pass, 68, "{}", report.render_text());
    for clause in [
        "FUT-CANCEL-3",
        "FUT-EXC-2",
        "CB-PANIC-1",
        "SHUT-CANCEL-3",
        "ASC-CANCELLED-1",
        "MAP-ERROR-1",
        "MAP-CHUNK-2",
        "CB-PANIC-2",
    ] {
        assert!(
            matches!(report.verdict(clause), Some(Verdict::Pass)),
            "{clause}"
        );
    }
}

/// Each group's directed shapes, on their own, pass on the reference and
/// check every clause of the group (MAP-TIMEOUT-1 and MAP-DEADLINE-1 aside:
/// the fixed timing probes decide those).
#[test]
fn every_group_s_directed_shapes_pass_and_check_all_its_clauses() {
    use concurrent_futures_conformance::{GROUPS, resolve, run_guarded};
    use std::collections::BTreeSet;
    let factory: concurrent_futures_conformance::Factory<_> = Arc::new(reference);
    let quick = Arc::new(BTreeSet::new());
    for group in GROUPS {
        let shapes = group.shapes();
        assert!(!shapes.is_empty(), "{} has no directed shape", group.name);
        let mut checked = BTreeSet::new();
        for shape in shapes {
            let run = run_guarded(&factory, &resolve(&shape), Timing::default(), &quick);
            assert!(
                run.result.is_ok(),
                "{}: {:?}",
                shape.to_replay(),
                run.result
            );
            checked.extend(run.trace.checked);
        }
        let missing: Vec<&str> = group
            .clauses
            .iter()
            .copied()
            .filter(|c| !checked.contains(*c))
            .filter(|c| !["MAP-TIMEOUT-1", "MAP-DEADLINE-1"].contains(c))
            .collect();
        assert!(missing.is_empty(), "{}: {missing:?}", group.name);
    }
}

/// EXE-SUBMIT-1: an executor whose build fails only after earlier cases
/// (as executorlib's seemed to once its scheduler had crashed, a hang that
/// was the kit's own driver: `tests/python.rs`,
/// `exe_submit_1_an_executor_whose_drop_never_returns_does_not_block_the_next_build`)
/// is reported with a scenario of no steps, "while building the executor":
/// none of the case's steps ran, so none of them belongs in the
/// counterexample, and its replay
/// (`w1`) is what was observed. Before, the case's steps were listed, every
/// one "not reached", and the violation said "at teardown".
#[test]
fn exe_submit_1_a_build_that_fails_is_reported_without_the_steps_that_never_ran() {
    let builds = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let factory = {
        let builds = builds.clone();
        move |c: Config| {
            // The third build fails; every other one, replays included, works.
            if builds.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 2 {
                panic!("the executor's scheduler is gone");
            }
            reference(c)
        }
    };
    let report = check(
        "fails-third-build",
        Arc::new(factory),
        &quick_options("futures"),
    );
    let Some(Verdict::Fail(f)) = report.verdict("EXE-SUBMIT-1") else {
        panic!("{}", report.render_text());
    };
    assert!(builds.load(std::sync::atomic::Ordering::SeqCst) > 3);
    assert_eq!(f.violation.step, Some(0), "{}", report.render_text());
    assert!(f.scenario.steps.is_empty(), "{}", report.render_text());
    let text = f.render("{scenario}");
    assert!(
        text.contains("EXE-SUBMIT-1 violated while building the executor"),
        "{text}"
    );
    assert!(!text.contains("not reached"), "{text}");
    assert!(f.violation.observed.contains("scheduler is gone"), "{text}");
}

/// EXE-SUBMIT-1 when not even the first executor can be built: a factory
/// that panics, or never returns, on its very first call (the build the
/// kit makes to learn the features) gives a report, not a panic or a hang:
/// EXE-SUBMIT-1 fails "while building the executor" with a scenario of no
/// steps, and every other clause asked for is inconclusive. Before, the
/// first build ran unguarded on the caller's thread: the panic escaped
/// `check` and the hang hung it.
#[test]
fn exe_submit_1_a_first_build_that_fails_or_hangs_gives_a_report() {
    let options = impatient_options("futures");
    type Reference = ExecutorAdapter<ThreadPoolExecutor>;
    let panics = |_: Config| -> Reference { panic!("no scheduler here") };
    let hangs = |_: Config| -> Reference {
        loop {
            std::thread::park();
        }
    };
    for (name, report) in [
        (
            "panics",
            check("panics-at-once", Arc::new(panics), &options),
        ),
        ("hangs", check("hangs-at-once", Arc::new(hangs), &options)),
    ] {
        let text = report.render_text();
        let Some(Verdict::Fail(f)) = report.verdict("EXE-SUBMIT-1") else {
            panic!("{name}: {text}");
        };
        assert_eq!(f.violation.step, Some(0), "{name}: {text}");
        assert!(f.scenario.steps.is_empty(), "{name}: {text}");
        assert_eq!(f.replay, "w1", "{name}: {text}");
        let observed = if name == "hangs" {
            "hang"
        } else {
            "no scheduler here"
        };
        assert!(f.violation.observed.contains(observed), "{name}: {text}");
        assert!(
            f.render("{scenario}")
                .contains("EXE-SUBMIT-1 violated while building the executor"),
            "{name}: {text}"
        );
        let others: Vec<_> = report
            .clauses
            .iter()
            .filter(|c| c.clause != "EXE-SUBMIT-1")
            .collect();
        assert!(!others.is_empty(), "{name}: {text}");
        for c in others {
            assert!(
                matches!(&c.verdict, Verdict::Inconclusive(why) if why.contains("could not be built")),
                "{name}: {} is {:?}",
                c.clause,
                c.verdict
            );
        }
        assert!(!report.passed(), "{name}: {text}");
    }
}

/// EXE-SUBMIT-1, the same for a build that hangs (a stuck violation, which
/// is confirmed and minimised by replays): the replays build at once, so
/// no smaller scenario shows the hang again, and the failure is still
/// reported without the steps that never ran (before, the fallback was the
/// case as generated).
#[test]
fn exe_submit_1_a_build_that_hangs_is_reported_without_the_steps_that_never_ran() {
    let builds = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let factory = {
        let builds = builds.clone();
        move |c: Config| {
            // The third build and its confirmation hang; the others work.
            let n = builds.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if n == 2 || n == 3 {
                loop {
                    std::thread::park();
                }
            }
            reference(c)
        }
    };
    let options = impatient_options("futures");
    let report = check("hangs-third-build", Arc::new(factory), &options);
    let Some(Verdict::Fail(f)) = report.verdict("EXE-SUBMIT-1") else {
        panic!("{}", report.render_text());
    };
    assert_eq!(f.violation.step, Some(0), "{}", report.render_text());
    assert!(
        f.violation.observed.contains("hang"),
        "{}",
        report.render_text()
    );
    assert!(f.scenario.steps.is_empty(), "{}", report.render_text());
}

/// The reference, except that its `map` iterator, dropped before its first
/// `next()`, cancels every item not yet started (dask's executor releases
/// the futures of such a map, so its queued items never run): MAP-DROP-2
/// broken, and nothing else.
struct DropCancelsUnadvanced(concurrent_futures_conformance::ExecutorAdapter<ThreadPoolExecutor>);

/// Its map: one submit per item, results in input order; a failure ends it
/// and cancels the rest (MAP-ERROR-1); dropped, it cancels the rest whether
/// advanced or not (the flaw).
struct ReleasingMap<'a> {
    adapter: &'a DropCancelsUnadvanced,
    rest: std::collections::VecDeque<Future<u64>>,
}

impl Iterator for ReleasingMap<'_> {
    type Item = Outcome;
    fn next(&mut self) -> Option<Outcome> {
        let f = self.rest.pop_front()?;
        let out = self.adapter.0.result(&f, None);
        if !matches!(out, Outcome::Value(_)) {
            for g in self.rest.drain(..) {
                g.cancel();
            }
        }
        Some(out)
    }
}

impl Drop for ReleasingMap<'_> {
    fn drop(&mut self) {
        for g in self.rest.drain(..) {
            g.cancel();
        }
    }
}

impl Adapter for DropCancelsUnadvanced {
    type Handle = Future<u64>;
    fn unsupported(&self) -> Vec<Feature> {
        self.0.unsupported()
    }
    fn submit(&self, task: Task) -> Result<Future<u64>, Rejected> {
        self.0.submit(task)
    }
    fn result(&self, h: &Future<u64>, timeout: Option<Duration>) -> Outcome {
        self.0.result(h, timeout)
    }
    fn done(&self, h: &Future<u64>) -> bool {
        self.0.done(h)
    }
    fn shutdown(&self, wait: bool, cancel_futures: bool) {
        self.0.shutdown(wait, cancel_futures)
    }
    fn exception(&self, h: &Future<u64>, timeout: Option<Duration>) -> Outcome {
        self.0.exception(h, timeout)
    }
    fn cancel(&self, h: &Future<u64>) -> bool {
        self.0.cancel(h)
    }
    fn cancelled(&self, h: &Future<u64>) -> bool {
        self.0.cancelled(h)
    }
    fn running(&self, h: &Future<u64>) -> bool {
        self.0.running(h)
    }
    fn add_done_callback(&self, h: &Future<u64>, callback: Callback) {
        self.0.add_done_callback(h, callback)
    }
    fn wait(&self, hs: &[Future<u64>], timeout: Option<Duration>, mode: Mode) -> Vec<usize> {
        self.0.wait(hs, timeout, mode)
    }
    fn as_completed<'a>(
        &'a self,
        hs: &'a [Future<u64>],
        timeout: Option<Duration>,
    ) -> Box<dyn Iterator<Item = Result<usize, ()>> + 'a> {
        self.0.as_completed(hs, timeout)
    }
    fn map(&self, tasks: Vec<Task>, spec: MapSpec) -> Result<MapRun<'_>, Rejected> {
        if spec.chunksize != 1 || spec.buffersize.is_some() || spec.timeout.is_some() {
            return self.0.map(tasks, spec);
        }
        let rest = tasks
            .into_iter()
            .map(|t| self.0.submit(t))
            .collect::<Result<_, _>>()?;
        Ok(Box::new(ReleasingMap {
            adapter: self,
            rest,
        }))
    }
}

#[test]
fn map_drop_2_a_map_dropped_unadvanced_whose_items_never_start_fails_map_drop_2() {
    // dask's LocalCluster table read EXE-RESILIENT-1 for this scenario: the
    // second map is dropped (at teardown) before its first next(), the
    // executor never starts its items, and as the scenario has a panicking
    // task the missing start was blamed on that panic ("a worker is free").
    // The drop is the cause: MAP-DROP-2.
    // The second scenario: a task submitted after the drop starts on the
    // freed worker, which read EXE-SUBMIT-3 (started out of turn) before.
    let options = Options {
        timing: gallery_options(16, 0xC0FFEE).timing,
        ..Options::default()
    };
    for (line, first_missing) in [
        ("w1;m:r,r,gA,gA,gA,r:1:-:-;n;d;n;m:r,r,gC,r,p,r:1:-:-;n", 6),
        ("w1;s:gA;m:r,r:1:-:-;d;s:r", 1),
    ] {
        let scenario = concurrent_futures_conformance::Scenario::from_replay(line).expect("valid");
        let what = Replay::Scenario(scenario);
        let conforming = replay(Arc::new(reference), &what, &options);
        assert!(conforming.result.is_ok(), "{line}: {:?}", conforming.result);
        let run = replay(
            Arc::new(|cfg| DropCancelsUnadvanced(reference(cfg))),
            &what,
            &options,
        );
        let v = run.result.expect_err("the dropped map's items never start");
        assert_eq!(v.clause, "MAP-DROP-2", "{line}: {v}");
        assert!(
            v.expected.contains(&format!("task {first_missing} starts")),
            "{line}: {v}"
        );
    }
}

/// A report handed out while the check runs says what it still lacks, so a
/// report kept from an interrupted run (`--out`) never reads as a finished,
/// green one: after the first of two groups the partial report names the
/// second as pending, is not `passed()`, and its JUnit has a failing
/// "complete" case and its JSON `"complete":false`; the final report has
/// nothing pending and passes (the reference). Before, the partial JUnit of a run stopped after one group
/// read `failures="0"`.
#[test]
fn kit_a_partial_report_says_it_is_incomplete() {
    let options = Options {
        cases: 8,
        groups: Some(vec!["futures".to_string(), "callbacks".to_string()]),
        ..Options::default()
    };
    let mut partials = Vec::new();
    let report = concurrent_futures_conformance::check_with_partial(
        "reference",
        Arc::new(reference),
        &options,
        &mut |_, _| {},
        &mut |r| partials.push(r.clone()),
    );
    assert_eq!(partials.len(), 2);
    let first = &partials[0];
    assert_eq!(first.pending, ["callbacks"]);
    assert!(!first.passed(), "{}", first.render_text());
    assert!(
        first.summary().contains("INCOMPLETE"),
        "{}",
        first.summary()
    );
    let junit = first.render_junit();
    assert!(junit.contains("name=\"complete\"><failure"), "{junit}");
    assert!(!junit.contains("failures=\"0\""), "{junit}");
    assert!(first.render_json().contains("\"complete\":false"));
    assert!(report.pending.is_empty());
    assert!(report.passed(), "{}", report.render_text());
    assert!(!report.summary().contains("INCOMPLETE"));
    assert!(report.render_json().contains("\"complete\":true"));
    assert!(!report.render_junit().contains("name=\"complete\""));
}
