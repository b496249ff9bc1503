//! spec/divergences.md: where the Rust binding differs from Python, and the
//! CPython defects the reference does not have.

mod support;
use concurrent_futures::{
    Error, ExceptionKind, Executor, Future, MapOptions, ReturnWhen, State, as_completed, wait,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};
use support::*;

/// DIV-PANIC-1
#[test]
fn div_panic_panics_and_errs_are_exceptions() {
    let p = pool(1);
    let a = p.submit(|| -> i32 { panic!("raised") }).unwrap();
    let b = p.submit_fallible(|| Err::<i32, _>("returned")).unwrap();
    for (f, kind, msg) in [
        (&a, ExceptionKind::Panic, "raised"),
        (&b, ExceptionKind::Error, "returned"),
    ] {
        match f.result(None) {
            Err(Error::Exception(e)) => {
                assert_eq!(e.kind(), kind);
                assert_eq!(e.to_string(), msg);
            }
            other => panic!("{other:?}"),
        }
    }
}

/// DIV-DROP-1
#[test]
fn div_drop_last_handle_shuts_down_even_when_unwinding() {
    let done = Arc::new(AtomicUsize::new(0));
    let d = done.clone();
    let gate = Gate::new();
    let g = gate.clone();
    let opener = std::thread::spawn(move || g.open());
    let r = std::panic::catch_unwind(move || {
        let p = pool(1);
        let d2 = d.clone();
        p.submit(move || {
            gate.wait();
            d2.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
        panic!("the owning scope panics");
    });
    assert!(r.is_err());
    opener.join().unwrap();
    assert_eq!(
        done.load(Ordering::SeqCst),
        1,
        "Drop during unwinding waited for the task"
    );
}

const CHILD: &str = "CF_DIV_EXIT_CHILD_MARKER";

/// DIV-EXIT-1: runs as a child process when CF_DIV_EXIT_CHILD_MARKER is set:
/// its "main" submits a task that writes a marker, then drops the pool.
#[test]
fn div_exit_child_main() {
    let Ok(marker) = std::env::var(CHILD) else {
        return; // only meaningful as the child of div_exit_dropped_pool_completes_before_exit
    };
    let p = pool(1);
    p.submit(move || std::fs::write(marker, "written").unwrap())
        .unwrap();
    drop(p);
    std::process::exit(0); // no exit hook would save anything still queued
}

/// DIV-EXIT-1
#[test]
fn div_exit_dropped_pool_completes_before_exit() {
    let marker = std::env::temp_dir().join(format!("cf-div-exit-{}", std::process::id()));
    let _ = std::fs::remove_file(&marker);
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "div_exit_child_main",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, &marker)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "written");
    std::fs::remove_file(&marker).unwrap();
}

/// Counts live instances, to see when a closure's captures are released.
struct Token(Arc<AtomicUsize>);
impl Drop for Token {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// DIV-CLOSURE-1
#[test]
fn div_closure_called_once_and_captures_released() {
    let p = pool(1);
    let dropped = Arc::new(AtomicUsize::new(0));
    let t = Token(dropped.clone());
    let f = p.submit(move || {
        let _keep = &t;
        7
    });
    assert_eq!(f.unwrap().result(None).unwrap(), 7);
    p.submit(|| ()).unwrap().result(None).unwrap();
    assert_eq!(dropped.load(Ordering::SeqCst), 1, "released after running");
    // Dropped unrun when the pool cancels it.
    let (started, gate) = (Latch::new(), Gate::new());
    let _b = blocked(&p, &started, &gate, ());
    started.wait_for(1);
    let t2 = Token(dropped.clone());
    let g = p.submit(move || drop(t2)).unwrap();
    p.shutdown(false, true).unwrap();
    assert_eq!(g.state(), State::CancelledAndNotified);
    assert_eq!(dropped.load(Ordering::SeqCst), 2, "released unrun");
    gate.open();
}

/// DIV-RETURNWHEN-1
#[test]
fn div_returnwhen_every_variant_is_a_valid_condition() {
    let f: Future<i32> = Future::new();
    f.set_result(1).unwrap();
    for rw in [
        ReturnWhen::FirstCompleted,
        ReturnWhen::FirstException,
        ReturnWhen::AllCompleted,
    ] {
        let expected_done = match rw {
            ReturnWhen::FirstCompleted | ReturnWhen::FirstException | ReturnWhen::AllCompleted => 1,
        };
        assert_eq!(wait([&f], None, rw).done.len(), expected_done);
    }
}

/// DIV-CLONE-1
#[test]
fn div_clone_result_clones_the_stored_value() {
    let f = Future::new();
    f.set_result(vec![1, 2, 3]).unwrap();
    let a = f.result(None).unwrap();
    let b = f.result(None).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.as_ptr(), b.as_ptr(), "each call returns its own clone");
}

/// DIV-TIMEOUT-1
#[test]
fn div_timeout_zero_checks_and_huge_behaves_as_none() {
    let f: Future<i32> = Future::new();
    let t = Instant::now();
    assert!(matches!(
        f.result(Some(Duration::ZERO)),
        Err(Error::Timeout(None))
    ));
    assert!(t.elapsed() < Duration::from_secs(5));
    let g = f.clone();
    let setter = std::thread::spawn(move || g.set_result(3).unwrap());
    let r = within_watchdog("a huge timeout", move || f.result(Some(Duration::MAX)));
    assert_eq!(r.unwrap(), 3);
    setter.join().unwrap();
}

/// DIV-ASCORDER-1
#[test]
fn div_ascorder_done_futures_in_input_order() {
    let fs: Vec<Future<usize>> = (0..6).map(|_| Future::new()).collect();
    for i in [5, 2, 4, 0, 3, 1] {
        fs[i].set_result(i).unwrap();
    }
    let got: Vec<usize> = as_completed(&fs, None)
        .map(|f| f.unwrap().result(None).unwrap())
        .collect();
    assert_eq!(got, [0, 1, 2, 3, 4, 5]);
}

/// DIV-CHUNK-1
#[test]
fn div_chunk_thread_pool_validates_chunksize() {
    let p = pool(1);
    assert!(matches!(
        p.map_with(|x: i32| x, 0..3, MapOptions::new().chunksize(0)),
        Err(Error::InvalidArgument(_))
    ));
    let threads = Log::new();
    let t = threads.clone();
    let n = p
        .map_with(
            move |x: i32| t.push(x),
            0..4,
            MapOptions::new().chunksize(4),
        )
        .unwrap()
        .count();
    assert_eq!(n, 4);
    assert_eq!(threads.items(), [0, 1, 2, 3]);
}

/// DIV-CHUNK-2
#[test]
fn div_chunk_failing_chunk_yields_earlier_items_first() {
    let p = pool(1);
    let got: Vec<Result<i32, Error>> = p
        .map_with(
            |x: i32| if x == 2 { panic!("two") } else { x },
            0..3,
            MapOptions::new().chunksize(3),
        )
        .unwrap()
        .collect();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].as_ref().unwrap(), &0);
    assert_eq!(got[1].as_ref().unwrap(), &1);
    assert!(matches!(got[2], Err(Error::Exception(_))));
}

/// DIV-MAPSHUT-1
#[test]
fn div_mapshut_buffered_map_never_ends_silently() {
    let p = pool(1);
    let mut it = p
        .map_with(|x: usize| x, 0..5, MapOptions::new().buffersize(1))
        .unwrap();
    assert_eq!(it.next().unwrap().unwrap(), 0);
    p.shutdown(true, false).unwrap();
    let rest: Vec<Result<usize, Error>> = it.collect();
    assert!(
        matches!(rest.last(), Some(Err(Error::Shutdown))),
        "input remained, so the iteration must end with the shutdown error"
    );
}

/// DIV-NOTIFY-1
#[test]
fn div_notify_drained_futures_release_wait_and_as_completed() {
    let p = pool(1);
    let (started, gate) = (Latch::new(), Gate::new());
    let running = blocked(&p, &started, &gate, 0);
    started.wait_for(1);
    let queued: Vec<_> = (1..4).map(|i| p.submit(move || i).unwrap()).collect();
    let (q1, q2) = (queued.clone(), queued.clone());
    let waiter = std::thread::spawn(move || wait(&q1, None, ReturnWhen::AllCompleted).done.len());
    let asc = std::thread::spawn(move || as_completed(&q2, None).filter(Result::is_ok).count());
    p.shutdown(false, true).unwrap();
    let (w, a) = within_watchdog("wait/as_completed on drained futures", move || {
        (waiter.join().unwrap(), asc.join().unwrap())
    });
    assert_eq!((w, a), (3, 3));
    gate.open();
    assert_eq!(running.result(None).unwrap(), 0);
}

/// DIV-WAITRACE-1
#[test]
fn div_waitrace_allcompleted_counts_every_concurrent_completion() {
    for round in 0..50 {
        let fs: Vec<Future<usize>> = (0..64).map(|_| Future::new()).collect();
        let barrier = Arc::new(Barrier::new(5));
        let completers: Vec<_> = (0..4)
            .map(|t| {
                let (fs, b) = (fs.clone(), barrier.clone());
                std::thread::spawn(move || {
                    b.wait();
                    for f in fs.iter().skip(t).step_by(4) {
                        if t == 3 {
                            f.cancel();
                            f.set_running_or_notify_cancel().unwrap();
                        } else {
                            f.set_result(t).unwrap();
                        }
                    }
                })
            })
            .collect();
        let (fs2, b) = (fs.clone(), barrier.clone());
        let r = within_watchdog("wait under contention", move || {
            b.wait();
            wait(&fs2, None, ReturnWhen::AllCompleted)
        });
        for c in completers {
            c.join().unwrap();
        }
        assert_eq!(r.done.len(), 64, "round {round}");
    }
}

/// DIV-WAITRACE-2
#[test]
fn div_waitrace_already_done_never_waits_for_the_timeout() {
    let fs: Vec<Future<i32>> = (0..3).map(|_| Future::new()).collect();
    for f in &fs {
        f.set_result(1).unwrap();
    }
    let t = Instant::now();
    let r = wait(&fs, Some(Duration::from_secs(30)), ReturnWhen::AllCompleted);
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "returned without the timeout"
    );
    assert_eq!(r.done.len(), 3);
}

/// DIV-WAITRACE-3
#[test]
fn div_waitrace_no_waiter_on_already_done_futures() {
    let done: Future<i32> = Future::new();
    done.set_result(1).unwrap();
    let pending: Future<i32> = Future::new();
    let mut it = as_completed([&done, &pending], None);
    assert!(it.next().unwrap().is_ok());
    assert_eq!(done.waiters_installed(), 0, "no waiter on the done future");
    assert_eq!(pending.waiters_installed(), 1);
    pending.set_result(2).unwrap();
    assert!(it.next().unwrap().is_ok());
    assert!(it.next().is_none());
    assert_eq!(pending.waiters_installed(), 0);
}

/// DIV-IDLE-1
#[test]
fn div_idle_exact_count_after_saturation() {
    // Saturate a 2-worker pool, let it drain, then demand two concurrent tasks
    // again: no stale idle token may leave one of them waiting.
    let p = pool(2);
    let (started, gate) = (Latch::new(), Gate::new());
    let fs: Vec<_> = (0..10).map(|i| blocked(&p, &started, &gate, i)).collect();
    started.wait_for(2);
    gate.open();
    for f in fs {
        f.result(None).unwrap();
    }
    for _ in 0..20 {
        run_all_at_once(&p, 2);
    }
    assert_eq!(p.threads_started(), 2);
}

/// DIV-SHUTRACE-1
#[test]
fn div_shutrace_submit_racing_shutdown_runs_or_is_rejected() {
    for _ in 0..50 {
        let p = pool(2);
        let barrier = Arc::new(Barrier::new(2));
        let (q, b) = (p.clone(), barrier.clone());
        let submitter = std::thread::spawn(move || {
            b.wait();
            (0..50).map(|i| q.submit(move || i)).collect::<Vec<_>>()
        });
        barrier.wait();
        p.shutdown(true, false).unwrap();
        let started_after = p.threads_started();
        let results = submitter.join().unwrap();
        for r in results {
            match r {
                Ok(f) => assert!(f.result(Some(WATCHDOG)).is_ok(), "accepted work completes"),
                Err(e) => assert!(matches!(e, Error::Shutdown)),
            }
        }
        assert_eq!(
            p.threads_started(),
            started_after,
            "no thread after shutdown returned"
        );
    }
}

/// DIV-REENTRANT-1
#[test]
fn div_reentrant_callbacks_may_call_back_into_the_pool() {
    let p = pool(1);
    let (started, gate) = (Latch::new(), Gate::new());
    let _running = blocked(&p, &started, &gate, ());
    started.wait_for(1);
    let queued = p.submit(|| ()).unwrap();
    let results: Log<bool> = Log::new();
    let (q, r) = (p.clone(), results.clone());
    queued.add_done_callback(move |_| {
        // Run by the drain in shutdown(cancel_futures): submit is refused, not deadlocked.
        r.push(matches!(q.submit(|| ()), Err(Error::Shutdown)));
        r.push(q.shutdown(false, false).is_ok());
    });
    let q = p.clone();
    within_watchdog("drain running a re-entrant callback", move || {
        q.shutdown(false, true)
    })
    .unwrap();
    assert_eq!(results.items(), [true, true]);
    gate.open();
    // A callback run on a worker submitting to its own pool.
    let p = pool(1);
    let (tx, rx) = std::sync::mpsc::channel();
    let q = p.clone();
    let f = p.submit(|| 1).unwrap();
    f.add_done_callback(move |_| {
        let g = q.submit(|| 2).unwrap();
        tx.send(g).unwrap();
    });
    let g = rx.recv_timeout(WATCHDOG).expect("callback ran");
    assert_eq!(g.result(Some(WATCHDOG)).unwrap(), 2);
}

/// DIV-SYSEXIT-1
#[test]
fn div_sysexit_any_panic_payload_in_a_callback_keeps_the_worker() {
    let p = pool(1);
    let f = p.submit(|| ()).unwrap();
    f.add_done_callback(|_| std::panic::panic_any(42u64)); // not a string payload
    f.result(None).unwrap();
    let (started, gate) = (Latch::new(), Gate::new());
    let g = blocked(&p, &started, &gate, 5);
    g.add_done_callback(|_| std::panic::panic_any(Box::new(7i8)));
    gate.open();
    assert_eq!(g.result(None).unwrap(), 5);
    assert_eq!(p.submit(|| 6).unwrap().result(Some(WATCHDOG)).unwrap(), 6);
    assert_eq!(p.threads_started(), 1);
}

/// DIV-INITCANCEL-1
#[test]
fn div_initcancel_cancelled_queued_future_does_not_strand_the_rest() {
    let gate = Gate::new();
    let p = failing_init_pool(&gate, false);
    let fs: Vec<Future<i32>> = (0..3).map(|i| p.submit(move || i).unwrap()).collect();
    fs[0].cancel();
    gate.open();
    let fs2 = fs.clone();
    let r = within_watchdog("every queued future settles", move || {
        wait(&fs2, None, ReturnWhen::AllCompleted)
    });
    assert_eq!(r.done.len(), 3);
    assert_eq!(fs[0].state(), State::CancelledAndNotified);
    for f in &fs[1..] {
        assert_eq!(
            f.exception(None).unwrap().unwrap().kind(),
            ExceptionKind::BrokenExecutor
        );
    }
}

/// DIV-CBORDER-1, CB-ORDER-1
#[test]
fn div_cborder_callback_added_during_delivery_runs_after_earlier_ones() {
    let f: Future<i32> = Future::new();
    let log: Log<(i32, String)> = Log::new();
    let (started, gate) = (Latch::new(), Gate::new());
    let (l, s, g) = (log.clone(), started.clone(), gate.clone());
    f.add_done_callback(move |_| {
        s.arrive();
        g.wait();
        l.push((0, std::thread::current().name().unwrap_or("").to_string()));
    });
    let g = f.clone();
    let completer = std::thread::Builder::new()
        .name("completer".into())
        .spawn(move || g.set_result(1).unwrap())
        .unwrap();
    started.wait_for(1); // the completing thread is inside callback 0
    let l = log.clone();
    f.add_done_callback(move |_| {
        l.push((1, std::thread::current().name().unwrap_or("").to_string()));
    });
    assert!(
        log.items().is_empty(),
        "queued, not run ahead of callback 0"
    );
    gate.open();
    completer.join().unwrap();
    assert_eq!(
        log.items(),
        [(0, "completer".to_string()), (1, "completer".to_string())]
    );
    // Once delivery is over, a new callback runs at once in the caller (CB-ADD-2).
    let l = log.clone();
    f.add_done_callback(move |_| l.push((2, "caller".to_string())));
    assert_eq!(log.items().len(), 3);
}

/// DIV-PREFETCH-1: work queued behind busy workers stays PENDING, however
/// much of it there is, and every piece of it can be cancelled until a
/// worker takes it.
#[test]
fn div_prefetch_queued_work_stays_pending_and_cancellable() {
    let p = pool(1);
    let (started, gate) = (Latch::new(), Gate::new());
    let busy = blocked(&p, &started, &gate, 0);
    started.wait_for(1);
    let queued: Vec<_> = (1..=4).map(|i| p.submit(move || i).unwrap()).collect();
    for f in &queued {
        assert_eq!(f.state(), State::Pending);
        assert!(!f.running());
    }
    assert!(queued.iter().all(Future::cancel));
    gate.open();
    assert_eq!(busy.result(None).unwrap(), 0);
    p.shutdown(true, false).unwrap();
    for f in &queued {
        assert_eq!(f.state(), State::CancelledAndNotified);
    }
}
