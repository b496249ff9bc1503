//! Workload 7, memory: heap bytes per pending task, measured with a
//! counting global allocator (not a criterion bench).
//!
//! For each peer: one worker, held at a gate by a first task; then N tasks
//! with an empty closure are submitted and their handles kept in a vector
//! allocated beforehand. Bytes per task = (heap in use after − before) / N:
//! the task box, its future / slot / join handle, and its share of the
//! queue's growth. Allocation calls per task are counted too. Results are
//! printed and written to `target/cf-bench/memory.json` for `report.py`.

use concurrent_futures_benches::gate::Gate;
use concurrent_futures_benches::peers::{
    ChannelPool, Ours, Peer, RayonPool, ThreadPoolCrate, TokioBlocking,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The system allocator, counting bytes in use and allocation calls.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static CALLS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counters are
// only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        IN_USE.fetch_add(layout.size(), Relaxed);
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
        CALLS.fetch_add(1, Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Pending tasks per measurement.
const TASKS: usize = 10_000;

/// Bytes and allocation calls per pending task for `P`, best of three fresh
/// pools (the minimum discards allocations by unrelated runtime threads).
fn measure<P: Peer>() -> (f64, f64) {
    (0..3)
        .map(|_| {
            let peer = P::with_workers(1);
            let gate = Gate::new();
            let g = gate.clone();
            let held = peer.submit(move || g.pass());
            gate.wait_arrived(1);
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

fn main() {
    let rows = [
        (Ours::NAME, measure::<Ours>()),
        (ThreadPoolCrate::NAME, measure::<ThreadPoolCrate>()),
        (RayonPool::NAME, measure::<RayonPool>()),
        (TokioBlocking::NAME, measure::<TokioBlocking>()),
        (ChannelPool::NAME, measure::<ChannelPool>()),
    ];
    println!("memory: heap per pending task ({TASKS} tasks, one worker held)");
    let mut json = String::from("{\n  \"tasks\": ");
    json.push_str(&format!("{TASKS},\n  \"peers\": {{\n"));
    for (i, (name, (bytes, calls))) in rows.iter().enumerate() {
        println!("  {name:<12} {bytes:>8.1} bytes/task  {calls:>5.2} allocations/task");
        let comma = if i + 1 < rows.len() { "," } else { "" };
        json.push_str(&format!(
            "    \"{name}\": {{\"bytes_per_task\": {bytes:.1}, \"allocs_per_task\": {calls:.2}}}{comma}\n"
        ));
    }
    json.push_str("  }\n}\n");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/cf-bench");
    std::fs::create_dir_all(dir).expect("create target/cf-bench");
    std::fs::write(format!("{dir}/memory.json"), json).expect("write memory.json");
}
