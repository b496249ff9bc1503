"""The process pools whose reproductions are shared (argument: loky, futurist,
cpython for CPython's own, or process for bounded-pool-executor's; the last two serve only
process-pool-MAP-CHUNK-2.py: CPython's pool has the call queue of the others declared known, and
bounded-pool-executor's submit() blocks while a task is unfinished, which hides the call queue),
and a bounded wait for a state that, once reached, lasts (used by the dask reproductions too;
standard library only)."""
import sys
import threading


def process_pool(max_workers):
    """The pool the command line names, with max_workers workers, and its name."""
    name = sys.argv[1] if len(sys.argv) > 1 else "loky"
    if name == "loky":
        from loky import ProcessPoolExecutor
    elif name == "futurist":
        from futurist import ProcessPoolExecutor
    elif name == "cpython":
        from concurrent.futures import ProcessPoolExecutor
    elif name == "process":  # bounded-pool-executor's, as its own reproductions name it
        from bounded_pool_executor import BoundedProcessPoolExecutor as ProcessPoolExecutor
    else:
        print("usage: %s loky|futurist|cpython|process" % sys.argv[0])
        sys.exit(2)
    return ProcessPoolExecutor(max_workers), name


def eventually(predicate, limit=10.0):
    """True as soon as predicate() holds, False if it still does not after limit seconds (a
    generous bound: the states waited for here persist once reached, so load only delays)."""
    pause = threading.Event()
    for _ in range(int(limit / 0.02)):
        if predicate():
            return True
        pause.wait(0.02)
    return predicate()


def fails_on(value, bad):
    """A map() item: raises ValueError when value == bad, else returns value (importable by the
    worker processes, unlike a function of a reproduction's __main__ under some start methods)."""
    if value == bad:
        raise ValueError("item %r fails" % value)
    return value


def first_of_failing_chunk(ex):
    """What the first next() gives on ex.map(chunksize=3) over [returns 0, raises] (one chunk),
    the error if it raises; the executor is then shut down. A conforming pool gives 0."""
    it = ex.map(fails_on, [0, 1], [1, 1], chunksize=3)
    try:
        first = next(it)
    except ValueError as e:
        first = e
    ex.shutdown(wait=True)
    return first
