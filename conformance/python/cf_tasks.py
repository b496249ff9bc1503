"""Picklable tasks, exceptions and initializers for cf_driver.py (standard library only).

A task is ``run_task(Task(n, kind, gate, run))``. ``run`` is the id of a run registered in
``RUNS`` by the driver (thread executors), or ``None`` (isolated mode: the task runs in another
process, cannot see gates and logs nothing).
"""
import collections
import threading

__all__ = ["Task", "TaskError", "TaskPanic", "run_task", "init_ok", "init_fails", "RUNS", "Run"]


class TaskError(Exception):
    """What a ``raise`` task (and a raising callback) raises."""


class TaskPanic(Exception):
    """What a ``panic`` task raises (the Rust side panics)."""


Task = collections.namedtuple("Task", ["n", "kind", "gate", "run"])

# run id -> Run, for the runs of this process (thread executors only).
RUNS = {}


class Run(object):
    """The task log and the gates of one scenario run."""

    def __init__(self, gates=4):
        self.cond = threading.Condition()
        self.gen = 0  # bumped on every log entry
        self.gates = [False] * gates
        self.started = set()
        self.blocked = set()
        self.finished = set()
        self.threads = {}
        self.callbacks = []  # [future, k] in delivery order

    def _bump(self):
        self.gen += 1
        self.cond.notify_all()

    def log_started(self, n):
        name = threading.current_thread().name
        with self.cond:
            self.started.add(n)
            self.threads[n] = name
            self._bump()

    def log_finished(self, n):
        with self.cond:
            self.finished.add(n)
            self._bump()

    def log_callback(self, i, k):
        with self.cond:
            self.callbacks.append([i, k])
            self._bump()

    def wait_gate(self, n, g):
        with self.cond:
            if self.gates[g]:
                return
            self.blocked.add(n)
            self._bump()
            while not self.gates[g]:
                self.cond.wait()
            self.blocked.discard(n)  # `blocked` lists the tasks blocked now

    def open_gate(self, g):
        with self.cond:
            self.gates[g] = True
            self._bump()


def run_task(task):
    n, kind, gate, run_id = task
    run = RUNS.get(run_id) if run_id is not None else None
    if run is not None:
        run.log_started(n)
    if kind == "gated":
        if run is None:
            # Isolated mode refuses gated tasks before running anything; be safe anyway.
            raise RuntimeError("t%d: gated task without a gate" % n)
        run.wait_gate(n, gate)
    if run is not None:
        run.log_finished(n)
    if kind == "raise":
        raise TaskError("t%d raised" % n)
    if kind == "panic":
        raise TaskPanic("t%d panicked" % n)
    return 1000 + n


def init_ok():
    return None


def init_fails():
    raise RuntimeError("initializer failed")
