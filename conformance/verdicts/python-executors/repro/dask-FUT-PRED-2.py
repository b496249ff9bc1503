"""dask.distributed's Client.get_executor(): running() is False for a task that has started;
the wrapper future stays PENDING until it is done (FUT-PRED-2)."""
from _dask import executor
from _gate import Gate, gated, verdict

if __name__ == "__main__":
    ex, client, mode = executor()
    gate = Gate()
    f = ex.submit(gated, gate.address, 1)
    gate.wait_started()
    running = f.running()
    gate.open()
    f.result(timeout=60)
    ex.shutdown(wait=True)
    client.close()
    verdict(running is False, "%s: running() of a started task is %r" % (mode, running))
