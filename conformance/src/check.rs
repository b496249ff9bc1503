//! Drives proptest: generates scenarios per clause group, runs each under a
//! watchdog, shrinks failures, and collects clause verdicts into a [`Report`].

use crate::adapter::{Adapter, Config, Feature};
use crate::groups::{GROUPS, Group, needs};
use crate::probe::Gates;
use crate::report::{ClauseResult, Failure, Report, Verdict};
use crate::runner::{Factory, Progress, Timing, Violation, resolve, run};
use crate::scenario::Scenario;
use crate::timing_probes;
use proptest::test_runner::{Config as PtConfig, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// How thoroughly to check.
#[derive(Clone, Debug)]
pub struct Options {
    /// Generated scenarios per clause group.
    pub cases: u32,
    /// The seed; the same seed generates the same scenarios.
    pub seed: u64,
    /// Patience and short timeouts.
    pub timing: Timing,
    /// Upper bound on shrinking steps per failure.
    pub max_shrink_iters: u32,
    /// Upper bound on the time spent shrinking one failure (a hang costs a
    /// patience per step).
    pub max_shrink_time: Duration,
    /// Groups to run (`None`: all).
    pub groups: Option<Vec<String>>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            cases: 256,
            seed: 0x00C0_FFEE,
            timing: Timing::default(),
            max_shrink_iters: 512,
            max_shrink_time: Duration::from_secs(30),
            groups: None,
        }
    }
}

/// Runs one scenario on a fresh executor under a watchdog: a hang becomes a
/// violation naming the stuck operation, and the scenario's gates are opened
/// so that whatever can still finish does.
pub fn run_guarded<A: Adapter + 'static>(
    factory: &Factory<A>,
    scenario: &Scenario,
    timing: Timing,
) -> Result<(), Violation> {
    let gates = Arc::new(Gates::default());
    let progress = Arc::new(Mutex::new(Progress::default()));
    let (tx, rx) = mpsc::channel();
    {
        let (factory, scenario, gates, progress) = (
            factory.clone(),
            scenario.clone(),
            gates.clone(),
            progress.clone(),
        );
        std::thread::Builder::new()
            .name("cf-kit-runner".into())
            .spawn(move || {
                let sent = Arc::new(std::sync::atomic::AtomicBool::new(false));
                let (tx2, sent2) = (tx.clone(), sent.clone());
                let r = catch_unwind(AssertUnwindSafe(|| {
                    run(&factory, &scenario, timing, gates, progress, move |v| {
                        sent2.store(true, std::sync::atomic::Ordering::SeqCst);
                        let _ = tx2.send(Ok(v));
                    })
                }));
                if let Err(panic) = r {
                    if !sent.load(std::sync::atomic::Ordering::SeqCst) {
                        let _ = tx.send(Err(panic));
                    }
                }
            })
            .expect("spawn the scenario runner");
    }
    let budget = timing.patience * 3;
    match rx.recv_timeout(budget) {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let p = progress.lock().unwrap_or_else(|e| e.into_inner());
            Err(Violation {
                clause: p.clause.clone(),
                step: p.step,
                expected: format!("{} completes", p.doing),
                observed: format!("the adapter panicked: {msg}"),
            })
        }
        Err(_) => {
            // Unblock what can be unblocked; the stuck thread is abandoned.
            gates.open_all();
            let p = progress.lock().unwrap_or_else(|e| e.into_inner());
            Err(Violation {
                clause: p.clause.clone(),
                step: p.step,
                expected: format!("{} returns", p.doing),
                observed: format!("stuck for {budget:?} (hang)"),
            })
        }
    }
}

/// Checks one group: generated scenarios until a violation, shrunk to a
/// minimal scenario; then again with that clause set aside, so that every
/// broken clause of the group is found (up to a few rounds).
fn check_group<A: Adapter + 'static>(
    factory: &Factory<A>,
    group: &Group,
    options: &Options,
    supported: &BTreeSet<Feature>,
    scenarios: &mut u64,
) -> BTreeMap<String, Failure> {
    let mut failures: BTreeMap<String, Failure> = BTreeMap::new();
    let wants_initializer = group.name == "broken";
    if wants_initializer && !supported.contains(&Feature::Initializer) {
        return failures;
    }
    for round in 0..6u64 {
        let masked: BTreeSet<String> = failures.keys().cloned().collect();
        let config = PtConfig {
            cases: options.cases,
            max_shrink_iters: options.max_shrink_iters,
            max_shrink_time: options.max_shrink_time.as_millis().min(u32::MAX as u128) as u32,
            failure_persistence: None,
            ..PtConfig::default()
        };
        let mut seed = [0u8; 32];
        let mixed = options.seed ^ (round << 48) ^ hash(group.name);
        seed[..8].copy_from_slice(&mixed.to_le_bytes());
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
        let last: Mutex<Option<(Scenario, Violation)>> = Mutex::new(None);
        let count = Mutex::new(0u64);
        let result = runner.run(&group.strategy(), |scenario| {
            *count.lock().unwrap() += 1;
            let scenario = resolve(&scenario);
            match run_guarded(factory, &scenario, options.timing) {
                Ok(()) => Ok(()),
                Err(v) if masked.contains(&v.clause) => Ok(()),
                Err(v) => {
                    let msg = v.to_string();
                    *last.lock().unwrap() = Some((scenario, v));
                    Err(TestCaseError::fail(msg))
                }
            }
        });
        *scenarios += *count.lock().unwrap();
        if result.is_ok() {
            break;
        }
        let Some((scenario, violation)) = last.into_inner().unwrap() else {
            break;
        };
        failures.insert(
            violation.clause.clone(),
            Failure {
                violation,
                scenario,
                group: group.name.to_string(),
            },
        );
    }
    failures
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

/// Like [`check`], calling `progress(group, index)` before each group.
pub fn check_with_progress<A: Adapter + 'static>(
    name: &str,
    factory: Factory<A>,
    options: &Options,
    progress: &mut dyn FnMut(&str, usize),
) -> Report {
    let started = Instant::now();
    let probe = factory(Config {
        workers: 1,
        failing_initializer: false,
    });
    let unsupported = probe.unsupported();
    drop(probe);
    let supported: BTreeSet<Feature> = Feature::ALL
        .into_iter()
        .filter(|f| !unsupported.contains(f))
        .collect();
    let mut clauses = Vec::new();
    let mut scenarios = 0u64;
    for (i, group) in GROUPS.iter().enumerate() {
        if let Some(only) = &options.groups {
            if !only.iter().any(|g| g == group.name) {
                continue;
            }
        }
        progress(group.name, i);
        let mut failures = check_group(&factory, group, options, &supported, &mut scenarios);
        if group.name == "map"
            && supported.contains(&Feature::Map)
            && supported.contains(&Feature::Timeouts)
        {
            for (clause, failure) in timing_probes::map_probes(&factory, options.timing) {
                failures.entry(clause).or_insert(failure);
            }
        }
        for clause in group.clauses {
            let missing: Vec<Feature> = needs(clause)
                .into_iter()
                .filter(|f| !supported.contains(f))
                .collect();
            let verdict = if let Some(f) = failures.remove(*clause) {
                Verdict::Fail(Box::new(f))
            } else if !missing.is_empty() {
                Verdict::NotApplicable(missing)
            } else {
                Verdict::Pass
            };
            clauses.push(ClauseResult {
                clause: clause.to_string(),
                group: group.name.to_string(),
                verdict,
            });
        }
        // Violations of clauses another group owns are reported too; the
        // merge below keeps one line per clause, a failure over a pass.
        for (clause, f) in failures {
            clauses.push(ClauseResult {
                clause,
                group: group.name.to_string(),
                verdict: Verdict::Fail(Box::new(f)),
            });
        }
    }
    // A clause found failing in a later group overrides an earlier pass.
    let mut merged: Vec<ClauseResult> = Vec::new();
    for c in clauses {
        match merged.iter_mut().find(|m| m.clause == c.clause) {
            Some(m) => {
                if matches!(c.verdict, Verdict::Fail(_)) && !matches!(m.verdict, Verdict::Fail(_)) {
                    m.verdict = c.verdict;
                }
            }
            None => merged.push(c),
        }
    }
    Report {
        executor: name.to_string(),
        cases: options.cases,
        seed: options.seed,
        scenarios,
        unsupported,
        clauses: merged,
        seconds: started.elapsed().as_secs_f64(),
    }
}
