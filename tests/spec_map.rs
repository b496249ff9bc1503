//! Executor::map / map_with: spec/map.md.

mod support;
use concurrent_futures::{Error, Executor, MapOptions, ThreadPoolExecutor};
use std::time::{Duration, Instant};
use support::*;

/// An input that logs every item taken from it.
fn logged<I: Iterator<Item = usize> + Send>(
    it: I,
    pulled: &Log<usize>,
) -> impl Iterator<Item = usize> + Send + use<I> {
    let pulled = pulled.clone();
    it.inspect(move |&x| pulled.push(x))
}

/// A one-worker pool whose worker is held on `gate` by an outside task.
fn held_pool() -> (ThreadPoolExecutor, Gate) {
    let p = pool(1);
    let (started, gate) = (Latch::new(), Gate::new());
    let _ = blocked(&p, &started, &gate, ());
    started.wait_for(1);
    (p, gate)
}

/// Waits until every task submitted to `p` so far has been taken and
/// finished (one worker, FIFO: a marker task submitted now runs last).
fn drain(p: &ThreadPoolExecutor) {
    p.submit(|| ()).unwrap().result(Some(WATCHDOG)).unwrap();
}

/// MAP-VALIDATE-1, ERR-MSG-2
#[test]
fn map_validate_options_before_reading_input() {
    let p = pool(2);
    let pulled = Log::new();
    let cases = [
        (MapOptions::new().chunksize(0), "chunksize must be >= 1."),
        (
            MapOptions::new().buffersize(0),
            "buffersize must be None or > 0",
        ),
        (
            MapOptions::new().chunksize(0).buffersize(0),
            "chunksize must be >= 1.",
        ),
    ];
    for (opts, msg) in cases {
        match p.map_with(|x: usize| x, logged(0..10, &pulled), opts) {
            Err(Error::InvalidArgument(m)) => assert_eq!(m, msg),
            other => panic!("expected InvalidArgument, got {:?}", other.map(|_| ())),
        }
    }
    assert!(pulled.items().is_empty(), "no item taken");
    assert_eq!(p.threads_started(), 0, "nothing submitted");
}

/// MAP-EAGER-1
#[test]
fn map_eager_submits_everything_at_the_call() {
    let (p, gate) = held_pool();
    let pulled = Log::new();
    let it = p.map(|x: usize| x, logged(0..7, &pulled)).unwrap();
    assert_eq!(
        pulled.items(),
        (0..7).collect::<Vec<_>>(),
        "all taken at the call"
    );
    gate.open();
    assert_eq!(
        it.map(Result::unwrap).collect::<Vec<_>>(),
        (0..7).collect::<Vec<_>>()
    );
    // Refused by a shut-down executor; empty input is fine even then.
    p.shutdown(true, false).unwrap();
    assert!(matches!(p.map(|x: usize| x, 0..3), Err(Error::Shutdown)));
    assert_eq!(p.map(|x: usize| x, 0..0).unwrap().count(), 0);
}

/// MAP-EAGER-1, MAP-DROP-2: the iterator's `Debug` shows every item in flight
/// from the call on, whether a `next()` has started it, and when it is over.
#[test]
fn map_eager_debug_shows_the_items_in_flight() {
    let p = pool(1);
    let mut it = p.map(|x: usize| x * 10, 0..3).unwrap();
    assert_eq!(
        format!("{it:?}"),
        "MapIter { in_flight: 3, started: false, finished: false }"
    );
    assert_eq!(it.next().unwrap().unwrap(), 0);
    assert_eq!(
        format!("{it:?}"),
        "MapIter { in_flight: 2, started: true, finished: false }"
    );
    assert_eq!(
        it.by_ref().map(Result::unwrap).collect::<Vec<_>>(),
        [10, 20]
    );
    assert_eq!(
        format!("{it:?}"),
        "MapIter { in_flight: 0, started: true, finished: true }"
    );
}

/// MAP-ZIP-1, DIV-ZIP-1
#[test]
fn map_zip_stops_at_the_shortest_input() {
    let p = pool(2);
    let calls = Log::new();
    let c = calls.clone();
    let it = p
        .map(
            move |(a, b): (i32, i32)| {
                c.push((a, b));
                a + b
            },
            vec![1, 2, 3].into_iter().zip([10, 20]),
        )
        .unwrap();
    assert_eq!(it.map(Result::unwrap).collect::<Vec<_>>(), [11, 22]);
    p.shutdown(true, false).unwrap();
    let mut got = calls.items();
    got.sort();
    assert_eq!(got, [(1, 10), (2, 20)], "exactly two tasks");
}

/// MAP-ORDER-1
#[test]
fn map_order_results_in_input_order_whatever_finishes_first() {
    let p = pool(3);
    let gates: Vec<Gate> = (0..3).map(|_| Gate::new()).collect();
    let started = Latch::new();
    let (gs, s) = (gates.clone(), started.clone());
    let it = p
        .map(
            move |i: usize| {
                s.arrive();
                gs[i].wait();
                i * 10
            },
            0..3,
        )
        .unwrap();
    started.wait_for(3);
    for g in gates.iter().rev() {
        g.open(); // finish in reverse order
    }
    let got: Vec<usize> = it.map(Result::unwrap).collect();
    assert_eq!(got, [0, 10, 20]);
}

/// MAP-DEADLINE-1
#[test]
fn map_deadline_counts_from_the_call() {
    let (p, gate) = held_pool();
    let timeout = Duration::from_secs(2);
    let call = Instant::now();
    let mut it = p
        .map_with(|x: usize| x, 0..1, MapOptions::new().timeout(timeout))
        .unwrap();
    // Spend most of the budget before the first next(); a timed wait, not a sleep.
    let _ = concurrent_futures::Future::<()>::new().result(Some(Duration::from_millis(1800)));
    let t = Instant::now();
    assert!(matches!(it.next(), Some(Err(Error::Timeout(None)))));
    assert!(call.elapsed() >= timeout, "not before the deadline");
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "next() waited {:?}: the deadline was not fixed at the call",
        t.elapsed()
    );
    gate.open();
    // A result already done is yielded even after the deadline.
    let mut it = p
        .map_with(
            |x: usize| x + 1,
            0..1,
            MapOptions::new().timeout(Duration::from_millis(1)),
        )
        .unwrap();
    drain(&p);
    let _ = concurrent_futures::Future::<()>::new().result(Some(Duration::from_millis(20)));
    assert_eq!(it.next().unwrap().unwrap(), 1);
}

/// MAP-TIMEOUT-1
#[test]
fn map_timeout_cancels_awaited_and_later_tasks() {
    let (p, gate) = held_pool();
    let ran = Log::new();
    let r = ran.clone();
    let mut it = p
        .map_with(
            move |x: usize| r.push(x),
            0..3,
            MapOptions::new().timeout(Duration::from_millis(50)),
        )
        .unwrap();
    assert!(matches!(it.next(), Some(Err(Error::Timeout(None)))));
    assert!(it.next().is_none());
    gate.open();
    drain(&p);
    assert!(
        ran.items().is_empty(),
        "the awaited task and the later ones were cancelled"
    );
}

/// MAP-ERROR-1, DIV-PANIC-1
#[test]
fn map_error_yields_failure_cancels_later_and_ends() {
    let p = pool(1);
    let (started2, gate2) = (Latch::new(), Gate::new());
    let ran = Log::new();
    let (r, s, g) = (ran.clone(), started2.clone(), gate2.clone());
    let mut it = p
        .map(
            move |x: usize| {
                r.push(x);
                match x {
                    1 => panic!("item 1 failed"),
                    2 => {
                        s.arrive();
                        g.wait();
                        x
                    }
                    _ => x,
                }
            },
            0..4,
        )
        .unwrap();
    assert_eq!(it.next().unwrap().unwrap(), 0);
    started2.wait_for(1); // item 2 is running, item 3 queued
    match it.next() {
        Some(Err(Error::Exception(e))) => assert_eq!(e.to_string(), "item 1 failed"),
        other => panic!(
            "expected the failure, got {:?}",
            other.map(|r| r.map(|_| ()))
        ),
    }
    assert!(it.next().is_none());
    gate2.open();
    drain(&p);
    assert_eq!(
        ran.items(),
        [0, 1, 2],
        "item 3 was cancelled; running item 2 finished"
    );
}

/// MAP-DROP-1
#[test]
fn map_drop_after_next_cancels_unyielded() {
    let p = pool(1);
    let (started, gate) = (Latch::new(), Gate::new());
    let ran = Log::new();
    let (r, s, g) = (ran.clone(), started.clone(), gate.clone());
    let mut it = p
        .map(
            move |x: usize| {
                r.push(x);
                if x == 1 {
                    s.arrive();
                    g.wait();
                }
                x
            },
            0..4,
        )
        .unwrap();
    assert_eq!(it.next().unwrap().unwrap(), 0);
    started.wait_for(1);
    drop(it);
    gate.open();
    drain(&p);
    assert_eq!(
        ran.items(),
        [0, 1],
        "running item 1 finished; 2 and 3 never ran"
    );
}

/// MAP-DROP-2
#[test]
fn map_drop_before_next_cancels_nothing() {
    let (p, gate) = held_pool();
    let ran = Log::new();
    let r = ran.clone();
    let it = p.map(move |x: usize| r.push(x), 0..4).unwrap();
    drop(it);
    gate.open();
    drain(&p);
    assert_eq!(ran.items(), [0, 1, 2, 3]);
}

/// MAP-BUFFER-1, MAP-BUFFER-2
#[test]
fn map_buffer_takes_n_then_one_per_next() {
    let p = pool(2);
    let pulled = Log::new();
    let mut it = p
        .map_with(
            |x: usize| x * 2,
            logged(0.., &pulled),
            MapOptions::new().buffersize(3),
        )
        .unwrap();
    assert_eq!(
        pulled.items().len(),
        3,
        "an infinite input: exactly n taken at the call"
    );
    for k in 1..=5 {
        assert_eq!(it.next().unwrap().unwrap(), (k - 1) * 2);
        assert_eq!(pulled.items().len(), 3 + k, "after next() #{k}");
    }
    drop(it);
    // A short input: min(n, len).
    let pulled = Log::new();
    let it = p
        .map_with(
            |x: usize| x,
            logged(0..2, &pulled),
            MapOptions::new().buffersize(5),
        )
        .unwrap();
    assert_eq!(pulled.items().len(), 2);
    assert_eq!(it.map(Result::unwrap).collect::<Vec<_>>(), [0, 1]);
}

/// MAP-BUFFER-3, DIV-MAPSHUT-1
#[test]
fn map_buffer_shutdown_ends_with_the_shutdown_error() {
    let p = pool(1);
    let mut it = p
        .map_with(|x: usize| x, 0..10, MapOptions::new().buffersize(2))
        .unwrap();
    p.shutdown(true, false).unwrap();
    assert!(matches!(it.next(), Some(Err(Error::Shutdown))));
    assert!(it.next().is_none());
    // Input exhausted: no submission is needed, buffered results come normally.
    let q = pool(1);
    let it = q
        .map_with(|x: usize| x, 0..2, MapOptions::new().buffersize(2))
        .unwrap();
    q.shutdown(true, false).unwrap();
    assert_eq!(it.map(Result::unwrap).collect::<Vec<_>>(), [0, 1]);
}

/// MAP-CHUNK-1, DIV-CHUNK-2
#[test]
fn map_chunk_groups_items_and_a_failure_stops_its_chunk() {
    let p = pool(3);
    let seen: Log<(usize, String)> = Log::new();
    let s = seen.clone();
    let got: Vec<usize> = p
        .map_with(
            move |x: usize| {
                s.push((x, std::thread::current().name().unwrap().to_string()));
                x
            },
            0..8,
            MapOptions::new().chunksize(3),
        )
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(got, (0..8).collect::<Vec<_>>());
    let seen = seen.items();
    for chunk in [0..3, 3..6, 6..8] {
        let rows: Vec<&(usize, String)> = seen.iter().filter(|(x, _)| chunk.contains(x)).collect();
        let items: Vec<usize> = rows.iter().map(|(x, _)| *x).collect();
        assert_eq!(
            items,
            chunk.clone().collect::<Vec<_>>(),
            "in order within a chunk"
        );
        assert!(
            rows.iter().all(|(_, t)| *t == rows[0].1),
            "one worker per chunk"
        );
    }
    // A failing item: earlier items of its chunk are yielded, later ones never run.
    let ran = Log::new();
    let r = ran.clone();
    let mut it = p
        .map_with(
            move |x: usize| {
                r.push(x);
                if x == 4 {
                    panic!("four");
                }
                x
            },
            0..6,
            MapOptions::new().chunksize(3),
        )
        .unwrap();
    let ok: Vec<usize> = (0..4).map(|_| it.next().unwrap().unwrap()).collect();
    assert_eq!(ok, [0, 1, 2, 3]);
    assert!(matches!(it.next(), Some(Err(Error::Exception(_)))));
    assert!(it.next().is_none());
    p.shutdown(true, false).unwrap();
    assert!(
        !ran.items().contains(&5),
        "the item after the failure never ran"
    );
}

/// MAP-CHUNK-1, MAP-ERROR-1: `size_hint` counts exactly what is certain: the
/// values left of the chunk being yielded, plus one if a submitted chunk or a
/// chunk's failure is still to come; no upper bound until the iteration is
/// over.
#[test]
fn map_chunk_size_hint_counts_the_current_chunk() {
    let p = pool(2);
    let mut it = p
        .map_with(|x: usize| x, 0..6, MapOptions::new().chunksize(4))
        .unwrap();
    let mut hints = vec![it.size_hint()];
    while let Some(v) = it.next() {
        v.unwrap();
        hints.push(it.size_hint());
    }
    hints.push(it.size_hint());
    let n = None;
    // Chunk [0..4] (values 0–3), then chunk [4..6] (values 4, 5), then the end.
    let want = [
        (1, n),
        (4, n),
        (3, n),
        (2, n),
        (1, n),
        (1, n),
        (0, n),
        (0, Some(0)),
    ];
    assert_eq!(hints, want);
    // One item per chunk: every submitted item counts as one more.
    let mut it = p.map(|x: usize| x, 0..2).unwrap();
    assert_eq!(it.size_hint(), (1, None));
    it.next().unwrap().unwrap();
    assert_eq!(it.size_hint(), (1, None));
    it.next().unwrap().unwrap();
    assert_eq!(it.size_hint(), (0, None));
    assert!(it.next().is_none());
    assert_eq!(it.size_hint(), (0, Some(0)));
    // A chunk's failure is one more item after its values.
    let mut it = p
        .map_with(
            |x: usize| if x == 2 { panic!("two") } else { x },
            0..4,
            MapOptions::new().chunksize(4),
        )
        .unwrap();
    assert_eq!(it.next().unwrap().unwrap(), 0);
    assert_eq!(it.size_hint(), (2, None), "the value 1, then the failure");
    assert_eq!(it.next().unwrap().unwrap(), 1);
    assert_eq!(it.size_hint(), (1, None), "the failure");
    assert!(matches!(it.next(), Some(Err(Error::Exception(_)))));
    assert_eq!(it.size_hint(), (0, Some(0)));
}

/// MAP-CHUNK-2, DIV-CHUNK-1
#[test]
fn map_chunk_buffersize_and_timeout_count_chunks() {
    let p = pool(2);
    let pulled = Log::new();
    let opts = MapOptions::new().chunksize(3).buffersize(1);
    let mut it = p
        .map_with(|x: usize| x, logged(0.., &pulled), opts)
        .unwrap();
    assert_eq!(pulled.items().len(), 3, "one chunk at the call");
    assert_eq!(it.next().unwrap().unwrap(), 0);
    assert_eq!(pulled.items().len(), 6, "one more chunk before waiting");
    assert_eq!(it.next().unwrap().unwrap(), 1);
    assert_eq!(it.next().unwrap().unwrap(), 2);
    assert_eq!(
        pulled.items().len(),
        6,
        "items of a done chunk need no new chunk"
    );
    assert_eq!(it.next().unwrap().unwrap(), 3);
    assert_eq!(pulled.items().len(), 9);
    drop(it);
    // A timeout cancels whole chunks.
    let (q, gate) = held_pool();
    let ran = Log::new();
    let r = ran.clone();
    let mut it = q
        .map_with(
            move |x: usize| r.push(x),
            0..6,
            MapOptions::new()
                .chunksize(2)
                .timeout(Duration::from_millis(50)),
        )
        .unwrap();
    assert!(matches!(it.next(), Some(Err(Error::Timeout(None)))));
    gate.open();
    drain(&q);
    assert!(ran.items().is_empty(), "no chunk ran");
}
