//! Workload 3, map: 1M tiny items through `map` with chunksize 1, 64 and
//! 1024, and with `buffersize`, collected in input order into a `Vec`.
//! rayon's counterpart is `par_iter().with_min_len(chunksize).map().collect()`
//! on its own pool (`with_min_len(1)` is plain `par_iter`); rayon has nothing
//! like `buffersize`.

mod common;

use concurrent_futures::{Executor, MapOptions};
use concurrent_futures_benches::peers::{Ours, Peer, RayonPool};
use concurrent_futures_benches::workloads::tiny;
use concurrent_futures_benches::{WORKERS, count_label};
use criterion::{BenchmarkId, Criterion, Throughput};
use rayon::prelude::*;

const ITEMS: usize = 1_000_000;

/// (chunksize, buffersize) of each row.
const VARIANTS: [(usize, Option<usize>); 6] = [
    (1, None),
    (64, None),
    (1024, None),
    (1, Some(256)),
    (64, Some(8)),
    (1024, Some(4)),
];

fn label(chunksize: usize, buffersize: Option<usize>) -> String {
    let mut s = format!("{}/cs={chunksize}", count_label(ITEMS));
    if let Some(bs) = buffersize {
        s.push_str(&format!("/bs={bs}"));
    }
    s
}

fn ours(c: &mut Criterion) {
    let peer = Ours::with_workers(WORKERS);
    let mut g = common::group(c, "map");
    g.throughput(Throughput::Elements(ITEMS as u64));
    for (cs, bs) in VARIANTS {
        let mut options = MapOptions::new().chunksize(cs);
        if let Some(bs) = bs {
            options = options.buffersize(bs);
        }
        g.bench_function(BenchmarkId::new(Ours::NAME, label(cs, bs)), |b| {
            b.iter(|| {
                peer.pool
                    .map_with(tiny, 0..ITEMS as u64, options)
                    .expect("pool is running")
                    .collect::<Result<Vec<u64>, _>>()
                    .expect("tiny tasks do not fail")
            })
        });
    }
    g.finish();
}

fn rayon(c: &mut Criterion) {
    let peer = RayonPool::with_workers(WORKERS);
    let mut g = common::group(c, "map");
    g.throughput(Throughput::Elements(ITEMS as u64));
    for (cs, _) in VARIANTS.iter().filter(|(_, bs)| bs.is_none()) {
        g.bench_function(BenchmarkId::new(RayonPool::NAME, label(*cs, None)), |b| {
            b.iter(|| {
                peer.pool.install(|| {
                    // A `usize` range: rayon's `u64` ranges are not indexed.
                    (0..ITEMS)
                        .into_par_iter()
                        .with_min_len(*cs)
                        .map(|i| tiny(i as u64))
                        .collect::<Vec<u64>>()
                })
            })
        });
    }
    g.finish();
}

fn main() {
    common::run(&[ours, rayon]);
}
