//! Workload 4: `wait(ALL_COMPLETED)`, `wait(FIRST_COMPLETED)` and
//! `as_completed` over N futures (1k, 10k, 100k: the cost per future should
//! stay flat). Each iteration submits N tiny tasks and then waits; the time
//! covers both (compare with the `throughput` rows of the same N for the
//! waiting's own share). After `FIRST_COMPLETED` the rest is drained
//! outside the timed part.
//!
//! tokio's counterpart is a `JoinSet` of `spawn_blocking` tasks:
//! `join_all()` for ALL_COMPLETED, one `join_next()` for FIRST_COMPLETED,
//! `join_next()` until empty for `as_completed`. threadpool, rayon and the
//! channel pool have no way to wait on a set of tasks.

mod common;

use concurrent_futures::{Future, ReturnWhen, as_completed, wait};
use concurrent_futures_benches::peers::{Ours, Peer, TokioBlocking};
use concurrent_futures_benches::workloads::tiny;
use concurrent_futures_benches::{WORKERS, count_label};
use criterion::{BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

const COUNTS: [usize; 3] = [1_000, 10_000, 100_000];

fn submit(peer: &Ours, n: usize) -> Vec<Future<u64>> {
    (0..n as u64)
        .map(|i| peer.submit(move || tiny(i)))
        .collect()
}

fn ours(c: &mut Criterion) {
    let peer = Ours::with_workers(WORKERS);
    for n in COUNTS {
        let id = BenchmarkId::new(Ours::NAME, count_label(n));

        let mut g = common::group(c, "wait_all");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(id.clone(), |b| {
            b.iter(|| {
                let fs = submit(&peer, n);
                let r = wait(&fs, None, ReturnWhen::AllCompleted);
                assert_eq!(r.done.len(), n);
                fs
            })
        });
        g.finish();

        let mut g = common::group(c, "wait_first");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(id.clone(), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let fs = submit(&peer, n);
                    let r = wait(&fs, None, ReturnWhen::FirstCompleted);
                    total += start.elapsed();
                    black_box(r.done.len());
                    wait(&fs, None, ReturnWhen::AllCompleted);
                }
                total
            })
        });
        g.finish();

        let mut g = common::group(c, "as_completed");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(id, |b| {
            b.iter(|| {
                let fs = submit(&peer, n);
                let mut sum = 0u64;
                for f in as_completed(&fs, None) {
                    sum = sum.wrapping_add(f.unwrap().result(None).unwrap());
                }
                sum
            })
        });
        g.finish();
    }
}

fn join_set(peer: &TokioBlocking, n: usize) -> JoinSet<u64> {
    let mut set = JoinSet::new();
    for i in 0..n as u64 {
        set.spawn_blocking_on(move || tiny(i), peer.rt.handle());
    }
    set
}

fn tokio(c: &mut Criterion) {
    let peer = TokioBlocking::with_workers(WORKERS);
    for n in COUNTS {
        let id = BenchmarkId::new(TokioBlocking::NAME, count_label(n));

        let mut g = common::group(c, "wait_all");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(id.clone(), |b| {
            b.iter(|| {
                let set = join_set(&peer, n);
                peer.rt.block_on(set.join_all())
            })
        });
        g.finish();

        let mut g = common::group(c, "wait_first");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(id.clone(), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let mut set = join_set(&peer, n);
                    let first = peer.rt.block_on(set.join_next());
                    total += start.elapsed();
                    black_box(first);
                    peer.rt.block_on(set.join_all());
                }
                total
            })
        });
        g.finish();

        let mut g = common::group(c, "as_completed");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(id, |b| {
            b.iter(|| {
                let mut set = join_set(&peer, n);
                peer.rt.block_on(async {
                    let mut sum = 0u64;
                    while let Some(r) = set.join_next().await {
                        sum = sum.wrapping_add(r.unwrap());
                    }
                    sum
                })
            })
        });
        g.finish();
    }
}

fn main() {
    common::run(&[ours, tokio]);
}
