#!/usr/bin/env bash
# Runs every benchmark and regenerates benches/SUMMARY.md and
# benches/summary.svg: the criterion benches (Rust executors), the CPython
# script, the callgrind instruction counts, then the report. Run from
# anywhere; takes ~23 minutes on 2 cores: criterion ~13 (78 benchmarks of
# ~6.5 s each, plus the 10M-task throughput rows of ours, floor and
# async-task, 10 samples of one 3–6 s iteration each, ~2.5 min), CPython ~3,
# building the profile binary ~1, callgrind ~3, the memory bench ~0.5.
# Nothing else should run on the machine meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p concurrent-futures-benches "$@"
mkdir -p target/cf-bench
python3 benches/python/bench_cpython.py --out target/cf-bench/cpython.json
cargo build --release -p concurrent-futures-benches --bin profile
python3 benches/instructions.py
python3 benches/report.py
