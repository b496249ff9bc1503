"""executorlib's SingleNodeExecutor: a queued future whose cancel() returned True is never
notified (never CANCELLED_AND_NOTIFIED), so wait() does not count it as done (EXE-CANCEL-1).
The cancel kills the executor's scheduling thread before it reaches the future
(executorlib-EXE-SUBMIT-3.py). 30 s bounds the wait (generous: a conforming executor notifies it
as soon as the worker is free)."""
import concurrent.futures as cf
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
    done, _ = cf.wait([f1], timeout=30)
    try:
        verdict(cancelled and first == 0 and f1 not in done,
                "cancel() of a queued future gave %r; with the worker free, wait() counted it "
                "done within 30 s: %r" % (cancelled, f1 in done))
    except SystemExit as e:  # without a scheduler, the executor's exit handler would wait for ever
        sys.stdout.flush()
        os._exit(e.code)
