//! The differential's scenarios: the kit's own strategies (every clause
//! group), resolved, with buffered maps in a good share of them where the
//! Python executor has `buffersize`.

use crate::adapter::Feature;
use crate::groups::GROUPS;
use crate::runner::resolve;
use crate::scenario::{Scenario, Step, TaskSpec, ThreadOp};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// A kit scenario plus random bits for the choices the kit's strategies do
/// not make.
pub fn strategy() -> BoxedStrategy<(Scenario, u16)> {
    let groups = Union::new(GROUPS.iter().map(|g| g.strategy()));
    (groups, any::<u16>()).boxed()
}

/// `n` generated scenarios (the same `seed` gives the same ones), resolved,
/// with only valid operands, for an executor lacking `unsupported`: with
/// `map-buffersize`, a good share get a buffered map (MAP-BUFFER-*; see
/// [`add_buffered_maps`]); without an initializer, none has a failing one.
pub fn scenarios(n: u32, seed: u64, unsupported: &[Feature]) -> Vec<Scenario> {
    let buffered = !unsupported.contains(&Feature::MapBuffersize);
    let initializer = !unsupported.contains(&Feature::Initializer);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let strategy = strategy();
    (0..n)
        .map(|_| {
            let (raw, bits) = strategy
                .new_tree(&mut runner)
                .expect("a scenario")
                .current();
            let mut s = resolve(&raw);
            s.steps = valid_steps(&s);
            s.failing_initializer &= initializer;
            if buffered {
                add_buffered_maps(&mut s, mix(bits, &raw));
            }
            s
        })
        .collect()
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
pub fn add_buffered_maps(s: &mut Scenario, h: u64) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// MAP-BUFFER-1/2/3 are exercised: where buffersize exists, at least
    /// one generated scenario in ten has a buffered map; where it does not,
    /// only those the kit's own strategies make (which the runner skips).
    #[test]
    fn buffered_maps_are_a_tenth_of_the_scenarios_where_they_exist() {
        let with = scenarios(300, 7, &[]);
        let b = with.iter().filter(|s| has_buffered_map(s)).count();
        println!("MAP-BUFFER-*: {b} of 300 scenarios have a buffered map");
        assert!(b * 10 >= 300, "{b} of 300");
        let without = scenarios(300, 7, &[Feature::MapBuffersize]);
        let b0 = without.iter().filter(|s| has_buffered_map(s)).count();
        assert!(b0 < b, "{b0} without, {b} with");
        assert_eq!(scenarios(5, 9, &[]), scenarios(5, 9, &[]));
        let plain = scenarios(100, 7, &[Feature::Initializer]);
        assert!(plain.iter().all(|s| !s.failing_initializer));
        assert!(with.iter().any(|s| s.failing_initializer));
    }
}
