//! No hang from user code (issue 12): panicking `Drop`s, callbacks that need
//! a worker, bad names, a failed thread start; and the CPython facts of
//! POOL-NAME-2, ASC-INPUT-1, DIV-TIMEOUT-1 and CB-CYCLE-1.
//!
//! Every test here runs its scenario under the watchdog: on the code before
//! the fixes these scenarios hung (a dead worker, a self-deadlock), and a
//! hang must be a failure, not a wedged run.

mod support;
use concurrent_futures::{
    Error, ExceptionKind, Executor, Future, ReturnWhen, State, ThreadPoolExecutor, WorkItem,
    as_completed, wait,
};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;
use support::*;

/// A value whose `Drop` panics: user code the core must contain.
#[derive(Debug)]
struct Bomb(&'static str);

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("{}", self.0);
    }
}

/// After a fault, a one-worker pool still runs work on the same thread, and
/// shuts down and drops without hanging.
fn still_usable(pool: ThreadPoolExecutor) {
    let next = pool.submit(|| 7).unwrap();
    assert_eq!(next.result(None).unwrap(), 7);
    assert_eq!(
        pool.threads_started(),
        1,
        "the worker died and was replaced"
    );
    pool.shutdown(true, false).unwrap();
    drop(pool);
}

/// POOL-DROPPANIC-1, DIV-DROPPANIC-1 (issue 12, item 1): a task panics with a payload whose
/// `Drop` panics too; the future still finishes with a Panic exception.
#[test]
fn pool_droppanic_1_panic_payload_whose_drop_panics() {
    within_watchdog("payload drop", || {
        let pool = pool(1);
        let f = pool
            .submit(|| -> u8 { std::panic::panic_any(Bomb("payload drop")) })
            .unwrap();
        let e = f.exception(None).unwrap().expect("an exception");
        assert_eq!(e.kind(), ExceptionKind::Panic);
        assert_eq!(f.state(), State::Finished);
        still_usable(pool);
    });
}

/// Submits, through `submit`, a task that first calls the given pause (it
/// waits until the test has dropped the future), so that the worker holds
/// the last handle when the outcome is stored; then checks the worker
/// survived.
fn unread(submit: impl FnOnce(&ThreadPoolExecutor, Box<dyn FnOnce() + Send>)) {
    let pool = pool(1);
    let (started, gate) = (Latch::new(), Gate::new());
    let (s, g) = (started.clone(), gate.clone());
    // `submit` drops the returned future at once: the worker's is the last.
    submit(
        &pool,
        Box::new(move || {
            s.arrive();
            g.wait();
        }),
    );
    started.wait_for(1);
    gate.open();
    still_usable(pool);
}

/// POOL-DROPPANIC-1 (issue 12, item 3): the task's return value has a
/// panicking `Drop` and no handle to its future is left, so the worker drops
/// it.
#[test]
fn pool_droppanic_1_unread_return_value_whose_drop_panics() {
    within_watchdog("unread value", || {
        unread(|pool, pause| {
            drop(pool.submit(move || {
                pause();
                Bomb("value drop")
            }));
        });
    });
}

/// An error whose `Drop` panics (it owns a [`Bomb`]).
#[derive(Debug)]
struct BombError(#[allow(dead_code)] Bomb);

impl std::fmt::Display for BombError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("bomb error")
    }
}

impl std::error::Error for BombError {}

/// POOL-DROPPANIC-1: the same for an error value returned by a fallible task.
#[test]
fn pool_droppanic_1_unread_error_whose_drop_panics() {
    within_watchdog("unread error", || {
        unread(|pool, pause| {
            drop(pool.submit_fallible(move || -> Result<u8, BombError> {
                pause();
                Err(BombError(Bomb("error drop")))
            }));
        });
    });
}

/// A one-worker pool whose worker is blocked in a first task until the gate
/// opens; the task returns 1.
fn one_busy_worker() -> (ThreadPoolExecutor, Gate, Future<i32>) {
    let pool = pool(1);
    let (started, gate) = (Latch::new(), Gate::new());
    let first = blocked(&pool, &started, &gate, 1);
    started.wait_for(1);
    (pool, gate, first)
}

/// POOL-DROPPANIC-1 (issue 12, item 4): a cancelled queued task whose closure
/// owns a value with a panicking `Drop`; the worker drops it when it skips
/// the task.
#[test]
fn pool_droppanic_1_cancelled_closure_dropped_by_the_worker() {
    within_watchdog("cancelled closure", || {
        let (pool, gate, first) = one_busy_worker();
        let bomb = Bomb("closure drop");
        let f = pool
            .submit(move || {
                let _keep = &bomb;
                2
            })
            .unwrap();
        assert!(f.cancel());
        gate.open();
        assert_eq!(first.result(None).unwrap(), 1);
        assert_eq!(wait([&f], None, ReturnWhen::AllCompleted).done.len(), 1);
        assert_eq!(f.state(), State::CancelledAndNotified);
        still_usable(pool);
    });
}

/// POOL-DROPPANIC-1: the same closure dropped by `shutdown(_, true)`'s drain
/// on the caller's thread: `shutdown` returns normally.
#[test]
fn pool_droppanic_1_closure_dropped_by_the_shutdown_drain() {
    within_watchdog("drained closure", || {
        let (pool, gate, first) = one_busy_worker();
        let bomb = Bomb("drained closure drop");
        let f = pool.submit(move || drop(bomb)).unwrap();
        let after = pool.submit(|| 3).unwrap();
        pool.shutdown(false, true).unwrap();
        assert_eq!(f.state(), State::CancelledAndNotified);
        assert_eq!(after.state(), State::CancelledAndNotified);
        gate.open();
        assert_eq!(first.result(None).unwrap(), 1);
        pool.shutdown(true, false).unwrap();
    });
}

/// CB-PANICDROP-1 (issue 12, item 2): on a worker, a callback panics with a
/// payload whose `Drop` panics; the later callbacks and a late
/// `add_done_callback` run, and the worker survives.
#[test]
fn cb_panicdrop_1_on_a_worker() {
    within_watchdog("callback payload on a worker", || {
        let pool = pool(1);
        let (started, gate) = (Latch::new(), Gate::new());
        let f = blocked(&pool, &started, &gate, 5);
        let log = Log::new();
        f.add_done_callback(|_| std::panic::panic_any(Bomb("callback payload drop")));
        let l = log.clone();
        f.add_done_callback(move |_| l.push("second"));
        gate.open();
        assert_eq!(f.result(None).unwrap(), 5);
        still_usable(pool);
        // The worker finished delivering: a late callback runs at once.
        let l = log.clone();
        f.add_done_callback(move |_| l.push("late"));
        assert_eq!(log.items(), ["second", "late"]);
    });
}

/// CB-PANICDROP-1 (issue 12, item 2): the same from `cancel()` on the
/// caller's thread: `cancel()` returns `true` normally.
#[test]
fn cb_panicdrop_1_from_cancel() {
    within_watchdog("callback payload at cancel", || {
        let f: Future<u8> = Future::new();
        let log = Log::new();
        f.add_done_callback(|_| std::panic::panic_any(Bomb("callback payload drop")));
        let l = log.clone();
        f.add_done_callback(move |_| l.push("second"));
        let cancelled = std::panic::catch_unwind(|| f.cancel());
        assert!(matches!(cancelled, Ok(true)), "the panic escaped cancel()");
        let l = log.clone();
        f.add_done_callback(move |_| l.push("late"));
        assert_eq!(log.items(), ["second", "late"]);
    });
}

/// POOL-NAME-3, DIV-NAME-1 (issue 12, item 5): a NUL byte in the prefix is refused at
/// `build()`.
#[test]
fn pool_name_3_nul_prefix_refused_at_build() {
    let err = ThreadPoolExecutor::builder()
        .thread_name_prefix("a\0b")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)));
    assert_eq!(
        err.to_string(),
        "thread_name_prefix must not contain a NUL byte"
    );
}

/// POOL-CBIDLE-1 (issue 12, item 7): a callback on a worker that submits to
/// the same pool and waits for that result gets a second worker.
#[test]
fn pool_cbidle_1_callback_that_submits_and_waits_gets_a_new_worker() {
    within_watchdog("callback waiting on its pool", || {
        let pool = pool(2);
        let (started, gate) = (Latch::new(), Gate::new());
        let f = blocked(&pool, &started, &gate, 1);
        let (tx, rx) = mpsc::channel();
        let p = pool.clone();
        f.add_done_callback(move |_| {
            let g = p.submit(|| 2).unwrap();
            let threads = p.threads_started();
            // Only wait when a second worker exists: on one worker the
            // result would come only after this callback returns.
            let value = (threads == 2).then(|| g.result(None).unwrap());
            tx.send((threads, value)).unwrap();
        });
        gate.open();
        let (threads, value) = rx.recv().unwrap();
        assert_eq!(
            threads, 2,
            "the worker running callbacks was counted as idle"
        );
        assert_eq!(value, Some(2));
        pool.shutdown(true, false).unwrap();
    });
}

/// POOL-CBIDLE-1: without callbacks the worker is idle before the result is
/// visible, so submit-then-result still uses one thread (POOL-REUSE-1).
#[test]
fn pool_cbidle_1_no_callbacks_keeps_one_thread() {
    let pool = pool(4);
    for i in 0..200 {
        assert_eq!(pool.submit(move || i).unwrap().result(None).unwrap(), i);
    }
    assert_eq!(pool.threads_started(), 1);
}

/// POOL-NAME-2 (issue 12, item 8): an empty prefix means the default
/// `ThreadPoolExecutor-{k}` prefix, with its own `k`.
#[test]
fn pool_name_2_empty_prefix_means_the_default() {
    let name_of = |pool: &ThreadPoolExecutor| {
        pool.submit(|| std::thread::current().name().unwrap().to_string())
            .unwrap()
            .result(None)
            .unwrap()
    };
    let empty = ThreadPoolExecutor::builder()
        .max_workers(1)
        .thread_name_prefix("")
        .build()
        .unwrap();
    let default = pool(1);
    let (a, b) = (name_of(&empty), name_of(&default));
    for name in [&a, &b] {
        assert!(name.starts_with("ThreadPoolExecutor-"), "{name}");
        assert!(name.ends_with("_0"), "{name}");
    }
    assert_ne!(a, b, "the empty-prefix pool took its own counter value");
}

/// ASC-INPUT-1, DIV-ASCINPUT-1 (issue 12, item 9): the input iterator is consumed by the
/// call, before the first `next()`; the futures are not inspected yet.
#[test]
fn asc_input_1_input_is_read_at_the_call() {
    let fs: Vec<Future<u8>> = (0..3).map(|_| Future::new()).collect();
    let read = Cell::new(0);
    let mut it = as_completed(
        fs.iter().inspect(|_| read.set(read.get() + 1)),
        Some(Duration::ZERO),
    );
    assert_eq!(read.get(), 3);
    assert!(fs.iter().all(|f| f.waiters_installed() == 0));
    fs[1].set_result(1).unwrap();
    let first = it.next().unwrap().unwrap();
    assert!(first == fs[1]);
}

/// DIV-TIMEOUT-1 (issue 12, item 10): a timeout far above CPython's
/// `threading.TIMEOUT_MAX` (9.2e9 s) is accepted by `result`, `exception`,
/// `wait` and `as_completed`, on done and on pending futures.
#[test]
fn div_timeout_1_timeouts_above_python_timeout_max_wait_normally() {
    let huge = Some(Duration::from_secs(10_000_000_000));
    let done: Future<u8> = Future::new();
    done.set_result(4).unwrap();
    assert_eq!(done.result(huge).unwrap(), 4);
    assert!(done.exception(huge).unwrap().is_none());
    assert_eq!(wait([&done], huge, ReturnWhen::AllCompleted).done.len(), 1);
    assert!(as_completed([&done], huge).next().unwrap().is_ok());
    for max in [huge, Some(Duration::MAX)] {
        let pending: Future<u8> = Future::new();
        let setter = pending.clone();
        let t = std::thread::spawn(move || setter.set_result(9).unwrap());
        assert_eq!(pending.result(max).unwrap(), 9);
        assert_eq!(
            wait([&pending], max, ReturnWhen::FirstCompleted).done.len(),
            1
        );
        t.join().unwrap();
    }
}

/// A counter of drops, to see when a callback is freed.
struct Tracker(Arc<AtomicUsize>);

impl Drop for Tracker {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// CB-CYCLE-1, DIV-CYCLE-1 (issue 12, item 11): a callback owning its own future keeps
/// both alive while the future is not done; completing it frees the callback.
#[test]
fn cb_cycle_1_callback_owning_its_future() {
    let freed = Arc::new(AtomicUsize::new(0));
    // Never completed: dropping the last outside handle frees nothing.
    let leaked: Future<u8> = Future::new();
    let (own, tracker) = (leaked.clone(), Tracker(freed.clone()));
    leaked.add_done_callback(move |_| drop((own, tracker)));
    drop(leaked);
    assert_eq!(freed.load(Ordering::SeqCst), 0, "the cycle was freed");
    // Completed: the callback runs and is freed, breaking the cycle.
    let f: Future<u8> = Future::new();
    let (own, tracker) = (f.clone(), Tracker(freed.clone()));
    f.add_done_callback(move |_| drop((own, tracker)));
    f.set_result(1).unwrap();
    assert_eq!(freed.load(Ordering::SeqCst), 1);
}

/// The child half of [`pool_spawn_1_failed_thread_start_runs_callbacks_outside_the_lock`]:
/// runs only in a process whose threads cannot start (`RUST_MIN_STACK` huge).
#[test]
fn pool_spawn_1_child() {
    if std::env::var_os("CF_SPAWN_CHILD").is_none() {
        return;
    }
    let pool = pool(1);
    let (item, future) = WorkItem::new(|| 1);
    let (tx, rx) = mpsc::channel();
    let p = pool.clone();
    future.add_done_callback(move |f: &Future<i32>| {
        // On the old code this ran under the pool lock: a self-deadlock.
        let again = p.submit(|| 2).map(|_| ()).map_err(|e| e.to_string());
        tx.send((f.state(), again)).unwrap();
    });
    let err = pool.submit_work(item).unwrap_err();
    assert!(
        err.to_string().starts_with("can't start new thread"),
        "{err}"
    );
    let (state, again) = rx.recv().unwrap();
    assert_eq!(state, State::Cancelled);
    assert!(again.unwrap_err().starts_with("can't start new thread"));
    assert_eq!(future.state(), State::CancelledAndNotified);
    assert_eq!(pool.threads_started(), 0);
    println!("POOL-SPAWN-1 child: ok");
}

/// POOL-SPAWN-1, DIV-SPAWN-1 (issue 12, item 6): when no thread can start, the refused
/// item's callbacks run after the pool lock is released (a callback that
/// submits does not deadlock). Thread starts are made to fail by running
/// this test binary again with a stack size no thread can get.
#[test]
fn pool_spawn_1_failed_thread_start_runs_callbacks_outside_the_lock() {
    if std::env::var_os("CF_SPAWN_CHILD").is_some() {
        return;
    }
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "pool_spawn_1_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CF_SPAWN_CHILD", "1")
        .env("RUST_MIN_STACK", (1u64 << 46).to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let Ok(output) = rx.recv_timeout(WATCHDOG) else {
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
        panic!("the child hung (a callback ran under the pool lock)");
    };
    let output = output.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("POOL-SPAWN-1 child: ok"),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// DIV-REENTRANT-1, POOL-SPAWN-1: an item refused by a shut-down pool is
/// dropped after the pool lock is released: its callback can submit to the
/// same pool (and is refused in turn) without deadlock.
#[test]
fn div_reentrant_1_refused_item_callbacks_run_outside_the_lock() {
    within_watchdog("refused item's callback", || {
        let pool = pool(1);
        pool.shutdown(true, false).unwrap();
        let (item, future) = WorkItem::new(|| 1);
        let (tx, rx) = mpsc::channel();
        let p = pool.clone();
        future.add_done_callback(move |_| {
            tx.send(matches!(p.submit(|| 2), Err(Error::Shutdown)))
                .unwrap();
        });
        assert!(matches!(pool.submit_work(item), Err(Error::Shutdown)));
        assert!(rx.recv().unwrap());
        assert_eq!(future.state(), State::CancelledAndNotified);
    });
}
