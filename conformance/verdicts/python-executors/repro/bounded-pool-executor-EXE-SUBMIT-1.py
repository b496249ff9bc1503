"""bounded-pool-executor: submit() blocks while max_workers tasks are unfinished, instead of
returning a pending future (EXE-SUBMIT-1). Argument: thread (default) or process."""
import sys
import threading
from bounded_pool_executor import BoundedProcessPoolExecutor, BoundedThreadPoolExecutor
from _gate import Gate, gated, verdict

if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 else "thread"
    ex = (BoundedProcessPoolExecutor if kind == "process" else BoundedThreadPoolExecutor)(1)
    gate = Gate()
    f0 = ex.submit(gated, gate.address, 0)
    gate.wait_started()
    box = []
    t = threading.Thread(target=lambda: box.append(ex.submit(abs, -1)), daemon=True)
    t.start()
    t.join(10)  # generous: a conforming submit returns at once
    blocked = t.is_alive()
    gate.open()
    t.join(60)
    ok = blocked and box and box[0].result(timeout=60) == 1
    ex.shutdown(wait=True)
    verdict(ok, "%s pool: a second submit() with max_workers=1 blocked until the first task "
            "finished" % kind)
