//! One workload on one executor, for a profiler (`valgrind --tool=callgrind`):
//!
//! ```sh
//! CARGO_PROFILE_RELEASE_DEBUG=true cargo build --release -p concurrent-futures-benches --bin profile
//! valgrind --tool=callgrind target/release/profile ours throughput 100000
//! ```
//!
//! Arguments: executor (`ours`, `threadpool`, `rayon`, `tokio`,
//! `crossbeam`, `floor`, `async-task`), workload (`throughput`, `round_trip`, `contention`, and for
//! `ours` also `map1`, `map64`, `map1024`, `wait_all`, `as_completed`),
//! count, and optionally how many times to repeat the workload on the same
//! pool (default 1; with more, the time per task of each repetition is
//! printed).

use concurrent_futures::{Executor, MapOptions, ReturnWhen, as_completed, wait};
use concurrent_futures_benches::WORKERS;
use concurrent_futures_benches::peers::{
    AsyncTaskPool, ChannelPool, FloorPool, Ours, Peer, RayonPool, ThreadPoolCrate, TokioBlocking,
};
use concurrent_futures_benches::workloads::{contention, round_trip, submit_collect, tiny};
use std::time::Instant;

fn run<P: Peer>(workload: &str, n: usize, repeat: usize) -> u64 {
    let peer = P::with_workers(WORKERS);
    let mut sum = 0u64;
    let mut per_task = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        let start = Instant::now();
        sum = sum.wrapping_add(match workload {
            "throughput" => submit_collect(&peer, n),
            "round_trip" => (0..n as u64).map(|i| round_trip(&peer, i)).sum(),
            "contention" => contention(&peer, 4, n),
            other => panic!("unknown workload {other}"),
        });
        per_task.push(start.elapsed().as_nanos() / n as u128);
    }
    if repeat > 1 {
        println!("ns per task, each repetition: {per_task:?}");
    }
    sum
}

fn map(chunksize: usize, n: usize) -> u64 {
    let peer = Ours::with_workers(WORKERS);
    let options = MapOptions::new().chunksize(chunksize);
    peer.pool
        .map_with(tiny, 0..n as u64, options)
        .expect("pool is running")
        .map(Result::unwrap)
        .fold(0, u64::wrapping_add)
}

/// Submits `n` tiny tasks and waits for them all with `wait(ALL_COMPLETED)`
/// or by draining `as_completed`.
fn waits(use_as_completed: bool, n: usize) -> u64 {
    let peer = Ours::with_workers(WORKERS);
    let fs: Vec<_> = (0..n as u64)
        .map(|i| peer.submit(move || tiny(i)))
        .collect();
    if use_as_completed {
        as_completed(&fs, None)
            .map(|f| f.unwrap().result(None).unwrap())
            .fold(0, u64::wrapping_add)
    } else {
        wait(&fs, None, ReturnWhen::AllCompleted).done.len() as u64
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: profile EXECUTOR WORKLOAD COUNT [REPEAT]";
    let (executor, workload) = (args.get(1).expect(usage), args.get(2).expect(usage));
    let n: usize = args
        .get(3)
        .expect(usage)
        .parse()
        .expect("COUNT is a number");
    let repeat: usize = args
        .get(4)
        .map_or(1, |r| r.parse().expect("REPEAT is a number"));
    let sum = match (executor.as_str(), workload.as_str()) {
        ("ours", "map1") => map(1, n),
        ("ours", "map64") => map(64, n),
        ("ours", "map1024") => map(1024, n),
        ("ours", "wait_all") => waits(false, n),
        ("ours", "as_completed") => waits(true, n),
        ("ours", w) => run::<Ours>(w, n, repeat),
        ("threadpool", w) => run::<ThreadPoolCrate>(w, n, repeat),
        ("rayon", w) => run::<RayonPool>(w, n, repeat),
        ("tokio", w) => run::<TokioBlocking>(w, n, repeat),
        ("crossbeam", w) => run::<ChannelPool>(w, n, repeat),
        ("floor", w) => run::<FloorPool>(w, n, repeat),
        ("async-task", w) => run::<AsyncTaskPool>(w, n, repeat),
        (e, _) => panic!("unknown executor {e}"),
    };
    println!("{executor} {workload} {n}: checksum {sum}");
}
