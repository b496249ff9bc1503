//! The differences the harness expects: each one names the spec entry that
//! records it (a version-specific clause, or a `DIV-*` divergence: a CPython
//! defect the reference does not reproduce) and says why. Anything else is
//! a failure.

use crate::diff::compare::Difference;
use crate::diff::format::{DiffScenario, Init};
use crate::diff::versions;
use crate::scenario::{Step, ThreadOp};
use serde_json::Value;
use std::collections::VecDeque;

/// What happened before the step being compared.
#[derive(Clone, Debug)]
pub struct Context {
    /// The Python executor's CPython minor version.
    pub minor: u32,
    /// The initializer fails.
    pub init_fails: bool,
    /// A `shutdown` step ran.
    pub shutdown: bool,
    /// A `shutdown(cancel_futures=True)` step ran.
    pub drained: bool,
    /// A `cancel()` returned true.
    pub cancelled: bool,
    /// A `map_next` timed out.
    pub map_timed_out: bool,
    /// The live map iterator has been advanced.
    pub map_advanced: bool,
    /// The live map's `buffersize` (`None`: no live map, or not buffered).
    pub map_buffer: Option<usize>,
    /// The live map's first task id and its number of items.
    pub map_tasks: (usize, usize),
    /// `next()` calls on the live map that returned a value.
    pub map_yielded: usize,
    /// Task ids given out so far (a submit takes one, a map one per item).
    pub tasks: usize,
    /// The buffered top-up task that raced the end of a map (submitted by
    /// the `next()` that yielded a failure or a timeout): it may or may not
    /// have started, on either side (MAP-BUFFER-2).
    pub top_up_race: Option<usize>,
    /// The `return_when` and futures of helper threads not yet joined,
    /// oldest first (`None`: not a `wait`).
    helpers: VecDeque<(Option<crate::Mode>, Vec<usize>)>,
}

impl Context {
    /// The context before the first step of `s` run on CPython 3.`minor`.
    pub fn new(s: &DiffScenario, minor: u32) -> Context {
        Context {
            minor,
            init_fails: s.init == Init::Fails,
            shutdown: false,
            drained: false,
            cancelled: false,
            map_timed_out: false,
            map_advanced: false,
            map_buffer: None,
            map_tasks: (0, 0),
            map_yielded: 0,
            tasks: 0,
            top_up_race: None,
            helpers: VecDeque::new(),
        }
    }

    /// The mode of the `k`-th oldest helper, if it waits.
    pub fn helper_mode(&self, k: usize) -> Option<crate::Mode> {
        self.helpers.get(k).and_then(|h| h.0)
    }

    /// Whether a helper not yet joined was given a future twice.
    pub fn any_helper_has_duplicates(&self) -> bool {
        self.helpers.iter().any(|h| has_duplicates(&h.1))
    }

    /// Whether the `k`-th oldest helper was given a future twice.
    pub fn helper_has_duplicates(&self, k: usize) -> bool {
        self.helpers.get(k).is_some_and(|h| has_duplicates(&h.1))
    }

    /// The task a buffered `next()` tops the map up with now (MAP-BUFFER-2),
    /// if it has one left to submit.
    pub fn top_up(&self) -> Option<usize> {
        let b = self.map_buffer?;
        let (first, len) = self.map_tasks;
        (b + self.map_yielded < len).then_some(first + b + self.map_yielded)
    }

    /// Records `step`, which observed `obs` on both sides.
    pub fn after(&mut self, step: &Step, obs: &Value) {
        match step {
            Step::Submit(_) => self.tasks += 1,
            Step::Map {
                items, buffersize, ..
            } => {
                self.map_tasks = (self.tasks, items.len());
                self.tasks += items.len();
                self.map_yielded = 0;
                self.map_buffer = if obs.get("error").is_none() {
                    *buffersize
                } else {
                    None
                };
            }
            Step::MapDrop => self.map_buffer = None,
            Step::MapNext if obs.get("value").is_some() => self.map_yielded += 1,
            Step::MapNext if obs.get("error").is_some() => {
                // A failure or a deadline ends the iteration just after the
                // top-up was submitted; a refusal (MAP-BUFFER-3) submitted
                // nothing.
                let kind = obs["error"]["kind"].as_str().unwrap_or("");
                if !matches!(kind, "shutdown" | "broken") {
                    self.top_up_race = self.top_up().or(self.top_up_race);
                }
                self.map_buffer = None;
            }
            Step::MapNext if obs.get("stop").is_some() => self.map_buffer = None,
            _ => {}
        }
        match step {
            Step::Shutdown {
                wait,
                cancel_futures,
            } => {
                self.shutdown = true;
                self.drained |= *cancel_futures;
                if *wait && obs.get("error").is_none() {
                    self.helpers.push_back((None, Vec::new()));
                }
            }
            Step::Cancel(_) if obs["cancelled"] == true => self.cancelled = true,
            Step::Spawn(op) if obs.get("skipped").is_none() => self.helpers.push_back(match op {
                ThreadOp::Wait(fs, m) => (Some(*m), fs.clone()),
                ThreadOp::AsCompleted(fs) => (None, fs.clone()),
                ThreadOp::Result(i) => (None, vec![*i]),
            }),
            Step::Map { .. } => self.map_advanced = false,
            Step::MapNext if obs.get("skipped").is_none() => {
                self.map_advanced = true;
                self.map_timed_out |= obs["error"]["kind"] == "timeout";
            }
            Step::Join if obs.get("call").is_some() || obs.get("hang").is_some() => {
                self.helpers.pop_front();
            }
            _ => {}
        }
    }
}

/// Whether a future appears twice in `fs`.
pub fn has_duplicates(fs: &[usize]) -> bool {
    fs.iter().enumerate().any(|(k, f)| fs[..k].contains(f))
}

/// Why `d` is intended, if it is: `(spec entry, reason)`.
pub fn classify(d: &Difference, cx: &Context) -> Option<(String, String)> {
    // A clause the spec says this CPython version does not have.
    if versions::holds_on(&d.clause, cx.minor) == Some(false) {
        return Some((
            d.clause.clone(),
            format!(
                "version-specific: the spec states {} for other CPython versions than 3.{}",
                d.clause, cx.minor
            ),
        ));
    }
    let waits = matches!(
        d.op.as_str(),
        "wait" | "as_completed" | "join" | "teardown" | "run"
    );
    // gh-92001: CPython leaves futures drained by shutdown(cancel_futures)
    // CANCELLED, never notified, so waits on them hang or call them not done.
    if cx.drained && waits {
        return Some((
            "DIV-NOTIFY-1".into(),
            "CPython leaves futures drained by shutdown(cancel_futures=True) un-notified (gh-92001)".into(),
        ));
    }
    // An initializer failure with an already-cancelled queued future: CPython
    // stops draining at it and leaves the later futures PENDING.
    if cx.init_fails && cx.cancelled {
        return Some((
            "DIV-INITCANCEL-1".into(),
            "CPython's broken-pool drain stops at an already-cancelled future".into(),
        ));
    }
    None
}
