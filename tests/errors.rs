//! Integration tests for spec/errors.md: `Error`, `Exception`, their names,
//! messages and identity.

mod support;
use support::*;

use concurrent_futures::{
    Error, Exception, ExceptionKind, Executor, Future, MapOptions, State, ThreadPoolExecutor,
    Unfinished, as_completed,
};
use std::sync::Arc;
use std::time::Duration;

const ZERO: Option<Duration> = Some(Duration::ZERO);
const BROKEN: &str = "A thread initializer failed, the thread pool is not usable anymore";

/// A pool whose single worker's initializer fails once `gate` opens, with a
/// future queued before that: the future fails with the broken-pool
/// exception. Returns the pool and that future.
fn broken_pool_with_failed_future() -> (ThreadPoolExecutor, Future<i32>) {
    let gate = Gate::new();
    let pool = failing_init_pool(&gate, false);
    let f = pool.submit(|| 1).unwrap();
    gate.open();
    let g = f.clone();
    within_watchdog("future of a broken pool", move || {
        let _ = g.exception(None);
    });
    (pool, f)
}

/// ERR-NAME-1
#[test]
fn err_name_python_name_of_every_variant() {
    let cases: Vec<(Error, &str)> = vec![
        (Error::Cancelled, "CancelledError"),
        (Error::Timeout(None), "TimeoutError"),
        (
            Error::Timeout(Some(Unfinished {
                unfinished: 1,
                total: 2,
            })),
            "TimeoutError",
        ),
        (
            Error::InvalidState {
                state: State::Finished,
                future: "<Future>".into(),
            },
            "InvalidStateError",
        ),
        (Error::BrokenExecutor(BROKEN.into()), "BrokenThreadPool"),
        (Error::Shutdown, "RuntimeError"),
        (Error::Runtime("x".into()), "RuntimeError"),
        (Error::InvalidArgument("x".into()), "ValueError"),
        (Error::Exception(Exception::msg("x")), "Exception"),
        (
            Error::Exception(Exception::from_panic(Box::new("p"))),
            "Exception",
        ),
    ];
    for (e, name) in cases {
        assert_eq!(e.python_name(), name, "{e:?}");
    }
}

/// ERR-NAME-1: `Error::Exception(e)` is named "Exception" for a task's own
/// failure, and "BrokenThreadPool" for the broken-pool exception a queued
/// future holds (Python's `result()` raises that `BrokenThreadPool`).
#[test]
fn err_name_exception_variant_names_the_exception_kind() {
    let (_pool, f) = broken_pool_with_failed_future();
    let err = f.result(ZERO).unwrap_err();
    let Error::Exception(e) = &err else {
        panic!("expected Error::Exception, got {err:?}");
    };
    assert_eq!(e.kind(), ExceptionKind::BrokenExecutor);
    assert_eq!(err.python_name(), "BrokenThreadPool");
    for own in [
        Exception::msg("task error"),
        Exception::from_panic(Box::new("p")),
    ] {
        assert_eq!(Error::Exception(own).python_name(), "Exception");
    }
}

/// ERR-TRAIT-1
#[test]
fn err_trait_error_types_are_ordinary_rust_errors() {
    fn std_error<E: std::error::Error + std::fmt::Display + std::fmt::Debug>() {}
    fn send_sync_static<E: Send + Sync + 'static>() {}
    fn exception_traits<E: Clone + std::fmt::Display + std::fmt::Debug>() {}
    std_error::<Error>();
    send_sync_static::<Error>();
    send_sync_static::<Exception>();
    exception_traits::<Exception>();
    // Usable as a boxed error and with `?`.
    fn fails() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Err(Error::Shutdown)?
    }
    assert_eq!(
        fails().unwrap_err().to_string(),
        "cannot schedule new futures after shutdown"
    );
    assert!(!format!("{:?}", Error::Cancelled).is_empty());
    assert!(!format!("{:?}", Exception::msg("m")).is_empty());
}

/// ERR-TRAIT-1: the chain of sources leads from the `Error` to the task's
/// exception and on to the source of the error value it wraps.
#[test]
fn err_trait_source_chain_reaches_the_tasks_error() {
    use std::error::Error as _;
    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("outer")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    let e = Exception::new(Outer(std::io::Error::other("inner")));
    let err = Error::Exception(e.clone());
    assert!(Exception::ptr_eq(
        err.exception().expect("a task failure"),
        &e
    ));
    let source = err.source().expect("the exception is the source");
    let as_exception = source.downcast_ref::<Exception>().expect("an Exception");
    assert!(Exception::ptr_eq(as_exception, &e));
    let inner = e.source().expect("the wrapped error's source");
    assert_eq!(inner.to_string(), "inner");
    assert!(inner.downcast_ref::<std::io::Error>().is_some());
    // Nothing further where there is nothing to lead to.
    assert!(Exception::msg("plain").source().is_none());
    assert!(Exception::broken_executor("broken").source().is_none());
    for other in [Error::Cancelled, Error::Shutdown, Error::Timeout(None)] {
        assert!(other.exception().is_none() && other.source().is_none());
    }
}

/// ERR-MSG-1
#[test]
fn err_msg_shutdown_message() {
    assert_eq!(
        Error::Shutdown.to_string(),
        "cannot schedule new futures after shutdown"
    );
    let pool = pool(1);
    pool.shutdown(true, false).unwrap();
    let err = pool.submit(|| 1).unwrap_err();
    assert!(matches!(err, Error::Shutdown), "{err:?}");
    assert_eq!(
        err.to_string(),
        "cannot schedule new futures after shutdown"
    );
}

/// ERR-MSG-2
#[test]
fn err_msg_carried_messages_display_exactly() {
    for m in ["", "some message", "Future in unexpected state"] {
        assert_eq!(Error::Runtime(m.into()).to_string(), m);
        assert_eq!(Error::InvalidArgument(m.into()).to_string(), m);
        assert_eq!(Error::BrokenExecutor(m.into()).to_string(), m);
    }
}

/// ERR-MSG-2
#[test]
fn err_msg_future_in_unexpected_state() {
    let f: Future<i32> = Future::new();
    f.set_running_or_notify_cancel().unwrap();
    let err = f.set_running_or_notify_cancel().unwrap_err();
    assert!(matches!(&err, Error::Runtime(m) if m == "Future in unexpected state"));
    assert_eq!(err.to_string(), "Future in unexpected state");
}

/// ERR-MSG-2
#[test]
fn err_msg_cannot_join_current_thread() {
    let pool = pool(1);
    let p = pool.clone();
    let f = pool.submit(move || p.shutdown(true, false)).unwrap();
    let r = within_watchdog("shutdown from a worker", move || f.result(None));
    let err = r.unwrap().unwrap_err();
    assert!(matches!(&err, Error::Runtime(m) if m == "cannot join current thread"));
    assert_eq!(err.to_string(), "cannot join current thread");
}

/// ERR-MSG-2
#[test]
fn err_msg_max_workers_zero() {
    let err = ThreadPoolExecutor::builder()
        .max_workers(0)
        .build()
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidArgument(m) if m == "max_workers must be greater than 0"));
    assert_eq!(err.to_string(), "max_workers must be greater than 0");
}

/// ERR-MSG-2
#[test]
fn err_msg_map_chunksize_and_buffersize() {
    let pool = pool(1);
    let Err(err) = pool.map_with(|x: i32| x, vec![1], MapOptions::new().chunksize(0)) else {
        panic!("chunksize 0 accepted");
    };
    assert!(matches!(&err, Error::InvalidArgument(m) if m == "chunksize must be >= 1."));
    assert_eq!(err.to_string(), "chunksize must be >= 1.");
    let Err(err) = pool.map_with(|x: i32| x, vec![1], MapOptions::new().buffersize(0)) else {
        panic!("buffersize 0 accepted");
    };
    assert!(matches!(&err, Error::InvalidArgument(m) if m == "buffersize must be None or > 0"));
    assert_eq!(err.to_string(), "buffersize must be None or > 0");
}

/// ERR-MSG-2
#[test]
fn err_msg_broken_pool_rejects_submit() {
    let (pool, _f) = broken_pool_with_failed_future();
    let err = pool.submit(|| 2).unwrap_err();
    assert!(
        matches!(&err, Error::BrokenExecutor(m) if m == BROKEN),
        "{err:?}"
    );
    assert_eq!(err.to_string(), BROKEN);
}

/// ERR-MSG-3
#[test]
fn err_msg_as_completed_timeout_message() {
    let e = Error::Timeout(Some(Unfinished {
        unfinished: 2,
        total: 3,
    }));
    assert_eq!(e.to_string(), "2 (of 3) futures unfinished");

    let a: Future<i32> = Future::new();
    let b: Future<i32> = Future::new();
    let c: Future<i32> = Future::new();
    c.set_result(1).unwrap();
    let items: Vec<_> = within_watchdog("as_completed", move || {
        as_completed([&a, &b, &c], ZERO).collect::<Vec<_>>()
    });
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items[0].is_ok());
    match &items[1] {
        Err(e @ Error::Timeout(Some(u))) => {
            assert_eq!(
                *u,
                Unfinished {
                    unfinished: 2,
                    total: 3
                }
            );
            assert_eq!(e.to_string(), "2 (of 3) futures unfinished");
        }
        other => panic!("expected the as_completed timeout, got {other:?}"),
    }
}

/// ERR-STATE-1
#[test]
fn err_state_invalid_state_carries_the_state() {
    let cancelled: Future<i32> = Future::new();
    cancelled.cancel();
    let notified: Future<i32> = Future::new();
    notified.cancel();
    notified.set_running_or_notify_cancel().unwrap();
    let finished: Future<i32> = Future::new();
    finished.set_result(1).unwrap();
    for (f, state, name) in [
        (cancelled, State::Cancelled, "CANCELLED"),
        (
            notified,
            State::CancelledAndNotified,
            "CANCELLED_AND_NOTIFIED",
        ),
        (finished, State::Finished, "FINISHED"),
    ] {
        for err in [
            f.set_result(2).unwrap_err(),
            f.set_exception(Exception::msg("x")).unwrap_err(),
        ] {
            let Error::InvalidState { state: s, future } = &err else {
                panic!("{name}: expected InvalidState, got {err:?}");
            };
            assert_eq!(*s, state);
            assert!(
                future.starts_with("<Future") && future.ends_with('>'),
                "{future}"
            );
            let shown = err.to_string();
            assert_eq!(shown, format!("{name}: {future}"));
            assert!(shown.starts_with(&format!("{name}: <Future")), "{shown}");
            assert!(shown.ends_with('>'), "{shown}");
        }
    }
}

/// ERR-EXC-1
#[test]
fn err_exc_from_panic_kind_and_message() {
    let e = Exception::from_panic(Box::new("static text"));
    assert_eq!(e.kind(), ExceptionKind::Panic);
    assert_eq!(e.message(), "static text");
    assert_eq!(e.to_string(), "static text");
    let e = Exception::from_panic(Box::new(String::from("owned text")));
    assert_eq!(e.kind(), ExceptionKind::Panic);
    assert_eq!(e.message(), "owned text");
    assert_eq!(e.to_string(), "owned text");
    // Other payloads: any text, but no panic.
    let e = Exception::from_panic(Box::new(42u64));
    assert_eq!(e.kind(), ExceptionKind::Panic);
    let _ = (e.message(), e.to_string(), format!("{e:?}"));

    // What a panicking task produces.
    let pool = pool(1);
    let n = 3;
    let f = pool
        .submit(move || -> i32 { panic!("task {n} failed") })
        .unwrap();
    let e = within_watchdog("panicking task", move || f.exception(None))
        .unwrap()
        .unwrap();
    assert_eq!(e.kind(), ExceptionKind::Panic);
    assert_eq!(e.message(), "task 3 failed");
}

#[derive(Debug, PartialEq)]
struct MyError(u32);
impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "my error {}", self.0)
    }
}
impl std::error::Error for MyError {}

/// ERR-EXC-2
#[test]
fn err_exc_new_and_msg() {
    let e = Exception::new(MyError(5));
    assert_eq!(e.kind(), ExceptionKind::Error);
    assert_eq!(e.message(), "my error 5");
    assert_eq!(e.to_string(), "my error 5");
    assert_eq!(e.downcast_ref::<MyError>(), Some(&MyError(5)));
    assert!(e.downcast_ref::<std::io::Error>().is_none());
    assert!(e.downcast_ref::<std::fmt::Error>().is_none());

    let io = Exception::new(std::io::Error::other("disk"));
    assert_eq!(io.message(), "disk");
    assert!(io.downcast_ref::<std::io::Error>().is_some());
    assert!(io.downcast_ref::<MyError>().is_none());

    let m = Exception::msg("plain");
    assert_eq!(m.kind(), ExceptionKind::Error);
    assert_eq!(m.message(), "plain");
    assert_eq!(m.to_string(), "plain");
    let m = Exception::msg(String::from("owned"));
    assert_eq!(m.message(), "owned");
}

/// ERR-EXC-3
#[test]
fn err_exc_broken_pool_exception() {
    let (_pool, f) = broken_pool_with_failed_future();
    assert_eq!(f.state(), State::Finished);
    let e = f.exception(ZERO).unwrap().expect("an exception");
    assert_eq!(e.kind(), ExceptionKind::BrokenExecutor);
    assert_eq!(e.message(), BROKEN);
    assert_eq!(e.to_string(), BROKEN);
}

/// ERR-EXC-4
#[test]
fn err_exc_message_equals_display() {
    let (_pool, f) = broken_pool_with_failed_future();
    let broken = f.exception(ZERO).unwrap().unwrap();
    let all = [
        Exception::msg(""),
        Exception::msg("m"),
        Exception::new(MyError(1)),
        Exception::from_panic(Box::new("p")),
        Exception::from_panic(Box::new(String::from("q"))),
        Exception::from_panic(Box::new(1.5f64)),
        broken,
    ];
    for e in all {
        assert_eq!(e.message(), e.to_string(), "{e:?}");
        assert_eq!(e.message(), format!("{e}"));
    }
}

/// ERR-SAME-1
#[test]
fn err_same_clone_is_ptr_eq_and_distinct_are_not() {
    let a = Exception::msg("same text");
    let b = Exception::msg("same text");
    assert!(Exception::ptr_eq(&a, &a.clone()));
    assert!(Exception::ptr_eq(&a.clone(), &a.clone()));
    assert!(!Exception::ptr_eq(&a, &b));
    assert!(!Exception::ptr_eq(
        &Exception::from_panic(Box::new("p")),
        &Exception::from_panic(Box::new("p"))
    ));
}

/// ERR-SAME-1
#[test]
fn err_same_stored_exception_is_returned_everywhere() {
    let f: Future<i32> = Future::new();
    let e = Exception::msg("stored");
    let clone = f.clone();
    clone.set_exception(e.clone()).unwrap();
    let check = |f: &Future<i32>, e: &Exception| {
        for t in [None, ZERO, Some(Duration::from_secs(3600))] {
            match f.result(t) {
                Err(Error::Exception(got)) => assert!(Exception::ptr_eq(&got, e)),
                other => panic!("{other:?}"),
            }
            assert!(Exception::ptr_eq(&f.exception(t).unwrap().unwrap(), e));
        }
    };
    check(&f, &e);
    check(&clone, &e);
    let hs: Vec<_> = (0..4)
        .map(|_| {
            let (f, e) = (f.clone(), e.clone());
            std::thread::spawn(move || {
                let r = matches!(f.result(None), Err(Error::Exception(got)) if Exception::ptr_eq(&got, &e));
                r && Exception::ptr_eq(&f.exception(None).unwrap().unwrap(), &e)
            })
        })
        .collect();
    for h in hs {
        assert!(
            h.join().unwrap(),
            "another thread got a different exception"
        );
    }

    // Created by the executor: every call returns the same one.
    let pool = pool(1);
    let g = pool.submit(|| -> i32 { panic!("x") }).unwrap();
    let g2 = g.clone();
    let first = within_watchdog("task", move || g2.exception(None))
        .unwrap()
        .unwrap();
    assert!(Exception::ptr_eq(
        &g.exception(None).unwrap().unwrap(),
        &first
    ));
    match g.clone().result(None) {
        Err(Error::Exception(got)) => assert!(Exception::ptr_eq(&got, &first)),
        other => panic!("{other:?}"),
    }
}

/// ERR-SAME-2
#[test]
fn err_same_task_failures_surface_unchanged() {
    let pool = pool(2);
    // The task's own error value, not a re-creation: identity via an Arc inside.
    #[derive(Debug)]
    struct Tagged(Arc<()>);
    impl std::fmt::Display for Tagged {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("tagged failure")
        }
    }
    impl std::error::Error for Tagged {}
    let tag = Arc::new(());
    let t2 = tag.clone();
    let f = pool
        .submit_fallible(move || Err::<i32, _>(Tagged(t2)))
        .unwrap();
    let r = within_watchdog("fallible task", move || f.result(None));
    let Err(Error::Exception(e)) = r else {
        panic!("expected the task's exception, got {r:?}");
    };
    assert_eq!(e.kind(), ExceptionKind::Error);
    assert_eq!(e.to_string(), "tagged failure");
    assert!(Arc::ptr_eq(&e.downcast_ref::<Tagged>().unwrap().0, &tag));

    // A panic's text is kept verbatim, by result() and by map.
    let f = pool
        .submit(|| -> i32 { panic!("exact words: 1 2 3") })
        .unwrap();
    let r = within_watchdog("panicking task", move || f.result(None));
    let Err(Error::Exception(e)) = r else {
        panic!("{r:?}")
    };
    assert_eq!(e.to_string(), "exact words: 1 2 3");
    assert_eq!(e.kind(), ExceptionKind::Panic);

    let p = pool.clone();
    let yielded = within_watchdog("map", move || {
        p.map(
            |x: i32| {
                if x == 2 {
                    panic!("item {x} failed")
                }
                x
            },
            vec![1, 2, 3],
        )
        .unwrap()
        .collect::<Vec<_>>()
    });
    assert!(matches!(yielded[0], Ok(1)));
    match &yielded[1] {
        Err(Error::Exception(e)) => {
            assert_eq!(e.kind(), ExceptionKind::Panic);
            assert_eq!(e.to_string(), "item 2 failed");
        }
        other => panic!("map yielded {other:?}"),
    }
    assert_eq!(yielded.len(), 2, "map went on after the error: {yielded:?}");
}
