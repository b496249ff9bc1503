#!/usr/bin/env bash
# Proof that the models bite: builds the core with each deliberately broken
# variant (a `#[cfg(cf_mutant = "…")]` next to the real code in src/) and
# asserts that the model written against it fails. Prints a
# mutant -> model -> verdict table; exits non-zero if any mutant survives or
# does not build. An optional argument keeps only the rows containing it
# (e.g. `models/mutants.sh shuttle`).
set -uo pipefail
cd "$(dirname "$0")/.."
# mutant  checker  test-file  test
mutants=(
    "cancel_check_then_act      loom    loom_future  loom_cancel_races_start"
    "finish_any_state           loom    loom_future  loom_terminal_transitions_race"
    "late_callback_runs_at_once loom    loom_future  loom_callbacks_race_completion"
    "no_wake_blocked            loom    loom_future  loom_no_lost_wakeup_result"
    "countdown_overwrites       loom    loom_future  loom_no_lost_wakeup_wait"
    # The state word (issue 14, item 5): a claim or a cancel by load then
    # store instead of one compare-and-swap; a registration that reads the
    # word before it takes the mutex.
    "start_load_then_store      loom    loom_future  loom_cancel_races_start"
    "start_load_then_store      loom    loom_future  loom_state_word_cancel_races_claim"
    "cancel_check_then_act      loom    loom_future  loom_state_word_cancel_races_claim"
    "reader_check_outside_lock  loom    loom_future  loom_state_word_finish_races_registrations"
    "callback_check_outside_lock loom   loom_future  loom_state_word_finish_races_registrations"
    "wait_keeps_waiter          loom    loom_future  loom_timeouts"
    # The call slot without a lock: only the work item's holder touches it.
    "cancel_takes_call          loom    loom_future  loom_call_slot_owned_by_the_work_item"
    "worker_exits_with_queue    loom    loom_pool    loom_submit_races_shutdown"
    "drain_without_notify       loom    loom_pool    loom_cancel_futures_races_worker"
    "drain_stops_early          loom    loom_pool    loom_failing_initializer"
    "idle_ignores_busy          loom    loom_pool    loom_idle_reuse_never_strands_work"
    "spinner_counted_twice      loom    loom_pool    loom_warm_pool_wakes_sleeper_past_spinner"
    # Issue 14: the inbox/outbox queue of the pool.
    "outbox_popped_lifo         loom    loom_pool    loom_queue_keeps_fifo_across_swaps"
    "drain_skips_outbox         loom    loom_pool    loom_cancel_futures_drains_inbox_and_outbox"
    "outbox_checked_unlocked    loom    loom_pool    loom_warm_pool_wakes_sleeper_past_spinner"
    "outbox_popped_lifo         shuttle shuttle_pool shuttle_queue_fifo_under_cancel_futures"
    "queued_ignores_outbox      shuttle shuttle_pool shuttle_outbox_counts_as_queued"
    "drain_without_notify       shuttle shuttle_pool shuttle_shutdown_storm"
    "map_drop_cancels_nothing   shuttle shuttle_pool shuttle_map_buffer_dropped_midway"
    "install_check_then_act     shuttle shuttle_pool shuttle_as_completed_many"
    "idle_during_callbacks      shuttle shuttle_pool shuttle_callbacks_that_need_a_worker"
    "payload_drop_uncontained   shuttle shuttle_pool shuttle_callbacks_that_need_a_worker"
    "payload_drop_uncontained   tests   spec_hardening pool_droppanic_1_panic_payload_whose_drop_panics"
    # Issue 12: deterministic integration tests of the core instead of a model
    # (checker `tests`: the core's own test file, normal primitives).
    "idle_during_callbacks      tests   spec_hardening pool_cbidle_1_callback_that_submits_and_waits_gets_a_new_worker"
    "refused_dropped_under_lock tests   spec_hardening pool_spawn_1_failed_thread_start_runs_callbacks_outside_the_lock"
)
log_dir=$(mktemp -d)
survivors=0
printf '%-28s %-36s %s\n' mutant model verdict
filter="${1:-}"
count=0
for row in "${mutants[@]}"; do
    if [ -n "$filter" ] && [[ "$row" != *"$filter"* ]]; then
        continue
    fi
    count=$((count + 1))
    read -r mutant checker file test <<<"$row"
    log="$log_dir/$mutant-$test.log"
    if [ "$checker" = tests ]; then
        RUSTFLAGS="--cfg cf_mutant=\"$mutant\"" CARGO_TARGET_DIR="target/mutants-tests" \
            timeout 900 cargo test -p concurrent-futures --test "$file" \
            -- --exact "$test" --test-threads=1 >"$log" 2>&1
    else
        LOOM_MAX_PREEMPTIONS=2 SHUTTLE_ITERATIONS=1000 \
            RUSTFLAGS="--cfg $checker --cfg cf_mutant=\"$mutant\"" CARGO_TARGET_DIR="target/mutants-$checker" \
            timeout 900 cargo test --release -p concurrent-futures-models --test "$file" \
            -- --exact "$test" --test-threads=1 >"$log" 2>&1
    fi
    status=$?
    if [ $status -eq 0 ]; then
        verdict="SURVIVED"; survivors=$((survivors + 1))
    elif grep -qE "could not compile|^error\[E" "$log" || ! grep -qE "panicked at|^failures:" "$log"; then
        verdict="ERROR (did not build or run; see $log)"; survivors=$((survivors + 1))
    else
        # The model failed (loom may abort while unwinding after the first panic).
        reason=$(grep -m1 -oE "deadlock|assertion .*|[a-z][^:]*left [A-Z_]+.*" "$log" | head -1)
        verdict="killed: ${reason:-model panicked}"
    fi
    printf '%-28s %-36s %s\n' "$mutant" "$test" "$verdict"
done
if [ $survivors -ne 0 ]; then
    echo "mutants: $survivors not killed" >&2
    exit 1
fi
echo "mutants: all $count killed"
