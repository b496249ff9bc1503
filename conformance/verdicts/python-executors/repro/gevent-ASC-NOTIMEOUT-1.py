"""gevent's ThreadPoolExecutor without monkey-patching: as_completed() on a pending future
raises AttributeError instead of waiting for it (ASC-NOTIMEOUT-1)."""
import concurrent.futures as cf
from gevent.threadpool import ThreadPoolExecutor
from _gate import Gate, gated, verdict

ex = ThreadPoolExecutor(1)
gate = Gate()
f = ex.submit(gated, gate.address, 1)
gate.wait_started()
try:
    got = list(cf.as_completed([f]))
except AttributeError as e:
    got = e
gate.open()
ex.shutdown(wait=True)
verdict(isinstance(got, AttributeError), "as_completed([pending]) raised %r" % (got,))
