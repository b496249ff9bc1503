"""dask.distributed's Client.get_executor(): dropping a map() iterator on which next() was never
called cancels its items not yet started, which never run (MAP-DROP-2: nothing is cancelled, as
CPython's generator that never started runs no cleanup). The executor's map keeps the dask
futures only in the iterator until they are yielded; dropping it drops the last reference to
each, and the client then releases their keys, so the scheduler forgets the tasks. The kit's
dask-localcluster table showed it as EXE-RESILIENT-1 (a later map's item never started though
a worker was free), before the kit named the drop. Argument: inprocess (default) or
localcluster."""
from _dask import started_task
from _gate import Ran, ran, verdict

VALUES = [1, 2, 3]

if __name__ == "__main__":
    ex, client, mode, gate, f0 = started_task()  # the one worker thread is busy
    log = Ran()
    it = ex.map(ran, [log.address] * len(VALUES), VALUES)  # queued behind f0
    del it  # never advanced: a conforming executor still runs every item
    gate.open()
    f0.result(timeout=60)
    ex.shutdown(wait=True)
    client.submit(abs, -1, pure=False).result()  # the worker is past anything queued before
    client.close()
    missing = [v for v in VALUES if not log.ran(v)]
    verdict(bool(missing),
            "%s: of the 3 items of a map dropped before its first next(), queued behind a "
            "running task, these never ran: %s" % (mode, missing))
