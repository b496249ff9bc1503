"""Deliberately broken executors, to check that the differential harness notices.

Use as ``--executor broken_executors:NAME``.
"""
import threading
from concurrent.futures import ThreadPoolExecutor


class IgnoresCancelFutures(ThreadPoolExecutor):
    """shutdown(cancel_futures=True) leaves queued work queued (it runs anyway)."""

    def shutdown(self, wait=True, *args, **kwargs):
        # cancel_futures is accepted on every version, and ignored.
        ThreadPoolExecutor.shutdown(self, wait=wait)


class NoCancelWhilePending(ThreadPoolExecutor):
    """Its futures' cancel() returns False (and cancels nothing) while they are pending.

    This also breaks shutdown(cancel_futures=True) and the cancellation of a closed map's
    remaining futures, which go through the same cancel().
    """

    def submit(self, fn, *args, **kwargs):
        f = ThreadPoolExecutor.submit(self, fn, *args, **kwargs)
        real_cancel = f.cancel

        def cancel():
            if not f.running() and not f.done():
                return False
            return real_cancel()
        f.cancel = cancel
        return f


class IgnoresMaxWorkers(ThreadPoolExecutor):
    """Runs at most one task at a time whatever max_workers says."""

    def __init__(self, max_workers=None, *args, **kwargs):
        ThreadPoolExecutor.__init__(self, 1, *args, **kwargs)


def refuses(**kwargs):
    """A factory whose constructor refuses every configuration."""
    raise ValueError("refusing to start")


def not_an_executor(**kwargs):
    """Not an executor at all (the driver must exit with status 2)."""
    return object()


def refuses_two_workers(max_workers=None, **kwargs):
    """A factory that builds a conforming pool except with two workers."""
    if max_workers == 2:
        raise ValueError("two workers refused")
    return ThreadPoolExecutor(max_workers=max_workers, **kwargs)


def never_returns(**kwargs):
    """A factory that never returns (the kit must give up on it, not hang)."""
    threading.Event().wait()


class IgnoresBuffersize(ThreadPoolExecutor):
    """map() submits the whole input at the call whatever buffersize says (CPython 3.14+)."""

    def map(self, fn, *iterables, timeout=None, chunksize=1, buffersize=None):
        return ThreadPoolExecutor.map(self, fn, *iterables, timeout=timeout, chunksize=chunksize)


class ExitsOnCancel(ThreadPoolExecutor):
    """Its futures' cancel() ends the whole process (a driver crash mid-scenario)."""

    def submit(self, fn, *args, **kwargs):
        f = ThreadPoolExecutor.submit(self, fn, *args, **kwargs)

        def cancel():
            import os
            os._exit(3)
        f.cancel = cancel
        return f


class HangsInShutdown(ThreadPoolExecutor):
    """shutdown(wait=True) never returns (a hung executor call)."""

    def shutdown(self, wait=True, *args, **kwargs):
        ThreadPoolExecutor.shutdown(self, wait=False, *args, **kwargs)
        if wait:
            threading.Event().wait()


class BlocksWhenDropped(ThreadPoolExecutor):
    """Conforming, but once it has been given a task, dropping the last reference to it never
    returns: its finalizer blocks for ever (as executorlib's does once a cancel has killed its
    scheduling thread: its __del__ calls a shutdown that waits for work nobody will run)."""

    used = False

    def submit(self, fn, *args, **kwargs):
        self.used = True
        return ThreadPoolExecutor.submit(self, fn, *args, **kwargs)

    def __del__(self):
        if self.used:
            threading.Event().wait()


class BreaksDuringMap(ThreadPoolExecutor):
    """Conforming, but when its initializer fails, map() waits after its first submission until
    the worker that took it has broken the pool, so the rest of the map is refused and map()
    raises BrokenThreadPool (as MAP-EAGER-1 allows). CPython's process pool does the same when its
    map is slow between two submissions, as on a loaded machine."""

    def __init__(self, max_workers=None, *args, **kwargs):
        ThreadPoolExecutor.__init__(self, max_workers, *args, **kwargs)
        self._fails = kwargs.get("initializer") is not None
        self._has_broken = threading.Event()
        self._mapping = False

    def _initializer_failed(self):
        ThreadPoolExecutor._initializer_failed(self)
        self._has_broken.set()

    def map(self, *args, **kwargs):
        self._mapping = True
        try:
            return ThreadPoolExecutor.map(self, *args, **kwargs)
        finally:
            self._mapping = False

    def submit(self, fn, *args, **kwargs):
        f = ThreadPoolExecutor.submit(self, fn, *args, **kwargs)
        if self._mapping and self._fails:
            self._has_broken.wait(60)
        return f


class RunsTwice(ThreadPoolExecutor):
    """Runs every submitted call twice; the second run's future is dropped."""

    def submit(self, fn, *args, **kwargs):
        f = ThreadPoolExecutor.submit(self, fn, *args, **kwargs)
        ThreadPoolExecutor.submit(self, fn, *args, **kwargs)
        return f


def slow_start(max_workers=None, **kwargs):
    """A conforming pool that takes 5 seconds to build (as a cluster of worker processes may)."""
    import time
    time.sleep(5)
    return ThreadPoolExecutor(max_workers, **kwargs)
