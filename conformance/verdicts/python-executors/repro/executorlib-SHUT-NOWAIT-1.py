"""executorlib's SingleNodeExecutor: shutdown(wait=False) does not return while a task is queued
behind a running one; it waits until the queue has drained (SHUT-NOWAIT-1: it must return at
once). The running task is held by a gate opened only if shutdown has not returned within 30 s
(a generous bound: a conforming executor returns at once). After a cancel() of a queued future
(executorlib-EXE-SUBMIT-3.py), nothing drains the queue any more and shutdown never returns."""
import threading
from executorlib import SingleNodeExecutor
from _gate import Gate, gated, verdict

if __name__ == "__main__":
    ex = SingleNodeExecutor(max_workers=1)
    gate = Gate()
    f0 = ex.submit(gated, gate.address, 0)
    gate.wait_started()  # the one worker is busy
    f1 = ex.submit(abs, -1)  # queued behind it
    returned = threading.Event()
    t = threading.Thread(target=lambda: (ex.shutdown(wait=False), returned.set()))
    t.start()
    at_once = returned.wait(30)
    gate.open()  # lets f0, f1 and with them a blocked shutdown finish
    t.join()
    verdict(not at_once and f0.result(timeout=60) == 0 and f1.result(timeout=60) == 1,
            "with a task running behind a gate and one queued, shutdown(wait=False) returned "
            "within 30 s: %r; once the gate opened it returned and both tasks finished"
            % (at_once,))
