//! Workload 1, throughput: submit N tiny tasks, then collect every result,
//! for N from 1k to 1M (the per-task cost should stay flat).

mod common;

use concurrent_futures_benches::peers::{
    AsyncTaskPool, ChannelPool, FloorPool, Ours, Peer, RayonPool, ThreadPoolCrate, TokioBlocking,
};
use concurrent_futures_benches::workloads::submit_collect;
use concurrent_futures_benches::{WORKERS, count_label};
use criterion::{BenchmarkId, Criterion, Throughput};

const COUNTS: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];

fn bench_peer<P: Peer>(c: &mut Criterion) {
    let peer = P::with_workers(WORKERS);
    let mut g = common::group(c, "throughput");
    for n in COUNTS {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new(P::NAME, count_label(n)), &n, |b, &n| {
            b.iter(|| submit_collect(&peer, n))
        });
    }
    g.finish();
}

fn throughput(c: &mut Criterion) {
    bench_peer::<Ours>(c);
    bench_peer::<ThreadPoolCrate>(c);
    bench_peer::<RayonPool>(c);
    bench_peer::<TokioBlocking>(c);
    bench_peer::<ChannelPool>(c);
    bench_peer::<FloorPool>(c);
    bench_peer::<AsyncTaskPool>(c);
}

fn main() {
    common::run(&[throughput]);
}
