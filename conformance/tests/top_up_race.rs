//! MAP-BUFFER-2 with MAP-ERROR-1 — a buffered map's top-up racing an idle
//! worker. A `next()` that submits one more item and then meets a failure
//! cancels that item; with a worker idle, the worker may have started it
//! first. Both outcomes are allowed, and the runner takes the step, picking
//! the model of whichever outcome the task log shows.
//!
//! The reference's map decides the race by timing. Here a map built on the
//! reference pool decides it one way on purpose, so that each outcome is
//! seen on every run: `Wins` lets the worker start the top-up before the
//! cancel, `Loses` cancels it before any worker can take it (it is never
//! handed to the pool). A runner that always took one model fails the other.

use concurrent_futures::{Future, State, ThreadPoolExecutor};
use concurrent_futures_conformance::{
    Adapter, Callback, Config, ExecutorAdapter, Factory, MapRun, MapSpec, Mode, Note, Outcome,
    Rejected, Run, Scenario, Task, Timing, reference, resolve, run_guarded,
};
use std::collections::{BTreeSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Race {
    Wins,
    Loses,
    /// Wins, but the top-up's call begins (and logs its start) only at the
    /// next `submit`: a start that comes after the step's check.
    WinsLate,
}

/// The reference, with a buffered `map` (chunksize 1) that decides the race.
struct Decided {
    inner: ExecutorAdapter<ThreadPoolExecutor>,
    race: Race,
    /// Opened by every `submit` (`WinsLate`).
    late: Arc<(Mutex<bool>, Condvar)>,
}

fn failed(f: &Future<u64>) -> bool {
    f.done() && f.result(Some(Duration::ZERO)).is_err()
}

struct DecidedMap<'a> {
    owner: &'a Decided,
    unsubmitted: VecDeque<Task>,
    pending: VecDeque<Future<u64>>,
    over: bool,
}

impl DecidedMap<'_> {
    fn submit(&self, task: Task) -> Result<Future<u64>, Rejected> {
        self.owner.inner.submit(task)
    }
}

impl Iterator for DecidedMap<'_> {
    type Item = Outcome;

    fn next(&mut self) -> Option<Outcome> {
        if self.over {
            return None;
        }
        if let Some(task) = self.unsubmitted.pop_front() {
            // Decided once the head is done (the model takes the step only
            // then; its future may still be finishing when next() is called).
            if let Some(head) = self.pending.front() {
                let _ = head.exception(None);
            }
            let head_failed = self.pending.front().is_some_and(failed);
            let top_up = if head_failed && self.owner.race == Race::Loses {
                // Cancelled before any worker could take it.
                Future::new()
            } else if head_failed && self.owner.race == Race::WinsLate {
                let late = self.owner.late.clone();
                let task = Task::new(move || {
                    let (open, cv) = &*late;
                    let mut open = open.lock().unwrap();
                    while !*open {
                        open = cv.wait(open).unwrap();
                    }
                    drop(open);
                    task.call()
                });
                self.submit(task).expect("accepted")
            } else {
                match self.submit(task) {
                    Ok(f) => f,
                    Err(r) => {
                        self.over = true;
                        return Some(Outcome::Rejected(r));
                    }
                }
            };
            if head_failed && self.owner.race != Race::Loses {
                // A worker is idle (the race's premise): let it start first.
                let until = Instant::now() + Duration::from_secs(30);
                while top_up.state() == State::Pending && Instant::now() < until {
                    std::thread::yield_now();
                }
            }
            self.pending.push_back(top_up);
        }
        let head = self.pending.pop_front()?;
        let outcome = match head.result(None) {
            Ok(v) => Outcome::Value(v),
            Err(e) => concurrent_futures_conformance::outcome_of_error(&e),
        };
        if !matches!(outcome, Outcome::Value(_)) {
            self.over = true;
            for f in self.pending.drain(..) {
                f.cancel();
            }
        }
        Some(outcome)
    }
}

impl Adapter for Decided {
    type Handle = Future<u64>;
    fn submit(&self, task: Task) -> Result<Future<u64>, Rejected> {
        let (open, cv) = &*self.late;
        *open.lock().unwrap() = true;
        cv.notify_all();
        self.inner.submit(task)
    }
    fn result(&self, h: &Future<u64>, timeout: Option<Duration>) -> Outcome {
        self.inner.result(h, timeout)
    }
    fn exception(&self, h: &Future<u64>, timeout: Option<Duration>) -> Outcome {
        self.inner.exception(h, timeout)
    }
    fn done(&self, h: &Future<u64>) -> bool {
        self.inner.done(h)
    }
    fn shutdown(&self, wait: bool, cancel_futures: bool) {
        self.inner.shutdown(wait, cancel_futures)
    }
    fn cancel(&self, h: &Future<u64>) -> bool {
        self.inner.cancel(h)
    }
    fn cancelled(&self, h: &Future<u64>) -> bool {
        self.inner.cancelled(h)
    }
    fn running(&self, h: &Future<u64>) -> bool {
        self.inner.running(h)
    }
    fn add_done_callback(&self, h: &Future<u64>, callback: Callback) {
        self.inner.add_done_callback(h, callback)
    }
    fn wait(&self, hs: &[Future<u64>], timeout: Option<Duration>, mode: Mode) -> Vec<usize> {
        self.inner.wait(hs, timeout, mode)
    }
    fn as_completed<'a>(
        &'a self,
        hs: &'a [Future<u64>],
        timeout: Option<Duration>,
    ) -> Box<dyn Iterator<Item = Result<usize, ()>> + 'a> {
        self.inner.as_completed(hs, timeout)
    }
    fn map(&self, tasks: Vec<Task>, spec: MapSpec) -> Result<MapRun<'_>, Rejected> {
        assert_eq!(spec.chunksize, 1, "these scenarios map one item per task");
        let first = spec.buffersize.expect("these scenarios use a buffered map");
        let mut map = DecidedMap {
            owner: self,
            unsubmitted: tasks.into(),
            pending: VecDeque::new(),
            over: false,
        };
        for _ in 0..first {
            let Some(task) = map.unsubmitted.pop_front() else {
                break;
            };
            let f = map.submit(task)?;
            map.pending.push_back(f);
        }
        Ok(Box::new(map))
    }
}

fn decided(race: Race) -> Factory<Decided> {
    Arc::new(move |cfg: Config| Decided {
        inner: reference(cfg),
        race,
        late: Arc::default(),
    })
}

fn run<A: Adapter + 'static>(factory: &Factory<A>, replay: &str) -> Run {
    let s = resolve(&Scenario::from_replay(replay).expect("valid replay"));
    run_guarded(factory, &s, Timing::default(), &Arc::new(BTreeSet::new()))
}

/// One worker: the failed head's worker is idle when `next()` tops up, and
/// a top-up that wins holds it (gate A), so the submit after it waits.
const GATED: &str = "w1;m:f,gA,r:1:1:-;n;s:r;o:A;r:0:n;n";
/// The same with a top-up that finishes at once whichever way the race goes.
const UNGATED: &str = "w1;m:f,r,r:1:1:-;n;s:r;r:0:n;n";

fn assert_passes(run: &Run, what: &str) {
    assert!(run.result.is_ok(), "{what}: {:?}", run.result);
    assert_eq!(
        run.trace.notes[1],
        Note::Ran,
        "{what}: the next() step is taken"
    );
}

#[test]
fn map_buffer_2_top_up_that_wins_the_race_is_followed_as_started() {
    let f = decided(Race::Wins);
    for i in 0..10 {
        let r = run(&f, GATED);
        assert_passes(&r, &format!("gated, run {i}"));
        assert_eq!(r.trace.races, vec![(2, "started")], "gated, run {i}");
        let r = run(&f, UNGATED);
        assert_passes(&r, &format!("ungated, run {i}"));
        assert_eq!(r.trace.races.len(), 1, "ungated, run {i}");
        assert!(["started", "not started yet"].contains(&r.trace.races[0].1));
    }
}

#[test]
fn map_buffer_2_top_up_that_loses_the_race_is_followed_as_cancelled() {
    let f = decided(Race::Loses);
    for i in 0..3 {
        let r = run(&f, GATED);
        assert_passes(&r, &format!("gated, run {i}"));
        assert_eq!(r.trace.races, vec![(2, "cancelled")], "gated, run {i}");
        let r = run(&f, UNGATED);
        assert_passes(&r, &format!("ungated, run {i}"));
        assert_eq!(
            r.trace.races,
            vec![(2, "not started yet")],
            "ungated, run {i}"
        );
    }
}

/// The reference decides the race by timing: whichever way it goes, it
/// passes, and the step is taken.
#[test]
fn map_buffer_2_reference_passes_either_way() {
    let f: Factory<_> = Arc::new(reference);
    for i in 0..10 {
        for replay in [GATED, UNGATED] {
            let r = run(&f, replay);
            assert_passes(&r, &format!("{replay}, run {i}"));
            assert_eq!(r.trace.races.len(), 1, "{replay}, run {i}");
        }
    }
}

/// A top-up that won the race but logs its start only after the step's
/// check (the race left open) holds the one worker until the next submit:
/// its late start is allowed and counts for none of the starts the runner
/// waits for, so the submitted task is still awaited.
#[test]
fn map_buffer_2_top_up_starting_late_does_not_stand_in_for_an_expected_start() {
    let f = decided(Race::WinsLate);
    for i in 0..5 {
        let r = run(&f, "w1;m:f,r:1:1:-;n;s:r;r:0:n");
        assert_passes(&r, &format!("run {i}"));
        assert_eq!(r.trace.races, vec![(2, "not started yet")], "run {i}");
    }
}
