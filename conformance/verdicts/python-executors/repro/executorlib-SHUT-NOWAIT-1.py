"""executorlib's SingleNodeExecutor: once a queued future has been cancelled, shutdown(wait=False)
never returns (SHUT-NOWAIT-1). The same cause as executorlib-EXE-SUBMIT-3.py: the cancel kills
the executor's scheduling thread, and shutdown, whatever `wait`, then joins the thread's queue,
which nobody drains any more. (The kit reached it through a dropped map(), which cancels its
queued items.) 30 s is a generous bound: a conforming executor returns at once."""
import os
import sys
import threading
from executorlib import SingleNodeExecutor
from _gate import Gate, gated, verdict

if __name__ == "__main__":
    threading.excepthook = lambda args: None  # the scheduling thread's CancelledError
    ex = SingleNodeExecutor(max_workers=1)
    gate = Gate()
    f0 = ex.submit(gated, gate.address, 0)
    gate.wait_started()  # the one worker is busy
    f1 = ex.submit(abs, -1)
    cancelled = f1.cancel()
    gate.open()
    first = f0.result(timeout=60)
    returned = threading.Event()
    threading.Thread(target=lambda: (ex.shutdown(wait=False), returned.set()), daemon=True).start()
    at_once = returned.wait(30)
    try:
        verdict(cancelled and first == 0 and not at_once,
                "cancel() of a queued future gave %r; with every task done, shutdown(wait=False) "
                "returned within 30 s: %r" % (cancelled, at_once))
    except SystemExit as e:  # the executor's exit handler would wait for ever too
        sys.stdout.flush()
        os._exit(e.code)
