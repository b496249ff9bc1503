#!/usr/bin/env python3
"""Differential driver: runs FORMAT.md scenarios against a concurrent.futures executor.

    python3 cf_driver.py --executor MODULE:CALLABLE [--isolated] [FILE|-]
    python3 cf_driver.py --probes

Standard library only; runs on CPython 3.6 through 3.13. See FORMAT.md (same directory).
"""
import argparse
import collections
import importlib
import inspect
import io
import json
import logging
import os
import platform
import sys
import threading
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
_pp = os.environ.get("PYTHONPATH")
if not _pp or HERE not in _pp.split(os.pathsep):
    os.environ["PYTHONPATH"] = HERE + (os.pathsep + _pp if _pp else "")

import concurrent.futures as cf  # noqa: E402

import cf_tasks  # noqa: E402

RUNNER = "%s %s" % (platform.python_implementation(), platform.python_version())
monotonic = time.monotonic
POLL = 0.0002
N_GATES = 3  # gates 0, 1, 2 (FORMAT.md; the kit's GATES)
RETURN_WHEN = ("FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED")
TASK_KINDS = ("return", "raise", "panic", "gated")


class InputError(Exception):
    """Bad input: reported as one `error:` line, exit status 2."""


# ---------------------------------------------------------------------------------------------
# Errors

from cf_server import _broken_types  # noqa: E402  (one list of broken-executor types)


BROKEN_TYPES = _broken_types()
TIMEOUT_TYPES = (cf.TimeoutError, TimeoutError)


def err(e):
    """An error E of FORMAT.md from an exception."""
    if isinstance(e, cf_tasks.TaskPanic):
        kind = "panicked"
    elif isinstance(e, cf_tasks.TaskError):
        kind = "raised"
    elif isinstance(e, cf.CancelledError):
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


# ---------------------------------------------------------------------------------------------
# Validation

def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def _is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _need(obj, key, where):
    if key not in obj:
        raise InputError("%s: missing field %r" % (where, key))
    return obj[key]


def _v_int(obj, key, where, lo=0, hi=None, nullable=False):
    v = _need(obj, key, where)
    if v is None and nullable:
        return
    if not _is_int(v) or v < lo or (hi is not None and v > hi):
        rng = ">= %d" % lo if hi is None else "in %d..%d" % (lo, hi)
        raise InputError("%s: %r must be an integer %s%s, not %s"
                         % (where, key, rng, " or null" if nullable else "", json.dumps(v)))


def _v_bool(obj, key, where):
    if not isinstance(_need(obj, key, where), bool):
        raise InputError("%s: %r must be a boolean" % (where, key))


def _v_timeout(obj, key, where, allow_zero=True):
    v = obj.setdefault(key, None)  # a missing timeout is null
    if v is None or v == "short" or (allow_zero and _is_num(v) and v >= 0):
        return
    raise InputError("%s: %r must be null, %s\"short\", not %s"
                     % (where, key, "a number >= 0 or " if allow_zero else "", json.dumps(v)))


def _v_task(t, where):
    if not isinstance(t, dict):
        raise InputError("%s: a task must be an object" % where)
    kind = _need(t, "kind", where)
    if kind not in TASK_KINDS:
        raise InputError("%s: unknown task kind %s" % (where, json.dumps(kind)))
    if kind == "gated":
        _v_int(t, "gate", where, 0, N_GATES - 1)


def _v_futures(obj, where, bound):
    fs = _need(obj, "futures", where)
    if not isinstance(fs, list):
        raise InputError("%s: 'futures' must be a list" % where)
    for i in fs:
        if not _is_int(i) or i < 0 or i >= bound:
            raise InputError("%s: future %s does not exist" % (where, json.dumps(i)))


def _v_future(obj, where, bound):
    _v_int(obj, "future", where)
    if obj["future"] >= bound:
        raise InputError("%s: future %d does not exist" % (where, obj["future"]))


def _v_step(step, where, bound):
    if not isinstance(step, dict):
        raise InputError("%s: a step must be an object" % where)
    op = _need(step, "op", where)
    if op == "submit":
        _v_task(_need(step, "task", where), where)
    elif op in ("cancel",):
        _v_future(step, where, bound)
    elif op == "open":
        _v_int(step, "gate", where, 0, N_GATES - 1)
    elif op in ("result", "exception"):
        _v_future(step, where, bound)
        _v_timeout(step, "timeout", where)
    elif op == "callback":
        _v_future(step, where, bound)
        _v_bool(step, "raises", where)
    elif op == "wait":
        _v_futures(step, where, bound)
        if _need(step, "return_when", where) not in RETURN_WHEN:
            raise InputError("%s: 'return_when' must be one of %s" % (where, ", ".join(RETURN_WHEN)))
        _v_timeout(step, "timeout", where)
    elif op == "as_completed":
        _v_futures(step, where, bound)
        _v_timeout(step, "timeout", where)
    elif op == "map":
        items = _need(step, "items", where)
        if not isinstance(items, list):
            raise InputError("%s: 'items' must be a list" % where)
        for t in items:
            _v_task(t, where)
        _v_int(step, "chunksize", where, 0, nullable=True)
        step.setdefault("buffersize", None)
        _v_int(step, "buffersize", where, 0, nullable=True)
        _v_timeout(step, "timeout", where, allow_zero=False)
    elif op in ("map_next", "map_close", "join"):
        pass
    elif op == "shutdown":
        _v_bool(step, "wait", where)
        _v_bool(step, "cancel_futures", where)
    elif op == "spawn":
        call = _need(step, "call", where)
        if not isinstance(call, dict):
            raise InputError("%s: 'call' must be an object" % where)
        cop = _need(call, "op", where + " call")
        if cop == "result":
            _v_future(call, where + " call", bound)
        elif cop == "wait":
            _v_futures(call, where + " call", bound)
            if _need(call, "return_when", where) not in RETURN_WHEN:
                raise InputError("%s call: 'return_when' must be one of %s"
                                 % (where, ", ".join(RETURN_WHEN)))
        elif cop == "as_completed":
            _v_futures(call, where + " call", bound)
        else:
            raise InputError("%s: spawn call op must be result, wait or as_completed, not %s"
                             % (where, json.dumps(cop)))
    else:
        raise InputError("%s: unknown op %s" % (where, json.dumps(op)))
    return op


# Optional scenario fields and their defaults (as the Rust side reads them).
DEFAULTS = (("id", ""), ("thread_name_prefix", "cfw"), ("initializer", None), ("short", 0.005),
            ("patience", 2.0))


def validate(sc):
    """Checks a scenario, filling in the defaults of optional fields; raises InputError."""
    if not isinstance(sc, dict):
        raise InputError("a scenario must be a JSON object")
    for key, value in DEFAULTS:
        sc.setdefault(key, value)
    _v_int(sc, "workers", "scenario", 1)
    p = _need(sc, "thread_name_prefix", "scenario")
    if p is not None and not isinstance(p, str):
        raise InputError("scenario: 'thread_name_prefix' must be a string or null")
    if _need(sc, "initializer", "scenario") not in (None, "ok", "fails"):
        raise InputError("scenario: 'initializer' must be null, \"ok\" or \"fails\"")
    for key in ("short", "patience"):
        v = _need(sc, key, "scenario")
        if not _is_num(v) or v < 0:
            raise InputError("scenario: %r must be a number >= 0" % key)
    steps = _need(sc, "steps", "scenario")
    if not isinstance(steps, list):
        raise InputError("scenario: 'steps' must be a list")
    bound = 0  # futures that can exist: one per earlier submit
    for n, step in enumerate(steps, 1):
        if _v_step(step, "step %d" % n, bound) == "submit":
            bound += 1


# ---------------------------------------------------------------------------------------------
# Running calls that may block

HANG = object()


class _GuardWorker(object):
    """A reusable daemon thread running guarded calls (starting a thread per call is slow)."""

    def __init__(self):
        self.cond = threading.Condition()
        self.job = None
        t = threading.Thread(target=self._loop, name="cf-guard")
        t.daemon = True
        t.start()

    def _loop(self):
        while True:
            with self.cond:
                while self.job is None:
                    self.cond.wait()
                fn, box, done = self.job
                self.job = None
            try:
                box.append(fn())
            except BaseException as e:  # fn catches what it expects; anything else is "other"
                box.append({"error": err(e)})
            done.set()

    def run(self, fn, patience):
        box, done = [], threading.Event()
        with self.cond:
            self.job = (fn, box, done)
            self.cond.notify()
        done.wait(patience)
        return box[0] if box else HANG


_guard = [None]


def guarded(fn, patience):
    """fn() on a daemon thread; its return value, or HANG if it has not returned after patience.

    A worker whose call hung is abandoned (it stays blocked); the next call gets a new one.
    """
    w = _guard[0]
    if w is None:
        w = _guard[0] = _GuardWorker()
    r = w.run(fn, patience)
    if r is HANG:
        _guard[0] = None
    return r


class Helper(object):
    """A helper thread performing one blocking call (spawn, or shutdown(wait=True))."""

    def __init__(self, name, spec, fn):
        self.name = name
        self.spec = spec
        self.box = []

        def target():
            try:
                self.box.append(fn())
            except BaseException as e:
                self.box.append({"error": err(e)})
        self.thread = threading.Thread(target=target, name="cf-helper")
        self.thread.daemon = True
        self.thread.start()


def _state(f):
    if f.cancelled():
        return "CANCELLED"
    if f.done():
        return "FINISHED"
    if f.running():
        return "RUNNING"
    return "PENDING"


def _has_exception(f):
    try:
        return f.done() and not f.cancelled() and f.exception(0) is not None
    except BaseException:
        return False


def _find_tasks(obj, depth=0):
    if isinstance(obj, cf_tasks.Task):
        return [obj.n]
    out = []
    if depth < 4 and isinstance(obj, (list, tuple)):
        for x in obj:
            out.extend(_find_tasks(x, depth + 1))
    return out


class Snap(object):
    def __init__(self):
        self.states = []
        self.exc = []
        self.started = set()
        self.finished = set()


_run_ids = [0]


# ---------------------------------------------------------------------------------------------
# One scenario

class ScenarioRun(object):
    def __init__(self, sc, factory, executor_name, isolated):
        self.sc = sc
        self.factory = factory
        self.executor_name = executor_name
        self.isolated = isolated
        self.workers = sc["workers"]
        self.short = sc["short"]
        self.patience = sc["patience"]
        self.run = cf_tasks.Run(N_GATES)
        _run_ids[0] += 1
        self.run_id = None if isolated else _run_ids[0]
        self.ex = None
        self.ntasks = 0
        self.gate_of = {}
        self.task_future = {}     # task number -> the future running it
        self.seen = []            # (future, task numbers) for every future submit returned
        self.seen_ids = set()
        self.futures = []         # numbered futures
        self.fut_task = []
        self.cb_added = []
        self.failed = set()       # tasks whose submit/map call raised
        self.resolved = set()     # tasks resolved without starting by the rules of FORMAT.md
        self.init_fails = False
        self.it = None
        self.it_tasks = []
        self.it_pos = 0
        # Items of a buffered map not submitted yet: not work that can start (FORMAT.md
        # "Settling", 3); each next() that yields or raises submits the lowest.
        self.it_unsubmitted = []
        self.it_raised = False
        self.it_shutdown_cf = False
        self.it_timeout = None
        self.helpers = collections.deque()
        self.snap = Snap()

    # -- bookkeeping ---------------------------------------------------------------------------

    def alloc(self, spec):
        n = self.ntasks
        self.ntasks += 1
        gate = spec.get("gate") if spec["kind"] == "gated" else None
        if gate is not None:
            self.gate_of[n] = gate
        return cf_tasks.Task(n, spec["kind"], gate, self.run_id)

    def register(self, f, tasks):
        if id(f) in self.seen_ids:
            return
        self.seen_ids.add(id(f))
        self.seen.append((f, tasks))
        for n in tasks:
            self.task_future[n] = f

    def rule_resolved(self, n):
        return self.init_fails or n in self.resolved or n in self.failed

    def settle_resolved(self, n):
        # For a task with a future, its future's state decides (the same as the rules for a
        # conforming executor; CPython does not cancel the items of a map iterator closed
        # before its first next, and they run later). With a failing initializer nothing
        # ever starts.
        if self.init_fails:
            return True
        f = self.task_future.get(n)
        if f is not None:
            return f.done()
        return self.rule_resolved(n)

    # -- settling and snapshots -----------------------------------------------------------------

    def _logs(self):
        run = self.run
        with run.cond:
            return (run.gen, set(run.started), set(run.blocked), set(run.finished),
                    list(run.gates), list(run.callbacks), dict(run.threads))

    def _cb_ok(self, callbacks):
        if not any(self.cb_added):
            return True
        counts = collections.Counter(c[0] for c in callbacks)
        for i, f in enumerate(self.futures):
            if self.cb_added[i] and counts.get(i, 0) < self.cb_added[i] and f is not None and f.done():
                return False
        return True

    def settled(self):
        gen, started, blocked, finished, gates, callbacks, _ = self._logs()
        if self.isolated:
            ok = all(f.done() for f, _ in self.seen) and self._cb_ok(callbacks)
            return gen, ok
        for n in started:
            if n in finished:
                continue
            if n in blocked and not gates[self.gate_of[n]]:
                continue
            return gen, False
        for f, tasks in self.seen:
            if not f.done() and any(t in finished for t in tasks):
                return gen, False
        if not self._cb_ok(callbacks):
            return gen, False
        if self.init_fails and not all(f is None or f.done() for f in self.futures):
            return gen, False
        for n in range(self.ntasks):
            if n in started or n in self.it_unsubmitted:
                continue
            if not self.settle_resolved(n):
                if len(blocked) < self.workers:
                    return gen, False
                break
        return gen, True

    def settle(self):
        deadline = monotonic() + self.patience
        run = self.run
        waited = False
        while True:
            gen, ok = self.settled()
            if ok:
                if not waited:
                    return
                # Something happened while we waited: give the workers one more poll to go
                # idle (CPython marks a worker idle just after the future is done), then
                # check again, so that the next submit sees a quiet pool.
                waited = False
                time.sleep(POLL)
                continue
            waited = True
            left = deadline - monotonic()
            if left <= 0:
                return
            with run.cond:
                if run.gen == gen:
                    run.cond.wait(min(left, POLL))

    def snapshot(self):
        _, started, blocked, finished, _, callbacks, threads = self._logs()
        snap = Snap()
        snap.states = [None if f is None else _state(f) for f in self.futures]
        snap.exc = [f is not None and _has_exception(f) for f in self.futures]
        if self.isolated:
            snap.started = snap.finished = set(
                n for n, f in self.task_future.items() if f.done() and not f.cancelled())
            started, blocked, finished, threads = set(), set(), set(), {}
        else:
            snap.started, snap.finished = started, finished
        self.snap = snap
        return {"states": snap.states, "started": sorted(started), "blocked": sorted(blocked),
                "finished": sorted(finished), "callbacks": callbacks,
                "threads": dict((str(n), threads[n]) for n in sorted(threads))}

    # -- predictions from the latest snapshot ---------------------------------------------------

    def _done(self, i):
        return self.snap.states[i] in ("CANCELLED", "FINISHED")

    def can_return(self, spec):
        op = spec["op"]
        if op == "result" or op == "exception":
            return self._done(spec["future"])
        if op == "wait":
            fs = [i for i in spec["futures"] if self.fut(i) is not None]
            if not fs:
                return True
            rw = spec["return_when"]
            if rw == "FIRST_COMPLETED":
                return any(self._done(i) for i in fs)
            if rw == "FIRST_EXCEPTION":
                return any(self.snap.exc[i] for i in fs) or all(self._done(i) for i in fs)
            return all(self._done(i) for i in fs)
        if op == "as_completed":
            return all(self._done(i) for i in spec["futures"] if self.fut(i) is not None)
        if op == "shutdown":
            s = self.snap
            return all((n in s.started and n in s.finished) or
                       (n not in s.started and self.rule_resolved(n)) for n in range(self.ntasks))
        if op == "map_next":
            if self.it_pos >= len(self.it_tasks) or self.it_timeout is not None or self.it_raised:
                return True
            n = self.it_tasks[self.it_pos]
            if n in self.snap.finished:
                return True
            return n not in self.snap.started and (
                self.it_shutdown_cf or self.it_raised or self.init_fails)
        raise AssertionError(op)

    # -- calls ----------------------------------------------------------------------------------

    def timeout(self, t):
        return self.short if t == "short" else t

    def fut(self, i):
        """Future number i, or None (its submit raised)."""
        return self.futures[i] if 0 <= i < len(self.futures) else None

    def call_fn(self, spec, timeout=None):
        """A function performing a result/exception/wait/as_completed call; returns its obs."""
        op = spec["op"]
        if op in ("result", "exception"):
            f = self.futures[spec["future"]]

            def fn():
                try:
                    if op == "result":
                        return {"value": jsonable(f.result(timeout))}
                    e = f.exception(timeout)
                    return {"exception": None if e is None else err(e)}
                except Exception as e:
                    return {"error": err(e)}
            return fn
        index = dict((id(f), i) for i, f in enumerate(self.futures) if f is not None)
        fs = [self.futures[i] for i in spec["futures"] if self.futures[i] is not None]
        if op == "wait":
            rw = getattr(cf, spec["return_when"])

            def fn():
                try:
                    done, not_done = cf.wait(fs, timeout=timeout, return_when=rw)
                except Exception as e:
                    return {"error": err(e)}
                return {"done": sorted(index[id(f)] for f in done),
                        "not_done": sorted(index[id(f)] for f in not_done)}
            return fn
        if op == "as_completed":
            def fn():
                yielded = []
                try:
                    for f in cf.as_completed(fs, timeout=timeout):
                        yielded.append(index[id(f)])
                except Exception as e:
                    return {"yielded": yielded, "error": err(e)}
                return {"yielded": yielded, "error": None}
            return fn
        raise AssertionError(op)

    def close_iterator(self):
        it, self.it = self.it, None
        self.resolved.update(self.it_tasks)
        self.it_unsubmitted = []
        try:
            it.close()
        except Exception:
            pass

    # -- steps ----------------------------------------------------------------------------------

    def step(self, step):
        """Performs one step; returns (obs, hung)."""
        op = step["op"]
        ex = self.ex
        if op == "submit":
            task = self.alloc(step["task"])
            # Future numbers are submit ordinals: a submit that raised takes its number too
            # (its `states` entry is null, operations on it are skipped).
            self.fut_task.append(task.n)
            self.cb_added.append(0)
            try:
                f = ex.submit(cf_tasks.run_task, task)
            except Exception as e:
                self.failed.add(task.n)
                self.futures.append(None)
                return {"error": err(e)}, False
            self.register(f, [task.n])
            self.futures.append(f)
            return {"future": len(self.futures) - 1}, False
        if op in ("cancel", "result", "exception", "callback"):
            f = self.fut(step["future"])
            if f is None:
                return {"skipped": "no future"}, False
        if op == "spawn" and "future" in step["call"] and self.fut(step["call"]["future"]) is None:
            return {"skipped": "no future"}, False
        if op == "cancel":
            r = f.cancel()
            if r:
                self.resolved.add(self.fut_task[step["future"]])
            return {"cancelled": bool(r)}, False
        if op == "open":
            self.run.open_gate(step["gate"])
            return {}, False
        if op == "callback":
            i = step["future"]
            k = self.cb_added[i]
            self.cb_added[i] += 1
            run, raises = self.run, step["raises"]

            def cb(_f):
                run.log_callback(i, k)
                if raises:
                    raise cf_tasks.TaskError("callback raised")
            try:
                f.add_done_callback(cb)
            except Exception as e:
                return {"error": err(e)}, False
            return {}, False
        if op in ("result", "exception", "wait", "as_completed"):
            if step["timeout"] is None and not self.can_return(step):
                return {"skipped": "blocks"}, False
            r = guarded(self.call_fn(step, self.timeout(step["timeout"])), self.patience)
            return ({"hang": True}, True) if r is HANG else (r, False)
        if op == "map":
            if self.it is not None:
                self.close_iterator()
            tasks = [self.alloc(t) for t in step["items"]]
            kwargs = {"timeout": self.timeout(step["timeout"])}
            if step["chunksize"] is not None:
                kwargs["chunksize"] = step["chunksize"]
            if step["buffersize"] is not None:
                kwargs["buffersize"] = step["buffersize"]
            try:
                it = ex.map(cf_tasks.run_task, tasks, **kwargs)
            except Exception as e:
                self.failed.update(t.n for t in tasks)
                return {"error": err(e)}, False
            if step["timeout"] is not None:
                end = monotonic() + self.short + 0.0002
                while True:
                    left = end - monotonic()
                    if left <= 0:
                        break
                    time.sleep(left)
            self.it, self.it_tasks, self.it_pos = it, [t.n for t in tasks], 0
            b = step["buffersize"]
            self.it_unsubmitted = [t.n for t in tasks[b:]] if b is not None else []
            self.it_raised = self.it_shutdown_cf = False
            self.it_timeout = step["timeout"]
            return {}, False
        if op == "map_next":
            if self.it is None:
                return {"skipped": "no iterator"}, False
            if not self.can_return(step):
                return {"skipped": "blocks"}, False
            it = self.it

            def fn():
                try:
                    return {"value": jsonable(next(it))}
                except StopIteration:
                    return {"stop": True}
                except Exception as e:
                    return {"error": err(e)}
            r = guarded(fn, self.patience)
            if r is HANG:
                return {"hang": True}, True
            if "stop" not in r:
                self.it_pos += 1
                self.it_unsubmitted = self.it_unsubmitted[1:]
            if "error" in r:
                self.it_raised = True
                self.resolved.update(self.it_tasks)
            return r, False
        if op == "map_close":
            if self.it is None:
                return {"skipped": "no iterator"}, False
            self.close_iterator()
            return {}, False
        if op == "shutdown":
            cancel = step["cancel_futures"]

            def fn():
                try:
                    if cancel:
                        ex.shutdown(wait=False, cancel_futures=True)
                    else:
                        ex.shutdown(wait=False)
                except Exception as e:
                    return {"error": err(e)}
                return {}
            r = guarded(fn, self.patience)
            if r is HANG:
                return {"hang": True}, True
            if r:
                return r, False
            if cancel:
                self.resolved.update(range(self.ntasks))
                if self.it is not None:
                    self.it_shutdown_cf = True
            if step["wait"]:
                def fn_wait():
                    try:
                        ex.shutdown(wait=True)
                    except Exception as e:
                        return {"error": err(e)}
                    return {}
                self.helpers.append(Helper("shutdown", {"op": "shutdown"}, fn_wait))
            return {}, False
        if op == "spawn":
            call = step["call"]
            self.helpers.append(Helper(call["op"], call, self.call_fn(call, None)))
            return {}, False
        if op == "join":
            if not self.helpers:
                return {"skipped": "no thread"}, False
            h = self.helpers[0]
            if self.can_return(h.spec):
                h.thread.join(self.patience)
            if h.thread.is_alive():
                if self.can_return(h.spec):
                    self.helpers.popleft()
                    return {"hang": True}, False
                return {"blocked": True}, False
            self.helpers.popleft()
            return {"call": h.name, "outcome": h.box[0]}, False
        raise AssertionError(op)

    # -- the whole run --------------------------------------------------------------------------

    def create(self):
        sc = self.sc
        kwargs = {"max_workers": sc["workers"]}
        if sc["initializer"] is not None:
            kwargs["initializer"] = (cf_tasks.init_ok if sc["initializer"] == "ok"
                                     else cf_tasks.init_fails)
        prefix = sc["thread_name_prefix"]
        accepts = _accepts(self.factory, "thread_name_prefix") if prefix is not None else False
        try:
            if accepts is None:
                try:
                    ex = self.factory(thread_name_prefix=prefix, **kwargs)
                except TypeError:
                    ex = self.factory(**kwargs)
            elif accepts:
                ex = self.factory(thread_name_prefix=prefix, **kwargs)
            else:
                ex = self.factory(**kwargs)
        except Exception as e:
            return {"error": err(e)}
        if not _executor_like(ex):
            raise InputError("--executor %s produced %s, not an Executor"
                             % (self.executor_name, type(ex).__name__))
        self.ex = ex
        self.init_fails = sc["initializer"] == "fails"
        orig = ex.submit
        sr = self

        def submit(fn, *args, **kwargs):
            f = orig(fn, *args, **kwargs)
            sr.register(f, _find_tasks(args))
            return f
        try:
            ex.submit = submit
        except Exception:
            pass  # no instance attributes: map's futures stay unseen
        return {"ok": True}

    def teardown(self):
        if self.it is not None:
            self.close_iterator()
        for g in range(N_GATES):
            self.run.open_gate(g)
        for h in self.helpers:
            h.thread.join(self.patience)
            if h.thread.is_alive():
                return {"hang": "a helper thread calling %s did not return" % h.name}
        ex = self.ex

        def fn():
            ex.shutdown(wait=True)
            return {}
        if guarded(fn, self.patience) is HANG:
            return {"hang": "shutdown(wait=True) did not return"}
        return {"ok": True}

    def execute(self):
        trace = collections.OrderedDict()
        trace["id"] = self.sc["id"]
        trace["runner"] = RUNNER
        trace["executor"] = self.executor_name
        steps = []
        aborted = None
        if self.run_id is not None:
            cf_tasks.RUNS[self.run_id] = self.run
        try:
            create = self.create()
            trace["create"] = create
            if self.ex is not None:
                if self.isolated and _has_gated(self.sc):
                    aborted = "gated tasks need a thread executor"
                else:
                    self.settle()
                    self.snapshot()
                    for n, st in enumerate(self.sc["steps"], 1):
                        obs, hung = self.step(st)
                        self.settle()
                        rec = collections.OrderedDict([("n", n), ("op", st["op"]), ("obs", obs)])
                        rec.update(self.snapshot())
                        steps.append(rec)
                        if hung:
                            aborted = "hang at step %d" % n
                            break
            trace["steps"] = steps
            trace["aborted"] = aborted
            if self.ex is not None:  # no teardown when the constructor refused
                trace["teardown"] = self.teardown()
        finally:
            cf_tasks.RUNS.pop(self.run_id, None)
        return trace


def _has_gated(sc):
    for st in sc["steps"]:
        tasks = [st["task"]] if st["op"] == "submit" else st["items"] if st["op"] == "map" else []
        if any(t["kind"] == "gated" for t in tasks):
            return True
    return False


_accepts_cache = {}


def _accepts(fn, name):
    """True/False if fn's signature does/doesn't accept keyword `name`; None if unknown."""
    key = (id(fn), name)
    if key not in _accepts_cache:
        _accepts_cache[key] = _accepts1(fn, name)
    return _accepts_cache[key]


def _accepts1(fn, name):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    for p in sig.parameters.values():
        if p.kind == p.VAR_KEYWORD:
            return True
        if p.name == name and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            return True
    return False


def _executor_like(ex):
    if isinstance(ex, cf.Executor):
        return True
    return all(callable(getattr(ex, m, None)) for m in ("submit", "map", "shutdown"))


def load_executor(spec):
    if ":" not in spec:
        raise InputError("--executor must be MODULE:CALLABLE, not %r" % spec)
    modname, attr = spec.split(":", 1)
    if not modname or not attr:
        raise InputError("--executor must be MODULE:CALLABLE, not %r" % spec)
    try:
        obj = importlib.import_module(modname)
    except Exception as e:
        raise InputError("cannot import module %r: %s: %s" % (modname, type(e).__name__, e))
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise InputError("module %r has no attribute %r" % (modname, attr))
    if not callable(obj):
        raise InputError("%s is not callable" % spec)
    if isinstance(obj, type) and not issubclass(obj, cf.Executor) and not all(
            callable(getattr(obj, m, None)) for m in ("submit", "map", "shutdown")):
        raise InputError("%s is not an Executor class" % spec)
    return obj


# ---------------------------------------------------------------------------------------------
# Probes

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


# ---------------------------------------------------------------------------------------------
# CLI

class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise InputError(message)


def _main(argv):
    parser = _Parser(prog="cf_driver.py", description=__doc__.split("\n")[1])
    parser.add_argument("--executor", metavar="MODULE:CALLABLE")
    parser.add_argument("--isolated", action="store_true",
                        help="tasks run in other processes (no gates, no task log)")
    parser.add_argument("--probes", action="store_true", help="print the version probes")
    parser.add_argument("file", nargs="?", default="-", help="scenarios, one JSON per line")
    args = parser.parse_args(argv)
    out = sys.stdout
    if args.probes:
        if args.executor:
            raise InputError("--probes takes no --executor")
        out.write(json.dumps(probes()) + "\n")
        return 0
    if not args.executor:
        raise InputError("--executor MODULE:CALLABLE is required (or --probes)")
    factory = load_executor(args.executor)
    if args.file == "-":
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    else:
        try:
            stream = io.open(args.file, encoding="utf-8", errors="replace")
        except (IOError, OSError) as e:
            raise InputError("cannot read %s: %s" % (args.file, e.strerror or e))
    lineno = 0
    for line in iter(stream.readline, ""):
        lineno += 1
        if not line.strip():
            continue
        try:
            sc = json.loads(line)
        except ValueError as e:
            raise InputError("line %d: malformed JSON: %s" % (lineno, e))
        try:
            validate(sc)
        except InputError as e:
            raise InputError("line %d: %s" % (lineno, e))
        try:
            trace = ScenarioRun(sc, factory, args.executor, args.isolated).execute()
        except InputError as e:
            raise InputError("line %d: %s" % (lineno, e))
        out.write(json.dumps(trace, separators=(",", ":")) + "\n")
        out.flush()
    return 0


def main(argv=None):
    logging.getLogger("concurrent.futures").addHandler(logging.NullHandler())
    logging.getLogger("concurrent.futures").propagate = False
    logging.getLogger("concurrent.futures").setLevel(logging.CRITICAL + 1)
    warnings.simplefilter("ignore")
    status = 0
    try:
        status = _main(sys.argv[1:] if argv is None else argv)
    except InputError as e:
        sys.stderr.write("error: %s\n" % str(e).replace("\n", " "))
        status = 2
    except KeyboardInterrupt:
        status = 130
    except BrokenPipeError:  # the reader went away: nothing more to say
        status = 1
    except SystemExit as e:  # --help
        status = e.code if isinstance(e.code, int) else 0
    except BaseException as e:
        if os.environ.get("CF_DEBUG"):
            import traceback
            traceback.print_exc()
        sys.stderr.write("error: internal error: %s: %s\n"
                         % (type(e).__name__, str(e).replace("\n", " ")))
        status = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    os._exit(status)


if __name__ == "__main__":
    main()
