"""The dask executor for the reproductions: in this process (argument `inprocess`, default)
or on a local cluster of worker processes (`localcluster`)."""
import logging
import sys


def mode():
    """The command line's argument: inprocess (the default) or localcluster."""
    return sys.argv[1] if len(sys.argv) > 1 else "inprocess"


def executor(workers=1):
    """A Client().get_executor() with `workers` worker threads (in-process: one worker with that
    many threads; localcluster: that many worker processes of one thread each), and the client
    (close it at the end)."""
    from distributed import Client, LocalCluster
    where = mode()
    quiet = {"dashboard_address": ":0", "silence_logs": logging.CRITICAL}
    if where == "localcluster":
        client = Client(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                     **quiet))
    else:
        client = Client(processes=False, n_workers=1, threads_per_worker=workers, **quiet)
    return client.get_executor(), client, where


def started_task():
    """The executor, its client, the mode, a gate and the future of a task running behind it."""
    from _gate import Gate, gated
    ex, client, mode = executor()
    gate = Gate()
    f = ex.submit(gated, gate.address, 1)
    gate.wait_started()
    return ex, client, mode, gate, f


def first_try_showing(attempt, tries=40):
    """For the races: the 1-based number of the first of up to `tries` tries that shows the
    deviation, or None. Each try gets a new client (with one client reused, later tries almost
    never show it), a gate and three values of its own, and calls attempt(ex, gate, values),
    which opens the gate once its map has ended and returns a check. The check is called after
    the executor is shut down and the worker is past anything queued before; true: shown."""
    from _gate import Gate
    for t in range(tries):
        gate = Gate()
        ex, client, _ = executor()
        shown = attempt(ex, gate, [3 * t, 3 * t + 1, 3 * t + 2])
        ex.shutdown(wait=True)
        client.submit(abs, -t, pure=False).result()  # the worker is past anything queued before
        client.close()
        if shown():
            return t + 1
    return None
