"""dask.distributed's Client.get_executor(): running() is False for a task that has started;
the wrapper future stays PENDING until it is done (FUT-PRED-2)."""
from _dask import started_task
from _gate import verdict

if __name__ == "__main__":
    ex, client, mode, gate, f = started_task()
    running = f.running()
    gate.open()
    f.result(timeout=60)
    ex.shutdown(wait=True)
    client.close()
    verdict(running is False, "%s: running() of a started task is %r" % (mode, running))
