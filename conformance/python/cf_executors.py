"""Factories for the third-party Python executors the verdict tables check.

Each factory is a ``module:callable`` for the kit's ``--executor`` option
(``cf_executors:dask_inprocess`` and so on): it takes the usual ``max_workers``
keyword and, where the executor has them, ``initializer`` and
``thread_name_prefix``, and returns an object with ``submit``, ``map`` and
``shutdown``. A factory never fakes a feature the executor lacks: it refuses
the keyword (a ``TypeError`` the driver reports as the constructor's error) or
leaves it out of its signature, and ``MISSING`` below declares it, so that the
verdict table can show ``n/a`` for it instead of a failure in every scenario.

Importing this module imports none of the executors; each factory imports its
package when first called. Only the standard library is needed here.

What each executor lacks, and how it is made to run here (``MISSING`` holds
the kit's feature names; ``NOTES`` the rest):
"""
import logging
import os
import sys
import threading

__all__ = ["MISSING", "NOTES", "ISOLATED", "dask_inprocess", "dask_localcluster",
           "mpi_pool", "gevent_threadpool", "futurist_thread", "futurist_process",
           "bounded_thread", "bounded_process", "executorlib_single_node"]

# The kit's feature names (conformance/src/adapter.rs, Feature::name), plus
# "thread-names" for a thread_name_prefix that is not honoured (the kit does not
# check names; listed for the record). Keyed by the --executor value.
# map-chunksize: chunksize accepted and ignored (CPython's thread pool, DIV-CHUNK-1; executorlib,
# whose map() passes it to concurrent.futures.Executor.map, which ignores it).
# map-buffersize: loky's map(fn, *iterables, **kwargs) reads only timeout and chunksize from its
# keywords and swallows any other, buffersize included; it documents none (the adapter's probe
# cannot tell a **kwargs signature from one that takes buffersize).
MISSING = {
    "concurrent.futures:ThreadPoolExecutor": ["map-chunksize"],
    "concurrent.futures:InterpreterPoolExecutor": ["map-chunksize"],
    "cf_executors:dask_inprocess": ["initializer", "thread-names", "cancel-futures", "map-chunksize"],
    "cf_executors:dask_localcluster": ["initializer", "thread-names", "cancel-futures",
                                       "map-chunksize"],
    "cf_executors:mpi_pool": ["thread-names"],
    "cf_executors:gevent_threadpool": ["initializer", "thread-names", "map-chunksize"],
    "cf_executors:futurist_thread": ["initializer", "thread-names", "map-chunksize"],
    "cf_executors:futurist_process": ["initializer", "thread-names"],
    "cf_executors:bounded_thread": ["initializer", "thread-names", "map-chunksize"],
    "cf_executors:bounded_process": ["initializer", "thread-names"],
    "cf_executors:executorlib_single_node": ["initializer", "thread-names", "map-chunksize"],
    "loky:ProcessPoolExecutor": ["thread-names", "cancel-futures", "map-buffersize"],
}

# Executors whose tasks run in other processes: run them with --isolated (the
# tasks reach the kit's server through a local socket).
ISOLATED = {
    "cf_executors:dask_localcluster", "cf_executors:mpi_pool", "cf_executors:futurist_process",
    "cf_executors:bounded_process", "cf_executors:executorlib_single_node",
    "loky:ProcessPoolExecutor",
}

NOTES = {
    "cf_executors:dask_inprocess":
        "Client(processes=False, n_workers=1, threads_per_worker=max_workers).get_executor(): "
        "the scheduler and a worker of max_workers threads in the server's process. "
        "One client per max_workers, kept for the whole run (starting "
        "one costs about a second). shutdown(wait) takes no cancel_futures; the executor has "
        "no initializer and no thread names (tasks run on dask's worker threads).",
    "cf_executors:dask_localcluster":
        "Client(LocalCluster(n_workers=max_workers, threads_per_worker=1)).get_executor(): "
        "max_workers worker processes (the distributed case), run --isolated. One cluster "
        "per max_workers, kept for the whole run.",
    "cf_executors:mpi_pool":
        "mpi4py.futures.MPIPoolExecutor(max_workers, path=sys.path), with MPICH from PyPI "
        "(mpiexec on PATH, from the virtual environment's bin/). The driver calls os.setsid() "
        "first: MPI's process manager signals its process group when it exits, which would "
        "otherwise kill the harness. Workers are spawned processes (--isolated). initializer "
        "is supported; shutdown has cancel_futures.",
    "cf_executors:gevent_threadpool":
        "gevent.threadpool.ThreadPoolExecutor(max_workers), threading not monkey-patched (the "
        "driver and its helper threads are native threads). initializer and thread_name_prefix "
        "are accepted and ignored, so the factory refuses them. The pool may be used only from "
        "the thread that created it (InvalidThreadUseError from any other), which refuses every "
        "call of the kit's Python adapter.",
    "cf_executors:futurist_thread":
        "futurist.ThreadPoolExecutor(max_workers): its own pool, no initializer, no thread "
        "names; shutdown accepts cancel_futures (and ignores it).",
    "cf_executors:futurist_process":
        "futurist.ProcessPoolExecutor(max_workers): CPython's process pool underneath "
        "(--isolated).",
    "cf_executors:bounded_thread":
        "bounded_pool_executor.BoundedThreadPoolExecutor(max_workers): submit takes a "
        "semaphore of max_workers permits, released by a done callback.",
    "cf_executors:bounded_process":
        "bounded_pool_executor.BoundedProcessPoolExecutor(max_workers) (--isolated).",
    "cf_executors:executorlib_single_node":
        "executorlib.SingleNodeExecutor(max_workers): each task in a worker process "
        "(--isolated); init_function needs block_allocation, so no initializer here.",
}

_HERE = os.path.dirname(os.path.abspath(__file__))


def _export_path():
    """Make cf_server (the kit's tasks) importable in worker processes started from here."""
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if _HERE not in parts:
        os.environ["PYTHONPATH"] = os.pathsep.join([_HERE] + parts)


_lock = threading.Lock()
_clients = {}


def _dask_client(key, make):
    with _lock:
        c = _clients.get(key)
        if c is None or c.status != "running":
            c = _clients[key] = make()
        return c


def dask_inprocess(max_workers):
    """dask.distributed's executor, scheduler and worker in this process."""
    from distributed import Client
    c = _dask_client(("inprocess", max_workers), lambda: Client(
        processes=False, n_workers=1, threads_per_worker=max_workers,
        dashboard_address=":0", silence_logs=logging.CRITICAL, set_as_default=False))
    return c.get_executor()


def dask_localcluster(max_workers):
    """dask.distributed's executor on a local cluster of worker processes."""
    _export_path()
    from distributed import Client, LocalCluster

    def make():
        cluster = LocalCluster(n_workers=max_workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.CRITICAL)
        return Client(cluster, set_as_default=False)
    return _dask_client(("cluster", max_workers), make).get_executor()


_session = []


def mpi_pool(max_workers, initializer=None):
    """mpi4py.futures.MPIPoolExecutor, the driver in its own session."""
    if not _session:
        try:
            os.setsid()
        except OSError:
            pass  # already a process-group leader: a session of its own already
        _session.append(True)
    _export_path()
    from mpi4py.futures import MPIPoolExecutor
    kwargs = {"max_workers": max_workers, "path": list(sys.path)}
    if initializer is not None:
        kwargs["initializer"] = initializer
    return MPIPoolExecutor(**kwargs)


def gevent_threadpool(max_workers):
    """gevent's ThreadPoolExecutor (initializer and thread names would be ignored)."""
    from gevent.threadpool import ThreadPoolExecutor
    return ThreadPoolExecutor(max_workers)


def futurist_thread(max_workers):
    """futurist's ThreadPoolExecutor."""
    import futurist
    return futurist.ThreadPoolExecutor(max_workers=max_workers)


def futurist_process(max_workers):
    """futurist's ProcessPoolExecutor."""
    _export_path()
    import futurist
    return futurist.ProcessPoolExecutor(max_workers=max_workers)


def bounded_thread(max_workers):
    """bounded-pool-executor's BoundedThreadPoolExecutor."""
    from bounded_pool_executor import BoundedThreadPoolExecutor
    return BoundedThreadPoolExecutor(max_workers)


def bounded_process(max_workers):
    """bounded-pool-executor's BoundedProcessPoolExecutor."""
    _export_path()
    from bounded_pool_executor import BoundedProcessPoolExecutor
    return BoundedProcessPoolExecutor(max_workers)


def executorlib_single_node(max_workers):
    """executorlib's SingleNodeExecutor (tasks in worker processes)."""
    _export_path()
    from executorlib import SingleNodeExecutor
    return SingleNodeExecutor(max_workers=max_workers)
