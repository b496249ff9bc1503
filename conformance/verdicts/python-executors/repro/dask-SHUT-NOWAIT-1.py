"""dask.distributed's Client.get_executor(): shutdown(wait=False) cancels the running task
instead of letting it complete (SHUT-NOWAIT-1), and a task queued behind it becomes cancelled()
and done() (FUT-PRED-1, FUT-PRED-3; at once on a LocalCluster, soon after in-process) instead
of staying PENDING to run later."""
import concurrent.futures as cf
from _dask import started_task
from _gate import verdict
from _pools import eventually

if __name__ == "__main__":
    ex, client, mode, gate, f = started_task()
    queued = ex.submit(abs, -1)  # behind f on the one worker thread
    ex.shutdown(wait=False)
    queued_state = (eventually(queued.cancelled), queued.done())
    gate.open()
    try:
        outcome = f.result(timeout=60)
    except cf.CancelledError as e:
        outcome = e
    client.close()
    verdict(isinstance(outcome, cf.CancelledError) and queued_state == (True, True),
            "%s: after shutdown(wait=False) the running task's result() gave %r; the queued "
            "one's (cancelled(), done()) was %r" % (mode, outcome, queued_state))
