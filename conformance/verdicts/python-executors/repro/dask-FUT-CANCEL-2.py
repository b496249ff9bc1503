"""dask.distributed's Client.get_executor(): cancel() of a running task returns True and the
future ends CANCELLED (FUT-CANCEL-2)."""
import concurrent.futures as cf
from _dask import started_task
from _gate import verdict

if __name__ == "__main__":
    ex, client, mode, gate, f = started_task()
    answer = f.cancel()
    gate.open()
    try:
        outcome = f.result(timeout=60)
    except cf.CancelledError as e:
        outcome = e
    ex.shutdown(wait=True)
    client.close()
    verdict(answer is True and isinstance(outcome, cf.CancelledError),
            "%s: cancel() of a running task returned %r; result() then gave %r"
            % (mode, answer, outcome))
