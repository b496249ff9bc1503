//! Integration tests for spec/callbacks.md: `add_done_callback`.

mod support;
use support::*;

use concurrent_futures::{
    Error, Exception, Executor, Future, ReturnWhen, State, as_completed, wait,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::ThreadId;
use std::time::Duration;

const ZERO: Option<Duration> = Some(Duration::ZERO);

fn counter(f: &Future<i32>) -> Arc<AtomicUsize> {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    f.add_done_callback(move |_| {
        n2.fetch_add(1, Ordering::SeqCst);
    });
    n
}

/// The four done states (a callback is called at once), with their `State`.
fn done_futures() -> Vec<(&'static str, Future<i32>, State)> {
    let cancelled = Future::new();
    cancelled.cancel();
    let notified = Future::new();
    notified.cancel();
    notified.set_running_or_notify_cancel().unwrap();
    let value = Future::new();
    value.set_result(1).unwrap();
    let exc = Future::new();
    exc.set_exception(Exception::msg("e")).unwrap();
    vec![
        ("CANCELLED", cancelled, State::Cancelled),
        (
            "CANCELLED_AND_NOTIFIED",
            notified,
            State::CancelledAndNotified,
        ),
        ("FINISHED(value)", value, State::Finished),
        ("FINISHED(exception)", exc, State::Finished),
    ]
}

/// CB-ADD-1
#[test]
fn cb_add_pending_or_running_is_stored_not_called() {
    // PENDING, later finished.
    let f: Future<i32> = Future::new();
    let n = counter(&f);
    assert_eq!(n.load(Ordering::SeqCst), 0);
    assert_eq!(f.state(), State::Pending);
    f.set_result(1).unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 1);

    // PENDING, later cancelled.
    let f: Future<i32> = Future::new();
    let n = counter(&f);
    assert_eq!(n.load(Ordering::SeqCst), 0);
    f.cancel();
    assert_eq!(n.load(Ordering::SeqCst), 1);

    // RUNNING, later failed.
    let f: Future<i32> = Future::new();
    f.set_running_or_notify_cancel().unwrap();
    let n = counter(&f);
    assert_eq!(n.load(Ordering::SeqCst), 0);
    assert_eq!(f.state(), State::Running);
    f.set_exception(Exception::msg("x")).unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 1);
}

/// CB-ADD-2
#[test]
fn cb_add_done_future_calls_immediately_in_calling_thread() {
    for (name, f, state) in done_futures() {
        let log: Log<ThreadId> = Log::new();
        let l2 = log.clone();
        f.add_done_callback(move |_| l2.push(std::thread::current().id()));
        assert_eq!(
            log.items(),
            vec![std::thread::current().id()],
            "{name}: not called once, in this thread, before add_done_callback returned"
        );
        assert_eq!(f.state(), state, "{name}: state changed");
    }
}

/// CB-ORDER-1
#[test]
fn cb_order_registration_order() {
    for how in ["set_result", "set_exception", "cancel"] {
        let f: Future<i32> = Future::new();
        let log: Log<usize> = Log::new();
        for i in 0..10 {
            let l = log.clone();
            f.add_done_callback(move |_| l.push(i));
        }
        // The same logic registered twice runs twice.
        let n = Arc::new(AtomicUsize::new(0));
        let bump = {
            let n = n.clone();
            move |_: &Future<i32>| {
                n.fetch_add(1, Ordering::SeqCst);
            }
        };
        f.add_done_callback(bump.clone());
        f.add_done_callback(bump);
        match how {
            "set_result" => f.set_result(0).unwrap(),
            "set_exception" => f.set_exception(Exception::msg("x")).unwrap(),
            _ => assert!(f.cancel()),
        }
        assert_eq!(log.items(), (0..10).collect::<Vec<_>>(), "{how}");
        assert_eq!(n.load(Ordering::SeqCst), 2, "{how}");
    }
}

/// CB-ARG-1
#[test]
fn cb_arg_receives_its_future() {
    let f: Future<i32> = Future::new();
    let got: Log<Future<i32>> = Log::new();
    let g = got.clone();
    f.add_done_callback(move |x: &Future<i32>| g.push(x.clone()));
    f.set_result(3).unwrap();
    let g = got.clone();
    f.add_done_callback(move |x: &Future<i32>| g.push(x.clone()));
    let items = got.items();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|x| *x == f), "callback got another future");
    let other: Future<i32> = Future::new();
    assert!(items.iter().all(|x| *x != other));
    // Via a pool as well.
    let pool = pool(1);
    let gate = Gate::new();
    let started = Latch::new();
    let p = blocked(&pool, &started, &gate, 5);
    let got: Log<Future<i32>> = Log::new();
    let g = got.clone();
    let ran = Latch::new();
    let r2 = ran.clone();
    p.add_done_callback(move |x: &Future<i32>| {
        g.push(x.clone());
        r2.arrive();
    });
    gate.open();
    within_watchdog("pool callback", move || ran.wait_for(1));
    assert!(got.items() == vec![p]);
}

/// CB-THREAD-1
#[test]
fn cb_thread_runs_in_the_completing_thread_before_it_returns() {
    for how in ["set_result", "set_exception", "cancel"] {
        let f: Future<i32> = Future::new();
        let log: Log<ThreadId> = Log::new();
        for _ in 0..3 {
            let l = log.clone();
            f.add_done_callback(move |_| l.push(std::thread::current().id()));
        }
        let g = f.clone();
        let l = log.clone();
        let (completer, seen_at_return) = std::thread::spawn(move || {
            match how {
                "set_result" => g.set_result(1).unwrap(),
                "set_exception" => g.set_exception(Exception::msg("x")).unwrap(),
                _ => assert!(g.cancel()),
            }
            (std::thread::current().id(), l.items().len())
        })
        .join()
        .unwrap();
        assert_eq!(
            seen_at_return, 3,
            "{how}: not all callbacks ran before it returned"
        );
        assert_eq!(log.items(), vec![completer; 3], "{how}: wrong thread");
        assert_ne!(completer, std::thread::current().id());
    }

    // Thread pool: the worker that ran the task runs the callbacks.
    let pool = concurrent_futures::ThreadPoolExecutor::builder()
        .max_workers(1)
        .thread_name_prefix("cbthread")
        .build()
        .unwrap();
    let gate = Gate::new();
    let started = Latch::new();
    let f = blocked(&pool, &started, &gate, 1);
    let names: Log<Option<String>> = Log::new();
    let n2 = names.clone();
    let ran = Latch::new();
    let r2 = ran.clone();
    f.add_done_callback(move |_| {
        n2.push(std::thread::current().name().map(str::to_string));
        r2.arrive();
    });
    gate.open();
    within_watchdog("pool callback", move || ran.wait_for(1));
    assert_eq!(names.items(), vec![Some("cbthread_0".to_string())]);
}

/// CB-THREAD-1
#[test]
fn cb_thread_callback_may_reenter_its_future_without_deadlock() {
    for how in ["set_result", "cancel", "immediate"] {
        let f: Future<i32> = Future::new();
        let log: Log<String> = Log::new();
        if how == "immediate" {
            f.set_result(4).unwrap();
        }
        let l = log.clone();
        f.add_done_callback(move |f: &Future<i32>| {
            l.push(format!("state {}", f.state()));
            l.push(format!("done {}", f.done()));
            l.push(format!("result {:?}", f.result(None).ok()));
            l.push(format!("exception {:?}", f.exception(None).is_ok()));
            l.push(format!("cancel {}", f.cancel()));
            l.push(format!("set_result {}", f.set_result(9).is_err()));
            let l2 = l.clone();
            f.add_done_callback(move |_| l2.push("nested".into()));
            l.push(format!("debug {}", !format!("{f:?}").is_empty()));
        });
        let g = f.clone();
        within_watchdog("re-entrant callback", move || match how {
            "set_result" => g.set_result(4).unwrap(),
            "cancel" => assert!(g.cancel()),
            _ => {}
        });
        let items = log.items();
        assert_eq!(items.len(), 8, "{how}: {items:?}");
        assert_eq!(items[5], "set_result true", "{how}");
        assert!(
            items.contains(&"nested".to_string()),
            "{how}: nested callback not run"
        );
        if how == "cancel" {
            assert_eq!(items[2], "result None");
            assert_eq!(items[4], "cancel true");
        } else {
            assert_eq!(items[2], "result Some(4)");
            assert_eq!(items[4], "cancel false");
        }
    }
}

/// CB-ONCE-1
#[test]
fn cb_once_never_runs_twice() {
    // Cancel path: second cancel, C&N step, rejected setters.
    let f: Future<i32> = Future::new();
    let n = counter(&f);
    assert!(f.cancel());
    assert!(f.cancel());
    assert!(!f.set_running_or_notify_cancel().unwrap());
    assert!(f.cancel());
    assert!(f.set_result(1).is_err());
    assert!(f.set_exception(Exception::msg("x")).is_err());
    assert_eq!(n.load(Ordering::SeqCst), 1);

    // Finish path: rejected setters and cancel.
    let f: Future<i32> = Future::new();
    let n = counter(&f);
    f.set_result(1).unwrap();
    assert!(f.set_result(2).is_err());
    assert!(f.set_exception(Exception::msg("x")).is_err());
    assert!(!f.cancel());
    assert!(f.set_running_or_notify_cancel().is_err());
    assert_eq!(n.load(Ordering::SeqCst), 1);

    // Concurrent completers: exactly one wins, the callback runs once.
    for _ in 0..50 {
        let f: Future<i32> = Future::new();
        let n = counter(&f);
        let barrier = Arc::new(std::sync::Barrier::new(3));
        let hs: Vec<_> = (0..3)
            .map(|i| {
                let (f, b) = (f.clone(), barrier.clone());
                std::thread::spawn(move || {
                    b.wait();
                    match i {
                        0 => f.set_result(0).is_ok(),
                        1 => f.set_exception(Exception::msg("x")).is_ok(),
                        _ => f.cancel(),
                    }
                })
            })
            .collect();
        let wins: Vec<bool> = hs.into_iter().map(|h| h.join().unwrap()).collect();
        // Exactly one of the three operations made the future done.
        assert_eq!(wins.iter().filter(|w| **w).count(), 1, "{wins:?}");
        assert_eq!(n.load(Ordering::SeqCst), 1);
    }
}

/// CB-NOTIFY-1
#[test]
fn cb_notify_set_running_or_notify_cancel_runs_no_callback() {
    let f: Future<i32> = Future::new();
    let n = counter(&f);
    assert!(f.set_running_or_notify_cancel().unwrap());
    assert_eq!(
        n.load(Ordering::SeqCst),
        0,
        "PENDING -> RUNNING ran a callback"
    );
    assert!(f.set_running_or_notify_cancel().is_err());
    assert_eq!(n.load(Ordering::SeqCst), 0);

    let f: Future<i32> = Future::new();
    let n = counter(&f);
    f.cancel();
    assert_eq!(n.load(Ordering::SeqCst), 1);
    assert!(!f.set_running_or_notify_cancel().unwrap());
    assert_eq!(
        n.load(Ordering::SeqCst),
        1,
        "CANCELLED -> C&N ran a callback"
    );
    assert!(f.set_running_or_notify_cancel().is_err());
    assert_eq!(n.load(Ordering::SeqCst), 1);
}

/// CB-PANIC-1
#[test]
fn cb_panic_stored_callback_is_caught_and_later_ones_run() {
    for how in ["set_result", "set_exception", "cancel"] {
        let f: Future<i32> = Future::new();
        let log: Log<u32> = Log::new();
        let l = log.clone();
        f.add_done_callback(move |_| l.push(1));
        f.add_done_callback(|_| panic!("callback 2 panics"));
        let l = log.clone();
        f.add_done_callback(move |_| l.push(3));
        f.add_done_callback(|_| std::panic::panic_any(17u8));
        let l = log.clone();
        f.add_done_callback(move |_| l.push(5));
        let g = f.clone();
        let returned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match how {
            "set_result" => g.set_result(1).is_ok(),
            "set_exception" => g.set_exception(Exception::msg("x")).is_ok(),
            _ => g.cancel(),
        }));
        assert!(
            matches!(returned, Ok(true)),
            "{how}: the callback's panic escaped or the call failed: {returned:?}"
        );
        assert_eq!(log.items(), vec![1, 3, 5], "{how}");
    }
}

/// CB-PANIC-2
#[test]
fn cb_panic_immediate_callback_is_caught() {
    for (name, f, state) in done_futures() {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            f.add_done_callback(|_| panic!("immediate callback panics"));
        }));
        assert!(r.is_ok(), "{name}: the panic escaped add_done_callback");
        assert_eq!(f.state(), state);
        // Still callable afterwards.
        let n = counter(&f);
        assert_eq!(n.load(Ordering::SeqCst), 1, "{name}");
    }
}

/// CB-PANIC-3
#[test]
fn cb_panic_future_keeps_working_after_a_panicking_callback() {
    // Value.
    let f: Future<i32> = Future::new();
    f.add_done_callback(|_| panic!("stored"));
    f.set_result(6).unwrap();
    f.add_done_callback(|_| panic!("immediate"));
    assert_eq!(f.state(), State::Finished);
    assert!(f.done() && !f.running() && !f.cancelled());
    assert_eq!(f.result(None).unwrap(), 6);
    assert_eq!(f.result(ZERO).unwrap(), 6);
    assert!(f.exception(None).unwrap().is_none());
    assert!(!f.cancel());
    assert!(matches!(f.set_result(1), Err(Error::InvalidState { .. })));
    assert_eq!(counter(&f).load(Ordering::SeqCst), 1);
    let g = f.clone();
    let w = within_watchdog("wait", move || wait([&g], None, ReturnWhen::AllCompleted));
    assert!(w.done.contains(&f));
    let g = f.clone();
    let yielded: Vec<Future<i32>> = within_watchdog("as_completed", move || {
        as_completed([&g], None).map(Result::unwrap).collect()
    });
    assert!(yielded == vec![f]);

    // Exception.
    let f: Future<i32> = Future::new();
    f.add_done_callback(|_| panic!("stored"));
    let e = Exception::msg("x");
    f.set_exception(e.clone()).unwrap();
    assert!(Exception::ptr_eq(&f.exception(None).unwrap().unwrap(), &e));
    match f.result(None) {
        Err(Error::Exception(got)) => assert!(Exception::ptr_eq(&got, &e)),
        other => panic!("{other:?}"),
    }

    // Cancelled, then acknowledged: waiters still work.
    let f: Future<i32> = Future::new();
    f.add_done_callback(|_| panic!("stored"));
    assert!(f.cancel());
    assert_eq!(f.state(), State::Cancelled);
    assert!(matches!(f.result(None), Err(Error::Cancelled)));
    assert!(!f.set_running_or_notify_cancel().unwrap());
    let g = f.clone();
    let w = within_watchdog("wait", move || wait([&g], None, ReturnWhen::AllCompleted));
    assert!(w.done.contains(&f));
}

/// CB-PANIC-3 CB-PANIC-1
#[test]
fn cb_panic_worker_survives_a_panicking_callback() {
    let pool = concurrent_futures::ThreadPoolExecutor::builder()
        .max_workers(1)
        .thread_name_prefix("cbpanic")
        .build()
        .unwrap();
    let gate = Gate::new();
    let started = Latch::new();
    let f = blocked(&pool, &started, &gate, 10);
    let later = Latch::new();
    let thread_names: Log<Option<String>> = Log::new();
    f.add_done_callback(|_| panic!("callback panics on the worker"));
    let (l, t) = (later.clone(), thread_names.clone());
    f.add_done_callback(move |_| {
        t.push(std::thread::current().name().map(str::to_string));
        l.arrive();
    });
    gate.open();
    within_watchdog("later callback", move || later.wait_for(1));
    assert_eq!(f.result(ZERO).unwrap(), 10);
    assert_eq!(thread_names.items(), vec![Some("cbpanic_0".to_string())]);

    // The same (single) worker keeps serving work.
    let g = pool
        .submit(|| std::thread::current().name().map(str::to_string))
        .unwrap();
    let name = within_watchdog("task after the panic", move || g.result(None));
    assert_eq!(name.unwrap(), Some("cbpanic_0".to_string()));
    assert_eq!(pool.threads_started(), 1, "the worker was replaced");
    let h = pool.submit(|| 1 + 1).unwrap();
    assert_eq!(
        within_watchdog("another task", move || h.result(None)).unwrap(),
        2
    );
}
