"""CPython's ProcessPoolExecutor with its workers started by fork whatever the version's default
(fork is Linux's default before 3.14), for the kit's test that such a pool's tasks start under the
server (conformance/tests/python.rs). Use as ``--executor fork_pool:fork_process_pool --isolated``.
"""
import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def fork_process_pool(max_workers):
    """A process pool of max_workers forked workers."""
    return ProcessPoolExecutor(max_workers, mp_context=multiprocessing.get_context("fork"))
