"""executorlib's SingleNodeExecutor: cancelling a queued future kills the executor's scheduling
thread (its exception() raises CancelledError there), so the work queued behind the cancelled
future is never dequeued in order (EXE-SUBMIT-3; the kit saw the later task start while the
cancelled one was never passed over)."""
import concurrent.futures as cf
import os
import sys
import threading
from executorlib import SingleNodeExecutor
from _gate import Gate, gated, verdict

if __name__ == "__main__":
    crashed = []
    threading.excepthook = lambda args: crashed.append(args.exc_type.__name__)
    ex = SingleNodeExecutor(max_workers=1)
    gate = Gate()
    f0 = ex.submit(gated, gate.address, 0)
    gate.wait_started()  # the one worker is busy
    f1 = ex.submit(abs, -1)
    f2 = ex.submit(abs, -2)  # submitted after f1
    cancelled = f1.cancel()
    gate.open()
    f0.result(timeout=60)
    try:
        later = f2.result(timeout=30)  # generous: a conforming executor runs it at once
    except cf.TimeoutError as e:
        later = e
    try:
        verdict(cancelled and crashed == ["CancelledError"],
                "cancel() of the queued f1 gave %r; the executor's threads then died of %r; "
                "f2, submitted after it, gave %r" % (cancelled, crashed, later))
    except SystemExit as e:  # without a scheduler, the executor's exit handler would wait for ever
        sys.stdout.flush()
        os._exit(e.code)
