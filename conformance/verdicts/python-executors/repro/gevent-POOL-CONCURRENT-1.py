"""gevent's ThreadPoolExecutor: submit() from any thread but the one that created the executor
raises InvalidThreadUseError (a RuntimeError), so other threads cannot submit (POOL-CONCURRENT-1).
The kit's Python adapter makes each call from a thread of its own, so every submit it makes is
refused this way (its table reads EXE-SUBMIT-1 "rejected")."""
import threading
from gevent.threadpool import ThreadPoolExecutor
from _gate import verdict

ex = ThreadPoolExecutor(1)
box = []


def submit():
    try:
        box.append(ex.submit(abs, -1).result(timeout=60))
    except RuntimeError as e:
        box.append(e)


t = threading.Thread(target=submit)
t.start()
t.join(60)
ex.shutdown(wait=True)
verdict(box and isinstance(box[0], RuntimeError),
        "submit() from another thread gave %r" % (box,))
