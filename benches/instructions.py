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
threads (it runs one at a time), so each count is the minimum of
`--repeat` runs.

Writes target/cf-bench/instructions.json for report.py.

Usage (from the repository root, after building the binary):
    cargo build --release -p concurrent-futures-benches --bin profile
    python3 benches/instructions.py [--tasks N] [--repeat R] [EXECUTOR ...]
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


def instructions(binary, executor, tasks):
    """Total instructions (Ir) of one run, all threads."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                        binary, executor, "throughput", str(tasks)],
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
    ap.add_argument("--repeat", type=int, default=3, help="runs per count (default 3)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "profile"))
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "cf-bench",
                                                  "instructions.json"))
    args = ap.parse_args()
    unknown = [e for e in args.executors if e not in EXECUTORS]
    if unknown or args.tasks < 1 or args.repeat < 1:
        ap.error(f"unknown executor {unknown[0]}" if unknown
                 else "--tasks and --repeat must be positive")
    if not os.path.exists(args.bin):
        sys.exit(f"no {args.bin}: cargo build --release -p concurrent-futures-benches --bin profile")

    n = args.tasks
    peers = {}
    for e in args.executors:
        at_n = min(instructions(args.bin, e, n) for _ in range(args.repeat))
        at_2n = min(instructions(args.bin, e, 2 * n) for _ in range(args.repeat))
        per_task = (at_2n - at_n) / n
        peers[e] = {"instructions_per_task": round(per_task, 3),
                    "instructions_at_n": at_n, "instructions_at_2n": at_2n}
        print(f"  {e:<12} {per_task:>8,.0f} instructions/task  (N={n}: {at_n:,}; 2N: {at_2n:,})",
              flush=True)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"tasks": n, "repeat": args.repeat, "workload": "throughput",
                   "peers": peers}, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.relpath(args.out)}")


if __name__ == "__main__":
    main()
