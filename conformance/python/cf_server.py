"""The Python side of the kit's PythonAdapter: one primitive executor operation per request.

Standard library only, Python 3.6+. Started by the Rust adapter (conformance/src/adapters/python.rs)
as ``python cf_server.py --executor MODULE:CALLABLE``; it reads one JSON request per line on stdin
and writes one JSON line per reply or event on stdout. The kit's runner decides everything (what
to submit, when, what to expect); this server only performs operations and reports what the
executor did. There is no scenario here.

Requests ``{"id": N, "op": ..., ...}`` get a reply ``{"id": N, ...}``; each runs on a thread of its
own, so a blocking one (``result`` without a timeout, ``wait``, ``shutdown(wait=True)``) never
holds up the others. Two messages carry no id and are handled at once: ``release`` (the kit's task
``k`` has finished on the Rust side: return its value or raise) and ``cbdone`` (the kit's callback
``k`` has run). Events the server sends on its own: ``{"ev": "start", "task": k, "thread": NAME}``
when a task starts on a worker (the task then waits for its ``release``), and ``{"ev": "cb",
"cb": k}`` when the executor calls a done-callback (which waits for its ``cbdone``).

Ops (``e`` names an executor built by ``build``; ``f`` a future, ``m`` a map iterator):
``probe``, ``build {workers, failing_initializer}``, ``submit {e, task}``, ``cancel``/``done``/
``running``/``cancelled {e, f}``, ``result``/``exception {e, f, timeout}``, ``callback {e, f, cb}``,
``wait {e, fs, timeout, mode}``, ``as_completed {e, fs, timeout}``, ``map {e, tasks, chunksize,
buffersize}``, ``map_next``/``map_close {e, m}``, ``shutdown {e, wait, cancel_futures}``,
``forget {e}``. Outcomes are ``{"o": KIND, ...}`` with KIND ``value`` (``v``), ``no_exception``,
``error``/``panic`` (``msg``), ``cancelled``, ``timeout``, ``broken``, ``other`` (``msg``).
"""
import concurrent.futures as cf
import importlib
import inspect
import json
import logging
import multiprocessing.connection
import os
import sys
import threading
import warnings

_OUT = threading.Lock()
_STATE = threading.Lock()
RELEASES = {}  # task k -> [Event, outcome]
CALLBACK_DONE = {}  # (callback k, call number) -> [Event, panicked]
EXECUTORS = {}  # e -> Executor state
NEXT_EXECUTOR = [0]
FACTORY = None


class TaskError(Exception):
    """What the kit's failing task raises."""


class TaskPanic(Exception):
    """What the kit's panicking task raises (the Rust task panicked)."""


class InitializerFailed(Exception):
    """What the kit's failing initializer raises."""


def emit(obj):
    line = json.dumps(obj, separators=(",", ":")) + "\n"
    with _OUT:
        sys.stdout.write(line)
        sys.stdout.flush()


def kit_task(k):
    """A kit task: reports its start, then waits for the Rust side to run it."""
    slot = [threading.Event(), None]
    with _STATE:
        RELEASES[k] = slot
    emit({"ev": "start", "task": k, "thread": threading.current_thread().name})
    slot[0].wait()
    kind, payload = slot[1]
    if kind == "value":
        return payload
    if kind == "error":
        raise TaskError(payload)
    raise TaskPanic(payload)


def kit_task_remote(k, address, authkey):
    """A kit task run in another process or interpreter: the same exchange as
    kit_task, over a local socket to the server."""
    conn = multiprocessing.connection.Client(address, authkey=authkey)
    try:
        conn.send(("start", k, threading.current_thread().name))
        kind, payload = conn.recv()
    finally:
        conn.close()
    if kind == "value":
        return payload
    if kind == "error":
        raise TaskError(payload)
    raise TaskPanic(payload)


# Isolated mode: (address, authkey) of the listener tasks report to.
REMOTE = []


def serve_remote(listener):
    while True:
        try:
            conn = listener.accept()
        except Exception:
            return
        t = threading.Thread(target=remote_task, args=(conn,), name="cf-server-task")
        t.daemon = True
        t.start()


def remote_task(conn):
    try:
        _, k, name = conn.recv()
        slot = [threading.Event(), None]
        with _STATE:
            RELEASES[k] = slot
        emit({"ev": "start", "task": k, "thread": name})
        slot[0].wait()
        conn.send(slot[1])
    except Exception:
        pass
    finally:
        conn.close()


def task_call(k):
    """The callable and arguments that run kit task k on this server's executors."""
    if REMOTE:
        return kit_task_remote, (k,) + tuple(REMOTE)
    return kit_task, (k,)


def init_fails():
    raise InitializerFailed("[cf-kit] initializer failed")


def _broken_types():
    types = []
    for modname, attr in (("concurrent.futures", "BrokenExecutor"),
                          ("concurrent.futures.thread", "BrokenThreadPool"),
                          ("concurrent.futures.process", "BrokenProcessPool")):
        try:
            t = getattr(importlib.import_module(modname), attr, None)
        except Exception:
            t = None
        if isinstance(t, type):
            types.append(t)
    return tuple(types)


BROKEN = _broken_types()
TIMEOUTS = (cf.TimeoutError, TimeoutError)


def classify(e):
    """The outcome an exception stands for."""
    if isinstance(e, TaskPanic):
        return {"o": "panic", "msg": str(e)}
    if isinstance(e, TaskError):
        return {"o": "error", "msg": str(e)}
    if isinstance(e, cf.CancelledError):
        return {"o": "cancelled"}
    if BROKEN and isinstance(e, BROKEN):
        return {"o": "broken"}
    if isinstance(e, TIMEOUTS):
        return {"o": "timeout"}
    return {"o": "other", "msg": "%s: %s" % (type(e).__name__, e)}


def rejected(e, ex):
    """A refused submit or map: broken, shut down (a RuntimeError once shutdown
    was called: the spec fixes no text), or anything else, named."""
    if BROKEN and isinstance(e, BROKEN):
        return {"rejected": "broken"}
    if isinstance(e, RuntimeError) and ex.shut:
        return {"rejected": "shutdown"}
    return {"rejected": "other", "msg": "%s: %s" % (type(e).__name__, e)}


def params(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    names = set()
    for p in sig.parameters.values():
        if p.kind == p.VAR_KEYWORD:
            return None  # takes anything
        names.add(p.name)
    return names


class Executor(object):
    def __init__(self, ex):
        self.ex = ex
        self.shut = False  # shutdown() was called (set before the call)
        self.futures = {}
        self.maps = {}
        self.lock = threading.Lock()
        self.next = 0

    def add(self, table, obj):
        with self.lock:
            n = self.next
            self.next += 1
            table[n] = obj
            return n


def timeout_of(req):
    t = req.get("timeout")
    return None if t is None else float(t)


def fut(req):
    ex = EXECUTORS[req["e"]]
    return ex, ex.futures[req["f"]]


def op_probe(req):
    lacks = []
    build = params(FACTORY)
    if build is not None and "initializer" not in build:
        lacks.append("initializer")
    # The executor's methods, looked up on a class when the factory is one.
    cls = FACTORY if isinstance(FACTORY, type) else None
    if cls is not None:
        shut = params(getattr(cls, "shutdown", None))
        if shut is not None and "cancel_futures" not in shut:
            lacks.append("cancel-futures")
        mp = params(getattr(cls, "map", None))
        if mp is not None and "buffersize" not in mp:
            lacks.append("map-buffersize")
    elif "buffersize" not in (params(cf.Executor.map) or set()):
        lacks.append("map-buffersize")
    return {"lacks": lacks, "version": sys.version.split()[0]}


def op_build(req):
    kwargs = {"max_workers": req["workers"]}
    if req.get("failing_initializer"):
        kwargs["initializer"] = init_fails
    try:
        ex = FACTORY(**kwargs)
    except Exception as e:
        return {"error": "%s: %s" % (type(e).__name__, e)}
    if not all(callable(getattr(ex, m, None)) for m in ("submit", "map", "shutdown")):
        return {"error": "%s is not an executor (no submit, map and shutdown)" % type(ex).__name__}
    state = Executor(ex)  # allocated outside the lock (see op_forget)
    with _STATE:
        e = NEXT_EXECUTOR[0]
        NEXT_EXECUTOR[0] += 1
        EXECUTORS[e] = state
    return {"e": e}


def op_forget(req):
    # The last reference to the executor goes here, and with it the executor's finalizer runs,
    # which may block for ever: executorlib's __del__ calls its shutdown, which never returns
    # once a cancel has killed its scheduling thread. So the reference is dropped outside the
    # lock, on this request's own thread: dropped under _STATE, it held the lock for ever, and
    # every later build and task start of this server waited for it (the next scenario was
    # "stuck while building the executor"). No object is created under _STATE either (an
    # allocation may start a garbage collection, which may finalize such an executor there).
    with _STATE:
        gone = EXECUTORS.pop(req["e"], None)
    del gone
    return {}


def op_submit(req):
    ex = EXECUTORS[req["e"]]
    fn, args = task_call(req["task"])
    try:
        f = ex.ex.submit(fn, *args)
    except Exception as e:
        return rejected(e, ex)
    return {"f": ex.add(ex.futures, f)}


def op_cancel(req):
    return {"r": bool(fut(req)[1].cancel())}


def op_done(req):
    return {"r": bool(fut(req)[1].done())}


def op_running(req):
    return {"r": bool(fut(req)[1].running())}


def op_cancelled(req):
    return {"r": bool(fut(req)[1].cancelled())}


def op_result(req):
    try:
        return {"o": "value", "v": fut(req)[1].result(timeout_of(req))}
    except BaseException as e:
        return classify(e)


def op_exception(req):
    try:
        e = fut(req)[1].exception(timeout_of(req))
    except BaseException as raised:
        return classify(raised)
    return {"o": "no_exception"} if e is None else classify(e)


def op_callback(req):
    k = req["cb"]
    calls = [0]
    count = threading.Lock()

    def cb(_future):
        with count:
            n = calls[0]
            calls[0] += 1
        slot, key = [threading.Event(), False], (k, n)
        with _STATE:
            CALLBACK_DONE[key] = slot
        emit({"ev": "cb", "cb": k, "n": n})
        slot[0].wait()
        if slot[1]:
            raise TaskError("[cf-kit] callback panicked")
    fut(req)[1].add_done_callback(cb)
    return {}


MODES = {"first_completed": cf.FIRST_COMPLETED, "first_exception": cf.FIRST_EXCEPTION,
         "all_completed": cf.ALL_COMPLETED}


def futures_of(req):
    ex = EXECUTORS[req["e"]]
    return [ex.futures[i] for i in req["fs"]]


def op_wait(req):
    fs = futures_of(req)
    done, _ = cf.wait(fs, timeout_of(req), MODES[req["mode"]])
    return {"done": [i for i, f in enumerate(fs) if f in done]}


def op_as_completed(req):
    fs = futures_of(req)
    seq = []
    try:
        for f in cf.as_completed(fs, timeout_of(req)):
            seq.append(next(i for i, g in enumerate(fs) if g is f))
            if len(seq) > len(fs):
                break
    except BaseException as e:
        return {"seq": seq, "timed_out": isinstance(e, TIMEOUTS), "other": classify(e)}
    return {"seq": seq, "timed_out": False}


def op_map(req):
    ex = EXECUTORS[req["e"]]
    kwargs = {"chunksize": req["chunksize"]}
    if req.get("buffersize") is not None:
        kwargs["buffersize"] = req["buffersize"]
    if req.get("timeout") is not None:
        kwargs["timeout"] = float(req["timeout"])
    calls = [task_call(k) for k in req["tasks"]]
    fn = calls[0][0] if calls else kit_task
    columns = [list(c) for c in zip(*[args for _, args in calls])] or [[]]
    try:
        it = iter(ex.ex.map(fn, *columns, **kwargs))
    except Exception as e:
        return rejected(e, ex)
    return {"m": ex.add(ex.maps, it)}


def op_map_next(req):
    ex = EXECUTORS[req["e"]]
    it = ex.maps[req["m"]]
    try:
        return {"o": "value", "v": next(it)}
    except StopIteration:
        return {"end": True}
    except RuntimeError as e:
        if ex.shut and not (BROKEN and isinstance(e, BROKEN)):
            # A buffered map's next() whose submit was refused (MAP-BUFFER-3).
            return {"o": "shutdown"}
        return classify(e)
    except BaseException as e:
        return classify(e)


def op_map_close(req):
    ex = EXECUTORS[req["e"]]
    with ex.lock:
        it = ex.maps.pop(req["m"], None)
    close = getattr(it, "close", None)
    if close is not None:
        close()
    del it
    return {}


def op_shutdown(req):
    EXECUTORS[req["e"]].shut = True
    ex = EXECUTORS[req["e"]].ex
    if req.get("cancel_futures"):
        ex.shutdown(wait=req["wait"], cancel_futures=True)
    else:
        ex.shutdown(wait=req["wait"])
    return {}


OPS = {name[3:]: fn for name, fn in globals().items() if name.startswith("op_")}


def serve(req):
    try:
        reply = OPS[req["op"]](req)
    except BaseException as e:  # the executor raised where it must not: report, keep serving
        reply = {"fault": "%s: %s" % (type(e).__name__, e)}
    reply["id"] = req["id"]
    emit(reply)


def handle(line):
    req = json.loads(line)
    op = req.get("op")
    if op == "release":
        with _STATE:
            slot = RELEASES.pop(req["task"], None)
        if slot is not None:
            slot[1] = (req["kind"], req.get("v", req.get("msg")))
            slot[0].set()
        return
    if op == "cbdone":
        key = (req["cb"], req["n"])
        with _STATE:
            slot = CALLBACK_DONE.pop(key, None)
        if slot is not None:
            slot[1] = bool(req.get("panicked"))
            slot[0].set()
        return
    if op == "exit":
        os._exit(0)
    if op not in OPS:
        emit({"id": req.get("id"), "fault": "unknown op %r" % (op,)})
        return
    t = threading.Thread(target=serve, args=(req,), name="cf-server-request")
    t.daemon = True
    t.start()


def load(spec):
    modname, _, attr = spec.partition(":")
    if not modname or not attr:
        raise ValueError("--executor must be MODULE:CALLABLE, not %r" % spec)
    obj = importlib.import_module(modname)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError("%s is not callable" % spec)
    return obj


def main():
    global FACTORY
    logging.getLogger("concurrent.futures").addHandler(logging.NullHandler())
    logging.getLogger("concurrent.futures").propagate = False
    logging.getLogger("concurrent.futures").setLevel(logging.CRITICAL + 1)
    warnings.simplefilter("ignore")
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    args = sys.argv[1:]
    isolated = args[2:] == ["--isolated"]
    if len(args) not in (2, 3) or args[0] != "--executor" or (len(args) == 3 and not isolated):
        sys.stderr.write("usage: cf_server.py --executor MODULE:CALLABLE [--isolated]\n")
        os._exit(2)
    if isolated:
        authkey = os.urandom(16)
        listener = multiprocessing.connection.Listener(family="AF_UNIX", authkey=authkey)
        REMOTE[:] = [listener.address, authkey]
        t = threading.Thread(target=serve_remote, args=(listener,), name="cf-server-listener")
        t.daemon = True
        t.start()
    try:
        FACTORY = load(args[1])
    except Exception as e:
        emit({"hello": False, "error": "cannot load %s: %s: %s" % (args[1], type(e).__name__, e)})
        os._exit(2)
    # The requests are read from a file object of the server's own, not sys.stdin: a process
    # pool that forks (CPython's on Linux before 3.14) starts its workers while this thread is
    # blocked in the read, holding the file's lock, and every forked child closes sys.stdin
    # first, so with sys.stdin here each one would wait for that lock for ever (no task would
    # ever start). sys.stdin becomes /dev/null, whose lock nobody holds.
    requests = os.fdopen(os.dup(sys.stdin.fileno()), "r")
    sys.stdin = open(os.devnull)
    emit({"hello": True, "version": sys.version.split()[0]})
    for line in iter(requests.readline, ""):
        if line.strip():
            try:
                handle(line)
            except Exception as e:
                sys.stderr.write("cf_server: bad request: %s\n" % e)
                os._exit(2)
    if isolated:
        try:
            os.unlink(REMOTE[0])
        except OSError:
            pass
    os._exit(0)  # the kit went away: so do the executor's threads


if __name__ == "__main__":
    # Run as the module cf_server, not as __main__: tasks and exceptions sent
    # to other processes are then pickled by a name they can import.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import cf_server
    cf_server.main()
