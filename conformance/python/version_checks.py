"""Small programs for the spec clauses the differential's scenarios do not reach.

Each check is named after the clause whose `CPython:` line it verifies and asserts the
behaviour the clause states for the newest CPython. Run on an interpreter:

    python3.15 conformance/python/version_checks.py

It prints one line per clause (`ok`, `FAILS: why`, or `n/a: why` where the interpreter lacks
the feature) and exits 1 if any check fails. Plain standard library; gates, no sleeps.
"""
import concurrent.futures as cf
import inspect
import sys
import threading

CHECKS = []


def check(clause):
    def deco(fn):
        CHECKS.append((clause, fn))
        return fn
    return deco


class NotHere(Exception):
    """The interpreter lacks the feature the clause is about."""


def raises(exc, call, message=None):
    """`call()` raises `exc` (with exactly `message`, if given)."""
    try:
        call()
    except exc as e:
        assert message is None or str(e) == message, e
        return
    raise AssertionError(f"no {exc.__name__}")


def gated(n=1):
    gate = threading.Event()
    ex = cf.ThreadPoolExecutor(n)
    return ex, gate


# -- future.md --------------------------------------------------------------------------------

@check("FUT-STATE-1")
def _():
    f = cf.Future()
    assert not (f.cancelled() or f.running() or f.done())
    raises(cf.TimeoutError, lambda: f.result(timeout=0))


@check("FUT-STATE-2")
def _():
    f = cf.Future()
    names = [f._state]
    f.set_running_or_notify_cancel()
    names.append(f._state)
    f.set_result(1)
    names.append(f._state)
    g = cf.Future()
    g.cancel()
    names.append(g._state)
    g.set_running_or_notify_cancel()
    names.append(g._state)
    assert names == ["PENDING", "RUNNING", "FINISHED", "CANCELLED",
                     "CANCELLED_AND_NOTIFIED"], names


@check("FUT-CANCEL-3")
def _():
    f = cf.Future()
    calls = []
    f.add_done_callback(calls.append)
    assert f.cancel() and f.cancel()
    f.set_running_or_notify_cancel()
    assert f.cancel() and len(calls) == 1


@check("FUT-NOTIFY-1")
def _():
    f = cf.Future()
    calls = []
    f.add_done_callback(calls.append)
    assert f.set_running_or_notify_cancel() is True and f.running() and not calls


@check("FUT-NOTIFY-2")
def _():
    f = cf.Future()
    calls = []
    f.add_done_callback(calls.append)
    f.cancel()
    assert f.set_running_or_notify_cancel() is False
    assert f._state == "CANCELLED_AND_NOTIFIED" and len(calls) == 1


@check("FUT-NOTIFY-3")
def _():
    for setup in (lambda f: f.set_running_or_notify_cancel(), lambda f: f.set_result(1)):
        f = cf.Future()
        setup(f)
        state = f._state
        raises(RuntimeError, f.set_running_or_notify_cancel, "Future in unexpected state")
        assert f._state == state


@check("FUT-SET-1")
def _():
    f = cf.Future()
    seen = []
    f.add_done_callback(lambda g: seen.append((g.done(), g.result(timeout=0))))
    f.set_result(7)
    assert seen == [(True, 7)] and f.result() == 7


@check("FUT-SET-2")
def _():
    f = cf.Future()
    e = ValueError("x")
    f.set_running_or_notify_cancel()
    f.set_exception(e)
    assert f.done() and f.exception() is e


@check("FUT-SET-3")
def _():
    for first in ("result", "cancel"):
        f = cf.Future()
        if first == "result":
            f.set_result(1)
        else:
            f.cancel()
        calls = []
        f.add_done_callback(calls.append)
        for second in (lambda: f.set_result(2), lambda: f.set_exception(ValueError())):
            try:
                second()
            except cf.InvalidStateError as e:
                assert str(e).startswith(f._state + ": <Future"), e
            else:
                raise AssertionError("accepted")
        assert f.cancelled() if first == "cancel" else f.result() == 1
        assert len(calls) == 1  # the immediate call only


@check("FUT-SET-4")
def _():
    ex, gate = gated()
    seen = []
    fut = ex.submit(gate.wait)
    fut.add_done_callback(lambda g: seen.append(g.done() and g.result(timeout=0)))
    gate.set()
    assert fut.result() is True and seen == [True]
    ex.shutdown()


@check("FUT-RESULT-3")
def _():
    f = cf.Future()
    f.cancel()
    for t in (None, 0, 0.5):
        raises(cf.CancelledError, lambda: f.result(timeout=t))


@check("FUT-EXC-2")
def _():
    f = cf.Future()
    f.cancel()
    f.set_running_or_notify_cancel()
    for t in (None, 0):
        raises(cf.CancelledError, lambda: f.exception(timeout=t))


class Falsy(Exception):
    def __bool__(self):
        return False


@check("FUT-FALSY-1")
def _():
    f = cf.Future()
    f.set_exception(Falsy())
    raises(Falsy, lambda: f.result())


@check("DIV-FALSY-1")
def _():
    f = cf.Future()
    f.set_exception(Falsy())
    try:
        r = f.result()
    except Falsy:
        return
    raise AssertionError(f"result() returned {r!r}")


# -- callbacks.md -----------------------------------------------------------------------------

@check("CB-ARG-1")
def _():
    f = cf.Future()
    got = []
    f.add_done_callback(got.append)
    f.set_result(None)
    f.add_done_callback(got.append)
    assert got == [f, f] and all(g is f for g in got)


@check("CB-THREAD-1")
def _():
    ex, gate = gated()
    where = []
    fut = ex.submit(gate.wait)
    fut.add_done_callback(lambda g: where.append((threading.current_thread().name, g.result())))
    gate.set()
    fut.result()
    ex.shutdown()
    assert where and where[0][0] != threading.current_thread().name, where
    # Cancel runs them in the cancelling thread, which may call the future's methods.
    f = cf.Future()
    f.add_done_callback(lambda g: where.append((threading.current_thread().name, g.cancel())))
    f.cancel()
    assert where[-1] == (threading.current_thread().name, True)


@check("CB-ONCE-1")
def _():
    f = cf.Future()
    calls = []
    f.add_done_callback(calls.append)
    f.cancel()
    f.cancel()
    f.set_running_or_notify_cancel()
    try:
        f.set_result(1)
    except cf.InvalidStateError:
        pass
    assert len(calls) == 1


@check("CB-NOTIFY-1")
def _():
    f = cf.Future()
    f.cancel()
    calls = []
    f.add_done_callback(calls.append)  # immediate: 1
    f.set_running_or_notify_cancel()
    assert len(calls) == 1


def _raise(_):
    raise ValueError("callback raised")


@check("CB-PANIC-2")
def _():
    f = cf.Future()
    f.set_result(1)
    f.add_done_callback(_raise)  # must not propagate


@check("CB-PANIC-3")
def _():
    ex = cf.ThreadPoolExecutor(1)
    f = ex.submit(int, 3)
    f.add_done_callback(_raise)
    assert f.result() == 3 and f.exception() is None
    assert ex.submit(int, 4).result() == 4
    ex.shutdown()


# -- errors.md --------------------------------------------------------------------------------

@check("ERR-NAME-1")
def _():
    from concurrent.futures.thread import BrokenThreadPool
    names = [c.__name__ for c in (cf.CancelledError, cf.TimeoutError, BrokenThreadPool,
                                  cf.InvalidStateError)]
    assert names == ["CancelledError", "TimeoutError", "BrokenThreadPool",
                     "InvalidStateError"], names


@check("ERR-MSG-1")
def _():
    ex = cf.ThreadPoolExecutor(1)
    ex.shutdown()
    raises(RuntimeError, lambda: ex.submit(int), "cannot schedule new futures after shutdown")


@check("ERR-MSG-2")
def _():
    raises(ValueError, lambda: cf.ThreadPoolExecutor(0), "max_workers must be greater than 0")
    ex = cf.ThreadPoolExecutor(1, initializer=_raise, initargs=(None,))
    e = ex.submit(int).exception()
    assert str(e) == ("A thread initializer failed, the thread pool is not usable "
                      "anymore"), e
    ex.shutdown()
    if "buffersize" not in inspect.signature(cf.Executor.map).parameters:
        raise NotHere("no buffersize")
    with cf.ThreadPoolExecutor(1) as ex:
        raises(ValueError, lambda: ex.map(int, [], buffersize=0), "buffersize must be None or > 0")
    with cf.ProcessPoolExecutor(1) as ex:
        raises(ValueError, lambda: ex.map(int, [], chunksize=0), "chunksize must be >= 1.")


@check("ERR-MSG-3")
def _():
    f = cf.Future()
    g = cf.Future()
    g.set_result(1)
    raises(cf.TimeoutError, lambda: list(cf.as_completed([f, g, cf.Future()], timeout=0)),
           "2 (of 3) futures unfinished")


@check("ERR-STATE-1")
def _():
    f = cf.Future()
    f.cancel()
    f.set_running_or_notify_cancel()
    try:
        f.set_result(1)
    except cf.InvalidStateError as e:
        m = str(e)
        assert m.startswith("CANCELLED_AND_NOTIFIED: <Future") and m.endswith(">"), m


@check("ERR-EXC-3")
def _():
    from concurrent.futures.thread import BrokenThreadPool
    ex = cf.ThreadPoolExecutor(1, initializer=_raise, initargs=(None,))
    f = ex.submit(int)
    assert isinstance(f.exception(), BrokenThreadPool)
    ex.shutdown()


@check("ERR-SAME-1")
def _():
    f = cf.Future()
    e = ValueError("x")
    f.set_exception(e)
    got = []
    for _ in range(2):
        try:
            f.result()
        except ValueError as r:
            got.append(r)
    assert got[0] is e and got[1] is e and f.exception() is e


@check("ERR-SAME-2")
def _():
    e = KeyError("k")

    def boom():
        raise e
    with cf.ThreadPoolExecutor(1) as ex:
        assert ex.submit(boom).exception() is e
        try:
            list(ex.map(lambda _: boom(), [1]))
        except KeyError as r:
            assert r is e


# -- executor.md ------------------------------------------------------------------------------

@check("EXE-SUBMIT-2")
def _():
    from concurrent.futures.thread import BrokenThreadPool
    ex = cf.ThreadPoolExecutor(1, initializer=_raise, initargs=(None,))
    ex.submit(int).exception()
    ex.shutdown()
    ran = []
    raises(BrokenThreadPool, lambda: ex.submit(ran.append, 1))
    assert not ran


@check("EXE-RESILIENT-1")
def _():
    with cf.ThreadPoolExecutor(1) as ex:
        assert ex.submit(_raise, None).exception() is not None
        assert ex.submit(int, 5).result() == 5


@check("EXE-WORKITEM-1")
def _():
    ex, gate = gated()
    ex.submit(gate.wait)
    queued = ex.submit(int, 1)
    ran = []
    queued.add_done_callback(lambda g: ran.append(g._state))
    assert queued.cancel()
    gate.set()
    ex.shutdown()
    assert queued._state == "CANCELLED_AND_NOTIFIED" and ran == ["CANCELLED"]


@check("EXE-WORKITEM-3")
def _():
    f = cf.Future()
    f.cancel()
    raises(cf.InvalidStateError, lambda: f.set_exception(ValueError()))


@check("EXE-SEED-1")
def _():
    with cf.ThreadPoolExecutor(max_workers=1) as ex:
        r = ex.submit(pow, 323, 1235).result()
    s = str(r)
    assert len(s) == 3099 and s.startswith("7330") and s.endswith("0507"), (len(s), s[:4])


# -- as-completed.md and wait.md --------------------------------------------------------------

@check("ASC-LAZY-1")
def _():
    f = cf.Future()
    it = cf.as_completed([f], timeout=0)
    f.set_result(1)  # finished between the call and the first next()
    assert next(it) is f


@check("ASC-CANCELLED-1")
def _():
    f = cf.Future()
    f.cancel()
    raises(cf.TimeoutError, lambda: list(cf.as_completed([f], timeout=0)))
    f.set_running_or_notify_cancel()
    assert list(cf.as_completed([f], timeout=0)) == [f]


@check("ASC-UNTOUCHED-1")
def _():
    f = cf.Future()
    try:
        list(cf.as_completed([f], timeout=0))
    except cf.TimeoutError:
        pass
    it = cf.as_completed([f])
    del it
    assert f._state == "PENDING" and not f._waiters


@check("WAIT-CANCELLED-1")
def _():
    f = cf.Future()
    f.cancel()
    done, not_done = cf.wait([f], timeout=0, return_when=cf.FIRST_COMPLETED)
    assert f in not_done and not done
    f.set_running_or_notify_cancel()
    done, _ = cf.wait([f], timeout=0)
    assert f in done


@check("WAIT-UNTOUCHED-1")
def _():
    f, g = cf.Future(), cf.Future()
    g.set_result(1)
    cf.wait([f, g], timeout=0)
    assert f._state == "PENDING" and not f._waiters and g.result() == 1


# -- map.md -----------------------------------------------------------------------------------

@check("MAP-VALIDATE-1")
def _():
    if "buffersize" not in inspect.signature(cf.Executor.map).parameters:
        raise NotHere("no buffersize")
    taken = []

    def items():
        taken.append(1)
        yield 1
    with cf.ProcessPoolExecutor(1) as ex:
        raises(ValueError, lambda: ex.map(int, items(), chunksize=0, buffersize=0),
               "chunksize must be >= 1.")
    with cf.ThreadPoolExecutor(1) as ex:
        raises(ValueError, lambda: ex.map(int, items(), buffersize=0),
               "buffersize must be None or > 0")
    assert not taken


@check("MAP-ZIP-1")
def _():
    with cf.ThreadPoolExecutor(2) as ex:
        assert list(ex.map(lambda a, b: a + b, [1, 2, 3], [10, 20])) == [11, 22]


@check("MAP-DEADLINE-1")
def _():
    with cf.ThreadPoolExecutor(1) as ex:
        it = ex.map(int, [1, 2], timeout=0)
        # One worker runs in order: once a later task is done, both items are done,
        # and they are yielded although the deadline has passed.
        ex.submit(int).result()
        assert list(it) == [1, 2]


@check("MAP-CHUNK-1")
def _():
    with cf.ProcessPoolExecutor(1) as ex:
        assert list(ex.map(abs, [-1, -2, -3, -4, -5], chunksize=2)) == [1, 2, 3, 4, 5]


@check("MAP-CHUNK-2")
def _():
    if "buffersize" not in inspect.signature(cf.Executor.map).parameters:
        raise NotHere("no buffersize")
    with cf.ProcessPoolExecutor(1) as ex:
        assert list(ex.map(abs, range(-7, 0), chunksize=2, buffersize=2)) == [7, 6, 5, 4, 3, 2, 1]


@check("MAP-BUFFER-1")
def _():
    if "buffersize" not in inspect.signature(cf.Executor.map).parameters:
        raise NotHere("no buffersize")
    taken = []

    def items():
        for k in range(10):
            taken.append(k)
            yield k
    with cf.ThreadPoolExecutor(2) as ex:
        it = ex.map(int, items(), buffersize=3)
        assert taken == [0, 1, 2], taken
        assert next(it) == 0 and taken == [0, 1, 2, 3], taken
        it.close()


@check("MAP-BUFFER-2")
def _():
    if "buffersize" not in inspect.signature(cf.Executor.map).parameters:
        raise NotHere("no buffersize")
    gate, fourth = threading.Event(), threading.Event()

    def items():
        for k in range(6):
            if k == 3:
                fourth.set()
            yield k

    def task(k):
        if k == 0:
            gate.wait()
        return k
    with cf.ThreadPoolExecutor(2) as ex:
        it = ex.map(task, items(), buffersize=3)
        got = []
        t = threading.Thread(target=lambda: got.append(next(it)))
        t.start()
        # next() takes one more item *before* waiting for the blocked oldest one.
        topped_up = fourth.wait(30)
        gate.set()
        t.join()
        assert topped_up, "next() waited before topping up (gh-131466's order)"
        assert got == [0] and list(it) == [1, 2, 3, 4, 5]


@check("MAP-BUFFER-3")
def _():
    if "buffersize" not in inspect.signature(cf.Executor.map).parameters:
        raise NotHere("no buffersize")
    ex = cf.ThreadPoolExecutor(1)
    it = ex.map(int, range(5), buffersize=2)
    ex.shutdown()
    raises(RuntimeError, lambda: next(it), "cannot schedule new futures after shutdown")
    assert list(it) == []


# -- shutdown.md and thread-pool.md -----------------------------------------------------------

@check("SHUT-CANCEL-2")
def _():
    ex, gate = gated()
    started = threading.Event()
    running = ex.submit(lambda: (started.set(), gate.wait())[1])
    queued = ex.submit(int)
    started.wait()
    ex.shutdown(wait=False, cancel_futures=True)
    gate.set()
    assert running.result() is True and queued.cancelled()
    ex.shutdown()


@check("SHUT-CONCURRENT-1")
def _():
    ex, gate = gated()
    fs = [ex.submit(gate.wait) for _ in range(3)]
    ts = [threading.Thread(target=ex.shutdown, kwargs={"wait": w, "cancel_futures": c})
          for w, c in ((True, False), (False, True), (True, True))]
    for t in ts:
        t.start()
    gate.set()
    for t in ts:
        t.join(60)
        assert not t.is_alive()
    assert all(f.done() for f in fs)


@check("SHUT-OWNTASK-1")
def _():
    ex = cf.ThreadPoolExecutor(1)
    f = ex.submit(lambda: ex.shutdown(wait=True))
    e = f.exception()
    assert isinstance(e, RuntimeError) and str(e) == "cannot join current thread", e
    raises(RuntimeError, lambda: ex.submit(int))
    ex.shutdown()


@check("POOL-MAXW-1")
def _():
    cpus = (os_cpus := getattr(__import__("os"), "process_cpu_count", None)) and os_cpus() \
        or __import__("os").cpu_count() or 1
    ex = cf.ThreadPoolExecutor()
    assert ex._max_workers == min(32, cpus + 4), (ex._max_workers, cpus)
    ex.shutdown()


@check("POOL-MAXW-2")
def _():
    for n in (0, -1):
        raises(ValueError, lambda: cf.ThreadPoolExecutor(n))
    with cf.ThreadPoolExecutor(3) as ex:
        assert ex._max_workers == 3


@check("POOL-LAZY-1")
def _():
    ex, gate = gated(4)
    assert len(ex._threads) == 0
    ex.submit(gate.wait)
    assert len(ex._threads) == 1
    gate.set()
    ex.shutdown()


@check("POOL-REUSE-1")
def _():
    with cf.ThreadPoolExecutor(4) as ex:
        for k in range(20):
            ex.submit(int, k).result()
        # The token is released after the result is published: one extra thread at most.
        assert len(ex._threads) <= 2, len(ex._threads)


@check("POOL-INIT-1")
def _():
    calls = []
    ex = cf.ThreadPoolExecutor(2, initializer=lambda: calls.append(threading.current_thread()))
    seen = ex.submit(threading.current_thread).result()
    ex.shutdown()
    assert seen in calls and len(calls) == len(ex._threads) == 1, calls


@check("POOL-PANIC-1")
def _():
    ex = cf.ThreadPoolExecutor(1)
    f = ex.submit(_raise, None)
    f.add_done_callback(_raise)
    f.exception()
    assert ex.submit(int, 9).result() == 9 and len(ex._threads) == 1
    ex.shutdown()


@check("FUT-ID-2")
def _():
    f, g = cf.Future(), cf.Future()
    f.set_result(1)
    g.set_result(1)
    assert f == f and f != g and hash(f) == hash(f) and len({f, g, f}) == 2


@check("ASC-DROP-1")
def _():
    f, g = cf.Future(), cf.Future()
    g.set_result(1)
    it = cf.as_completed([f, g])
    assert next(it) is g
    it.close()  # the generator's end: its waiter is removed
    assert not f._waiters and not g._waiters
    f.set_result(2)


@check("SHUT-DROP-1")
def _():
    gate = threading.Event()
    with cf.ThreadPoolExecutor(2) as ex:
        fs = [ex.submit(gate.wait) for _ in range(3)]
        gate.set()
    assert all(f.done() for f in fs) and not any(t.is_alive() for t in ex._threads)


@check("EXE-SEED-2")
def _():
    import os
    import shutil
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        for k in range(4):
            with open(os.path.join(d, f"src{k}"), "w") as out:
                out.write(f"file {k}")
        with cf.ThreadPoolExecutor(max_workers=4) as e:
            for k in range(4):
                e.submit(shutil.copy, os.path.join(d, f"src{k}"), os.path.join(d, f"dest{k}"))
        for k in range(4):
            with open(os.path.join(d, f"dest{k}")) as got:
                assert got.read() == f"file {k}"


@check("POOL-CONCURRENT-1")
def _():
    ran = []
    lock = threading.Lock()

    def task(who, k):
        with lock:
            ran.append((who, k))
    with cf.ThreadPoolExecutor(1) as ex:
        def submitter(who):
            for k in range(50):
                ex.submit(task, who, k)
        ts = [threading.Thread(target=submitter, args=(w,)) for w in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    assert sorted(ran) == [(w, k) for w in range(4) for k in range(50)]
    for w in range(4):
        assert [k for who, k in ran if who == w] == list(range(50))


@check("DIV-SHUTRACE-1")
def _():
    ex = cf.ThreadPoolExecutor(2)
    accepted = []

    def submitter():
        for _ in range(200):
            try:
                accepted.append(ex.submit(int, 1))
            except RuntimeError:
                return
    t = threading.Thread(target=submitter)
    t.start()
    ex.shutdown(wait=True)
    t.join()
    assert all(f.result(timeout=60) == 1 for f in accepted)
    assert not any(w.is_alive() for w in ex._threads)


def main():
    failed = 0
    v = "%d.%d.%d" % sys.version_info[:3]
    for clause, fn in CHECKS:
        try:
            fn()
            line = "ok"
        except NotHere as e:
            line = f"n/a: {e}"
        except Exception as e:  # a check that fails, whatever it raised
            failed += 1
            line = f"FAILS: {type(e).__name__}: {e}"
        print(f"{v} {clause} {line}")
    print(f"{v}: {len(CHECKS) - failed} of {len(CHECKS)} checks agree with the spec")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
