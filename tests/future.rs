//! Integration tests for spec/future.md: the state machine of `Future`, its
//! predicates, the executor-side transitions and the blocking accessors.

mod support;
use support::*;

use concurrent_futures::{
    Error, Exception, Executor, Future, ReturnWhen, State, as_completed, wait,
};
use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const ZERO: Option<Duration> = Some(Duration::ZERO);

/// The six observable states of the spec, each built from a new future.
#[derive(Clone, Copy, Debug, PartialEq)]
enum S {
    Pending,
    Running,
    Cancelled,
    CancelledAndNotified,
    FinishedValue,
    FinishedException,
}

const ALL: [S; 6] = [
    S::Pending,
    S::Running,
    S::Cancelled,
    S::CancelledAndNotified,
    S::FinishedValue,
    S::FinishedException,
];

/// A future in state `s`; FINISHED(value) holds 7, FINISHED(exception) holds
/// the returned exception.
fn make(s: S) -> (Future<i32>, Option<Exception>) {
    let f = Future::new();
    let mut exc = None;
    match s {
        S::Pending => {}
        S::Running => assert!(f.set_running_or_notify_cancel().unwrap()),
        S::Cancelled => assert!(f.cancel()),
        S::CancelledAndNotified => {
            assert!(f.cancel());
            assert!(!f.set_running_or_notify_cancel().unwrap());
        }
        S::FinishedValue => f.set_result(7).unwrap(),
        S::FinishedException => {
            let e = Exception::msg("boom");
            f.set_exception(e.clone()).unwrap();
            exc = Some(e);
        }
    }
    (f, exc)
}

fn state_of(s: S) -> State {
    match s {
        S::Pending => State::Pending,
        S::Running => State::Running,
        S::Cancelled => State::Cancelled,
        S::CancelledAndNotified => State::CancelledAndNotified,
        S::FinishedValue | S::FinishedException => State::Finished,
    }
}

fn counter(f: &Future<i32>) -> Arc<AtomicUsize> {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    f.add_done_callback(move |_| {
        n2.fetch_add(1, Ordering::SeqCst);
    });
    n
}

/// Installs an `as_completed` waiter on `f` (guaranteed installed when this
/// returns: the first `next()` installs before yielding the already finished
/// probe). `notified` then completes a sentinel and reports whether `f`'s
/// notification reached the waiter before the sentinel's.
struct WaiterProbe {
    f: Future<i32>,
    sentinel: Future<i32>,
    it: concurrent_futures::AsCompleted<i32>,
}

impl WaiterProbe {
    fn install(f: &Future<i32>) -> WaiterProbe {
        let pre = Future::new();
        pre.set_result(0).unwrap();
        let sentinel = Future::new();
        let mut it = as_completed([&pre, f, &sentinel], None);
        assert!(it.next().unwrap().unwrap() == pre);
        WaiterProbe {
            f: f.clone(),
            sentinel,
            it,
        }
    }

    /// `true` if `f` was notified before this call.
    fn notified(mut self) -> bool {
        self.sentinel.set_result(0).unwrap();
        let first = within_watchdog("as_completed probe", move || {
            self.it.next().unwrap().unwrap()
        });
        first == self.f
    }
}

/// Spawns a thread blocked in `result(None)`; it reports when it returns.
fn blocked_result(f: &Future<i32>) -> mpsc::Receiver<Result<i32, Error>> {
    let (tx, rx) = mpsc::channel();
    let started = Latch::new();
    let (f, s) = (f.clone(), started.clone());
    std::thread::spawn(move || {
        s.arrive();
        let _ = tx.send(f.result(None));
    });
    started.wait_for(1);
    rx
}

/// Spawns a thread blocked in `exception(None)`.
fn blocked_exception(f: &Future<i32>) -> mpsc::Receiver<Result<Option<Exception>, Error>> {
    let (tx, rx) = mpsc::channel();
    let started = Latch::new();
    let (f, s) = (f.clone(), started.clone());
    std::thread::spawn(move || {
        s.arrive();
        let _ = tx.send(f.exception(None));
    });
    started.wait_for(1);
    rx
}

fn recv<M>(rx: &mpsc::Receiver<M>, what: &str) -> M {
    rx.recv_timeout(WATCHDOG)
        .unwrap_or_else(|_| panic!("watchdog: {what} did not return within {WATCHDOG:?}"))
}

/// FUT-STATE-1
#[test]
fn fut_state_new_future_is_pending() {
    let f: Future<i32> = Future::new();
    assert_eq!(f.state(), State::Pending);
    assert!(!f.cancelled());
    assert!(!f.running());
    assert!(!f.done());
    assert!(matches!(f.result(ZERO), Err(Error::Timeout(None))));
    assert_eq!(f.state(), State::Pending);
    let d: Future<String> = Future::default();
    assert_eq!(d.state(), State::Pending);
}

/// FUT-STATE-2
#[test]
fn fut_state_display_names_and_current_state() {
    let names = [
        (State::Pending, "PENDING"),
        (State::Running, "RUNNING"),
        (State::Cancelled, "CANCELLED"),
        (State::CancelledAndNotified, "CANCELLED_AND_NOTIFIED"),
        (State::Finished, "FINISHED"),
    ];
    for (s, name) in names {
        assert_eq!(s.to_string(), name);
        assert_eq!(format!("{s}"), name);
    }
    for s in ALL {
        let (f, _) = make(s);
        assert_eq!(f.state(), state_of(s), "{s:?}");
    }
    // state() follows the transitions of one future.
    let f: Future<i32> = Future::new();
    assert_eq!(f.state(), State::Pending);
    f.set_running_or_notify_cancel().unwrap();
    assert_eq!(f.state(), State::Running);
    f.set_result(1).unwrap();
    assert_eq!(f.state(), State::Finished);
}

/// FUT-PRED-1
#[test]
fn fut_pred_cancelled_exactly_in_cancelled_states() {
    for s in ALL {
        let (f, _) = make(s);
        let expected = matches!(s, S::Cancelled | S::CancelledAndNotified);
        assert_eq!(f.cancelled(), expected, "{s:?}");
        assert_eq!(f.cancelled(), expected, "{s:?} (second call)");
        assert_eq!(
            f.state(),
            state_of(s),
            "cancelled() changed the state of {s:?}"
        );
    }
}

/// FUT-PRED-2
#[test]
fn fut_pred_running_exactly_in_running() {
    for s in ALL {
        let (f, _) = make(s);
        assert_eq!(f.running(), s == S::Running, "{s:?}");
        assert_eq!(
            f.state(),
            state_of(s),
            "running() changed the state of {s:?}"
        );
    }
}

/// FUT-PRED-3
#[test]
fn fut_pred_done_exactly_when_cancelled_or_finished() {
    for s in ALL {
        let (f, _) = make(s);
        let expected = !matches!(s, S::Pending | S::Running);
        assert_eq!(f.done(), expected, "{s:?}");
        assert_eq!(f.state(), state_of(s), "done() changed the state of {s:?}");
    }
}

/// FUT-CANCEL-1
#[test]
fn fut_cancel_pending_wakes_blocked_runs_callbacks_not_waiters() {
    let f: Future<i32> = Future::new();
    let runs = counter(&f);
    let probe = WaiterProbe::install(&f);
    let r = blocked_result(&f);
    let e = blocked_exception(&f);
    assert!(f.cancel());
    // The callback ran before cancel() returned.
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(f.state(), State::Cancelled);
    assert!(matches!(recv(&r, "result(None)"), Err(Error::Cancelled)));
    assert!(matches!(recv(&e, "exception(None)"), Err(Error::Cancelled)));
    // wait() does not count a CANCELLED future as done, and no waiter was told.
    let w = wait([&f], ZERO, ReturnWhen::FirstCompleted);
    assert!(w.not_done.contains(&f) && w.done.is_empty());
    assert!(
        !probe.notified(),
        "cancel() notified a wait()/as_completed() waiter"
    );
}

/// FUT-CANCEL-2
#[test]
fn fut_cancel_running_returns_false() {
    let f: Future<i32> = Future::new();
    let runs = counter(&f);
    f.set_running_or_notify_cancel().unwrap();
    let probe = WaiterProbe::install(&f);
    let r = blocked_result(&f);
    assert!(!f.cancel());
    assert_eq!(f.state(), State::Running);
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    assert!(matches!(r.try_recv(), Err(mpsc::TryRecvError::Empty)));
    assert!(!probe.notified());
    // Still completes normally afterwards.
    f.set_result(3).unwrap();
    assert_eq!(recv(&r, "result(None)").unwrap(), 3);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

/// FUT-CANCEL-2
#[test]
fn fut_cancel_finished_returns_false_and_keeps_outcome() {
    let (f, _) = make(S::FinishedValue);
    assert!(!f.cancel());
    assert_eq!(f.state(), State::Finished);
    assert_eq!(f.result(ZERO).unwrap(), 7);

    let f: Future<i32> = Future::new();
    let runs = counter(&f);
    let e = Exception::msg("x");
    f.set_exception(e.clone()).unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert!(!f.cancel());
    assert_eq!(f.state(), State::Finished);
    assert!(!f.cancelled());
    assert!(Exception::ptr_eq(&f.exception(ZERO).unwrap().unwrap(), &e));
    assert_eq!(runs.load(Ordering::SeqCst), 1, "cancel() re-ran a callback");
}

/// FUT-CANCEL-3
#[test]
fn fut_cancel_already_cancelled_returns_true_changes_nothing() {
    let f: Future<i32> = Future::new();
    let runs = counter(&f);
    assert!(f.cancel());
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let probe = WaiterProbe::install(&f);
    assert!(f.cancel());
    assert!(f.cancel());
    assert_eq!(f.state(), State::Cancelled);
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "a second cancel() re-ran callbacks"
    );
    assert!(!probe.notified(), "a second cancel() notified a waiter");

    assert!(!f.set_running_or_notify_cancel().unwrap());
    assert_eq!(f.state(), State::CancelledAndNotified);
    assert!(f.cancel());
    assert_eq!(f.state(), State::CancelledAndNotified);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

/// FUT-NOTIFY-1
#[test]
fn fut_notify_pending_becomes_running_without_callbacks_or_waiters() {
    let f: Future<i32> = Future::new();
    let runs = counter(&f);
    let probe = WaiterProbe::install(&f);
    assert!(matches!(f.set_running_or_notify_cancel(), Ok(true)));
    assert_eq!(f.state(), State::Running);
    assert!(f.running());
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    assert!(!probe.notified());
}

/// FUT-NOTIFY-2
#[test]
fn fut_notify_cancelled_becomes_cancelled_and_notified_and_tells_waiters() {
    let f: Future<i32> = Future::new();
    let runs = counter(&f);
    assert!(f.cancel());
    let probe = WaiterProbe::install(&f);
    // A thread blocked in wait(ALL_COMPLETED) is released only by the C&N step.
    let (tx, rx) = mpsc::channel();
    let fc = f.clone();
    std::thread::spawn(move || {
        let r = wait([&fc], None, ReturnWhen::AllCompleted);
        let _ = tx.send(r.done.contains(&fc));
    });
    assert!(matches!(f.set_running_or_notify_cancel(), Ok(false)));
    assert_eq!(f.state(), State::CancelledAndNotified);
    assert!(recv(&rx, "wait(ALL_COMPLETED)"));
    assert!(probe.notified(), "the C&N step did not notify the waiter");
    assert_eq!(runs.load(Ordering::SeqCst), 1, "the C&N step ran callbacks");
}

/// FUT-NOTIFY-3 ERR-MSG-2
#[test]
fn fut_notify_other_states_return_runtime_error() {
    for s in [
        S::Running,
        S::CancelledAndNotified,
        S::FinishedValue,
        S::FinishedException,
    ] {
        let (f, exc) = make(s);
        let runs = counter(&f);
        let before = runs.load(Ordering::SeqCst);
        match f.set_running_or_notify_cancel() {
            Err(Error::Runtime(m)) => assert_eq!(m, "Future in unexpected state", "{s:?}"),
            other => panic!("{s:?}: expected Runtime error, got {other:?}"),
        }
        assert_eq!(f.state(), state_of(s), "{s:?}: state changed");
        assert_eq!(runs.load(Ordering::SeqCst), before, "{s:?}: callbacks ran");
        match s {
            S::FinishedValue => assert_eq!(f.result(ZERO).unwrap(), 7),
            S::FinishedException => assert!(Exception::ptr_eq(
                &f.exception(ZERO).unwrap().unwrap(),
                exc.as_ref().unwrap()
            )),
            _ => {}
        }
    }
}

/// FUT-SET-1
#[test]
fn fut_set_result_from_pending_or_running_finishes() {
    for running in [false, true] {
        let f: Future<i32> = Future::new();
        if running {
            f.set_running_or_notify_cancel().unwrap();
        }
        let runs = counter(&f);
        let probe = WaiterProbe::install(&f);
        let r = blocked_result(&f);
        let e = blocked_exception(&f);
        assert!(matches!(f.set_result(5), Ok(())));
        assert_eq!(
            runs.load(Ordering::SeqCst),
            1,
            "callbacks ran before return"
        );
        assert_eq!(f.state(), State::Finished);
        assert_eq!(f.result(ZERO).unwrap(), 5);
        assert_eq!(recv(&r, "result(None)").unwrap(), 5);
        assert!(recv(&e, "exception(None)").unwrap().is_none());
        assert!(probe.notified(), "waiter not told of the result");
        let w = wait([&f], ZERO, ReturnWhen::FirstException);
        assert!(w.done.contains(&f));
    }
}

/// FUT-SET-2
#[test]
fn fut_set_exception_from_pending_or_running_finishes() {
    for running in [false, true] {
        let f: Future<i32> = Future::new();
        if running {
            f.set_running_or_notify_cancel().unwrap();
        }
        let runs = counter(&f);
        let probe = WaiterProbe::install(&f);
        let r = blocked_result(&f);
        let e = blocked_exception(&f);
        // A FIRST_EXCEPTION wait over [f, other] returns while `other` is pending.
        let other: Future<i32> = Future::new();
        let (tx, rx) = mpsc::channel();
        let (fc, oc) = (f.clone(), other.clone());
        std::thread::spawn(move || {
            let w = wait([&fc, &oc], None, ReturnWhen::FirstException);
            let _ = tx.send((w.done.contains(&fc), w.not_done.contains(&oc)));
        });
        let exc = Exception::msg("bad");
        assert!(matches!(f.set_exception(exc.clone()), Ok(())));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(f.state(), State::Finished);
        match recv(&r, "result(None)") {
            Err(Error::Exception(got)) => assert!(Exception::ptr_eq(&got, &exc)),
            other => panic!("expected the exception, got {other:?}"),
        }
        assert!(Exception::ptr_eq(
            &recv(&e, "exception(None)").unwrap().unwrap(),
            &exc
        ));
        assert_eq!(recv(&rx, "wait(FIRST_EXCEPTION)"), (true, true));
        assert!(probe.notified());
        other.set_result(0).unwrap();
    }
}

/// FUT-SET-3 ERR-STATE-1
#[test]
fn fut_set_twice_or_after_cancel_is_invalid_state() {
    for s in [
        S::Cancelled,
        S::CancelledAndNotified,
        S::FinishedValue,
        S::FinishedException,
    ] {
        for use_exception in [false, true] {
            let (f, exc) = make(s);
            let runs = counter(&f);
            let before = runs.load(Ordering::SeqCst);
            // For CANCELLED a waiter can still be installed: it must not be told.
            let probe = (s == S::Cancelled).then(|| WaiterProbe::install(&f));
            let r = if use_exception {
                f.set_exception(Exception::msg("second"))
            } else {
                f.set_result(99)
            };
            match r {
                Err(Error::InvalidState { state, future }) => {
                    assert_eq!(state, state_of(s), "{s:?}");
                    assert!(future.starts_with("<Future") && future.ends_with('>'));
                }
                other => panic!("{s:?}: expected InvalidState, got {other:?}"),
            }
            assert_eq!(f.state(), state_of(s), "{s:?}: state changed");
            assert_eq!(runs.load(Ordering::SeqCst), before, "{s:?}: callbacks ran");
            match s {
                S::Cancelled | S::CancelledAndNotified => {
                    assert!(matches!(f.result(ZERO), Err(Error::Cancelled)))
                }
                S::FinishedValue => assert_eq!(f.result(ZERO).unwrap(), 7),
                S::FinishedException => assert!(Exception::ptr_eq(
                    &f.exception(ZERO).unwrap().unwrap(),
                    exc.as_ref().unwrap()
                )),
                _ => unreachable!(),
            }
            if let Some(p) = probe {
                assert!(!p.notified(), "{s:?}: rejected setter notified a waiter");
            }
        }
    }
}

/// FUT-SET-4
#[test]
fn fut_set_outcome_visible_before_anyone_is_told() {
    // Callbacks see the outcome.
    let f: Future<i32> = Future::new();
    let seen = Log::new();
    let s2 = seen.clone();
    f.add_done_callback(move |f: &Future<i32>| {
        s2.push((f.done(), f.state(), f.result(Some(Duration::ZERO)).ok()));
    });
    f.set_result(11).unwrap();
    assert_eq!(seen.items(), vec![(true, State::Finished, Some(11))]);

    // Exception outcome, seen by a callback.
    let f: Future<i32> = Future::new();
    let seen = Log::new();
    let s2 = seen.clone();
    f.add_done_callback(move |f: &Future<i32>| {
        s2.push(
            f.exception(Some(Duration::ZERO))
                .ok()
                .flatten()
                .map(|e| e.to_string()),
        );
    });
    f.set_exception(Exception::msg("e1")).unwrap();
    assert_eq!(seen.items(), vec![Some("e1".to_string())]);

    // Callbacks run by cancel() see cancelled().
    let f: Future<i32> = Future::new();
    let seen = Log::new();
    let s2 = seen.clone();
    f.add_done_callback(move |f: &Future<i32>| s2.push(f.cancelled()));
    f.cancel();
    assert_eq!(seen.items(), vec![true]);

    // A woken wait() caller and a woken result() caller see the outcome.
    let f: Future<i32> = Future::new();
    let (tx, rx) = mpsc::channel();
    let fc = f.clone();
    let started = Latch::new();
    let st = started.clone();
    std::thread::spawn(move || {
        st.arrive();
        let w = wait([&fc], None, ReturnWhen::FirstCompleted);
        let _ = tx.send((
            w.done.len(),
            fc.done(),
            fc.result(Some(Duration::ZERO)).ok(),
        ));
    });
    started.wait_for(1);
    let r = blocked_result(&f);
    f.set_result(12).unwrap();
    assert_eq!(recv(&rx, "wait"), (1, true, Some(12)));
    assert_eq!(recv(&r, "result(None)").unwrap(), 12);

    // Same from a pool worker: the callback runs on the worker and sees the value.
    let pool = pool(1);
    let gate = Gate::new();
    let started = Latch::new();
    let f = blocked(&pool, &started, &gate, 13);
    let seen = Log::new();
    let s2 = seen.clone();
    let done = Latch::new();
    let d2 = done.clone();
    f.add_done_callback(move |f: &Future<i32>| {
        s2.push((f.done(), f.result(Some(Duration::ZERO)).ok()));
        d2.arrive();
    });
    gate.open();
    within_watchdog("callback on the worker", move || done.wait_for(1));
    assert_eq!(seen.items(), vec![(true, Some(13))]);
}

/// FUT-RESULT-1
#[test]
fn fut_result_finished_value_every_timeout_every_call() {
    let (f, _) = make(S::FinishedValue);
    for t in [
        None,
        ZERO,
        Some(Duration::from_millis(1)),
        Some(Duration::from_secs(3600)),
    ] {
        let start = Instant::now();
        assert_eq!(f.result(t).unwrap(), 7, "{t:?}");
        assert_eq!(f.result(t).unwrap(), 7, "{t:?} second call");
        assert!(start.elapsed() < Duration::from_secs(60));
    }
    // A clone of the value, not a move: String values stay available.
    let g: Future<String> = Future::new();
    g.set_result("v".into()).unwrap();
    assert_eq!(g.result(None).unwrap(), "v");
    assert_eq!(g.result(None).unwrap(), "v");
}

/// FUT-RESULT-2 ERR-SAME-1
#[test]
fn fut_result_finished_exception_same_object_every_call() {
    let (f, exc) = make(S::FinishedException);
    let exc = exc.unwrap();
    for t in [None, ZERO, Some(Duration::from_secs(3600))] {
        for _ in 0..2 {
            match f.result(t) {
                Err(Error::Exception(e)) => assert!(Exception::ptr_eq(&e, &exc)),
                other => panic!("{t:?}: expected the exception, got {other:?}"),
            }
        }
    }
}

/// FUT-RESULT-3
#[test]
fn fut_result_cancelled_is_cancelled_error() {
    for s in [S::Cancelled, S::CancelledAndNotified] {
        let (f, _) = make(s);
        for t in [None, ZERO, Some(Duration::from_secs(3600))] {
            let f = f.clone();
            let r = within_watchdog("result of a cancelled future", move || f.result(t));
            assert!(matches!(r, Err(Error::Cancelled)), "{s:?} {t:?}: {r:?}");
        }
    }
}

/// FUT-EXC-1
#[test]
fn fut_exc_finished_returns_none_or_the_stored_exception() {
    let (f, _) = make(S::FinishedValue);
    let (g, exc) = make(S::FinishedException);
    let exc = exc.unwrap();
    for t in [None, ZERO, Some(Duration::from_secs(3600))] {
        for _ in 0..2 {
            assert!(f.exception(t).unwrap().is_none(), "{t:?}");
            assert!(Exception::ptr_eq(&g.exception(t).unwrap().unwrap(), &exc));
        }
    }
}

/// FUT-EXC-2
#[test]
fn fut_exc_cancelled_is_cancelled_error() {
    for s in [S::Cancelled, S::CancelledAndNotified] {
        let (f, _) = make(s);
        for t in [None, ZERO, Some(Duration::from_secs(3600))] {
            let f = f.clone();
            let r = within_watchdog("exception of a cancelled future", move || f.exception(t));
            assert!(matches!(r, Err(Error::Cancelled)), "{s:?} {t:?}: {r:?}");
        }
    }
}

/// FUT-TIMEOUT-1
#[test]
fn fut_timeout_none_blocks_until_done() {
    // Via a pool: the task holds the future RUNNING until the gate opens.
    let pool = pool(1);
    let gate = Gate::new();
    let started = Latch::new();
    let f = blocked(&pool, &started, &gate, 21);
    started.wait_for(1);
    assert_eq!(f.state(), State::Running);
    let r = blocked_result(&f);
    let e = blocked_exception(&f);
    // Nothing completes the future while the gate is closed: both stay blocked
    // (they would have to return a Timeout or a wrong outcome otherwise).
    assert!(matches!(r.try_recv(), Err(mpsc::TryRecvError::Empty)));
    assert!(matches!(e.try_recv(), Err(mpsc::TryRecvError::Empty)));
    gate.open();
    assert_eq!(recv(&r, "result(None)").unwrap(), 21);
    assert!(recv(&e, "exception(None)").unwrap().is_none());

    // PENDING future cancelled: blocked callers get Cancelled.
    let f: Future<i32> = Future::new();
    let r = blocked_result(&f);
    let e = blocked_exception(&f);
    f.cancel();
    assert!(matches!(recv(&r, "result(None)"), Err(Error::Cancelled)));
    assert!(matches!(recv(&e, "exception(None)"), Err(Error::Cancelled)));
}

/// FUT-TIMEOUT-2
#[test]
fn fut_timeout_zero_is_a_nonblocking_check() {
    for s in [S::Pending, S::Running] {
        let (f, _) = make(s);
        // Nobody will ever complete f: a blocking call would trip the watchdog.
        let g = f.clone();
        let (r, e) = within_watchdog("zero-timeout checks", move || {
            (g.result(ZERO), g.exception(ZERO))
        });
        assert!(matches!(r, Err(Error::Timeout(None))), "{s:?}: {r:?}");
        assert!(matches!(e, Err(Error::Timeout(None))), "{s:?}: {e:?}");
        assert_eq!(f.state(), state_of(s));
    }
}

/// FUT-TIMEOUT-3
#[test]
fn fut_timeout_positive_times_out_not_before_the_timeout() {
    let d = Duration::from_millis(50);
    for s in [S::Pending, S::Running] {
        let (f, _) = make(s);
        let start = Instant::now();
        assert!(matches!(f.result(Some(d)), Err(Error::Timeout(None))));
        let took = start.elapsed();
        assert!(took >= d, "{s:?}: result timed out after {took:?} < {d:?}");
        assert!(took < Duration::from_secs(20), "{s:?}: took {took:?}");

        let start = Instant::now();
        assert!(matches!(f.exception(Some(d)), Err(Error::Timeout(None))));
        let took = start.elapsed();
        assert!(
            took >= d,
            "{s:?}: exception timed out after {took:?} < {d:?}"
        );
        assert!(took < Duration::from_secs(20), "{s:?}: took {took:?}");
        assert_eq!(f.state(), state_of(s), "a timeout changed the state");
    }
}

/// FUT-TIMEOUT-3
#[test]
fn fut_timeout_positive_returns_when_finished_within_the_timeout() {
    let long = Duration::from_secs(120);
    let f: Future<i32> = Future::new();
    let (tx, rx) = mpsc::channel();
    let started = Latch::new();
    let (fc, st) = (f.clone(), started.clone());
    std::thread::spawn(move || {
        st.arrive();
        let t = Instant::now();
        let r = fc.result(Some(long));
        let _ = tx.send((r, t.elapsed()));
    });
    started.wait_for(1);
    f.set_result(4).unwrap();
    let (r, took) = recv(&rx, "result(Some(120s))");
    assert_eq!(r.unwrap(), 4);
    assert!(took < long, "waited the whole timeout ({took:?})");

    // Cancellation within the timeout: Cancelled.
    let f: Future<i32> = Future::new();
    let (tx, rx) = mpsc::channel();
    let fc = f.clone();
    std::thread::spawn(move || {
        let _ = tx.send(fc.exception(Some(long)));
    });
    f.cancel();
    assert!(matches!(
        recv(&rx, "exception(Some(120s))"),
        Err(Error::Cancelled)
    ));
}

/// FUT-ID-1
#[test]
fn fut_id_clone_is_the_same_future() {
    let f: Future<i32> = Future::new();
    let g = f.clone();
    let runs = counter(&g);
    g.set_running_or_notify_cancel().unwrap();
    assert_eq!(f.state(), State::Running);
    assert!(f.running());
    let probe = WaiterProbe::install(&g);
    f.set_result(8).unwrap();
    assert_eq!(g.result(ZERO).unwrap(), 8);
    assert_eq!(g.state(), State::Finished);
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "callback added via a clone did not run"
    );
    assert!(
        probe.notified(),
        "waiter installed via a clone was not told"
    );
    assert!(matches!(g.set_result(9), Err(Error::InvalidState { .. })));
}

/// FUT-ID-2
#[test]
#[allow(clippy::mutable_key_type)] // identity hashing is the API under test
fn fut_id_equality_and_hash_by_identity() {
    fn h(f: &Future<i32>) -> u64 {
        let mut s = DefaultHasher::new();
        f.hash(&mut s);
        s.finish()
    }
    let a: Future<i32> = Future::new();
    let b: Future<i32> = Future::new();
    let a2 = a.clone();
    assert!(a == a2);
    assert_eq!(h(&a), h(&a2));
    assert!(a != b, "two distinct pending futures compare equal");
    let c: Future<i32> = Future::new();
    let d: Future<i32> = Future::new();
    c.set_result(1).unwrap();
    d.set_result(1).unwrap();
    assert!(
        c != d,
        "distinct futures holding equal values compare equal"
    );
    let set: HashSet<Future<i32>> = [a.clone(), a2, b.clone(), c.clone(), d.clone()]
        .into_iter()
        .collect();
    assert_eq!(set.len(), 4);
    assert!(set.contains(&a) && set.contains(&b));
}

/// FUT-SEND-1
#[test]
fn fut_send_sync_clone_debug() {
    fn send_sync<X: Send + Sync>() {}
    fn clone_debug<X: Clone + std::fmt::Debug>() {}
    send_sync::<Future<i32>>();
    send_sync::<Future<String>>();
    // Send but not Sync payload: the future is still Send + Sync.
    send_sync::<Future<std::cell::Cell<i32>>>();
    // Clone and Debug for every T, even neither Clone, Debug nor Send.
    struct Opaque;
    clone_debug::<Future<Opaque>>();
    clone_debug::<Future<std::rc::Rc<i32>>>();

    // And it really crosses threads.
    let f: Future<String> = Future::new();
    let g = f.clone();
    std::thread::spawn(move || g.set_result("x".into()).unwrap())
        .join()
        .unwrap();
    assert_eq!(f.result(ZERO).unwrap(), "x");
    let dbg = format!("{f:?}");
    assert!(
        dbg.starts_with("<Future") || dbg.contains("Future"),
        "{dbg}"
    );
}

/// FUT-FALSY-1, DIV-FALSY-1 (the reference has no gh-132063 defect)
#[test]
fn fut_falsy_empty_exception_is_still_an_exception() {
    let f: Future<i32> = Future::new();
    let e = Exception::msg("");
    f.set_exception(e.clone()).unwrap();
    match f.result(None) {
        Err(Error::Exception(got)) => assert!(Exception::ptr_eq(&got, &e)),
        other => panic!("an empty-message exception read as {other:?}"),
    }
    // Likewise through an executor: a task returning an error with an empty message.
    let pool = pool(1);
    #[derive(Debug)]
    struct Empty;
    impl std::fmt::Display for Empty {
        fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            Ok(())
        }
    }
    impl std::error::Error for Empty {}
    let g = pool.submit_fallible(|| Err::<i32, _>(Empty)).unwrap();
    let r = within_watchdog("result", move || g.result(None));
    assert!(matches!(r, Err(Error::Exception(_))), "{r:?}");
}

/// FUT-REPR-1: `Debug` is Python's repr, with the outcome only when FINISHED.
#[test]
fn fut_repr_1_debug_is_python_repr() {
    let f: Future<i32> = Future::new();
    let addr = format!("{f:?}")
        .trim_start_matches("<Future at ")
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    assert!(addr.starts_with("0x"), "{addr}");
    assert_eq!(
        format!("{f:?}"),
        format!("<Future at {addr} state=pending>")
    );
    assert_eq!(format!("{:?}", f.clone()), format!("{f:?}"));
    f.set_running_or_notify_cancel().unwrap();
    assert_eq!(
        format!("{f:?}"),
        format!("<Future at {addr} state=running>")
    );
    f.set_result(1).unwrap();
    assert_eq!(
        format!("{f:?}"),
        format!("<Future at {addr} state=finished returned i32>")
    );
    let g: Future<i32> = Future::new();
    g.set_exception(concurrent_futures::Exception::msg("x"))
        .unwrap();
    assert!(
        format!("{g:?}").ends_with(" state=finished raised Error>"),
        "{g:?}"
    );
    let h: Future<i32> = Future::new();
    h.cancel();
    assert!(format!("{h:?}").ends_with(" state=cancelled>"), "{h:?}");
}
