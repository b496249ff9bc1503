//! One workload on one executor, for a profiler (`valgrind --tool=callgrind`):
//!
//! ```sh
//! CARGO_PROFILE_RELEASE_DEBUG=true cargo build --release -p concurrent-futures-benches --bin profile
//! valgrind --tool=callgrind target/release/profile ours throughput 100000
//! ```
//!
//! Arguments: executor (`ours`, `threadpool`, `rayon`, `tokio`,
//! `crossbeam`, `floor`, `async-task`), workload (`throughput`, `round_trip`, `contention` (4
//! submitting threads), `contention8` (8, as the `contention` bench's widest row), and for
//! `ours` also `map1`, `map64`, `map1024` (`map` with that chunksize,
//! consumed by `fold`), `collect1`, `collect64`, `collect1024` (the same,
//! collected into a `Result<Vec<_>, _>` as the `map` bench does),
//! `wait_all`, `as_completed`),
//! count, optionally how many times to repeat the workload on the same
//! pool (default 1; with more, the time per task of each repetition is
//! printed), and optionally how many worker threads (default
//! [`WORKERS`]; `benches/scaling.py` runs 1 to 64). Bad arguments: one line
//! on stderr and exit status 2.

use concurrent_futures::{Executor, MapOptions, ReturnWhen, as_completed, wait};
use concurrent_futures_benches::WORKERS;
use concurrent_futures_benches::peers::{
    AsyncTaskPool, ChannelPool, FloorPool, Ours, Peer, RayonPool, ThreadPoolCrate, TokioBlocking,
};
use concurrent_futures_benches::workloads::{contention, round_trip, submit_collect, tiny};
use std::time::Instant;

fn run<P: Peer>(workload: &str, n: usize, repeat: usize, workers: usize) -> u64 {
    let peer = P::with_workers(workers);
    let mut sum = 0u64;
    let mut per_task = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        let start = Instant::now();
        sum = sum.wrapping_add(match workload {
            "throughput" => submit_collect(&peer, n),
            "round_trip" => (0..n as u64).map(|i| round_trip(&peer, i)).sum(),
            "contention" => contention(&peer, 4, n),
            "contention8" => contention(&peer, 8, n),
            other => fail(&format!("unknown workload {other}")),
        });
        per_task.push(start.elapsed().as_nanos() / n as u128);
    }
    if repeat > 1 {
        println!("ns per task, each repetition: {per_task:?}");
    }
    sum
}

fn map(chunksize: usize, n: usize, workers: usize) -> u64 {
    let peer = Ours::with_workers(workers);
    let options = MapOptions::new().chunksize(chunksize);
    peer.pool
        .map_with(tiny, 0..n as u64, options)
        .expect("pool is running")
        .map(Result::unwrap)
        .fold(0, u64::wrapping_add)
}

/// `map` collected as the `map` bench does: into a `Result<Vec<_>, _>`,
/// which goes through `try_fold` and `next()`, not `fold`.
fn map_collect(chunksize: usize, n: usize, workers: usize) -> u64 {
    let peer = Ours::with_workers(workers);
    let options = MapOptions::new().chunksize(chunksize);
    let values = peer
        .pool
        .map_with(tiny, 0..n as u64, options)
        .expect("pool is running")
        .collect::<Result<Vec<u64>, _>>()
        .expect("tiny tasks do not fail");
    // Not a sum over the values: that would add a loop of the profile's own
    // to every item's count.
    values.len() as u64 + values.last().copied().unwrap_or(0)
}

/// Submits `n` tiny tasks and waits for them all with `wait(ALL_COMPLETED)`
/// or by draining `as_completed`.
fn waits(use_as_completed: bool, n: usize, workers: usize) -> u64 {
    let peer = Ours::with_workers(workers);
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

const USAGE: &str = "usage: profile EXECUTOR WORKLOAD COUNT [REPEAT] [WORKERS]";

/// Bad input: one line and exit status 2.
fn fail(message: &str) -> ! {
    eprintln!("profile: {message} ({USAGE})");
    std::process::exit(2)
}

/// Argument `i` as a number from 1 to `max`, or `default` when absent.
fn number(args: &[String], i: usize, name: &str, default: Option<usize>, max: usize) -> usize {
    match (args.get(i), default) {
        (None, Some(d)) => d,
        (None, None) => fail(&format!("missing {name}")),
        (Some(a), _) => match a.parse() {
            Ok(n) if n > 0 && n <= max => n,
            _ => fail(&format!(
                "{name} must be a number from 1 to {max}, not {a:?}"
            )),
        },
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 || args.len() > 6 {
        fail("wrong number of arguments");
    }
    let (executor, workload) = (&args[1], &args[2]);
    let n = number(&args, 3, "COUNT", None, 100_000_000);
    let repeat = number(&args, 4, "REPEAT", Some(1), 10_000);
    let workers = number(&args, 5, "WORKERS", Some(WORKERS), 1024);
    let workloads = ["throughput", "round_trip", "contention", "contention8"];
    let ours_only = [
        "map1",
        "map64",
        "map1024",
        "collect1",
        "collect64",
        "collect1024",
        "wait_all",
        "as_completed",
    ];
    let known = workloads.contains(&workload.as_str())
        || (executor == "ours" && ours_only.contains(&workload.as_str()));
    if !known {
        fail(&format!("unknown workload {workload} for {executor}"));
    }
    let sum = match (executor.as_str(), workload.as_str()) {
        ("ours", "map1") => map(1, n, workers),
        ("ours", "map64") => map(64, n, workers),
        ("ours", "map1024") => map(1024, n, workers),
        ("ours", "collect1") => map_collect(1, n, workers),
        ("ours", "collect64") => map_collect(64, n, workers),
        ("ours", "collect1024") => map_collect(1024, n, workers),
        ("ours", "wait_all") => waits(false, n, workers),
        ("ours", "as_completed") => waits(true, n, workers),
        ("ours", w) => run::<Ours>(w, n, repeat, workers),
        ("threadpool", w) => run::<ThreadPoolCrate>(w, n, repeat, workers),
        ("rayon", w) => run::<RayonPool>(w, n, repeat, workers),
        ("tokio", w) => run::<TokioBlocking>(w, n, repeat, workers),
        ("crossbeam", w) => run::<ChannelPool>(w, n, repeat, workers),
        ("floor", w) => run::<FloorPool>(w, n, repeat, workers),
        ("async-task", w) => run::<AsyncTaskPool>(w, n, repeat, workers),
        (e, _) => fail(&format!("unknown executor {e}")),
    };
    println!("{executor} {workload} {n}: checksum {sum}");
}
