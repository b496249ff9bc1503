//! Fixed scenarios for the two clauses that are about elapsed time, which
//! generated scenarios cannot pin down: `map`'s timeout cancels what is left
//! (MAP-TIMEOUT-1), and its deadline counts from the call, not from each
//! `next()` (MAP-DEADLINE-1). Real time is used here, with wide margins; a
//! run whose timeline misses the margins (a stalled machine) is retried, and
//! counted as inconclusive rather than failed.

use crate::adapter::{Adapter, Config, MapSpec, Outcome, Task};
use crate::model::Item;
use crate::probe::{Gates, Log, make_task};
use crate::report::Failure;
use crate::runner::{Factory, Timing, Violation};
use crate::scenario::{Scenario, Step, TaskSpec};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a probe concluded, when it did not pass.
#[derive(Debug)]
pub enum ProbeOutcome {
    /// The clause is violated; the probe's fixed scenario shows it.
    Fail(Box<Failure>),
    /// No attempt had a timeline clean enough to decide (a stalled machine).
    Inconclusive(String),
}

/// The clauses with a fixed probe; `probe:CLAUSE` is the replay text of
/// each.
pub const PROBES: [&str; 2] = ["MAP-TIMEOUT-1", "MAP-DEADLINE-1"];

/// The fixed scenario of the probe for `clause`, as printed.
pub fn probe_scenario(clause: &str) -> Option<Scenario> {
    let (steps, workers) = match clause {
        "MAP-TIMEOUT-1" => (timeout_steps(), 1),
        "MAP-DEADLINE-1" => (deadline_steps(), 2),
        _ => return None,
    };
    Some(Scenario {
        workers,
        failing_initializer: false,
        steps,
    })
}

/// How often a probe whose timeline missed its margins is tried again.
const ATTEMPTS: usize = 5;

/// Runs the probes; returns the clauses that did not pass, each with what
/// was concluded. A hang is confirmed with a five times longer budget
/// before it counts as one.
pub fn map_probes<A: Adapter + 'static>(
    factory: &Factory<A>,
    timing: Timing,
    only: Option<&str>,
) -> Vec<(String, ProbeOutcome)> {
    let budget = timing.patience * 3 + Duration::from_secs(2);
    let mut out = Vec::new();
    for clause in PROBES.into_iter().filter(|c| only.is_none_or(|o| o == *c)) {
        let Scenario { workers, steps, .. } = probe_scenario(clause).expect("a probe");
        let attempt = |budget: Duration| {
            let f = factory.clone();
            guarded(budget, move |gates| {
                if clause == "MAP-TIMEOUT-1" {
                    timeout_cancels_the_rest(&f, timing, gates)
                } else {
                    deadline_from_the_call(&f, gates)
                }
            })
        };
        let mut verdict = Some(ProbeOutcome::Inconclusive(format!(
            "{ATTEMPTS} runs of the fixed {clause} probe missed their timing margins"
        )));
        for _ in 0..ATTEMPTS {
            match attempt(budget).or_else(|| attempt(budget * 5)) {
                Some(Probe::Pass) => verdict = None,
                Some(Probe::Fail(f)) => verdict = Some(ProbeOutcome::Fail(f)),
                Some(Probe::Inconclusive) => continue,
                None => {
                    let stuck = failure(
                        steps.clone(),
                        workers,
                        clause,
                        3,
                        "next(it) returns",
                        format!("stuck for {:?} (hang)", budget * 5),
                    );
                    verdict = Some(ProbeOutcome::Fail(Box::new(stuck)));
                }
            }
            break;
        }
        match verdict {
            // Keyed by the clause it shows (a broken premise names another).
            Some(ProbeOutcome::Fail(f)) => {
                out.push((f.violation.clause.clone(), ProbeOutcome::Fail(f)));
            }
            Some(v) => out.push((clause.to_string(), v)),
            None => {}
        }
    }
    out
}

/// Runs `probe` on its own thread; `None` if it did not finish within
/// `budget` (its gates are then opened and the thread abandoned).
fn guarded(
    budget: Duration,
    probe: impl FnOnce(Arc<Gates>) -> Probe + Send + 'static,
) -> Option<Probe> {
    let gates = Arc::new(Gates::default());
    let (tx, rx) = std::sync::mpsc::channel();
    let g = gates.clone();
    std::thread::spawn(move || {
        let _ = tx.send(probe(g));
    });
    match rx.recv_timeout(budget) {
        Ok(p) => Some(p),
        Err(_) => {
            gates.open_all();
            None
        }
    }
}

fn timeout_steps() -> Vec<Step> {
    vec![
        Step::Submit(TaskSpec::Gated(0)),
        Step::Map {
            items: vec![TaskSpec::Return, TaskSpec::Return],
            chunksize: 1,
            buffersize: None,
            timeout: true,
        },
        Step::MapNext,
        Step::Open(0),
        Step::Shutdown {
            wait: true,
            cancel_futures: false,
        },
    ]
}

fn deadline_steps() -> Vec<Step> {
    vec![
        Step::Map {
            items: vec![TaskSpec::Gated(0), TaskSpec::Gated(1)],
            chunksize: 1,
            buffersize: None,
            timeout: true,
        },
        Step::Open(0),
        Step::MapNext,
        Step::Open(1),
        Step::MapNext,
    ]
}

enum Probe {
    Pass,
    Fail(Box<Failure>),
    Inconclusive,
}

fn failure(
    steps: Vec<Step>,
    workers: usize,
    clause: &str,
    step: usize,
    expected: &str,
    observed: String,
) -> Failure {
    Failure {
        violation: Violation {
            clause: clause.to_string(),
            kind: crate::runner::Kind::Wrong,
            step: Some(step),
            expected: expected.to_string(),
            observed,
        },
        scenario: Scenario {
            workers,
            failing_initializer: false,
            steps,
        },
        group: "map".to_string(),
        trace: crate::runner::Trace {
            notes: vec![crate::runner::Note::Ran; step],
            teardown: Vec::new(),
            races: Vec::new(),
            checked: Default::default(),
        },
        replay: format!("probe:{clause}"),
    }
}

fn item(id: usize, spec: TaskSpec) -> Item {
    Item { id, spec }
}

/// One worker held by a gated task; `map` over two tasks with a short
/// timeout; `next()` times out; the queued tasks must never run.
fn timeout_cancels_the_rest<A: Adapter + 'static>(
    factory: &Factory<A>,
    timing: Timing,
    gates: Arc<Gates>,
) -> Probe {
    let log = Arc::new(Log::default());
    let steps = timeout_steps();
    let adapter = factory(Config {
        workers: 1,
        failing_initializer: false,
    });
    let blocker = adapter.submit(make_task(item(0, TaskSpec::Gated(0)), &gates, &log));
    let tasks: Vec<Task> = (1..=2)
        .map(|i| make_task(item(i, TaskSpec::Return), &gates, &log))
        .collect();
    let spec = MapSpec {
        chunksize: 1,
        buffersize: None,
        timeout: Some(timing.short.max(Duration::from_millis(20))),
    };
    let mut result = None;
    let mut premise = None;
    if let Ok(mut it) = adapter.map(tasks, spec) {
        let first = it.next();
        premise = one_worker_in_turn(&log.snapshot(), &steps);
        if first != Some(Outcome::Timeout) {
            result = Some(failure(
                steps.clone(),
                1,
                "MAP-TIMEOUT-1",
                3,
                "next(it) raises Timeout: the awaited task is queued behind a blocked worker",
                format!("{first:?}"),
            ));
        }
        drop(it);
    }
    gates.open_all();
    if let Ok(h) = blocker {
        let _ = adapter.result(&h, Some(timing.patience));
    }
    adapter.shutdown(true, false);
    drop(adapter);
    if result.is_none() {
        let started = log.snapshot().started;
        if started.iter().any(|&t| t != 0) {
            result = Some(failure(
                steps,
                1,
                "MAP-TIMEOUT-1",
                3,
                "after the timeout, the map's queued tasks are cancelled and never run",
                format!("tasks started: {started:?}"),
            ));
        }
    }
    // A failure whose premise (the blocker runs first, alone) did not hold
    // is the start-order or worker-bound failure that broke it.
    let result = result.map(|f| premise.unwrap_or(f));
    result.map_or(Probe::Pass, |f| Probe::Fail(Box::new(f)))
}

/// With one worker, the probe's blocker (task 0) must have started first and
/// run alone: if not, the failure that breaks it (POOL-MAX-1, EXE-SUBMIT-3).
fn one_worker_in_turn(log: &crate::probe::LogInner, steps: &[Step]) -> Option<Failure> {
    let (clause, expected) = if log.peak > 1 {
        (
            "POOL-MAX-1",
            "at most one task runs at once (max_workers=1)",
        )
    } else if log.started.first().is_some_and(|&t| t != 0) {
        ("EXE-SUBMIT-3", "task 0, submitted first, starts first")
    } else {
        return None;
    };
    let mut f = failure(
        steps.to_vec(),
        1,
        clause,
        3,
        expected,
        format!(
            "tasks started: {:?} (at most {} at once)",
            log.started, log.peak
        ),
    );
    f.replay = "probe:MAP-TIMEOUT-1".to_string();
    Some(f)
}

/// `map(timeout=T)` over two gated tasks on two workers. Gate A opens at
/// 0.5 T, gate B at 1.25 T. The first `next()` yields A's value; the second
/// must time out at T, the deadline fixed at the call, since B finishes
/// after it. An implementation measuring T from each `next()` waits until
/// about 1.5 T and yields B's value (B opens halfway between the two
/// deadlines: 0.25 T of margin on each side).
fn deadline_from_the_call<A: Adapter + 'static>(factory: &Factory<A>, gates: Arc<Gates>) -> Probe {
    let t = Duration::from_millis(800);
    let log = Arc::new(Log::default());
    let adapter = factory(Config {
        workers: 2,
        failing_initializer: false,
    });
    let tasks = vec![
        make_task(item(0, TaskSpec::Gated(0)), &gates, &log),
        make_task(item(1, TaskSpec::Gated(1)), &gates, &log),
    ];
    let steps = deadline_steps();
    let start = Instant::now();
    let opener = {
        let gates = gates.clone();
        std::thread::spawn(move || {
            // Real time is the subject of this clause.
            std::thread::sleep(t / 2);
            gates.open(0);
            std::thread::sleep(t * 3 / 4);
            gates.open(1);
        })
    };
    let spec = MapSpec {
        chunksize: 1,
        buffersize: None,
        timeout: Some(t),
    };
    let verdict = match adapter.map(tasks, spec) {
        Err(_) => Probe::Inconclusive,
        Ok(mut it) => {
            let first = it.next();
            let at_first = start.elapsed();
            if at_first > t * 3 / 4 || first != Some(Outcome::Value(crate::model::value_of(0))) {
                Probe::Inconclusive
            } else {
                let second = it.next();
                let at_second = start.elapsed();
                match second {
                    Some(Outcome::Timeout) => Probe::Pass,
                    // B opens only after T: its value means the wait outlived
                    // the deadline fixed at the call.
                    Some(Outcome::Value(_)) => Probe::Fail(Box::new(failure(
                        steps,
                        2,
                        "MAP-DEADLINE-1",
                        5,
                        "the second next(it) times out at the deadline fixed by the call",
                        format!(
                            "it waited {at_second:?} from the call and yielded the late task's value"
                        ),
                    ))),
                    _ => Probe::Inconclusive,
                }
            }
        }
    };
    let _ = opener.join();
    adapter.shutdown(true, false);
    verdict
}
