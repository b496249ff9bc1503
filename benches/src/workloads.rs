//! The workloads that every [`Peer`] can express: throughput, round trip
//! and contention. Each returns a checksum of the results so that nothing
//! is optimised away and the tests can check every peer computed the same.

use crate::peers::Peer;

/// The tiny task: a multiply and a shift, nothing to wait for.
#[inline]
pub fn tiny(i: u64) -> u64 {
    i.wrapping_mul(0x9E37_79B9) >> 7
}

/// The checksum [`submit_collect`] returns for `n` tasks.
pub fn expected_sum(n: usize) -> u64 {
    (0..n as u64).map(tiny).fold(0, u64::wrapping_add)
}

/// Workload 1: submit `n` tiny tasks, then collect every result.
pub fn submit_collect<P: Peer>(peer: &P, n: usize) -> u64 {
    let handles: Vec<_> = (0..n as u64)
        .map(|i| peer.submit(move || tiny(i)))
        .collect();
    peer.join_all(handles)
        .into_iter()
        .fold(0, u64::wrapping_add)
}

/// Workload 2: submit one task and wait for its result (wake-up latency
/// both ways: the worker's and the submitter's).
pub fn round_trip<P: Peer>(peer: &P, i: u64) -> u64 {
    let handle = peer.submit(move || tiny(i));
    peer.join(handle)
}

/// Workload 6: `threads` threads submit `n` tasks in all (an equal share
/// each, at once) and each collects its own results.
pub fn contention<P: Peer>(peer: &P, threads: usize, n: usize) -> u64 {
    let share = n / threads;
    std::thread::scope(|s| {
        let joins: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let start = (t * share) as u64;
                    let handles: Vec<_> = (start..start + share as u64)
                        .map(|i| peer.submit(move || tiny(i)))
                        .collect();
                    peer.join_all(handles)
                        .into_iter()
                        .fold(0, u64::wrapping_add)
                })
            })
            .collect();
        joins
            .into_iter()
            .map(|j| j.join().expect("submitter panicked"))
            .fold(0, u64::wrapping_add)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WORKERS;
    use crate::peers::{
        AsyncTaskPool, ChannelPool, FloorPool, Ours, RayonPool, ThreadPoolCrate, TokioBlocking,
    };

    /// Every workload computes the right checksum, and every task runs on
    /// a worker thread, not the submitter's, its handle giving back its own
    /// value.
    fn check<P: Peer>() {
        let peer = P::with_workers(WORKERS);
        let me = std::thread::current().id();
        let handles: Vec<_> = (0..100u64)
            .map(|i| peer.submit(move || (i * 3, std::thread::current().id())))
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            let (v, ran_on) = peer.join(h);
            assert_eq!(v, i as u64 * 3, "{}", P::NAME);
            assert_ne!(
                ran_on,
                me,
                "{}: task {i} ran on the submitting thread",
                P::NAME
            );
        }
        assert_eq!(
            submit_collect(&peer, 1_000),
            expected_sum(1_000),
            "{}",
            P::NAME
        );
        assert_eq!(round_trip(&peer, 5), tiny(5), "{}", P::NAME);
        assert_eq!(
            contention(&peer, 4, 1_000),
            expected_sum(1_000),
            "{}",
            P::NAME
        );
    }

    #[test]
    fn every_peer_computes_the_same_on_its_workers() {
        check::<Ours>();
        check::<ThreadPoolCrate>();
        check::<RayonPool>();
        check::<TokioBlocking>();
        check::<ChannelPool>();
        check::<FloorPool>();
        check::<AsyncTaskPool>();
    }
}
