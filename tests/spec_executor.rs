//! The Executor trait and WorkItem: spec/executor.md.

mod support;
use concurrent_futures::{
    Error, Exception, ExceptionKind, Executor, Future, ReturnWhen, State, ThreadPoolExecutor,
    WorkItem, wait,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use support::*;

/// EXE-SUBMIT-1
#[test]
fn exe_submit_returns_without_waiting_and_runs_once() {
    let p = pool(2);
    let calls = Arc::new(AtomicUsize::new(0));
    let gate = Gate::new();
    let (c, g) = (calls.clone(), gate.clone());
    let f = p
        .submit(move || {
            g.wait();
            c.fetch_add(1, Ordering::SeqCst);
            "v"
        })
        .unwrap(); // returned although the task cannot finish yet
    assert!(!f.done());
    gate.open();
    assert_eq!(f.result(None).unwrap(), "v");
    p.shutdown(true, false).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// EXE-SUBMIT-2
#[test]
fn exe_submit_broken_is_reported_before_shut_down() {
    let gate = Gate::new();
    let p = failing_init_pool(&gate, false);
    let f = p.submit(|| 1).unwrap();
    gate.open();
    f.exception(Some(WATCHDOG)).unwrap();
    p.shutdown(true, false).unwrap();
    assert!(matches!(p.submit(|| 1), Err(Error::BrokenExecutor(_))));
    // Shut down but not broken: the shutdown error, and the closure never runs.
    let q = pool(1);
    q.shutdown(false, false).unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    assert!(matches!(
        q.submit(move || r.fetch_add(1, Ordering::SeqCst)),
        Err(Error::Shutdown)
    ));
    q.shutdown(true, false).unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

/// EXE-SUBMIT-3
#[test]
fn exe_submit_work_starts_in_submission_order() {
    let p = pool(1);
    let (started, gate) = (Latch::new(), Gate::new());
    let first = blocked(&p, &started, &gate, 99);
    started.wait_for(1);
    let log = Log::new();
    let fs: Vec<_> = (0..20)
        .map(|i| {
            let log = log.clone();
            p.submit(move || log.push(i)).unwrap()
        })
        .collect();
    fs[7].cancel(); // skipped, but in its turn
    gate.open();
    first.result(None).unwrap();
    p.shutdown(true, false).unwrap();
    let expected: Vec<i32> = (0..20).filter(|&i| i != 7).collect();
    assert_eq!(log.items(), expected);
}

/// EXE-PANIC-1, ERR-EXC-1
#[test]
fn exe_panic_becomes_a_panic_exception() {
    let p = pool(1);
    let a = p.submit(|| -> u8 { panic!("static message") }).unwrap();
    let b = p.submit(|| -> u8 { panic!("formatted {}", 42) }).unwrap();
    for (f, msg) in [(&a, "static message"), (&b, "formatted 42")] {
        let e = f.exception(None).unwrap().unwrap();
        assert_eq!(e.kind(), ExceptionKind::Panic);
        assert_eq!(e.to_string(), msg);
        match f.result(None) {
            Err(Error::Exception(x)) => assert!(Exception::ptr_eq(&x, &e)),
            other => panic!("{other:?}"),
        }
    }
}

/// EXE-FALLIBLE-1, ERR-EXC-2
#[test]
fn exe_fallible_err_becomes_an_error_exception() {
    let p = pool(1);
    let ok = p.submit_fallible(|| "5".parse::<i32>()).unwrap();
    let err = p.submit_fallible(|| "x".parse::<i32>()).unwrap();
    let boom = p
        .submit_fallible(|| -> Result<i32, std::io::Error> { panic!("p") })
        .unwrap();
    assert_eq!(ok.result(None).unwrap(), 5);
    let e = err.exception(None).unwrap().unwrap();
    assert_eq!(e.kind(), ExceptionKind::Error);
    assert_eq!(e.to_string(), "x".parse::<i32>().unwrap_err().to_string());
    assert!(e.downcast_ref::<std::num::ParseIntError>().is_some());
    assert_eq!(
        boom.exception(None).unwrap().unwrap().kind(),
        ExceptionKind::Panic
    );
}

/// EXE-RESILIENT-1
#[test]
fn exe_resilient_pool_keeps_working_after_failures() {
    let p = pool(1);
    let _ = p.submit(|| -> () { panic!("x") }).unwrap().result(None);
    let _ = p
        .submit_fallible(|| Err::<(), _>("y"))
        .unwrap()
        .result(None);
    assert_eq!(p.submit(|| 3).unwrap().result(Some(WATCHDOG)).unwrap(), 3);
    assert_eq!(p.threads_started(), 1);
}

/// EXE-CANCEL-1
#[test]
fn exe_cancel_queued_future_never_runs_and_is_notified() {
    let p = pool(1);
    let (started, gate) = (Latch::new(), Gate::new());
    let first = blocked(&p, &started, &gate, 0);
    started.wait_for(1);
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    let f = p.submit(move || r.fetch_add(1, Ordering::SeqCst)).unwrap();
    assert!(f.cancel());
    assert_eq!(f.state(), State::Cancelled);
    gate.open();
    first.result(None).unwrap();
    let fs = [f.clone()];
    let r = within_watchdog("wait on the cancelled future", move || {
        wait(&fs, None, ReturnWhen::AllCompleted)
    });
    assert_eq!(r.done.len(), 1, "the worker acknowledged it");
    assert_eq!(f.state(), State::CancelledAndNotified);
    p.shutdown(true, false).unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

/// EXE-WORKITEM-1
#[test]
fn exe_workitem_run_executes_unless_cancelled() {
    let seen = Arc::new(Mutex::new(None));
    let (s, cell) = (seen.clone(), Arc::new(Mutex::new(None::<Future<i32>>)));
    let c2 = cell.clone();
    let (item, f) = WorkItem::new(move || {
        *s.lock().unwrap() = c2.lock().unwrap().as_ref().map(Future::state);
        1
    });
    *cell.lock().unwrap() = Some(f.clone());
    item.run();
    assert_eq!(
        *seen.lock().unwrap(),
        Some(State::Running),
        "RUNNING while the closure runs"
    );
    assert_eq!(f.result(None).unwrap(), 1);
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    let (item, f) = WorkItem::new(move || r.fetch_add(1, Ordering::SeqCst));
    f.cancel();
    item.run();
    assert_eq!(f.state(), State::CancelledAndNotified);
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    let (item, f) = WorkItem::new(|| -> i32 { panic!("in run") });
    item.run(); // does not panic
    assert_eq!(
        f.exception(None).unwrap().unwrap().kind(),
        ExceptionKind::Panic
    );
}

/// EXE-WORKITEM-2
#[test]
fn exe_workitem_cancel_cancels_and_notifies() {
    let calls = Arc::new(AtomicUsize::new(0));
    for pre_cancelled in [false, true] {
        calls.store(0, Ordering::SeqCst);
        let (item, f) = WorkItem::new(|| 1);
        let c = calls.clone();
        f.add_done_callback(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
        });
        if pre_cancelled {
            f.cancel();
        }
        item.cancel();
        assert_eq!(f.state(), State::CancelledAndNotified);
        assert!(f.cancelled());
        assert!(matches!(f.result(None), Err(Error::Cancelled)));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "callbacks once");
        let fs = [f.clone()];
        assert_eq!(
            wait(&fs, Some(WATCHDOG), ReturnWhen::AllCompleted)
                .done
                .len(),
            1
        );
    }
}

/// EXE-WORKITEM-3
#[test]
fn exe_workitem_fail_finishes_pending_and_notifies_cancelled() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let (item, f) = WorkItem::new(|| 1);
    f.add_done_callback(move |_| {
        c.fetch_add(1, Ordering::SeqCst);
    });
    let exc = Exception::msg("broken");
    item.fail(exc.clone());
    assert_eq!(f.state(), State::Finished);
    assert!(Exception::ptr_eq(
        &f.exception(None).unwrap().unwrap(),
        &exc
    ));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let (item, f) = WorkItem::new(|| 1);
    f.cancel();
    item.fail(Exception::msg("broken"));
    assert_eq!(f.state(), State::CancelledAndNotified);
}

/// A minimal third-party executor: runs each item on a fresh thread.
struct ThreadPerTask;

impl Executor for ThreadPerTask {
    fn submit_work(&self, work: WorkItem) -> Result<(), Error> {
        std::thread::spawn(move || work.run());
        Ok(())
    }
    fn shutdown(&self, _wait: bool, _cancel_futures: bool) -> Result<(), Error> {
        Ok(())
    }
}

/// EXE-OBJECT-1
#[test]
fn exe_object_dyn_executor_runs_work() {
    let boxed: Box<dyn Executor> = Box::new(ThreadPerTask);
    let f = boxed.submit(|| 5).unwrap();
    assert_eq!(f.result(Some(WATCHDOG)).unwrap(), 5);
    let shared: Arc<dyn Executor> = Arc::new(pool(1));
    let by_ref: &dyn Executor = &*shared;
    let (item, g) = WorkItem::new(|| 6);
    by_ref.submit_work(item).unwrap();
    assert_eq!(g.result(Some(WATCHDOG)).unwrap(), 6);
    let h = shared.submit(|| 7).unwrap();
    assert_eq!(h.result(Some(WATCHDOG)).unwrap(), 7);
    let squares: Vec<i32> = boxed
        .map(|x: i32| x * x, 1..4)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(squares, [1, 4, 9]);
    shared.shutdown(true, false).unwrap();
}

/// EXE-OBJECT-1: a reference, a `Box` and an `Arc` of an executor are
/// executors that forward both required methods to it: work runs on the
/// pool, and shutting the wrapper down shuts the pool down.
#[test]
fn exe_object_wrappers_forward_submit_and_shutdown() {
    fn submit_then_shut_down<E: Executor>(e: E) {
        let f = e.submit(|| std::thread::current().name().map(str::to_owned));
        let name = f.unwrap().result(Some(WATCHDOG)).unwrap().unwrap();
        assert!(name.starts_with("wrapped"), "ran on the pool: {name}");
        e.shutdown(true, false).unwrap();
        assert!(matches!(e.submit(|| ()), Err(Error::Shutdown)));
    }
    let named = || {
        ThreadPoolExecutor::builder()
            .max_workers(1)
            .thread_name_prefix("wrapped")
            .build()
            .unwrap()
    };
    let p = named();
    submit_then_shut_down(&p);
    assert!(matches!(p.submit(|| ()), Err(Error::Shutdown)));
    let p = named();
    submit_then_shut_down(Box::new(p.clone()));
    assert!(matches!(p.submit(|| ()), Err(Error::Shutdown)));
    let p = named();
    submit_then_shut_down(Arc::new(p.clone()));
    assert!(matches!(p.submit(|| ()), Err(Error::Shutdown)));
}
