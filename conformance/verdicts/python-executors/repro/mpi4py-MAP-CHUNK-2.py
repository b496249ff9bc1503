"""mpi4py.futures' MPIPoolExecutor fails a whole chunk as CPython's process pool does: with
chunksize=3, an item that raises makes the items of its chunk before it raise too, instead of
being yielded first (MAP-CHUNK-2 as the kit files it, MAP-CHUNK-1's rule; spec/divergences.md
DIV-CHUNK-2). Needs mpiexec on PATH (regenerate.sh puts the environment's bin/ there)."""
import os
import sys
from _gate import verdict
from _pools import first_of_failing_chunk

if __name__ == "__main__":
    try:
        os.setsid()  # MPI's process manager signals its process group when it exits
    except OSError:
        pass
    from mpi4py.futures import MPIPoolExecutor
    ex = MPIPoolExecutor(max_workers=1, path=list(sys.path))
    first = first_of_failing_chunk(ex)
    verdict(isinstance(first, ValueError),
            "map(chunksize=3) over [returns 0, raises]: the first next() gave %r (a conforming "
            "pool: 0)" % (first,))
