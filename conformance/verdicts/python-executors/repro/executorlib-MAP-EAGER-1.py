"""executorlib's SingleNodeExecutor: map() over no items after shutdown() raises, though it
submits nothing (MAP-EAGER-1: with no items map() returns an empty iterator even on a shut-down
executor, as CPython's executors do)."""
from executorlib import SingleNodeExecutor
from _gate import verdict

if __name__ == "__main__":
    ex = SingleNodeExecutor(max_workers=1)
    ex.shutdown(wait=False)
    try:
        got = list(ex.map(abs, []))
    except RuntimeError as e:
        got = e
    verdict(isinstance(got, RuntimeError),
            "after shutdown(), map(abs, []) gave %r (a conforming executor: an empty iterator, [])"
            % (got,))
