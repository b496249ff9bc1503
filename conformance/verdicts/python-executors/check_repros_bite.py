"""Shows that each reproduction in repro/ can fail: runs it with the executor it names replaced by
CPython's conforming one (stub modules named gevent, futurist, loky, executorlib,
bounded_pool_executor, mpi4py and distributed, first on the path) and expects the message
"NOT REPRODUCED" and exit status 1.

    python3 conformance/verdicts/python-executors/check_repros_bite.py   (standard library only)

Exits 0 when every reproduction failed so, 1 otherwise (naming the ones that did not).
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPRO = os.path.join(HERE, "repro")

STUBS = {
    "gevent/__init__.py": "",
    "gevent/threadpool.py": "from concurrent.futures import ThreadPoolExecutor\n",
    # CPython's process pool has the call-queue prefetch the process-pool-* reproductions show
    # (declared known in its own tables), so they are held against its thread pool.
    "futurist/__init__.py": "from concurrent.futures import ThreadPoolExecutor\n"
        "from concurrent.futures import ThreadPoolExecutor as ProcessPoolExecutor\n",
    "loky/__init__.py": "from concurrent.futures import ThreadPoolExecutor as ProcessPoolExecutor\n",
    "mpi4py/__init__.py": "",
    "mpi4py/futures.py": "import concurrent.futures as cf\n"
        "class MPIPoolExecutor(cf.ThreadPoolExecutor):\n"
        "    def __init__(self, max_workers=None, path=None): super().__init__(max_workers)\n",
    "executorlib/__init__.py":
        "from concurrent.futures import ThreadPoolExecutor as SingleNodeExecutor\n",
    "bounded_pool_executor/__init__.py":
        "from concurrent.futures import ThreadPoolExecutor as BoundedThreadPoolExecutor\n"
        "from concurrent.futures import ProcessPoolExecutor as BoundedProcessPoolExecutor\n",
    "distributed/__init__.py":
        "import concurrent.futures as cf\n"
        "class LocalCluster:\n"
        "    def __init__(self, n_workers=1, **kwargs): self.n = n_workers\n"
        "class Client:\n"
        "    def __init__(self, *args, threads_per_worker=1, **kwargs):\n"
        "        self.n = args[0].n if args else threads_per_worker\n"
        "        self.ex = cf.ThreadPoolExecutor(self.n)\n"
        "    def get_executor(self):\n"
        "        if self.ex._shutdown: self.ex = cf.ThreadPoolExecutor(self.n)\n"
        "        return self.ex\n"
        "    def submit(self, fn, *args, pure=True): return self.get_executor().submit(fn, *args)\n"
        "    def close(self): self.ex.shutdown()\n",
}


def runs():
    """(file, arguments) of every reproduction, as regenerate.sh runs them."""
    for name in sorted(os.listdir(REPRO)):
        if not name.endswith(".py") or name.startswith("_"):
            continue
        if name == "dask-EXE-SUBMIT-3.py":  # two worker processes: localcluster only
            yield name, ["localcluster"]
        elif name.startswith("dask-"):
            yield name, ["inprocess"]
            yield name, ["localcluster"]
        elif name.startswith("process-pool-"):  # (and cpython for MAP-CHUNK-2: itself deviates)
            yield name, ["loky"]
            yield name, ["futurist"]
        elif name.startswith("bounded-pool-executor-"):
            yield name, ["thread"]
            yield name, ["process"]
        else:
            yield name, []


def main():
    with tempfile.TemporaryDirectory() as stubs:
        for rel, text in STUBS.items():
            path = os.path.join(stubs, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        env = dict(os.environ, PYTHONPATH=stubs)
        survivors = []
        for name, args in runs():
            try:
                p = subprocess.run([sys.executable, os.path.join(REPRO, name)] + args, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   universal_newlines=True, timeout=120)
                bit = p.returncode == 1 and "NOT REPRODUCED" in p.stdout
                last = (p.stdout.strip().splitlines() or ["(no output)"])[-1]
            except subprocess.TimeoutExpired:
                bit, last = False, "did not end within 120 s"
            print("%s %s %s: %s" % ("bites" if bit else "DOES NOT BITE", name, " ".join(args),
                                    last))
            if not bit:
                survivors.append(name)
    if survivors:
        print("reproductions that pass on a conforming executor: " + ", ".join(survivors))
        return 1
    print("every reproduction fails on CPython's conforming executors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
