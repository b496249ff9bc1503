"""gevent's ThreadPoolExecutor: cancel() of a queued future returns False and the task runs
anyway (FUT-CANCEL-1, EXE-CANCEL-1)."""
from gevent.threadpool import ThreadPoolExecutor
from _gate import Gate, gated, verdict

ex = ThreadPoolExecutor(1)
gate = Gate()
f0 = ex.submit(gated, gate.address, 0)
gate.wait_started()
f1 = ex.submit(abs, -1)  # queued behind f0: the only worker is busy
cancelled = f1.cancel()
gate.open()
ex.shutdown(wait=True)
verdict(cancelled is False and f1.result(timeout=60) == 1,
        "cancel() of a queued future returned %r and the task ran" % (cancelled,))
