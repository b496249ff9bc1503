//! Scenarios: what the kit generates, runs, shrinks and prints.
//!
//! A scenario is an executor configuration and a list of numbered steps
//! issued by one driver thread, some of which start helper threads. Tasks
//! that must stay running block on *gates* that later steps open, so the
//! interleaving is chosen by the scenario, never by timing.

use crate::adapter::Mode;
use crate::runner::{Note, Trace};
use std::fmt;

/// Number of distinct gates a scenario uses (named `A`, `B`, `C`).
pub const GATES: usize = 3;

/// What one task does when it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskSpec {
    /// Returns its value.
    Return,
    /// Returns an error (Python: raises an exception).
    Fail,
    /// Panics.
    Panic,
    /// Blocks until gate `n` is open, then returns its value.
    Gated(usize),
}

/// How long a `result`/`exception`/`wait`/`as_completed` step may wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Patience {
    /// No timeout (`None`): waits as long as it takes.
    Forever,
    /// `timeout=0`: a non-blocking check.
    Zero,
    /// A short positive timeout.
    Short,
}

/// An operation a helper thread performs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ThreadOp {
    /// `result()` without a timeout on future `f`.
    Result(usize),
    /// `wait(fs, None, mode)`.
    Wait(Vec<usize>, Mode),
    /// `as_completed(fs)` drained to the end.
    AsCompleted(Vec<usize>),
}

/// One step of a scenario. Future operands are indices into the futures
/// submitted so far, taken modulo their number (so shrinking never makes a
/// step invalid); a step with no future to act on is skipped.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// `submit(task)`.
    Submit(TaskSpec),
    /// `future.cancel()`.
    Cancel(usize),
    /// Opens a gate, releasing the tasks blocked on it.
    Open(usize),
    /// `future.result(timeout)`.
    Result(usize, Patience),
    /// `future.exception(timeout)`.
    Exception(usize, Patience),
    /// `future.add_done_callback(cb)`; the callback panics if `panics`.
    Callback(usize, bool),
    /// `wait(fs, timeout, mode)`.
    Wait(Vec<usize>, Mode, Patience),
    /// `as_completed(fs, timeout)`, drained.
    AsCompleted(Vec<usize>, Patience),
    /// `executor.map(run, items, timeout, chunksize, buffersize)`; the
    /// iterator is kept for the `MapNext` and `MapDrop` steps.
    Map {
        /// The items, one task each.
        items: Vec<TaskSpec>,
        /// `chunksize`.
        chunksize: usize,
        /// `buffersize`.
        buffersize: Option<usize>,
        /// Whether a short `timeout` is given.
        timeout: bool,
    },
    /// `next()` on the map iterator.
    MapNext,
    /// Drops the map iterator.
    MapDrop,
    /// `shutdown(wait=False, cancel_futures)` on the driver; with `wait`, a
    /// helper thread calls `shutdown(wait=True, cancel_futures)` instead and
    /// the driver goes on (joined like other helpers).
    Shutdown {
        /// Whether the call is `shutdown(wait=True)`, made on a helper thread.
        wait: bool,
        /// `cancel_futures`.
        cancel_futures: bool,
    },
    /// Starts a helper thread performing `op`.
    Spawn(ThreadOp),
    /// Joins the oldest helper thread, if its operation can have returned.
    Join,
}

/// A generated scenario.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scenario {
    /// `max_workers`.
    pub workers: usize,
    /// Whether the executor's initializer fails.
    pub failing_initializer: bool,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// A gate's letter.
pub fn gate_name(g: usize) -> char {
    (b'A' + (g % GATES) as u8) as char
}

impl fmt::Display for TaskSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskSpec::Return => f.write_str("returns"),
            TaskSpec::Fail => f.write_str("raises"),
            TaskSpec::Panic => f.write_str("panics"),
            TaskSpec::Gated(g) => write!(f, "waits for gate {}, then returns", gate_name(*g)),
        }
    }
}

impl fmt::Display for Patience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Patience::Forever => f.write_str("timeout=None"),
            Patience::Zero => f.write_str("timeout=0"),
            Patience::Short => f.write_str("timeout=short"),
        }
    }
}

fn list(fs: &[usize]) -> String {
    let names: Vec<String> = fs.iter().map(|i| format!("f{i}")).collect();
    format!("[{}]", names.join(", "))
}

impl fmt::Display for ThreadOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThreadOp::Result(i) => write!(f, "f{i}.result()"),
            ThreadOp::Wait(fs, m) => write!(f, "wait({}, {m:?})", list(fs)),
            ThreadOp::AsCompleted(fs) => write!(f, "list(as_completed({}))", list(fs)),
        }
    }
}

/// `it = map(run, [items], chunksize=…, buffersize=…, timeout=…)`.
fn write_map(f: &mut impl fmt::Write, step: &Step, items: &str) -> fmt::Result {
    let Step::Map {
        chunksize,
        buffersize,
        timeout,
        ..
    } = step
    else {
        return Ok(());
    };
    write!(f, "it = map(run, [{items}], chunksize={chunksize}")?;
    if let Some(b) = buffersize {
        write!(f, ", buffersize={b}")?;
    }
    if *timeout {
        f.write_str(", timeout=short")?;
    }
    f.write_str(")")
}

impl fmt::Display for Step {
    /// The step as written in a report. Operand indices are shown raw; the
    /// runner's trace shows them resolved.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Submit(t) => write!(f, "submit a task that {t}"),
            Step::Cancel(i) => write!(f, "f{i}.cancel()"),
            Step::Open(g) => write!(f, "open gate {}", gate_name(*g)),
            Step::Result(i, p) => write!(f, "f{i}.result({p})"),
            Step::Exception(i, p) => write!(f, "f{i}.exception({p})"),
            Step::Callback(i, panics) => write!(
                f,
                "f{i}.add_done_callback(cb){}",
                if *panics {
                    " with a callback that panics"
                } else {
                    ""
                }
            ),
            Step::Wait(fs, m, p) => write!(f, "wait({}, {p}, {m:?})", list(fs)),
            Step::AsCompleted(fs, p) => write!(f, "list(as_completed({}, {p}))", list(fs)),
            Step::Map { items, .. } => {
                let items: Vec<String> = items.iter().map(|t| format!("<{t}>")).collect();
                write_map(f, self, &items.join(", "))
            }
            Step::MapNext => f.write_str("next(it)"),
            Step::MapDrop => f.write_str("drop(it)"),
            Step::Shutdown {
                wait,
                cancel_futures,
            } => {
                let cf = if *cancel_futures { "True" } else { "False" };
                if *wait {
                    write!(
                        f,
                        "a new thread calls shutdown(wait=True, cancel_futures={cf})"
                    )
                } else {
                    write!(f, "shutdown(wait=False, cancel_futures={cf})")
                }
            }
            Step::Spawn(op) => write!(f, "a new thread calls {op}"),
            Step::Join => f.write_str("join the oldest thread"),
        }
    }
}

impl fmt::Display for Scenario {
    /// Numbered, readable steps; futures are `f0, f1, …` in submission
    /// order, tasks `t0, t1, …` in creation order (as in the run's log).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(None))
    }
}

impl Scenario {
    /// The numbered steps, annotated with what a run did: a step the run
    /// skipped or changed says so, steps after the one that failed are
    /// marked as not reached, and the teardown actions taken are listed.
    pub fn render(&self, run: Option<(&Trace, Option<usize>)>) -> String {
        let mut out = format!("executor with max_workers={}", self.workers);
        if self.failing_initializer {
            out.push_str(" and an initializer that fails");
        }
        out.push('\n');
        let (mut futures, mut tasks) = (0, 0);
        for (n, step) in self.steps.iter().enumerate() {
            let text = match step {
                Step::Submit(t) => {
                    futures += 1;
                    tasks += 1;
                    format!("f{} = submit(t{}: a task that {t})", futures - 1, tasks - 1)
                }
                Step::Map { items, .. } => {
                    let items: Vec<String> = items
                        .iter()
                        .map(|t| {
                            tasks += 1;
                            format!("t{}: {t}", tasks - 1)
                        })
                        .collect();
                    let mut s = String::new();
                    let _ = write_map(&mut s, step, &items.join("; "));
                    s
                }
                other => other.to_string(),
            };
            let note = match run {
                None => String::new(),
                Some((trace, failed_at)) => match trace.notes.get(n) {
                    Some(Note::Ran) => String::new(),
                    Some(Note::Skipped(why)) => format!("   [not run: {why}]"),
                    Some(Note::Altered(how)) => format!("   [{how}]"),
                    None if failed_at == Some(n + 1) => String::new(),
                    None => "   [not reached]".to_string(),
                },
            };
            out.push_str(&format!("  {:>2}. {text}{note}\n", n + 1));
        }
        if let Some((trace, None)) = run {
            if !trace.teardown.is_empty() {
                out.push_str(&format!("  then: {}\n", trace.teardown.join(", ")));
            }
        }
        out
    }
}
