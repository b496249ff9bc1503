//! Compares a reference trace with a Python one, step by step, and names the
//! spec clause behind the first difference.

use crate::diff::expected::{self, Context};
use crate::diff::format::DiffScenario;
use crate::scenario::{Step, ThreadOp};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fmt;

/// The first place where two traces disagree.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// The 1-based step (`None`: executor creation or teardown).
    pub step: Option<usize>,
    /// The step's operation (`create`, `teardown`, or a FORMAT.md op).
    pub op: String,
    /// Which part of the trace differs (`obs`, `states`, `started`, …).
    pub field: String,
    /// The reference's value (normalised).
    pub reference: Value,
    /// The Python executor's value (normalised).
    pub python: Value,
    /// The spec clause the differing observation is evidence for.
    pub clause: String,
    /// If the difference is intended: the spec entry that says so, and why.
    pub expected: Option<(String, String)>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.step {
            Some(n) => write!(f, "step {n} ({})", self.op)?,
            None => write!(f, "{}", self.op)?,
        }
        write!(
            f,
            ", {}: reference {} / python {} [{}]",
            self.field, self.reference, self.python, self.clause
        )?;
        if let Some((id, why)) = &self.expected {
            write!(f, " — expected: {id}: {why}")?;
        }
        Ok(())
    }
}

/// What comparing one scenario found.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The first difference, if any (later steps are not compared: the
    /// executors' states have parted).
    pub difference: Option<Difference>,
    /// The clauses whose observations agreed before it.
    pub confirmed: BTreeSet<String>,
}

/// Compares `reference` and `python` traces of `s`; `minor` is the Python
/// executor's CPython minor version (3.`minor`); `isolated` for executors
/// whose tasks run in other processes (no task log).
pub fn compare(
    s: &DiffScenario,
    reference: &Value,
    python: &Value,
    minor: u32,
    isolated: bool,
) -> Comparison {
    let mut confirmed = BTreeSet::new();
    let mut cx = Context::new(s, minor);
    let diff = |step: Option<usize>,
                op: &str,
                field: &str,
                r: Value,
                p: Value,
                clause: &str,
                cx: &Context| {
        let mut d = Difference {
            step,
            op: op.to_string(),
            field: field.to_string(),
            reference: r,
            python: p,
            clause: clause.to_string(),
            expected: None,
        };
        d.expected = expected::classify(&d, cx);
        d
    };
    // Creation.
    let (rc, pc) = (&reference["create"], &python["create"]);
    if norm_create(rc) != norm_create(pc) {
        let clause = if s.init != crate::diff::format::Init::None {
            "POOL-INIT-1"
        } else {
            "POOL-MAXW-2"
        };
        let d = diff(
            None,
            "create",
            "create",
            rc.clone(),
            pc.clone(),
            clause,
            &cx,
        );
        return Comparison {
            difference: Some(d),
            confirmed,
        };
    }
    let empty = Vec::new();
    let rs = reference["steps"].as_array().unwrap_or(&empty);
    let ps = python["steps"].as_array().unwrap_or(&empty);
    let mut prev_states: Vec<Value> = Vec::new();
    for (k, step) in s.scenario.steps.iter().enumerate() {
        let n = k + 1;
        let (Some(r), Some(p)) = (rs.get(k), ps.get(k)) else {
            if rs.len() != ps.len() {
                let d = diff(
                    Some(n),
                    op_name(step),
                    "aborted",
                    reference["aborted"].clone(),
                    python["aborted"].clone(),
                    clause_of_step(step, &cx),
                    &cx,
                );
                return Comparison {
                    difference: Some(d),
                    confirmed,
                };
            }
            break;
        };
        let op = op_name(step);
        // The observation of the step itself.
        let ro = norm_obs(step, &r["obs"], &prev_states);
        let po = norm_obs(step, &p["obs"], &prev_states);
        let clause = clause_of_obs(step, &r["obs"], &p["obs"], &prev_states, &cx);
        if ro != po {
            let d = diff(Some(n), op, "obs", ro, po, &clause, &cx);
            return Comparison {
                difference: Some(d),
                confirmed,
            };
        }
        if r["obs"].get("skipped").is_none() {
            confirmed.insert(clause);
            confirmed.extend(also_confirmed(step, &r["obs"], &prev_states, &cx).map(String::from));
        }
        // The snapshot after it.
        let mut fields = vec!["states", "callbacks"];
        if !isolated {
            fields.extend(["started", "blocked", "finished", "threads"]);
        }
        // A failure or deadline ending a buffered map races the top-up the
        // same next() just submitted (MAP-BUFFER-2).
        let race = match step {
            Step::MapNext if ends_with_top_up(&r["obs"]) => cx.top_up().or(cx.top_up_race),
            _ => cx.top_up_race,
        };
        for field in fields {
            let (rv, pv) = if field == "threads" {
                (norm_threads(&r[field], s), norm_threads(&p[field], s))
            } else {
                (r[field].clone(), p[field].clone())
            };
            let clause = clause_of_field(field, step, &r[field], &p[field], &cx);
            if rv != pv && race.is_some_and(|t| without(&rv, t) == without(&pv, t)) {
                // Both outcomes are allowed: the top-up started on one side
                // and was cancelled before it started on the other. The
                // executors have parted; nothing later is compared.
                confirmed.insert("MAP-BUFFER-2".to_string());
                return Comparison {
                    difference: None,
                    confirmed,
                };
            }
            if rv != pv {
                let d = diff(Some(n), op, field, rv, pv, &clause, &cx);
                return Comparison {
                    difference: Some(d),
                    confirmed,
                };
            }
            confirmed.insert(clause);
            match field {
                // The states come from cancelled(), running() and done().
                "states" => {
                    confirmed.extend(["FUT-PRED-1", "FUT-PRED-2", "FUT-PRED-3"].map(String::from))
                }
                // The same tasks started: the worker bound held too.
                "started" => {
                    confirmed.insert("POOL-MAX-1".to_string());
                }
                _ => {}
            }
        }
        cx.after(step, &r["obs"]);
        prev_states = r["states"].as_array().cloned().unwrap_or_default();
    }
    if reference["aborted"] != python["aborted"] {
        let d = diff(
            None,
            "run",
            "aborted",
            reference["aborted"].clone(),
            python["aborted"].clone(),
            "FUT-TIMEOUT-1",
            &cx,
        );
        return Comparison {
            difference: Some(d),
            confirmed,
        };
    }
    let (rt, pt) = (
        reference["teardown"].get("ok").is_some(),
        python["teardown"].get("ok").is_some(),
    );
    if rt != pt {
        let clause = if cx.drained {
            "SHUT-CANCEL-1"
        } else if cx.any_helper_has_duplicates() {
            "WAIT-DEDUP-1"
        } else {
            "SHUT-WAIT-1"
        };
        let d = diff(
            None,
            "teardown",
            "teardown",
            reference["teardown"].clone(),
            python["teardown"].clone(),
            clause,
            &cx,
        );
        return Comparison {
            difference: Some(d),
            confirmed,
        };
    }
    confirmed.insert("SHUT-WAIT-1".to_string());
    Comparison {
        difference: None,
        confirmed,
    }
}

/// Whether a `next()` observation ends the iteration with the awaited
/// task's failure or the deadline (not a refusal to submit: MAP-BUFFER-3
/// submits nothing).
fn ends_with_top_up(obs: &Value) -> bool {
    error_kind(obs).is_some_and(|k| !matches!(k, "shutdown" | "broken"))
}

/// A snapshot field (a task list, or a map keyed by task) without task `t`.
fn without(v: &Value, t: usize) -> Value {
    match v {
        Value::Array(a) => Value::Array(
            a.iter()
                .filter(|x| x.as_u64() != Some(t as u64))
                .cloned()
                .collect(),
        ),
        Value::Object(m) => {
            let mut m = m.clone();
            m.remove(&t.to_string());
            Value::Object(m)
        }
        other => other.clone(),
    }
}

fn norm_create(v: &Value) -> Value {
    if v.get("ok").is_some() {
        json!({"ok": true})
    } else {
        json!({"error": v["error"]["kind"]})
    }
}

/// The step's FORMAT.md op name.
pub fn op_name(step: &Step) -> &'static str {
    match step {
        Step::Submit(_) => "submit",
        Step::Cancel(_) => "cancel",
        Step::Open(_) => "open",
        Step::Result(..) => "result",
        Step::Exception(..) => "exception",
        Step::Callback(..) => "callback",
        Step::Wait(..) => "wait",
        Step::AsCompleted(..) => "as_completed",
        Step::Map { .. } => "map",
        Step::MapNext => "map_next",
        Step::MapDrop => "map_close",
        Step::Shutdown { .. } => "shutdown",
        Step::Spawn(_) => "spawn",
        Step::Join => "join",
    }
}

/// An error with its message kept only where the spec fixes the text: the
/// task's own message, the shutdown message, the as_completed count. In a
/// map a task failure is a panic in Rust (its call is infallible, a binding
/// choice) and an exception in Python: both are `failed` there.
fn norm_error(e: &Value, in_map: bool) -> Value {
    let kind = e["kind"].as_str().unwrap_or("?");
    let kind = if in_map && (kind == "raised" || kind == "panicked") {
        "failed"
    } else {
        kind
    };
    let keep = matches!(kind, "raised" | "panicked" | "failed" | "shutdown")
        || (kind == "timeout" && e["message"].as_str().is_some_and(|m| m.contains("(of ")));
    if keep {
        json!({"kind": kind, "message": e["message"]})
    } else {
        json!({"kind": kind})
    }
}

fn norm_outcome(o: &Value, in_map: bool) -> Value {
    let mut o = o.clone();
    if let Some(m) = o.as_object_mut() {
        for key in ["error", "exception"] {
            if let Some(e) = m.get(key).cloned() {
                if e.is_object() {
                    m.insert(key.to_string(), norm_error(&e, in_map));
                }
            }
        }
    }
    o
}

/// as_completed yields the futures done before the call in an order CPython
/// leaves to its set (DIV-ASCORDER-1): that prefix is compared as a set.
fn norm_yielded(o: &Value, prev_states: &[Value]) -> Value {
    let mut o = norm_outcome(o, false);
    if let Some(list) = o.get("yielded").and_then(Value::as_array).cloned() {
        let was_done = |v: &Value| {
            v.as_u64()
                .and_then(|i| prev_states.get(i as usize))
                .and_then(Value::as_str)
                .is_some_and(|s| s == "FINISHED" || s == "CANCELLED")
        };
        let split = list.iter().take_while(|v| was_done(v)).count();
        let mut head: Vec<u64> = list[..split].iter().filter_map(Value::as_u64).collect();
        head.sort_unstable();
        o["yielded"] = json!({"done_before": head, "then": &list[split..]});
    }
    o
}

fn norm_obs(step: &Step, obs: &Value, prev_states: &[Value]) -> Value {
    match step {
        Step::AsCompleted(..) => norm_yielded(obs, prev_states),
        Step::MapNext => norm_outcome(obs, true),
        Step::Join => {
            let mut o = obs.clone();
            if let Some(out) = obs.get("outcome") {
                o["outcome"] = if obs["call"] == "as_completed" {
                    norm_yielded(out, prev_states)
                } else {
                    norm_outcome(out, false)
                };
            }
            o
        }
        _ => norm_outcome(obs, false),
    }
}

/// `prefix_k` with `k < workers` is the right name whatever `k` is: which
/// worker runs which task is up to the scheduler.
fn norm_threads(v: &Value, s: &DiffScenario) -> Value {
    let Some(m) = v.as_object() else {
        return v.clone();
    };
    let mut out = serde_json::Map::new();
    for (k, name) in m {
        let n = name.as_str().unwrap_or("");
        let ok = n
            .strip_prefix(&s.prefix)
            .and_then(|r| r.strip_prefix('_'))
            .and_then(|d| d.parse::<usize>().ok())
            .is_some_and(|d| d < s.scenario.workers);
        out.insert(
            k.clone(),
            if ok {
                json!(format!("{}_*", s.prefix))
            } else {
                name.clone()
            },
        );
    }
    Value::Object(out)
}

fn state_of(prev_states: &[Value], i: usize) -> &str {
    prev_states
        .get(i)
        .and_then(Value::as_str)
        .unwrap_or("PENDING")
}

fn error_kind(o: &Value) -> Option<&str> {
    o.get("error").and_then(|e| e["kind"].as_str())
}

fn clause_of_step(step: &Step, cx: &Context) -> &'static str {
    match step {
        Step::Submit(_) => "EXE-SUBMIT-1",
        Step::Cancel(_) => "FUT-CANCEL-1",
        Step::Open(_) => "EXE-SUBMIT-1",
        Step::Result(..) => "FUT-RESULT-1",
        Step::Exception(..) => "FUT-EXC-1",
        Step::Callback(..) => "CB-ADD-1",
        Step::Wait(..) => "WAIT-PARTITION-1",
        Step::AsCompleted(..) => "ASC-ORDER-1",
        Step::Map {
            buffersize: Some(_),
            ..
        } => "MAP-BUFFER-1",
        Step::Map { .. } => "MAP-EAGER-1",
        Step::MapNext => "MAP-ORDER-1",
        Step::MapDrop => "MAP-DROP-1",
        Step::Shutdown {
            cancel_futures: true,
            ..
        } => "SHUT-CANCEL-1",
        Step::Shutdown { .. } => {
            if cx.shutdown {
                "SHUT-IDEMPOTENT-1"
            } else {
                "SHUT-NOWAIT-1"
            }
        }
        Step::Spawn(_) | Step::Join => "FUT-TIMEOUT-1",
    }
}

/// The clause an observation of `step` is evidence for.
fn clause_of_obs(step: &Step, r: &Value, p: &Value, prev: &[Value], cx: &Context) -> String {
    let kinds = [error_kind(r), error_kind(p)];
    let any = |k: &str| kinds.contains(&Some(k));
    let c = match step {
        Step::Submit(_) if any("broken") => "POOL-BROKEN-2",
        Step::Submit(_) if any("shutdown") || cx.shutdown => "SHUT-REJECT-1",
        Step::Cancel(i) => match state_of(prev, *i) {
            "PENDING" => "FUT-CANCEL-1",
            "CANCELLED" => "FUT-CANCEL-3",
            _ => "FUT-CANCEL-2",
        },
        Step::Result(i, p) | Step::Exception(i, p) => {
            let is_result = matches!(step, Step::Result(..));
            let st = state_of(prev, *i);
            if any("timeout") {
                match p {
                    crate::Patience::Zero => "FUT-TIMEOUT-2",
                    _ => "FUT-TIMEOUT-3",
                }
            } else if any("broken") {
                "POOL-BROKEN-1"
            } else if st == "CANCELLED" || any("cancelled") {
                if is_result {
                    "FUT-RESULT-3"
                } else {
                    "FUT-EXC-2"
                }
            } else if is_result {
                if any("raised") || any("panicked") {
                    "FUT-RESULT-2"
                } else {
                    "FUT-RESULT-1"
                }
            } else {
                "FUT-EXC-1"
            }
        }
        Step::Callback(..) if r.get("error").is_some() || p.get("error").is_some() => "CB-PANIC-2",
        Step::Wait(fs, _, _) if expected::has_duplicates(fs) => "WAIT-DEDUP-1",
        Step::Wait(_, m, pat) => {
            if *pat != crate::Patience::Forever
                && r["not_done"].as_array().is_some_and(|a| !a.is_empty())
            {
                "WAIT-TIMEOUT-1"
            } else {
                match m {
                    crate::Mode::FirstCompleted => "WAIT-FIRSTCOMPLETED-1",
                    crate::Mode::FirstException => "WAIT-FIRSTEXCEPTION-1",
                    crate::Mode::AllCompleted => "WAIT-ALLCOMPLETED-1",
                }
            }
        }
        Step::AsCompleted(..) if any("timeout") => "ASC-TIMEOUT-1",
        Step::AsCompleted(fs, _) if fs.is_empty() => "ASC-EMPTY-1",
        Step::Map { .. } if any("shutdown") => "SHUT-REJECT-1",
        Step::Map { .. } if any("broken") => "POOL-BROKEN-2",
        // A buffered next() whose top-up the executor refuses.
        Step::MapNext if cx.map_buffer.is_some() && (any("shutdown") || any("broken")) => {
            "MAP-BUFFER-3"
        }
        Step::MapNext if cx.map_buffer.is_some() && cx.shutdown && !any("timeout") => {
            "MAP-BUFFER-3"
        }
        Step::MapNext if any("timeout") => "MAP-TIMEOUT-1",
        Step::MapNext if any("raised") || any("panicked") => "MAP-ERROR-1",
        Step::MapNext if any("cancelled") => "MAP-ERROR-1",
        Step::MapNext if any("broken") => "POOL-BROKEN-1",
        Step::Shutdown {
            cancel_futures: true,
            ..
        } if r.get("error").is_some() || p.get("error").is_some() => "SHUT-CANCEL-1",
        Step::Join => match r["call"].as_str().or(p["call"].as_str()) {
            Some("shutdown") => "SHUT-WAIT-1",
            Some("as_completed") => "ASC-NOTIMEOUT-1",
            Some("wait") if cx.helper_has_duplicates(0) => "WAIT-DEDUP-1",
            Some("wait") => match cx.helper_mode(0) {
                Some(crate::Mode::FirstCompleted) => "WAIT-FIRSTCOMPLETED-1",
                Some(crate::Mode::FirstException) => "WAIT-FIRSTEXCEPTION-1",
                _ => "WAIT-ALLCOMPLETED-1",
            },
            _ => "FUT-TIMEOUT-1",
        },
        Step::Spawn(ThreadOp::Result(_)) => "FUT-TIMEOUT-1",
        other => clause_of_step(other, cx),
    };
    c.to_string()
}

/// The clause a snapshot field after `step` is evidence for.
fn clause_of_field(field: &str, step: &Step, r: &Value, p: &Value, cx: &Context) -> String {
    let c = match field {
        "started" | "blocked" | "finished" | "states" if cx.map_timed_out => "MAP-TIMEOUT-1",
        "states" => match step {
            Step::Shutdown {
                cancel_futures: true,
                ..
            } => "SHUT-CANCEL-1",
            Step::Shutdown { .. } => "SHUT-CANCEL-3",
            Step::Cancel(_) => "FUT-CANCEL-1",
            _ if cx.init_fails => "POOL-BROKEN-1",
            _ => "FUT-PRED-3",
        },
        "callbacks" => match step {
            Step::Callback(..) => "CB-ADD-2",
            _ => "CB-ORDER-1",
        },
        "started" | "blocked" | "finished" => {
            let (rn, pn) = (
                r.as_array().map_or(0, Vec::len),
                p.as_array().map_or(0, Vec::len),
            );
            if cx.init_fails {
                "POOL-BROKEN-1"
            } else if matches!(
                step,
                Step::Map {
                    buffersize: Some(_),
                    ..
                }
            ) {
                // Exactly min(n, len) items submitted at the call.
                "MAP-BUFFER-1"
            } else if matches!(step, Step::MapNext) && cx.map_buffer.is_some() {
                // One more item submitted by each next().
                "MAP-BUFFER-2"
            } else if pn > rn && field == "started" {
                match step {
                    Step::Cancel(_) | Step::Shutdown { .. } | Step::MapDrop => "EXE-CANCEL-1",
                    _ => "POOL-MAX-1",
                }
            } else if matches!(step, Step::Submit(_) | Step::Map { .. } | Step::Open(_)) {
                "POOL-REUSE-2"
            } else {
                "EXE-SUBMIT-3"
            }
        }
        "threads" => "POOL-NAME-1",
        _ => "FUT-STATE-1",
    };
    c.to_string()
}

/// The other clauses an agreeing observation of `step` bears out.
fn also_confirmed(
    step: &Step,
    r: &Value,
    prev: &[Value],
    cx: &Context,
) -> impl Iterator<Item = &'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    let kind = error_kind(r).or_else(|| r.get("exception").and_then(|e| e["kind"].as_str()));
    match step {
        Step::Result(..) | Step::Exception(..) | Step::MapNext => match kind {
            Some("panicked") => out.push("EXE-PANIC-1"),
            Some("raised") => out.push("EXE-FALLIBLE-1"),
            _ => {}
        },
        Step::Cancel(_) if r["cancelled"] == true => out.push("EXE-CANCEL-1"),
        Step::Callback(_, true) => out.push("CB-PANIC-1"),
        Step::Wait(fs, m, _) => {
            out.push("WAIT-PARTITION-1");
            if fs.is_empty() {
                out.push("WAIT-EMPTY-1");
            }
            if *m == crate::Mode::FirstException {
                out.push("WAIT-FIRSTEXCEPTION-2");
            }
        }
        Step::AsCompleted(fs, _) => {
            out.push("ASC-ONCE-1");
            if fs
                .iter()
                .any(|&i| matches!(state_of(prev, i), "FINISHED" | "CANCELLED"))
            {
                out.push("ASC-DONEFIRST-1");
            }
        }
        Step::MapDrop if !cx.map_advanced => out.push("MAP-DROP-2"),
        Step::Submit(_) if r.get("future").is_some() && cx.shutdown => {}
        Step::Submit(_) if r.get("future").is_some() => out.push("EXE-SUBMIT-1"),
        _ => {}
    }
    if matches!(step, Step::MapNext) && cx.map_buffer.is_some() && r.get("value").is_some() {
        out.push("MAP-BUFFER-2");
    }
    out.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::format::Init;
    use crate::scenario::{Scenario, TaskSpec};

    /// `map([fail, return, return], buffersize=1)` then `next()`: the
    /// failing next() tops up with task 1, which may start before it is
    /// cancelled (MAP-BUFFER-2).
    fn race_scenario() -> DiffScenario {
        let s = Scenario {
            workers: 2,
            failing_initializer: false,
            steps: vec![
                Step::Map {
                    items: vec![TaskSpec::Fail, TaskSpec::Return, TaskSpec::Return],
                    chunksize: 1,
                    buffersize: Some(1),
                    timeout: false,
                },
                Step::MapNext,
            ],
        };
        DiffScenario::new("race", s, Init::None)
    }

    fn trace(after_next: &[u64]) -> Value {
        let snap = |started: &[u64], obs: Value| {
            json!({"obs": obs, "states": [], "callbacks": [], "started": started,
                   "blocked": [], "finished": started, "threads": {}})
        };
        let fail = json!({"error": {"kind": "raised", "message": "t0 raised"}});
        json!({"create": {"ok": true}, "aborted": null, "teardown": {"ok": true},
               "steps": [snap(&[0], json!({})), snap(after_next, fail)]})
    }

    /// The top-up started on one side only: both outcomes are allowed.
    #[test]
    fn buffered_map_top_up_race_is_an_allowed_outcome_map_buffer_2() {
        let s = race_scenario();
        for (r, p) in [(&[0, 1][..], &[0][..]), (&[0][..], &[0, 1][..])] {
            let c = compare(&s, &trace(r), &trace(p), 15, false);
            assert_eq!(c.difference, None, "{r:?} / {p:?}");
            assert!(c.confirmed.contains("MAP-BUFFER-2"));
        }
    }

    /// Any other task started is not the race: it is reported, under the
    /// buffered map's clause.
    #[test]
    fn a_start_beyond_the_top_up_is_reported_as_map_buffer_2() {
        let s = race_scenario();
        let c = compare(&s, &trace(&[0]), &trace(&[0, 2]), 15, false);
        let d = c.difference.expect("reported");
        assert_eq!(
            (d.field.as_str(), d.clause.as_str()),
            ("started", "MAP-BUFFER-2")
        );
        assert!(d.expected.is_none());
    }

    /// Too many items submitted at the call is MAP-BUFFER-1.
    #[test]
    fn a_map_submitting_past_its_buffer_is_reported_as_map_buffer_1() {
        let s = race_scenario();
        let mut p = trace(&[0]);
        p["steps"][0]["started"] = json!([0, 1, 2]);
        p["steps"][0]["finished"] = json!([0, 1, 2]);
        let d = compare(&s, &trace(&[0]), &p, 15, false)
            .difference
            .expect("reported");
        assert_eq!(d.clause, "MAP-BUFFER-1");
    }
}
