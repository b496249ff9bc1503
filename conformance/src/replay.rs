//! The replay text of a scenario: one line, safe inside single quotes in a
//! shell, that [`Scenario::to_replay`] writes and [`Scenario::from_replay`]
//! reads back exactly. Every failure the kit reports prints a command with it
//! (`--replay '…'` on the command line, `CF_CONFORMANCE_REPLAY='…'` for the
//! generated tests).
//!
//! Grammar: fields separated by `;`, the first the executor, the rest steps.
//!
//! | text | meaning |
//! |---|---|
//! | `w2`, `w2!` | `max_workers=2`; `!`: the initializer fails |
//! | `s:r` `s:f` `s:p` `s:gA` | submit a task that returns, raises, panics, waits for gate A |
//! | `c:0` | `f0.cancel()` |
//! | `o:A` | open gate A |
//! | `r:0:n` `e:0:z` | `f0.result(timeout=None)`, `f0.exception(timeout=0)` (`s`: short) |
//! | `cb:0` `cb!:0` | `f0.add_done_callback(cb)`; `!`: the callback panics |
//! | `w:0,1:fc:n` | `wait([f0, f1], None, FIRST_COMPLETED)` (`fe`, `ac`) |
//! | `ac:0,1:z` | `list(as_completed([f0, f1], timeout=0))` |
//! | `m:r,gA:2:1:t` | `map` over two tasks, `chunksize=2`, `buffersize=1` (`-`: none), short timeout (`-`: none) |
//! | `n` `d` | `next(it)`, drop the iterator |
//! | `sd:1:0` | `shutdown(wait=True, cancel_futures=False)` |
//! | `t:r:0` `t:w:0,1:ac` `t:ac:0,1` | a thread calls `f0.result()`, `wait(…)`, `as_completed(…)` |
//! | `j` | join the oldest thread |
//!
//! ```
//! use concurrent_futures_conformance::Scenario;
//! let s = Scenario::from_replay("w1;s:gA;r:0:z").unwrap();
//! assert_eq!(s.steps.len(), 2);
//! assert_eq!(s.to_replay(), "w1;s:gA;r:0:z");
//! assert!(Scenario::from_replay("w1;bogus").is_err());
//! ```

use crate::adapter::Mode;
use crate::scenario::{GATES, Patience, Scenario, Step, TaskSpec, ThreadOp, gate_name};

/// The most steps, futures in one list and workers a replay text may ask for
/// (generated scenarios stay far below; the bound keeps bad input cheap).
const LIMIT: usize = 4096;

impl Scenario {
    /// The one-line replay text of this scenario (see the module docs).
    pub fn to_replay(&self) -> String {
        let mut out = format!(
            "w{}{}",
            self.workers,
            if self.failing_initializer { "!" } else { "" }
        );
        for step in &self.steps {
            out.push(';');
            out.push_str(&encode_step(step));
        }
        out
    }

    /// Parses a replay text; the error names the field that is wrong.
    pub fn from_replay(text: &str) -> Result<Scenario, String> {
        let mut fields = text.trim().split(';').map(str::trim);
        let head = fields.next().unwrap_or_default();
        let (workers, failing_initializer) = match head.strip_suffix('!') {
            Some(w) => (w, true),
            None => (head, false),
        };
        let workers = workers
            .strip_prefix('w')
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=64).contains(n))
            .ok_or_else(|| format!("'{head}': the first field must be w1 … w64 (max_workers)"))?;
        let mut steps = Vec::new();
        for (i, field) in fields.enumerate() {
            if steps.len() >= LIMIT {
                return Err(format!("more than {LIMIT} steps"));
            }
            if field.is_empty() {
                continue;
            }
            steps.push(decode_step(field).map_err(|e| format!("step {}: '{field}': {e}", i + 1))?);
        }
        Ok(Scenario {
            workers,
            failing_initializer,
            steps,
        })
    }
}

fn task(t: TaskSpec) -> String {
    match t {
        TaskSpec::Return => "r".into(),
        TaskSpec::Fail => "f".into(),
        TaskSpec::Panic => "p".into(),
        TaskSpec::Gated(g) => format!("g{}", gate_name(g)),
    }
}

fn patience(p: Patience) -> &'static str {
    match p {
        Patience::Forever => "n",
        Patience::Zero => "z",
        Patience::Short => "s",
    }
}

fn mode(m: Mode) -> &'static str {
    match m {
        Mode::FirstCompleted => "fc",
        Mode::FirstException => "fe",
        Mode::AllCompleted => "ac",
    }
}

fn list(fs: &[usize]) -> String {
    fs.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn encode_step(step: &Step) -> String {
    match step {
        Step::Submit(t) => format!("s:{}", task(*t)),
        Step::Cancel(f) => format!("c:{f}"),
        Step::Open(g) => format!("o:{}", gate_name(*g)),
        Step::Result(f, p) => format!("r:{f}:{}", patience(*p)),
        Step::Exception(f, p) => format!("e:{f}:{}", patience(*p)),
        Step::Callback(f, panics) => format!("cb{}:{f}", if *panics { "!" } else { "" }),
        Step::Wait(fs, m, p) => format!("w:{}:{}:{}", list(fs), mode(*m), patience(*p)),
        Step::AsCompleted(fs, p) => format!("ac:{}:{}", list(fs), patience(*p)),
        Step::Map {
            items,
            chunksize,
            buffersize,
            timeout,
        } => format!(
            "m:{}:{chunksize}:{}:{}",
            items.iter().map(|t| task(*t)).collect::<Vec<_>>().join(","),
            buffersize.map_or("-".to_string(), |b| b.to_string()),
            if *timeout { "t" } else { "-" }
        ),
        Step::MapNext => "n".into(),
        Step::MapDrop => "d".into(),
        Step::Shutdown {
            wait,
            cancel_futures,
        } => format!("sd:{}:{}", *wait as u8, *cancel_futures as u8),
        Step::Spawn(ThreadOp::Result(f)) => format!("t:r:{f}"),
        Step::Spawn(ThreadOp::Wait(fs, m)) => format!("t:w:{}:{}", list(fs), mode(*m)),
        Step::Spawn(ThreadOp::AsCompleted(fs)) => format!("t:ac:{}", list(fs)),
        Step::Join => "j".into(),
    }
}

fn parse_task(s: &str) -> Result<TaskSpec, String> {
    Ok(match s {
        "r" => TaskSpec::Return,
        "f" => TaskSpec::Fail,
        "p" => TaskSpec::Panic,
        _ => TaskSpec::Gated(parse_gate(
            s.strip_prefix('g').ok_or("a task is r, f, p or gA/gB/gC")?,
        )?),
    })
}

fn parse_gate(s: &str) -> Result<usize, String> {
    (0..GATES)
        .find(|&g| s.len() == 1 && s.starts_with(gate_name(g)))
        .ok_or_else(|| format!("'{s}' is not a gate (A, B or C)"))
}

fn parse_future(s: &str) -> Result<usize, String> {
    s.parse::<usize>()
        .ok()
        .filter(|&f| f < LIMIT)
        .ok_or_else(|| format!("'{s}' is not a future index"))
}

fn parse_list(s: &str) -> Result<Vec<usize>, String> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let fs = s
        .split(',')
        .map(parse_future)
        .collect::<Result<Vec<_>, _>>()?;
    if fs.len() > LIMIT {
        return Err(format!("more than {LIMIT} futures"));
    }
    Ok(fs)
}

fn parse_patience(s: &str) -> Result<Patience, String> {
    match s {
        "n" => Ok(Patience::Forever),
        "z" => Ok(Patience::Zero),
        "s" => Ok(Patience::Short),
        _ => Err(format!("'{s}' is not a timeout (n, z or s)")),
    }
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    match s {
        "fc" => Ok(Mode::FirstCompleted),
        "fe" => Ok(Mode::FirstException),
        "ac" => Ok(Mode::AllCompleted),
        _ => Err(format!("'{s}' is not a wait mode (fc, fe or ac)")),
    }
}

fn parse_flag(s: &str) -> Result<bool, String> {
    match s {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(format!("'{s}' is not 0 or 1")),
    }
}

fn decode_step(field: &str) -> Result<Step, String> {
    let parts: Vec<&str> = field.split(':').collect();
    let arity = |n: usize| -> Result<(), String> {
        if parts.len() == n {
            Ok(())
        } else {
            Err(format!("expected {} ':'-separated parts", n))
        }
    };
    let step = match parts[0] {
        "s" => {
            arity(2)?;
            Step::Submit(parse_task(parts[1])?)
        }
        "c" => {
            arity(2)?;
            Step::Cancel(parse_future(parts[1])?)
        }
        "o" => {
            arity(2)?;
            Step::Open(parse_gate(parts[1])?)
        }
        "r" | "e" => {
            arity(3)?;
            let (f, p) = (parse_future(parts[1])?, parse_patience(parts[2])?);
            if parts[0] == "r" {
                Step::Result(f, p)
            } else {
                Step::Exception(f, p)
            }
        }
        "cb" | "cb!" => {
            arity(2)?;
            Step::Callback(parse_future(parts[1])?, parts[0] == "cb!")
        }
        "w" => {
            arity(4)?;
            Step::Wait(
                parse_list(parts[1])?,
                parse_mode(parts[2])?,
                parse_patience(parts[3])?,
            )
        }
        "ac" => {
            arity(3)?;
            Step::AsCompleted(parse_list(parts[1])?, parse_patience(parts[2])?)
        }
        "m" => {
            arity(5)?;
            let items = if parts[1].is_empty() {
                Vec::new()
            } else {
                parts[1]
                    .split(',')
                    .map(parse_task)
                    .collect::<Result<Vec<_>, _>>()?
            };
            if items.len() > LIMIT {
                return Err(format!("more than {LIMIT} map items"));
            }
            let positive = |s: &str, what: &str| {
                s.parse::<usize>()
                    .ok()
                    .filter(|n| (1..=LIMIT).contains(n))
                    .ok_or_else(|| format!("{what} '{s}' is not between 1 and {LIMIT}"))
            };
            Step::Map {
                items,
                chunksize: positive(parts[2], "chunksize")?,
                buffersize: match parts[3] {
                    "-" => None,
                    b => Some(positive(b, "buffersize")?),
                },
                timeout: match parts[4] {
                    "t" => true,
                    "-" => false,
                    t => return Err(format!("'{t}' is not a map timeout (t or -)")),
                },
            }
        }
        "n" => {
            arity(1)?;
            Step::MapNext
        }
        "d" => {
            arity(1)?;
            Step::MapDrop
        }
        "sd" => {
            arity(3)?;
            Step::Shutdown {
                wait: parse_flag(parts[1])?,
                cancel_futures: parse_flag(parts[2])?,
            }
        }
        "t" => match parts.get(1).copied() {
            Some("r") => {
                arity(3)?;
                Step::Spawn(ThreadOp::Result(parse_future(parts[2])?))
            }
            Some("w") => {
                arity(4)?;
                Step::Spawn(ThreadOp::Wait(parse_list(parts[2])?, parse_mode(parts[3])?))
            }
            Some("ac") => {
                arity(3)?;
                Step::Spawn(ThreadOp::AsCompleted(parse_list(parts[2])?))
            }
            _ => return Err("a thread step is t:r:F, t:w:FS:MODE or t:ac:FS".into()),
        },
        "j" => {
            arity(1)?;
            Step::Join
        }
        other => return Err(format!("unknown step '{other}'")),
    };
    Ok(step)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    #[test]
    fn replay_text_round_trips_every_generated_scenario() {
        let mut runner = TestRunner::new(Config {
            cases: 512,
            failure_persistence: None,
            ..Config::default()
        });
        for group in crate::GROUPS {
            runner
                .run(&group.strategy(), |s| {
                    let text = s.to_replay();
                    let back = Scenario::from_replay(&text);
                    prop_assert_eq!(back.as_ref(), Ok(&s), "{}", text);
                    prop_assert!(!text.contains('\'') && !text.contains(' '));
                    Ok(())
                })
                .unwrap();
        }
    }

    #[test]
    fn replay_text_rejects_bad_fields_with_their_position() {
        for (text, needle) in [
            ("", "first field"),
            ("w0", "first field"),
            ("w99999999999999999999999", "first field"),
            ("w1;s:x", "step 1"),
            ("w1;s:r;r:0:q", "step 2"),
            ("w1;m:r:0:-:-", "chunksize"),
            ("w1;w:0:xx:n", "wait mode"),
            ("w1;c:99999999999999999999", "future index"),
            ("w1;t:q", "thread step"),
        ] {
            let err = Scenario::from_replay(text).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }
}
