#!/usr/bin/env python3
"""Version facts the kit's scenarios cannot show, as one JSON object.

    python3 cf_probes.py

Standard library only; runs on CPython 3.6 and later. Read by `differential --probes`
(conformance/src/diff/probes.rs checks each fact against the spec).
"""
import collections
import inspect
import json
import os
import platform
import sys
import threading
import time
import concurrent.futures as cf

from cf_server import _broken_types

monotonic = time.monotonic
POLL = 0.0002
BROKEN_TYPES = _broken_types()
TIMEOUT_TYPES = (cf.TimeoutError, TimeoutError)


def err(e):
    """An exception as {"kind": ..., "message": ...}."""
    if isinstance(e, cf.CancelledError):
        kind = "cancelled"
    elif isinstance(e, TIMEOUT_TYPES):
        kind = "timeout"
    elif BROKEN_TYPES and isinstance(e, BROKEN_TYPES):
        kind = "broken"
    elif isinstance(e, RuntimeError) and "shutdown" in str(e):
        kind = "shutdown"
    elif isinstance(e, (ValueError, TypeError)):
        kind = "invalid"
    else:
        kind = "other"
    try:
        message = str(e)
    except Exception:
        message = repr(e)
    return {"kind": kind, "message": message}


def jsonable(v):
    try:
        json.dumps(v)
        return v
    except Exception:
        return repr(v)


def probes():
    facts = collections.OrderedDict()
    facts["version"] = platform.python_version()
    facts["implementation"] = platform.python_implementation()
    facts["timeout_error_is_builtin"] = cf.TimeoutError is TimeoutError
    ex = cf.ThreadPoolExecutor()
    facts["default_max_workers"] = ex._max_workers
    ex.shutdown()
    facts["cpu_count"] = os.cpu_count()

    def params(fn):
        try:
            return set(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            return set()
    facts["has_buffersize"] = "buffersize" in params(cf.Executor.map)
    facts["has_cancel_futures"] = "cancel_futures" in params(cf.ThreadPoolExecutor.shutdown)
    facts["has_initializer"] = "initializer" in params(cf.ThreadPoolExecutor.__init__)

    class Falsy(Exception):
        def __bool__(self):
            return False
    f = cf.Future()
    f.set_running_or_notify_cancel()
    f.set_exception(Falsy("falsy"))
    try:
        facts["falsy_exception_result"] = {"value": jsonable(f.result(0))}
    except Exception as e:
        facts["falsy_exception_result"] = {"error": err(e)}
    # Threads the pool started for 4 sequential submit-and-wait calls (3.8+ reuses idle ones).
    ex = cf.ThreadPoolExecutor(max_workers=4)
    names = set()
    idle = getattr(ex, "_idle_semaphore", None)  # 3.8+; 3.6-3.7 do not reuse idle workers
    for _ in range(4):
        names.add(ex.submit(lambda: threading.current_thread().name).result())
        # The worker announces itself idle just after the future is done: wait for that
        # (bounded), instead of sleeping for a guessed while.
        deadline = monotonic() + 2.0
        while idle is not None and idle._value < 1 and monotonic() < deadline:
            time.sleep(POLL)
    threads = getattr(ex, "_threads", None)
    facts["idle_reuse"] = len(threads) if threads is not None else len(names)
    ex.shutdown()
    return facts


def main():
    if sys.argv[1:]:
        sys.stderr.write("error: cf_probes.py takes no arguments\n")
        return 2
    sys.stdout.write(json.dumps(probes()) + "\n")
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    os._exit(status)
