//! wait(): spec/wait.md. Futures are driven by hand (set_result, cancel,
//! set_running_or_notify_cancel) so that completion order is exact.

mod support;
use concurrent_futures::{Exception, Future, ReturnWhen, State, wait};
use std::collections::HashSet;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::*;

const ALL_MODES: [ReturnWhen; 3] = [
    ReturnWhen::FirstCompleted,
    ReturnWhen::FirstException,
    ReturnWhen::AllCompleted,
];

fn futures(n: usize) -> Vec<Future<i32>> {
    (0..n).map(|_| Future::new()).collect()
}

fn set_of(fs: &[&Future<i32>]) -> HashSet<Future<i32>> {
    fs.iter().map(|f| (*f).clone()).collect()
}

/// What a `wait` reports: (done, not_done).
type Partition = (HashSet<Future<i32>>, HashSet<Future<i32>>);

/// Runs `wait` on another thread; returns a receiver for its (done, not_done).
fn wait_in_thread(
    fs: &[Future<i32>],
    timeout: Option<Duration>,
    rw: ReturnWhen,
) -> mpsc::Receiver<Partition> {
    let fs = fs.to_vec();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = wait(&fs, timeout, rw);
        let _ = tx.send((r.done, r.not_done));
    });
    rx
}

/// WAIT-PARTITION-1
#[test]
fn wait_partition_done_and_not_done_split_the_distinct_inputs() {
    let fs = futures(4);
    fs[0].set_result(1).unwrap();
    fs[1].set_exception(Exception::msg("x")).unwrap();
    fs[2].cancel();
    for rw in ALL_MODES {
        let r = wait(&fs, Some(Duration::ZERO), rw);
        assert!(r.done.is_disjoint(&r.not_done));
        let union: HashSet<_> = r.done.union(&r.not_done).cloned().collect();
        assert_eq!(union, fs.iter().cloned().collect::<HashSet<_>>(), "{rw:?}");
        assert!(r.done.iter().all(|f| f.state().is_done_for_waiters()));
        assert_eq!(r.done, set_of(&[&fs[0], &fs[1]]), "{rw:?}");
        // The result's `Debug` gives the size of each half.
        assert_eq!(format!("{r:?}"), "DoneAndNotDone { done: 2, not_done: 2 }");
    }
}

/// WAIT-DEDUP-1
#[test]
fn wait_dedup_repeated_and_cloned_futures_count_once() {
    let a: Future<i32> = Future::new();
    let b: Future<i32> = Future::new();
    a.set_result(1).unwrap();
    let input = vec![a.clone(), a.clone(), b.clone(), b.clone(), a.clone()];
    let r = wait(&input, Some(Duration::ZERO), ReturnWhen::AllCompleted);
    assert_eq!(r.done.len(), 1);
    assert_eq!(r.not_done.len(), 1);
    // AllCompleted over duplicates returns once the distinct futures are done.
    let rx = wait_in_thread(&input, None, ReturnWhen::AllCompleted);
    b.set_result(2).unwrap();
    let (done, not_done) = rx.recv_timeout(WATCHDOG).expect("wait returned");
    assert_eq!(done.len(), 2);
    assert!(not_done.is_empty());
}

/// WAIT-CANCELLED-1: `State::is_done_for_waiters` is what `wait` counts as
/// done: FINISHED and CANCELLED_AND_NOTIFIED only, unlike `is_done`.
#[test]
fn wait_cancelled_state_predicate_matches_what_wait_counts() {
    let states = [
        (State::Pending, false, false),
        (State::Running, false, false),
        (State::Cancelled, true, false),
        (State::CancelledAndNotified, true, true),
        (State::Finished, true, true),
    ];
    for (state, done, done_for_waiters) in states {
        assert_eq!(state.is_done(), done, "{state}");
        assert_eq!(state.is_done_for_waiters(), done_for_waiters, "{state}");
    }
    // And a future in each of them, as `wait` sees it.
    let fs = futures(5);
    fs[1].set_running_or_notify_cancel().unwrap();
    fs[2].cancel();
    fs[3].cancel();
    fs[3].set_running_or_notify_cancel().unwrap();
    fs[4].set_result(4).unwrap();
    let r = wait(&fs, Some(Duration::ZERO), ReturnWhen::AllCompleted);
    for (f, (state, _, done_for_waiters)) in fs.iter().zip(states) {
        assert_eq!(f.state(), state);
        assert_eq!(r.done.contains(f), done_for_waiters, "{state}");
    }
}

/// WAIT-CANCELLED-1
#[test]
fn wait_cancelled_not_notified_is_not_done() {
    let fs = futures(2);
    fs[0].cancel();
    assert_eq!(fs[0].state(), State::Cancelled);
    let r = wait(&fs, Some(Duration::ZERO), ReturnWhen::FirstCompleted);
    assert!(r.done.is_empty(), "CANCELLED must not count as done");
    assert!(r.not_done.contains(&fs[0]));
    // A blocked FirstCompleted wait wakes only at the notification.
    let rx = wait_in_thread(&fs, None, ReturnWhen::FirstCompleted);
    assert!(!fs[0].set_running_or_notify_cancel().unwrap());
    let (done, _) = rx
        .recv_timeout(WATCHDOG)
        .expect("woken by the notification");
    assert_eq!(done, set_of(&[&fs[0]]));
    let r = wait(&fs, Some(Duration::ZERO), ReturnWhen::FirstCompleted);
    assert!(r.done.contains(&fs[0]));
}

/// WAIT-FIRSTCOMPLETED-1
#[test]
fn wait_firstcompleted_returns_at_the_first_done_future() {
    let fs = futures(3);
    fs[1].set_result(5).unwrap();
    let t = Instant::now();
    let r = wait(&fs, None, ReturnWhen::FirstCompleted);
    assert!(t.elapsed() < WATCHDOG);
    assert_eq!(r.done, set_of(&[&fs[1]]));
    // Blocking case, for each way of becoming done.
    for how in 0..3 {
        let fs = futures(3);
        let rx = wait_in_thread(&fs, None, ReturnWhen::FirstCompleted);
        match how {
            0 => fs[2].set_result(1).unwrap(),
            1 => fs[2].set_exception(Exception::msg("e")).unwrap(),
            _ => {
                fs[2].cancel();
                fs[2].set_running_or_notify_cancel().unwrap();
            }
        }
        let (done, not_done) = rx.recv_timeout(WATCHDOG).expect("wait returned");
        assert!(done.contains(&fs[2]), "case {how}");
        assert_eq!(not_done.len(), 2, "case {how}");
    }
}

/// WAIT-FIRSTEXCEPTION-1
#[test]
fn wait_firstexception_returns_at_the_first_failure_only() {
    // Already failed: no blocking.
    let fs = futures(3);
    fs[0].set_exception(Exception::msg("e")).unwrap();
    let r = wait(&fs, None, ReturnWhen::FirstException);
    assert_eq!(r.done, set_of(&[&fs[0]]));
    // Values and cancellations do not trigger it; an exception does.
    let fs = futures(4);
    let rx = wait_in_thread(&fs, None, ReturnWhen::FirstException);
    fs[0].set_result(1).unwrap();
    fs[1].cancel();
    fs[1].set_running_or_notify_cancel().unwrap();
    assert!(
        rx.recv_timeout(Duration::from_millis(100)).is_err(),
        "a value or a cancellation must not end a FirstException wait"
    );
    fs[2].set_exception(Exception::msg("boom")).unwrap();
    let (done, not_done) = rx.recv_timeout(WATCHDOG).expect("wait returned");
    assert!(done.contains(&fs[2]));
    assert_eq!(not_done, set_of(&[&fs[3]]));
}

/// WAIT-FIRSTEXCEPTION-2
#[test]
fn wait_firstexception_without_exception_acts_as_allcompleted() {
    let fs = futures(3);
    let rx = wait_in_thread(&fs, None, ReturnWhen::FirstException);
    fs[0].set_result(1).unwrap();
    fs[1].set_result(2).unwrap();
    assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
    fs[2].cancel();
    fs[2].set_running_or_notify_cancel().unwrap();
    let (done, not_done) = rx.recv_timeout(WATCHDOG).expect("wait returned");
    assert_eq!(done.len(), 3);
    assert!(not_done.is_empty());
}

/// WAIT-ALLCOMPLETED-1
#[test]
fn wait_allcompleted_returns_when_every_future_is_done() {
    let fs = futures(3);
    let rx = wait_in_thread(&fs, None, ReturnWhen::AllCompleted);
    fs[0].set_result(1).unwrap();
    fs[1].set_exception(Exception::msg("e")).unwrap();
    assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
    fs[2].set_result(3).unwrap();
    let (done, not_done) = rx.recv_timeout(WATCHDOG).expect("wait returned");
    assert_eq!(done.len(), 3);
    assert!(not_done.is_empty());
}

/// WAIT-ALLCOMPLETED-1: completions racing the wait's start are never missed.
#[test]
fn wait_allcompleted_misses_no_completion_racing_its_start() {
    for round in 0..200 {
        let fs = futures(8);
        let completer = {
            let fs = fs.clone();
            std::thread::spawn(move || {
                for (i, f) in fs.iter().enumerate() {
                    f.set_result(i as i32).unwrap();
                }
            })
        };
        let fs2 = fs.clone();
        let r = within_watchdog("wait(AllCompleted) racing completions", move || {
            wait(&fs2, None, ReturnWhen::AllCompleted)
        });
        completer.join().unwrap();
        assert_eq!(r.done.len(), 8, "round {round}");
    }
}

/// WAIT-TIMEOUT-1
#[test]
fn wait_timeout_returns_the_partition_without_error() {
    let fs = futures(2);
    fs[0].set_result(1).unwrap();
    let t = Instant::now();
    let r = wait(
        &fs,
        Some(Duration::from_millis(50)),
        ReturnWhen::AllCompleted,
    );
    assert!(t.elapsed() >= Duration::from_millis(50));
    assert_eq!(r.done, set_of(&[&fs[0]]));
    assert_eq!(r.not_done, set_of(&[&fs[1]]));
    // Nothing done: every mode waits the whole timeout.
    let pending = futures(2);
    for rw in ALL_MODES {
        let t = Instant::now();
        let r = wait(&pending, Some(Duration::from_millis(30)), rw);
        assert!(t.elapsed() >= Duration::from_millis(30), "{rw:?}");
        assert!(r.done.is_empty() && r.not_done.len() == 2, "{rw:?}");
    }
    // Zero: no blocking at all (bounded generously).
    let t = Instant::now();
    let r = wait(&fs, Some(Duration::ZERO), ReturnWhen::AllCompleted);
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(r.not_done.len(), 1);
    // None: waits without limit, until the condition holds.
    let rx = wait_in_thread(&fs, None, ReturnWhen::AllCompleted);
    fs[1].set_result(2).unwrap();
    assert_eq!(rx.recv_timeout(WATCHDOG).unwrap().0.len(), 2);
}

/// WAIT-EMPTY-1
#[test]
fn wait_empty_input_returns_at_once() {
    let none: Vec<Future<i32>> = Vec::new();
    for rw in ALL_MODES {
        for timeout in [None, Some(Duration::ZERO), Some(Duration::from_secs(3600))] {
            let r = within_watchdog("wait on nothing", move || {
                let none: Vec<Future<i32>> = Vec::new();
                wait(&none, timeout, rw)
            });
            assert!(r.done.is_empty() && r.not_done.is_empty());
        }
    }
    assert!(none.is_empty());
}

/// WAIT-UNTOUCHED-1
#[test]
fn wait_leaves_states_alone_and_no_waiter_behind() {
    let fs = futures(3);
    fs[0].set_result(1).unwrap();
    fs[1].cancel();
    let before: Vec<State> = fs.iter().map(Future::state).collect();
    for rw in ALL_MODES {
        let _ = wait(&fs, Some(Duration::from_millis(10)), rw);
        let after: Vec<State> = fs.iter().map(Future::state).collect();
        assert_eq!(before, after, "{rw:?}");
        assert!(fs.iter().all(|f| f.waiters_installed() == 0), "{rw:?}");
    }
    // After a wait that returned early, later completions do not reach it.
    let r = wait(&fs, None, ReturnWhen::FirstCompleted);
    fs[2].set_result(3).unwrap();
    assert!(r.not_done.contains(&fs[2]));
    assert_eq!(fs[2].waiters_installed(), 0);
}
