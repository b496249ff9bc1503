"""gevent's ThreadPoolExecutor: the future of a running task has no running() (FUT-PRED-2)."""
from gevent.threadpool import ThreadPoolExecutor
from _gate import Gate, gated, verdict

ex = ThreadPoolExecutor(1)
gate = Gate()
f = ex.submit(gated, gate.address, 1)
gate.wait_started()
try:
    answer = f.running()
except AttributeError as e:
    answer = e
gate.open()
ex.shutdown(wait=True)
verdict(isinstance(answer, AttributeError),
        "running() of a started task gave %r (a conforming executor: True)" % (answer,))
