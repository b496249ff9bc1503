//! A tour of the core: the two examples from Python's documentation, then
//! `map`, `as_completed`, `wait` and `shutdown(cancel_futures)`.
//!
//! Run it with `cargo run --release --example demo`.

use concurrent_futures::{
    Error, Executor, MapOptions, ReturnWhen, State, ThreadPoolExecutor, as_completed, wait,
};
use std::fs;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// `base ** exp` in decimal, with a small schoolbook big integer (Python's
/// `pow(323, 1235)` is an arbitrary-precision integer).
fn pow_decimal(base: u32, exp: u32) -> String {
    const LIMB: u64 = 1_000_000_000; // nine decimal digits per limb, least significant first
    let mut limbs: Vec<u64> = vec![1];
    for _ in 0..exp {
        let mut carry = 0;
        for limb in limbs.iter_mut() {
            let v = *limb * u64::from(base) + carry;
            *limb = v % LIMB;
            carry = v / LIMB;
        }
        while carry > 0 {
            limbs.push(carry % LIMB);
            carry /= LIMB;
        }
    }
    let mut s = limbs.last().unwrap().to_string();
    for limb in limbs.iter().rev().skip(1) {
        s.push_str(&format!("{limb:09}"));
    }
    s
}

/// Python: `with ThreadPoolExecutor(max_workers=1) as executor:
/// future = executor.submit(pow, 323, 1235); print(future.result())`.
fn seed_submit_pow() -> String {
    let executor = ThreadPoolExecutor::builder()
        .max_workers(1)
        .build()
        .unwrap();
    let future = executor.submit(|| pow_decimal(323, 1235)).unwrap();
    future.result(None).unwrap()
}

/// Python: `with ThreadPoolExecutor(max_workers=4) as e:` submitting four
/// `shutil.copy` calls; leaving the block waits for all of them.
fn seed_copy_files(dir: &Path) -> std::io::Result<Vec<String>> {
    for i in 1..=4 {
        fs::write(
            dir.join(format!("src{i}.txt")),
            format!("contents of file {i}\n"),
        )?;
    }
    {
        let e = ThreadPoolExecutor::builder()
            .max_workers(4)
            .build()
            .unwrap();
        for i in 1..=4 {
            let (from, to) = (
                dir.join(format!("src{i}.txt")),
                dir.join(format!("dest{i}.txt")),
            );
            e.submit(move || fs::copy(from, to)).unwrap();
        }
    } // Drop = shutdown(wait=true): every copy has finished here.
    (1..=4)
        .map(|i| fs::read_to_string(dir.join(format!("dest{i}.txt"))))
        .collect()
}

fn main() {
    // Task panics are caught and stored in their futures; keep the default
    // hook from printing a backtrace for each one.
    std::panic::set_hook(Box::new(|info| {
        let on_worker = std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("demo"));
        if !on_worker {
            eprintln!("{info}");
        }
    }));
    println!("== submit(pow, 323, 1235) ==");
    let digits = seed_submit_pow();
    println!(
        "323 ** 1235 = {}…{} ({} digits)",
        &digits[..20],
        &digits[digits.len() - 20..],
        digits.len()
    );

    println!("\n== with ThreadPoolExecutor(max_workers=4): copy four files ==");
    let dir = std::env::temp_dir().join(format!("concurrent-futures-demo-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    for (i, text) in seed_copy_files(&dir).unwrap().iter().enumerate() {
        println!("dest{}.txt: {}", i + 1, text.trim_end());
    }
    fs::remove_dir_all(&dir).unwrap();

    let pool = ThreadPoolExecutor::builder()
        .max_workers(4)
        .thread_name_prefix("demo")
        .build()
        .unwrap();

    println!("\n== map: results in input order, the first failure ends the iteration ==");
    let squares: Vec<u64> = pool
        .map(|x: u64| x * x, 1..=10)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    println!("squares of 1..=10: {squares:?}");
    let opts = MapOptions::new().chunksize(64).buffersize(4);
    let total: u64 = pool
        .map_with(|x: u64| x % 7, 0..100_000, opts)
        .unwrap()
        .map(Result::unwrap)
        .sum();
    println!("sum of x % 7 over 100000 items (chunksize 64, buffersize 4): {total}");
    for (i, item) in pool
        .map(
            |x: i32| if x == 3 { panic!("item {x} failed") } else { x },
            1..=5,
        )
        .unwrap()
        .enumerate()
    {
        match item {
            Ok(v) => println!("item {i}: Ok({v})"),
            Err(e) => println!(
                "item {i}: Err({}: {e}) -- the rest are cancelled",
                e.python_name()
            ),
        }
    }

    println!("\n== as_completed: yields in completion order ==");
    // A future that is already done when as_completed takes its snapshot (at
    // the first next()) is yielded first. Run it to completion before the
    // four blocking tasks take every worker of the pool.
    let starter = pool.submit(|| usize::MAX).unwrap();
    starter.result(None).unwrap();
    // Task i waits for its own signal; when future i is done, a done-callback
    // signals task i - 1. Releasing task 3 makes them finish 3, 2, 1, 0.
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..4).map(|_| mpsc::channel::<()>()).unzip();
    let futures: Vec<_> = rxs
        .into_iter()
        .enumerate()
        .map(|(i, rx)| {
            pool.submit(move || {
                rx.recv().unwrap();
                i
            })
            .unwrap()
        })
        .collect();
    for i in 1..4 {
        let next = txs[i - 1].clone();
        futures[i].add_done_callback(move |_| next.send(()).unwrap());
    }
    // Task 3 is released only once the starter has been yielded, so every
    // blocking task completes after the snapshot and is yielded in
    // completion order.
    let mut all = futures.clone();
    all.push(starter.clone());
    let mut order = Vec::new();
    for f in as_completed(&all, Some(Duration::from_secs(30))) {
        let f = f.unwrap();
        if f == starter {
            txs[3].send(()).unwrap();
        } else {
            order.push(f.result(None).unwrap());
        }
    }
    println!("completion order: {order:?}");

    println!("\n== wait(FIRST_EXCEPTION) ==");
    // The first task waits for a gate that opens only after wait() returned:
    // wait returns as soon as the second task has failed.
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let fs = vec![
        pool.submit(move || {
            gate_rx.recv().unwrap();
            1
        })
        .unwrap(),
        pool.submit(|| -> i32 { panic!("boom") }).unwrap(),
    ];
    let r = wait(&fs, None, ReturnWhen::FirstException);
    println!(
        "done: {} (the failed task), not done: {} (the gated one)",
        r.done.len(),
        r.not_done.len()
    );
    gate_tx.send(()).unwrap();
    println!("gated task's result: {}", fs[0].result(None).unwrap());

    println!("\n== shutdown(wait=false, cancel_futures=true) ==");
    let one = ThreadPoolExecutor::builder()
        .max_workers(1)
        .build()
        .unwrap();
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let running = one
        .submit(move || {
            started_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            "finished anyway"
        })
        .unwrap();
    started_rx.recv().unwrap();
    let queued: Vec<_> = (0..3).map(|i| one.submit(move || i).unwrap()).collect();
    one.shutdown(false, true).unwrap();
    println!("running task: {}", running.state());
    for (i, f) in queued.iter().enumerate() {
        println!("queued task {i}: {}", f.state());
    }
    // Unlike CPython (gh-92001), the cancelled futures are acknowledged, so
    // wait() on them returns at once instead of hanging.
    let r = wait(&queued, None, ReturnWhen::AllCompleted);
    println!(
        "wait() on the cancelled futures returned: {} done",
        r.done.len()
    );
    assert!(
        queued
            .iter()
            .all(|f| f.state() == State::CancelledAndNotified)
    );
    println!(
        "submit after shutdown: {}",
        one.submit(|| 0).map(|_| ()).unwrap_err()
    );
    release_tx.send(()).unwrap();
    println!("running task's result: {}", running.result(None).unwrap());
    assert!(matches!(queued[0].result(None), Err(Error::Cancelled)));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// EXE-SEED-1: the documentation's `submit(pow, 323, 1235)` example.
    #[test]
    fn exe_seed_submit_pow_matches_python() {
        let digits = seed_submit_pow();
        // Python: len(str(pow(323, 1235))) == 3099, and the first and last
        // digits below are those of CPython's result.
        assert_eq!(digits.len(), 3099);
        assert!(digits.starts_with("7330"), "{}", &digits[..10]);
        assert!(digits.ends_with("0507"), "{}", &digits[digits.len() - 10..]);
        assert_eq!(pow_decimal(2, 10), "1024");
        assert_eq!(pow_decimal(10, 9), "1000000000");
    }

    /// EXE-SEED-2: the documentation's four-file copy in a `with` block.
    #[test]
    fn exe_seed_copy_files_in_with_block() {
        let dir = std::env::temp_dir().join(format!("cf-seed-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let copied = seed_copy_files(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        let expected: Vec<String> = (1..=4).map(|i| format!("contents of file {i}\n")).collect();
        assert_eq!(copied, expected);
    }
}
