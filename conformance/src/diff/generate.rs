//! The differential's scenarios: the kit's own strategies (every clause
//! group), made runnable on a given Python executor.

use crate::diff::format::{DiffScenario, Init};
use crate::groups::GROUPS;
use crate::runner::resolve;
use crate::scenario::{Scenario, Step, TaskSpec, ThreadOp};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};

/// What the Python side can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    /// `map(buffersize=…)` exists (CPython 3.14+).
    pub buffersize: bool,
    /// Tasks run in other processes: no gates, no task log.
    pub isolated: bool,
}

/// A kit scenario plus the random bits the differential adds (an
/// initializer that succeeds, map timeouts).
pub fn strategy() -> BoxedStrategy<(Scenario, u16)> {
    let groups = Union::new(GROUPS.iter().map(|g| g.strategy()));
    (groups, any::<u16>()).boxed()
}

/// The steps of `s` (resolved) that name only futures already submitted:
/// a step naming a future before any `submit` is dropped, a list of futures
/// before any is empty.
pub fn valid_steps(s: &Scenario) -> Vec<Step> {
    let mut submitted = 0usize;
    let mut out = Vec::new();
    for step in &s.steps {
        let none = submitted == 0;
        let step = match step {
            Step::Submit(_) => {
                submitted += 1;
                step.clone()
            }
            Step::Cancel(_)
            | Step::Result(..)
            | Step::Exception(..)
            | Step::Callback(..)
            | Step::Spawn(ThreadOp::Result(_))
                if none =>
            {
                continue;
            }
            Step::Wait(_, m, p) if none => Step::Wait(Vec::new(), *m, *p),
            Step::AsCompleted(_, p) if none => Step::AsCompleted(Vec::new(), *p),
            Step::Spawn(ThreadOp::Wait(_, m)) if none => {
                Step::Spawn(ThreadOp::Wait(Vec::new(), *m))
            }
            Step::Spawn(ThreadOp::AsCompleted(_)) if none => {
                Step::Spawn(ThreadOp::AsCompleted(Vec::new()))
            }
            other => other.clone(),
        };
        out.push(step);
    }
    out
}

fn ungate(t: TaskSpec, caps: Caps) -> TaskSpec {
    match t {
        TaskSpec::Gated(_) if caps.isolated => TaskSpec::Return,
        other => other,
    }
}

/// A deterministic mix of the scenario's random bits and shape, for the
/// choices the kit's strategies do not make (splitmix64's finaliser).
fn mix(bits: u16, s: &Scenario) -> u64 {
    let mut z = u64::from(bits) ^ ((s.steps.len() as u64) << 16) ^ ((s.workers as u64) << 32);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Where `map(buffersize=…)` exists, buffered maps in a good share of the
/// scenarios (the kit's strategies rarely make one): half the unbuffered
/// maps get a buffersize, and one scenario in four without a map gets a
/// buffered map of 2–5 items (values, gated items, a failure, chosen by
/// `h`) with a `next()` for each item and one more, spread over the steps
/// after it.
fn add_buffered_maps(s: &mut Scenario, h: u64) {
    let mut has_map = false;
    for (k, step) in s.steps.iter_mut().enumerate() {
        if let Step::Map { buffersize, .. } = step {
            has_map = true;
            if buffersize.is_none() && (h >> (k % 32)) & 1 == 1 {
                *buffersize = Some(1 + (h >> 40) as usize % 3);
            }
        }
    }
    if has_map || (h >> 62) != 0 {
        return;
    }
    let len = 2 + (h >> 8) as usize % 4;
    let items: Vec<TaskSpec> = (0..len)
        .map(|k| match (h >> (16 + 2 * k)) & 3 {
            0 | 1 => TaskSpec::Return,
            2 => TaskSpec::Gated(k % crate::scenario::GATES),
            _ => TaskSpec::Fail,
        })
        .collect();
    let at = (h >> 32) as usize % (s.steps.len() + 1);
    s.steps.insert(
        at,
        Step::Map {
            items,
            chunksize: 1,
            buffersize: Some(1 + (h >> 40) as usize % 2),
            timeout: false,
        },
    );
    for j in 0..=len {
        let pos = (at + 1 + 2 * j).min(s.steps.len());
        s.steps.insert(pos, Step::MapNext);
    }
}

/// Whether `s` has a map with a `buffersize`.
pub fn has_buffered_map(s: &Scenario) -> bool {
    s.steps.iter().any(|step| {
        matches!(
            step,
            Step::Map {
                buffersize: Some(_),
                ..
            }
        )
    })
}

/// `raw` made runnable on an executor with `caps`: operands resolved and
/// valid; `chunksize` 1 (CPython's `ThreadPoolExecutor` ignores it, the
/// reference batches: DIV-CHUNK-1, tested on its own); `buffersize` only
/// where it exists, and there in a good share of scenarios
/// (`add_buffered_maps`); no gates for isolated executors; one map in four
/// gets a short timeout, one scenario in four without a failing initializer
/// gets one that succeeds.
pub fn prepare(id: impl Into<String>, raw: &Scenario, bits: u16, caps: Caps) -> DiffScenario {
    let mut s = resolve(raw);
    s.steps = valid_steps(&s);
    if caps.buffersize {
        add_buffered_maps(&mut s, mix(bits, raw));
    }
    let mut maps = 0;
    for step in &mut s.steps {
        match step {
            Step::Submit(t) => *t = ungate(*t, caps),
            Step::Map {
                items,
                chunksize,
                buffersize,
                timeout,
            } => {
                for t in items.iter_mut() {
                    *t = ungate(*t, caps);
                }
                *chunksize = 1;
                if !caps.buffersize {
                    *buffersize = None;
                }
                *timeout = (bits >> (2 * (maps % 6))) & 3 == 0;
                maps += 1;
            }
            _ => {}
        }
    }
    let init = if raw.failing_initializer {
        Init::Fails
    } else if bits >> 13 == 0b111 || bits >> 13 == 0b110 {
        Init::Ok
    } else {
        Init::None
    };
    DiffScenario::new(id, s, init)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    fn share(caps: Caps) -> (usize, usize) {
        let mut runner = TestRunner::new_with_rng(
            Config::default(),
            TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
        );
        let strat = strategy();
        let mut buffered = 0;
        for k in 0..300 {
            let (raw, bits) = strat.new_tree(&mut runner).unwrap().current();
            let s = prepare(format!("t-{k}"), &raw, bits, caps);
            buffered += usize::from(has_buffered_map(&s.scenario));
        }
        (buffered, 300)
    }

    /// MAP-BUFFER-1/2/3 are exercised: where buffersize exists, at least
    /// one generated scenario in ten has a buffered map; where it does not,
    /// none has.
    #[test]
    fn buffered_maps_are_a_tenth_of_the_scenarios_where_they_exist() {
        let (b, n) = share(Caps {
            buffersize: true,
            isolated: false,
        });
        println!("MAP-BUFFER-*: {b} of {n} scenarios have a buffered map");
        assert!(b * 10 >= n, "{b} of {n}");
        let (b, _) = share(Caps {
            buffersize: false,
            isolated: false,
        });
        assert_eq!(b, 0);
    }
}
