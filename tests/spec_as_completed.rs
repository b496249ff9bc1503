//! as_completed(): spec/as-completed.md. Futures are driven by hand so
//! that completion order is exact.

mod support;
use concurrent_futures::{Error, Exception, Future, State, Unfinished, as_completed};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::*;

fn futures(n: usize) -> Vec<Future<i32>> {
    (0..n).map(|_| Future::new()).collect()
}

/// Position of `f` in `fs`.
fn index_of(fs: &[Future<i32>], f: &Future<i32>) -> usize {
    fs.iter().position(|g| g == f).expect("an input future")
}

/// Drains `as_completed(fs, timeout)` on another thread, sending each
/// yielded item's index (or the error) as it comes.
fn drain_in_thread(
    fs: &[Future<i32>],
    timeout: Option<Duration>,
) -> mpsc::Receiver<Result<usize, Error>> {
    let fs = fs.to_vec();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for item in as_completed(&fs, timeout) {
            let _ = tx.send(item.map(|f| index_of(&fs, &f)));
        }
    });
    rx
}

/// ASC-LAZY-1, ASC-ONCE-1: the iterator's `Debug` shows the snapshot's size
/// (nothing before the first `next()`), the futures not yet yielded, and
/// whether it is over.
#[test]
fn asc_lazy_debug_shows_the_snapshot_from_the_first_next() {
    let fs = futures(3);
    fs[0].set_result(0).unwrap();
    fs[2].set_result(2).unwrap();
    let mut it = as_completed(&fs, None);
    let debug = |it: &concurrent_futures::AsCompleted<i32>| format!("{it:?}");
    assert_eq!(
        debug(&it),
        "AsCompleted { total: 0, unfinished: 0, finished: false }"
    );
    assert_eq!(index_of(&fs, &it.next().unwrap().unwrap()), 0);
    assert_eq!(
        debug(&it),
        "AsCompleted { total: 3, unfinished: 2, finished: false }"
    );
    assert_eq!(index_of(&fs, &it.next().unwrap().unwrap()), 2);
    fs[1].set_result(1).unwrap();
    assert_eq!(index_of(&fs, &it.next().unwrap().unwrap()), 1);
    assert_eq!(
        debug(&it),
        "AsCompleted { total: 3, unfinished: 0, finished: false }"
    );
    assert!(it.next().is_none());
    assert_eq!(
        debug(&it),
        "AsCompleted { total: 3, unfinished: 0, finished: true }"
    );
}

/// ASC-LAZY-1
#[test]
fn asc_lazy_snapshot_and_deadline_at_first_next() {
    let fs = futures(2);
    // Created while nothing is done…
    let mut it = as_completed(&fs, Some(Duration::from_millis(50)));
    assert!(
        fs.iter().all(|f| f.waiters_installed() == 0),
        "nothing inspected at the call"
    );
    // …futures finishing before the first next() count as already done.
    fs[1].set_result(1).unwrap();
    fs[0].set_result(0).unwrap();
    let first = it.next().unwrap().unwrap();
    assert_eq!(
        index_of(&fs, &first),
        0,
        "snapshot at first next(): input order"
    );
    // The deadline starts at the first next(), not at the call.
    let gs = futures(1);
    let mut it = as_completed(&gs, Some(Duration::from_millis(100)));
    let t = Instant::now();
    assert!(matches!(it.next(), Some(Err(Error::Timeout(_)))));
    assert!(t.elapsed() >= Duration::from_millis(100));
}

/// ASC-DONEFIRST-1
#[test]
fn asc_donefirst_already_done_in_input_order_without_blocking() {
    let fs = futures(5);
    fs[3].set_result(3).unwrap();
    fs[1].set_exception(Exception::msg("e")).unwrap();
    fs[4].cancel();
    fs[4].set_running_or_notify_cancel().unwrap();
    let mut it = as_completed(&fs, Some(Duration::from_secs(60)));
    let got: Vec<usize> = (0..3)
        .map(|_| index_of(&fs, &it.next().unwrap().unwrap()))
        .collect();
    assert_eq!(got, [1, 3, 4]);
}

/// ASC-ORDER-1
#[test]
fn asc_order_the_rest_come_in_completion_order() {
    let fs = futures(4);
    let starter = &fs[0];
    starter.set_result(0).unwrap();
    let rx = drain_in_thread(&fs, None);
    // The starter is yielded from the snapshot; only then complete the rest.
    assert_eq!(rx.recv_timeout(WATCHDOG).unwrap().unwrap(), 0);
    for i in [2, 3, 1] {
        fs[i].set_result(i as i32).unwrap();
        assert_eq!(rx.recv_timeout(WATCHDOG).unwrap().unwrap(), i);
    }
    assert!(rx.recv_timeout(WATCHDOG).is_err(), "iteration ended");
}

/// ASC-ONCE-1
#[test]
fn asc_once_each_distinct_future_yielded_exactly_once() {
    let fs = futures(3);
    let input = vec![
        fs[0].clone(),
        fs[1].clone(),
        fs[0].clone(),
        fs[2].clone(),
        fs[1].clone(),
    ];
    fs[0].set_result(0).unwrap();
    let rx = drain_in_thread(&input, None);
    fs[2].set_result(2).unwrap();
    fs[1].set_result(1).unwrap();
    let mut got: Vec<usize> = (0..3)
        .map(|_| rx.recv_timeout(WATCHDOG).unwrap().unwrap())
        .collect();
    assert!(
        rx.recv_timeout(WATCHDOG).is_err(),
        "no duplicates, then None"
    );
    got.sort();
    // Indices into `input`: first occurrences of fs[0], fs[1], fs[2].
    assert_eq!(got, [0, 1, 3]);
}

/// ASC-CANCELLED-1
#[test]
fn asc_cancelled_yielded_only_once_notified() {
    let fs = futures(2);
    fs[0].cancel();
    let mut it = as_completed(&fs, Some(Duration::from_millis(50)));
    // Not yielded while CANCELLED: the deadline passes with both unfinished.
    assert!(matches!(
        it.next(),
        Some(Err(Error::Timeout(Some(Unfinished {
            unfinished: 2,
            total: 2
        }))))
    ));
    let rx = drain_in_thread(&fs, None);
    fs[0].set_running_or_notify_cancel().unwrap();
    assert_eq!(rx.recv_timeout(WATCHDOG).unwrap().unwrap(), 0);
    fs[1].set_result(1).unwrap();
    assert_eq!(rx.recv_timeout(WATCHDOG).unwrap().unwrap(), 1);
}

/// ASC-TIMEOUT-1, ERR-MSG-3
#[test]
fn asc_timeout_error_names_unfinished_count_then_none() {
    let fs = futures(3);
    fs[2].set_result(2).unwrap();
    let mut it = as_completed(&fs, Some(Duration::from_millis(50)));
    assert_eq!(index_of(&fs, &it.next().unwrap().unwrap()), 2);
    let t = Instant::now();
    let err = it.next().unwrap().unwrap_err();
    assert!(
        t.elapsed() >= Duration::from_millis(40),
        "waited for the deadline"
    );
    assert_eq!(err.to_string(), "2 (of 3) futures unfinished");
    assert!(it.next().is_none());
    // Zero timeout: done ones are still yielded, then the error at once.
    let mut it = as_completed(&fs, Some(Duration::ZERO));
    assert!(it.next().unwrap().is_ok());
    assert_eq!(
        it.next().unwrap().unwrap_err().to_string(),
        "2 (of 3) futures unfinished"
    );
    assert!(it.next().is_none());
}

/// ASC-TIMEOUT-1: once the deadline has passed, the next `next()` yields the
/// error, also when a future became done after the last one was yielded (as
/// CPython does: it checks the deadline before each wait, and a completion
/// since the last wait does not count).
#[test]
fn asc_timeout_a_future_done_after_the_deadline_is_not_yielded() {
    // Zero timeout: the snapshot's done future, then the error, although the
    // other one became done in between.
    let fs = futures(2);
    fs[0].set_result(0).unwrap();
    let mut it = as_completed(&fs, Some(Duration::ZERO));
    assert_eq!(index_of(&fs, &it.next().unwrap().unwrap()), 0);
    fs[1].set_result(1).unwrap();
    assert_eq!(
        it.next().unwrap().unwrap_err().to_string(),
        "1 (of 2) futures unfinished"
    );
    assert!(it.next().is_none());
    // A finite deadline that has passed (real time: the clause is about it).
    let fs = futures(3);
    fs[0].set_result(0).unwrap();
    let timeout = Duration::from_millis(50);
    let mut it = as_completed(&fs, Some(timeout));
    let t = Instant::now();
    assert_eq!(index_of(&fs, &it.next().unwrap().unwrap()), 0);
    fs[1].set_result(1).unwrap();
    while t.elapsed() < timeout * 2 {
        std::thread::sleep(timeout);
    }
    assert_eq!(
        it.next().unwrap().unwrap_err().to_string(),
        "2 (of 3) futures unfinished"
    );
    assert!(it.next().is_none());
}

/// ASC-NOTIMEOUT-1
#[test]
fn asc_notimeout_blocks_until_done_and_never_times_out() {
    let fs = futures(1);
    let rx = drain_in_thread(&fs, None);
    assert!(
        rx.recv_timeout(Duration::from_millis(100)).is_err(),
        "nothing yielded yet"
    );
    fs[0].set_result(0).unwrap();
    assert_eq!(rx.recv_timeout(WATCHDOG).unwrap().unwrap(), 0);
}

/// ASC-EMPTY-1
#[test]
fn asc_empty_input_ends_at_once() {
    for timeout in [None, Some(Duration::ZERO), Some(Duration::from_secs(3600))] {
        let n = within_watchdog("as_completed on nothing", move || {
            let none: Vec<Future<i32>> = Vec::new();
            as_completed(&none, timeout).count()
        });
        assert_eq!(n, 0);
    }
}

/// ASC-UNTOUCHED-1
#[test]
fn asc_untouched_pending_futures_left_alone() {
    let fs = futures(2);
    fs[0].set_result(0).unwrap();
    {
        let mut it = as_completed(&fs, Some(Duration::from_millis(20)));
        assert!(it.next().unwrap().is_ok());
        assert!(it.next().unwrap().is_err());
    }
    assert_eq!(fs[1].state(), State::Pending, "timeout changes nothing");
    {
        let mut it = as_completed(&fs, None);
        assert!(it.next().unwrap().is_ok());
    } // dropped mid-way
    assert_eq!(fs[1].state(), State::Pending, "drop changes nothing");
    fs[1].set_result(1).unwrap();
    assert_eq!(fs[1].result(None).unwrap(), 1);
}

/// ASC-DROP-1
#[test]
fn asc_drop_removes_every_waiter() {
    let fs = futures(3);
    fs[0].set_result(0).unwrap();
    // Never started.
    drop(as_completed(&fs, None));
    assert!(fs.iter().all(|f| f.waiters_installed() == 0));
    // Started, not finished.
    let mut it = as_completed(&fs, None);
    it.next().unwrap().unwrap();
    assert_eq!(fs[1].waiters_installed(), 1);
    assert_eq!(fs[2].waiters_installed(), 1);
    drop(it);
    assert!(fs.iter().all(|f| f.waiters_installed() == 0));
    // Completing them afterwards does not block or panic.
    fs[1].set_result(1).unwrap();
    fs[2].set_result(2).unwrap();
    // Timed out: removed too.
    let gs = futures(1);
    let mut it = as_completed(&gs, Some(Duration::ZERO));
    assert!(it.next().unwrap().is_err());
    assert_eq!(gs[0].waiters_installed(), 0);
}
