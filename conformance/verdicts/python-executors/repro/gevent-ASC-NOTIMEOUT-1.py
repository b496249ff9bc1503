"""gevent's ThreadPoolExecutor without monkey-patching: as_completed() on a pending future
raises AttributeError instead of waiting for it (ASC-NOTIMEOUT-1)."""
import concurrent.futures as cf
import threading
from gevent.threadpool import ThreadPoolExecutor
from _gate import Gate, gated, verdict

ex = ThreadPoolExecutor(1)
gate = Gate()
f = ex.submit(gated, gate.address, 1)
gate.wait_started()
box = []


def collect():
    try:
        box.append(list(cf.as_completed([f])))
    except AttributeError as e:
        box.append(e)


t = threading.Thread(target=collect)
t.start()
t.join(10)  # generous: the deviation is an error raised at once; a conforming call still waits
gate.open()
t.join(60)
ex.shutdown(wait=True)
verdict(box and isinstance(box[0], AttributeError), "as_completed([pending]) gave %r" % (box,))
