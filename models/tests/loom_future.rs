//! loom models of the Future state machine, `wait` and `as_completed`
//! (issue items 1–5). Run with `models/run.sh`; each model explores every
//! interleaving of the real core code up to the preemption bound.
#![cfg(loom)]

use concurrent_futures::{
    Error, Exception, Future, ModelTimeouts, ReturnWhen, State, WorkItem, as_completed,
    set_model_timeouts, wait,
};
use concurrent_futures_models::loom_model;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;
use std::time::Duration;

/// Model 1: `cancel` racing `set_running_or_notify_cancel` (as a worker's
/// `WorkItem::run` does): exactly one wins; a cancelled future's callable
/// never runs; a future whose callable ran is never reported cancelled.
/// Clauses: FUT-CANCEL-1, FUT-CANCEL-2, FUT-NOTIFY-1, FUT-NOTIFY-2, EXE-CANCEL-1, EXE-WORKITEM-1.
#[test]
fn loom_cancel_races_start() {
    loom_model(
        "cancel_races_start",
        "FUT-CANCEL-1 FUT-NOTIFY-2 EXE-CANCEL-1",
        || {
            let ran = Arc::new(AtomicBool::new(false));
            let r = ran.clone();
            let (item, f) = WorkItem::new(move || {
                r.store(true, Ordering::SeqCst);
                1
            });
            let worker = thread::spawn(move || item.run());
            let cancelled = f.cancel();
            worker.join().unwrap();
            let ran = ran.load(Ordering::SeqCst);
            assert_ne!(cancelled, ran, "exactly one of cancel and run wins");
            if ran {
                assert_eq!(f.state(), State::Finished);
                assert!(!f.cancelled());
                assert_eq!(f.result(None).unwrap(), 1);
            } else {
                assert_eq!(f.state(), State::CancelledAndNotified);
                assert!(matches!(f.result(None), Err(Error::Cancelled)));
            }
        },
    );
}

/// Model 2: `cancel`, `set_result` and `set_exception` racing: exactly one
/// terminal outcome; the losers get the invalid-state error (or `false`) and
/// change nothing; the first value is kept.
/// Clauses: FUT-SET-1, FUT-SET-2, FUT-SET-3, FUT-CANCEL-2, ERR-STATE-1.
#[test]
fn loom_terminal_transitions_race() {
    loom_model(
        "terminal_transitions_race",
        "FUT-SET-3 FUT-CANCEL-2",
        || {
            let f: Future<i32> = Future::new();
            let (a, b) = (f.clone(), f.clone());
            let t1 = thread::spawn(move || a.set_result(1).is_ok());
            let t2 = thread::spawn(move || b.set_exception(Exception::msg("e")).is_ok());
            let cancelled = f.cancel();
            let (set_value, set_exc) = (t1.join().unwrap(), t2.join().unwrap());
            let winners = [cancelled, set_value, set_exc]
                .iter()
                .filter(|&&w| w)
                .count();
            assert_eq!(winners, 1, "exactly one terminal transition");
            match f.state() {
                State::Cancelled => assert!(cancelled),
                State::Finished if set_value => assert_eq!(f.result(None).unwrap(), 1),
                State::Finished => assert!(f.exception(None).unwrap().is_some()),
                s => panic!("unexpected {s}"),
            }
        },
    );
}

/// Model 3: `add_done_callback` racing completion and cancellation: every
/// callback runs exactly once, in registration order, on whichever side of
/// the race it landed.
/// Clauses: CB-ADD-1, CB-ADD-2, CB-ORDER-1, CB-ONCE-1.
#[test]
fn loom_callbacks_race_completion() {
    loom_model(
        "callbacks_race_completion",
        "CB-ADD-2 CB-ORDER-1 CB-ONCE-1",
        || {
            let f: Future<i32> = Future::new();
            let log = Arc::new(Mutex::new(Vec::new()));
            let (a, b) = (f.clone(), f.clone());
            let t1 = thread::spawn(move || {
                let _ = a.set_result(1);
            });
            let t2 = thread::spawn(move || {
                b.cancel();
            });
            for i in 0..2 {
                let log = log.clone();
                f.add_done_callback(move |_| log.lock().unwrap().push(i));
            }
            t1.join().unwrap();
            t2.join().unwrap();
            assert_eq!(*log.lock().unwrap(), [0, 1]);
        },
    );
}

/// Model 4a: no lost wake-up for a thread blocked in `result` /
/// `exception`, whichever of cancel and set_result gets there.
/// Clauses: FUT-TIMEOUT-1, FUT-RESULT-1, FUT-RESULT-3, FUT-EXC-1.
#[test]
fn loom_no_lost_wakeup_result() {
    set_model_timeouts(ModelTimeouts::Never);
    loom_model(
        "no_lost_wakeup_result",
        "FUT-TIMEOUT-1 FUT-RESULT-1",
        || {
            let f: Future<i32> = Future::new();
            let g = f.clone();
            let reader = thread::spawn(move || g.result(None).map_err(|e| e.python_name()));
            let h = f.clone();
            let exc_reader = thread::spawn(move || h.exception(None).is_ok());
            if f.cancel() {
                assert_eq!(reader.join().unwrap(), Err("CancelledError"));
                assert!(!exc_reader.join().unwrap());
            }
        },
    );
    loom_model("no_lost_wakeup_result_value", "FUT-RESULT-1", || {
        let f: Future<i32> = Future::new();
        let g = f.clone();
        let reader = thread::spawn(move || g.result(None).unwrap());
        f.set_result(5).unwrap();
        assert_eq!(reader.join().unwrap(), 5);
    });
}

/// Model 4b: `wait` in each mode, and `as_completed`, return once their
/// condition holds, with completions racing the installation of the waiter;
/// the ALL_COMPLETED countdown never loses a completion (bpo-14406).
/// Clauses: WAIT-FIRSTCOMPLETED-1, WAIT-FIRSTEXCEPTION-1, WAIT-ALLCOMPLETED-1, ASC-ORDER-1, DIV-WAITRACE-1, DIV-WAITRACE-2.
#[test]
fn loom_no_lost_wakeup_wait() {
    set_model_timeouts(ModelTimeouts::Never);
    for rw in [
        ReturnWhen::AllCompleted,
        ReturnWhen::FirstCompleted,
        ReturnWhen::FirstException,
    ] {
        loom_model(
            "no_lost_wakeup_wait",
            "WAIT-ALLCOMPLETED-1 DIV-WAITRACE-1",
            move || {
                let fs: Vec<Future<i32>> = (0..2).map(|_| Future::new()).collect();
                let (a, b) = (fs[0].clone(), fs[1].clone());
                let t1 = thread::spawn(move || a.set_exception(Exception::msg("e")).unwrap());
                let t2 = thread::spawn(move || {
                    b.cancel();
                    b.set_running_or_notify_cancel().unwrap();
                });
                let r = wait(&fs, None, rw);
                match rw {
                    ReturnWhen::AllCompleted => assert_eq!(r.done.len(), 2),
                    ReturnWhen::FirstCompleted => assert!(!r.done.is_empty()),
                    ReturnWhen::FirstException => assert!(r.done.contains(&fs[0])),
                }
                t1.join().unwrap();
                t2.join().unwrap();
                assert!(fs.iter().all(|f| f.waiters_installed() == 0));
            },
        );
    }
    loom_model(
        "no_lost_wakeup_as_completed",
        "ASC-ORDER-1 ASC-ONCE-1",
        || {
            let fs: Vec<Future<i32>> = (0..2).map(|_| Future::new()).collect();
            let (a, b) = (fs[0].clone(), fs[1].clone());
            let t1 = thread::spawn(move || a.set_result(0).unwrap());
            let t2 = thread::spawn(move || b.set_result(1).unwrap());
            let mut seen: Vec<i32> = as_completed(&fs, None)
                .map(|f| f.unwrap().result(None).unwrap())
                .collect();
            seen.sort();
            assert_eq!(seen, [0, 1]);
            t1.join().unwrap();
            t2.join().unwrap();
            assert!(fs.iter().all(|f| f.waiters_installed() == 0));
        },
    );
}

/// Model 5: timeouts. Each timed wait is explored with the deadline passing
/// at each of its first checks (and never), racing the completion: the
/// outcome is either the value or a timeout, and a timed-out waiter leaves no
/// waiter registered behind.
/// Clauses: FUT-TIMEOUT-3, WAIT-TIMEOUT-1, WAIT-UNTOUCHED-1, ASC-TIMEOUT-1, ASC-DROP-1.
#[test]
fn loom_timeouts() {
    for policy in [
        ModelTimeouts::Never,
        ModelTimeouts::AtCheck(0),
        ModelTimeouts::AtCheck(1),
    ] {
        set_model_timeouts(policy);
        loom_model("timeout_result", "FUT-TIMEOUT-3", move || {
            let f: Future<i32> = Future::new();
            let g = f.clone();
            let setter = thread::spawn(move || g.set_result(3).unwrap());
            match f.result(Some(Duration::from_secs(1))) {
                Ok(v) => assert_eq!(v, 3),
                Err(Error::Timeout(None)) => assert_ne!(policy, ModelTimeouts::Never),
                Err(e) => panic!("{e:?}"),
            }
            setter.join().unwrap();
        });
        loom_model(
            "timeout_wait",
            "WAIT-TIMEOUT-1 WAIT-UNTOUCHED-1",
            move || {
                let fs: Vec<Future<i32>> = vec![Future::new()];
                let g = fs[0].clone();
                let setter = thread::spawn(move || g.set_result(3).unwrap());
                let r = wait(&fs, Some(Duration::from_secs(1)), ReturnWhen::AllCompleted);
                if policy == ModelTimeouts::Never {
                    assert_eq!(r.done.len(), 1);
                }
                assert_eq!(r.done.len() + r.not_done.len(), 1);
                assert_eq!(fs[0].waiters_installed(), 0, "no waiter left behind");
                setter.join().unwrap();
            },
        );
        loom_model(
            "timeout_as_completed",
            "ASC-TIMEOUT-1 ASC-DROP-1",
            move || {
                let fs: Vec<Future<i32>> = vec![Future::new()];
                let g = fs[0].clone();
                let setter = thread::spawn(move || g.set_result(3).unwrap());
                let got: Vec<bool> = as_completed(&fs, Some(Duration::from_secs(1)))
                    .map(|r| r.is_ok())
                    .collect();
                assert!(got == [true] || got == [false], "{got:?}");
                assert_eq!(fs[0].waiters_installed(), 0, "no waiter left behind");
                setter.join().unwrap();
            },
        );
    }
    set_model_timeouts(ModelTimeouts::Never);
}

/// Model 6: the state word. A claim (`set_running_or_notify_cancel`, one
/// compare-and-swap without the mutex) races `cancel` (a compare-and-swap
/// under it) while a third thread reads the lock-free predicates: exactly
/// one side wins, and the observer never sees the word go back or report an
/// impossible combination.
/// Clauses: FUT-CANCEL-1, FUT-CANCEL-2, FUT-NOTIFY-1, FUT-NOTIFY-2, FUT-PRED-1, FUT-PRED-2, FUT-PRED-3.
#[test]
fn loom_state_word_cancel_races_claim() {
    loom_model(
        "state_word_cancel_races_claim",
        "FUT-CANCEL-1 FUT-NOTIFY-1 FUT-NOTIFY-2 FUT-PRED-3",
        || {
            let f: Future<i32> = Future::new();
            let (a, b) = (f.clone(), f.clone());
            let claimer = thread::spawn(move || a.set_running_or_notify_cancel().unwrap());
            let observer = thread::spawn(move || {
                let first = b.state();
                let (done, running) = (b.done(), b.running());
                let last = b.state();
                // PENDING < RUNNING, PENDING < CANCELLED < C&N: never back.
                let rank = |s: State| match s {
                    State::Pending => 0,
                    State::Running | State::Cancelled => 1,
                    State::CancelledAndNotified | State::Finished => 2,
                };
                assert!(rank(first) <= rank(last), "{first} then {last}");
                assert!(!(done && running), "done and running at once");
                last
            });
            let cancelled = f.cancel();
            let claimed = claimer.join().unwrap();
            let seen = observer.join().unwrap();
            assert_ne!(
                cancelled, claimed,
                "exactly one of cancel and the claim wins"
            );
            if claimed {
                assert_eq!(f.state(), State::Running);
                assert!(!f.cancel(), "a running future cannot be cancelled");
                assert!(!seen.is_cancelled());
            } else {
                assert_eq!(f.state(), State::CancelledAndNotified);
                assert_ne!(seen, State::Running);
            }
        },
    );
}

/// Model 7: the state word and the registrations that need the mutex.
/// `set_result` races a thread blocked in `result()`, a `wait()` installing
/// its waiter and an `add_done_callback`: the reader returns the value, the
/// wait returns with the future done and leaves no waiter, the callback runs
/// exactly once and sees the value.
/// Clauses: FUT-SET-1, FUT-RESULT-1, WAIT-FIRSTCOMPLETED-1, CB-ADD-1, CB-ADD-2, CB-ONCE-1, DIV-WAITRACE-1.
#[test]
fn loom_state_word_finish_races_registrations() {
    set_model_timeouts(ModelTimeouts::Never);
    loom_model(
        "state_word_finish_races_registrations",
        "FUT-SET-1 FUT-RESULT-1 WAIT-FIRSTCOMPLETED-1 CB-ONCE-1",
        || {
            let f: Future<i32> = Future::new();
            let (a, b) = (f.clone(), f.clone());
            let setter = thread::spawn(move || a.set_result(7).unwrap());
            let reader = thread::spawn(move || b.result(None).unwrap());
            let seen = Arc::new(Mutex::new(Vec::new()));
            let log = seen.clone();
            f.add_done_callback(move |f| log.lock().unwrap().push(f.result(None).unwrap()));
            let r = wait([&f], None, ReturnWhen::FirstCompleted);
            assert_eq!(r.done.len(), 1, "wait returned before the future was done");
            assert_eq!(reader.join().unwrap(), 7);
            setter.join().unwrap();
            assert_eq!(*seen.lock().unwrap(), [7], "the callback ran once");
            assert_eq!(f.waiters_installed(), 0, "no waiter left behind");
        },
    );
}

/// The call slot of a work item has no lock of its own (issue 14): only the
/// holder of the work item touches it, and the future's side never does.
/// A worker runs the item (which takes the call out before it claims the
/// future) while another thread cancels the future; loom's `UnsafeCell`
/// reports any two accesses to the slot that happens-before does not order.
/// Either the call ran or the cancel won, and the closure is dropped exactly
/// once, whichever.
/// Clauses: EXE-WORKITEM-1, EXE-CANCEL-1, FUT-CANCEL-1.
#[test]
fn loom_call_slot_owned_by_the_work_item() {
    struct Counted(Arc<loom::sync::atomic::AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    loom_model(
        "call_slot_owned_by_the_work_item",
        "EXE-WORKITEM-1 EXE-CANCEL-1 FUT-CANCEL-1",
        || {
            let drops = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
            let token = Counted(drops.clone());
            let (item, f) = WorkItem::new(move || {
                let _token = token;
                7
            });
            let worker = thread::spawn(move || item.run());
            let cancelled = f.cancel();
            worker.join().unwrap();
            assert_eq!(
                drops.load(Ordering::SeqCst),
                1,
                "the closure is dropped once"
            );
            if cancelled {
                assert_eq!(f.state(), State::CancelledAndNotified);
            } else {
                assert_eq!(f.result(None).unwrap(), 7);
            }
        },
    );
}
