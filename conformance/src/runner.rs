//! Runs one scenario against an executor and compares every observation
//! with the model, stopping at the first violation.

use crate::adapter::{Adapter, Config, Feature, MapRun, MapSpec, Outcome};
use crate::model::{MapNext, Model, ThreadModel, TopUpRace};
use crate::probe::{Gates, Log, LogInner, make_task, quiet_kit_panics};
use crate::scenario::{Patience, Scenario, Step, ThreadOp};
use crate::table::SpecState;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Builds one executor per scenario.
pub type Factory<A> = Arc<dyn Fn(Config) -> A + Send + Sync>;

/// How long the kit waits for things.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// How long to wait for something that must happen (a task to start, a
    /// future to finish, a thread to return) before calling it a hang.
    pub patience: Duration,
    /// The "short" timeout of generated steps.
    pub short: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            patience: Duration::from_secs(2),
            short: Duration::from_millis(5),
        }
    }
}

/// How a violation was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The executor reported something the spec forbids (a wrong value,
    /// state, order or set). Decided as soon as it is seen.
    Wrong,
    /// Something that must happen had not happened when the patience ran
    /// out. The executor is stuck or merely slow: the kit confirms it with a
    /// longer patience before it calls it a failure.
    Stuck,
}

/// A clause the executor broke, where, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The spec clause ID.
    pub clause: String,
    /// Seen, or inferred from waiting.
    pub kind: Kind,
    /// The 1-based step during or after which it was seen (`None`:
    /// teardown; `Some(0)`: while the executor was being built, before
    /// step 1 — [`BUILDING`](crate::BUILDING)).
    pub step: Option<usize>,
    /// What the spec requires.
    pub expected: String,
    /// What the executor did.
    pub observed: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.step {
            Some(BUILDING) => write!(f, "{} violated while building the executor", self.clause)?,
            Some(n) => write!(f, "{} violated at step {n}", self.clause)?,
            None => write!(f, "{} violated at teardown", self.clause)?,
        }
        write!(
            f,
            "\n    expected: {}\n    observed: {}",
            self.expected, self.observed
        )
    }
}

fn violation(
    clause: impl Into<String>,
    step: Option<usize>,
    expected: impl fmt::Display,
    observed: impl fmt::Display,
) -> Violation {
    Violation {
        clause: clause.into(),
        kind: Kind::Wrong,
        step,
        expected: expected.to_string(),
        observed: observed.to_string(),
    }
}

/// What became of one step of a scenario in a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// It ran as written.
    Ran,
    /// It was not run, for this reason (a feature the executor lacks, an
    /// operand that does not exist, a call that would block the driver).
    Skipped(&'static str),
    /// It ran changed, as described.
    Altered(&'static str),
}

/// What a run did: a note per step reached, and the teardown actions taken.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// One note per step reached (fewer than the steps if the run stopped).
    pub notes: Vec<Note>,
    /// The teardown actions, in order (empty if the run stopped before).
    pub teardown: Vec<&'static str>,
    /// How each buffered map's top-up race came out (the model's `TopUpRace`): the
    /// step, and `started`, `cancelled` or `not started yet` (a top-up that
    /// finishes at once either way, left open). Either outcome is allowed,
    /// so two runs that differ only here agree.
    pub races: Vec<(usize, &'static str)>,
    /// The clauses some step or the teardown checked and found kept. A
    /// clause passes only if some run checked it: one that every run
    /// stopped short of is reported unchecked, not passed.
    pub checked: BTreeSet<String>,
}

/// Resolves the operand indices of each step against the futures submitted
/// before it, so that the printed scenario names real futures. Steps whose
/// operands cannot be resolved (no future yet) are kept and skipped at run.
pub fn resolve(scenario: &Scenario) -> Scenario {
    let mut submitted = 0usize;
    let r = |i: usize, n: usize| if n == 0 { i } else { i % n };
    let rl = |fs: &[usize], n: usize| fs.iter().map(|&i| r(i, n)).collect::<Vec<_>>();
    let steps = scenario
        .steps
        .iter()
        .map(|step| {
            let n = submitted;
            match step {
                Step::Submit(t) => {
                    submitted += 1;
                    Step::Submit(*t)
                }
                Step::Cancel(i) => Step::Cancel(r(*i, n)),
                Step::Result(i, p) => Step::Result(r(*i, n), *p),
                Step::Exception(i, p) => Step::Exception(r(*i, n), *p),
                Step::Callback(i, p) => Step::Callback(r(*i, n), *p),
                Step::Wait(fs, m, p) => Step::Wait(rl(fs, n), *m, *p),
                Step::AsCompleted(fs, p) => Step::AsCompleted(rl(fs, n), *p),
                Step::Spawn(ThreadOp::Result(i)) => Step::Spawn(ThreadOp::Result(r(*i, n))),
                Step::Spawn(ThreadOp::Wait(fs, m)) => Step::Spawn(ThreadOp::Wait(rl(fs, n), *m)),
                Step::Spawn(ThreadOp::AsCompleted(fs)) => {
                    Step::Spawn(ThreadOp::AsCompleted(rl(fs, n)))
                }
                other => other.clone(),
            }
        })
        .collect();
    Scenario {
        workers: scenario.workers,
        failing_initializer: scenario.failing_initializer,
        steps,
    }
}

/// What a helper thread saw.
#[derive(Debug)]
enum ThreadObs {
    Result(Outcome),
    Wait(Vec<usize>),
    AsCompleted(Vec<Result<usize, ()>>),
    Shutdown(Vec<usize>),
}

struct Helper {
    model: ThreadModel,
    /// The future index behind each handle position passed to the thread.
    futures: Vec<usize>,
    rx: Receiver<ThreadObs>,
}

/// The step number of a violation seen while the executor was being built
/// (the factory had not returned): before step 1, so no step of the
/// scenario had run.
pub const BUILDING: usize = 0;

/// Shared with the watchdog: what the runner is doing now.
#[derive(Debug, Default)]
pub struct Progress {
    /// The 1-based step being executed (`None` before the first, or in
    /// teardown; [`BUILDING`](crate::BUILDING) while the executor is being built).
    pub step: Option<usize>,
    /// The operation in progress and the clause a hang in it breaks.
    pub doing: String,
    /// That clause.
    pub clause: String,
    /// Counts every change of what the runner is doing (the watchdog's
    /// sign of life).
    pub beats: u64,
    /// The notes of the steps reached so far (the trace of a hung run).
    pub notes: Vec<Note>,
    /// The teardown actions taken so far.
    pub teardown: Vec<&'static str>,
    /// The clauses checked since the last step ended without a violation.
    pub checking: BTreeSet<String>,
    /// The executor is being built (the factory has not returned): slow
    /// for some executors (a cluster of worker processes starting), so the
    /// watchdog allows it [`BUILD_PATIENCE`] times its usual stall.
    pub building: bool,
}

/// How many times the usual stall the watchdog allows the building of an
/// executor.
pub const BUILD_PATIENCE: u32 = 10;

/// Where a run reports what it is doing, and what it may hurry past.
#[derive(Clone, Default)]
pub struct Watch {
    /// The scenario's gates (the watchdog opens them on a hang).
    pub gates: Arc<Gates>,
    /// What the runner is doing now (read by the watchdog).
    pub progress: Arc<Mutex<Progress>>,
    /// Clauses already known to fail for this executor: a wait whose
    /// timing out would only show one of them again is cut short (a quick
    /// look instead of the whole patience), and the run stops there.
    pub quick: Arc<BTreeSet<String>>,
}

/// How long a wait for a clause in [`Watch::quick`] lasts.
const QUICK: Duration = Duration::from_millis(50);

/// Runs `scenario` (already [`resolve`]d) on a fresh executor from `factory`.
///
/// The verdict and the trace are handed to `verdict` as soon as they are
/// known, before the executor is dropped (dropping a broken executor may
/// block), with every gate opened so that whatever can still finish does.
pub fn run<A: Adapter + 'static>(
    factory: &Factory<A>,
    scenario: &Scenario,
    timing: Timing,
    watch: Watch,
    verdict: impl FnOnce(Result<(), Violation>, Trace),
) {
    quiet_kit_panics();
    let building = |on: bool| {
        let mut p = watch.progress.lock().unwrap_or_else(|e| e.into_inner());
        p.doing = "building the executor: the factory".to_string();
        p.clause = "EXE-SUBMIT-1".to_string();
        p.step = on.then_some(BUILDING);
        p.building = on;
        p.beats += 1;
    };
    building(true);
    let adapter = Arc::new(factory(Config {
        workers: scenario.workers,
        failing_initializer: scenario.failing_initializer,
    }));
    building(false);
    let features: BTreeSet<Feature> = Feature::ALL
        .into_iter()
        .filter(|f| !adapter.unsupported().contains(f))
        .collect();
    let mut runner = Runner {
        adapter: adapter.clone(),
        features,
        model: Model::new(scenario.workers, scenario.failing_initializer),
        handles: Vec::new(),
        gates: watch.gates,
        log: Arc::new(Log::default()),
        timing,
        helpers: VecDeque::new(),
        progress: watch.progress,
        quick: watch.quick,
        step: None,
        last: None,
        trace: Trace::default(),
        forbidden_since: BTreeMap::new(),
        queued_at_step: Vec::new(),
    };
    let gates = runner.gates.clone();
    let mut map: Option<MapRun<'_>> = None;
    let mut result = Ok(());
    for (n, step) in scenario.steps.iter().enumerate() {
        runner.step = Some(n + 1);
        runner.last = Some(step.clone());
        let started_before = runner.log.snapshot().started.len();
        let stepped = runner.step_once(step, &mut map, &adapter);
        for (t, _) in runner.model.forbidden_tasks() {
            runner.forbidden_since.entry(t).or_insert(started_before);
        }
        result = stepped.and_then(|note| {
            runner.trace.notes.push(note.clone());
            let mut p = runner.progress.lock().unwrap_or_else(|e| e.into_inner());
            p.notes.push(note);
            drop(p);
            runner.settle_and_check()
        });
        if result.is_err() {
            break;
        }
        runner.step_checked();
    }
    if result.is_ok() {
        runner.step = None;
        result = runner.teardown(map.take());
        if result.is_ok() {
            runner.step_checked();
        }
    }
    let result = result.map_err(|v| runner.root_cause(v));
    gates.open_all();
    let trace = std::mem::take(&mut runner.trace);
    verdict(result, trace);
    // What is left of the map iterator, the runner and the executor drops here.
}

struct Runner<A: Adapter> {
    adapter: Arc<A>,
    features: BTreeSet<Feature>,
    model: Model,
    handles: Vec<Option<A::Handle>>,
    gates: Arc<Gates>,
    log: Arc<Log>,
    timing: Timing,
    helpers: VecDeque<Helper>,
    progress: Arc<Mutex<Progress>>,
    quick: Arc<BTreeSet<String>>,
    step: Option<usize>,
    last: Option<Step>,
    trace: Trace,
    /// For each cancelled task: how many tasks had started when the step
    /// that cancelled it began.
    forbidden_since: BTreeMap<usize, usize>,
    /// The model's queue (job indices) when the current settle began.
    queued_at_step: Vec<usize>,
}

impl<A: Adapter + 'static> Runner<A> {
    fn doing(&self, what: impl fmt::Display, clause: &str) {
        let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        p.step = self.step;
        p.doing = what.to_string();
        p.clause = clause.to_string();
        p.checking.insert(clause.to_string());
        p.beats += 1;
    }

    /// Notes that the step checks `clauses` (besides the one [`doing`] names).
    ///
    /// [`doing`]: Runner::doing
    fn checks<'c>(&self, clauses: impl IntoIterator<Item = &'c str>) {
        let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        p.checking.extend(clauses.into_iter().map(str::to_string));
    }

    /// The step (or the teardown) ended without a violation: the clauses it
    /// checked were kept ([`Trace::checked`]).
    fn step_checked(&mut self) {
        let checking = {
            let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::take(&mut p.checking)
        };
        self.trace.checked.extend(checking);
    }

    /// Records a teardown action (also where the watchdog can see it).
    fn teardown_action(&mut self, action: &'static str) {
        self.trace.teardown.push(action);
        let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        p.teardown.push(action);
    }

    /// How long to wait for something whose absence would break `clause`.
    fn patience_for(&self, clause: &str) -> Duration {
        if self.quick.contains(clause) {
            QUICK.min(self.timing.patience)
        } else {
            self.timing.patience
        }
    }

    /// A violation inferred from waiting `waited` for what did not happen.
    fn stuck(
        &self,
        clause: &str,
        expected: impl fmt::Display,
        observed: impl fmt::Display,
    ) -> Violation {
        Violation {
            kind: Kind::Stuck,
            ..violation(clause, self.step, expected, observed)
        }
    }

    fn fail(
        &self,
        clause: &str,
        expected: impl fmt::Display,
        observed: impl fmt::Display,
    ) -> Violation {
        violation(clause, self.step, expected, observed)
    }

    fn handle(&self, f: usize) -> Option<&A::Handle> {
        self.handles.get(f).and_then(Option::as_ref)
    }

    fn patience_of(&self, p: Patience) -> Option<Duration> {
        match p {
            Patience::Forever => None,
            Patience::Zero => Some(Duration::ZERO),
            Patience::Short => Some(self.timing.short),
        }
    }

    fn step_once<'a>(
        &mut self,
        step: &Step,
        map: &mut Option<MapRun<'a>>,
        adapter: &'a Arc<A>,
    ) -> Result<Note, Violation> {
        self.doing(step, "EXE-SUBMIT-1");
        match step {
            Step::Submit(spec) => {
                let item = self.model.new_task(*spec);
                if self.shutdown_in_progress()? {
                    // Whether the helper's call has set the executor's
                    // shut-down state yet is not observable: not run.
                    self.model.futures.push(None);
                    self.handles.push(None);
                    return Ok(Note::Skipped(SHUTTING_DOWN));
                }
                let expected = self.model.submit(item);
                let task = make_task(item, &self.gates, &self.log);
                let got = self.adapter.submit(task);
                let f = self.handles.len();
                match (expected, got) {
                    (Ok(()), Ok(h)) => self.handles.push(Some(h)),
                    (Err((_, clause)), Err(_)) => {
                        self.checks([clause]);
                        if clause == "EXE-SUBMIT-2" {
                            self.checks(["POOL-BROKEN-2"]);
                        }
                        self.handles.push(None);
                    }
                    (Ok(()), Err(r)) => {
                        return Err(self.fail("EXE-SUBMIT-1", format!("f{f} accepted"), r));
                    }
                    (Err((why, clause)), Ok(_)) => {
                        return Err(self.fail(clause, format!("rejected ({why})"), "accepted"));
                    }
                }
            }
            Step::Cancel(f) => {
                if !self.features.contains(&Feature::Cancel) {
                    return Ok(Note::Skipped(NO_CANCEL));
                }
                let Some(h) = self.handle(*f).cloned() else {
                    return Ok(Note::Skipped(NO_FUTURE));
                };
                let state = self.model.state(*f).expect("handle has a job");
                let clause = self.model.table().row(state, "cancel").clause.clone();
                self.doing(step, &clause);
                let expected = self.model.cancel(*f, "EXE-CANCEL-1").expect("job");
                let got = self.adapter.cancel(&h);
                if got != expected {
                    return Err(self.fail(
                        &clause,
                        format!("f{f}.cancel() returns {expected} in state {}", state.name()),
                        format!("returned {got}"),
                    ));
                }
            }
            Step::Open(g) => {
                self.model.open(*g);
                self.gates.open(*g);
            }
            Step::Result(f, p) | Step::Exception(f, p) => {
                let exception = matches!(step, Step::Exception(..));
                if *p != Patience::Forever && !self.features.contains(&Feature::Timeouts) {
                    return Ok(Note::Skipped(NO_TIMEOUTS));
                }
                let Some(h) = self.handle(*f).cloned() else {
                    return Ok(Note::Skipped(NO_FUTURE));
                };
                let Some((expected, clause)) =
                    self.model.result(*f, *p == Patience::Forever, exception)
                else {
                    return Ok(Note::Skipped(WOULD_BLOCK));
                };
                let clause = if expected == Outcome::Timeout && *p == Patience::Short {
                    "FUT-TIMEOUT-3".to_string()
                } else {
                    clause
                };
                self.doing(step, &clause);
                let timeout = self.patience_of(*p);
                let got = if exception {
                    self.adapter.exception(&h, timeout)
                } else {
                    self.adapter.result(&h, timeout)
                };
                if got != expected {
                    return Err(self.fail(&clause, &expected, &got));
                }
            }
            Step::Callback(f, panics) => {
                if !self.features.contains(&Feature::Callbacks) {
                    return Ok(Note::Skipped(NO_CALLBACKS));
                }
                let Some(h) = self.handle(*f).cloned() else {
                    return Ok(Note::Skipped(NO_FUTURE));
                };
                let (label, now) = self.model.add_callback(*f, *panics).expect("job");
                let clause = if now { "CB-ADD-2" } else { "CB-ADD-1" };
                // A panicking callback called at once: what the call must
                // survive is CB-PANIC-2's (a panic escaping the adapter is
                // filed there, not under CB-ADD-2).
                if now && *panics {
                    self.doing(step, "CB-PANIC-2");
                    self.checks([clause]);
                } else {
                    self.doing(step, clause);
                }
                let (log, f_, panics_) = (self.log.clone(), *f, *panics);
                self.adapter.add_done_callback(
                    &h,
                    Arc::new(move || {
                        log.callback(f_, label);
                        if panics_ {
                            panic!("{} callback {label} panicked", crate::model::MARK);
                        }
                    }),
                );
                let ran = self.log.snapshot().callbacks.contains(&(*f, label));
                // Still being delivered: it may wait its turn (checked at settle).
                let may_wait = now && !ran && self.model.may_be_delivering(*f);
                if ran != now && !may_wait {
                    let (e, o) = if now {
                        (
                            "the callback runs before add_done_callback returns",
                            "it did not",
                        )
                    } else {
                        (
                            "the callback is stored until the future is done",
                            "it ran at once",
                        )
                    };
                    return Err(self.fail(clause, e, o));
                }
            }
            Step::Wait(fs, mode, p) => {
                if !self.features.contains(&Feature::Wait)
                    || (*p != Patience::Forever && !self.features.contains(&Feature::Timeouts))
                {
                    return Ok(Note::Skipped(lacks(&self.features, Feature::Wait)));
                }
                let (hs, idx) = self.handles_of(fs);
                if idx.len() != fs.len() {
                    return Ok(Note::Skipped(NO_FUTURE));
                }
                let Some(expected) = self.model.wait(&idx, *mode, *p == Patience::Forever) else {
                    return Ok(Note::Skipped(WOULD_BLOCK));
                };
                let clause = wait_clause(*mode, *p, idx.is_empty());
                self.doing(step, clause);
                self.checks(["WAIT-PARTITION-1"]);
                if idx.iter().collect::<BTreeSet<_>>().len() < idx.len() {
                    self.checks(["WAIT-DEDUP-1"]);
                }
                if *mode == crate::Mode::FirstException
                    && !idx.iter().any(|&f| self.model.raised(f))
                {
                    self.checks(["WAIT-FIRSTEXCEPTION-2"]);
                }
                if idx
                    .iter()
                    .any(|&f| self.model.state(f) == Some(SpecState::Cancelled))
                {
                    self.checks(["WAIT-CANCELLED-1"]);
                }
                let got: BTreeSet<usize> = self
                    .adapter
                    .wait(&hs, self.patience_of(*p), *mode)
                    .into_iter()
                    .filter_map(|i| idx.get(i).copied())
                    .collect();
                if got != expected {
                    let clause = if got.iter().any(|f| !self.model.done_for_waiters(*f)) {
                        if got
                            .iter()
                            .any(|&f| self.model.state(f) == Some(SpecState::Cancelled))
                        {
                            "WAIT-CANCELLED-1"
                        } else {
                            "WAIT-PARTITION-1"
                        }
                    } else {
                        clause
                    };
                    return Err(self.fail(clause, fmt_set(&expected), fmt_set(&got)));
                }
            }
            Step::AsCompleted(fs, p) => {
                if !self.features.contains(&Feature::AsCompleted)
                    || (*p != Patience::Forever && !self.features.contains(&Feature::Timeouts))
                {
                    return Ok(Note::Skipped(lacks(&self.features, Feature::AsCompleted)));
                }
                let (hs, idx) = self.handles_of(fs);
                if idx.len() != fs.len() {
                    return Ok(Note::Skipped(NO_FUTURE));
                }
                let Some((order, times_out)) =
                    self.model.as_completed(&idx, *p == Patience::Forever)
                else {
                    return Ok(Note::Skipped(WOULD_BLOCK));
                };
                self.doing(step, "ASC-ORDER-1");
                self.checks(["ASC-DONEFIRST-1"]);
                if idx.iter().collect::<BTreeSet<_>>().len() < idx.len() {
                    self.checks(["ASC-ONCE-1"]);
                }
                if idx.is_empty() {
                    self.checks(["ASC-EMPTY-1"]);
                } else if times_out {
                    self.checks(["ASC-TIMEOUT-1"]);
                }
                if idx.iter().any(|&f| {
                    matches!(
                        self.model.state(f),
                        Some(SpecState::Cancelled | SpecState::CancelledAndNotified)
                    )
                }) {
                    self.checks(["ASC-CANCELLED-1"]);
                }
                let mut got = Vec::new();
                let mut timed_out = false;
                for r in self.adapter.as_completed(&hs, self.patience_of(*p)) {
                    match r {
                        Ok(i) => got.push(idx.get(i).copied().unwrap_or(usize::MAX)),
                        Err(()) => {
                            timed_out = true;
                            break;
                        }
                    }
                    if got.len() > idx.len() {
                        break;
                    }
                }
                // Without input order, the done futures may come in any order.
                let unordered = !self.features.contains(&Feature::AsCompletedInputOrder);
                let same_order = if unordered && got.len() == order.len() {
                    let mut sorted = got.clone();
                    sorted.sort_unstable();
                    let mut want = order.clone();
                    want.sort_unstable();
                    sorted == want
                } else {
                    got == order
                };
                if !same_order || timed_out != times_out {
                    let distinct: BTreeSet<usize> = got.iter().copied().collect();
                    let clause = if distinct.len() != got.len() {
                        "ASC-ONCE-1"
                    } else if timed_out != times_out {
                        if idx.is_empty() {
                            "ASC-EMPTY-1"
                        } else {
                            "ASC-TIMEOUT-1"
                        }
                    } else {
                        "ASC-DONEFIRST-1"
                    };
                    let show = |o: &[usize], t: bool| {
                        format!("{}{}", fmt_seq(o), if t { " then Timeout" } else { "" })
                    };
                    return Err(self.fail(clause, show(&order, times_out), show(&got, timed_out)));
                }
            }
            Step::Map {
                items,
                chunksize,
                buffersize,
                timeout,
            } => {
                // Task ids are taken even by a skipped map, so that printed
                // scenarios can number tasks statically.
                let items: Vec<_> = items.iter().map(|t| self.model.new_task(*t)).collect();
                if !self.features.contains(&Feature::Map) {
                    return Ok(Note::Skipped(NO_MAP));
                }
                if buffersize.is_some() && !self.features.contains(&Feature::MapBuffersize) {
                    return Ok(Note::Skipped(NO_BUFFERSIZE));
                }
                if self.model.has_map() {
                    return Ok(Note::Skipped(MAP_RUNNING));
                }
                if self.shutdown_in_progress()? {
                    return Ok(Note::Skipped(SHUTTING_DOWN));
                }
                if !items.is_empty() && self.model.breaks_later() {
                    // Whether the pool breaks before, during or after the
                    // call's submissions is the worker's timing, and the
                    // next step could not wait for it: not run.
                    return Ok(Note::Skipped(BREAKS_LATER));
                }
                let tasks = items
                    .iter()
                    .map(|&i| make_task(i, &self.gates, &self.log))
                    .collect();
                // Without chunking, every item is its own task.
                let unchunked = *chunksize > 1 && !self.features.contains(&Feature::MapChunksize);
                let chunksize = if unchunked { 1 } else { *chunksize };
                let expected = self.model.map_call(items, chunksize, *buffersize);
                self.doing(step, "MAP-EAGER-1");
                if buffersize.is_some() {
                    self.checks(["MAP-BUFFER-1"]);
                }
                if chunksize > 1 {
                    self.checks(["MAP-CHUNK-1"]);
                }
                // The map's deadline clauses are checked by fixed probes
                // (timing_probes.rs), never by generated steps.
                let note = if *timeout {
                    Note::Altered(MAP_NO_TIMEOUT)
                } else if unchunked {
                    Note::Altered(NO_CHUNKSIZE)
                } else {
                    Note::Ran
                };
                let got = adapter.map(
                    tasks,
                    MapSpec {
                        chunksize,
                        buffersize: *buffersize,
                        timeout: None,
                    },
                );
                match (expected, got) {
                    (Ok(()), Ok(it)) => *map = Some(it),
                    (Err(_), Err(_)) => {}
                    (Ok(()), Err(r)) => return Err(self.fail("MAP-EAGER-1", "map() accepted", r)),
                    (Err((why, clause)), Ok(_)) => {
                        return Err(self.fail(
                            clause,
                            format!("map() rejected ({why})"),
                            "accepted",
                        ));
                    }
                }
                return Ok(note);
            }
            Step::MapNext => {
                let Some(it) = map.as_mut() else {
                    return Ok(Note::Skipped(NO_ITERATOR));
                };
                let buffered = self.model.map_is_buffered();
                if self.model.map_refills() && self.shutdown_in_progress()? {
                    // Whether the helper's shutdown has set the executor's
                    // shut-down state yet decides whether this next()'s
                    // submit is refused (MAP-BUFFER-3): not observable.
                    return Ok(Note::Skipped(SHUTTING_DOWN));
                }
                let MapNext::Yields(expected, clause) = self.model.map_next() else {
                    return Ok(Note::Skipped(WOULD_BLOCK));
                };
                self.doing(step, clause);
                if buffered {
                    self.checks(["MAP-BUFFER-2"]);
                }
                let got = it.next();
                // A map item's failure is its exception, whichever way the
                // executor reports it (a Rust map's function can only panic).
                let same = match (&got, &expected) {
                    (Some(Outcome::Raised(_, a)), Some(Outcome::Raised(_, b))) => a == b,
                    _ => got == expected,
                };
                if !same {
                    let show = |o: &Option<Outcome>| match o {
                        Some(o) => o.to_string(),
                        None => "the end of the iteration".to_string(),
                    };
                    return Err(self.fail(clause, show(&expected), show(&got)));
                }
            }
            Step::MapDrop => {
                if map.is_none() {
                    return Ok(Note::Skipped(NO_ITERATOR));
                }
                let clause = self.model.map_drop();
                self.doing(step, clause);
                *map = None;
            }
            Step::Shutdown {
                wait,
                cancel_futures: asked,
            } => {
                if self.shutdown_in_progress()? {
                    // Two shutdown calls racing: which one an executor
                    // serves first is up to the scheduler.
                    return Ok(Note::Skipped(SHUTTING_DOWN));
                }
                let cancel_futures = *asked && self.features.contains(&Feature::CancelFutures);
                if self.model.shutdown {
                    self.checks(["SHUT-IDEMPOTENT-1"]);
                }
                let queued = !self.model.queued().is_empty();
                let running = self
                    .model
                    .jobs
                    .iter()
                    .any(|j| j.state == SpecState::Running);
                if cancel_futures && running {
                    self.checks(["SHUT-CANCEL-2"]);
                } else if !cancel_futures && queued {
                    self.checks(["SHUT-CANCEL-3"]);
                }
                self.model.shutdown(cancel_futures);
                if *wait {
                    self.doing(step, "SHUT-WAIT-1");
                    self.spawn_shutdown(cancel_futures);
                } else {
                    self.doing(step, "SHUT-NOWAIT-1");
                    self.adapter.shutdown(false, cancel_futures);
                }
                if *asked && !cancel_futures {
                    return Ok(Note::Altered(NO_CANCEL_FUTURES));
                }
            }
            Step::Spawn(op) => return Ok(self.spawn(op)),
            Step::Join => {
                if self.helpers.is_empty() {
                    return Ok(Note::Skipped(NO_THREAD));
                }
                if !self.model.oldest_can_return() {
                    return Ok(Note::Skipped(STILL_BLOCKED));
                }
                self.join_oldest()?;
            }
        }
        Ok(Note::Ran)
    }

    /// Whether a helper's `shutdown(wait=True)` may still be running. If the
    /// model says every such call can have returned, they are joined first
    /// (so that the executor is surely shut down for what follows).
    fn shutdown_in_progress(&mut self) -> Result<bool, Violation> {
        while let Some(i) = self.helpers.iter().position(|h| h.model.is_shutdown) {
            if !self.model.can_return(&self.helpers[i].model) {
                return Ok(true);
            }
            self.join_at(i)?;
        }
        Ok(false)
    }

    /// The handles behind future indices `fs`, and the indices that have one.
    fn handles_of(&self, fs: &[usize]) -> (Vec<A::Handle>, Vec<usize>) {
        let mut hs = Vec::new();
        let mut idx = Vec::new();
        for &f in fs {
            if let Some(h) = self.handle(f) {
                hs.push(h.clone());
                idx.push(f);
            }
        }
        (hs, idx)
    }

    fn spawn(&mut self, op: &ThreadOp) -> Note {
        let fs = match op {
            ThreadOp::Result(f) => vec![*f],
            ThreadOp::Wait(fs, _) | ThreadOp::AsCompleted(fs) => fs.clone(),
        };
        let (hs, idx) = self.handles_of(&fs);
        let needs = match op {
            ThreadOp::Result(_) => None,
            ThreadOp::Wait(..) => Some(Feature::Wait),
            ThreadOp::AsCompleted(_) => Some(Feature::AsCompleted),
        };
        if let Some(f) = needs.filter(|f| !self.features.contains(f)) {
            return Note::Skipped(lacks(&self.features, f));
        }
        if idx.len() != fs.len() {
            return Note::Skipped(NO_FUTURE);
        }
        let resolved = match op {
            ThreadOp::Result(_) => ThreadOp::Result(idx[0]),
            ThreadOp::Wait(_, m) => ThreadOp::Wait(idx.clone(), *m),
            ThreadOp::AsCompleted(_) => ThreadOp::AsCompleted(idx.clone()),
        };
        self.model.spawn(resolved, false);
        let (tx, rx) = mpsc::channel();
        let adapter = self.adapter.clone();
        let op = op.clone();
        std::thread::spawn(move || {
            let obs = match op {
                ThreadOp::Result(_) => ThreadObs::Result(adapter.result(&hs[0], None)),
                ThreadOp::Wait(_, m) => ThreadObs::Wait(adapter.wait(&hs, None, m)),
                ThreadOp::AsCompleted(_) => ThreadObs::AsCompleted(
                    adapter.as_completed(&hs, None).take(hs.len() + 1).collect(),
                ),
            };
            let _ = tx.send(obs);
        });
        let model = self.model.threads.back().expect("just spawned").clone();
        self.helpers.push_back(Helper {
            model,
            futures: idx,
            rx,
        });
        Note::Ran
    }

    /// A helper thread calls `shutdown(wait=True, cancel_futures)` and then
    /// reports which futures were not done when it returned.
    fn spawn_shutdown(&mut self, cancel_futures: bool) {
        let (hs, idx) = self.handles_of(&(0..self.handles.len()).collect::<Vec<_>>());
        self.model.spawn(ThreadOp::Result(usize::MAX), true);
        let (tx, rx) = mpsc::channel();
        let adapter = self.adapter.clone();
        std::thread::spawn(move || {
            adapter.shutdown(true, cancel_futures);
            let not_done = (0..hs.len()).filter(|&i| !adapter.done(&hs[i])).collect();
            let _ = tx.send(ThreadObs::Shutdown(not_done));
        });
        let model = self.model.threads.back().expect("just spawned").clone();
        self.helpers.push_back(Helper {
            model,
            futures: idx,
            rx,
        });
    }

    fn join_oldest(&mut self) -> Result<(), Violation> {
        self.join_at(0)
    }

    /// Joins helper `i` (it must be able to return) and checks what it saw.
    fn join_at(&mut self, i: usize) -> Result<(), Violation> {
        let helper = self.helpers.remove(i).expect("a helper");
        self.model.threads.remove(i);
        let t = &helper.model;
        let hang_clause = match &t.op {
            _ if t.is_shutdown => "SHUT-WAIT-1",
            ThreadOp::Result(_) => "FUT-TIMEOUT-1",
            ThreadOp::Wait(_, m) => wait_clause(*m, Patience::Forever, false),
            ThreadOp::AsCompleted(_) => "ASC-NOTIMEOUT-1",
        };
        let what = if t.is_shutdown {
            "a thread's shutdown(wait=True)".to_string()
        } else {
            format!("a thread's {}", t.op)
        };
        self.doing(format!("joining {what}"), hang_clause);
        let patience = self.patience_for(hang_clause);
        let Ok(obs) = helper.rx.recv_timeout(patience) else {
            return Err(self.stuck(
                hang_clause,
                format!("{what} returns: everything it waits for is done"),
                format!("still blocked after {patience:?}"),
            ));
        };
        let done_now = self.model.done_set();
        match (&t.op, obs) {
            (_, ThreadObs::Shutdown(not_done)) => {
                if let Some(&i) = not_done.first() {
                    let f = helper.futures[i];
                    return Err(self.fail(
                        "SHUT-WAIT-1",
                        "shutdown(wait=True) returns after every accepted task is done",
                        format!("it returned while f{f} was not done"),
                    ));
                }
            }
            (ThreadOp::Result(f), ThreadObs::Result(got)) => {
                let (expected, clause) = self.model.result(*f, false, false).expect("done");
                if got != expected {
                    return Err(self.fail(
                        &clause,
                        format!("a thread's f{f}.result() gives {expected}"),
                        got,
                    ));
                }
            }
            (ThreadOp::Wait(fs, mode), ThreadObs::Wait(got)) => {
                let got: BTreeSet<usize> = got.into_iter().map(|i| helper.futures[i]).collect();
                let must: BTreeSet<usize> = fs
                    .iter()
                    .copied()
                    .filter(|f| t.done_at_spawn.contains(f))
                    .collect();
                let may: BTreeSet<usize> = fs
                    .iter()
                    .copied()
                    .filter(|f| done_now.contains(f))
                    .collect();
                let clause = wait_clause(*mode, Patience::Forever, fs.is_empty());
                if !got.is_subset(&may) {
                    return Err(self.fail(
                        "WAIT-PARTITION-1",
                        format!("done ⊆ {} (the futures done by the join)", fmt_set(&may)),
                        fmt_set(&got),
                    ));
                }
                if !must.is_subset(&got) || !self.model.wait_satisfied(fs, &got, *mode) {
                    return Err(self.fail(
                        clause,
                        format!(
                            "done ⊇ {} (done before the call) and satisfying {mode:?}",
                            fmt_set(&must)
                        ),
                        fmt_set(&got),
                    ));
                }
            }
            (ThreadOp::AsCompleted(fs), ThreadObs::AsCompleted(got)) => {
                let got: Vec<usize> = match got.into_iter().collect::<Result<Vec<_>, ()>>() {
                    Ok(v) => v.into_iter().map(|i| helper.futures[i]).collect(),
                    Err(()) => {
                        return Err(self.fail(
                            "ASC-NOTIMEOUT-1",
                            "no timeout error",
                            "a timeout error",
                        ));
                    }
                };
                if let Err((clause, why)) = self.check_as_completed(fs, t, &got) {
                    return Err(self.fail(clause, why, fmt_seq(&got)));
                }
            }
            (op, obs) => unreachable!("thread op {op:?} gave {obs:?}"),
        }
        Ok(())
    }

    /// A thread's `as_completed` sequence: each distinct future once; the
    /// snapshot taken at its first `next()` comes first in input order, the
    /// rest in completion order (ASC-ONCE-1, ASC-DONEFIRST-1, ASC-ORDER-1).
    fn check_as_completed(
        &self,
        fs: &[usize],
        t: &ThreadModel,
        got: &[usize],
    ) -> Result<(), (&'static str, String)> {
        let mut seen = BTreeSet::new();
        let distinct: Vec<usize> = fs.iter().copied().filter(|f| seen.insert(*f)).collect();
        let got_set: BTreeSet<usize> = got.iter().copied().collect();
        if got_set.len() != got.len() || got.len() != distinct.len() || got_set != seen {
            return Err((
                "ASC-ONCE-1",
                format!("each of {} exactly once", fmt_seq(&distinct)),
            ));
        }
        let pos = |f: usize| distinct.iter().position(|&g| g == f).unwrap_or(usize::MAX);
        let epoch = |f: usize| {
            self.model
                .job_of(f)
                .and_then(|j| j.done_epoch)
                .unwrap_or(usize::MAX)
                .max(t.spawn_epoch)
        };
        let fits = |ordered_snapshot: bool| {
            (0..=got.len()).any(|split| {
                let (snap, rest) = got.split_at(split);
                let in_order = !ordered_snapshot || snap.windows(2).all(|w| pos(w[0]) < pos(w[1]));
                let has_spawned_done = t
                    .done_at_spawn
                    .iter()
                    .filter(|f| seen.contains(f))
                    .all(|f| snap.contains(f));
                let before = snap.iter().map(|&f| epoch(f)).max().unwrap_or(0);
                let rest_sorted = rest.windows(2).all(|w| epoch(w[0]) <= epoch(w[1]));
                let after = rest.iter().map(|&f| epoch(f)).min().unwrap_or(usize::MAX);
                in_order && has_spawned_done && rest_sorted && before <= after
            })
        };
        let input_order = self.features.contains(&Feature::AsCompletedInputOrder);
        if fits(input_order) {
            Ok(())
        } else if fits(false) {
            // Only the already-done futures' order is wrong.
            Err((
                "ASC-DONEFIRST-1",
                "the futures done at the first next() in input order".to_string(),
            ))
        } else {
            Err((
                "ASC-ORDER-1",
                "the futures done at the first next() in input order, then the rest in completion order"
                    .to_string(),
            ))
        }
    }

    /// Waits for the executor to reach the model's quiescent state and
    /// compares everything observable.
    fn settle_and_check(&mut self) -> Result<(), Violation> {
        if let Some(race) = self.model.race.take() {
            self.resolve_race(race);
        }
        self.queued_at_step = self.model.queued();
        self.model.settle();
        // 1. The tasks the model started have started, and no others (first:
        // a task started out of turn is the cause of whatever else differs).
        let expected_started = self.model.started.clone();
        let missing_clause = if self.model.any_failure() {
            "EXE-RESILIENT-1"
        } else {
            "POOL-REUSE-2"
        };
        self.doing("waiting for tasks to start", missing_clause);
        // Known out-of-turn starts: a quick look first (a later task started
        // instead of an earlier one shows at once), the whole patience only
        // if that does not explain a missing start.
        // A started top-up whose race is still open (`Job::may_run`) is not
        // counted: its start stands in for none of the expected ones.
        let open_races: BTreeSet<usize> = self
            .model
            .jobs
            .iter()
            .filter(|j| j.may_run)
            .flat_map(|j| j.items.iter().map(|i| i.id))
            .collect();
        let enough = |l: &LogInner| {
            let counted = l.started.iter().filter(|t| !open_races.contains(t));
            counted.count() >= expected_started.len()
        };
        let (mut log, mut ready) = (self.log.snapshot(), false);
        if self.quick.contains("EXE-SUBMIT-3") {
            (log, ready) = self.log.wait_for(QUICK, enough);
            if !ready && self.out_of_turn(&expected_started, &log).is_some() {
                return Err(self.stuck("EXE-SUBMIT-3", "tasks start in turn", "out of turn"));
            }
        }
        let patience = self.patience_for(missing_clause);
        if !ready {
            log = self.log.wait_for(patience, enough).0;
        }
        // A future the executor reports running has started, although its
        // call may not have logged so yet (a thread just given the task):
        // wait for that, so that an extra start is judged at the step that
        // made it. An executor declared to report queued work as running
        // (FUT-PRED-2 known: a process pool's call queue) gets a quick look.
        // The log is read again even when nothing is claimed: a task claimed
        // after the read above may have finished by now (no longer running),
        // but its start is in the log.
        let claimed = self.claimed_tasks();
        log = if claimed.iter().any(|t| !log.started.contains(t)) {
            let wait = self.patience_for("FUT-PRED-2");
            self.log
                .wait_for(wait, |l| claimed.iter().all(|t| l.started.contains(t)))
                .0
        } else {
            self.log.snapshot()
        };
        let started: BTreeSet<usize> = log.started.iter().copied().collect();
        if started.len() != log.started.len() {
            return Err(self.fail(
                "EXE-SUBMIT-1",
                "each task runs at most once",
                format!("tasks started: {}", fmt_seq(&log.started)),
            ));
        }
        if let Some(v) = self.extra_start(&self.model, &log, false) {
            return Err(v);
        }
        if let Some(missing) = expected_started.difference(&started).next() {
            // Its map iterator was dropped unadvanced: if nothing else
            // explains the missing start (a later task holding the worker
            // it would take), the drop is what kept it from starting,
            // whatever failed before.
            let free = log.started.len().saturating_sub(log.finished.len()) < self.model.workers;
            let out_of_turn = self.out_of_turn(&expected_started, &log);
            if self.model.kept_by_drop(*missing) && (free || out_of_turn.is_none()) {
                return Err(self.stuck(
                    "MAP-DROP-2",
                    format!(
                        "task {missing} starts: its map iterator was dropped before the first next(), which cancels nothing"
                    ),
                    format!("started tasks {} after {patience:?}", fmt_tasks(&started)),
                ));
            }
            if let Some((missing, later)) = out_of_turn {
                return Err(self.stuck(
                    "EXE-SUBMIT-3",
                    format!("task {missing} starts before task {later}, submitted after it"),
                    format!("started tasks {} after {patience:?}", fmt_tasks(&started)),
                ));
            }
            return Err(self.stuck(
                missing_clause,
                format!("task {missing} starts: a worker is free for it"),
                format!("started tasks {} after {patience:?}", fmt_tasks(&started)),
            ));
        }
        // What the start checks just kept: the order whenever more than one
        // task was given out, the bound whenever work waits for a worker,
        // the cancellations of every cancelled task.
        if self.model.jobs.len() > 1 {
            self.checks(["EXE-SUBMIT-3"]);
        }
        if !self.model.queued().is_empty() {
            self.checks(["POOL-MAX-1"]);
        }
        let whys: BTreeSet<&'static str> = self
            .model
            .forbidden_tasks()
            .into_iter()
            .map(|(_, why)| why)
            .collect();
        self.checks(whys);
        // 2. Futures the model says are done finish, with the right outcome.
        for f in self.model.future_indices().collect::<Vec<_>>() {
            let h = self.handle(f).expect("accepted").clone();
            let job = self.model.job_of(f).expect("accepted");
            let state = job.state;
            if !state.reports_done() {
                continue;
            }
            let (expected, clause) = self.model.result(f, false, false).expect("done");
            let hang_clause = if job
                .failure
                .as_ref()
                .is_some_and(|(k, _)| *k == crate::Raised::Panic)
            {
                "EXE-PANIC-1".to_string()
            } else if job.broken {
                "POOL-BROKEN-1".to_string()
            } else if let Some(why) = job.cancelled_by {
                // A future cancelled by cancel() is done at once (FUT-CANCEL-1).
                if why == "EXE-CANCEL-1" {
                    "FUT-CANCEL-1"
                } else {
                    why
                }
                .to_string()
            } else {
                clause.clone()
            };
            self.doing(format!("waiting for f{f} to finish"), &hang_clause);
            let patience = self.patience_for(&hang_clause);
            let got = self.adapter.result(&h, Some(patience));
            if got == Outcome::Timeout {
                return Err(self.stuck(
                    &hang_clause,
                    format!("f{f} is done ({})", state.name()),
                    format!("not done after {patience:?}"),
                ));
            }
            if got != expected {
                return Err(self.fail(&clause, format!("f{f}.result() gives {expected}"), got));
            }
            self.checks([clause.as_str()]);
            if matches!(&expected, Outcome::Raised(crate::Raised::Error, _)) {
                self.checks(["EXE-FALLIBLE-1"]);
            }
        }
        // 3. Callbacks: each due one ran, once, in registration order.
        if self.features.contains(&Feature::Callbacks) {
            self.check_callbacks()?;
        }
        // 4. State predicates and acknowledgement of cancellation.
        self.check_states()?;
        Ok(())
    }

    /// Picks the outcome of a buffered map's top-up race by what the task
    /// log shows. Seen started: the model in which the worker won. Not seen,
    /// and the top-up would still be running (a closed gate): the start is
    /// awaited for the patience, and if it does not come the top-up was
    /// cancelled unstarted (a start after that is timing, confirmed with a
    /// longer patience). Not seen, and the top-up would have finished at
    /// once: both outcomes look the same from here on except for the log,
    /// so the race stays open and its start stays allowed.
    fn resolve_race(&mut self, race: TopUpRace) {
        let first = self.model.jobs[race.job].items[0].id;
        let mut won = (*race.started).clone();
        won.settle();
        let still_running = !won.jobs[race.job].state.reports_done();
        self.doing(
            "waiting for the top-up's start, if it won the race",
            "MAP-BUFFER-2",
        );
        let patience = if still_running {
            self.patience_for("MAP-BUFFER-2")
        } else {
            Duration::ZERO
        };
        let (log, seen) = self.log.wait_for(patience, |l| l.started.contains(&first));
        let step = self.step.unwrap_or(0);
        let outcome = if seen {
            self.model = *race.started;
            "started"
        } else if still_running {
            let job = &mut self.model.jobs[race.job];
            job.may_run = false;
            job.cancelled_by_patience = true;
            for item in &job.items {
                self.forbidden_since.insert(item.id, log.started.len());
            }
            "cancelled"
        } else {
            "not started yet"
        };
        self.trace.races.push((step, outcome));
    }

    /// An expected task that has not started while one submitted after it
    /// has: (the missing one, the later one).
    fn out_of_turn(&self, expected: &BTreeSet<usize>, log: &LogInner) -> Option<(usize, usize)> {
        let job = |t: usize| self.model.job_of_task(t);
        let started: BTreeSet<usize> = log.started.iter().copied().collect();
        expected.difference(&started).find_map(|&missing| {
            started
                .iter()
                .find(|&&t| job(t) > job(missing))
                .map(|&later| (missing, later))
        })
    }

    /// A task that has started although `model` (settled) did not start it:
    /// a cancelled one (the clause that cancelled it), one too many at once
    /// (POOL-MAX-1), or one out of turn (EXE-SUBMIT-3).
    fn extra_start(&self, model: &Model, log: &LogInner, accepted_only: bool) -> Option<Violation> {
        let started: BTreeSet<usize> = log.started.iter().copied().collect();
        let accepted = |t: &usize| model.job_of_task(*t).is_some();
        let job_of = |t: &usize| model.job_of_task(*t).map(|j| &model.jobs[j]);
        let extra = started
            .difference(&model.started)
            .filter(|t| !job_of(t).is_some_and(|j| j.may_run))
            .find(|t| !accepted_only || accepted(t))?;
        if job_of(extra).is_some_and(|j| j.cancelled_by_patience) {
            return Some(self.stuck(
                "MAP-BUFFER-2",
                format!("task {extra}, a buffered map's top-up, not started: not seen started within the patience"),
                format!("started tasks {}", fmt_tasks(&started)),
            ));
        }
        // A cancelled task that had started before the step that cancelled
        // it began was started wrongly then, not run after its cancel.
        let position = log.started.iter().position(|t| t == extra);
        let forbidden: BTreeMap<usize, &str> = model
            .forbidden_tasks()
            .into_iter()
            .filter(|(t, _)| {
                let since = self.forbidden_since.get(t).copied().unwrap_or(0);
                position.is_none_or(|p| p >= since) || t != extra
            })
            .collect();
        // A later item of a map chunk started on its own: the chunk was
        // not run as one task.
        let chunk_mate = model
            .job_of_task(*extra)
            .map(|j| &model.jobs[j])
            .is_some_and(|j| j.chunked && j.items.first().is_some_and(|i| i.id != *extra));
        let clause = match forbidden.get(extra) {
            Some(why) => *why,
            None if model.is_unsubmitted(*extra) => "MAP-BUFFER-1",
            None if chunk_mate => "MAP-CHUNK-1",
            None if log.peak > model.workers => "POOL-MAX-1",
            None => "EXE-SUBMIT-3",
        };
        Some(self.fail(
            clause,
            format!("started tasks {}", fmt_tasks(&model.started)),
            format!(
                "started tasks {} (task {extra} must not have started)",
                fmt_tasks(&started)
            ),
        ))
    }

    /// The root cause of a wrong observation: if a task the executor was
    /// rightly given has started although a conforming executor would not
    /// have started it by now, that is reported instead (what was observed
    /// may follow from it, and whether the start was noticed at the last
    /// settle or only now is timing). Tasks it should have refused are left
    /// out: their start follows from the refusal that failed.
    fn root_cause(&self, v: Violation) -> Violation {
        if v.kind != Kind::Wrong {
            return v;
        }
        let mut settled = self.model.clone();
        settled.settle();
        if let Some(start) = self.extra_start(&settled, &self.log.snapshot(), true) {
            return start;
        }
        // Work that had started, found cancelled after cancel_futures: a
        // helper's shutdown(wait=True, cancel_futures=True) may have done it
        // at any moment since.
        if self.model.cancel_futures {
            for f in self.model.future_indices() {
                let state = self.model.state(f).expect("accepted");
                let started = matches!(
                    state,
                    SpecState::Running | SpecState::FinishedValue | SpecState::FinishedException
                );
                let h = self.handle(f).expect("accepted");
                if started && self.adapter.result(h, Some(Duration::ZERO)) == Outcome::Cancelled {
                    return self.fail(
                        "SHUT-CANCEL-2",
                        format!(
                            "f{f} is {} (cancel_futures leaves started work alone)",
                            state.name()
                        ),
                        "it was cancelled",
                    );
                }
            }
        }
        v
    }

    fn check_callbacks(&self) -> Result<(), Violation> {
        let expected: Vec<(usize, Vec<usize>)> = self
            .model
            .futures
            .iter()
            .enumerate()
            .filter_map(|(f, j)| j.map(|j| (f, self.model.callbacks_run[j].clone())))
            .collect();
        self.doing("waiting for callbacks", "CB-ADD-1");
        if expected.iter().any(|(_, want)| !want.is_empty()) {
            self.checks(["CB-ONCE-1"]);
        }
        if expected.iter().any(|(_, want)| want.len() > 1) {
            self.checks(["CB-ORDER-1"]);
            let panics_before_another = expected.iter().any(|(_, want)| {
                want[..want.len().saturating_sub(1)]
                    .iter()
                    .any(|l| self.model.panicking_callbacks.contains(l))
            });
            if panics_before_another {
                self.checks(["CB-PANIC-1"]);
            }
        }
        let patience = self.patience_for("CB-ADD-1");
        // Wait for the due callbacks themselves (a count would be reached
        // early by one that runs twice).
        let (log, complete) = self.log.wait_for(patience, |l| {
            expected
                .iter()
                .all(|(f, want)| want.iter().all(|label| l.callbacks.contains(&(*f, *label))))
        });
        for (f, want) in expected {
            let got: Vec<usize> = log
                .callbacks
                .iter()
                .filter(|(g, _)| *g == f)
                .map(|&(_, l)| l)
                .collect();
            if got == want {
                continue;
            }
            let distinct: BTreeSet<usize> = got.iter().copied().collect();
            let want_set: BTreeSet<usize> = want.iter().copied().collect();
            let clause = if distinct.len() != got.len() {
                "CB-ONCE-1"
            } else if distinct == want_set {
                "CB-ORDER-1"
            } else if want
                .iter()
                .take_while(|l| distinct.contains(l))
                .any(|l| self.model.panicking_callbacks.contains(l))
            {
                "CB-PANIC-1"
            } else if distinct.is_subset(&want_set) {
                "CB-ADD-1"
            } else {
                "CB-ONCE-1"
            };
            if !complete && clause == "CB-ADD-1" {
                // Fewer callbacks than due: not run yet, or never.
                return Err(self.stuck(
                    clause,
                    format!("f{f}'s callbacks run: {}", fmt_seq(&want)),
                    format!("ran: {} after {patience:?}", fmt_seq(&got)),
                ));
            }
            return Err(self.fail(
                clause,
                format!("f{f}'s callbacks run: {}", fmt_seq(&want)),
                format!("ran: {}", fmt_seq(&got)),
            ));
        }
        Ok(())
    }

    fn check_states(&self) -> Result<(), Violation> {
        let table = self.model.table();
        let predicates = self.features.contains(&Feature::StatePredicates);
        for f in self.model.future_indices() {
            let h = self.handle(f).expect("accepted");
            let job = self.model.job_of(f).expect("accepted");
            let state = job.state;
            let mut checks = vec![("done", self.adapter.done(h))];
            if predicates {
                checks.push(("cancelled", self.adapter.cancelled(h)));
                checks.push(("running", self.adapter.running(h)));
            }
            if state == SpecState::Pending {
                self.checks(["FUT-STATE-1"]);
            }
            for (name, got) in checks {
                let row = table.row(state, name);
                let want = row.returns == "true";
                if got == want {
                    self.checks([row.clause.as_str()]);
                    continue;
                }
                let after_cancel_futures = matches!(
                    &self.last,
                    Some(Step::Shutdown {
                        cancel_futures: true,
                        ..
                    })
                );
                let clause = if after_cancel_futures
                    && matches!(
                        state,
                        SpecState::Running
                            | SpecState::FinishedValue
                            | SpecState::FinishedException
                    ) {
                    // Work that had started was touched by cancel_futures.
                    "SHUT-CANCEL-2".to_string()
                } else {
                    job.cancelled_by
                        .map(str::to_string)
                        .unwrap_or_else(|| row.clause.clone())
                };
                return Err(self.fail(
                    &clause,
                    format!("f{f}.{name}() is {want} ({})", state.name()),
                    format!("{got}"),
                ));
            }
            // Cancelled futures: acknowledged (done for waiters) exactly when
            // the model says so (WAIT-CANCELLED-1, FUT-NOTIFY-2, SHUT-CANCEL-1).
            if self.features.contains(&Feature::Wait)
                && matches!(
                    state,
                    SpecState::Cancelled | SpecState::CancelledAndNotified
                )
            {
                let acknowledged = state == SpecState::CancelledAndNotified;
                let clause = if acknowledged {
                    job.cancelled_by.unwrap_or("FUT-NOTIFY-2")
                } else {
                    "WAIT-CANCELLED-1"
                };
                self.checks([if acknowledged {
                    "FUT-NOTIFY-2"
                } else {
                    "WAIT-CANCELLED-1"
                }]);
                let wait_for = if acknowledged {
                    self.doing(
                        format!("waiting for f{f}'s cancellation to be acknowledged"),
                        clause,
                    );
                    Some(self.patience_for(clause))
                } else {
                    Some(Duration::ZERO)
                };
                let got = !self
                    .adapter
                    .wait(std::slice::from_ref(h), wait_for, crate::Mode::AllCompleted)
                    .is_empty();
                if got != acknowledged {
                    let expected = format!(
                        "wait() counts f{f} as done: {acknowledged} ({})",
                        state.name()
                    );
                    if acknowledged {
                        // A worker that dequeues out of turn reaches a
                        // cancelled item late: the order is what broke.
                        if let Some(later) = self.started_after(f) {
                            return Err(self.stuck(
                                "EXE-SUBMIT-3",
                                format!("f{f}, submitted before task {later}, is dequeued first"),
                                format!(
                                    "task {later} started; f{f}'s cancellation is not acknowledged"
                                ),
                            ));
                        }
                        return Err(self.stuck(clause, expected, got));
                    }
                    if let Some(v) = self.dequeued_early(f, h) {
                        return Err(v);
                    }
                    return Err(self.fail(clause, expected, got));
                }
            }
        }
        Ok(())
    }

    /// Cancelled future `f`, which `wait` counts as done too early: if
    /// `as_completed` counts it done as well, its cancellation really was
    /// acknowledged, and if work submitted before it was still queued when
    /// this step began (a FIFO worker would have taken that first, and then
    /// been busy), the executor dequeued it out of turn (EXE-SUBMIT-3),
    /// which is not a fault of `wait`.
    fn dequeued_early(&self, f: usize, h: &A::Handle) -> Option<Violation> {
        if !self.features.contains(&Feature::AsCompleted) {
            return None;
        }
        let mine = self.model.futures.get(f).copied().flatten()?;
        let earlier = self.queued_at_step.iter().copied().find(|&j| j < mine)?;
        let acknowledged = self
            .adapter
            .as_completed(std::slice::from_ref(h), Some(Duration::ZERO))
            .any(|r| r.is_ok());
        if !acknowledged {
            return None;
        }
        let earlier_f = self.model.futures.iter().position(|j| *j == Some(earlier));
        let earlier = earlier_f.map_or(format!("job {earlier}"), |e| format!("f{e}"));
        Some(self.fail(
            "EXE-SUBMIT-3",
            format!("f{f} stays queued: {earlier}, submitted before it, is dequeued first"),
            format!("f{f} was dequeued first: its cancellation is acknowledged (wait and as_completed count it done)"),
        ))
    }

    /// The tasks whose futures the executor reports `running()` (numbered
    /// futures of one-task jobs; none without state predicates).
    fn claimed_tasks(&self) -> Vec<usize> {
        if !self.features.contains(&Feature::StatePredicates) {
            return Vec::new();
        }
        self.model
            .future_indices()
            .filter(|&f| self.handle(f).is_some_and(|h| self.adapter.running(h)))
            .filter_map(|f| match self.model.job_of(f)?.items.as_slice() {
                [item] => Some(item.id),
                _ => None,
            })
            .collect()
    }

    /// A started task whose job was submitted after future `f`'s.
    fn started_after(&self, f: usize) -> Option<usize> {
        let mine = self.model.futures.get(f).copied().flatten()?;
        let started = self.log.snapshot().started;
        started
            .into_iter()
            .find(|&t| self.model.job_of_task(t).is_some_and(|j| j > mine))
    }

    fn teardown(&mut self, map: Option<MapRun<'_>>) -> Result<(), Violation> {
        // Drop the map iterator, open every gate, let everything finish.
        if map.is_some() {
            self.model.map_drop();
            self.teardown_action("drop the map iterator");
        }
        drop(map);
        if !self.model.all_gates_open() {
            self.teardown_action("open every gate");
        }
        self.model.open_all();
        self.gates.open_all();
        self.settle_and_check()?;
        if !self.helpers.is_empty() {
            self.teardown_action("join the threads");
        }
        while !self.helpers.is_empty() {
            self.join_oldest()?;
        }
        self.teardown_action("shutdown(wait=True)");
        self.doing("shutdown(wait=True) at teardown", "SHUT-WAIT-1");
        self.model.shutdown(false);
        self.adapter.shutdown(true, false);
        // After shutdown(wait=True) every accepted task has run or been
        // cancelled, and no cancelled one ever runs.
        for f in self.model.future_indices() {
            let h = self.handle(f).expect("accepted");
            if !self.adapter.done(h) {
                return Err(self.fail(
                    "SHUT-WAIT-1",
                    "after shutdown(wait=True) every future is done",
                    format!("f{f} is not done"),
                ));
            }
        }
        let started: BTreeSet<usize> = self.log.snapshot().started.into_iter().collect();
        let forbidden: BTreeMap<usize, &str> = self.model.forbidden_tasks().into_iter().collect();
        if let Some((t, why)) = forbidden.iter().find(|(t, _)| started.contains(t)) {
            return Err(self.fail(why, format!("cancelled task {t} never runs"), "it ran"));
        }
        if let Some(t) = self.model.started.difference(&started).next() {
            return Err(self.fail(
                "SHUT-WAIT-1",
                format!("task {t} ran before shutdown(wait=True) returned"),
                "it never started",
            ));
        }
        Ok(())
    }
}

const NO_FUTURE: &str = "no such future: its submit was refused or not run";
const NO_CANCEL: &str = "the executor has no cancel()";
const NO_TIMEOUTS: &str = "the executor has no timeouts";
const NO_CALLBACKS: &str = "the executor has no add_done_callback()";
const NO_MAP: &str = "the executor has no map()";
const NO_CHUNKSIZE: &str = "run with chunksize=1: the executor's map() does not batch items";
const NO_BUFFERSIZE: &str = "the executor's map() has no buffersize";
const NO_ITERATOR: &str = "no map iterator is live";
const MAP_RUNNING: &str = "a map iterator is already live";
const BREAKS_LATER: &str =
    "the pool's failing initializer has yet to break it, at a moment of its own";
const MAP_NO_TIMEOUT: &str = "run without its timeout: map deadlines are checked by the fixed MAP-TIMEOUT-1/MAP-DEADLINE-1 probes";
const WOULD_BLOCK: &str = "it would block the driver until a later step";
const SHUTTING_DOWN: &str =
    "a thread's shutdown(wait=True) is in progress: whether it has taken effect is not observable";
const NO_CANCEL_FUTURES: &str = "run with cancel_futures=False: the executor has no cancel_futures";
const NO_THREAD: &str = "no thread to join";
const STILL_BLOCKED: &str = "the oldest thread must still be blocked";

/// Why a step needing `feature` was not run.
fn lacks(features: &BTreeSet<Feature>, feature: Feature) -> &'static str {
    if !features.contains(&feature) {
        match feature {
            Feature::Wait => "the executor has no wait()",
            Feature::AsCompleted => "the executor has no as_completed()",
            _ => "the executor lacks a feature it needs",
        }
    } else {
        NO_TIMEOUTS
    }
}

fn wait_clause(mode: crate::Mode, p: Patience, empty: bool) -> &'static str {
    if empty {
        return "WAIT-EMPTY-1";
    }
    if p != Patience::Forever {
        return "WAIT-TIMEOUT-1";
    }
    match mode {
        crate::Mode::FirstCompleted => "WAIT-FIRSTCOMPLETED-1",
        crate::Mode::FirstException => "WAIT-FIRSTEXCEPTION-1",
        crate::Mode::AllCompleted => "WAIT-ALLCOMPLETED-1",
    }
}

fn fmt_set(s: &BTreeSet<usize>) -> String {
    let v: Vec<String> = s.iter().map(|f| format!("f{f}")).collect();
    format!("{{{}}}", v.join(", "))
}

fn fmt_seq(s: &[usize]) -> String {
    let v: Vec<String> = s.iter().map(|f| f.to_string()).collect();
    format!("[{}]", v.join(", "))
}

fn fmt_tasks(s: &BTreeSet<usize>) -> String {
    let v: Vec<String> = s.iter().map(|t| format!("t{t}")).collect();
    format!("{{{}}}", v.join(", "))
}
