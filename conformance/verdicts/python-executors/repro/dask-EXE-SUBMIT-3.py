"""dask.distributed's Client.get_executor() on a LocalCluster of two one-thread worker processes
(argument: localcluster): the map() items are spread over the workers when submitted, so item 2,
placed behind item 0 which a gate holds, waits while item 3, submitted after it, starts on the
other worker (EXE-SUBMIT-3: queued work starts in submission order). 30 s bounds the wait for
item 3 (generous: on the other worker it starts at once)."""
import threading
from _dask import executor
from _gate import Gate, Ran, item, verdict

if __name__ == "__main__":
    ex, client, mode = executor(workers=2)
    gate0, gate3, log = Gate(), Gate(), Ran()
    it = ex.map(item, ["gate", "ran", "ran", "gate"],
                [gate0.address, log.address, log.address, gate3.address], [0, 1, 2, 3])
    gate0.wait_started()  # item 0 holds one worker
    started3 = threading.Event()
    threading.Thread(target=lambda: (gate3.wait_started(), started3.set()), daemon=True).start()
    seen3 = started3.wait(30)
    ran2 = log.ran(2)  # a FIFO executor has run item 2 on the free worker before item 3
    gate0.open()
    gate3.open()
    results = list(it)
    ex.shutdown(wait=True)
    client.close()
    verdict(seen3 and not ran2 and results == [0, 1, 2, 3],
            "%s: item 3 started while item 0 was held: %r; item 2, submitted before it, had "
            "run by then: %r" % (mode, seen3, ran2))
