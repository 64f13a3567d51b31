"""Run independent jobs (chart drawing, PDF/DOCX rendering) on every core, in a stable order.

Workers are forked after the heavy imports, so each starts warm; results come back in the order
the jobs were given, so the output does not depend on which worker finished first.
"""
from __future__ import annotations

import multiprocessing
import os
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
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
        futures = [pool.submit(func, *job) for job in jobs]
        return [f.result() for f in futures]
