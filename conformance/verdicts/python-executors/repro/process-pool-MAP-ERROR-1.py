"""A process pool with CPython's call queue (argument: loky or futurist): when next() on a map()
iterator raises an item's error, the map's later item not yet started is not cancelled and runs
(MAP-ERROR-1): it had moved to the call queue, where cancel() no longer reaches it."""
from _gate import Gate, Ran, item, verdict
from _pools import eventually, process_pool

if __name__ == "__main__":
    ex, name = process_pool(1)
    gate, log = Gate(), Ran()
    it = ex.map(item, ["fail", "gate", "ran"], [None, gate.address, log.address], [0, 1, 2])
    gate.wait_started()  # item 0 has failed; item 1 holds the one worker; item 2 has not started
    marker = ex.submit(abs, -1)  # queued after item 2: running() once both are in the call queue
    eventually(marker.running)
    try:
        got = next(it)
    except ValueError as e:  # item 0's error ends the map: a conforming pool cancels item 2
        got = e
    gate.open()
    ex.shutdown(wait=True)
    verdict(isinstance(got, ValueError) and log.ran(2),
            "%s: next() gave %r, then the map's item 2 ran anyway: %r" % (name, got, log.ran(2)))
