"""Run independent jobs (chart drawing, PDF/DOCX rendering) on every core, in a stable order.

Workers are forked after the heavy imports, so each starts warm; results come back in the order
the jobs were given, so the output does not depend on which worker finished first.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
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
    if n <= 1 or len(jobs) <= 1:
        return [func(*job) for job in jobs]
    ctx = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_worker_signals)
    try:
        futures = [pool.submit(func, *job) for job in jobs]
        results = [f.result() for f in futures]
    except BaseException:
        # Ctrl-C, SIGTERM or a failed job: stop the other workers now instead of finishing their
        # documents (the executor has no public way to end running jobs).
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results


def _worker_signals() -> None:
    """Workers leave Ctrl-C to the main process, which stops them; SIGTERM ends them quietly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
