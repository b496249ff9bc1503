"""futurist's ThreadPoolExecutor: shutdown(cancel_futures=True) is accepted but cancels nothing
(SHUT-CANCEL-1)."""
import futurist
from _gate import Gate, gated, verdict

ex = futurist.ThreadPoolExecutor(max_workers=1)
gate = Gate()
f0 = ex.submit(gated, gate.address, 0)
gate.wait_started()
f1 = ex.submit(abs, -1)  # queued behind f0
ex.shutdown(wait=False, cancel_futures=True)
cancelled = f1.cancelled()
gate.open()
ex.shutdown(wait=True)
verdict(not cancelled, "after shutdown(cancel_futures=True) the queued future's cancelled() is %r"
        % cancelled)
