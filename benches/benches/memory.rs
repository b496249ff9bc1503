//! Workload 7, memory: heap per pending task and allocations per task run,
//! measured with a counting global allocator (not a criterion bench).
//!
//! Pending: for each peer, one worker, held at a gate by a first task; then
//! N tasks with an empty closure are submitted and their handles kept in a
//! vector allocated beforehand. Bytes per task = (heap in use after −
//! before) / N: the task's allocations, its future / slot / join handle,
//! and its share of the queue's growth. Allocation calls per task are
//! counted too.
//!
//! Run: with the bench's worker count, the throughput workload
//! (`submit_collect`, tiny tasks) once to warm the pool up, then once more
//! counted: allocation calls and bytes allocated per task, less the
//! workload's own two vectors (handles and results), whatever was freed.
//!
//! Results are printed and written to `target/cf-bench/memory.json` for
//! `report.py`.

use concurrent_futures_benches::WORKERS;
use concurrent_futures_benches::gate::hold;
use concurrent_futures_benches::peers::{
    AsyncTaskPool, ChannelPool, FloorPool, Ours, Peer, RayonPool, ThreadPoolCrate, TokioBlocking,
};
use concurrent_futures_benches::workloads::{expected_sum, submit_collect};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The system allocator, counting bytes in use and allocation calls.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static CALLS: AtomicUsize = AtomicUsize::new(0);
/// Bytes ever allocated (a `realloc` counts its new size).
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counters are
// only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        IN_USE.fetch_add(layout.size(), Relaxed);
        ALLOCATED.fetch_add(layout.size(), Relaxed);
        CALLS.fetch_add(1, Relaxed);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        IN_USE.fetch_add(new_size, Relaxed);
        IN_USE.fetch_sub(layout.size(), Relaxed);
        ALLOCATED.fetch_add(new_size, Relaxed);
        CALLS.fetch_add(1, Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Pending tasks per measurement, and tasks of the counted run.
const TASKS: usize = 10_000;

/// One peer's figures: per pending task (bytes, allocations), per task run
/// (allocations, bytes allocated).
struct Row {
    name: &'static str,
    pending: (f64, f64),
    run: (f64, f64),
}

/// Bytes and allocation calls per pending task for `P`, best of three fresh
/// pools (the minimum discards allocations by unrelated runtime threads).
fn measure<P: Peer>() -> (f64, f64) {
    (0..3)
        .map(|_| {
            let peer = P::with_workers(1);
            let (gate, held) = hold(&peer);
            let mut handles = Vec::with_capacity(TASKS);
            let (bytes0, calls0) = (IN_USE.load(Relaxed), CALLS.load(Relaxed));
            for _ in 0..TASKS {
                handles.push(peer.submit(|| ()));
            }
            let (bytes1, calls1) = (IN_USE.load(Relaxed), CALLS.load(Relaxed));
            gate.open();
            peer.join(held);
            peer.join_all(handles);
            let per_task = |a: usize, b: usize| (b as f64 - a as f64) / TASKS as f64;
            (per_task(bytes0, bytes1), per_task(calls0, calls1))
        })
        .fold((f64::MAX, f64::MAX), |(b, c), (b2, c2)| {
            (b.min(b2), c.min(c2))
        })
}

/// Allocation calls and bytes allocated per task of a throughput run of
/// `P` with [`WORKERS`] workers, after one warm-up run, less the workload's
/// vectors of handles and results.
fn measure_run<P: Peer>() -> (f64, f64) {
    let peer = P::with_workers(WORKERS);
    assert_eq!(submit_collect(&peer, TASKS), expected_sum(TASKS));
    let (calls0, bytes0) = (CALLS.load(Relaxed), ALLOCATED.load(Relaxed));
    assert_eq!(submit_collect(&peer, TASKS), expected_sum(TASKS));
    let (calls1, bytes1) = (CALLS.load(Relaxed), ALLOCATED.load(Relaxed));
    let vectors = TASKS * (size_of::<P::Handle<u64>>() + size_of::<u64>());
    (
        (calls1 - calls0).saturating_sub(2) as f64 / TASKS as f64,
        (bytes1 - bytes0).saturating_sub(vectors) as f64 / TASKS as f64,
    )
}

fn row<P: Peer>() -> Row {
    Row {
        name: P::NAME,
        pending: measure::<P>(),
        run: measure_run::<P>(),
    }
}

fn main() {
    let rows = [
        row::<Ours>(),
        row::<ThreadPoolCrate>(),
        row::<RayonPool>(),
        row::<TokioBlocking>(),
        row::<ChannelPool>(),
        row::<FloorPool>(),
        row::<AsyncTaskPool>(),
    ];
    println!(
        "memory: per pending task ({TASKS} tasks, one worker held) | per task run ({TASKS} tasks, {WORKERS} workers)"
    );
    let mut json = String::from("{\n  \"tasks\": ");
    json.push_str(&format!("{TASKS},\n  \"peers\": {{\n"));
    for (i, r) in rows.iter().enumerate() {
        let ((bytes, calls), (run_calls, run_bytes)) = (r.pending, r.run);
        println!(
            "  {:<12} {bytes:>8.1} bytes/task  {calls:>5.2} allocations/task | {run_calls:>5.2} allocations/task  {run_bytes:>8.1} bytes allocated/task",
            r.name
        );
        let comma = if i + 1 < rows.len() { "," } else { "" };
        json.push_str(&format!(
            "    \"{}\": {{\"bytes_per_task\": {bytes:.1}, \"allocs_per_task\": {calls:.2}, \"run_allocs_per_task\": {run_calls:.2}, \"run_bytes_per_task\": {run_bytes:.1}}}{comma}\n",
            r.name
        ));
    }
    json.push_str("  }\n}\n");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/cf-bench");
    std::fs::create_dir_all(dir).expect("create target/cf-bench");
    std::fs::write(format!("{dir}/memory.json"), json).expect("write memory.json");
}
