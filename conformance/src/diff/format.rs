//! The differential scenario as JSON (`conformance/python/FORMAT.md`): the
//! kit's [`Scenario`] plus what only the differential needs (an id, the
//! worker name prefix, an initializer that succeeds, the timeouts).

use crate::adapter::Mode;
use crate::scenario::{GATES, Patience, Scenario, Step, TaskSpec, ThreadOp};
use serde_json::{Map, Value, json};
use std::time::Duration;

/// The executor's initializer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// No initializer.
    None,
    /// An initializer that returns.
    Ok,
    /// An initializer that fails, breaking the executor.
    Fails,
}

/// A scenario as both sides of the differential run it.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffScenario {
    /// A label echoed in the traces.
    pub id: String,
    /// The worker threads' name prefix.
    pub prefix: String,
    /// The initializer.
    pub init: Init,
    /// The "short" timeout.
    pub short: Duration,
    /// How long to wait for what must happen.
    pub patience: Duration,
    /// The executor size and the steps (`failing_initializer` mirrors `init`).
    pub scenario: Scenario,
}

fn task_json(t: &TaskSpec) -> Value {
    match t {
        TaskSpec::Return => json!({"kind": "return"}),
        TaskSpec::Fail => json!({"kind": "raise"}),
        TaskSpec::Panic => json!({"kind": "panic"}),
        TaskSpec::Gated(g) => json!({"kind": "gated", "gate": g % GATES}),
    }
}

fn timeout_json(p: Patience) -> Value {
    match p {
        Patience::Forever => Value::Null,
        Patience::Zero => json!(0),
        Patience::Short => json!("short"),
    }
}

/// Python's name of a `return_when` mode.
pub fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::FirstCompleted => "FIRST_COMPLETED",
        Mode::FirstException => "FIRST_EXCEPTION",
        Mode::AllCompleted => "ALL_COMPLETED",
    }
}

fn step_json(step: &Step) -> Value {
    match step {
        Step::Submit(t) => json!({"op": "submit", "task": task_json(t)}),
        Step::Cancel(i) => json!({"op": "cancel", "future": i}),
        Step::Open(g) => json!({"op": "open", "gate": g % GATES}),
        Step::Result(i, p) => json!({"op": "result", "future": i, "timeout": timeout_json(*p)}),
        Step::Exception(i, p) => {
            json!({"op": "exception", "future": i, "timeout": timeout_json(*p)})
        }
        Step::Callback(i, raises) => json!({"op": "callback", "future": i, "raises": raises}),
        Step::Wait(fs, m, p) => json!({"op": "wait", "futures": fs,
            "return_when": mode_name(*m), "timeout": timeout_json(*p)}),
        Step::AsCompleted(fs, p) => {
            json!({"op": "as_completed", "futures": fs, "timeout": timeout_json(*p)})
        }
        Step::Map {
            items,
            chunksize,
            buffersize,
            timeout,
        } => json!({"op": "map", "items": items.iter().map(task_json).collect::<Vec<_>>(),
            "chunksize": chunksize, "buffersize": buffersize,
            "timeout": if *timeout { json!("short") } else { Value::Null }}),
        Step::MapNext => json!({"op": "map_next"}),
        Step::MapDrop => json!({"op": "map_close"}),
        Step::Shutdown {
            wait,
            cancel_futures,
        } => json!({"op": "shutdown", "wait": wait, "cancel_futures": cancel_futures}),
        Step::Spawn(op) => json!({"op": "spawn", "call": match op {
            ThreadOp::Result(i) => json!({"op": "result", "future": i}),
            ThreadOp::Wait(fs, m) => json!({"op": "wait", "futures": fs, "return_when": mode_name(*m)}),
            ThreadOp::AsCompleted(fs) => json!({"op": "as_completed", "futures": fs}),
        }}),
        Step::Join => json!({"op": "join"}),
    }
}

impl DiffScenario {
    /// Wraps a kit scenario whose operands are already resolved
    /// ([`crate::runner::resolve`]) and valid: every future operand names an
    /// earlier `submit` (see [`crate::diff::generate::valid_steps`]).
    pub fn new(id: impl Into<String>, scenario: Scenario, init: Init) -> DiffScenario {
        let mut scenario = scenario;
        scenario.failing_initializer = init == Init::Fails;
        let timing = crate::Timing::default();
        DiffScenario {
            id: id.into(),
            prefix: "cfw".to_string(),
            init,
            short: timing.short,
            patience: timing.patience,
            scenario,
        }
    }

    /// The JSON object of FORMAT.md.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "workers": self.scenario.workers,
            "thread_name_prefix": self.prefix,
            "initializer": match self.init {
                Init::None => Value::Null,
                Init::Ok => json!("ok"),
                Init::Fails => json!("fails"),
            },
            "short": self.short.as_secs_f64(),
            "patience": self.patience.as_secs_f64(),
            "steps": self.scenario.steps.iter().map(step_json).collect::<Vec<_>>(),
        })
    }

    /// Parses FORMAT.md's JSON object, checking every field; the error names
    /// the offending field.
    pub fn from_json(v: &Value) -> Result<DiffScenario, String> {
        let o = v.as_object().ok_or("a scenario must be a JSON object")?;
        let workers = uint(o, "workers")?;
        if workers == 0 {
            return Err("workers: must be at least 1".into());
        }
        let init = match o.get("initializer") {
            None | Some(Value::Null) => Init::None,
            Some(Value::String(s)) if s == "ok" => Init::Ok,
            Some(Value::String(s)) if s == "fails" => Init::Fails,
            Some(other) => {
                return Err(format!(
                    "initializer: expected null, \"ok\" or \"fails\", got {other}"
                ));
            }
        };
        let secs = |key: &str, default: f64| -> Result<Duration, String> {
            match o.get(key) {
                None => Ok(Duration::from_secs_f64(default)),
                Some(x) => x
                    .as_f64()
                    .filter(|s| s.is_finite() && *s >= 0.0 && *s < 3600.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| {
                        format!("{key}: expected seconds (a number from 0 to 3600), got {x}")
                    }),
            }
        };
        let steps_v = o
            .get("steps")
            .and_then(Value::as_array)
            .ok_or("steps: expected an array")?;
        let mut steps = Vec::new();
        let mut submitted = 0usize;
        for (n, s) in steps_v.iter().enumerate() {
            let step = parse_step(s, submitted).map_err(|e| format!("steps[{n}]: {e}"))?;
            if matches!(step, Step::Submit(_)) {
                submitted += 1;
            }
            steps.push(step);
        }
        Ok(DiffScenario {
            id: match o.get("id") {
                None => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            },
            prefix: match o.get("thread_name_prefix") {
                None => "cfw".to_string(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => {
                    return Err(format!(
                        "thread_name_prefix: expected a string, got {other}"
                    ));
                }
            },
            init,
            short: secs("short", 0.005)?,
            patience: secs("patience", 2.0)?,
            scenario: Scenario {
                workers,
                failing_initializer: init == Init::Fails,
                steps,
            },
        })
    }
}

fn uint(o: &Map<String, Value>, key: &str) -> Result<usize, String> {
    o.get(key)
        .and_then(Value::as_u64)
        .map(|n| n as usize)
        .ok_or_else(|| format!("{key}: expected a non-negative integer"))
}

fn future(o: &Map<String, Value>, key: &str, submitted: usize) -> Result<usize, String> {
    let i = uint(o, key)?;
    if i >= submitted {
        return Err(format!(
            "{key}: f{i} is not submitted yet ({submitted} submitted)"
        ));
    }
    Ok(i)
}

fn futures(o: &Map<String, Value>, submitted: usize) -> Result<Vec<usize>, String> {
    let list = o
        .get("futures")
        .and_then(Value::as_array)
        .ok_or("futures: expected an array of future numbers")?;
    list.iter()
        .map(|x| match x.as_u64() {
            Some(i) if (i as usize) < submitted => Ok(i as usize),
            _ => Err(format!(
                "futures: {x} is not a submitted future ({submitted} submitted)"
            )),
        })
        .collect()
}

fn task(v: &Value) -> Result<TaskSpec, String> {
    let o = v.as_object().ok_or("a task must be an object")?;
    match o.get("kind").and_then(Value::as_str) {
        Some("return") => Ok(TaskSpec::Return),
        Some("raise") => Ok(TaskSpec::Fail),
        Some("panic") => Ok(TaskSpec::Panic),
        Some("gated") => match uint(o, "gate")? {
            g if g < GATES => Ok(TaskSpec::Gated(g)),
            g => Err(format!("gate: {g} is not a gate (0..{GATES})")),
        },
        _ => Err("task kind: expected \"return\", \"raise\", \"panic\" or \"gated\"".into()),
    }
}

fn timeout(o: &Map<String, Value>) -> Result<Patience, String> {
    match o.get("timeout") {
        None | Some(Value::Null) => Ok(Patience::Forever),
        Some(Value::String(s)) if s == "short" => Ok(Patience::Short),
        Some(x) if x.as_f64() == Some(0.0) => Ok(Patience::Zero),
        Some(x) => Err(format!("timeout: expected null, 0 or \"short\", got {x}")),
    }
}

fn mode(o: &Map<String, Value>) -> Result<Mode, String> {
    match o.get("return_when").and_then(Value::as_str) {
        Some("FIRST_COMPLETED") => Ok(Mode::FirstCompleted),
        Some("FIRST_EXCEPTION") => Ok(Mode::FirstException),
        Some("ALL_COMPLETED") => Ok(Mode::AllCompleted),
        _ => Err("return_when: expected FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED".into()),
    }
}

fn flag(o: &Map<String, Value>, key: &str) -> Result<bool, String> {
    o.get(key)
        .and_then(Value::as_bool)
        .ok_or_else(|| format!("{key}: expected true or false"))
}

fn parse_step(v: &Value, submitted: usize) -> Result<Step, String> {
    let o = v.as_object().ok_or("a step must be an object")?;
    let op = o
        .get("op")
        .and_then(Value::as_str)
        .ok_or("op: expected a string")?;
    Ok(match op {
        "submit" => Step::Submit(task(o.get("task").ok_or("task: missing")?)?),
        "cancel" => Step::Cancel(future(o, "future", submitted)?),
        "open" => match uint(o, "gate")? {
            g if g < GATES => Step::Open(g),
            g => return Err(format!("gate: {g} is not a gate (0..{GATES})")),
        },
        "result" => Step::Result(future(o, "future", submitted)?, timeout(o)?),
        "exception" => Step::Exception(future(o, "future", submitted)?, timeout(o)?),
        "callback" => Step::Callback(future(o, "future", submitted)?, flag(o, "raises")?),
        "wait" => Step::Wait(futures(o, submitted)?, mode(o)?, timeout(o)?),
        "as_completed" => Step::AsCompleted(futures(o, submitted)?, timeout(o)?),
        "map" => {
            let items = o
                .get("items")
                .and_then(Value::as_array)
                .ok_or("items: expected an array of tasks")?
                .iter()
                .map(task)
                .collect::<Result<Vec<_>, _>>()?;
            let chunksize = uint(o, "chunksize")?;
            let buffersize = match o.get("buffersize") {
                None | Some(Value::Null) => None,
                Some(x) => Some(
                    x.as_u64()
                        .ok_or("buffersize: expected null or a non-negative integer")?
                        as usize,
                ),
            };
            let timeout = match timeout(o)? {
                Patience::Forever => false,
                Patience::Short => true,
                Patience::Zero => return Err("timeout: a map takes null or \"short\"".into()),
            };
            Step::Map {
                items,
                chunksize,
                buffersize,
                timeout,
            }
        }
        "map_next" => Step::MapNext,
        "map_close" => Step::MapDrop,
        "shutdown" => Step::Shutdown {
            wait: flag(o, "wait")?,
            cancel_futures: flag(o, "cancel_futures")?,
        },
        "spawn" => {
            let c = o
                .get("call")
                .and_then(Value::as_object)
                .ok_or("call: expected an object")?;
            Step::Spawn(match c.get("op").and_then(Value::as_str) {
                Some("result") => ThreadOp::Result(future(c, "future", submitted)?),
                Some("wait") => ThreadOp::Wait(futures(c, submitted)?, mode(c)?),
                Some("as_completed") => ThreadOp::AsCompleted(futures(c, submitted)?),
                _ => {
                    return Err("call.op: expected \"result\", \"wait\" or \"as_completed\"".into());
                }
            })
        }
        "join" => Step::Join,
        other => return Err(format!("op: unknown operation {other:?}")),
    })
}
