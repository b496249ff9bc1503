"""dask.distributed's Client.get_executor(): shutdown(wait=False) cancels the running task
instead of letting it complete (SHUT-NOWAIT-1)."""
import concurrent.futures as cf
from _dask import executor
from _gate import Gate, gated, verdict

if __name__ == "__main__":
    ex, client, mode = executor()
    gate = Gate()
    f = ex.submit(gated, gate.address, 1)
    gate.wait_started()
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
