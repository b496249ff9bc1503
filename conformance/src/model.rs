//! The oracle: a sequential model of a conforming executor, which predicts
//! what every step must observe.
//!
//! Future transitions (cancel, start, finish, predicates, `result` classes,
//! callback timing) are looked up in the spec's state table
//! ([`StateTable`]); executor behaviour (FIFO start, at most `workers` tasks
//! at once, shutdown, a failing initializer breaking the pool, `map`) follows
//! the clauses named where it is modelled.
//!
//! The model is evaluated at *quiescence*: after each step the runner waits
//! until the executor has done everything it can without another step (every
//! task that can start has started, every task that can finish has finished,
//! every callback due has run). Gates make that point well defined: a task
//! blocked on a closed gate stays blocked. What remains nondeterministic —
//! what a helper thread sees while the driver keeps going — is checked
//! against the set of allowed outcomes (see [`ThreadModel`]).

use crate::adapter::{Mode, Outcome, Raised, Rejected, Value};
use crate::scenario::{GATES, TaskSpec, ThreadOp};
use crate::table::{SpecState, StateTable};
use std::collections::{BTreeSet, VecDeque};

/// Identifies one task (one map item or one submitted call) in logs.
pub type TaskId = usize;

/// The value task `t` returns.
pub fn value_of(t: TaskId) -> Value {
    1000 + t as Value
}

/// The marker in every message the kit's tasks and callbacks panic or fail
/// with (the kit's panic hook keeps these quiet).
pub const MARK: &str = "[cf-kit]";

/// The message task `t` fails or panics with.
pub fn message_of(t: TaskId, spec: TaskSpec) -> String {
    match spec {
        TaskSpec::Panic => format!("{MARK} task {t} panicked"),
        _ => format!("{MARK} task {t} failed"),
    }
}

/// One task inside a job.
#[derive(Clone, Copy, Debug)]
pub struct Item {
    /// Its id in the logs.
    pub id: TaskId,
    /// What it does.
    pub spec: TaskSpec,
}

/// Why a job was cancelled: the clause that required it.
type Why = &'static str;

/// One submitted call: a `submit`, or one chunk of a `map`.
#[derive(Clone, Debug)]
pub struct Job {
    /// The tasks it runs in order (one, except for a map chunk).
    pub items: Vec<Item>,
    /// A map chunk with chunksize > 1: failures end the chunk but keep its
    /// earlier values (MAP-CHUNK-2).
    pub chunked: bool,
    /// Its future's state.
    pub state: SpecState,
    progress: usize,
    /// Values produced so far.
    pub values: Vec<Value>,
    /// The failure that ended it.
    pub failure: Option<(Raised, String)>,
    /// Failed by a broken executor.
    pub broken: bool,
    callbacks: Vec<usize>,
    /// The clause under which it was cancelled.
    pub cancelled_by: Option<Why>,
    /// The step after which it became done (for as_completed ordering).
    pub done_epoch: Option<usize>,
    /// Stored callbacks were run when it completed.
    pub delivered_stored: bool,
    /// The top-up of a buffered map whose `next()` ended the iteration
    /// while a worker was idle, modelled as cancelled unstarted: it may as
    /// well have started before the cancellation (MAP-BUFFER-2 with
    /// MAP-ERROR-1), so a start of its tasks is allowed too.
    pub may_run: bool,
    /// Such a top-up that the runner took for cancelled because its start
    /// was not logged within the patience: a later start is timing (the
    /// check is confirmed with a longer patience), not a violation.
    pub cancelled_by_patience: bool,
}

impl Job {
    fn new(items: Vec<Item>, chunked: bool) -> Job {
        Job {
            items,
            chunked,
            state: SpecState::Pending,
            progress: 0,
            values: Vec::new(),
            failure: None,
            broken: false,
            callbacks: Vec::new(),
            cancelled_by: None,
            done_epoch: None,
            delivered_stored: false,
            may_run: false,
            cancelled_by_patience: false,
        }
    }
}

/// A live `map` iterator.
#[derive(Clone, Debug)]
struct MapModel {
    /// Submitted chunks not yet taken by `next()`.
    pending: VecDeque<usize>,
    /// Chunks not yet submitted (buffersize mode).
    unsubmitted: VecDeque<Vec<Item>>,
    buffered: bool,
    chunked: bool,
    /// Values of the current chunk still to yield, then its error.
    ready: VecDeque<Value>,
    chunk_error: Option<(Raised, String)>,
    started: bool,
    finished: bool,
}

/// What a helper thread's operation may legitimately return.
#[derive(Clone, Debug)]
pub struct ThreadModel {
    /// The operation, with resolved future indices.
    pub op: ThreadOp,
    /// Futures done (for waiters) when the thread was started.
    pub done_at_spawn: BTreeSet<usize>,
    /// For `shutdown(wait=True)` threads: true.
    pub is_shutdown: bool,
    /// The epoch the thread was started in.
    pub spawn_epoch: usize,
}

/// What the model predicts for a `next()` on the map iterator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapNext {
    /// `next()` returns this (`None`: the iteration is over).
    Yields(Option<Outcome>, &'static str),
    /// `next()` would block until a gate opens, or its outcome depends on
    /// timing: the step is skipped.
    Blocks,
}

/// The top-up race of a buffered map (MAP-BUFFER-2 with MAP-ERROR-1): a
/// `next()` submitted one more item and then met a failure while a worker
/// was idle. The worker may have started the item before the failure
/// cancelled it, or not: two allowed outcomes. The model goes on with the
/// second (the item cancelled unstarted); [`TopUpRace::started`] is the
/// model after the first, for the runner to switch to when it sees the start.
#[derive(Clone, Debug)]
pub struct TopUpRace {
    /// The top-up's job.
    pub job: usize,
    /// The model in which a worker started the top-up before the cancel.
    pub started: Box<Model>,
}

/// The model of a conforming executor.
#[derive(Clone, Debug)]
pub struct Model {
    /// `max_workers`.
    pub workers: usize,
    failing_init: bool,
    /// Every job so far.
    pub jobs: Vec<Job>,
    queue: VecDeque<usize>,
    running: Vec<usize>,
    gates: [bool; GATES],
    /// `shutdown` was called.
    pub shutdown: bool,
    /// `shutdown(cancel_futures=True)` was called.
    pub cancel_futures: bool,
    /// The executor broke (failing initializer).
    pub broken: bool,
    /// Future index → job, `None` for a rejected submit.
    pub futures: Vec<Option<usize>>,
    /// Tasks that have started.
    pub started: BTreeSet<TaskId>,
    next_task: TaskId,
    /// Callback labels in the order each future must run them.
    pub callbacks_run: Vec<Vec<usize>>,
    /// Callbacks that panic.
    pub panicking_callbacks: BTreeSet<usize>,
    next_label: usize,
    map: Option<MapModel>,
    /// Helper threads not yet joined, oldest first.
    pub threads: VecDeque<ThreadModel>,
    /// Steps completed so far (the epoch counter).
    pub epoch: usize,
    /// The top-up race the last `next()` left open, if any.
    pub race: Option<TopUpRace>,
    /// Jobs of map iterators dropped before their first `next()`: kept, as
    /// MAP-DROP-2 says, so a start of theirs that never comes is that
    /// clause's failure.
    kept_by_drop: BTreeSet<usize>,
    table: &'static StateTable,
}

impl Model {
    /// A fresh executor.
    pub fn new(workers: usize, failing_init: bool) -> Model {
        Model {
            workers,
            failing_init,
            jobs: Vec::new(),
            queue: VecDeque::new(),
            running: Vec::new(),
            gates: [false; GATES],
            shutdown: false,
            cancel_futures: false,
            broken: false,
            futures: Vec::new(),
            started: BTreeSet::new(),
            next_task: 0,
            callbacks_run: Vec::new(),
            panicking_callbacks: BTreeSet::new(),
            next_label: 0,
            map: None,
            threads: VecDeque::new(),
            epoch: 0,
            race: None,
            kept_by_drop: BTreeSet::new(),
            table: StateTable::get(),
        }
    }

    /// The spec's state table.
    pub fn table(&self) -> &'static StateTable {
        self.table
    }

    /// Allocates the next task id.
    pub fn new_task(&mut self, spec: TaskSpec) -> Item {
        let id = self.next_task;
        self.next_task += 1;
        Item { id, spec }
    }

    /// The index (submission order) of the job that runs task `t`; `None`
    /// for a task no job was given (a refused submit, an unsubmitted
    /// buffered map item).
    pub fn job_of_task(&self, t: TaskId) -> Option<usize> {
        self.jobs
            .iter()
            .position(|j| j.items.iter().any(|i| i.id == t))
    }

    /// The queued jobs (indices, in queue order), cancelled ones included
    /// until a worker reaches them.
    pub fn queued(&self) -> Vec<usize> {
        self.queue.iter().copied().collect()
    }

    /// The job behind future `f`.
    pub fn job_of(&self, f: usize) -> Option<&Job> {
        self.futures
            .get(f)
            .copied()
            .flatten()
            .map(|j| &self.jobs[j])
    }

    /// The spec state of future `f` (`None`: its submit was rejected).
    pub fn state(&self, f: usize) -> Option<SpecState> {
        self.job_of(f).map(|j| j.state)
    }

    /// `submit`: accepted (`Ok`, with the clause) or rejected with the
    /// clause that requires it (EXE-SUBMIT-2, SHUT-REJECT-1).
    pub fn submit(&mut self, item: Item) -> Result<(), (&'static str, &'static str)> {
        if self.broken {
            self.futures.push(None);
            return Err(("broken", "EXE-SUBMIT-2"));
        }
        if self.shutdown {
            self.futures.push(None);
            return Err(("shutdown", "SHUT-REJECT-1"));
        }
        let j = self.push_job(vec![item], false);
        self.futures.push(Some(j));
        Ok(())
    }

    fn push_job(&mut self, items: Vec<Item>, chunked: bool) -> usize {
        self.jobs.push(Job::new(items, chunked));
        let j = self.jobs.len() - 1;
        self.queue.push_back(j);
        self.callbacks_run.push(Vec::new());
        j
    }

    /// Applies a table operation to job `j` and returns the row's `returns`.
    fn transition(&mut self, j: usize, operation: &str) -> String {
        let row = self.table.row(self.jobs[j].state, operation);
        let returns = row.returns.clone();
        if let Some(next) = row.next {
            self.jobs[j].state = next;
            if next.done_for_waiters() && self.jobs[j].done_epoch.is_none() {
                self.jobs[j].done_epoch = Some(self.epoch);
            }
        }
        if row.runs_callbacks {
            let labels = std::mem::take(&mut self.jobs[j].callbacks);
            self.jobs[j].delivered_stored |= !labels.is_empty();
            self.callbacks_run[j].extend(labels);
        }
        returns
    }

    /// `cancel()` of future `f`: what it returns (per the table).
    pub fn cancel(&mut self, f: usize, why: Why) -> Option<bool> {
        let j = self.futures.get(f).copied().flatten()?;
        Some(self.cancel_job(j, why))
    }

    fn cancel_job(&mut self, j: usize, why: Why) -> bool {
        let before = self.jobs[j].state;
        let returns = self.transition(j, "cancel") == "true";
        if before == SpecState::Pending && self.jobs[j].state == SpecState::Cancelled {
            self.jobs[j].cancelled_by = Some(why);
        }
        returns
    }

    /// Opens gate `g`.
    pub fn open(&mut self, g: usize) {
        self.gates[g % GATES] = true;
    }

    /// Whether every gate is open.
    pub fn all_gates_open(&self) -> bool {
        self.gates.iter().all(|&g| g)
    }

    /// Opens every gate (teardown).
    pub fn open_all(&mut self) {
        self.gates = [true; GATES];
    }

    /// Whether future `f` ran stored callbacks when it completed: the
    /// completing thread may then still be delivering at quiescence, and a
    /// callback added now may wait for it (DIV-CBORDER-1) instead of running
    /// at once.
    pub fn may_be_delivering(&self, f: usize) -> bool {
        self.futures
            .get(f)
            .copied()
            .flatten()
            .is_some_and(|j| self.jobs[j].delivered_stored)
    }

    /// `add_done_callback` on future `f`: whether it runs at once
    /// (`called_now`) rather than being stored (`queued`), per the table.
    pub fn add_callback(&mut self, f: usize, panics: bool) -> Option<(usize, bool)> {
        let j = self.futures.get(f).copied().flatten()?;
        let label = self.next_label;
        self.next_label += 1;
        if panics {
            self.panicking_callbacks.insert(label);
        }
        let now = self
            .table
            .row(self.jobs[j].state, "add_done_callback")
            .returns
            == "called_now";
        if now {
            self.callbacks_run[j].push(label);
        } else {
            self.jobs[j].callbacks.push(label);
        }
        Some((label, now))
    }

    /// The outcome `result(timeout)` must give now, and the clause saying
    /// so; `None` if it would block (a pending or running future with no
    /// timeout).
    pub fn result(&self, f: usize, blocking: bool, exception: bool) -> Option<(Outcome, String)> {
        let job = self.job_of(f)?;
        let op = if exception {
            "exception_nowait"
        } else {
            "result_nowait"
        };
        let row = self.table.row(job.state, op);
        let clause = row.clause.clone();
        let outcome = match row.returns.as_str() {
            "err:Timeout" if blocking => return None,
            "err:Timeout" => Outcome::Timeout,
            "err:Cancelled" => Outcome::Cancelled,
            "exception" => job_failure(job),
            _ if exception => Outcome::NoException,
            _ => Outcome::Value(job.values[0]),
        };
        Some((outcome, clause))
    }

    /// Whether future `f` is done for `wait` / `as_completed`.
    pub fn done_for_waiters(&self, f: usize) -> bool {
        self.state(f).is_some_and(SpecState::done_for_waiters)
    }

    /// The indices of `fs` that `wait(fs, timeout, mode)` must report done
    /// now; `None` if without a timeout it would block.
    pub fn wait(&self, fs: &[usize], mode: Mode, blocking: bool) -> Option<BTreeSet<usize>> {
        let done: BTreeSet<usize> = fs
            .iter()
            .copied()
            .filter(|&f| self.done_for_waiters(f))
            .collect();
        if blocking && !self.wait_satisfied(fs, &done, mode) {
            return None;
        }
        Some(done)
    }

    /// Whether `mode` is satisfied for `fs` when `done` are done.
    pub fn wait_satisfied(&self, fs: &[usize], done: &BTreeSet<usize>, mode: Mode) -> bool {
        let all = fs.iter().all(|f| done.contains(f));
        match mode {
            Mode::AllCompleted => all,
            Mode::FirstCompleted => all || !done.is_empty(),
            Mode::FirstException => all || done.iter().any(|&f| self.raised(f)),
        }
    }

    /// Whether future `f` finished with an exception.
    pub fn raised(&self, f: usize) -> bool {
        self.state(f) == Some(SpecState::FinishedException)
    }

    /// What `as_completed(fs, timeout)` must yield now: the done futures in
    /// input order, then whether it times out; `None` if without a timeout
    /// it would block.
    pub fn as_completed(&self, fs: &[usize], blocking: bool) -> Option<(Vec<usize>, bool)> {
        let mut seen = BTreeSet::new();
        let distinct: Vec<usize> = fs.iter().copied().filter(|f| seen.insert(*f)).collect();
        let done: Vec<usize> = distinct
            .iter()
            .copied()
            .filter(|&f| self.done_for_waiters(f))
            .collect();
        let times_out = done.len() < distinct.len();
        if times_out && blocking {
            return None;
        }
        Some((done, times_out))
    }

    /// Whether the pool is yet to break: its initializer fails, it is not
    /// shut down, and no work has been queued yet. The first queued work
    /// breaks it when a worker starts, on that worker's thread or process
    /// and in its own time: a `map` call may see it break between two of its
    /// submissions and return the error (which MAP-EAGER-1 allows), and
    /// nothing a `map` returns can be awaited to learn that it has broken.
    pub fn breaks_later(&self) -> bool {
        self.failing_init && !self.broken && !self.shutdown
    }

    /// `map(...)` at the call: the rejection, or `Ok` with the jobs submitted.
    pub fn map_call(
        &mut self,
        items: Vec<Item>,
        chunksize: usize,
        buffersize: Option<usize>,
    ) -> Result<(), (&'static str, &'static str)> {
        let chunked = chunksize > 1;
        let mut chunks: VecDeque<Vec<Item>> = items
            .chunks(chunksize.max(1))
            .map(<[Item]>::to_vec)
            .collect();
        let mut pending = VecDeque::new();
        let first = buffersize.unwrap_or(usize::MAX);
        while pending.len() < first {
            let Some(chunk) = chunks.pop_front() else {
                break;
            };
            if self.broken {
                return Err(("broken", "EXE-SUBMIT-2"));
            }
            if self.shutdown {
                return Err(("shutdown", "SHUT-REJECT-1"));
            }
            pending.push_back(self.push_job(chunk, chunked));
        }
        self.map = Some(MapModel {
            pending,
            unsubmitted: chunks,
            buffered: buffersize.is_some(),
            chunked,
            ready: VecDeque::new(),
            chunk_error: None,
            started: false,
            finished: false,
        });
        Ok(())
    }

    /// Whether a map iterator is live.
    pub fn has_map(&self) -> bool {
        self.map.is_some()
    }

    /// Whether task `t` is an item the live buffered map has not submitted
    /// yet (MAP-BUFFER-1).
    pub fn is_unsubmitted(&self, t: TaskId) -> bool {
        self.map
            .as_ref()
            .is_some_and(|m| m.unsubmitted.iter().flatten().any(|i| i.id == t))
    }

    /// `next()` on the map iterator (no timeout: the kit's generated maps
    /// have none; deadlines are probed separately).
    pub fn map_next(&mut self) -> MapNext {
        let Some(mut m) = self.map.take() else {
            return MapNext::Blocks;
        };
        let before = (self.clone(), m.clone());
        let (result, raced) = self.map_next_inner(&mut m, false);
        self.map = Some(m);
        if let Some(job) = raced {
            // The other allowed outcome: the same next(), with a worker
            // starting the top-up before the failure cancels it.
            let (mut started, mut m) = before;
            let (same, _) = started.map_next_inner(&mut m, true);
            debug_assert_eq!(same, result, "the race changes no yielded outcome");
            started.map = Some(m);
            self.jobs[job].may_run = true;
            self.race = Some(TopUpRace {
                job,
                started: Box::new(started),
            });
        }
        result
    }

    /// `next()`, and the top-up's job if it raced an idle worker
    /// ([`TopUpRace`]); `start_top_up` picks the outcome of that race in which
    /// the worker won.
    fn map_next_inner(&mut self, m: &mut MapModel, start_top_up: bool) -> (MapNext, Option<usize>) {
        if m.finished {
            return (MapNext::Yields(None, "MAP-ORDER-1"), None);
        }
        let mut raced = None;
        loop {
            if let Some(v) = m.ready.pop_front() {
                m.started = true;
                return (
                    MapNext::Yields(Some(Outcome::Value(v)), "MAP-CHUNK-2"),
                    raced,
                );
            }
            if let Some((kind, msg)) = m.chunk_error.take() {
                self.map_finish(m);
                return (
                    MapNext::Yields(Some(Outcome::Raised(kind, msg)), "MAP-ERROR-1"),
                    raced,
                );
            }
            let refill = m.buffered && !m.unsubmitted.is_empty();
            if refill {
                if let Some(clause) = self.refill_fails() {
                    // The refusal ends the iteration (MAP-BUFFER-3).
                    m.started = true;
                    self.map_finish(m);
                    let outcome = if clause == "EXE-SUBMIT-2" {
                        Outcome::Broken
                    } else {
                        Outcome::Rejected(Rejected::Shutdown)
                    };
                    return (MapNext::Yields(Some(outcome), "MAP-BUFFER-3"), raced);
                }
            }
            let Some(&head) = m.pending.front() else {
                m.started = true;
                m.finished = true;
                return (MapNext::Yields(None, "MAP-ORDER-1"), raced);
            };
            // Decide before changing anything, so that a skipped step is a no-op.
            if !self.jobs[head].state.reports_done() {
                return (MapNext::Blocks, None);
            }
            // The top-up race (MAP-BUFFER-2 with MAP-ERROR-1): the top-up
            // submitted just before a failing head is cancelled by the
            // failure. With every worker busy (at quiescence: blocked on a
            // gate) it waits in the queue, so that is the one outcome. With
            // a worker idle, the allowed outcomes are two — it started
            // before the cancellation, or it was cancelled unstarted — and
            // which one is timing: the model follows the second and keeps
            // the first beside it ([`TopUpRace`]), for the runner to pick by
            // what the task log shows.
            let head_job = &self.jobs[head];
            let fails_now = head_job.state != SpecState::FinishedValue
                || (head_job.chunked && head_job.values.is_empty() && head_job.failure.is_some());
            let idle_worker = self.running.len() < self.workers;
            m.started = true;
            // buffersize: top up by one before taking the oldest (MAP-BUFFER-2).
            if refill {
                let chunk = m.unsubmitted.pop_front().expect("checked non-empty");
                let j = self.push_job(chunk, m.chunked);
                m.pending.push_back(j);
                if fails_now && idle_worker {
                    raced = Some(j);
                    if start_top_up {
                        // At quiescence with a worker idle the queue holds
                        // nothing else: the idle worker takes this item.
                        self.queue.retain(|&q| q != j);
                        if self.transition(j, "set_running_or_notify_cancel") == "true" {
                            self.running.push(j);
                        }
                    }
                }
            }
            m.pending.pop_front();
            let job = &self.jobs[head];
            match job.state {
                SpecState::FinishedValue if job.chunked => {
                    m.ready = job.values.iter().copied().collect();
                    m.chunk_error = job.failure.clone();
                }
                SpecState::FinishedValue => {
                    return (
                        MapNext::Yields(Some(Outcome::Value(job.values[0])), "MAP-ORDER-1"),
                        raced,
                    );
                }
                SpecState::FinishedException => {
                    let out = job_failure(job);
                    self.map_finish(m);
                    return (MapNext::Yields(Some(out), "MAP-ERROR-1"), raced);
                }
                _ => {
                    // Cancelled under the iterator (shutdown(cancel_futures)).
                    self.map_finish(m);
                    return (
                        MapNext::Yields(Some(Outcome::Cancelled), "SHUT-CANCEL-1"),
                        raced,
                    );
                }
            }
        }
    }

    fn refill_fails(&self) -> Option<&'static str> {
        if self.broken {
            Some("EXE-SUBMIT-2")
        } else if self.shutdown {
            Some("SHUT-REJECT-1")
        } else {
            None
        }
    }

    fn map_finish(&mut self, m: &mut MapModel) {
        m.finished = true;
        m.unsubmitted.clear();
        for j in std::mem::take(&mut m.pending) {
            self.cancel_job(j, "MAP-ERROR-1");
        }
    }

    /// Drops the map iterator: cancels what was not yielded if `next()` was
    /// called (MAP-DROP-1), nothing otherwise (MAP-DROP-2); returns that clause.
    pub fn map_drop(&mut self) -> &'static str {
        let Some(mut m) = self.map.take() else {
            return "MAP-DROP-1";
        };
        if !m.started {
            self.kept_by_drop.extend(m.pending);
            return "MAP-DROP-2";
        }
        if !m.finished {
            m.finished = true;
            for j in std::mem::take(&mut m.pending) {
                self.cancel_job(j, "MAP-DROP-1");
            }
        }
        "MAP-DROP-1"
    }

    /// Whether the next `next()` on the live map iterator submits an item
    /// first (a buffered map with items left: MAP-BUFFER-2).
    pub fn map_refills(&self) -> bool {
        self.map
            .as_ref()
            .is_some_and(|m| m.buffered && !m.finished && !m.unsubmitted.is_empty())
    }

    /// Whether the live map iterator has a `buffersize`.
    pub fn map_is_buffered(&self) -> bool {
        self.map.as_ref().is_some_and(|m| m.buffered)
    }

    /// `shutdown(wait=False, cancel_futures)`: with `cancel_futures`, every
    /// queued job is cancelled and acknowledged (SHUT-CANCEL-1).
    pub fn shutdown(&mut self, cancel_futures: bool) {
        self.shutdown = true;
        self.cancel_futures |= cancel_futures;
        if cancel_futures {
            for j in std::mem::take(&mut self.queue) {
                self.cancel_job(j, "SHUT-CANCEL-1");
                // The drained item is acknowledged (DIV-NOTIFY-1).
                self.transition(j, "set_running_or_notify_cancel");
            }
        }
    }

    /// Every future index that exists.
    pub fn future_indices(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.futures.len()).filter(|&f| self.futures[f].is_some())
    }

    /// The futures done (for waiters) now.
    pub fn done_set(&self) -> BTreeSet<usize> {
        self.future_indices()
            .filter(|&f| self.done_for_waiters(f))
            .collect()
    }

    /// Records a helper thread.
    pub fn spawn(&mut self, op: ThreadOp, is_shutdown: bool) {
        let done_at_spawn = self.done_set();
        self.threads.push_back(ThreadModel {
            op,
            done_at_spawn,
            is_shutdown,
            spawn_epoch: self.epoch,
        });
    }

    /// Whether the oldest thread's operation can have returned by now.
    pub fn oldest_can_return(&self) -> bool {
        self.threads.front().is_some_and(|t| self.can_return(t))
    }

    /// Whether thread `t`'s operation can have returned by now.
    pub fn can_return(&self, t: &ThreadModel) -> bool {
        if t.is_shutdown {
            return self.all_jobs_done();
        }
        match &t.op {
            ThreadOp::Result(f) => self.state(*f).is_some_and(|s| s.reports_done()),
            ThreadOp::Wait(fs, mode) => {
                let done = self.wait(fs, *mode, false).unwrap_or_default();
                self.wait_satisfied(fs, &done, *mode)
            }
            ThreadOp::AsCompleted(fs) => fs.iter().all(|&f| self.done_for_waiters(f)),
        }
    }

    /// Whether every job has finished or been acknowledged as cancelled.
    pub fn all_jobs_done(&self) -> bool {
        self.jobs.iter().all(|j| j.state.done_for_waiters())
    }

    /// Runs the executor to quiescence: starts what can start (FIFO, at most
    /// `workers` at once), runs tasks until they finish or block on a closed
    /// gate, fails the queue if the initializer fails.
    pub fn settle(&mut self) {
        loop {
            let mut changed = false;
            // A worker starting with a failing initializer breaks the pool and
            // fails everything queued (POOL-BROKEN-1, DIV-INITCANCEL-1).
            if self.failing_init && !self.broken && !self.queue.is_empty() {
                self.broken = true;
                for j in std::mem::take(&mut self.queue) {
                    if self.jobs[j].state == SpecState::Pending {
                        self.jobs[j].broken = true;
                        self.transition(j, "set_exception");
                    } else {
                        self.transition(j, "set_running_or_notify_cancel");
                    }
                }
                changed = true;
            }
            // Running jobs advance until they block or finish.
            for j in self.running.clone() {
                if self.advance(j) {
                    self.running.retain(|&r| r != j);
                    changed = true;
                }
            }
            // Free workers take queued jobs in submission order (EXE-SUBMIT-3,
            // POOL-REUSE-2, POOL-MAX-1).
            while !self.broken && self.running.len() < self.workers {
                let Some(j) = self.queue.pop_front() else {
                    break;
                };
                changed = true;
                if self.transition(j, "set_running_or_notify_cancel") == "true" {
                    self.running.push(j);
                }
            }
            if !changed {
                break;
            }
        }
        self.epoch += 1;
    }

    /// Advances running job `j`; returns whether it finished.
    fn advance(&mut self, j: usize) -> bool {
        loop {
            let job = &self.jobs[j];
            if job.progress == job.items.len() {
                self.transition(j, "set_result");
                return true;
            }
            let item = job.items[job.progress];
            self.started.insert(item.id);
            match item.spec {
                TaskSpec::Gated(g) if !self.gates[g % GATES] => return false,
                TaskSpec::Gated(_) | TaskSpec::Return => {
                    self.jobs[j].values.push(value_of(item.id));
                    self.jobs[j].progress += 1;
                }
                TaskSpec::Fail | TaskSpec::Panic => {
                    let kind = if item.spec == TaskSpec::Panic || self.jobs[j].chunked {
                        Raised::Panic
                    } else {
                        Raised::Error
                    };
                    self.jobs[j].failure = Some((kind, message_of(item.id, item.spec)));
                    if self.jobs[j].chunked {
                        // The chunk returns its earlier values and the error.
                        self.transition(j, "set_result");
                    } else {
                        self.transition(j, "set_exception");
                    }
                    return true;
                }
            }
        }
    }

    /// The tasks of cancelled jobs, with the clause forbidding them to run.
    pub fn forbidden_tasks(&self) -> Vec<(TaskId, &'static str)> {
        let mut out = Vec::new();
        for job in self.jobs.iter().filter(|j| !j.may_run) {
            if let Some(why) = job.cancelled_by {
                out.extend(job.items.iter().map(|item| (item.id, why)));
            }
        }
        out
    }

    /// Whether task `t` belongs to a map whose iterator was dropped before
    /// its first `next()` (MAP-DROP-2: the drop cancelled nothing).
    pub fn kept_by_drop(&self, t: TaskId) -> bool {
        self.job_of_task(t)
            .is_some_and(|j| self.kept_by_drop.contains(&j))
    }

    /// Whether any task so far failed or panicked.
    pub fn any_failure(&self) -> bool {
        self.jobs.iter().any(|j| j.failure.is_some())
    }
}

/// What a finished-with-exception job reports.
fn job_failure(job: &Job) -> Outcome {
    if job.broken {
        return Outcome::Broken;
    }
    match &job.failure {
        Some((kind, msg)) => Outcome::Raised(*kind, msg.clone()),
        None => Outcome::Other("no failure recorded".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffered_map_failing_first(m: &mut Model) -> Vec<Item> {
        let items: Vec<Item> = [
            TaskSpec::Fail,
            TaskSpec::Gated(2),
            TaskSpec::Gated(1),
            TaskSpec::Return,
        ]
        .into_iter()
        .map(|t| m.new_task(t))
        .collect();
        m.map_call(items.clone(), 1, Some(2)).expect("accepted");
        m.settle();
        items
    }

    /// MAP-BUFFER-2 with MAP-ERROR-1, every worker busy: the top-up the
    /// failing next() submits waits in the queue, is cancelled by the
    /// failure and never starts.
    #[test]
    fn buffered_map_top_up_behind_busy_workers_is_cancelled_map_buffer_2() {
        let mut m = Model::new(2, false);
        let g = m.new_task(TaskSpec::Gated(0));
        m.submit(g).expect("accepted");
        m.settle();
        let items = buffered_map_failing_first(&mut m);
        // The failed head's worker took the second item (gated): both busy.
        assert!(m.started.contains(&items[1].id));
        let MapNext::Yields(Some(Outcome::Raised(..)), clause) = m.map_next() else {
            panic!("the failure is yielded");
        };
        assert_eq!(clause, "MAP-ERROR-1");
        m.settle();
        let top_up = items[2].id;
        assert!(!m.started.contains(&top_up));
        assert!(m.forbidden_tasks().contains(&(top_up, "MAP-ERROR-1")));
        assert_eq!(m.map_next(), MapNext::Yields(None, "MAP-ORDER-1"));
    }

    /// … with a worker idle, the top-up may start before it is cancelled or
    /// not: two allowed outcomes. The model follows "cancelled unstarted"
    /// (its start allowed all the same) and keeps "started" beside it.
    #[test]
    fn buffered_map_top_up_racing_an_idle_worker_has_two_outcomes_map_buffer_2() {
        let mut m = Model::new(3, false);
        let g = m.new_task(TaskSpec::Gated(0));
        m.submit(g).expect("accepted");
        m.settle();
        let items = buffered_map_failing_first(&mut m);
        let (top_up, last) = (items[2].id, items[3].id);
        let MapNext::Yields(Some(Outcome::Raised(..)), "MAP-ERROR-1") = m.map_next() else {
            panic!("the failure is yielded");
        };
        let race = m.race.take().expect("a race");
        m.settle();
        assert!(!m.started.contains(&top_up));
        assert!(m.jobs[race.job].may_run, "its start is allowed");
        assert!(!m.forbidden_tasks().iter().any(|(t, _)| *t == top_up));
        let mut won = *race.started;
        won.settle();
        assert!(won.started.contains(&top_up), "the worker won");
        assert_eq!(
            won.jobs[race.job].state,
            SpecState::Running,
            "blocked on its gate"
        );
        for model in [&m, &won] {
            assert!(
                !model.started.contains(&last),
                "the rest is never submitted"
            );
        }
        assert_eq!(m.map_next(), MapNext::Yields(None, "MAP-ORDER-1"));
        assert_eq!(won.map_next(), MapNext::Yields(None, "MAP-ORDER-1"));
    }
}
