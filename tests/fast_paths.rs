//! The shortcuts taken for speed (benches/FINDINGS.md) give the same
//! results as the plain paths: `MapIter::fold` and `size_hint`, `wait` and
//! `as_completed` over many and duplicated futures.

mod support;
use concurrent_futures::{Error, Executor, MapOptions, ReturnWhen, as_completed, wait};
use std::collections::HashSet;
use support::*;

/// Fails on multiples of `bad` (0: never).
fn f(bad: usize) -> impl Fn(usize) -> usize + Send + Sync + 'static {
    move |x| {
        if bad != 0 && x % bad == 0 && x > 0 {
            panic!("bad {x}");
        }
        x * 3
    }
}

fn describe(item: Result<usize, Error>) -> String {
    match item {
        Ok(v) => v.to_string(),
        Err(Error::Exception(e)) => format!("exception {e}"),
        Err(e) => format!("{e:?}"),
    }
}

#[test]
fn map_fold_matches_next() {
    let p = pool(2);
    for chunksize in [1, 3, 64] {
        for buffersize in [None, Some(2)] {
            for bad in [0, 1, 7, 500] {
                let options = match buffersize {
                    Some(b) => MapOptions::new().chunksize(chunksize).buffersize(b),
                    None => MapOptions::new().chunksize(chunksize),
                };
                let mut by_next = Vec::new();
                let mut it = p.map_with(f(bad), 0..300, options).unwrap();
                for item in it.by_ref() {
                    by_next.push(describe(item));
                }
                let by_fold = p.map_with(f(bad), 0..300, options).unwrap().fold(
                    Vec::new(),
                    |mut acc, item| {
                        acc.push(describe(item));
                        acc
                    },
                );
                assert_eq!(
                    by_next, by_fold,
                    "chunksize {chunksize} buffersize {buffersize:?} bad {bad}"
                );
                // fold after a few next() calls, mid-chunk
                let mut it = p.map_with(f(bad), 0..300, options).unwrap();
                let mut mixed: Vec<String> = it.by_ref().take(5).map(describe).collect();
                mixed = it.fold(mixed, |mut acc, item| {
                    acc.push(describe(item));
                    acc
                });
                assert_eq!(by_next, mixed, "mixed, chunksize {chunksize} bad {bad}");
            }
        }
    }
}

#[test]
fn map_size_hint_is_a_lower_bound() {
    let p = pool(2);
    for chunksize in [1, 4, 50] {
        for bad in [0, 1, 9] {
            for buffersize in [None, Some(3)] {
                let options = match buffersize {
                    Some(b) => MapOptions::new().chunksize(chunksize).buffersize(b),
                    None => MapOptions::new().chunksize(chunksize),
                };
                let mut it = p.map_with(f(bad), 0..100, options).unwrap();
                let mut hints = vec![it.size_hint()];
                let mut count = 0;
                while it.next().is_some() {
                    count += 1;
                    hints.push(it.size_hint());
                }
                assert_eq!(it.size_hint(), (0, Some(0)));
                for (seen, (lower, upper)) in hints.into_iter().enumerate() {
                    let remaining = count - seen;
                    assert!(lower <= remaining, "lower {lower} > remaining {remaining}");
                    assert!(upper.is_none_or(|u| u >= remaining));
                }
            }
        }
    }
    let empty = p.map(f(0), 0..0).unwrap();
    assert_eq!(empty.size_hint().0, 0);
}

#[test]
fn wait_and_as_completed_with_duplicates_and_many_futures() {
    let p = pool(2);
    let fs: Vec<_> = (0..2000usize)
        .map(|i| p.submit(move || i).unwrap())
        .collect();
    let mut with_dups = fs.clone();
    with_dups.extend(fs.iter().step_by(3).cloned());
    let r = wait(&with_dups, None, ReturnWhen::AllCompleted);
    assert_eq!(r.done.len(), fs.len());
    assert!(r.not_done.is_empty());
    for f in &fs {
        assert!(r.done.contains(f));
    }
    let seen: HashSet<usize> = as_completed(&with_dups, None)
        .map(|f| f.unwrap().result(None).unwrap())
        .collect();
    assert_eq!(seen.len(), fs.len());
    // Split between done and not done.
    let gate = Gate::new();
    let started = Latch::new();
    let held = blocked(&p, &started, &gate, 0usize);
    let mut mixed = fs[..100].to_vec();
    mixed.push(held.clone());
    mixed.push(held.clone());
    let r = wait(
        &mixed,
        Some(std::time::Duration::from_millis(10)),
        ReturnWhen::AllCompleted,
    );
    assert_eq!((r.done.len(), r.not_done.len()), (100, 1));
    assert!(r.not_done.contains(&held));
    gate.open();
    held.result(Some(WATCHDOG)).unwrap();
}
