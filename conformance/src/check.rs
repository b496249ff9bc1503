//! Drives the check: generates scenarios per clause group with proptest,
//! runs each under a watchdog, confirms what looks stuck, minimises each
//! failure, and collects clause verdicts into a [`Report`].
//!
//! How a verdict is reached, and why it does not depend on machine load:
//!
//! * A *wrong* observation (a value, state, order or set the spec forbids)
//!   is a failure at once: the oracle is evaluated at quiescence, so no
//!   observation it judges depends on timing.
//! * A *stuck* one (something that must happen had not happened when the
//!   patience ran out) may be a slow machine. The scenario is run again with
//!   [`CONFIRM`] times the patience; it is a failure only if that run fails
//!   too. If it passes, the case passes and is counted as slow.
//! * Clauses already known to fail for this executor — declared deviations
//!   ([`Options::known`]) and clauses found failing earlier in the check —
//!   are masked: a scenario that would only show one of them again stops
//!   there, after a quick look instead of a whole patience, and is not
//!   minimised again. A declared deviation that never fails is reported
//!   [`Verdict::Stale`], so that such lists cannot rot.
//! * A failure is minimised by [`crate::shrink`] (deterministic: the same
//!   seed gives the same minimal scenario) and printed with a command that
//!   replays exactly that scenario.

use crate::adapter::{Adapter, Config, Feature};
use crate::groups::{GROUPS, Group, needs};
use crate::probe::Gates;
use crate::report::{ClauseResult, Failure, Report, Verdict};
use crate::runner::{Factory, Kind, Progress, Timing, Trace, Violation, Watch, resolve, run};
use crate::scenario::Scenario;
use crate::timing_probes::{self, ProbeOutcome};
use proptest::test_runner::{Config as PtConfig, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// How many times the patience a stuck-looking scenario is given when it is
/// run again to confirm that the executor is stuck rather than slow.
pub const CONFIRM: u32 = 5;

/// A clause an executor is known to break, declared by whoever plugs it in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownDeviation {
    /// The clause ID.
    pub clause: String,
    /// One line: why the executor behaves so.
    pub why: String,
    /// Whether it shows only when the executor's own threads happen to be
    /// quick (a process pool's call queue filling): a run that never shows
    /// it is then no sign the declaration is out of date, and the clause is
    /// reported `known` rather than `STALE`.
    pub timing: bool,
}

impl KnownDeviation {
    /// A known deviation of `clause`, for the reason `why`.
    pub fn new(clause: impl Into<String>, why: impl Into<String>) -> KnownDeviation {
        KnownDeviation {
            clause: clause.into(),
            why: why.into(),
            timing: false,
        }
    }

    /// A known deviation whose showing depends on timing (see
    /// [`KnownDeviation::timing`]).
    pub fn timing(clause: impl Into<String>, why: impl Into<String>) -> KnownDeviation {
        KnownDeviation {
            timing: true,
            ..KnownDeviation::new(clause, why)
        }
    }
}

/// How thoroughly to check.
#[derive(Clone, Debug)]
pub struct Options {
    /// Generated scenarios per clause group.
    pub cases: u32,
    /// The seed; the same seed generates the same scenarios.
    pub seed: u64,
    /// Patience and short timeouts.
    pub timing: Timing,
    /// Upper bound on the scenarios run while minimising one failure.
    pub max_shrink_iters: u32,
    /// Upper bound on the time spent minimising one failure.
    pub max_shrink_time: Duration,
    /// Groups to run (`None`: all).
    pub groups: Option<Vec<String>>,
    /// Clauses the executor is known to break: reported `known`, not `FAIL`.
    pub known: Vec<KnownDeviation>,
    /// The command printed to replay a failure: `{executor}` and
    /// `{scenario}` (the replay text) are filled in.
    pub replay_command: String,
}

/// The replay command the binary understands.
pub const CLI_REPLAY: &str = "cargo run --release -p concurrent-futures-conformance -- --executor {executor} --replay '{scenario}'";

impl Options {
    /// Whether the check runs clause group `group`: every group unless
    /// [`groups`](Options::groups) names some.
    pub fn asks_for(&self, group: &str) -> bool {
        self.groups
            .as_ref()
            .is_none_or(|only| only.iter().any(|o| o == group))
    }

    /// The names of the clause groups the check runs, in the order it runs
    /// them.
    pub fn asked_groups(&self) -> Vec<String> {
        GROUPS
            .iter()
            .filter(|g| self.asks_for(g.name))
            .map(|g| g.name.to_string())
            .collect()
    }
}

impl Default for Options {
    fn default() -> Options {
        Options {
            cases: 256,
            seed: 0x00C0_FFEE,
            timing: Timing::default(),
            max_shrink_iters: 2000,
            max_shrink_time: Duration::from_secs(60),
            groups: None,
            known: Vec::new(),
            replay_command: CLI_REPLAY.to_string(),
        }
    }
}

/// What one guarded run of a scenario gave.
#[derive(Debug)]
pub struct Run {
    /// The verdict.
    pub result: Result<(), Violation>,
    /// What the run did (steps skipped, teardown).
    pub trace: Trace,
}

/// Runs one scenario (already [`resolve`]d) on a fresh executor under a
/// watchdog. The watchdog fires when the runner shows no sign of progress
/// for the patience and a second more (every wait of the runner itself is
/// bounded by the patience): the hang becomes a [`Kind::Stuck`] violation naming the
/// stuck operation, and the scenario's gates are opened so that whatever can
/// still finish does. `quick` lists clauses not worth waiting for (see
/// [`Watch::quick`]).
pub fn run_guarded<A: Adapter + 'static>(
    factory: &Factory<A>,
    scenario: &Scenario,
    timing: Timing,
    quick: &Arc<BTreeSet<String>>,
) -> Run {
    let watch = Watch {
        gates: Arc::new(Gates::default()),
        progress: Arc::new(Mutex::new(Progress::default())),
        quick: quick.clone(),
    };
    let (tx, rx) = mpsc::channel();
    {
        let (factory, scenario, watch) = (factory.clone(), scenario.clone(), watch.clone());
        std::thread::Builder::new()
            .name("cf-kit-runner".into())
            .spawn(move || {
                let sent = Arc::new(AtomicBool::new(false));
                let (tx2, sent2) = (tx.clone(), sent.clone());
                let r = catch_unwind(AssertUnwindSafe(|| {
                    run(&factory, &scenario, timing, watch, move |v, trace| {
                        sent2.store(true, Ordering::SeqCst);
                        let _ = tx2.send(Ok((v, trace)));
                    })
                }));
                if let Err(panic) = r {
                    if !sent.load(Ordering::SeqCst) {
                        let _ = tx.send(Err(panic));
                    }
                }
            })
            .expect("spawn the scenario runner");
    }
    let stall_limit = timing.patience + Duration::from_secs(1);
    let (mut beats, mut since) = (0u64, Instant::now());
    // A run that ended without a verdict of its own: what the runner was
    // doing, and the trace so far.
    let ended = |kind: Kind, expected: &str, observed: String| {
        let p = watch.progress.lock().unwrap_or_else(|e| e.into_inner());
        Run {
            result: Err(Violation {
                clause: p.clause.clone(),
                kind,
                step: p.step,
                expected: format!("{} {expected}", p.doing),
                observed,
            }),
            trace: Trace {
                notes: p.notes.clone(),
                teardown: p.teardown.clone(),
                races: Vec::new(),
                checked: BTreeSet::new(),
            },
        }
    };
    loop {
        match rx.recv_timeout(timing.patience.min(Duration::from_millis(100))) {
            Ok(Ok((result, trace))) => return Run { result, trace },
            Ok(Err(panic)) => {
                let message = crate::adapters::panic_message(&*panic);
                let message = message.trim_start_matches(crate::model::MARK).trim_start();
                return ended(
                    Kind::Wrong,
                    "completes",
                    format!("the adapter panicked: {message}"),
                );
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let (clause, now, building) = {
                    let p = watch.progress.lock().unwrap_or_else(|e| e.into_inner());
                    (p.clause.clone(), p.beats, p.building)
                };
                if now != beats {
                    (beats, since) = (now, Instant::now());
                    continue;
                }
                // A call that would only show a known failure again is not
                // waited out.
                let limit = if building {
                    stall_limit * crate::runner::BUILD_PATIENCE
                } else if quick.contains(&clause) {
                    QUICK_STALL
                } else {
                    stall_limit
                };
                if since.elapsed() < limit {
                    continue;
                }
                // Unblock what can be unblocked; the stuck thread is abandoned.
                watch.gates.open_all();
                let stuck = format!("stuck for {:?} (hang)", since.elapsed());
                return ended(Kind::Stuck, "returns", stuck);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let why = "the scenario runner ended without a verdict".to_string();
                return ended(Kind::Wrong, "completes", why);
            }
        }
    }
}

/// How long the watchdog lets a call stall when a stall would only show a
/// clause already known to fail.
const QUICK_STALL: Duration = Duration::from_millis(300);

/// The patience scaled by `factor`.
fn scaled(timing: Timing, factor: u32) -> Timing {
    Timing {
        patience: timing.patience * factor,
        ..timing
    }
}

/// What a case came to.
enum Judged {
    Pass,
    /// Violated a clause already known to fail: not looked at further.
    Masked,
    Fail(Violation, Trace),
}

/// One executor's check in progress: what is known, seen and counted.
struct Hunt<'a, A: Adapter + 'static> {
    factory: &'a Factory<A>,
    options: &'a Options,
    /// Declared deviations, clause → reason.
    known: BTreeMap<String, String>,
    /// The declared deviations whose showing depends on timing.
    timing: BTreeSet<String>,
    /// The first failure seen of each declared deviation (not minimised).
    seen: BTreeMap<String, Failure>,
    /// Clauses known to fail (declared and seen, or found): masked.
    quick: Arc<BTreeSet<String>>,
    /// Scenarios run in all.
    scenarios: u64,
    /// Cases that looked stuck but finished with a longer patience.
    slow: u64,
    /// The clauses some run checked and found kept ([`Trace::checked`]).
    checked: BTreeSet<String>,
}

impl<A: Adapter + 'static> Hunt<'_, A> {
    fn mask(&mut self, clause: &str) {
        let mut q = (*self.quick).clone();
        q.insert(clause.to_string());
        self.quick = Arc::new(q);
    }

    fn run(&mut self, scenario: &Scenario, timing: Timing) -> Run {
        self.scenarios += 1;
        let run = run_guarded(self.factory, scenario, timing, &self.quick);
        self.checked.extend(run.trace.checked.iter().cloned());
        run
    }

    /// Runs a case; confirms a stuck violation; masks known ones.
    fn judge(&mut self, scenario: &Scenario, group: &str) -> Judged {
        let first = self.run(scenario, self.options.timing);
        let Err(mut v) = first.result else {
            return Judged::Pass;
        };
        let mut trace = first.trace;
        if self.quick.contains(&v.clause) {
            return Judged::Masked;
        }
        if v.kind == Kind::Stuck {
            let again = self.run(scenario, scaled(self.options.timing, CONFIRM));
            match again.result {
                Ok(()) => {
                    self.slow += 1;
                    return Judged::Pass;
                }
                Err(v2) => (v, trace) = (v2, again.trace),
            }
            if self.quick.contains(&v.clause) {
                return Judged::Masked;
            }
        }
        if self.known.contains_key(&v.clause) {
            let replay = scenario.to_replay();
            self.seen.insert(
                v.clause.clone(),
                Failure {
                    violation: v.clone(),
                    scenario: scenario.clone(),
                    group: group.to_string(),
                    trace,
                    replay,
                },
            );
            self.mask(&v.clause);
            return Judged::Masked;
        }
        Judged::Fail(v, trace)
    }

    /// Checks one group: its directed shapes first, in order (each failure
    /// minimised, then masked); then generated scenarios until a violation,
    /// minimised; then again with that clause masked, so that every broken
    /// clause of the group is found (up to a few rounds). The shapes count
    /// towards `cases`: with fewer cases than shapes, only the first `cases`
    /// shapes run and nothing is generated.
    fn group(&mut self, group: &Group, supported: &BTreeSet<Feature>) -> BTreeMap<String, Failure> {
        let mut failures: BTreeMap<String, Failure> = BTreeMap::new();
        if group.name == "broken" && !supported.contains(&Feature::Initializer) {
            return failures;
        }
        let shapes = group.shapes();
        let directed = shapes.len().min(self.options.cases as usize);
        for scenario in &shapes[..directed] {
            let scenario = resolve(scenario);
            if let Judged::Fail(violation, trace) = self.judge(&scenario, group.name) {
                let failure = self.minimise(group.name, scenario, violation, trace);
                self.mask(&failure.violation.clause);
                failures.insert(failure.violation.clause.clone(), failure);
            }
        }
        let generated = self.options.cases - directed as u32;
        if generated == 0 {
            return failures;
        }
        for round in 0..6u64 {
            let config = PtConfig {
                cases: generated,
                // The kit minimises failures itself (crate::shrink).
                max_shrink_iters: 0,
                failure_persistence: None,
                ..PtConfig::default()
            };
            let mut seed = [0u8; 32];
            let mixed = self.options.seed ^ (round << 48) ^ hash(group.name);
            seed[..8].copy_from_slice(&mixed.to_le_bytes());
            let mut runner =
                TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
            let found: Mutex<Option<(Scenario, Violation, Trace)>> = Mutex::new(None);
            let this = Mutex::new(&mut *self);
            let result = runner.run(&group.strategy(), |scenario| {
                let scenario = resolve(&scenario);
                let mut hunt = this.lock().unwrap_or_else(|e| e.into_inner());
                match hunt.judge(&scenario, group.name) {
                    Judged::Pass | Judged::Masked => Ok(()),
                    Judged::Fail(v, trace) => {
                        let msg = v.to_string();
                        *found.lock().unwrap() = Some((scenario, v, trace));
                        Err(TestCaseError::fail(msg))
                    }
                }
            });
            if result.is_ok() {
                break;
            }
            let Some((scenario, violation, trace)) = found.into_inner().unwrap() else {
                break;
            };
            let failure = self.minimise(group.name, scenario, violation, trace);
            self.mask(&failure.violation.clause);
            failures.insert(failure.violation.clause.clone(), failure);
        }
        failures
    }

    /// Minimises a confirmed failure (see [`crate::shrink`]).
    fn minimise(
        &mut self,
        group: &str,
        scenario: Scenario,
        violation: Violation,
        trace: Trace,
    ) -> Failure {
        let clause = violation.clause.clone();
        let stuck = violation.kind == Kind::Stuck;
        let normal = self.options.timing;
        // A stuck failure is minimised with a quarter of the patience (each
        // accepted candidate costs one), then confirmed with the long one.
        let fast = Timing {
            patience: (normal.patience / 4).max(Duration::from_millis(200)),
            ..normal
        };
        let budget = crate::shrink::Budget {
            runs: self.options.max_shrink_iters,
            time: self.options.max_shrink_time,
        };
        // The fallback too: a build that hangs only after earlier cases
        // does not hang again in a replay, and its steps never ran.
        let scenario = crate::shrink::without_unrun_steps(scenario, &violation);
        let original = (scenario, violation, trace);
        let attempts: &[Timing] = if stuck { &[fast, normal] } else { &[normal] };
        let mut best = None;
        for &timing in attempts {
            let min = crate::shrink::minimise(original.clone(), budget, |candidate| {
                let run = self.run(candidate, timing);
                match run.result {
                    Err(v) if v.clause == clause => Some((v, run.trace)),
                    _ => None,
                }
            });
            if !stuck {
                best = Some(min);
                break;
            }
            // Confirm the minimal scenario with the long patience.
            let again = self.run(&min.0, scaled(normal, CONFIRM));
            if let Err(v) = again.result {
                if v.clause == clause {
                    best = Some((min.0, v, again.trace));
                    break;
                }
            }
        }
        let (scenario, violation, trace) = best.unwrap_or(original);
        Failure {
            replay: scenario.to_replay(),
            violation,
            scenario,
            group: group.to_string(),
            trace,
        }
    }
}

fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// Checks `factory`'s executor against every clause group and returns the
/// clause-by-clause verdict.
///
/// ```no_run
/// use concurrent_futures::ThreadPoolExecutor;
/// use concurrent_futures_conformance::{check, ExecutorAdapter, Options};
/// use std::sync::Arc;
///
/// let report = check(
///     "reference",
///     Arc::new(|cfg| ExecutorAdapter::new(
///         ThreadPoolExecutor::builder().max_workers(cfg.workers).build().unwrap(),
///     )),
///     &Options::default(),
/// );
/// assert!(report.passed(), "{}", report.render_text());
/// ```
pub fn check<A: Adapter + 'static>(name: &str, factory: Factory<A>, options: &Options) -> Report {
    check_with_progress(name, factory, options, &mut |_, _| {})
}

/// The features `factory`'s executors support, from one executor built
/// under the same watch as every scenario's: a factory that panics, or does
/// not return within [`BUILD_PATIENCE`](crate::runner::BUILD_PATIENCE) times
/// the stall limit, gives the violation instead (EXE-SUBMIT-1, "while
/// building the executor"; the thread of a hung build is abandoned).
fn supported_features<A: Adapter + 'static>(
    factory: &Factory<A>,
    timing: Timing,
) -> Result<(Vec<Feature>, BTreeSet<Feature>), Violation> {
    crate::probe::quiet_kit_panics();
    let (tx, rx) = mpsc::channel();
    let built = factory.clone();
    std::thread::Builder::new()
        .name("cf-kit-probe-build".into())
        .spawn(move || {
            let probe = catch_unwind(AssertUnwindSafe(|| {
                let probe = built(Config {
                    workers: 1,
                    failing_initializer: false,
                });
                let unsupported = probe.unsupported();
                drop(probe);
                unsupported
            }));
            let _ = tx.send(probe.map_err(|p| crate::adapters::panic_message(&*p)));
        })
        .expect("spawn the probe build");
    let limit = (timing.patience + Duration::from_secs(1)) * crate::runner::BUILD_PATIENCE;
    let violation = |kind: Kind, expected: &str, observed: String| Violation {
        clause: "EXE-SUBMIT-1".to_string(),
        kind,
        step: Some(crate::runner::BUILDING),
        expected: format!("building the executor: the factory {expected}"),
        observed,
    };
    let unsupported = match rx.recv_timeout(limit) {
        Ok(Ok(unsupported)) => unsupported,
        Ok(Err(message)) => {
            let observed = format!("the factory panicked: {message}");
            return Err(violation(Kind::Wrong, "returns an executor", observed));
        }
        Err(_) => {
            let observed = format!("stuck for {limit:?} (hang)");
            return Err(violation(Kind::Stuck, "returns", observed));
        }
    };
    let supported = Feature::ALL
        .into_iter()
        .filter(|f| !unsupported.contains(f))
        .collect();
    Ok((unsupported, supported))
}

/// Why every clause but EXE-SUBMIT-1 is inconclusive when not even one
/// executor could be built.
pub const NOT_BUILT: &str = "not checked: the executor could not be built (EXE-SUBMIT-1)";

/// The report of a check whose first executor could not be built:
/// EXE-SUBMIT-1 fails with a scenario of no steps, and every other clause
/// of the groups asked for is inconclusive.
fn unbuildable(name: &str, options: &Options, violation: Violation, started: Instant) -> Report {
    const CLAUSE: &str = "EXE-SUBMIT-1";
    let owner = GROUPS.iter().find(|g| g.clauses.contains(&CLAUSE));
    let scenario = Scenario::from_replay("w1").expect("an executor of one worker, no steps");
    let failure = Failure {
        replay: scenario.to_replay(),
        violation,
        scenario,
        group: owner.map_or("", |g| g.name).to_string(),
        trace: Trace::default(),
    };
    let mut clauses: Vec<ClauseResult> = GROUPS
        .iter()
        .filter(|g| options.asks_for(g.name))
        .flat_map(|g| g.clauses.iter().map(move |c| (g.name, *c)))
        .map(|(group, clause)| ClauseResult {
            group: group.to_string(),
            clause: clause.to_string(),
            verdict: Verdict::Inconclusive(NOT_BUILT.to_string()),
        })
        .collect();
    // EXE-SUBMIT-1 fails, listed even when its group was not asked for.
    let fail = Verdict::Fail(Box::new(failure.clone()));
    match clauses.iter_mut().find(|c| c.clause == CLAUSE) {
        Some(c) => c.verdict = fail,
        None => clauses.push(ClauseResult {
            group: failure.group,
            clause: CLAUSE.to_string(),
            verdict: fail,
        }),
    }
    Report {
        executor: name.to_string(),
        cases: options.cases,
        seed: options.seed,
        scenarios: 1,
        slow: 0,
        unsupported: Vec::new(),
        clauses,
        seconds: started.elapsed().as_secs_f64(),
        replay_command: options.replay_command.replace("{executor}", name),
        pending: Vec::new(),
    }
}

/// Like [`check`], calling `progress(group, index)` before each group.
pub fn check_with_progress<A: Adapter + 'static>(
    name: &str,
    factory: Factory<A>,
    options: &Options,
    progress: &mut dyn FnMut(&str, usize),
) -> Report {
    check_with_partial(name, factory, options, progress, &mut |_| {})
}

/// Like [`check_with_progress`], also handing `partial` the report of the
/// groups finished so far after each group (to keep what an interrupted run
/// found).
pub fn check_with_partial<A: Adapter + 'static>(
    name: &str,
    factory: Factory<A>,
    options: &Options,
    progress: &mut dyn FnMut(&str, usize),
    partial: &mut dyn FnMut(&Report),
) -> Report {
    let started = Instant::now();
    let (unsupported, supported) = match supported_features(&factory, options.timing) {
        Ok(features) => features,
        Err(violation) => {
            let report = unbuildable(name, options, violation, started);
            partial(&report);
            return report;
        }
    };
    let mut hunt = Hunt {
        factory: &factory,
        options,
        known: options
            .known
            .iter()
            .map(|k| (k.clause.clone(), k.why.clone()))
            .collect(),
        timing: options
            .known
            .iter()
            .filter(|k| k.timing)
            .map(|k| k.clause.clone())
            .collect(),
        seen: BTreeMap::new(),
        quick: Arc::new(BTreeSet::new()),
        scenarios: 0,
        slow: 0,
        checked: BTreeSet::new(),
    };
    let mut found = Found::default();
    let mut ran_groups = BTreeSet::new();
    let mut report = None;
    let mut pending = options.asked_groups();
    for (i, group) in GROUPS.iter().enumerate() {
        if !pending.iter().any(|p| p == group.name) {
            continue;
        }
        pending.retain(|p| p != group.name);
        ran_groups.insert(group.name);
        progress(group.name, i);
        for (clause, f) in hunt.group(group, &supported) {
            found
                .failed
                .entry(clause)
                .or_insert((f, group.name.to_string()));
        }
        if group.name == "map"
            && supported.contains(&Feature::Map)
            && supported.contains(&Feature::Timeouts)
        {
            let outcomes = timing_probes::map_probes(&factory, options.timing, None);
            for clause in timing_probes::PROBES {
                if !outcomes.iter().any(|(c, _)| c == clause) {
                    hunt.checked.insert(clause.to_string()); // the probe passed
                }
            }
            for (clause, outcome) in outcomes {
                match outcome {
                    ProbeOutcome::Fail(f) if hunt.known.contains_key(&clause) => {
                        hunt.seen.entry(clause).or_insert(*f);
                    }
                    ProbeOutcome::Fail(f) => {
                        found
                            .failed
                            .entry(clause)
                            .or_insert((*f, group.name.to_string()));
                    }
                    ProbeOutcome::Inconclusive(why) => {
                        found.inconclusive.insert(clause, why);
                    }
                }
            }
        }
        let r = Report {
            executor: name.to_string(),
            cases: options.cases,
            seed: options.seed,
            scenarios: hunt.scenarios,
            slow: hunt.slow,
            unsupported: unsupported.clone(),
            clauses: verdicts(&hunt, &found, &ran_groups, &supported),
            seconds: started.elapsed().as_secs_f64(),
            replay_command: options.replay_command.replace("{executor}", name),
            pending: pending.clone(),
        };
        partial(&r);
        report = Some(r);
    }
    report.unwrap_or_else(|| Report {
        executor: name.to_string(),
        cases: options.cases,
        seed: options.seed,
        scenarios: 0,
        slow: 0,
        unsupported,
        clauses: Vec::new(),
        seconds: started.elapsed().as_secs_f64(),
        replay_command: options.replay_command.replace("{executor}", name),
        pending: Vec::new(),
    })
}

/// The verdict of a clause that no case checked: no step that checks it
/// ran to its end without a violation (each case stopped short, at a
/// failure of another clause or a refusal), so nothing shows it holds.
pub const NOT_CHECKED: &str =
    "not checked: no case reached a step that checks it without an earlier failure";

/// What the groups run so far found: failures (with their group) and
/// probes that could not decide.
#[derive(Default)]
struct Found {
    failed: BTreeMap<String, (Failure, String)>,
    inconclusive: BTreeMap<String, String>,
}

/// One line per clause: every clause of the groups run, then clauses of
/// other groups that were seen failing.
fn verdicts<A: Adapter + 'static>(
    hunt: &Hunt<'_, A>,
    found: &Found,
    ran_groups: &BTreeSet<&str>,
    supported: &BTreeSet<Feature>,
) -> Vec<ClauseResult> {
    let owner = |clause: &str| {
        GROUPS
            .iter()
            .find(|g| g.clauses.contains(&clause))
            .map_or("", |g| g.name)
    };
    let mut listed: Vec<String> = GROUPS
        .iter()
        .filter(|g| ran_groups.contains(g.name))
        .flat_map(|g| g.clauses.iter().map(|c| c.to_string()))
        .collect();
    for c in found.failed.keys().chain(hunt.seen.keys()) {
        if !listed.contains(c) {
            listed.push(c.clone());
        }
    }
    let mut clauses = Vec::new();
    for clause in listed {
        let missing: Vec<Feature> = needs(&clause)
            .into_iter()
            .filter(|f| !supported.contains(f))
            .collect();
        let verdict = if let Some(why) = hunt.known.get(&clause) {
            match hunt.seen.get(&clause) {
                Some(f) => Verdict::Known {
                    why: why.clone(),
                    example: Some(Box::new(f.clone())),
                },
                None if !missing.is_empty() => Verdict::NotApplicable(missing),
                None if ran_groups.contains(owner(&clause)) && !hunt.timing.contains(&clause) => {
                    Verdict::Stale { why: why.clone() }
                }
                None => Verdict::Known {
                    why: why.clone(),
                    example: None,
                },
            }
        } else if let Some((f, _)) = found.failed.get(&clause) {
            Verdict::Fail(Box::new(f.clone()))
        } else if !missing.is_empty() {
            Verdict::NotApplicable(missing)
        } else if let Some(why) = found.inconclusive.get(&clause) {
            Verdict::Inconclusive(why.clone())
        } else if !hunt.checked.contains(&clause) {
            Verdict::Inconclusive(NOT_CHECKED.to_string())
        } else {
            Verdict::Pass
        };
        clauses.push(ClauseResult {
            group: owner(&clause).to_string(),
            clause,
            verdict,
        });
    }
    clauses
}

/// What a replay text names: a scenario, or a fixed timing probe
/// (`probe:MAP-TIMEOUT-1`, `probe:MAP-DEADLINE-1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replay {
    /// A scenario ([`Scenario::from_replay`]).
    Scenario(Scenario),
    /// The fixed probe of this clause.
    Probe(&'static str),
}

impl Replay {
    /// Parses a replay text; the error names what is wrong.
    pub fn parse(text: &str) -> Result<Replay, String> {
        match text.trim().strip_prefix("probe:") {
            Some(clause) => timing_probes::PROBES
                .into_iter()
                .find(|p| *p == clause)
                .map(Replay::Probe)
                .ok_or_else(|| {
                    format!(
                        "'{clause}' has no fixed probe (there are: {})",
                        timing_probes::PROBES.join(", ")
                    )
                }),
            None => Scenario::from_replay(text).map(Replay::Scenario),
        }
    }

    /// The scenario it runs, as printed.
    pub fn scenario(&self) -> Scenario {
        match self {
            Replay::Scenario(s) => s.clone(),
            Replay::Probe(clause) => timing_probes::probe_scenario(clause).expect("a probe"),
        }
    }
}

/// Runs what a replay text names once, confirmed like a generated case (a
/// stuck run is run again with [`CONFIRM`] times the patience): the result
/// and the trace of the run that decided. A probe that could not decide is
/// reported as a stuck violation saying so.
pub fn replay<A: Adapter + 'static>(factory: Factory<A>, what: &Replay, options: &Options) -> Run {
    let scenario = match what {
        Replay::Scenario(s) => resolve(s),
        Replay::Probe(clause) => {
            let outcome = timing_probes::map_probes(&factory, options.timing, Some(clause));
            return match outcome.into_iter().next() {
                None => Run {
                    result: Ok(()),
                    trace: Trace::default(),
                },
                Some((_, ProbeOutcome::Fail(f))) => Run {
                    result: Err(f.violation),
                    trace: f.trace,
                },
                Some((_, ProbeOutcome::Inconclusive(why))) => Run {
                    result: Err(Violation {
                        clause: clause.to_string(),
                        kind: Kind::Stuck,
                        step: None,
                        expected: "a run within the probe's timing margins".to_string(),
                        observed: format!("inconclusive: {why}"),
                    }),
                    trace: Trace::default(),
                },
            };
        }
    };
    let quick = Arc::new(BTreeSet::new());
    let first = run_guarded(&factory, &scenario, options.timing, &quick);
    match &first.result {
        Err(v) if v.kind == Kind::Stuck => {
            run_guarded(&factory, &scenario, scaled(options.timing, CONFIRM), &quick)
        }
        _ => first,
    }
}
