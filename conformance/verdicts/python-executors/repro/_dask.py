"""The dask executor for the reproductions: in this process (argument `inprocess`, default)
or on a local cluster of worker processes (`localcluster`)."""
import logging
import sys


def executor(workers=1):
    """A Client().get_executor() with `workers` worker threads (in-process: one worker with that
    many threads; localcluster: that many worker processes of one thread each), and the client
    (close it at the end)."""
    from distributed import Client, LocalCluster
    mode = sys.argv[1] if len(sys.argv) > 1 else "inprocess"
    quiet = {"dashboard_address": ":0", "silence_logs": logging.CRITICAL}
    if mode == "localcluster":
        client = Client(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                     **quiet))
    else:
        client = Client(processes=False, n_workers=1, threads_per_worker=workers, **quiet)
    return client.get_executor(), client, mode


def started_task():
    """The executor, its client, the mode, a gate and the future of a task running behind it."""
    from _gate import Gate, gated
    ex, client, mode = executor()
    gate = Gate()
    f = ex.submit(gated, gate.address, 1)
    gate.wait_started()
    return ex, client, mode, gate, f
