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

/// `raw` made runnable on an executor with `caps`: operands resolved and
/// valid; `chunksize` 1 (CPython's `ThreadPoolExecutor` ignores it, the
/// reference batches: DIV-CHUNK-1, tested on its own); `buffersize` only
/// where it exists; no gates for isolated executors; one map in four gets a
/// short timeout, one scenario in four without a failing initializer gets
/// one that succeeds.
pub fn prepare(id: impl Into<String>, raw: &Scenario, bits: u16, caps: Caps) -> DiffScenario {
    let mut s = resolve(raw);
    s.steps = valid_steps(&s);
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
