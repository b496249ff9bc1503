//! loom models of ThreadPoolExecutor: submit racing shutdown, a failing
//! initializer, idle-worker reuse (issue items 6–8). The pool's worker
//! threads are loom threads; every model ends with `shutdown(wait=true)` so
//! that all of them finish inside the model.
#![cfg(loom)]

use concurrent_futures::{
    Error, ExceptionKind, Executor, Future, ModelTimeouts, State, ThreadPoolExecutor,
    set_model_timeouts,
};
use concurrent_futures_models::{loom_model, pool};
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;

/// Model 6a: `submit` racing `shutdown(wait=true)`: each submission is either
/// refused with the shutdown error or its future reaches a terminal state;
/// after `shutdown(wait=true)` returns every accepted future is done.
/// Clauses: SHUT-REJECT-1, SHUT-WAIT-1, DIV-SHUTRACE-1.
#[test]
fn loom_submit_races_shutdown() {
    set_model_timeouts(ModelTimeouts::Never);
    loom_model(
        "submit_races_shutdown",
        "SHUT-REJECT-1 SHUT-WAIT-1 DIV-SHUTRACE-1",
        || {
            let p = pool(1);
            let q = p.clone();
            let submitter = thread::spawn(move || q.submit(|| 7));
            p.shutdown(true, false).unwrap();
            match submitter.join().unwrap() {
                Ok(f) => {
                    // Accepted means queued before shutdown was marked, so the
                    // shutdown(wait=true) that has returned waited for it.
                    assert!(f.done(), "accepted work not done after shutdown(wait=true)");
                    assert_eq!(f.result(None).unwrap(), 7);
                }
                Err(e) => assert!(matches!(e, Error::Shutdown)),
            }
            p.shutdown(true, false).unwrap();
        },
    );
}

/// Model 6b: `shutdown(cancel_futures)` racing the worker: a queued future
/// is either run or cancelled AND notified — exactly one — and a racing
/// concurrent `shutdown` plus Drop are safe.
/// Clauses: SHUT-CANCEL-1, SHUT-CANCEL-2, SHUT-CONCURRENT-1, DIV-NOTIFY-1.
#[test]
fn loom_cancel_futures_races_worker() {
    set_model_timeouts(ModelTimeouts::Never);
    loom_model(
        "cancel_futures_races_worker",
        "SHUT-CANCEL-1 SHUT-CONCURRENT-1 DIV-NOTIFY-1",
        || {
            let p = pool(1);
            let ran = Arc::new(AtomicUsize::new(0));
            let r = ran.clone();
            let f = p
                .submit(move || {
                    r.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
            let q = p.clone();
            let other = thread::spawn(move || q.shutdown(false, true).unwrap());
            p.shutdown(true, false).unwrap();
            other.join().unwrap();
            drop(p);
            match f.state() {
                State::Finished => assert_eq!(ran.load(Ordering::SeqCst), 1),
                State::CancelledAndNotified => assert_eq!(ran.load(Ordering::SeqCst), 0),
                s => panic!("future left {s}"),
            }
        },
    );
}

/// Model 7: a failing initializer racing a submission and a cancellation:
/// no future is left PENDING, a cancelled one ends CANCELLED_AND_NOTIFIED,
/// the others fail with the broken-pool exception or are refused.
/// Clauses: POOL-BROKEN-1, POOL-BROKEN-2, DIV-INITCANCEL-1.
#[test]
fn loom_failing_initializer() {
    set_model_timeouts(ModelTimeouts::Never);
    loom_model(
        "failing_initializer",
        "POOL-BROKEN-1 POOL-BROKEN-2 DIV-INITCANCEL-1",
        || {
            let p = ThreadPoolExecutor::builder()
                .max_workers(1)
                .initializer(|| Err("no".into()))
                .build()
                .unwrap();
            let first = p.submit(|| 1).unwrap();
            let canceller = {
                let f = first.clone();
                thread::spawn(move || f.cancel())
            };
            let second = p.submit(|| 2);
            canceller.join().unwrap();
            p.shutdown(true, false).unwrap();
            let settled = |f: &Future<i32>| match f.state() {
                State::CancelledAndNotified => true,
                State::Finished => {
                    f.exception(None).unwrap().unwrap().kind() == ExceptionKind::BrokenExecutor
                }
                _ => false,
            };
            assert!(settled(&first), "first left {}", first.state());
            match second {
                Ok(f) => assert!(settled(&f), "second left {}", f.state()),
                Err(e) => assert!(matches!(e, Error::BrokenExecutor(_))),
            }
        },
    );
}

/// Submits two tasks that need each other (A waits for B's signal) and waits
/// for both: they finish only if the pool runs them on two workers at once.
fn run_pair_needing_two_workers(p: &ThreadPoolExecutor) {
    let b_started = Signal::default();
    let s = b_started.clone();
    let a = p.submit(move || s.wait()).unwrap();
    let s = b_started.clone();
    let b = p.submit(move || s.set()).unwrap();
    a.result(None).unwrap();
    b.result(None).unwrap();
}

/// A one-shot signal between tasks (loom primitives).
#[derive(Clone, Default)]
struct Signal(Arc<(Mutex<bool>, Condvar)>);
impl Signal {
    fn set(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }
    fn wait(&self) {
        let mut g = self.0.0.lock().unwrap();
        while !*g {
            g = self.0.1.wait(g).unwrap();
        }
    }
}

/// Model 8: idle-worker accounting never leaves queued work without a
/// worker: two tasks that need each other (A waits for B's signal) both
/// finish on a two-worker pool, after earlier work left an idle worker
/// behind; and never more than `max_workers` threads start.
/// Clauses: POOL-REUSE-1, POOL-REUSE-2, POOL-MAX-1, DIV-IDLE-1.
#[test]
fn loom_idle_reuse_never_strands_work() {
    set_model_timeouts(ModelTimeouts::Never);
    loom_model(
        "idle_reuse_never_strands_work",
        "POOL-REUSE-2 POOL-MAX-1 DIV-IDLE-1",
        || {
            let p = pool(2);
            p.submit(|| ()).unwrap().result(None).unwrap(); // an idle worker now exists
            run_pair_needing_two_workers(&p);
            assert!(p.threads_started() <= 2);
            p.shutdown(true, false).unwrap();
        },
    );
}

/// Model 8b: the same two tasks on a warm pool, where both workers have
/// already run work: one may be spinning before it sleeps and the other
/// asleep. The spinner takes at most one item, so the second item must
/// wake the sleeper (otherwise B waits behind A, which waits for B).
/// Clauses: POOL-REUSE-2, DIV-IDLE-1.
#[test]
fn loom_warm_pool_wakes_sleeper_past_spinner() {
    set_model_timeouts(ModelTimeouts::Never);
    loom_model(
        "warm_pool_wakes_sleeper_past_spinner",
        "POOL-REUSE-2 DIV-IDLE-1",
        || {
            let p = pool(2);
            // Two tasks that need each other start both workers.
            run_pair_needing_two_workers(&p);
            assert_eq!(p.threads_started(), 2);
            run_pair_needing_two_workers(&p);
            assert_eq!(p.threads_started(), 2);
            p.shutdown(true, false).unwrap();
        },
    );
}

/// Model 9 (the inbox/outbox queue): three submits on a one-worker pool
/// start in submission order whichever batches the worker swaps from the
/// inbox into the outbox, including an item submitted while older ones wait
/// in the outbox.
/// Clauses: EXE-SUBMIT-3, POOL-MAX-1.
#[test]
fn loom_queue_keeps_fifo_across_swaps() {
    set_model_timeouts(ModelTimeouts::Never);
    loom_model("queue_keeps_fifo_across_swaps", "EXE-SUBMIT-3", || {
        let p = pool(1);
        let log = Arc::new(Mutex::new(Vec::new()));
        for i in 0..3 {
            let log = log.clone();
            p.submit(move || log.lock().unwrap().push(i)).unwrap();
        }
        p.shutdown(true, false).unwrap();
        assert_eq!(
            *log.lock().unwrap(),
            [0, 1, 2],
            "started out of submission order"
        );
    });
}

/// Model 10 (the inbox/outbox queue): a submitter racing
/// `shutdown(cancel_futures)` while the only worker is held in an earlier
/// task: when the shutdown returns, every other accepted item — in the inbox
/// or already swapped into the outbox — is CANCELLED_AND_NOTIFIED (none left
/// PENDING, none lost), and after the worker is released each future is
/// done: run once or cancelled and never run.
/// Clauses: SHUT-CANCEL-1, SHUT-REJECT-1, SHUT-CONCURRENT-1.
#[test]
fn loom_cancel_futures_drains_inbox_and_outbox() {
    set_model_timeouts(ModelTimeouts::Never);
    loom_model(
        "cancel_futures_drains_inbox_and_outbox",
        "SHUT-CANCEL-1 SHUT-REJECT-1",
        || {
            let p = pool(1);
            let gate = Signal::default();
            let g = gate.clone();
            let held = p.submit(move || g.wait()).unwrap();
            let runs = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
            let q = p.clone();
            let r = runs.clone();
            let submitter = thread::spawn(move || {
                (0..2)
                    .map(|k| {
                        let r = r.clone();
                        q.submit(move || {
                            r[k].fetch_add(1, Ordering::SeqCst);
                        })
                    })
                    .collect::<Vec<_>>()
            });
            p.shutdown(false, true).unwrap();
            let later = submitter.join().unwrap();
            for (k, f) in later.iter().enumerate() {
                match f {
                    Ok(f) => assert_eq!(
                        f.state(),
                        State::CancelledAndNotified,
                        "item {k} accepted before shutdown(cancel_futures) left queued"
                    ),
                    Err(e) => assert!(matches!(e, Error::Shutdown)),
                }
            }
            gate.set();
            p.shutdown(true, false).unwrap();
            assert!(held.done());
            for (k, f) in later.into_iter().enumerate() {
                if let Ok(f) = f {
                    assert_eq!(f.state(), State::CancelledAndNotified);
                    assert_eq!(runs[k].load(Ordering::SeqCst), 0, "cancelled item {k} ran");
                }
            }
        },
    );
}
