//! Workload 6, contention: 2, 4 and 8 threads submit 100k tiny tasks in
//! all, at once, each collecting its own results (issue 14's target: with 8
//! submitters within 1.2× the floor pool).

mod common;

use concurrent_futures_benches::peers::{
    AsyncTaskPool, ChannelPool, FloorPool, Ours, Peer, RayonPool, ThreadPoolCrate, TokioBlocking,
};
use concurrent_futures_benches::workloads::contention;
use concurrent_futures_benches::{WORKERS, count_label};
use criterion::{BenchmarkId, Criterion, Throughput};

const TASKS: usize = 100_000;
const SUBMITTERS: [usize; 3] = [2, 4, 8];

fn bench_peer<P: Peer>(c: &mut Criterion) {
    let peer = P::with_workers(WORKERS);
    let mut g = common::group(c, "contention");
    g.throughput(Throughput::Elements(TASKS as u64));
    for threads in SUBMITTERS {
        let id = BenchmarkId::new(P::NAME, format!("{threads}thr/{}", count_label(TASKS)));
        g.bench_with_input(id, &threads, |b, &threads| {
            b.iter(|| contention(&peer, threads, TASKS))
        });
    }
    g.finish();
}

fn contended(c: &mut Criterion) {
    bench_peer::<Ours>(c);
    bench_peer::<ThreadPoolCrate>(c);
    bench_peer::<RayonPool>(c);
    bench_peer::<TokioBlocking>(c);
    bench_peer::<ChannelPool>(c);
    bench_peer::<FloorPool>(c);
    bench_peer::<AsyncTaskPool>(c);
}

fn main() {
    common::run(&[contended]);
}
