#!/usr/bin/env bash
# Verdicts must not depend on machine load. Runs the kit's default matrix
# (every shipped executor, default seed and cases) once as the machine is,
# then RUNS more times while one busy loop per core keeps every core busy,
# and compares the clause x executor tables. Exit 0 if all are identical,
# 1 if any differs (the differing tables are printed), 2 on bad usage.
#
#   conformance/scripts/stability.sh [RUNS] [extra kit options...]
#
# Run from anywhere; builds the kit in release mode first.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
case "$runs" in
    ''|*[!0-9]*) echo "error: RUNS must be a positive integer, got '$runs'" >&2; exit 2 ;;
esac
[ "$runs" -ge 1 ] || { echo "error: RUNS must be at least 1" >&2; exit 2; }
shift || true
cargo build --release -q -p concurrent-futures-conformance
kit=target/release/concurrent-futures-conformance
out=$(mktemp -d)
busy=()
stop_load() { for p in "${busy[@]}"; do kill "$p" 2>/dev/null || true; done; busy=(); }
trap 'stop_load; rm -rf "$out"' EXIT

run() { # NAME: the matrix rows of one run, and its wall time
    local start end
    start=$(date +%s.%N)
    "$kit" "$@" >"$out/$name.txt" 2>/dev/null || true
    end=$(date +%s.%N)
    grep '^|' "$out/$name.txt" >"$out/$name.table"
    printf '%-8s %6.1f s  load %s\n' "$name" "$(awk "BEGIN{print $end - $start}")" "$(cut -d' ' -f1 /proc/loadavg)"
}

name=idle run "$@"
for _ in $(seq "$(nproc)"); do sh -c 'while :; do :; done' & busy+=($!); done
for i in $(seq "$runs"); do name="loaded$i" run "$@"; done
stop_load

status=0
for i in $(seq "$runs"); do
    if ! diff -u "$out/idle.table" "$out/loaded$i.table"; then
        echo "loaded run $i gave a different table"
        status=1
    fi
done
if [ "$status" = 0 ]; then
    echo "identical: 1 idle + $runs loaded runs, $(grep -c '^| [A-Z]' "$out/idle.table") clauses x $(head -1 "$out/idle.table" | tr -cd '|' | wc -c | awk '{print $1-2}') executors"
fi
exit "$status"
