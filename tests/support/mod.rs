//! Test helpers shared by every integration test: gates, latches and a
//! watchdog. Tests order events with these, never with sleeps.
#![allow(dead_code)]

use concurrent_futures::{Executor, Future, ThreadPoolExecutor};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// A one-way door: threads block in `wait` until someone calls `open`.
#[derive(Clone, Default)]
pub struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    pub fn new() -> Gate {
        Gate::default()
    }
    pub fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }
    pub fn is_open(&self) -> bool {
        *self.0.0.lock().unwrap()
    }
    pub fn wait(&self) {
        let mut open = self.0.0.lock().unwrap();
        while !*open {
            open = self.0.1.wait(open).unwrap();
        }
    }
}

/// Counts arrivals; `wait_for(n)` blocks until at least `n` have arrived.
#[derive(Clone, Default)]
pub struct Latch(Arc<(Mutex<usize>, Condvar)>);

impl Latch {
    pub fn new() -> Latch {
        Latch::default()
    }
    pub fn arrive(&self) {
        *self.0.0.lock().unwrap() += 1;
        self.0.1.notify_all();
    }
    pub fn count(&self) -> usize {
        *self.0.0.lock().unwrap()
    }
    pub fn wait_for(&self, n: usize) {
        let mut c = self.0.0.lock().unwrap();
        while *c < n {
            c = self.0.1.wait(c).unwrap();
        }
    }
}

/// An append-only log that several threads write to (callback order, start order…).
#[derive(Clone, Default)]
pub struct Log<T>(Arc<Mutex<Vec<T>>>);

impl<T: Clone> Log<T> {
    pub fn new() -> Log<T> {
        Log(Arc::new(Mutex::new(Vec::new())))
    }
    pub fn push(&self, v: T) {
        self.0.lock().unwrap().push(v);
    }
    pub fn items(&self) -> Vec<T> {
        self.0.lock().unwrap().clone()
    }
}

/// A pool with `n` workers.
pub fn pool(n: usize) -> ThreadPoolExecutor {
    ThreadPoolExecutor::builder()
        .max_workers(n)
        .build()
        .unwrap()
}

/// Submits a task that reports it started (on `started`) and then blocks
/// until `gate` opens, returning `value`.
pub fn blocked<T: Send + Clone + 'static>(
    pool: &ThreadPoolExecutor,
    started: &Latch,
    gate: &Gate,
    value: T,
) -> Future<T> {
    let (started, gate) = (started.clone(), gate.clone());
    pool.submit(move || {
        started.arrive();
        gate.wait();
        value
    })
    .unwrap()
}

/// Generous bound for "this must not hang" checks: a failure, never a wedge.
pub const WATCHDOG: Duration = Duration::from_secs(30);

/// Runs `f` on another thread and fails the test if it has not returned
/// within [`WATCHDOG`] (a hang becomes a failure instead of wedging CI).
pub fn within_watchdog<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(r) => r,
        Err(_) => panic!("watchdog: `{what}` did not return within {WATCHDOG:?}"),
    }
}

/// A one-worker pool whose initializer waits for `gate` and then fails: it
/// panics if `panics`, otherwise it returns an error. Work submitted before
/// `gate` opens is queued when the pool breaks.
pub fn failing_init_pool(gate: &Gate, panics: bool) -> ThreadPoolExecutor {
    let g = gate.clone();
    ThreadPoolExecutor::builder()
        .max_workers(1)
        .initializer(move || {
            g.wait();
            if panics {
                panic!("initializer panicked");
            }
            Err("initializer failed".into())
        })
        .build()
        .unwrap()
}

/// Submits `n` tasks that can only finish if all `n` run at the same time
/// (they meet at a barrier of `n`), and fails if they do not finish.
pub fn run_all_at_once(pool: &ThreadPoolExecutor, n: usize) {
    let barrier = Arc::new(std::sync::Barrier::new(n));
    let fs: Vec<_> = (0..n)
        .map(|_| {
            let b = barrier.clone();
            pool.submit(move || {
                b.wait();
            })
            .unwrap()
        })
        .collect();
    within_watchdog(&format!("{n} tasks that must run at once"), move || {
        for f in fs {
            f.result(None).unwrap();
        }
    });
}

/// Linux: whether the thread of this process named `name` is asleep (state
/// `S` in `/proc`), seen on several reads in a row.
#[cfg(target_os = "linux")]
pub fn asleep(name: &str) -> bool {
    let state = || -> Option<char> {
        for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
            let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
            let (head, tail) = stat.rsplit_once(')')?;
            if head.split_once('(')?.1 == name {
                return tail.trim_start().chars().next();
            }
        }
        None
    };
    (0..5).all(|_| {
        std::thread::yield_now();
        state() == Some('S')
    })
}
