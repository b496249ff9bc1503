//! Workload 1, throughput: submit N tiny tasks, then collect every result,
//! for N from 1k to 1M for every peer, and 10M for ours and the two bars
//! (the per-task cost should stay flat from 1k to 10M, issue 14).

mod common;

use concurrent_futures_benches::peers::{
    AsyncTaskPool, ChannelPool, FloorPool, Ours, Peer, RayonPool, ThreadPoolCrate, TokioBlocking,
};
use concurrent_futures_benches::workloads::submit_collect;
use concurrent_futures_benches::{WORKERS, count_label};
use criterion::{BenchmarkId, Criterion, Throughput};
use std::time::Duration;

const COUNTS: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];

/// The largest size, run only for ours and the bars (`floor`, `async-task`):
/// one iteration takes seconds and holds 10M pending results (~1–3 GB).
const HUGE: usize = 10_000_000;

/// Measurement time of the [`HUGE`] rows: criterion's minimum of 10
/// samples, of one iteration each at ~3–4 s per iteration (two each for a
/// pool under 1.5 s), so ~30–40 s per peer.
const HUGE_MEASUREMENT: Duration = Duration::from_secs(30);

fn bench_peer<P: Peer>(c: &mut Criterion, huge: bool) {
    let peer = P::with_workers(WORKERS);
    let mut g = common::group(c, "throughput");
    let huge = huge.then_some(HUGE);
    for n in COUNTS.into_iter().chain(huge) {
        g.throughput(Throughput::Elements(n as u64));
        if n == HUGE {
            g.measurement_time(HUGE_MEASUREMENT);
        }
        g.bench_with_input(BenchmarkId::new(P::NAME, count_label(n)), &n, |b, &n| {
            b.iter(|| submit_collect(&peer, n))
        });
    }
    g.finish();
}

fn throughput(c: &mut Criterion) {
    bench_peer::<Ours>(c, true);
    bench_peer::<ThreadPoolCrate>(c, false);
    bench_peer::<RayonPool>(c, false);
    bench_peer::<TokioBlocking>(c, false);
    bench_peer::<ChannelPool>(c, false);
    bench_peer::<FloorPool>(c, true);
    bench_peer::<AsyncTaskPool>(c, true);
}

fn main() {
    common::run(&[throughput]);
}
