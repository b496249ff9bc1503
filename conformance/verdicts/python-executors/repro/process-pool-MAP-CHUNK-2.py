"""A process pool that fails a whole chunk (argument: loky, futurist, cpython, or
process for bounded-pool-executor's): with chunksize=3, an item that raises makes the items of
its chunk before it raise too, instead of being yielded first (MAP-CHUNK-2 as the kit files it,
MAP-CHUNK-1's rule; CPython's own process pool does so, spec/divergences.md DIV-CHUNK-2)."""
from _gate import verdict
from _pools import first_of_failing_chunk, process_pool

if __name__ == "__main__":
    ex, name = process_pool(1)
    first = first_of_failing_chunk(ex)
    verdict(isinstance(first, ValueError),
            "%s: map(chunksize=3) over [returns 0, raises]: the first next() gave %r (a conforming "
            "pool: 0)"
            % (name, first))
