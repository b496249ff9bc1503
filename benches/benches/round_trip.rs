//! Workload 2, round trip: submit one task and wait for its result,
//! repeated — the wake-up latency of an idle pool, both ways.

mod common;

use concurrent_futures_benches::WORKERS;
use concurrent_futures_benches::peers::{
    AsyncTaskPool, ChannelPool, FloorPool, Ours, Peer, RayonPool, ThreadPoolCrate, TokioBlocking,
};
use concurrent_futures_benches::workloads::round_trip;
use criterion::{BenchmarkId, Criterion, Throughput};

fn bench_peer<P: Peer>(c: &mut Criterion) {
    let peer = P::with_workers(WORKERS);
    let mut g = common::group(c, "round_trip");
    g.throughput(Throughput::Elements(1));
    let mut i = 0u64;
    g.bench_function(BenchmarkId::new(P::NAME, "1"), |b| {
        b.iter(|| {
            i += 1;
            round_trip(&peer, i)
        })
    });
    g.finish();
}

fn round_trips(c: &mut Criterion) {
    bench_peer::<Ours>(c);
    bench_peer::<ThreadPoolCrate>(c);
    bench_peer::<RayonPool>(c);
    bench_peer::<TokioBlocking>(c);
    bench_peer::<ChannelPool>(c);
    bench_peer::<FloorPool>(c);
    bench_peer::<AsyncTaskPool>(c);
}

fn main() {
    common::run(&[round_trips]);
}
