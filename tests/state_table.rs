//! Loads the normative table `spec/future-state-machine.tsv` at run time and
//! checks every row against the implementation: return value, next state
//! (and stored outcome), whether earlier callbacks run, what `wait()` /
//! `as_completed()` waiters are told, and whether threads blocked in
//! `result()` / `exception()` are woken.
//!
//! Every row names its clause; this file checks the table as a whole and
//! therefore the clauses FUT-STATE-2, FUT-PRED-1, FUT-PRED-2, FUT-PRED-3,
//! FUT-CANCEL-1, FUT-CANCEL-2, FUT-CANCEL-3, FUT-NOTIFY-1, FUT-NOTIFY-2,
//! FUT-NOTIFY-3, FUT-SET-1, FUT-SET-2, FUT-SET-3, FUT-RESULT-1,
//! FUT-RESULT-2, FUT-RESULT-3, FUT-EXC-1, FUT-EXC-2, FUT-TIMEOUT-2,
//! CB-ADD-1 and CB-ADD-2 as the table states them.

mod support;
use support::*;

use concurrent_futures::{Error, Exception, Future, ReturnWhen, State, as_completed, wait};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const STATES: [&str; 6] = [
    "PENDING",
    "RUNNING",
    "CANCELLED",
    "CANCELLED_AND_NOTIFIED",
    "FINISHED(value)",
    "FINISHED(exception)",
];

const OPERATIONS: [&str; 10] = [
    "cancel",
    "set_running_or_notify_cancel",
    "set_result",
    "set_exception",
    "cancelled",
    "running",
    "done",
    "result_nowait",
    "exception_nowait",
    "add_done_callback",
];

/// Value used to build FINISHED(value) (as the brief prescribes).
const BUILD_VALUE: i32 = 7;
/// Value passed by the `set_result` operation under test (distinct from
/// `BUILD_VALUE`, so "the first outcome is kept" is observable).
const OP_VALUE: i32 = 42;

#[derive(Clone, Debug)]
struct Row {
    line: usize,
    state: String,
    operation: String,
    returns: String,
    next_state: String,
    callbacks: String,
    waiters: String,
    wakes_blocked: String,
    clause: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load_table() -> Vec<Row> {
    let path = root().join("spec").join("future-state-machine.tsv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().expect("the table has a header line");
    let cols: Vec<&str> = header.split('\t').map(str::trim).collect();
    let expected_cols = [
        "state",
        "operation",
        "returns",
        "next_state",
        "callbacks",
        "waiters",
        "wakes_blocked",
        "clause",
    ];
    for c in expected_cols {
        assert!(
            cols.contains(&c),
            "header of future-state-machine.tsv lacks column `{c}`: {cols:?}"
        );
    }
    let idx = |name: &str| cols.iter().position(|c| *c == name).unwrap();
    let mut rows = Vec::new();
    for (n, line) in lines {
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        assert_eq!(
            fields.len(),
            cols.len(),
            "line {} of future-state-machine.tsv has {} fields, header has {}: {line:?}",
            n + 1,
            fields.len(),
            cols.len()
        );
        let get = |name: &str| fields[idx(name)].to_string();
        rows.push(Row {
            line: n + 1,
            state: get("state"),
            operation: get("operation"),
            returns: get("returns"),
            next_state: get("next_state"),
            callbacks: get("callbacks"),
            waiters: get("waiters"),
            wakes_blocked: get("wakes_blocked"),
            clause: get("clause"),
        });
    }
    rows
}

/// Every clause ID defined by a `### ID — title` heading in spec/*.md.
fn spec_clause_ids() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("spec")).unwrap().flatten() {
        let p = entry.path();
        if p.extension().is_some_and(|x| x == "md") {
            for line in std::fs::read_to_string(&p).unwrap().lines() {
                if let Some(rest) = line.strip_prefix("### ") {
                    if let Some(id) = rest.split_whitespace().next() {
                        ids.insert(id.to_string());
                    }
                }
            }
        }
    }
    ids
}

/// The outcome the future is expected to hold.
#[derive(Clone)]
enum Stored {
    Nothing,
    Value(i32),
    Exc(Exception),
}

struct Subject {
    f: Future<i32>,
    /// Runs of the counting callback registered before the state was reached.
    early_callback_runs: Arc<AtomicUsize>,
    stored: Stored,
}

fn counting_callback(f: &Future<i32>) -> Arc<AtomicUsize> {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    f.add_done_callback(move |_| {
        n2.fetch_add(1, Ordering::SeqCst);
    });
    n
}

/// A `Future<i32>` in `state`, with a counting callback registered while it
/// was still PENDING (so for the done states the callback has already run
/// once when the operation under test is applied).
fn build(state: &str) -> Subject {
    let f: Future<i32> = Future::new();
    let early_callback_runs = counting_callback(&f);
    let stored = match state {
        "PENDING" => Stored::Nothing,
        "RUNNING" => {
            assert!(matches!(f.set_running_or_notify_cancel(), Ok(true)));
            Stored::Nothing
        }
        "CANCELLED" => {
            assert!(f.cancel());
            Stored::Nothing
        }
        "CANCELLED_AND_NOTIFIED" => {
            assert!(f.cancel());
            assert!(matches!(f.set_running_or_notify_cancel(), Ok(false)));
            Stored::Nothing
        }
        "FINISHED(value)" => {
            f.set_result(BUILD_VALUE).unwrap();
            Stored::Value(BUILD_VALUE)
        }
        "FINISHED(exception)" => {
            let e = Exception::msg("boom");
            f.set_exception(e.clone()).unwrap();
            Stored::Exc(e)
        }
        other => panic!("unknown state {other:?}"),
    };
    Subject {
        f,
        early_callback_runs,
        stored,
    }
}

/// The observable state of `f` in the table's vocabulary (FINISHED is split
/// by the stored outcome).
fn observed_state(f: &Future<i32>) -> String {
    match f.state() {
        State::Finished => match f.result(Some(Duration::ZERO)) {
            Ok(_) => "FINISHED(value)".into(),
            Err(Error::Exception(_)) => "FINISHED(exception)".into(),
            Err(e) => format!("FINISHED(result() gave {e:?})"),
        },
        s => s.to_string(),
    }
}

fn describe_outcome(f: &Future<i32>, expected: &Stored) -> Option<String> {
    match expected {
        Stored::Nothing => None,
        Stored::Value(v) => match f.result(Some(Duration::ZERO)) {
            Ok(got) if got == *v => None,
            other => Some(format!(
                "stored value should be {v}, result() gave {other:?}"
            )),
        },
        Stored::Exc(e) => match f.result(Some(Duration::ZERO)) {
            Err(Error::Exception(got)) if Exception::ptr_eq(&got, e) => None,
            other => Some(format!(
                "stored exception should be the one set ({e}), result() gave {other:?}"
            )),
        },
    }
}

/// Threads blocked in `result(None)` / `exception(None)` report here.
enum Blocked {
    Result(Result<i32, Error>),
    Exception(Result<Option<Exception>, Error>),
}

/// Internal waits of one row share this budget, kept below [`WATCHDOG`] so
/// that a missing wake-up is reported as a row mismatch, not as a watchdog
/// panic. A correct implementation never comes near it.
const ROW_BUDGET: Duration = Duration::from_secs(20);

fn recv_by<M>(rx: &mpsc::Receiver<M>, deadline: Instant) -> Result<M, mpsc::RecvTimeoutError> {
    rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
}

fn check_row(row: &Row) -> Vec<String> {
    let deadline = Instant::now() + ROW_BUDGET;
    let mut problems = Vec::new();
    let Subject {
        f,
        early_callback_runs,
        stored,
    } = build(&row.state);
    let start_state = observed_state(&f);
    if start_state != row.state {
        problems.push(format!(
            "could not build the state: expected {}, got {start_state}",
            row.state
        ));
        return problems;
    }
    // Whether a waiter of wait()/as_completed() can be installed at all:
    // on C&N and FINISHED futures wait() returns at once and installs
    // nothing, so no notification can be delivered by the operation.
    let done_for_waiters_at_start = matches!(
        row.state.as_str(),
        "CANCELLED_AND_NOTIFIED" | "FINISHED(value)" | "FINISHED(exception)"
    );
    // Whether a thread can block in result()/exception(): only while PENDING
    // or RUNNING; in the other states these calls return at once.
    let can_block = matches!(row.state.as_str(), "PENDING" | "RUNNING");

    // --- observers installed before the operation ---------------------------

    // (1) Deterministic waiter observer: the first next() of as_completed
    // installs its waiter on every future not yet done before it yields the
    // already-done `pre`, so once it returned the waiter is installed on f.
    let pre: Future<i32> = Future::new();
    pre.set_result(0).unwrap();
    let sentinel: Future<i32> = Future::new();
    let list = [pre.clone(), f.clone(), sentinel.clone()];
    let mut ac = as_completed(&list, None);
    match ac.next() {
        Some(Ok(x)) if x == pre => {}
        other => problems.push(format!(
            "observer: as_completed's first next() should yield the finished probe, got {:?}",
            other.map(|r| r.map(|x| observed_state(&x)))
        )),
    }

    // (2) A thread blocked in wait([f, s2], None, FIRST_COMPLETED) started
    // before the operation (it may install its waiter a little after the
    // operation; the checks below hold for a correct implementation either
    // way, and catch a missing notification whenever it installed first).
    let s2: Future<i32> = Future::new();
    let (wait_tx, wait_rx) = mpsc::channel();
    let wait_started = Latch::new();
    if !done_for_waiters_at_start {
        let (f2, s2c, started) = (f.clone(), s2.clone(), wait_started.clone());
        std::thread::spawn(move || {
            started.arrive();
            let r = wait([&f2, &s2c], None, ReturnWhen::FirstCompleted);
            let _ = wait_tx.send((r.done.contains(&f2), r.done.contains(&s2c)));
        });
        wait_started.wait_for(1);
    }
    // (2b) For rows that must deliver "exception": a FIRST_EXCEPTION wait over
    // [f, s3] must return while s3 is still pending. (For the other rows a
    // FIRST_EXCEPTION wait would only return once s3 completes, which cannot
    // tell a "result" from a "cancelled" notification, so it is not used.)
    let s3: Future<i32> = Future::new();
    let (fe_tx, fe_rx) = mpsc::channel();
    if !done_for_waiters_at_start && row.waiters == "exception" {
        let (f3, s3c, started) = (f.clone(), s3.clone(), wait_started.clone());
        std::thread::spawn(move || {
            started.arrive();
            let r = wait([&f3, &s3c], None, ReturnWhen::FirstException);
            let _ = fe_tx.send((r.done.contains(&f3), r.done.contains(&s3c)));
        });
        wait_started.wait_for(2);
    }

    // (3) Threads blocked in result(None) and exception(None).
    let (blk_tx, blk_rx) = mpsc::channel::<Blocked>();
    if can_block {
        let blocked_started = Latch::new();
        for which in 0..2 {
            let (fb, tx, started) = (f.clone(), blk_tx.clone(), blocked_started.clone());
            std::thread::spawn(move || {
                started.arrive();
                let msg = if which == 0 {
                    Blocked::Result(fb.result(None))
                } else {
                    Blocked::Exception(fb.exception(None))
                };
                let _ = tx.send(msg);
            });
        }
        blocked_started.wait_for(2);
    }
    drop(blk_tx);

    let callbacks_before = early_callback_runs.load(Ordering::SeqCst);

    // --- the operation ------------------------------------------------------
    let op_exception = Exception::msg("set by the operation under test");
    let mut expected_after = stored.clone();
    let mut late_callback: Option<Arc<AtomicUsize>> = None;
    let before_state = f.state();
    let returns: String = match row.operation.as_str() {
        "cancel" => f.cancel().to_string(),
        "set_running_or_notify_cancel" => match f.set_running_or_notify_cancel() {
            Ok(b) => b.to_string(),
            Err(Error::Runtime(m)) if m == "Future in unexpected state" => "err:Runtime".into(),
            Err(e) => format!("unexpected {e:?}"),
        },
        "set_result" | "set_exception" => {
            let r = if row.operation == "set_result" {
                f.set_result(OP_VALUE)
            } else {
                f.set_exception(op_exception.clone())
            };
            match r {
                Ok(()) => "ok".into(),
                Err(Error::InvalidState { state, .. }) if state == before_state => {
                    "err:InvalidState".into()
                }
                Err(e) => format!("unexpected {e:?}"),
            }
        }
        "cancelled" => f.cancelled().to_string(),
        "running" => f.running().to_string(),
        "done" => f.done().to_string(),
        "result_nowait" => match (f.result(Some(Duration::ZERO)), &stored) {
            (Ok(v), Stored::Value(s)) if v == *s => "value".into(),
            (Err(Error::Exception(e)), Stored::Exc(s)) if Exception::ptr_eq(&e, s) => {
                "exception".into()
            }
            (Err(Error::Cancelled), _) => "err:Cancelled".into(),
            (Err(Error::Timeout(None)), _) => "err:Timeout".into(),
            (other, _) => format!("unexpected {other:?}"),
        },
        "exception_nowait" => match (f.exception(Some(Duration::ZERO)), &stored) {
            (Ok(None), _) => "none".into(),
            (Ok(Some(e)), Stored::Exc(s)) if Exception::ptr_eq(&e, s) => "exception".into(),
            (Err(Error::Cancelled), _) => "err:Cancelled".into(),
            (Err(Error::Timeout(None)), _) => "err:Timeout".into(),
            (other, _) => format!("unexpected {other:?}"),
        },
        "add_done_callback" => {
            let n = counting_callback(&f);
            let ran = n.load(Ordering::SeqCst);
            late_callback = Some(n);
            match ran {
                0 => "queued".into(),
                1 => "called_now".into(),
                k => format!("ran {k} times"),
            }
        }
        other => {
            problems.push(format!("unknown operation {other:?}"));
            return problems;
        }
    };
    if returns != row.returns {
        problems.push(format!("returns: expected {}, got {returns}", row.returns));
    }

    // --- next state and stored outcome ------------------------------------------
    let expected_next = if row.next_state == "same" {
        row.state.clone()
    } else {
        row.next_state.clone()
    };
    if expected_next != row.state {
        expected_after = match expected_next.as_str() {
            "FINISHED(value)" => Stored::Value(OP_VALUE),
            "FINISHED(exception)" => Stored::Exc(op_exception.clone()),
            _ => Stored::Nothing,
        };
    }
    let next = observed_state(&f);
    if next != expected_next {
        problems.push(format!("next_state: expected {expected_next}, got {next}"));
    } else if let Some(p) = describe_outcome(&f, &expected_after) {
        problems.push(format!("next_state outcome: {p}"));
    }

    // --- callbacks registered earlier ----------------------------------------------
    let callbacks_after = early_callback_runs.load(Ordering::SeqCst);
    let callbacks = match callbacks_after - callbacks_before {
        0 => "none".to_string(),
        1 => "run".to_string(),
        k => format!("ran {k} times"),
    };
    if callbacks != row.callbacks {
        problems.push(format!(
            "callbacks: expected {}, got {callbacks}",
            row.callbacks
        ));
    }
    if early_callback_runs.load(Ordering::SeqCst) > 1 {
        problems.push("the early callback ran more than once in total".into());
    }

    // --- waiters -----------------------------------------------------------------
    // as_completed observer: complete the sentinel, then the next yielded
    // future is f exactly when f's completion was delivered to the waiter
    // before the sentinel's.
    sentinel.set_result(0).unwrap();
    let waiters = match ac.next() {
        Some(Ok(x)) if x == f => {
            if done_for_waiters_at_start {
                // Not meaningful: f was already done for waiters when
                // as_completed started, so no waiter was installed on it and
                // none can be notified; it is yielded as already done.
                "none".to_string()
            } else {
                // The notification's kind is what f became (FUT-SET-4: the
                // outcome is visible before any waiter is told).
                match f.state() {
                    State::CancelledAndNotified => "cancelled".to_string(),
                    State::Finished => match f.exception(Some(Duration::ZERO)) {
                        Ok(None) => "result".to_string(),
                        Ok(Some(_)) => "exception".to_string(),
                        other => format!("notified, then exception() gave {other:?}"),
                    },
                    s => format!("notified while {s}"),
                }
            }
        }
        Some(Ok(x)) if x == sentinel => "none".to_string(),
        other => format!(
            "as_completed yielded {:?}",
            other.map(|r| r.map(|x| observed_state(&x)))
        ),
    };
    if waiters != row.waiters {
        problems.push(format!(
            "waiters (as_completed): expected {}, got {waiters}",
            row.waiters
        ));
    }
    drop(ac);

    if !done_for_waiters_at_start {
        // The blocked wait(FIRST_COMPLETED) thread.
        if row.waiters != "none" {
            // Must return on its own, with f done and s2 not.
            match recv_by(&wait_rx, deadline) {
                Ok((true, false)) => {}
                Ok(other) => problems.push(format!(
                    "waiters (blocked wait): (f done, s2 done) should be (true, false), got {other:?}"
                )),
                Err(_) => problems.push(format!(
                    "waiters (blocked wait): wait(FIRST_COMPLETED) was not woken within {ROW_BUDGET:?}"
                )),
            }
            s2.set_result(0).unwrap();
        } else {
            s2.set_result(0).unwrap();
            match recv_by(&wait_rx, deadline) {
                Ok((false, true)) => {}
                Ok(other) => problems.push(format!(
                    "waiters (blocked wait): (f done, s2 done) should be (false, true), got {other:?}"
                )),
                Err(_) => problems.push(format!(
                    "waiters (blocked wait): wait did not return within {ROW_BUDGET:?} after s2 finished"
                )),
            }
        }
        if row.waiters == "exception" {
            match recv_by(&fe_rx, deadline) {
                Ok((true, false)) => {}
                Ok(other) => problems.push(format!(
                    "waiters (blocked FIRST_EXCEPTION wait): (f done, s3 done) should be (true, false), got {other:?}"
                )),
                Err(_) => problems.push(format!(
                    "waiters (blocked FIRST_EXCEPTION wait): not woken within {ROW_BUDGET:?}"
                )),
            }
        }
    } else if row.waiters != "none" {
        // Unreachable for the current table; a future row claiming a
        // notification from an already-done state cannot hold.
        problems.push(format!(
            "waiters: expected {} from a state where no waiter can be installed",
            row.waiters
        ));
    }
    let _ = s3.set_result(0);

    // --- threads blocked in result() / exception() -------------------------------
    if can_block {
        let mut got = Vec::new();
        if f.done() {
            for _ in 0..2 {
                match recv_by(&blk_rx, deadline) {
                    Ok(b) => got.push(b),
                    Err(_) => break,
                }
            }
            let woken = if got.len() == 2 { "yes" } else { "no" };
            if woken != row.wakes_blocked {
                problems.push(format!(
                    "wakes_blocked: expected {}, got {woken} ({} of 2 blocked threads returned within {ROW_BUDGET:?})",
                    row.wakes_blocked,
                    got.len()
                ));
            }
            // What they returned must match the outcome (FUT-TIMEOUT-1).
            for b in &got {
                let ok = match (b, &expected_after, f.cancelled()) {
                    (Blocked::Result(Err(Error::Cancelled)), _, true) => true,
                    (Blocked::Exception(Err(Error::Cancelled)), _, true) => true,
                    (Blocked::Result(Ok(v)), Stored::Value(s), false) => v == s,
                    (Blocked::Exception(Ok(None)), Stored::Value(_), false) => true,
                    (Blocked::Result(Err(Error::Exception(e))), Stored::Exc(s), false) => {
                        Exception::ptr_eq(e, s)
                    }
                    (Blocked::Exception(Ok(Some(e))), Stored::Exc(s), false) => {
                        Exception::ptr_eq(e, s)
                    }
                    _ => false,
                };
                if !ok {
                    let what = match b {
                        Blocked::Result(r) => format!("result(None) -> {r:?}"),
                        Blocked::Exception(r) => format!("exception(None) -> {r:?}"),
                    };
                    problems.push(format!(
                        "woken blocked thread returned the wrong thing: {what}"
                    ));
                }
            }
        } else {
            // Still PENDING/RUNNING: the blocked threads must still be
            // blocked (a spurious wake-up is invisible; returning is not).
            let woken = match blk_rx.try_recv() {
                Ok(Blocked::Result(r)) => format!("yes (result(None) returned {r:?})"),
                Ok(Blocked::Exception(r)) => format!("yes (exception(None) returned {r:?})"),
                Err(_) => "no".to_string(),
            };
            if woken != row.wakes_blocked {
                problems.push(format!(
                    "wakes_blocked: expected {}, got {woken}",
                    row.wakes_blocked
                ));
            }
            // Release them (and check the queued late callback runs then).
            if let Err(e) = f.set_result(0) {
                problems.push(format!("could not release the blocked threads: {e:?}"));
            }
            for _ in 0..2 {
                if recv_by(&blk_rx, deadline).is_err() {
                    problems.push("a blocked thread was not released by set_result".into());
                    break;
                }
            }
        }
    } else {
        // Not meaningful: in CANCELLED, C&N and FINISHED no thread can block
        // in result()/exception() (they return at once), so there is nothing
        // to wake. What is checkable: the table says "no", and result(None)
        // indeed returns without blocking.
        if row.wakes_blocked != "no" {
            problems.push(format!(
                "wakes_blocked: expected {} from a state where nothing can block",
                row.wakes_blocked
            ));
        }
        let fc = f.clone();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(fc.result(None).is_ok());
        });
        if recv_by(&rx, deadline).is_err() {
            problems.push(format!("result(None) blocked in done state {next}"));
        }
    }

    // A queued callback (CB-ADD-1) runs once the future is done.
    if let Some(n) = late_callback {
        if returns == "queued" && f.done() && n.load(Ordering::SeqCst) != 1 {
            problems.push("the callback added while not done never ran".into());
        }
    }
    problems
}

/// FUT-STATE-2 FUT-PRED-1 FUT-PRED-2 FUT-PRED-3 FUT-CANCEL-1 FUT-CANCEL-2
/// FUT-CANCEL-3 FUT-NOTIFY-1 FUT-NOTIFY-2 FUT-NOTIFY-3 FUT-SET-1 FUT-SET-2
/// FUT-SET-3 FUT-RESULT-1 FUT-RESULT-2 FUT-RESULT-3 FUT-EXC-1 FUT-EXC-2
/// FUT-TIMEOUT-2 CB-ADD-1 CB-ADD-2: every row of the normative table.
#[test]
fn fut_state_table_every_row_holds() {
    let rows = load_table();
    let mut failures = Vec::new();
    for row in &rows {
        let r = row.clone();
        let problems = within_watchdog(&format!("row {}", row.line), move || check_row(&r));
        if !problems.is_empty() {
            failures.push(format!(
                "line {} ({} / {}, {}):\n    {}",
                row.line,
                row.state,
                row.operation,
                row.clause,
                problems.join("\n    ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows of future-state-machine.tsv disagree with the implementation:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// FUT-STATE-2: the table has exactly one row per (state, operation) pair,
/// 6 states x 10 operations = 60 rows, and uses only the documented values.
#[test]
fn fut_state_table_has_one_row_per_state_and_operation() {
    let rows = load_table();
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut problems = Vec::new();
    let returns_vocab = [
        "true",
        "false",
        "ok",
        "value",
        "exception",
        "none",
        "err:Cancelled",
        "err:Timeout",
        "err:InvalidState",
        "err:Runtime",
        "called_now",
        "queued",
    ];
    for row in &rows {
        if !STATES.contains(&row.state.as_str()) {
            problems.push(format!("line {}: unknown state {:?}", row.line, row.state));
        }
        if !OPERATIONS.contains(&row.operation.as_str()) {
            problems.push(format!(
                "line {}: unknown operation {:?}",
                row.line, row.operation
            ));
        }
        if !returns_vocab.contains(&row.returns.as_str()) {
            problems.push(format!(
                "line {}: unknown returns {:?}",
                row.line, row.returns
            ));
        }
        if row.next_state != "same" && !STATES.contains(&row.next_state.as_str()) {
            problems.push(format!(
                "line {}: unknown next_state {:?}",
                row.line, row.next_state
            ));
        }
        if !["run", "none"].contains(&row.callbacks.as_str()) {
            problems.push(format!(
                "line {}: bad callbacks {:?}",
                row.line, row.callbacks
            ));
        }
        if !["none", "cancelled", "result", "exception"].contains(&row.waiters.as_str()) {
            problems.push(format!("line {}: bad waiters {:?}", row.line, row.waiters));
        }
        if !["yes", "no"].contains(&row.wakes_blocked.as_str()) {
            problems.push(format!(
                "line {}: bad wakes_blocked {:?}",
                row.line, row.wakes_blocked
            ));
        }
        if let Some(prev) = seen.insert((row.state.clone(), row.operation.clone()), row.line) {
            problems.push(format!(
                "line {}: duplicate of line {prev} ({} / {})",
                row.line, row.state, row.operation
            ));
        }
    }
    for s in STATES {
        for op in OPERATIONS {
            if !seen.contains_key(&(s.to_string(), op.to_string())) {
                problems.push(format!("missing row {s} / {op}"));
            }
        }
    }
    if rows.len() != 60 {
        problems.push(format!("expected 60 rows, found {}", rows.len()));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// FUT-STATE-2: every clause named in the table's `clause` column is a
/// clause heading of some spec/*.md file.
#[test]
fn fut_state_table_clauses_exist_in_spec() {
    let ids = spec_clause_ids();
    assert!(!ids.is_empty(), "no clause headings found in spec/*.md");
    let missing: Vec<String> = load_table()
        .iter()
        .filter(|r| !ids.contains(&r.clause))
        .map(|r| format!("line {}: {}", r.line, r.clause))
        .collect();
    assert!(
        missing.is_empty(),
        "clauses named by the table but not defined in spec/*.md: {missing:?}"
    );
}
