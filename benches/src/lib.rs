//! Shared code of the concurrent-futures benchmarks: the peers compared
//! with `concurrent_futures::ThreadPoolExecutor` ([`peers`]), the result
//! [`slot`] the peers without futures use, a [`gate`] to hold workers, and
//! the workloads every peer runs ([`workloads`]).
//!
//! The criterion benches live in `benches/`, the CPython counterpart in
//! `python/bench_cpython.py`, and `report.py` turns both into `SUMMARY.md`.

pub mod gate;
pub mod peers;
pub mod slot;
pub mod workloads;

/// Worker threads of every executor in every workload (the machine the
/// summary was taken on has 2 cores).
pub const WORKERS: usize = 2;

/// Criterion id of the `count` parameter: `10k`, `1M`, `500`.
pub fn count_label(count: usize) -> String {
    match count {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::count_label;

    #[test]
    fn labels() {
        assert_eq!(count_label(1_000_000), "1M");
        assert_eq!(count_label(10_000), "10k");
        assert_eq!(count_label(1_500), "1500");
    }
}
