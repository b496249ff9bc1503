"""The process pools whose reproductions are shared (argument: loky, futurist, or cpython for
CPython's own process pool, which MAP-CHUNK-2's reproduction serves too;
bounded-pool-executor's process pool has the same queue, but its submit() blocks while a task
is unfinished, which hides it), and a bounded wait for a state that, once reached, lasts (used by
the dask reproductions too; standard library only)."""
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
    else:
        print("usage: %s loky|futurist|cpython" % sys.argv[0])
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
