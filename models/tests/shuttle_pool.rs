//! shuttle models: scenarios too large for loom (8+ threads, dozens of
//! tasks), explored with shuttle's random and PCT schedulers. A failure
//! prints a schedule; `shuttle::replay(test_body, "<schedule>")` reproduces it.
#![cfg(shuttle)]

use concurrent_futures::{
    Error, Executor, Future, MapOptions, ModelTimeouts, State, as_completed, set_model_timeouts,
};
use concurrent_futures_models::{pool, shuttle_model};
use shuttle::sync::atomic::{AtomicUsize, Ordering};
use shuttle::thread;
use std::sync::Arc;

/// A shutdown storm: four threads submit five tasks each while two threads
/// shut the pool down (one with cancel_futures, one waiting) and the last
/// handle is dropped. Every submission is refused with the shutdown error or
/// its future ends FINISHED (ran exactly once) or CANCELLED_AND_NOTIFIED
/// (never ran); nothing is left pending.
/// Clauses: SHUT-CONCURRENT-1, SHUT-CANCEL-1, SHUT-REJECT-1, SHUT-DROP-1, DIV-SHUTRACE-1, DIV-NOTIFY-1.
#[test]
fn shuttle_shutdown_storm() {
    set_model_timeouts(ModelTimeouts::Never);
    shuttle_model(
        "shutdown_storm",
        "SHUT-CONCURRENT-1 SHUT-CANCEL-1 DIV-SHUTRACE-1",
        || {
            let p = pool(4);
            let runs: Arc<Vec<AtomicUsize>> =
                Arc::new((0..20).map(|_| AtomicUsize::new(0)).collect());
            let submitters: Vec<_> = (0..4)
                .map(|t| {
                    let (p, runs) = (p.clone(), runs.clone());
                    thread::spawn(move || {
                        (0..5)
                            .map(|i| {
                                let (runs, k) = (runs.clone(), t * 5 + i);
                                (k, p.submit(move || runs[k].fetch_add(1, Ordering::SeqCst)))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let q = p.clone();
            let canceller = thread::spawn(move || q.shutdown(false, true).unwrap());
            let q = p.clone();
            let waiter = thread::spawn(move || q.shutdown(true, false).unwrap());
            let results: Vec<_> = submitters
                .into_iter()
                .flat_map(|s| s.join().unwrap())
                .collect();
            canceller.join().unwrap();
            waiter.join().unwrap();
            drop(p); // the last handle: waits for everything accepted
            for (k, r) in results {
                let ran = runs[k].load(Ordering::SeqCst);
                match r {
                    Err(e) => {
                        assert!(matches!(e, Error::Shutdown), "{e:?}");
                        assert_eq!(ran, 0);
                    }
                    Ok(f) => match f.state() {
                        State::Finished => assert_eq!(ran, 1, "task {k}"),
                        State::CancelledAndNotified => assert_eq!(ran, 0, "task {k}"),
                        s => panic!("task {k} left {s}"),
                    },
                }
            }
        },
    );
}

/// `map` with `buffersize` on a one-worker pool, the iterator dropped
/// mid-way while item 4 runs (held until after the drop): the values yielded
/// are the first ones in input order, at most buffersize + 1 items are taken
/// beyond those yielded, no item runs twice, and item 5 — taken but not yet
/// started — is cancelled by the drop and never runs.
/// Clauses: MAP-BUFFER-1, MAP-BUFFER-2, MAP-DROP-1, MAP-ORDER-1.
#[test]
fn shuttle_map_buffer_dropped_midway() {
    set_model_timeouts(ModelTimeouts::Never);
    shuttle_model(
        "map_buffer_dropped_midway",
        "MAP-BUFFER-2 MAP-DROP-1 MAP-ORDER-1",
        || {
            let p = pool(1);
            let runs: Arc<Vec<AtomicUsize>> =
                Arc::new((0..12).map(|_| AtomicUsize::new(0)).collect());
            let taken = Arc::new(AtomicUsize::new(0));
            let released = Arc::new(AtomicUsize::new(0));
            let (r, t, rel) = (runs.clone(), taken.clone(), released.clone());
            let input = (0..12usize).inspect(move |_| {
                t.fetch_add(1, Ordering::SeqCst);
            });
            {
                let mut it = p
                    .map_with(
                        move |x: usize| {
                            r[x].fetch_add(1, Ordering::SeqCst);
                            if x == 4 {
                                while rel.load(Ordering::SeqCst) == 0 {
                                    thread::yield_now();
                                }
                            }
                            x * 10
                        },
                        input,
                        MapOptions::new().buffersize(2),
                    )
                    .unwrap();
                for k in 0..4 {
                    assert_eq!(it.next().unwrap().unwrap(), k * 10);
                }
                assert_eq!(taken.load(Ordering::SeqCst), 6, "n + k items taken");
                // Drop only once item 4 holds the single worker, so that item 5
                // is certainly still queued (not yet started) at the drop.
                while runs[4].load(Ordering::SeqCst) == 0 {
                    thread::yield_now();
                }
            } // dropped mid-way: cancels what was not yielded
            released.store(1, Ordering::SeqCst);
            p.shutdown(true, false).unwrap();
            for (x, run) in runs.iter().enumerate() {
                let ran = run.load(Ordering::SeqCst);
                assert!(ran <= 1, "item {x} ran {ran} times");
                if x < 4 {
                    assert_eq!(ran, 1);
                }
                if x >= 5 {
                    assert_eq!(ran, 0, "item {x} ran although the drop cancelled it");
                }
            }
        },
    );
}

/// `as_completed` over many futures completed and cancelled concurrently by
/// four threads: each future is yielded exactly once, cancelled ones only
/// once acknowledged, and no waiter is left behind.
/// Clauses: ASC-ONCE-1, ASC-CANCELLED-1, ASC-DROP-1, DIV-WAITRACE-3.
#[test]
fn shuttle_as_completed_many() {
    set_model_timeouts(ModelTimeouts::Never);
    shuttle_model(
        "as_completed_many",
        "ASC-ONCE-1 ASC-CANCELLED-1 DIV-WAITRACE-3",
        || {
            let fs: Vec<Future<usize>> = (0..12).map(|_| Future::new()).collect();
            let completers: Vec<_> = (0..4)
                .map(|t| {
                    let fs = fs.clone();
                    thread::spawn(move || {
                        for (i, f) in fs.iter().enumerate().skip(t).step_by(4) {
                            if i % 3 == 0 {
                                f.cancel();
                                f.set_running_or_notify_cancel().unwrap();
                            } else {
                                f.set_result(i).unwrap();
                            }
                        }
                    })
                })
                .collect();
            let mut seen: Vec<usize> = as_completed(&fs, None)
                .map(|f| {
                    let f = f.unwrap();
                    assert!(f.state().is_done_for_waiters());
                    fs.iter().position(|g| *g == f).unwrap()
                })
                .collect();
            for c in completers {
                c.join().unwrap();
            }
            seen.sort();
            assert_eq!(seen, (0..12).collect::<Vec<_>>());
            assert!(fs.iter().all(|f| f.waiters_installed() == 0));
        },
    );
}

/// Silences the panics this file raises on purpose (a `Bomb` payload, the
/// panic of its `Drop`) and the core's reports of them, keeping every other
/// panic report, shuttle's failing schedule included. Called inside the
/// model, once shuttle's own panic hook is installed, so that it wraps it.
fn quiet_bombs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        concurrent_futures::diagnostics::set_handler(
            concurrent_futures::diagnostics::Handler::Ignore,
        );
        let inner = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let p = info.payload();
            let expected = p.is::<Bomb>() || p.downcast_ref::<&str>() == Some(&"model bomb");
            if !expected {
                inner(info);
            }
        }));
    });
}

/// A value whose `Drop` panics (issue 12): user code the core must contain.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("model bomb");
    }
}

/// Three workers, two submitters. Each submits a task that waits until its
/// done-callback is registered; the callback, run on the worker, submits
/// another task to the same pool and waits for its result, so it needs a
/// worker that is not running callbacks (a third thread when both callbacks
/// run at once). Then tasks that panic with a payload whose `Drop` panics.
/// Every future ends FINISHED, no worker dies, at most three threads start,
/// and nothing deadlocks in any explored schedule.
/// Clauses: POOL-CBIDLE-1, POOL-DROPPANIC-1, POOL-MAX-1.
#[test]
fn shuttle_callbacks_that_need_a_worker() {
    set_model_timeouts(ModelTimeouts::Never);
    shuttle_model(
        "callbacks_that_need_a_worker",
        "POOL-CBIDLE-1 POOL-DROPPANIC-1 POOL-MAX-1",
        || {
            quiet_bombs();
            let p = pool(3);
            let inner_results = Arc::new(AtomicUsize::new(0));
            let submitters: Vec<_> = (0..2)
                .map(|t| {
                    let (p, inner_results) = (p.clone(), inner_results.clone());
                    thread::spawn(move || {
                        let registered: Future<()> = Future::new();
                        let r = registered.clone();
                        let f = p.submit(move || r.result(None).map(|()| t)).unwrap();
                        let (q, called) = (p.clone(), Future::new());
                        let c = called.clone();
                        f.add_done_callback(move |_| {
                            let g = q.submit(|| 10).unwrap();
                            assert_eq!(g.result(None).unwrap(), 10);
                            inner_results.fetch_add(1, Ordering::SeqCst);
                            c.set_result(()).unwrap();
                        });
                        registered.set_result(()).unwrap();
                        (f, called)
                    })
                })
                .collect();
            for s in submitters {
                let (f, called) = s.join().unwrap();
                assert!(f.result(None).unwrap().is_ok());
                called.result(None).unwrap();
            }
            assert_eq!(inner_results.load(Ordering::SeqCst), 2);
            let bombs: Vec<_> = (0..2)
                .map(|_| p.submit(|| -> u8 { std::panic::panic_any(Bomb) }).unwrap())
                .collect();
            for b in bombs {
                assert!(b.exception(None).unwrap().is_some());
            }
            assert_eq!(p.submit(|| 3).unwrap().result(None).unwrap(), 3);
            assert!(p.threads_started() <= 3);
            p.shutdown(true, false).unwrap();
        },
    );
}

/// The inbox/outbox queue under many interleavings: two threads submit six
/// tasks each to a one-worker pool while a third shuts it down with
/// cancel_futures. Each submitter's tasks that ran started in its submission
/// order, and the ones that ran are a prefix of its accepted tasks (nothing
/// queued after a cancelled task ran); every accepted task ran once or was
/// cancelled and never ran; none is lost or left pending.
/// Clauses: EXE-SUBMIT-3, SHUT-CANCEL-1, SHUT-REJECT-1, SHUT-CONCURRENT-1.
#[test]
fn shuttle_queue_fifo_under_cancel_futures() {
    set_model_timeouts(ModelTimeouts::Never);
    shuttle_model(
        "queue_fifo_under_cancel_futures",
        "EXE-SUBMIT-3 SHUT-CANCEL-1 SHUT-REJECT-1",
        || {
            let p = pool(1);
            let log = Arc::new(shuttle::sync::Mutex::new(Vec::new()));
            let submitters: Vec<_> = (0..2)
                .map(|t| {
                    let (p, log) = (p.clone(), log.clone());
                    thread::spawn(move || {
                        (0..6)
                            .map(|i| {
                                let log = log.clone();
                                p.submit(move || log.lock().unwrap().push((t, i)))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let q = p.clone();
            let canceller = thread::spawn(move || q.shutdown(false, true).unwrap());
            let results: Vec<_> = submitters.into_iter().map(|s| s.join().unwrap()).collect();
            canceller.join().unwrap();
            p.shutdown(true, false).unwrap();
            let log = log.lock().unwrap().clone();
            for (t, fs) in results.iter().enumerate() {
                let ran: Vec<usize> = log.iter().filter(|e| e.0 == t).map(|e| e.1).collect();
                let mut expected_ran = Vec::new();
                let mut cancelled_seen = false;
                for (i, f) in fs.iter().enumerate() {
                    match f {
                        Err(e) => assert!(matches!(e, Error::Shutdown), "{e:?}"),
                        Ok(f) => match f.state() {
                            State::Finished => {
                                assert!(
                                    !cancelled_seen,
                                    "submitter {t}: task {i} ran after a cancelled one"
                                );
                                expected_ran.push(i);
                            }
                            State::CancelledAndNotified => cancelled_seen = true,
                            s => panic!("submitter {t}: task {i} left {s}"),
                        },
                    }
                }
                assert_eq!(
                    ran, expected_ran,
                    "submitter {t}: started out of order or not exactly once"
                );
            }
        },
    );
}

/// A count-down latch of tasks that must all be running at once.
#[derive(Clone)]
struct Latch(Arc<(shuttle::sync::Mutex<usize>, shuttle::sync::Condvar)>);

impl Latch {
    fn new(n: usize) -> Latch {
        Latch(Arc::new((
            shuttle::sync::Mutex::new(n),
            shuttle::sync::Condvar::new(),
        )))
    }
    fn arrive_and_wait(&self) {
        let mut left = self.0.0.lock().unwrap();
        *left -= 1;
        if *left == 0 {
            self.0.1.notify_all();
        }
        while *left > 0 {
            left = self.0.1.wait(left).unwrap();
        }
    }
}

/// Items already swapped into the outbox count as queued when a submit
/// decides whether to start a thread: on a four-worker pool with one idle
/// worker, two rounds of four tasks that can only finish together (a latch
/// of four) all finish, with at most four threads.
/// Clauses: POOL-REUSE-2, POOL-MAX-1.
#[test]
fn shuttle_outbox_counts_as_queued() {
    set_model_timeouts(ModelTimeouts::Never);
    shuttle_model("outbox_counts_as_queued", "POOL-REUSE-2 POOL-MAX-1", || {
        let p = pool(4);
        p.submit(|| ()).unwrap().result(None).unwrap(); // one idle worker
        for _ in 0..2 {
            let latch = Latch::new(4);
            let fs: Vec<_> = (0..4)
                .map(|_| {
                    let l = latch.clone();
                    p.submit(move || l.arrive_and_wait()).unwrap()
                })
                .collect();
            for f in &fs {
                f.result(None).unwrap();
            }
        }
        assert!(p.threads_started() <= 4);
        p.shutdown(true, false).unwrap();
    });
}
