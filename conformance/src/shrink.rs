//! Minimising a failing scenario: the smallest scenario the kit can find
//! that still violates the same clause.
//!
//! The search is greedy and deterministic. From the current scenario it
//! tries, in order: cutting every step after the violation; removing one
//! step (last first; removing a `submit` removes every reference to its
//! future and renumbers the later ones); simplifying one step (a task that
//! returns instead of blocking or failing, no timeout instead of a short one,
//! one operand fewer, no `buffersize`, `chunksize=1`, `wait=False`, no
//! `cancel_futures`, a callback that does not panic); one worker fewer; an
//! initializer that does not fail. (A violation seen while the executor
//! was being built loses every step first, without a replay: none had run.)
//! The first candidate that still violates
//! the clause becomes the current scenario and the search starts over; it
//! ends when no candidate does, or the [`Budget`] is spent. Candidates are
//! only ever smaller or simpler, so the search terminates.

use crate::runner::{BUILDING, Trace, Violation};
use crate::scenario::{Patience, Scenario, Step, TaskSpec, ThreadOp};
use std::time::{Duration, Instant};

/// How much a minimisation may spend.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Candidate scenarios run at most.
    pub runs: u32,
    /// Wall time at most.
    pub time: Duration,
}

/// Minimises `failing` (a resolved scenario, the violation it shows, its
/// trace). `violates(candidate)` runs a candidate and returns the violation
/// and trace if it still shows the same clause.
pub fn minimise(
    failing: (Scenario, Violation, Trace),
    budget: Budget,
    mut violates: impl FnMut(&Scenario) -> Option<(Violation, Trace)>,
) -> (Scenario, Violation, Trace) {
    let (current, mut violation, mut trace) = failing;
    let mut current = without_unrun_steps(current, &violation);
    let started = Instant::now();
    let mut runs = 0u32;
    'search: loop {
        for candidate in candidates(&current, violation.step) {
            if runs >= budget.runs || started.elapsed() >= budget.time {
                break 'search;
            }
            runs += 1;
            if let Some((v, t)) = violates(&candidate) {
                (current, violation, trace) = (candidate, v, t);
                continue 'search;
            }
        }
        break;
    }
    (current, violation, trace)
}

/// `s` without the steps that cannot be part of `violation`'s
/// counterexample: all of them when it was seen while the executor was
/// being built ([`BUILDING`]), since none had run. Dropped without a
/// replay, which could only show whether the build fails again (it may
/// fail only after earlier cases, as a crashed scheduler makes it).
pub fn without_unrun_steps(mut s: Scenario, violation: &Violation) -> Scenario {
    if violation.step == Some(BUILDING) {
        s.steps.clear();
    }
    s
}

/// Every smaller or simpler neighbour of `s`, most aggressive first.
fn candidates(s: &Scenario, failed_at: Option<usize>) -> Vec<Scenario> {
    let mut out = Vec::new();
    if let Some(n) = failed_at {
        if n < s.steps.len() {
            out.push(Scenario {
                steps: s.steps[..n].to_vec(),
                ..s.clone()
            });
        }
    }
    for i in (0..s.steps.len()).rev() {
        out.push(remove_step(s, i));
    }
    for (i, step) in s.steps.iter().enumerate() {
        for simpler in simplify(step).into_iter().chain(retarget(step)) {
            let mut c = s.clone();
            c.steps[i] = simpler;
            out.push(c);
        }
    }
    if s.workers > 1 {
        out.push(Scenario {
            workers: s.workers - 1,
            ..s.clone()
        });
    }
    if s.failing_initializer {
        out.push(Scenario {
            failing_initializer: false,
            ..s.clone()
        });
    }
    out
}

/// `s` without step `i`. Removing the `submit` of future `k` drops every
/// step acting on `k` alone, takes `k` out of every list, and renumbers the
/// futures after it.
pub fn remove_step(s: &Scenario, i: usize) -> Scenario {
    let mut steps = s.steps.clone();
    let removed = steps.remove(i);
    if matches!(removed, Step::Submit(_)) {
        let k = s.steps[..i]
            .iter()
            .filter(|st| matches!(st, Step::Submit(_)))
            .count();
        let (before, after) = steps.split_at(i);
        let mut kept = before.to_vec();
        kept.extend(after.iter().filter_map(|st| renumber(st, k)));
        steps = kept;
    }
    Scenario { steps, ..s.clone() }
}

/// `step` with future `k` gone: `None` if it acted on `k` alone.
fn renumber(step: &Step, k: usize) -> Option<Step> {
    let one = |f: usize| match f.cmp(&k) {
        std::cmp::Ordering::Less => Some(f),
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Greater => Some(f - 1),
    };
    let many = |fs: &[usize]| fs.iter().filter_map(|&f| one(f)).collect::<Vec<_>>();
    Some(match step {
        Step::Cancel(f) => Step::Cancel(one(*f)?),
        Step::Result(f, p) => Step::Result(one(*f)?, *p),
        Step::Exception(f, p) => Step::Exception(one(*f)?, *p),
        Step::Callback(f, panics) => Step::Callback(one(*f)?, *panics),
        Step::Wait(fs, m, p) => Step::Wait(many(fs), *m, *p),
        Step::AsCompleted(fs, p) => Step::AsCompleted(many(fs), *p),
        Step::Spawn(ThreadOp::Result(f)) => Step::Spawn(ThreadOp::Result(one(*f)?)),
        Step::Spawn(ThreadOp::Wait(fs, m)) => Step::Spawn(ThreadOp::Wait(many(fs), *m)),
        Step::Spawn(ThreadOp::AsCompleted(fs)) => Step::Spawn(ThreadOp::AsCompleted(many(fs))),
        other => other.clone(),
    })
}

/// The step acting on an earlier future instead (so that a later `submit`
/// may become removable).
fn retarget(step: &Step) -> Vec<Step> {
    let earlier = |f: usize| 0..f;
    match step {
        Step::Cancel(f) => earlier(*f).map(Step::Cancel).collect(),
        Step::Result(f, p) => earlier(*f).map(|g| Step::Result(g, *p)).collect(),
        Step::Exception(f, p) => earlier(*f).map(|g| Step::Exception(g, *p)).collect(),
        Step::Callback(f, panics) => earlier(*f).map(|g| Step::Callback(g, *panics)).collect(),
        Step::Spawn(ThreadOp::Result(f)) => earlier(*f)
            .map(|g| Step::Spawn(ThreadOp::Result(g)))
            .collect(),
        _ => Vec::new(),
    }
}

/// Each list with one element fewer.
fn shorter<T: Clone>(v: &[T]) -> Vec<Vec<T>> {
    (0..v.len())
        .map(|i| {
            let mut w = v.to_vec();
            w.remove(i);
            w
        })
        .collect()
}

fn simpler_task(t: TaskSpec) -> Vec<TaskSpec> {
    match t {
        TaskSpec::Return => vec![],
        TaskSpec::Panic => vec![TaskSpec::Return, TaskSpec::Fail],
        TaskSpec::Fail | TaskSpec::Gated(_) => vec![TaskSpec::Return],
    }
}

fn simpler_patience(p: Patience) -> Vec<Patience> {
    match p {
        Patience::Forever => vec![],
        Patience::Zero => vec![Patience::Forever],
        Patience::Short => vec![Patience::Forever, Patience::Zero],
    }
}

/// Simpler versions of one step.
fn simplify(step: &Step) -> Vec<Step> {
    match step {
        Step::Submit(t) => simpler_task(*t).into_iter().map(Step::Submit).collect(),
        Step::Result(f, p) => simpler_patience(*p)
            .into_iter()
            .map(|p| Step::Result(*f, p))
            .collect(),
        Step::Exception(f, p) => {
            let mut v: Vec<Step> = simpler_patience(*p)
                .into_iter()
                .map(|p| Step::Exception(*f, p))
                .collect();
            v.push(Step::Result(*f, *p));
            v
        }
        Step::Callback(f, true) => vec![Step::Callback(*f, false)],
        Step::Wait(fs, m, p) => {
            let mut v: Vec<Step> = shorter(fs)
                .into_iter()
                .map(|fs| Step::Wait(fs, *m, *p))
                .collect();
            v.extend(
                simpler_patience(*p)
                    .into_iter()
                    .map(|p| Step::Wait(fs.clone(), *m, p)),
            );
            v
        }
        Step::AsCompleted(fs, p) => {
            let mut v: Vec<Step> = shorter(fs)
                .into_iter()
                .map(|fs| Step::AsCompleted(fs, *p))
                .collect();
            v.extend(
                simpler_patience(*p)
                    .into_iter()
                    .map(|p| Step::AsCompleted(fs.clone(), p)),
            );
            v
        }
        Step::Map {
            items,
            chunksize,
            buffersize,
            timeout,
        } => {
            let map = |items: Vec<TaskSpec>, chunksize, buffersize, timeout| Step::Map {
                items,
                chunksize,
                buffersize,
                timeout,
            };
            let mut v = Vec::new();
            if items.len() > 1 {
                v.extend(
                    shorter(items)
                        .into_iter()
                        .map(|items| map(items, *chunksize, *buffersize, *timeout)),
                );
            }
            for (i, t) in items.iter().enumerate() {
                for simpler in simpler_task(*t) {
                    let mut items = items.clone();
                    items[i] = simpler;
                    v.push(map(items, *chunksize, *buffersize, *timeout));
                }
            }
            if *chunksize > 1 {
                v.push(map(items.clone(), 1, *buffersize, *timeout));
            }
            if buffersize.is_some() {
                v.push(map(items.clone(), *chunksize, None, *timeout));
            }
            if *timeout {
                v.push(map(items.clone(), *chunksize, *buffersize, false));
            }
            v
        }
        Step::Shutdown {
            wait,
            cancel_futures,
        } => {
            let mut v = Vec::new();
            if *wait {
                v.push(Step::Shutdown {
                    wait: false,
                    cancel_futures: *cancel_futures,
                });
            }
            if *cancel_futures {
                v.push(Step::Shutdown {
                    wait: *wait,
                    cancel_futures: false,
                });
            }
            v
        }
        Step::Spawn(ThreadOp::Wait(fs, m)) => shorter(fs)
            .into_iter()
            .map(|fs| Step::Spawn(ThreadOp::Wait(fs, *m)))
            .collect(),
        Step::Spawn(ThreadOp::AsCompleted(fs)) => shorter(fs)
            .into_iter()
            .map(|fs| Step::Spawn(ThreadOp::AsCompleted(fs)))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(text: &str) -> Scenario {
        Scenario::from_replay(text).unwrap()
    }

    #[test]
    fn removing_a_submit_drops_and_renumbers_the_steps_on_its_future() {
        let s = scenario("w1;s:r;s:gA;s:f;c:1;r:2:n;w:0,1,2:ac:n;t:r:1;j");
        let without_f1 = remove_step(&s, 1);
        assert_eq!(without_f1.to_replay(), "w1;s:r;s:f;r:1:n;w:0,1:ac:n;j");
    }

    #[test]
    fn minimise_reaches_the_two_steps_that_matter() {
        // The "violation": a gated submit followed by a result with timeout 0.
        let s = scenario("w2;s:r;s:gA;cb:0;o:B;r:1:z;s:f;w:0,1:fc:s;j");
        let v = Violation {
            clause: "FUT-TIMEOUT-2".into(),
            kind: crate::runner::Kind::Stuck,
            step: Some(5),
            expected: String::new(),
            observed: String::new(),
        };
        let shows = |c: &Scenario| {
            let mut gated = None;
            let mut submitted = 0;
            for st in &c.steps {
                match st {
                    Step::Submit(TaskSpec::Gated(_)) => {
                        gated = Some(submitted);
                        submitted += 1;
                    }
                    Step::Submit(_) => submitted += 1,
                    Step::Result(f, Patience::Zero) if Some(*f) == gated => return true,
                    _ => {}
                }
            }
            false
        };
        let budget = Budget {
            runs: 10_000,
            time: Duration::from_secs(60),
        };
        let (min, _, _) = minimise((s, v.clone(), Trace::default()), budget, |c| {
            shows(c).then(|| (v.clone(), Trace::default()))
        });
        assert_eq!(min.to_replay(), "w1;s:gA;r:0:z");
    }
}
