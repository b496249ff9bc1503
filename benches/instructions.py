#!/usr/bin/env python3
"""Instructions per task of every executor, counted by callgrind (python3
stdlib only; needs valgrind).

For each executor, runs the `profile` binary's throughput workload (submit
N tiny tasks, collect every result; all threads counted) under
`valgrind --tool=callgrind` with N and with 2N tasks, and reports
(instructions at 2N - instructions at N) / N, so that start-up (the pool,
the runtime, the process) cancels. Instruction counts do not depend on the
machine's load, which wall-clock times on a shared machine do; spinning
workers still add instructions that depend on how valgrind schedules
threads (it runs one at a time), so the pair is run `--repeat` times and
the median is reported with the range.

Writes target/cf-bench/instructions.json for report.py. With `--workload`
another of the binary's workloads is counted instead, per item (the map
ones: `map1024` consumed by `fold`, `collect1024` collected into a
`Result<Vec<_>, _>` as the map bench does; ours only), into
target/cf-bench/instructions-WORKLOAD.json.

Usage (from the repository root, after building the binary):
    cargo build --release -p concurrent-futures-benches --bin profile
    python3 benches/instructions.py [--tasks N] [--repeat R] [--workload W] [EXECUTOR ...]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXECUTORS = ["ours", "threadpool", "rayon", "tokio", "crossbeam", "floor",
             "async-task"]


# The profile binary's workloads; the map ones exist for ours only.
WORKLOADS = ["throughput", "map1", "map64", "map1024", "collect1", "collect64",
             "collect1024"]


def instructions(binary, executor, tasks, workload="throughput"):
    """Total instructions (Ir) of one run, all threads."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                        binary, executor, workload, str(tasks)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out) as f:
            for line in f:
                m = re.match(r"(?:totals|summary):\s+(\d+)", line)
                if m:
                    return int(m.group(1))
    raise RuntimeError(f"no totals in callgrind output for {executor}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("executors", nargs="*", default=EXECUTORS, metavar="EXECUTOR")
    ap.add_argument("--tasks", type=int, default=20_000, help="N (default 20000)")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each pair (default 5)")
    ap.add_argument("--workload", default="throughput", choices=WORKLOADS,
                    help="the profile binary's workload (default throughput; the map "
                         "ones, per item, for ours only)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "profile"))
    ap.add_argument("--out", help="default target/cf-bench/instructions.json, or "
                                  "instructions-WORKLOAD.json for another workload")
    # Bad input: one line and exit status 2 (argparse would print its usage too).
    ap.error = lambda msg: (print(f"instructions.py: {msg}", file=sys.stderr), sys.exit(2))
    args = ap.parse_args()
    if args.workload != "throughput" and args.executors == EXECUTORS:
        args.executors = ["ours"]
    if args.out is None:
        name = ("instructions.json" if args.workload == "throughput"
                else f"instructions-{args.workload}.json")
        args.out = os.path.join(ROOT, "target", "cf-bench", name)
    unknown = [e for e in args.executors if e not in EXECUTORS
               or (args.workload != "throughput" and e != "ours")]
    if unknown or args.tasks < 1 or args.repeat < 1:
        print("instructions.py: " + (f"executor {unknown[0]} has no workload {args.workload} "
                                     f"(executors: {', '.join(EXECUTORS)}; the map "
                                     "workloads: ours only)"
                                     if unknown else "--tasks and --repeat must be positive"),
              file=sys.stderr)
        sys.exit(2)
    if not os.path.exists(args.bin):
        sys.exit(f"no {args.bin}: cargo build --release -p concurrent-futures-benches --bin profile")

    n = args.tasks
    peers = {}
    for e in args.executors:
        try:
            runs = sorted((instructions(args.bin, e, 2 * n, args.workload)
                           - instructions(args.bin, e, n, args.workload)) / n
                          for _ in range(args.repeat))
        except (OSError, subprocess.CalledProcessError, RuntimeError) as err:
            sys.exit(f"instructions.py: {e}: {err}")
        median = runs[len(runs) // 2] if len(runs) % 2 else sum(runs[len(runs) // 2 - 1:
                                                                     len(runs) // 2 + 1]) / 2
        peers[e] = {"instructions_per_task": round(median, 3), "min": round(runs[0], 3),
                    "max": round(runs[-1], 3)}
        print(f"  {e:<12} {median:>8,.0f} instructions/task  (range {runs[0]:,.0f}"
              f"–{runs[-1]:,.0f} over {args.repeat} runs)", flush=True)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"tasks": n, "repeat": args.repeat, "workload": args.workload,
                   "peers": peers}, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.relpath(args.out)}")


if __name__ == "__main__":
    main()
