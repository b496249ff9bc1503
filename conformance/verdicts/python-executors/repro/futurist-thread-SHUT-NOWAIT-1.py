"""futurist's ThreadPoolExecutor: shutdown(wait=False) drops queued work; the queued future stays
PENDING for ever, even after shutdown(wait=True) has joined the workers (SHUT-NOWAIT-1)."""
import futurist
from _gate import Gate, gated, verdict

ex = futurist.ThreadPoolExecutor(max_workers=1)
gate = Gate()
f0 = ex.submit(gated, gate.address, 0)
gate.wait_started()
f1 = ex.submit(abs, -1)  # queued behind f0
ex.shutdown(wait=False)
gate.open()
f0.result(timeout=60)
ex.shutdown(wait=True)  # every worker has exited
verdict(not f1.done(), "the queued task never ran: f1.done() is %r after the workers exited"
        % f1.done())
