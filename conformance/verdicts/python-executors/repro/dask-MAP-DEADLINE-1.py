"""dask.distributed's Client.get_executor(): once map()'s deadline has passed, next() on a task
that is already done raises ValueError (the remaining time, negative, is mis-parsed) instead of
yielding the result (MAP-DEADLINE-1)."""
import threading
from _dask import executor
from _gate import verdict

if __name__ == "__main__":
    ex, client, mode = executor()
    it = ex.map(abs, [-1], timeout=0.5)
    ex.submit(abs, 0).result(timeout=60)  # the one worker has run the map's task before this one
    threading.Event().wait(1.5)  # real time: the clause is about the deadline passing
    try:
        got = next(it)
    except ValueError as e:
        got = e
    ex.shutdown(wait=True)
    client.close()
    verdict(isinstance(got, ValueError), "%s: next() after the deadline on a done task gave %r"
            % (mode, got))
