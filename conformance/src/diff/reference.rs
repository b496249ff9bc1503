//! Runs a [`DiffScenario`] on a Rust [`Executor`] and records the trace of
//! `conformance/python/FORMAT.md`, exactly as `cf_driver.py` does for a
//! Python executor: settle after every step, skip what would block for
//! ever, snapshot the observable state.

use crate::adapter::Mode;
use crate::diff::format::{DiffScenario, Init};
use crate::scenario::{GATES, Patience, Step, TaskSpec, ThreadOp};
use concurrent_futures::{
    Error, ExceptionKind, Executor, Future, MapIter, MapOptions, ReturnWhen, ThreadPoolExecutor,
    WorkItem, as_completed, wait,
};
use serde_json::{Value, json};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

/// What the tasks and callbacks report (FORMAT.md "Tasks").
#[derive(Debug, Default)]
struct Log {
    started: BTreeSet<usize>,
    /// Blocked task → the gate it waits on.
    blocked: BTreeMap<usize, usize>,
    finished: BTreeSet<usize>,
    /// Map tasks whose future is complete (not only their call returned):
    /// settling waits for them as for submitted futures (FORMAT.md
    /// "Settling", 2), so a `next()` after the deadline finds a finished
    /// item done, as it is on the Python side.
    completed: BTreeSet<usize>,
    threads: BTreeMap<usize, String>,
    callbacks: Vec<(usize, usize)>,
}

#[derive(Debug, Default)]
struct Shared {
    log: Mutex<Log>,
    changed: Condvar,
    gates: Mutex<[bool; GATES]>,
    opened: Condvar,
}

impl Shared {
    fn log(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn gates(&self) -> MutexGuard<'_, [bool; GATES]> {
        self.gates.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Silences the panics the scenario's tasks and callbacks raise on purpose
/// (`tN panicked`, `tN raised` inside `map`, `callback raised`).
fn quiet_scenario_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        crate::probe::quiet_panics_where(|text| {
            text == "callback raised"
                || (text.starts_with('t')
                    && (text.ends_with(" panicked") || text.ends_with(" raised")))
        })
    });
}

thread_local! {
    /// The task the current worker ran last (set by `run_task`).
    static RAN: Cell<Option<usize>> = const { Cell::new(None) };
}

/// The executor `map` submits through: the scenario's executor, each work
/// item wrapped so that the log learns when the item's future is complete
/// (`Log::completed`). Not with a failing initializer (`track` false): a
/// broken pool fails its queue, and a wrapped item would be dropped (read:
/// cancelled) instead; nothing runs there anyway.
struct MapSide<E> {
    inner: Arc<E>,
    shared: Arc<Shared>,
    track: bool,
}

impl<E: Executor> Executor for MapSide<E> {
    fn submit_work(&self, work: WorkItem) -> Result<(), Error> {
        if !self.track {
            return self.inner.submit_work(work);
        }
        let shared = self.shared.clone();
        let (outer, _) = WorkItem::new(move || {
            RAN.with(|r| r.set(None));
            work.run();
            if let Some(n) = RAN.with(Cell::take) {
                shared.log().completed.insert(n);
                shared.changed.notify_all();
            }
        });
        self.inner.submit_work(outer)
    }

    fn shutdown(&self, wait: bool, cancel_futures: bool) -> Result<(), Error> {
        self.inner.shutdown(wait, cancel_futures)
    }
}

/// Task `n` doing `spec` (FORMAT.md): logs `started`, waits on its gate
/// (logged `blocked`), logs `finished`, then returns `1000 + n` or fails.
fn run_task(shared: &Shared, n: usize, spec: TaskSpec) -> Result<u64, String> {
    RAN.with(|r| r.set(Some(n)));
    {
        let mut log = shared.log();
        log.started.insert(n);
        let name = std::thread::current().name().unwrap_or("").to_string();
        log.threads.insert(n, name);
        shared.changed.notify_all();
    }
    if let TaskSpec::Gated(g) = spec {
        let mut gates = shared.gates();
        if !gates[g] {
            shared.log().blocked.insert(n, g);
            shared.changed.notify_all();
            while !gates[g] {
                gates = shared.opened.wait(gates).unwrap_or_else(|e| e.into_inner());
            }
            shared.log().blocked.remove(&n);
        }
    }
    shared.log().finished.insert(n);
    shared.changed.notify_all();
    match spec {
        TaskSpec::Return | TaskSpec::Gated(_) => Ok(1000 + n as u64),
        TaskSpec::Fail => Err(format!("t{n} raised")),
        TaskSpec::Panic => panic!("t{n} panicked"),
    }
}

/// An error as FORMAT.md's `E`.
pub fn error_json(e: &Error) -> Value {
    let kind = match e {
        Error::Exception(x) => match x.kind() {
            ExceptionKind::Panic => "panicked",
            ExceptionKind::Error => "raised",
            ExceptionKind::BrokenExecutor => "broken",
        },
        Error::Cancelled => "cancelled",
        Error::Timeout(_) => "timeout",
        Error::BrokenExecutor(_) => "broken",
        Error::Shutdown => "shutdown",
        Error::InvalidArgument(_) => "invalid",
        _ => "other",
    };
    let message = match e {
        Error::Exception(x) => x.message(),
        other => other.to_string(),
    };
    json!({"kind": kind, "message": message})
}

fn outcome_json(r: Result<u64, Error>) -> Value {
    match r {
        Ok(v) => json!({"value": v}),
        Err(e) => json!({"error": error_json(&e)}),
    }
}

fn return_when(m: Mode) -> ReturnWhen {
    match m {
        Mode::FirstCompleted => ReturnWhen::FirstCompleted,
        Mode::FirstException => ReturnWhen::FirstException,
        Mode::AllCompleted => ReturnWhen::AllCompleted,
    }
}

/// What a task is, for settling.
#[derive(Debug, Clone, Copy)]
struct TaskMeta {
    /// Its future's number, for `submit`ted tasks.
    future: Option<usize>,
    /// Known never to start (FORMAT.md "Settling", 3).
    resolved: bool,
}

/// The live map iterator and its bookkeeping.
struct LiveMap<'a> {
    iter: MapIter<'a, u64>,
    first: usize,
    len: usize,
    consumed: usize,
    timeout: bool,
    over: bool,
}

/// The state seen by the settling rules: futures' states from the
/// predicates, and the done-with-an-exception flag for `FIRST_EXCEPTION`.
#[derive(Clone, Debug, Default)]
struct Snapshot {
    states: Vec<Option<&'static str>>,
    failed: Vec<bool>,
    started: BTreeSet<usize>,
    finished: BTreeSet<usize>,
}

impl Snapshot {
    fn done(&self, i: usize) -> bool {
        matches!(self.states.get(i), Some(Some("FINISHED" | "CANCELLED")))
    }
}

/// What a helper thread does and will report.
struct HelperThread {
    call: &'static str,
    /// For `can_return`: the futures it waits on and how.
    waits: Vec<usize>,
    mode: Option<Mode>,
    rx: Receiver<Value>,
}

struct Runner<E: Executor + 'static> {
    s: DiffScenario,
    ex: Arc<E>,
    shared: Arc<Shared>,
    futures: Vec<Option<Future<u64>>>,
    callbacks_added: Vec<usize>,
    /// Future number → the task it runs.
    task_of: Vec<usize>,
    tasks: Vec<TaskMeta>,
    /// The items of the live buffered map not submitted yet: not work that
    /// can start (FORMAT.md "Settling", 3); each `next()` that yields or
    /// fails submits the first of them (MAP-BUFFER-2).
    unsubmitted: std::ops::Range<usize>,
    helpers: VecDeque<HelperThread>,
    snap: Snapshot,
}

/// The reference [`ThreadPoolExecutor`] `s` asks for: its size, worker
/// name prefix and initializer.
pub fn reference_pool(s: &DiffScenario) -> Result<ThreadPoolExecutor, Error> {
    let mut b = ThreadPoolExecutor::builder()
        .max_workers(s.scenario.workers)
        .thread_name_prefix(s.prefix.clone());
    match s.init {
        Init::None => {}
        Init::Ok => b = b.initializer(|| Ok(())),
        Init::Fails => b = b.initializer(|| Err("initializer failed".into())),
    }
    b.build()
}

/// Runs `s` on the reference [`ThreadPoolExecutor`].
pub fn run_reference(s: &DiffScenario) -> Value {
    run_on(s, "concurrent-futures ThreadPoolExecutor", reference_pool)
}

/// Runs `s` on the executor `make` builds (`runner` names it in the trace).
pub fn run_on<E: Executor + 'static>(
    s: &DiffScenario,
    runner: &str,
    make: impl FnOnce(&DiffScenario) -> Result<E, Error>,
) -> Value {
    quiet_scenario_panics();
    let mut trace = json!({"id": s.id, "runner": runner, "executor": runner,
        "steps": [], "aborted": Value::Null});
    let ex = match make(s) {
        Ok(ex) => Arc::new(ex),
        Err(e) => {
            trace["create"] = json!({"error": error_json(&e)});
            return trace;
        }
    };
    trace["create"] = json!({"ok": true});
    let mut r = Runner {
        s: s.clone(),
        ex: ex.clone(),
        shared: Arc::new(Shared::default()),
        futures: Vec::new(),
        callbacks_added: Vec::new(),
        task_of: Vec::new(),
        tasks: Vec::new(),
        unsubmitted: 0..0,
        helpers: VecDeque::new(),
        snap: Snapshot::default(),
    };
    let map_ex = MapSide {
        inner: ex.clone(),
        shared: r.shared.clone(),
        track: s.init != Init::Fails,
    };
    let mut steps = Vec::new();
    let mut map: Option<LiveMap<'_>> = None;
    let mut map_calls = 0usize;
    for (n, step) in s.scenario.steps.iter().enumerate() {
        let obs = r.step(step, &ex, &map_ex, &mut map, &mut map_calls);
        let hang = obs.get("hang").is_some() && !matches!(step, Step::Join);
        r.settle();
        let mut entry = r.snapshot_json();
        entry["n"] = json!(n + 1);
        entry["op"] = json!(crate::diff::compare::op_name(step));
        entry["obs"] = obs;
        steps.push(entry);
        if hang {
            trace["aborted"] = json!(format!("hang at step {}", n + 1));
            break;
        }
    }
    trace["steps"] = Value::Array(steps);
    drop(map);
    trace["teardown"] = r.teardown();
    trace
}

fn skipped(why: &str) -> Value {
    json!({"skipped": why})
}

/// Runs `call` on its own thread and waits up to `patience` for it: the
/// guard that turns a hang into an observation.
fn guarded<T: Send + 'static>(
    patience: Duration,
    call: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(call());
    });
    rx.recv_timeout(patience).ok()
}

impl<E: Executor + 'static> Runner<E> {
    fn patience(&self) -> Duration {
        self.s.patience
    }

    fn short(&self, p: Patience) -> Option<Duration> {
        match p {
            Patience::Forever => None,
            Patience::Zero => Some(Duration::ZERO),
            Patience::Short => Some(self.s.short),
        }
    }

    fn new_task(&mut self, future: Option<usize>) -> usize {
        self.tasks.push(TaskMeta {
            future,
            resolved: self.s.init == Init::Fails,
        });
        self.tasks.len() - 1
    }

    /// The futures behind `numbers`, skipping numbers without one.
    fn handles(&self, numbers: &[usize]) -> Vec<(usize, Future<u64>)> {
        numbers
            .iter()
            .filter_map(|&i| self.futures.get(i).cloned().flatten().map(|f| (i, f)))
            .collect()
    }

    /// Whether a no-timeout wait over `fs` in `mode` can return now.
    fn wait_returns(&self, fs: &[usize], mode: Mode) -> bool {
        let fs: Vec<usize> = fs
            .iter()
            .copied()
            .filter(|&i| self.futures.get(i).is_some_and(Option::is_some))
            .collect();
        if fs.is_empty() {
            return true;
        }
        let all = fs.iter().all(|&i| self.snap.done(i));
        match mode {
            Mode::FirstCompleted => fs.iter().any(|&i| self.snap.done(i)),
            Mode::FirstException => all || fs.iter().any(|&i| self.snap.failed[i]),
            Mode::AllCompleted => all,
        }
    }

    fn everything_settled(&self) -> bool {
        self.tasks.iter().enumerate().all(|(n, t)| {
            self.snap.finished.contains(&n) || (!self.snap.started.contains(&n) && t.resolved)
        })
    }

    fn step<'a>(
        &mut self,
        step: &Step,
        ex: &'a Arc<E>,
        map_ex: &'a MapSide<E>,
        map: &mut Option<LiveMap<'a>>,
        map_calls: &mut usize,
    ) -> Value {
        let patience = self.patience();
        match step {
            Step::Submit(t) => {
                let number = self.futures.len();
                let n = self.new_task(Some(number));
                let (shared, t) = (self.shared.clone(), *t);
                self.callbacks_added.push(0);
                self.task_of.push(n);
                match ex.submit_fallible(move || run_task(&shared, n, t)) {
                    Ok(f) => {
                        self.futures.push(Some(f));
                        json!({"future": number})
                    }
                    Err(e) => {
                        self.futures.push(None);
                        self.tasks[n].resolved = true;
                        json!({"error": error_json(&e)})
                    }
                }
            }
            Step::Cancel(i) => match self.futures.get(*i).cloned().flatten() {
                None => skipped("no future"),
                Some(f) => {
                    let c = f.cancel();
                    if c {
                        self.tasks[self.task_of[*i]].resolved = true;
                    }
                    json!({"cancelled": c})
                }
            },
            Step::Open(g) => {
                self.shared.gates()[*g % GATES] = true;
                self.shared.opened.notify_all();
                json!({})
            }
            Step::Result(i, p) | Step::Exception(i, p) => {
                let Some(f) = self.futures.get(*i).cloned().flatten() else {
                    return skipped("no future");
                };
                if *p == Patience::Forever && !self.snap.done(*i) {
                    return skipped("blocks");
                }
                let timeout = self.short(*p);
                let is_result = matches!(step, Step::Result(..));
                guarded(patience, move || {
                    if is_result {
                        outcome_json(f.result(timeout))
                    } else {
                        match f.exception(timeout) {
                            Ok(None) => json!({"exception": null}),
                            Ok(Some(e)) => json!({"exception": error_json(&Error::Exception(e))}),
                            Err(e) => json!({"error": error_json(&e)}),
                        }
                    }
                })
                .unwrap_or_else(|| json!({"hang": true}))
            }
            Step::Callback(i, raises) => {
                let Some(f) = self.futures.get(*i).cloned().flatten() else {
                    return skipped("no future");
                };
                let k = self.callbacks_added[*i];
                self.callbacks_added[*i] += 1;
                let (shared, i, raises) = (self.shared.clone(), *i, *raises);
                f.add_done_callback(move |_| {
                    shared.log().callbacks.push((i, k));
                    shared.changed.notify_all();
                    if raises {
                        panic!("callback raised");
                    }
                });
                json!({})
            }
            Step::Wait(fs, m, p) => {
                if *p == Patience::Forever && !self.wait_returns(fs, *m) {
                    return skipped("blocks");
                }
                let hs = self.handles(fs);
                let (timeout, mode) = (self.short(*p), return_when(*m));
                guarded(patience, move || {
                    let futures: Vec<Future<u64>> = hs.iter().map(|(_, f)| f.clone()).collect();
                    let r = wait(&futures, timeout, mode);
                    wait_json(&hs, |f| r.done.contains(f))
                })
                .unwrap_or_else(|| json!({"hang": true}))
            }
            Step::AsCompleted(fs, p) => {
                if *p == Patience::Forever
                    && !self.handles(fs).iter().all(|(i, _)| self.snap.done(*i))
                {
                    return skipped("blocks");
                }
                let hs = self.handles(fs);
                let timeout = self.short(*p);
                guarded(patience, move || as_completed_json(&hs, timeout))
                    .unwrap_or_else(|| json!({"hang": true}))
            }
            Step::Map {
                items,
                chunksize,
                buffersize,
                timeout,
            } => {
                if let Some(old) = map.take() {
                    self.close_map(old);
                }
                *map_calls += 1;
                let first = self.tasks.len();
                for _ in items {
                    self.new_task(None);
                }
                let work: Vec<(usize, TaskSpec)> = items
                    .iter()
                    .enumerate()
                    .map(|(k, t)| (first + k, *t))
                    .collect();
                let mut options = MapOptions::new().chunksize(*chunksize);
                if let Some(b) = buffersize {
                    options = options.buffersize(*b);
                }
                if *timeout {
                    options = options.timeout(self.s.short);
                }
                let called = Instant::now();
                let shared = self.shared.clone();
                let r = map_ex.map_with(
                    move |(n, t): (usize, TaskSpec)| match run_task(&shared, n, t) {
                        Ok(v) => v,
                        Err(m) => panic!("{m}"),
                    },
                    work,
                    options,
                );
                match r {
                    Ok(iter) => {
                        self.unsubmitted = match buffersize {
                            Some(b) => (first + (*b).min(items.len()))..(first + items.len()),
                            None => 0..0,
                        };
                        *map = Some(LiveMap {
                            iter,
                            first,
                            len: items.len(),
                            consumed: 0,
                            timeout: *timeout,
                            over: false,
                        });
                        if *timeout {
                            // Every later next() sees the deadline passed.
                            let left = self.s.short.saturating_sub(called.elapsed());
                            std::thread::sleep(left + Duration::from_millis(1));
                        }
                        json!({})
                    }
                    Err(e) => {
                        for t in &mut self.tasks[first..] {
                            t.resolved = true;
                        }
                        json!({"error": error_json(&e)})
                    }
                }
            }
            Step::MapNext => {
                let Some(m) = map.as_mut() else {
                    return skipped("no iterator");
                };
                if m.consumed < m.len && !m.over && !m.timeout {
                    let n = m.first + m.consumed;
                    let resolved = self.snap.finished.contains(&n)
                        || (!self.snap.started.contains(&n) && self.tasks[n].resolved);
                    if !resolved {
                        return skipped("blocks");
                    }
                }
                match m.iter.next() {
                    None => {
                        m.over = true;
                        json!({"stop": true})
                    }
                    Some(Ok(v)) => {
                        m.consumed += 1;
                        self.unsubmitted.start =
                            (self.unsubmitted.start + 1).min(self.unsubmitted.end);
                        json!({"value": v})
                    }
                    Some(Err(e)) => {
                        m.consumed += 1;
                        self.unsubmitted = 0..0;
                        m.over = true;
                        for t in &mut self.tasks[m.first..m.first + m.len] {
                            t.resolved = true;
                        }
                        json!({"error": error_json(&e)})
                    }
                }
            }
            Step::MapDrop => match map.take() {
                None => skipped("no iterator"),
                Some(m) => {
                    self.close_map(m);
                    json!({})
                }
            },
            Step::Shutdown {
                wait,
                cancel_futures,
            } => {
                let _ = ex.shutdown(false, *cancel_futures);
                if *cancel_futures {
                    for t in &mut self.tasks {
                        t.resolved = true;
                    }
                }
                if *wait {
                    let (tx, rx) = mpsc::channel();
                    let ex = ex.clone();
                    std::thread::spawn(move || {
                        let _ = ex.shutdown(true, false);
                        let _ = tx.send(json!({}));
                    });
                    self.helpers.push_back(HelperThread {
                        call: "shutdown",
                        waits: Vec::new(),
                        mode: None,
                        rx,
                    });
                }
                json!({})
            }
            Step::Spawn(op) => {
                let (tx, rx) = mpsc::channel();
                let (call, waits, mode) = match op {
                    ThreadOp::Result(i) => {
                        let Some(f) = self.futures.get(*i).cloned().flatten() else {
                            return skipped("no future");
                        };
                        std::thread::spawn(move || {
                            let _ = tx.send(outcome_json(f.result(None)));
                        });
                        ("result", vec![*i], Some(Mode::AllCompleted))
                    }
                    ThreadOp::Wait(fs, m) => {
                        let hs = self.handles(fs);
                        let mode = return_when(*m);
                        std::thread::spawn(move || {
                            let futures: Vec<Future<u64>> =
                                hs.iter().map(|(_, f)| f.clone()).collect();
                            let r = wait(&futures, None, mode);
                            let _ = tx.send(wait_json(&hs, |f| r.done.contains(f)));
                        });
                        ("wait", fs.clone(), Some(*m))
                    }
                    ThreadOp::AsCompleted(fs) => {
                        let hs = self.handles(fs);
                        std::thread::spawn(move || {
                            let _ = tx.send(as_completed_json(&hs, None));
                        });
                        ("as_completed", fs.clone(), Some(Mode::AllCompleted))
                    }
                };
                self.helpers.push_back(HelperThread {
                    call,
                    waits,
                    mode,
                    rx,
                });
                json!({})
            }
            Step::Join => {
                let Some(h) = self.helpers.front() else {
                    return skipped("no thread");
                };
                let can_return = match h.mode {
                    None => self.everything_settled(),
                    Some(m) => self.wait_returns(&h.waits, m),
                };
                let got = if can_return {
                    h.rx.recv_timeout(patience)
                } else {
                    h.rx.recv_timeout(Duration::ZERO)
                };
                let call = h.call;
                match got {
                    Ok(outcome) => {
                        self.helpers.pop_front();
                        json!({"call": call, "outcome": outcome})
                    }
                    Err(RecvTimeoutError::Timeout) if !can_return => json!({"blocked": true}),
                    Err(_) => {
                        self.helpers.pop_front();
                        json!({"hang": true})
                    }
                }
            }
        }
    }

    /// Drops the iterator: what was not yielded is cancelled if it had been
    /// advanced (MAP-DROP-1), nothing is before the first `next` (MAP-DROP-2).
    fn close_map(&mut self, m: LiveMap<'_>) {
        // Items a buffered map never submitted never start.
        for t in &mut self.tasks[self.unsubmitted.clone()] {
            t.resolved = true;
        }
        self.unsubmitted = 0..0;
        if m.consumed > 0 || m.over {
            for t in &mut self.tasks[m.first..m.first + m.len] {
                t.resolved = true;
            }
        }
        drop(m);
    }

    /// Waits until FORMAT.md's three settling conditions hold (or patience
    /// runs out), then records the snapshot.
    fn settle(&mut self) {
        let deadline = Instant::now() + self.patience();
        loop {
            let settled = {
                // Lock order: gates, then log (as the tasks take them).
                let gates = *self.shared.gates();
                let log = self.shared.log();
                self.settled(&log, &gates)
            };
            if settled || Instant::now() >= deadline {
                break;
            }
            let log = self.shared.log();
            let _ = self
                .shared
                .changed
                .wait_timeout(log, Duration::from_micros(200));
        }
        self.take_snapshot();
    }

    fn settled(&self, log: &Log, gates: &[bool; GATES]) -> bool {
        // 1. every started task finished or waits on a closed gate;
        let busy = log
            .started
            .iter()
            .all(|n| log.finished.contains(n) || log.blocked.get(n).is_some_and(|&g| !gates[g]));
        if !busy {
            return false;
        }
        // 2. futures of finished tasks are done, done futures delivered
        //    their callbacks; with a failing initializer, all are done;
        for (i, f) in self.futures.iter().enumerate() {
            let Some(f) = f else { continue };
            let done = f.done();
            if log.finished.contains(&self.task_of[i]) && !done {
                return false;
            }
            if self.s.init == Init::Fails && !done {
                return false;
            }
            if done && log.callbacks.iter().filter(|c| c.0 == i).count() < self.callbacks_added[i] {
                return false;
            }
        }
        //    likewise the futures of finished map tasks (when tracked);
        let tracked = self.s.init != Init::Fails;
        if tracked
            && log
                .finished
                .iter()
                .any(|&n| self.tasks[n].future.is_none() && !log.completed.contains(&n))
        {
            return false;
        }
        // 3. work that can start has started, unless every worker is blocked.
        let waiting = self.tasks.iter().enumerate().any(|(n, t)| {
            !log.started.contains(&n)
                && !t.resolved
                && !self.unsubmitted.contains(&n)
                && !t
                    .future
                    .is_some_and(|i| self.futures[i].as_ref().is_some_and(Future::done))
        });
        !waiting || log.blocked.len() >= self.s.scenario.workers
    }

    fn take_snapshot(&mut self) {
        let log = self.shared.log();
        self.snap = Snapshot {
            states: self
                .futures
                .iter()
                .map(|f| f.as_ref().map(state_name))
                .collect(),
            failed: self
                .futures
                .iter()
                .map(|f| {
                    f.as_ref().is_some_and(|f| {
                        f.done()
                            && !f.cancelled()
                            && matches!(f.exception(Some(Duration::ZERO)), Ok(Some(_)))
                    })
                })
                .collect(),
            started: log.started.clone(),
            finished: log.finished.clone(),
        };
    }

    fn snapshot_json(&self) -> Value {
        let log = self.shared.log();
        json!({
            "states": self.snap.states,
            "started": log.started,
            "blocked": log.blocked.keys().collect::<Vec<_>>(),
            "finished": log.finished,
            "callbacks": log.callbacks.iter().map(|(f, k)| json!([f, k])).collect::<Vec<_>>(),
            "threads": log.threads.iter().map(|(n, name)| (n.to_string(), json!(name))).collect::<serde_json::Map<_, _>>(),
        })
    }

    /// Opens every gate, joins the helpers, shuts the executor down.
    fn teardown(&mut self) -> Value {
        *self.shared.gates() = [true; GATES];
        self.shared.opened.notify_all();
        let patience = self.patience();
        while let Some(h) = self.helpers.pop_front() {
            if h.rx.recv_timeout(patience).is_err() {
                return json!({"hang": format!("a helper thread calling {} did not return", h.call)});
            }
        }
        let ex = self.ex.clone();
        match guarded(patience, move || ex.shutdown(true, false)) {
            Some(_) => json!({"ok": true}),
            None => json!({"hang": "shutdown(wait=True) did not return"}),
        }
    }
}

fn state_name(f: &Future<u64>) -> &'static str {
    if f.cancelled() {
        "CANCELLED"
    } else if f.done() {
        "FINISHED"
    } else if f.running() {
        "RUNNING"
    } else {
        "PENDING"
    }
}

fn wait_json(hs: &[(usize, Future<u64>)], is_done: impl Fn(&Future<u64>) -> bool) -> Value {
    let mut done = BTreeSet::new();
    let mut not_done = BTreeSet::new();
    for (i, f) in hs {
        if is_done(f) {
            done.insert(*i);
        } else {
            not_done.insert(*i);
        }
    }
    json!({"done": done, "not_done": not_done})
}

fn as_completed_json(hs: &[(usize, Future<u64>)], timeout: Option<Duration>) -> Value {
    let futures: Vec<Future<u64>> = hs.iter().map(|(_, f)| f.clone()).collect();
    let mut yielded = Vec::new();
    let mut error = Value::Null;
    for r in as_completed(&futures, timeout) {
        match r {
            Ok(f) => {
                let i = hs.iter().find(|(_, g)| *g == f).map(|(i, _)| *i);
                yielded.push(json!(i));
            }
            Err(e) => {
                error = error_json(&e);
                break;
            }
        }
    }
    json!({"yielded": yielded, "error": error})
}
