"""dask.distributed's Client.get_executor(): when next() on a map() iterator raises an item's
error, the map's later item not yet started may still run (MAP-ERROR-1). The map's iterator
cancels the rest as dask-MAP-DROP-1.py describes (the same code runs on an error as on a drop):
marked cancelled in the client at once, cancelled in the scheduler and the worker by messages
sent later, so a worker that frees up first starts the item. A race, so up to 40 tries, each
with a new client and the later item queued behind a gate opened only after the error, and the
first try in which it ran is reported. Argument: inprocess (default) or localcluster."""
from _dask import first_try_showing, mode
from _gate import Ran, item, verdict

TRIES = 40


def attempt(ex, gate, values):
    it = ex.map(item, ["fail", "gate", "ran"], [None, gate.address, log.address], values)
    gate.wait_started()  # item 0 has failed; item 1 holds the one worker; item 2 waits
    try:
        first = next(it)
    except ValueError as e:  # the map ends: a conforming executor cancels item 2 here
        first = e
    early = log.ran(values[2])  # before item 1 (a start out of order): not this deviation
    gate.open()
    return lambda: isinstance(first, ValueError) and not early and log.ran(values[2])


if __name__ == "__main__":
    log = Ran()
    ran_in = first_try_showing(attempt, TRIES)
    verdict(ran_in is not None,
            "%s: after next() raised item 0's error, item 2 (queued behind the gate-held item 1) "
            "ran, in try %s of up to %d" % (mode(), ran_in, TRIES))
