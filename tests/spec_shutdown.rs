//! shutdown(): spec/shutdown.md.

mod support;
use concurrent_futures::{
    Error, Executor, Future, ReturnWhen, State, ThreadPoolExecutor, WorkItem, wait,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::*;

/// A one-worker pool whose worker is held on `gate` by a running task, with
/// `n` more tasks queued behind it, each logging its index when it runs.
struct Held {
    pool: ThreadPoolExecutor,
    /// Ran and finished before the blocker started.
    finished: Future<usize>,
    gate: Gate,
    running: Future<usize>,
    queued: Vec<Future<usize>>,
    log: Log<usize>,
}

fn held(n: usize) -> Held {
    let pool = pool(1);
    let finished = pool.submit(|| 7usize).unwrap();
    finished.result(None).unwrap();
    let (started, gate) = (Latch::new(), Gate::new());
    let running = blocked(&pool, &started, &gate, usize::MAX);
    started.wait_for(1);
    let log = Log::new();
    let queued = (0..n)
        .map(|i| {
            let log = log.clone();
            pool.submit(move || {
                log.push(i);
                i
            })
            .unwrap()
        })
        .collect();
    Held {
        pool,
        finished,
        gate,
        running,
        queued,
        log,
    }
}

/// SHUT-REJECT-1
#[test]
fn shut_reject_submit_after_shutdown() {
    let pool = pool(2);
    pool.shutdown(true, false).unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    let err = pool
        .submit(move || r.fetch_add(1, Ordering::SeqCst))
        .unwrap_err();
    assert!(matches!(err, Error::Shutdown));
    assert_eq!(
        err.to_string(),
        "cannot schedule new futures after shutdown"
    );
    assert!(matches!(
        pool.submit_fallible(|| Ok::<_, Error>(1)),
        Err(Error::Shutdown)
    ));
    let (item, f) = WorkItem::new(|| 1);
    assert!(matches!(pool.submit_work(item), Err(Error::Shutdown)));
    assert!(
        f.cancelled(),
        "the refused item's future is not left pending"
    );
    assert!(matches!(pool.map(|x: i32| x, [1, 2]), Err(Error::Shutdown)));
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

/// SHUT-IDEMPOTENT-1
#[test]
fn shut_idempotent_repeated_calls_are_harmless() {
    let h = held(2);
    h.pool.shutdown(false, false).unwrap();
    h.pool.shutdown(false, false).unwrap();
    assert_eq!(
        h.running.state(),
        State::Running,
        "running work undisturbed"
    );
    // A later cancel_futures call still drains what is queued.
    h.pool.shutdown(false, true).unwrap();
    assert!(
        h.queued
            .iter()
            .all(|f| f.state() == State::CancelledAndNotified)
    );
    h.gate.open();
    // A later wait=true call waits.
    h.pool.shutdown(true, false).unwrap();
    assert_eq!(h.running.state(), State::Finished);
    h.pool.shutdown(true, true).unwrap();
}

/// SHUT-WAIT-1, SHUT-CANCEL-3
#[test]
fn shut_wait_returns_after_all_work_in_order() {
    let h = held(5);
    let gate = h.gate.clone();
    let opener = std::thread::spawn(move || gate.open());
    let pool = h.pool.clone();
    within_watchdog("shutdown(wait=true)", move || pool.shutdown(true, false)).unwrap();
    opener.join().unwrap();
    assert!(h.running.done());
    assert!(h.queued.iter().all(|f| f.state() == State::Finished));
    assert_eq!(
        h.log.items(),
        [0, 1, 2, 3, 4],
        "queued work ran, FIFO, none cancelled"
    );
}

/// SHUT-NOWAIT-1
#[test]
fn shut_nowait_returns_at_once_and_work_still_completes() {
    let h = held(3);
    let pool = h.pool.clone();
    // Returns although the running task waits on a gate opened only afterwards.
    within_watchdog("shutdown(wait=false)", move || pool.shutdown(false, false)).unwrap();
    assert_eq!(h.running.state(), State::Running);
    h.gate.open();
    let fs: Vec<_> = h.queued.clone();
    let r = within_watchdog("work completes", move || {
        wait(&fs, None, ReturnWhen::AllCompleted)
    });
    assert_eq!(r.done.len(), 3);
    assert_eq!(h.running.result(None).unwrap(), usize::MAX);
    assert_eq!(h.log.items(), [0, 1, 2]);
}

/// SHUT-CANCEL-1, SHUT-CANCEL-2
#[test]
fn shut_cancel_queued_reach_cancelled_and_notified_running_untouched() {
    let h = held(4);
    let calls = Arc::new(AtomicUsize::new(0));
    for f in &h.queued {
        let c = calls.clone();
        f.add_done_callback(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
        });
    }
    h.pool.shutdown(false, true).unwrap();
    for f in &h.queued {
        assert_eq!(f.state(), State::CancelledAndNotified);
        assert!(matches!(f.result(None), Err(Error::Cancelled)));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 4, "each callback ran once");
    // wait() and as_completed() on them return at once.
    let fs = h.queued.clone();
    let r = within_watchdog("wait on drained", move || {
        wait(&fs, None, ReturnWhen::AllCompleted)
    });
    assert_eq!(r.done.len(), 4);
    assert_eq!(
        h.running.state(),
        State::Running,
        "running work is not cancelled"
    );
    assert_eq!(
        h.finished.result(None).unwrap(),
        7,
        "finished work is not touched"
    );
    h.gate.open();
    h.pool.shutdown(true, false).unwrap();
    assert_eq!(h.running.result(None).unwrap(), usize::MAX);
    assert!(h.log.items().is_empty(), "no drained task ran");
}

/// SHUT-CONCURRENT-1
#[test]
fn shut_concurrent_calls_are_safe_and_each_task_runs_or_is_cancelled_once() {
    for round in 0..20 {
        let h = held(20);
        let barrier = Arc::new(std::sync::Barrier::new(4));
        let mut threads = Vec::new();
        for (wait_flag, cancel) in [(true, false), (true, true), (false, true), (false, false)] {
            let (pool, b) = (h.pool.clone(), barrier.clone());
            threads.push(std::thread::spawn(move || {
                b.wait();
                pool.shutdown(wait_flag, cancel)
            }));
        }
        h.gate.open();
        let results = within_watchdog("concurrent shutdowns", move || {
            threads
                .into_iter()
                .map(|t| t.join().unwrap())
                .collect::<Vec<_>>()
        });
        assert!(results.iter().all(Result::is_ok), "round {round}");
        let ran = h.log.items();
        for (i, f) in h.queued.iter().enumerate() {
            match f.state() {
                State::Finished => assert_eq!(ran.iter().filter(|&&x| x == i).count(), 1),
                State::CancelledAndNotified => assert!(!ran.contains(&i)),
                s => panic!("round {round}: task {i} left {s}"),
            }
        }
    }
}

/// SHUT-DROP-1
#[test]
fn shut_drop_last_handle_waits_for_work() {
    let h = held(3);
    let Held {
        pool,
        gate,
        running,
        queued,
        log,
        ..
    } = h;
    let clone = pool.clone();
    drop(clone); // not the last handle: nothing happens
    assert!(
        pool.submit(|| 9usize).is_ok(),
        "a clone's drop does not shut down"
    );
    let opener = {
        let gate = gate.clone();
        std::thread::spawn(move || gate.open())
    };
    within_watchdog("drop of the last handle", move || drop(pool));
    opener.join().unwrap();
    assert!(running.done());
    assert!(queued.iter().all(|f| f.state() == State::Finished));
    assert_eq!(log.items(), [0, 1, 2]);
}

/// SHUT-OWNTASK-1
#[test]
fn shut_owntask_wait_true_errors_and_still_shuts_down() {
    let pool = pool(2);
    let inner = pool.clone();
    let f = pool.submit(move || inner.shutdown(true, false)).unwrap();
    let r = within_watchdog("shutdown from own task", move || f.result(None).unwrap());
    match r {
        Err(Error::Runtime(m)) => assert_eq!(m, "cannot join current thread"),
        other => panic!("expected Runtime error, got {other:?}"),
    }
    assert!(
        matches!(pool.submit(|| 1), Err(Error::Shutdown)),
        "the pool is shut down"
    );
    // wait=false from a task is fine.
    let pool2 = support::pool(1);
    let inner = pool2.clone();
    let g = pool2.submit(move || inner.shutdown(false, false)).unwrap();
    assert!(g.result(None).unwrap().is_ok());
}

/// SHUT-OWNDROP-1
#[test]
fn shut_owndrop_last_handle_dropped_in_own_task_does_not_deadlock() {
    let pool = pool(2);
    let (started, gate) = (Latch::new(), Gate::new());
    let later = blocked(&pool, &started, &gate, 2usize);
    started.wait_for(1);
    let (tx, rx) = std::sync::mpsc::channel();
    let test_handle_dropped = Gate::new();
    let (owner, dropped) = (pool.clone(), test_handle_dropped.clone());
    let f = pool
        .submit(move || {
            dropped.wait();
            drop(owner); // the last handle: dropped on one of the pool's own workers
            tx.send(()).unwrap();
            1usize
        })
        .unwrap();
    drop(pool); // not the last handle: returns at once
    test_handle_dropped.open();
    // The task dropped the last handle: it must return, not wait for itself
    // (nor for `later`, which is still blocked).
    rx.recv_timeout(WATCHDOG)
        .expect("drop inside own task returned");
    assert_eq!(f.result(Some(WATCHDOG)).unwrap(), 1);
    assert_eq!(later.state(), State::Running);
    gate.open();
    assert_eq!(
        later.result(Some(WATCHDOG)).unwrap(),
        2,
        "remaining work completes"
    );
}

/// SHUT-WAIT-1: of two concurrent `shutdown(true, _)` calls, the one that
/// finds the worker handles taken by the other still returns only once the
/// accepted work has run (it waits for the workers, not for the join).
#[cfg(target_os = "linux")]
#[test]
fn shut_wait_1_concurrent_waiting_shutdowns_both_wait() {
    within_watchdog("two waiting shutdowns", || {
        let pool = pool(1);
        let (started, gate) = (Latch::new(), Gate::new());
        let f = blocked(&pool, &started, &gate, 1);
        started.wait_for(1);
        let callers: Vec<_> = ["shut-a", "shut-b"]
            .into_iter()
            .map(|name| {
                let (p, f) = (pool.clone(), f.clone());
                let h = std::thread::Builder::new()
                    .name(name.to_string())
                    .spawn(move || {
                        p.shutdown(true, false).unwrap();
                        f.done()
                    })
                    .unwrap();
                (name, h)
            })
            .collect();
        // Open the gate once each caller has returned or is blocked inside
        // shutdown: a caller that returned already saw the task unfinished.
        for (name, h) in &callers {
            while !h.is_finished() && !asleep(name) {
                std::thread::yield_now();
            }
        }
        gate.open();
        for (name, h) in callers {
            assert!(
                h.join().unwrap(),
                "{name} returned before the work was done"
            );
        }
    });
}
