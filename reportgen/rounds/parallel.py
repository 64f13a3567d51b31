"""Run independent jobs (chart drawing, PDF/DOCX rendering) on every core, in a stable order.

Workers are forked after the heavy imports, so each starts warm; results come back in the order
the jobs were given, so the output does not depend on which worker finished first.
"""
from __future__ import annotations

import concurrent.futures
import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def workers_wanted(jobs: int) -> int:
    """Cores available to this process, never more than the jobs; REPORTGEN_WORKERS overrides."""
    env = os.environ.get("REPORTGEN_WORKERS")
    cores = int(env) if env and env.isdigit() and int(env) > 0 else len(os.sched_getaffinity(0))
    return max(1, min(cores, jobs))


def run_all(func: Callable[..., T], jobs: Sequence[tuple[Any, ...]], *, workers: int | None = None) -> list[T]:
    """``[func(*job) for job in jobs]``, spread over processes when there is more than one core."""
    n = workers if workers is not None else workers_wanted(len(jobs))
    with Workers(min(n, len(jobs))) as pool:
        futures = [pool.submit(func, *job) for job in jobs]
        return [f.result() for f in futures]


def _worker_start(defer_gc: bool) -> None:
    """Workers leave Ctrl-C to the main process, which stops them; SIGTERM ends them quietly.

    With ``defer_gc``, Python's cyclic garbage collector is off in a worker and runs only before
    a job, once the worker has grown by ``GC_AFTER_BYTES`` since it last ran: a PDF render leaves
    some 180,000 objects in reference cycles (layout boxes, Pango objects behind cffi), and
    collecting them as they pile up costs 10-15 % of the render. A worker that ends is not
    collected at all: it leaves through ``os._exit``. The imported modules are frozen out of every
    collection. That suits a build's dozen jobs per worker; a hundred reports per worker grow the
    worker past what the collections win back (memory fragments), so ``build-all`` collects as usual.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if defer_gc:
        gc.freeze()
        gc.disable()


GC_AFTER_BYTES = 192 * 1024 * 1024
_collected_at = 0  # this process's size after its last collection; set by its first job


def _rss() -> int:
    """This process's resident memory in bytes (Linux), 0 where /proc is missing."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _job(func: Callable[..., T], *args: Any) -> T:
    """One job with the cyclic collector off, after a collection if this process has grown enough
    since the last (see _worker_start): before the job, so a finished job's result is not held back
    by the garbage it left. In the main process (one core) the collector is switched back on after."""
    global _collected_at
    enabled = gc.isenabled()
    gc.disable()
    _collected_at = _collected_at or _rss()
    if _rss() - _collected_at > GC_AFTER_BYTES:
        gc.collect()
        _collected_at = _rss()
    try:
        return func(*args)
    finally:
        if enabled:
            gc.enable()


class _Done:
    """A finished job (one core, or read from a cache): the same ``result()`` as a Future."""

    def __init__(self, value: Any):
        self._value = value

    def result(self) -> Any:
        return self._value


class Workers:
    """A pool kept open across a build's stages, so a document can start rendering while the
    other workers still draw charts. ``submit`` returns something with ``result()``; with one
    core the job runs at once in this process. Leaving the block on an error stops the workers."""

    def __init__(self, workers: int | None = None, *, defer_gc: bool = True):
        self.n = workers if workers is not None else workers_wanted(64)
        self.defer_gc = defer_gc  # see _worker_start
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def submit(self, func: Callable[..., T], *args: Any):
        if self.n <= 1:
            return _Done(_job(func, *args) if self.defer_gc else func(*args))
        if self._pool is None:  # forked on first use: after the caller's heavy imports
            ctx = multiprocessing.get_context("fork")
            self._pool = ProcessPoolExecutor(max_workers=self.n, mp_context=ctx, initializer=_worker_start,
                                             initargs=(self.defer_gc,))
        return self._pool.submit(_job, func, *args) if self.defer_gc else self._pool.submit(func, *args)

    def as_completed(self, func: Callable[..., T], jobs: Sequence[tuple[Any, ...]]) -> Iterator[tuple[tuple, Any]]:
        """``(job, result-holder)`` for every job, in the order they finish (given order on one core)."""
        if self.n <= 1:
            for job in jobs:
                yield job, self.submit(func, *job)
            return
        futures = {self.submit(func, *job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            yield futures[future], future

    def __exit__(self, exc_type, exc, tb) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if exc_type is not None:
            _kill(pool)
        # Always wait for the executor's manager thread: left running at interpreter exit, it races
        # its own clean-up ("OSError: [Errno 9] Bad file descriptor" on stderr).
        pool.shutdown(wait=True, cancel_futures=exc_type is not None)


def _kill(pool: ProcessPoolExecutor) -> None:
    """Ctrl-C, SIGTERM or a failed job: stop the workers now instead of letting them finish their
    documents (the executor has no public way to end running jobs).

    A worker killed while it sends a result leaves half a message in the result pipe, and the
    executor's manager thread would wait for the rest for ever. Once the workers are gone, closing
    this process's end of that pipe too lets the thread read end-of-file and wind the pool down.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        writer.close()
