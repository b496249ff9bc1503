# Sourced, not run. CPython's ProcessPoolExecutor moves queued calls into its call
# queue ahead of its workers (max_workers + 1 of them, counting those executing) and
# marks each one RUNNING as it moves (spec/divergences.md DIV-PREFETCH-1). Whether a
# queued call has moved before the kit observes or cancels it is the pool's own
# threads' timing, so every clause that moving can break is declared, wherever the
# pool is checked: conformance/scripts/cpython-differential.sh (--known) and
# conformance/verdicts/python-executors/regenerate.sh (--known-timing). One list, so
# the two cannot drift (they did: FUT-CANCEL-1 was declared in neither, and read as
# an unexpected difference on a loaded machine).
# shellcheck disable=SC2034
prefetch_why="ProcessPoolExecutor marks queued work running once it moves to its call queue (max_workers + 1 items), so it can no longer be cancelled"
# running() of it (FUT-PRED-2); cancel() of it (FUT-CANCEL-1); the cancels of a map
# dropped (MAP-DROP-1), ended by a failure (MAP-ERROR-1) or by its deadline
# (MAP-TIMEOUT-1); shutdown(cancel_futures=True) (SHUT-CANCEL-1).
prefetch_clauses=(FUT-PRED-2 FUT-CANCEL-1 MAP-DROP-1 MAP-ERROR-1 MAP-TIMEOUT-1 SHUT-CANCEL-1)
