"""dask.distributed's Client.get_executor(): dropping an advanced map() iterator does not stop
an item not yet started, which runs (MAP-DROP-1; its cancellation goes through the scheduler
and does not reach the worker in time). Argument: inprocess (default) or localcluster."""
from _dask import executor
from _gate import Gate, Ran, item, verdict

if __name__ == "__main__":
    ex, client, mode = executor()
    gate, log = Gate(), Ran()
    it = ex.map(item, ["ran", "gate", "ran"], [log.address, gate.address, log.address], [0, 1, 2])
    first = next(it)
    gate.wait_started()  # item 1 holds the one worker thread; item 2 has not started
    del it  # a conforming executor cancels item 2 here
    gate.open()
    ex.shutdown(wait=True)
    client.close()
    verdict(first == 0 and log.ran(2),
            "%s: after dropping the map iterator, item 2 ran: %r" % (mode, log.ran(2)))
