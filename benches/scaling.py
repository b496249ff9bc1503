#!/usr/bin/env python3
"""Scaling with the number of workers: tasks per second and futex calls per
task (python3 stdlib only; needs perf, or strace as a fallback).

For each executor and each worker count (1, 2, 4, ... 64 by default), runs
the `profile` binary's throughput workload (one thread submits N tiny tasks,
then collects every result) REPEAT times on one pool, under
`perf stat -e syscalls:sys_enter_futex` (the kernel counts the calls, every
thread, without slowing them). Reports the median time per task of the
repetitions as tasks per second, and the futex calls of the whole process
(pool start-up and shutdown included) per task. Without a usable perf, the
calls are counted by `strace -f -c -e trace=futex` in a second run, and the
time is taken from a run without strace.

Times depend on the machine's load and on how many cores it has: with more
workers than cores the figures say how the design degrades when
oversubscribed, not how it scales on a larger machine (see FINDINGS.md).

Writes target/cf-bench/scaling.json.

Usage (from the repository root, after building the binary):
    cargo build --release -p concurrent-futures-benches --bin profile
    python3 benches/scaling.py [--tasks N] [--repeat R] [--workers 1,2,4] [EXECUTOR ...]
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXECUTORS = ["ours", "threadpool", "rayon", "tokio", "crossbeam", "floor",
             "async-task"]
WORKERS = [1, 2, 4, 8, 16, 32, 64]


def fail(message):
    """Bad input: one line and exit status 2."""
    print(f"scaling.py: {message}", file=sys.stderr)
    sys.exit(2)


def ns_per_task(stdout):
    """Median of the `ns per task, each repetition: [...]` line."""
    m = re.search(r"each repetition: \[([\d, ]+)\]", stdout)
    if not m:
        raise RuntimeError("no per-repetition times in the profile output")
    return statistics.median(int(x) for x in m.group(1).split(","))


def perf_works():
    try:
        r = subprocess.run(["perf", "stat", "-x,", "-e", "syscalls:sys_enter_futex", "true"],
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0 and re.search(r"^\d+,", r.stderr, re.M) is not None


def measure(binary, executor, tasks, repeat, workers, use_perf):
    """(median ns per task, futex calls per task) of one configuration."""
    cmd = [binary, executor, "throughput", str(tasks), str(repeat), str(workers)]
    if use_perf:
        r = subprocess.run(["perf", "stat", "-x,", "-e", "syscalls:sys_enter_futex", "--"] + cmd,
                           capture_output=True, text=True, check=True)
        m = re.search(r"^(\d+),[^\n]*syscalls:sys_enter_futex", r.stderr, re.M)
        if not m:
            raise RuntimeError("no futex count in perf's output")
        return ns_per_task(r.stdout), int(m.group(1)) / (tasks * repeat)
    timed = subprocess.run(cmd, capture_output=True, text=True, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "strace.txt")
        subprocess.run(["strace", "-f", "-c", "-e", "trace=futex", "-o", out] + cmd,
                       capture_output=True, text=True, check=True)
        with open(out) as f:
            m = re.search(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)(?:\s+\d+)?\s+futex$", f.read(), re.M)
    calls = int(m.group(1)) if m else 0
    return ns_per_task(timed.stdout), calls / (tasks * repeat)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("executors", nargs="*", default=["ours", "floor", "async-task"],
                    metavar="EXECUTOR")
    ap.add_argument("--tasks", type=int, default=20_000, help="N per repetition (default 20000)")
    ap.add_argument("--repeat", type=int, default=5, help="repetitions per pool (default 5)")
    ap.add_argument("--workers", default=",".join(map(str, WORKERS)),
                    help="comma-separated worker counts (default 1,2,4,8,16,32,64)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "profile"))
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "cf-bench", "scaling.json"))
    ap.error = lambda msg: fail(msg)
    args = ap.parse_args()
    unknown = [e for e in args.executors if e not in EXECUTORS]
    if unknown:
        fail(f"unknown executor {unknown[0]} (one of {', '.join(EXECUTORS)})")
    if not 1 <= args.tasks <= 10_000_000 or not 2 <= args.repeat <= 1000:
        fail("--tasks must be 1..10000000 and --repeat 2..1000")
    try:
        workers = [int(w) for w in args.workers.split(",")]
    except ValueError:
        fail(f"--workers must be comma-separated numbers, not {args.workers!r}")
    if not workers or any(not 1 <= w <= 1024 for w in workers):
        fail("--workers must each be 1..1024")
    if not os.path.exists(args.bin):
        sys.exit(f"no {args.bin}: cargo build --release -p concurrent-futures-benches --bin profile")

    use_perf = perf_works()
    print(f"futex calls counted with {'perf stat' if use_perf else 'strace -f -c'}; "
          f"{args.repeat} x {args.tasks} tasks per pool; {os.cpu_count()} cores", flush=True)
    print(f"  {'executor':<12} {'workers':>7} {'tasks/s':>12} {'ns/task':>9} {'futex/task':>11}")
    rows = []
    for e in args.executors:
        for w in workers:
            try:
                ns, futex = measure(args.bin, e, args.tasks, args.repeat, w, use_perf)
            except (OSError, subprocess.CalledProcessError, RuntimeError) as err:
                sys.exit(f"scaling.py: {e} with {w} workers: {err}")
            rows.append({"executor": e, "workers": w, "ns_per_task": ns,
                         "tasks_per_second": round(1e9 / ns) if ns else None,
                         "futex_per_task": round(futex, 4)})
            print(f"  {e:<12} {w:>7} {1e9 / ns if ns else 0:>12,.0f} {ns:>9,.0f} {futex:>11.3f}",
                  flush=True)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"tasks": args.tasks, "repeat": args.repeat, "workload": "throughput",
                   "cores": os.cpu_count(), "futex_counter": "perf" if use_perf else "strace",
                   "rows": rows}, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.relpath(args.out)}")


if __name__ == "__main__":
    main()
