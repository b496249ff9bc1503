"""A gate that works across processes, for the reproductions beside it (standard library only).

A gated task connects to the gate, says it has started and blocks until the gate is opened:
no sleeps, and it works whether the task runs in a thread, a worker process or an MPI rank.
"""
import os
import sys
import threading
from multiprocessing.connection import Client, Listener

KEY = b"cf-repro"

# Worker processes started from here (dask's nannies, MPI ranks) must import this module too.
_here = os.path.dirname(os.path.abspath(__file__))
os.environ["PYTHONPATH"] = os.pathsep.join(
    [_here] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])


class Gate:
    """The reproduction's side: accepts the tasks, learns that they started, lets them go."""

    def __init__(self):
        self.listener = Listener(("127.0.0.1", 0), authkey=KEY)
        self.address = self.listener.address
        self.conns = []

    def wait_started(self):
        """Block until one more gated task has started."""
        conn = self.listener.accept()
        if conn.recv() != "started":
            raise RuntimeError("unexpected message from a gated task")
        self.conns.append(conn)

    def open(self):
        """Let every task that has started return."""
        for conn in self.conns:
            conn.send("go")


def gated(address, value):
    """The task: report started, wait for the gate, return value."""
    with Client(address, authkey=KEY) as conn:
        conn.send("started")
        conn.recv()
    return value


class Ran:
    """The reproduction's record of which tasks ran, wherever they ran: each `ran` call sends
    its value here (read `values` once the executor has been shut down with wait=True)."""

    def __init__(self):
        self.listener = Listener(("127.0.0.1", 0), authkey=KEY)
        self.address = self.listener.address
        self.values = []
        t = threading.Thread(target=self._collect, daemon=True)
        t.start()

    def _collect(self):
        while True:
            with self.listener.accept() as conn:
                value = conn.recv()
                self.values.append(value)
                conn.send("noted")

    def ran(self, value):
        """True once the value's task has reported (after the executor's shutdown(wait=True))."""
        return value in self.values


def ran(address, value):
    """The task: report to a Ran record that it ran, return value."""
    with Client(address, authkey=KEY) as conn:
        conn.send(value)
        conn.recv()
    return value


def item(kind, address, value):
    """A map() item: `gated` when kind is "gate", raises ValueError when it is "fail", else
    `ran`."""
    if kind == "fail":
        raise ValueError("item %r fails" % value)
    return (gated if kind == "gate" else ran)(address, value)


def verdict(deviates, what):
    """Exit 0 when the deviation the table claims is present, 1 with a message when it is not."""
    if deviates:
        print("reproduced: " + what)
        sys.exit(0)
    print("NOT REPRODUCED (the executor now conforms; update its verdict table): " + what)
    sys.exit(1)
