"""dask.distributed's Client.get_executor(): shutdown(wait=False) cancels the running task
instead of letting it complete (SHUT-NOWAIT-1)."""
import concurrent.futures as cf
from _dask import started_task
from _gate import verdict

if __name__ == "__main__":
    ex, client, mode, gate, f = started_task()
    ex.shutdown(wait=False)
    gate.open()
    try:
        outcome = f.result(timeout=60)
    except cf.CancelledError as e:
        outcome = e
    client.close()
    verdict(isinstance(outcome, cf.CancelledError),
            "%s: after shutdown(wait=False) the running task's result() gave %r"
            % (mode, outcome))
