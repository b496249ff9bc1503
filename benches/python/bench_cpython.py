#!/usr/bin/env python3
"""CPython's concurrent.futures.ThreadPoolExecutor on the workloads of the
Rust benches (stdlib only).

Every workload uses the same ids (group, value) and the same worker count
(2) as the criterion benches, so that benches/report.py can set them side
by side. Each workload is repeated until it has run for about
--seconds seconds (at least once, at most --max-repeats times); the median
time per iteration is reported, together with the number of elements
(tasks or items) one iteration processes, so ratios are per element.

Usage: python3 benches/python/bench_cpython.py [--out FILE] [--quick]
"""

import argparse
import json
import platform
import statistics
import sys
import threading
import time
import tracemalloc
from concurrent.futures import (ALL_COMPLETED, FIRST_COMPLETED,
                                ThreadPoolExecutor, as_completed, wait)

WORKERS = 2


def tiny(i):
    """The tiny task of the Rust benches: a multiply and a shift."""
    return ((i * 0x9E3779B9) & 0xFFFFFFFFFFFFFFFF) >> 7


def label(n):
    """1000 -> '1k', 1000000 -> '1M' (the Rust benches' count_label)."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


class Runner:
    """Times workloads and collects the results."""

    def __init__(self, seconds, max_repeats):
        self.seconds = seconds
        self.max_repeats = max_repeats
        self.results = []

    def run(self, group, value, elements, once, note=None):
        """Times `once()` (which may return its own duration in ns, for
        workloads that time only part of an iteration)."""
        samples = []
        start = time.perf_counter()
        while len(samples) < self.max_repeats:
            t0 = time.perf_counter_ns()
            own = once()
            t1 = time.perf_counter_ns()
            samples.append(own if own is not None else t1 - t0)
            if time.perf_counter() - start >= self.seconds:
                break
        ns = statistics.median(samples)
        row = {"group": group, "value": value, "elements": elements,
               "ns": ns, "samples": len(samples)}
        if note:
            row["note"] = note
        self.results.append(row)
        print(f"{group}/{value}: {ns / 1e6:10.3f} ms/iter "
              f"{ns / elements:9.1f} ns/element ({len(samples)} samples)",
              file=sys.stderr)


def submit_collect(pool, n):
    fs = [pool.submit(tiny, i) for i in range(n)]
    return sum(f.result() for f in fs)


def throughput(r, counts):
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for n in counts:
            r.run("throughput", label(n), n, lambda: submit_collect(pool, n) and None)


def round_trip(r, n):
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        def once():
            t0 = time.perf_counter_ns()
            for i in range(n):
                pool.submit(tiny, i).result()
            return (time.perf_counter_ns() - t0) // n
        r.run("round_trip", "1", 1, once)


def map_workload(r, n, rust_n):
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for cs in (1, 64, 1024):
            note = ("ThreadPoolExecutor ignores chunksize (it only applies to "
                    "ProcessPoolExecutor)")
            if n != rust_n:
                note += f"; {label(n)} items instead of {label(rust_n)}"
            r.run("map", f"{label(rust_n)}/cs={cs}", n,
                  lambda: list(pool.map(tiny, range(n), chunksize=cs)) and None,
                  note)


def waits(r, counts):
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for n in counts:
            def wait_all():
                fs = [pool.submit(tiny, i) for i in range(n)]
                done, _ = wait(fs, return_when=ALL_COMPLETED)
                assert len(done) == n

            def wait_first():
                t0 = time.perf_counter_ns()
                fs = [pool.submit(tiny, i) for i in range(n)]
                wait(fs, return_when=FIRST_COMPLETED)
                elapsed = time.perf_counter_ns() - t0
                wait(fs, return_when=ALL_COMPLETED)
                return elapsed

            def completed():
                fs = [pool.submit(tiny, i) for i in range(n)]
                return sum(f.result() for f in as_completed(fs)) and None

            r.run("wait_all", label(n), n, wait_all)
            r.run("wait_first", label(n), n, wait_first)
            r.run("as_completed", label(n), n, completed)


def held_pool(workers):
    """A pool whose `workers` workers are all blocked on a gate."""
    pool = ThreadPoolExecutor(max_workers=workers)
    gate = threading.Event()
    arrived = threading.Semaphore(0)

    def hold():
        arrived.release()
        gate.wait()

    held = [pool.submit(hold) for _ in range(workers)]
    for _ in range(workers):
        arrived.acquire()
    return pool, gate, held


def shutdown_cancel(r, n):
    def once():
        pool, gate, _ = held_pool(WORKERS)
        fs = [pool.submit(tiny, i) for i in range(n)]
        t0 = time.perf_counter_ns()
        pool.shutdown(wait=False, cancel_futures=True)
        elapsed = time.perf_counter_ns() - t0
        gate.set()
        pool.shutdown(wait=True)
        del fs
        return elapsed
    r.run("shutdown_cancel", label(n), n, once)


def contention(r, n):
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for threads in (2, 4, 8):
            share = n // threads

            def submitter(t):
                start = t * share
                fs = [pool.submit(tiny, i) for i in range(start, start + share)]
                for f in fs:
                    f.result()

            def once():
                ts = [threading.Thread(target=submitter, args=(t,))
                      for t in range(threads)]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join()

            r.run("contention", f"{threads}thr/{label(n)}", n, once)


def memory(n):
    """Python heap bytes per pending future (tracemalloc), one worker held."""
    pool, gate, _ = held_pool(1)
    fs = [None] * n
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(n):
        fs[i] = pool.submit(lambda: None)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    gate.set()
    pool.shutdown(wait=True)
    return {"bytes_per_task": (after - before) / n, "tasks": n}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="write the JSON here (default: stdout)")
    ap.add_argument("--quick", action="store_true",
                    help="small counts, one repeat: a smoke test")
    ap.add_argument("--seconds", type=float, default=3.0,
                    help="time to spend repeating each workload")
    ap.add_argument("--max-repeats", type=int, default=10)
    args = ap.parse_args()

    if args.quick:
        r = Runner(0, 1)
        throughput(r, [1_000])
        round_trip(r, 100)
        map_workload(r, 1_000, 1_000_000)
        waits(r, [1_000])
        shutdown_cancel(r, 1_000)
        contention(r, 1_000)
        mem = memory(1_000)
    else:
        r = Runner(args.seconds, args.max_repeats)
        throughput(r, [1_000, 10_000, 100_000, 1_000_000])
        round_trip(r, 2_000)
        map_workload(r, 1_000_000, 1_000_000)
        waits(r, [1_000, 10_000, 100_000])
        shutdown_cancel(r, 100_000)
        contention(r, 100_000)
        mem = memory(10_000)
    print(f"memory: {mem['bytes_per_task']:.1f} bytes per pending future",
          file=sys.stderr)

    doc = {
        "python": platform.python_implementation() + " " + platform.python_version(),
        "workers": WORKERS,
        "results": r.results,
        "memory": mem,
    }
    text = json.dumps(doc, indent=2) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
