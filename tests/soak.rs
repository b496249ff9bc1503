//! Bounded soak (issue 12): many submitters against short-lived pools, with
//! every fault the core must survive, checking POOL-DROPPANIC-1,
//! CB-PANICDROP-1, POOL-CBIDLE-1, SHUT-WAIT-1 and EXE-RESILIENT-1 at scale.
//!
//! Asserts that every future reaches a final state within [`BOUND`] once
//! its pool is gone, and that no worker thread outlives its pool: a pool
//! dropped on the test's thread has no live worker when its `Drop` returns;
//! a pool dropped inside its own task has none within [`BOUND`].
//!
//! In `cargo test` it runs for `CF_SOAK_SECS` seconds (default 2). For a
//! long soak: `CF_SOAK_SECS=300 cargo test --release -p concurrent-futures
//! --test soak -- --nocapture` (prints operations, futures and seconds).

mod support;
use concurrent_futures::diagnostics::{self, Handler};
use concurrent_futures::{
    Executor, Future, MapOptions, ReturnWhen, ThreadPoolExecutor, as_completed, wait,
};
use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::*;

/// How long a future may take to become final once its pool is gone, and a
/// detached worker to exit: generous, a failure bound, not a schedule.
const BOUND: Duration = Duration::from_secs(30);
const SUBMITTERS: usize = 6;
const OPS_PER_SUBMITTER: usize = 60;

/// A value whose `Drop` panics.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("soak bomb");
    }
}

/// Decrements its pool's live-worker count when the worker thread exits.
struct LiveGuard(Arc<AtomicUsize>);

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

thread_local! {
    static LIVE: RefCell<Option<LiveGuard>> = const { RefCell::new(None) };
}

/// Opens its gate when dropped.
struct OpenOnDrop(Gate);

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        self.0.open();
    }
}

/// xorshift: a reproducible stream per submitter.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

struct Totals {
    ops: AtomicU64,
    futures: AtomicU64,
}

/// One submitter's mixed workload against `pool`; returns the futures it
/// holds handles to.
fn submitter(pool: &ThreadPoolExecutor, gate: &Gate, seed: u64, t: &Totals) -> Vec<Future<u64>> {
    let mut rng = Rng(seed | 1);
    let mut held: Vec<Future<u64>> = Vec::new();
    for i in 0..OPS_PER_SUBMITTER as u64 {
        t.ops.fetch_add(1, Ordering::Relaxed);
        let kind = rng.below(16);
        let submitted: Option<Future<u64>> = match kind {
            0 => pool.submit(move || i).ok(),
            1 => pool
                .submit_fallible(move || -> Result<u64, String> { Err(format!("fail {i}")) })
                .ok(),
            2 => pool.submit(|| -> u64 { panic!("soak panic") }).ok(),
            3 => pool.submit(|| -> u64 { std::panic::panic_any(Bomb) }).ok(),
            4 => {
                // A value with a panicking Drop, no handle left to read it.
                // If the task has already finished, this thread drops the
                // last handle and the Bomb with it: its own panic to catch.
                let f = pool.submit(|| Bomb);
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(f)));
                None
            }
            5 => {
                let g = gate.clone();
                pool.submit(move || {
                    g.wait();
                    i
                })
                .ok()
            }
            6 => {
                let bomb = Bomb;
                let f = pool.submit(move || {
                    let _keep = &bomb;
                    i
                });
                f.ok().inspect(|f| {
                    f.cancel();
                })
            }
            7 => pool.submit(move || i).ok().inspect(|f| {
                let p = pool.clone();
                f.add_done_callback(move |_| {
                    if let Ok(g) = p.submit(|| 1) {
                        let _ = g.result(Some(Duration::from_millis(1)));
                    }
                });
            }),
            8 => {
                let victim = held.last().cloned();
                pool.submit(move || i).ok().inspect(|f| {
                    f.add_done_callback(move |_| {
                        if let Some(v) = victim {
                            v.cancel();
                        }
                    });
                })
            }
            9 => pool.submit(move || i).ok().inspect(|f| {
                let p = pool.clone();
                f.add_done_callback(move |_| {
                    // Not waiting: the caller may be a submitter while
                    // blocked tasks wait for the round's gate.
                    let _ = p.shutdown(false, false);
                });
            }),
            10 => pool.submit(move || i).ok().inspect(|f| {
                f.add_done_callback(|_| std::panic::panic_any(Bomb));
            }),
            11 => {
                let _ = wait(
                    held.iter().rev().take(4),
                    Some(Duration::from_micros(200)),
                    ReturnWhen::FirstCompleted,
                );
                None
            }
            12 => {
                for r in as_completed(held.iter().rev().take(4), Some(Duration::from_micros(200))) {
                    if r.is_err() {
                        break;
                    }
                }
                None
            }
            13 => {
                let opts = MapOptions {
                    timeout: Some(Duration::from_millis(5)),
                    ..MapOptions::default()
                };
                if let Ok(mut it) = pool.map_with(|x: u64| x + 1, 0..8u64, opts) {
                    let _ = it.next();
                } // dropped mid-way
                None
            }
            14 if rng.below(8) == 0 => {
                let _ = pool.shutdown(false, rng.below(2) == 0);
                None
            }
            _ => pool.submit(move || i * 2).ok(),
        };
        if let Some(f) = submitted {
            t.futures.fetch_add(1, Ordering::Relaxed);
            held.push(f);
        }
    }
    held
}

/// One round: a pool, concurrent submitters, then the pool goes away.
fn round(n: u64, t: &Totals) {
    let live = Arc::new(AtomicUsize::new(0));
    let l = live.clone();
    let failing = n % 7 == 3;
    let pool = ThreadPoolExecutor::builder()
        .max_workers(1 + (n % 4) as usize)
        .initializer(move || {
            l.fetch_add(1, Ordering::SeqCst);
            LIVE.with(|g| *g.borrow_mut() = Some(LiveGuard(l.clone())));
            if failing {
                return Err("soak initializer".into());
            }
            Ok(())
        })
        .build()
        .unwrap();
    let gate = Gate::new();
    // Opens the gate even if a submitter fails, so the failure is reported
    // instead of the pool's Drop waiting for blocked tasks.
    let _opener = OpenOnDrop(gate.clone());
    let held: Vec<Future<u64>> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..SUBMITTERS as u64)
            .map(|k| {
                let (pool, gate) = (&pool, &gate);
                s.spawn(move || submitter(pool, gate, n * 1_000 + k + 1, t))
            })
            .collect();
        // Concurrent shutdowns while the submitters run.
        if n % 3 == 0 {
            let _ = pool.shutdown(false, n % 2 == 0);
        }
        let held = hs.into_iter().flat_map(|h| h.join().unwrap()).collect();
        gate.open();
        // Concurrent waiting shutdowns, racing each other and the Drop below.
        if n % 2 == 0 {
            for _ in 0..2 {
                s.spawn(|| pool.shutdown(true, n % 4 == 0).unwrap());
            }
        }
        held
    });
    let in_own_task = n % 5 == 4;
    if in_own_task {
        // The last handle is dropped inside the pool's own task (unless the
        // submit is refused: then it is dropped here).
        let inner = pool.clone();
        let _ = pool.submit(move || drop(inner));
    } else {
        // A waiting shutdown joins every worker not joined by another one.
        pool.shutdown(true, false).unwrap();
        assert_eq!(
            live.load(Ordering::SeqCst),
            0,
            "round {n}: a worker outlived shutdown(true)"
        );
    }
    drop(pool);
    let not_done = wait(&held, Some(BOUND), ReturnWhen::AllCompleted).not_done;
    assert!(not_done.is_empty(), "round {n}: futures left unfinished");
    // Callbacks may hold the last handles: the pool then shuts down without
    // waiting, and its workers leave on their own, within the bound.
    let start = Instant::now();
    while live.load(Ordering::SeqCst) != 0 {
        assert!(
            start.elapsed() < BOUND,
            "round {n}: a worker outlived its pool"
        );
        std::thread::yield_now();
    }
}

/// The panics the workload raises on purpose.
fn is_expected(info: &std::panic::PanicHookInfo<'_>) -> bool {
    let p = info.payload();
    p.is::<Bomb>()
        || [
            p.downcast_ref::<&str>().copied(),
            p.downcast_ref::<String>().map(|s| s.as_str()),
        ]
        .into_iter()
        .flatten()
        .any(|m| m.starts_with("soak") || m.starts_with("fail"))
}

/// POOL-DROPPANIC-1, CB-PANICDROP-1, POOL-CBIDLE-1, SHUT-WAIT-1,
/// EXE-RESILIENT-1: the bounded soak.
#[test]
fn soak_every_future_final_and_no_worker_outlives_its_pool() {
    // Silence the thousands of expected panics; keep this test's own.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !is_expected(info) {
            default_hook(info);
        }
    }));
    diagnostics::set_handler(Handler::Ignore);
    let secs: u64 = std::env::var("CF_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let totals = Arc::new(Totals {
        ops: AtomicU64::new(0),
        futures: AtomicU64::new(0),
    });
    let start = Instant::now();
    let mut rounds = 0;
    while rounds < 4 || start.elapsed() < Duration::from_secs(secs) {
        // Each round under the watchdog: a hang is a failure.
        let t = totals.clone();
        within_watchdog("soak round", move || round(rounds, &t));
        rounds += 1;
    }
    let _ = std::panic::take_hook();
    println!(
        "soak: {} rounds, {} operations, {} futures, {:.1} s",
        rounds,
        totals.ops.load(Ordering::Relaxed),
        totals.futures.load(Ordering::Relaxed),
        start.elapsed().as_secs_f64()
    );
}
