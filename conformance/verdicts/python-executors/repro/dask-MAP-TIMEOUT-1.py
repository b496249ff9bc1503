"""dask.distributed's Client.get_executor(): when next() on a map() iterator times out, the
map's item not yet started still runs (MAP-TIMEOUT-1; the cancellation goes through the
scheduler). Argument: inprocess (default) or localcluster."""
import concurrent.futures as cf
from _dask import started_task
from _gate import Ran, ran, verdict

if __name__ == "__main__":
    ex, client, mode, gate, f0 = started_task()  # the one worker thread is busy
    log = Ran()
    it = ex.map(ran, [log.address], [1], timeout=1)
    try:
        got = next(it)
    except (cf.TimeoutError, TimeoutError) as e:
        got = e
    gate.open()
    f0.result(timeout=60)
    ex.shutdown(wait=True)
    client.close()
    verdict(isinstance(got, (cf.TimeoutError, TimeoutError)) and log.ran(1),
            "%s: next() gave %r, then the map's item ran anyway: %r" % (mode, got, log.ran(1)))
