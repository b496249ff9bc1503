#!/usr/bin/env bash
# Runs the model checks of the core against its real code.
#   models/run.sh quick   CI bounds: loom preemption bound 2, shuttle 5000 random + 5000 PCT
#                         iterations per model, fixed seed (seconds, once built)
#   models/run.sh deep    release-gate bounds: loom bound 3, shuttle 20000 + 20000 iterations
# Every model prints what it explored and how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-quick}"
case "$mode" in
    quick) bound=2; iterations=5000 ;;
    deep) bound=3; iterations=20000 ;;
    *) echo "usage: models/run.sh [quick|deep]" >&2; exit 2 ;;
esac
start=$(date +%s)
# One test thread: the modelled-timeout policy is process-wide.
echo "== loom models (LOOM_MAX_PREEMPTIONS=$bound)"
LOOM_MAX_PREEMPTIONS=$bound RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
    cargo test --release -p concurrent-futures-models --test loom_future --test loom_pool \
    -- --test-threads=1 --nocapture
echo "== shuttle models (SHUTTLE_ITERATIONS=$iterations, SHUTTLE_SEED=${SHUTTLE_SEED:-24301})"
SHUTTLE_ITERATIONS=$iterations RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
    cargo test --release -p concurrent-futures-models --test shuttle_pool \
    -- --test-threads=1 --nocapture
echo "models ($mode): all passed in $(( $(date +%s) - start ))s"
