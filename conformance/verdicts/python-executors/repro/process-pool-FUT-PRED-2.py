"""A process pool with CPython's call queue (loky and futurist's process pool; argument:
loky or futurist): with its one worker busy, a future queued
behind reports running() True and cancel() False, since the pool moved it to its call queue
(max_workers + 1 items) (FUT-PRED-2; the same cancel() is why MAP-DROP-1 and MAP-TIMEOUT-1 fail)."""
from _gate import Gate, gated, verdict
from _pools import eventually, process_pool

if __name__ == "__main__":
    ex, name = process_pool(1)
    gate = Gate()
    f0 = ex.submit(gated, gate.address, 0)
    gate.wait_started()
    f1 = ex.submit(abs, -1)  # no worker is free for it
    running = eventually(f1.running)
    cancelled = f1.cancel()
    gate.open()
    ex.shutdown(wait=True)
    verdict(running and not cancelled,
            "%s: a future queued behind the one busy worker: running() %r, cancel() %r"
            % (name, running, cancelled))
