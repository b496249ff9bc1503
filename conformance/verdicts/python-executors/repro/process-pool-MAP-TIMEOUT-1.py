"""A process pool with CPython's call queue (argument: loky or futurist): when next()
on a map() iterator times out, the map's item not yet started is not cancelled and runs later
(MAP-TIMEOUT-1)."""
import concurrent.futures as cf
from _gate import Gate, Ran, gated, ran, verdict
from _pools import eventually, process_pool

if __name__ == "__main__":
    ex, name = process_pool(1)
    gate, log = Gate(), Ran()
    f0 = ex.submit(gated, gate.address, 0)
    gate.wait_started()  # the one worker is busy until the gate opens
    it = ex.map(ran, [log.address], [1], timeout=2)
    marker = ex.submit(abs, -1)  # queued after the map's item
    eventually(marker.running)
    try:
        got = next(it)
    except (cf.TimeoutError, TimeoutError) as e:
        got = e
    gate.open()
    ex.shutdown(wait=True)
    verdict(isinstance(got, (cf.TimeoutError, TimeoutError)) and log.ran(1),
            "%s: next() gave %r, then the map's item ran anyway: %r" % (name, got, log.ran(1)))
