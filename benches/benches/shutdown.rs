//! Workload 5: `shutdown(wait=False, cancel_futures=True)` with 100k tasks
//! queued behind workers held by a gate. Only the shutdown call is timed;
//! building the pool, queuing, releasing the workers and joining are not.
//! The channel pool's counterpart drains its channel, dropping each job
//! (its slot closes empty). threadpool, rayon and tokio's blocking pool
//! cannot cancel queued work.

mod common;

use concurrent_futures::Executor;
use concurrent_futures_benches::gate::Gate;
use concurrent_futures_benches::peers::{ChannelPool, Ours, Peer};
use concurrent_futures_benches::workloads::tiny;
use concurrent_futures_benches::{WORKERS, count_label};
use criterion::{BenchmarkId, Criterion, Throughput};
use std::time::{Duration, Instant};

const QUEUED: usize = 100_000;

/// Holds every worker of `peer` at a gate, queues `QUEUED` tiny tasks,
/// times `cancel(peer)`, then releases the workers.
fn timed_cancel<P: Peer>(cancel: impl Fn(&P)) -> Duration {
    let peer = P::with_workers(WORKERS);
    let gate = Gate::new();
    let held: Vec<_> = (0..WORKERS)
        .map(|_| {
            let gate = gate.clone();
            peer.submit(move || gate.pass())
        })
        .collect();
    gate.wait_arrived(WORKERS);
    let queued: Vec<_> = (0..QUEUED as u64)
        .map(|i| peer.submit(move || tiny(i)))
        .collect();
    let start = Instant::now();
    cancel(&peer);
    let elapsed = start.elapsed();
    gate.open();
    peer.join_all(held);
    drop(queued);
    elapsed
}

fn shutdown_cancel(c: &mut Criterion) {
    let mut g = common::group(c, "shutdown_cancel");
    g.throughput(Throughput::Elements(QUEUED as u64));
    g.bench_function(BenchmarkId::new(Ours::NAME, count_label(QUEUED)), |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    timed_cancel::<Ours>(|p| {
                        p.pool.shutdown(false, true).expect("first shutdown");
                    })
                })
                .sum()
        })
    });
    g.bench_function(
        BenchmarkId::new(ChannelPool::NAME, count_label(QUEUED)),
        |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        timed_cancel::<ChannelPool>(|p| {
                            assert_eq!(p.cancel_queued(), QUEUED);
                        })
                    })
                    .sum()
            })
        },
    );
    g.finish();
}

fn main() {
    common::run(&[shutdown_cancel]);
}
