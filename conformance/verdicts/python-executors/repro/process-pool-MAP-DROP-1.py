"""A process pool with CPython's call queue (argument: loky or futurist): dropping an
advanced map() iterator does not cancel an item not yet started, which then runs (MAP-DROP-1)."""
from _gate import Gate, Ran, item, verdict
from _pools import eventually, process_pool


if __name__ == "__main__":
    ex, name = process_pool(1)
    gate, log = Gate(), Ran()
    it = ex.map(item, ["ran", "gate", "ran"], [log.address, gate.address, log.address], [0, 1, 2])
    first = next(it)
    gate.wait_started()  # item 1 holds the one worker; item 2 has not started
    marker = ex.submit(abs, -1)  # queued after item 2: running() once both are in the call queue
    eventually(marker.running)
    del it  # cancels items 1 and 2 (a conforming pool cancels item 2)
    gate.open()
    ex.shutdown(wait=True)
    verdict(first == 0 and log.ran(2),
            "%s: after dropping the map iterator, item 2 ran: %r" % (name, log.ran(2)))
