"""dask.distributed's Client.get_executor(): after shutdown(), submit() is refused but map() is
accepted and runs its tasks (SHUT-REJECT-1)."""
from _dask import executor
from _gate import verdict

if __name__ == "__main__":
    ex, client, mode = executor()
    ex.shutdown(wait=True)
    try:
        got = list(ex.map(abs, [-1, -2], timeout=60))
    except RuntimeError as e:
        got = e
    client.close()
    verdict(got == [1, 2], "%s: map() after shutdown() gave %r" % (mode, got))
