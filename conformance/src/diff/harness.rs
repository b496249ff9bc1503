//! A differential campaign: generate scenarios, run each on the reference
//! and on a Python executor, compare, shrink the first unexpected
//! difference of each clause, and tally per clause.

use crate::diff::compare::{Comparison, Difference, compare};
use crate::diff::format::DiffScenario;
use crate::diff::generate::{Caps, prepare, strategy};
use crate::diff::python::{Driver, Interpreter};
use crate::diff::reference::run_reference;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug)]
pub struct Campaign {
    /// Scenarios to generate.
    pub scenarios: u32,
    /// The generator's seed.
    pub seed: u64,
    /// At most this many shrink steps per unexpected difference.
    pub shrink_steps: u32,
    /// At most this long shrinking one difference.
    pub shrink_time: Duration,
}

impl Default for Campaign {
    fn default() -> Campaign {
        Campaign {
            scenarios: 300,
            seed: 0xC0FFEE,
            shrink_steps: 200,
            shrink_time: Duration::from_secs(60),
        }
    }
}

/// A difference nobody expected, with the smallest scenario found.
#[derive(Clone, Debug)]
pub struct Unexpected {
    /// The (shrunk) scenario.
    pub scenario: DiffScenario,
    /// The first difference it shows.
    pub difference: Difference,
    /// Scenarios with an unexpected difference on this clause.
    pub count: u32,
}

/// One Python executor's results.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Interpreter path, version, executor.
    pub interpreter: Option<Interpreter>,
    /// `module:callable`.
    pub executor: String,
    /// Scenarios run.
    pub scenarios: u32,
    /// Scenarios whose traces agree.
    pub agreed: u32,
    /// Scenarios with a buffered map (`map(buffersize=…)`).
    pub buffered: u32,
    /// Expected differences by spec entry, with one example each.
    pub expected: BTreeMap<String, (u32, Difference)>,
    /// Unexpected differences by clause.
    pub unexpected: BTreeMap<String, Unexpected>,
    /// Scenarios in which each clause's observations agreed.
    pub confirmed: BTreeMap<String, u32>,
    /// Runs the driver could not complete (it crashed or stalled).
    pub errors: Vec<String>,
    /// Seconds taken.
    pub seconds: f64,
}

/// The Rust side of a comparison: runs a scenario, returns its trace.
pub type RustSide<'a> = &'a dyn Fn(&DiffScenario) -> Value;

/// Runs one scenario on the reference and on the driver's executor.
pub fn run_pair(driver: &mut Driver, s: &DiffScenario) -> Result<(Value, Value), String> {
    run_pair_with(driver, s, &run_reference)
}

/// Runs one scenario on `rust` and on the driver's executor.
pub fn run_pair_with(
    driver: &mut Driver,
    s: &DiffScenario,
    rust: RustSide<'_>,
) -> Result<(Value, Value), String> {
    let reference = rust(s);
    let limit = s.patience * (s.scenario.steps.len() as u32 + 4) + Duration::from_secs(10);
    let python = driver.run(&s.to_json(), limit)?;
    if let Some(e) = python.get("error") {
        return Err(format!("the driver refused the scenario: {e}"));
    }
    Ok((reference, python))
}

fn compare_pair(
    driver: &mut Driver,
    s: &DiffScenario,
    caps: Caps,
    rust: RustSide<'_>,
) -> Result<Comparison, String> {
    let (r, p) = run_pair_with(driver, s, rust)?;
    Ok(compare(s, &r, &p, driver.interpreter.minor, caps.isolated))
}

/// Runs `campaign` on the reference and on the executor `driver` runs;
/// `progress(done, tally)` is called after each scenario.
pub fn run(
    driver: &mut Driver,
    caps: Caps,
    campaign: &Campaign,
    progress: &mut dyn FnMut(u32, &Tally),
) -> Tally {
    run_with(driver, caps, campaign, &run_reference, progress)
}

/// Like [`run`], with `rust` in place of the reference (to see the
/// differential catch a deliberately broken executor).
pub fn run_with(
    driver: &mut Driver,
    caps: Caps,
    campaign: &Campaign,
    rust: RustSide<'_>,
    progress: &mut dyn FnMut(u32, &Tally),
) -> Tally {
    let started = Instant::now();
    let mut tally = Tally {
        interpreter: Some(driver.interpreter.clone()),
        executor: driver.executor.clone(),
        ..Tally::default()
    };
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&campaign.seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
    );
    let strat = strategy();
    for k in 0..campaign.scenarios {
        let Ok(mut tree) = strat.new_tree(&mut runner) else {
            continue;
        };
        let (raw, bits) = tree.current();
        let s = prepare(format!("{}-{k}", campaign.seed), &raw, bits, caps);
        tally.scenarios += 1;
        tally.buffered += u32::from(crate::diff::generate::has_buffered_map(&s.scenario));
        match compare_pair(driver, &s, caps, rust) {
            Err(e) => tally.errors.push(format!("scenario {}: {e}", s.id)),
            Ok(c) => {
                for clause in &c.confirmed {
                    *tally.confirmed.entry(clause.clone()).or_default() += 1;
                }
                match c.difference {
                    None => tally.agreed += 1,
                    Some(d) => match &d.expected {
                        Some((id, _)) => {
                            tally.expected.entry(id.clone()).or_insert((0, d.clone())).0 += 1;
                        }
                        None => {
                            let clause = d.clause.clone();
                            if let Some(u) = tally.unexpected.get_mut(&clause) {
                                u.count += 1;
                            } else {
                                let (scenario, difference) =
                                    shrink(driver, &mut tree, s, d, caps, campaign, rust);
                                tally.unexpected.insert(
                                    clause,
                                    Unexpected {
                                        scenario,
                                        difference,
                                        count: 1,
                                    },
                                );
                            }
                        }
                    },
                }
            }
        }
        progress(k + 1, &tally);
    }
    tally.seconds = started.elapsed().as_secs_f64();
    tally
}

/// proptest's shrinking, re-running both sides at each candidate: keeps the
/// smallest scenario that still shows an unexpected difference.
fn shrink<T: ValueTree<Value = (crate::Scenario, u16)>>(
    driver: &mut Driver,
    tree: &mut T,
    s: DiffScenario,
    d: Difference,
    caps: Caps,
    campaign: &Campaign,
    rust: RustSide<'_>,
) -> (DiffScenario, Difference) {
    let started = Instant::now();
    let mut best = (s, d);
    let mut failing = true;
    for _ in 0..campaign.shrink_steps {
        if started.elapsed() > campaign.shrink_time {
            break;
        }
        let moved = if failing {
            tree.simplify()
        } else {
            tree.complicate()
        };
        if !moved {
            break;
        }
        let (raw, bits) = tree.current();
        let cand = prepare(best.0.id.clone(), &raw, bits, caps);
        failing = match compare_pair(driver, &cand, caps, rust) {
            Ok(Comparison {
                difference: Some(d),
                ..
            }) if d.expected.is_none() => {
                best = (cand, d);
                true
            }
            _ => false,
        };
    }
    best
}
