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
