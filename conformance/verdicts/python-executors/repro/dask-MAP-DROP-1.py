"""dask.distributed's Client.get_executor(): dropping an advanced map() iterator does not stop an
item not yet started, which may still run (MAP-DROP-1). The drop marks the futures cancelled in
the client at once, but tells the scheduler by a message sent later, which tells the worker by
another: if the worker frees up first, it starts the item. That is a race: on an idle machine
item 2 ran in about 4 tries of 5, with two busy loops on its 2 cores in about 1 of 3 (each try a
new client; with one client reused, later tries almost never showed it). So the reproduction
tries up to 40 times, each with the queued item behind a gate opened only after the drop, and
reports the first try in which item 2 ran. Argument: inprocess (default) or localcluster."""
from _dask import first_try_showing, mode
from _gate import Ran, item, verdict

TRIES = 40


def attempt(ex, gate, values):
    it = ex.map(item, ["ran", "gate", "ran"], [log.address, gate.address, log.address], values)
    first = next(it)
    gate.wait_started()  # item 1 holds the one worker thread; item 2 has not started
    early = log.ran(values[2])  # before item 1 (a start out of order): not this deviation
    del it  # a conforming executor cancels item 2 here, before the gate opens
    gate.open()
    return lambda: first == values[0] and not early and log.ran(values[2])


if __name__ == "__main__":
    log = Ran()
    ran_in = first_try_showing(attempt, TRIES)
    verdict(ran_in is not None,
            "%s: after dropping the map iterator, item 2 (queued behind the gate-held item 1) "
            "ran, in try %s of up to %d" % (mode(), ran_in, TRIES))
