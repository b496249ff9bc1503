//! A work item that an executor drops without running it.

mod support;
use concurrent_futures::{
    Error, Executor, Future, ReturnWhen, State, WorkItem, as_completed, wait,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::*;

/// An executor that accepts work and then loses it.
struct Forgetful;

impl Executor for Forgetful {
    fn submit_work(&self, work: WorkItem) -> Result<(), Error> {
        drop(work);
        Ok(())
    }
    fn shutdown(&self, _wait: bool, _cancel_futures: bool) -> Result<(), Error> {
        Ok(())
    }
}

/// EXE-WORKITEM-4
#[test]
fn exe_workitem_dropped_item_ends_cancelled_and_notified() {
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    let f: Future<i32> = Forgetful
        .submit(move || {
            r.fetch_add(1, Ordering::SeqCst);
            1
        })
        .unwrap();
    assert_eq!(f.state(), State::CancelledAndNotified);
    assert!(matches!(f.result(None), Err(Error::Cancelled)));
    let fs = [f.clone()];
    let done = within_watchdog("wait on a dropped item", move || {
        wait(&fs, None, ReturnWhen::AllCompleted).done.len()
    });
    assert_eq!(done, 1);
    let g = f.clone();
    let yielded = within_watchdog("as_completed on a dropped item", move || {
        as_completed([&g], None).count()
    });
    assert_eq!(yielded, 1);
    assert_eq!(ran.load(Ordering::SeqCst), 0, "the closure must never run");
}

/// EXE-WORKITEM-4: callbacks run once when the item is dropped.
#[test]
fn exe_workitem_dropped_item_runs_callbacks_once() {
    let (item, f) = WorkItem::new(|| 5);
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    f.add_done_callback(move |f: &Future<i32>| {
        assert!(f.cancelled());
        c.fetch_add(1, Ordering::SeqCst);
    });
    drop(item);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(f.state(), State::CancelledAndNotified);
    // Acknowledging again is refused; nothing runs twice.
    assert!(f.set_running_or_notify_cancel().is_err());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// EXE-WORKITEM-4: an item that was run is not cancelled by its drop.
#[test]
fn exe_workitem_run_item_is_not_cancelled() {
    let (item, f) = WorkItem::new(|| 5);
    item.run();
    assert_eq!(f.state(), State::Finished);
    assert_eq!(f.result(None).unwrap(), 5);
}

/// EXE-WORKITEM-4: an item's `Debug` shows no internals, and formatting it
/// neither runs nor cancels it.
#[test]
fn exe_workitem_4_debug_is_opaque() {
    let (item, future) = concurrent_futures::WorkItem::new(|| 5);
    assert_eq!(format!("{item:?}"), "WorkItem { .. }");
    assert_eq!(future.state(), concurrent_futures::State::Pending);
    item.run();
    assert_eq!(future.result(None).unwrap(), 5);
}

/// An item returning 7 and the count of its calls.
fn counting_item() -> (WorkItem, Future<i32>, Arc<AtomicUsize>) {
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    let (item, f) = WorkItem::new(move || {
        r.fetch_add(1, Ordering::SeqCst);
        7
    });
    (item, f, ran)
}

/// Adds a done-callback to `f` and returns the count of its calls.
fn count_callbacks(f: &Future<i32>) -> Arc<AtomicUsize> {
    let callbacks = Arc::new(AtomicUsize::new(0));
    let c = callbacks.clone();
    f.add_done_callback(move |_: &Future<i32>| {
        c.fetch_add(1, Ordering::SeqCst);
    });
    callbacks
}

/// EXE-WORKITEM-5: `start` makes the future RUNNING before the call runs, so a
/// cancel between the two fails, and `run` then completes it once.
#[test]
fn exe_workitem_5_start_claims_then_run_completes() {
    let (item, f, ran) = counting_item();
    let callbacks = count_callbacks(&f);
    let running = item.start().expect("a pending item starts");
    assert_eq!(f.state(), State::Running);
    assert!(!f.cancel(), "a claimed item cannot be cancelled");
    assert_eq!(
        ran.load(Ordering::SeqCst),
        0,
        "start does not call the closure"
    );
    assert_eq!(callbacks.load(Ordering::SeqCst), 0);
    running.run();
    assert_eq!(f.state(), State::Finished);
    assert_eq!(f.result(None).unwrap(), 7);
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    assert_eq!(callbacks.load(Ordering::SeqCst), 1);
}

/// EXE-WORKITEM-5: `start` of a cancelled item acknowledges the cancel and
/// never calls the closure.
#[test]
fn exe_workitem_5_start_of_cancelled_item_notifies() {
    let (item, f, ran) = counting_item();
    assert!(f.cancel());
    assert_eq!(f.state(), State::Cancelled);
    assert!(item.start().is_none());
    assert_eq!(f.state(), State::CancelledAndNotified);
    assert!(matches!(f.result(None), Err(Error::Cancelled)));
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

/// EXE-WORKITEM-5: a claimed item dropped unrun finishes its future with a
/// BrokenExecutor exception (callbacks once), so waiting ends.
#[test]
fn exe_workitem_5_dropped_running_work_finishes_broken() {
    let (item, f) = WorkItem::new(|| 7);
    let callbacks = count_callbacks(&f);
    let running = item.start().unwrap();
    drop(running);
    assert_eq!(f.state(), State::Finished);
    let e = f.exception(None).unwrap().expect("an exception");
    assert_eq!(e.kind(), concurrent_futures::ExceptionKind::BrokenExecutor);
    assert_eq!(callbacks.load(Ordering::SeqCst), 1);
    let fs = [f.clone()];
    let done = within_watchdog("wait on a dropped claimed item", move || {
        wait(&fs, None, ReturnWhen::AllCompleted).done.len()
    });
    assert_eq!(done, 1);
}

/// EXE-WORKITEM-5: `RunningWork::run_then` runs the call, completes the
/// future with its value, and calls `after_call` once, after the call.
#[test]
fn exe_workitem_5_run_then_completes_and_calls_after_once() {
    let (item, f, ran) = counting_item();
    let running = item.start().unwrap();
    let after = Arc::new(AtomicUsize::new(0));
    let a = after.clone();
    let r = ran.clone();
    running.run_then(move || {
        assert_eq!(r.load(Ordering::SeqCst), 1, "after_call follows the call");
        a.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(f.result(None).unwrap(), 7);
    assert_eq!(after.load(Ordering::SeqCst), 1);
}

/// EXE-WORKITEM-5: a claimed item's `Debug` is opaque, as `WorkItem`'s.
#[test]
fn exe_workitem_5_running_work_debug_is_opaque() {
    let (item, _f) = WorkItem::new(|| 1);
    let running = item.start().unwrap();
    assert_eq!(format!("{running:?}"), "RunningWork { .. }");
    running.run();
}
