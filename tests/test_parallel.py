"""The worker pool: results in job order, a failure stops the other workers, nothing left running."""
from __future__ import annotations

import gc
import os
import threading
import time
import weakref

import pytest

from reportgen.rounds import parallel
from reportgen.rounds.parallel import Workers, run_all


def _square(x: int) -> int:
    return x * x


def _pid(_: int) -> int:
    time.sleep(0.05)
    return os.getpid()


def _sleep_forever() -> None:
    time.sleep(600)


def _fail(x: int) -> int:
    raise ValueError(f"job {x}")


def _manager_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "ExecutorManager" in type(t).__name__]


@pytest.mark.parametrize("workers", [1, 2])
def test_run_all_keeps_the_order_of_the_jobs(workers):
    assert run_all(_square, [(x,) for x in range(20)], workers=workers) == [x * x for x in range(20)]


def test_two_workers_are_other_processes():
    pids = run_all(_pid, [(x,) for x in range(6)], workers=2)
    assert os.getpid() not in pids


@pytest.mark.parametrize("workers", [1, 2])
def test_as_completed_returns_every_job_once(workers):
    with Workers(workers) as pool:
        done = sorted((job, holder.result()) for job, holder in pool.as_completed(_square, [(x,) for x in range(9)]))
    assert done == [((x,), x * x) for x in range(9)]


def test_a_failure_stops_running_workers_and_leaves_no_thread_behind():
    """A job that never ends must not keep the build waiting once another job failed, and the
    executor's manager thread must be gone before we return (a thread left running at exit races
    its own clean-up and prints "OSError: [Errno 9] Bad file descriptor")."""
    started = time.monotonic()
    with pytest.raises(ValueError, match="job 1"), Workers(2) as pool:
        pool.submit(_sleep_forever)
        pool.submit(_fail, 1).result()
    assert time.monotonic() - started < 60
    assert _manager_threads() == []


def test_a_failure_in_run_all_reaches_the_caller():
    with pytest.raises(ValueError, match="job 3"):
        run_all(_fail, [(3,), (4,)], workers=2)
    assert _manager_threads() == []


class _Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the cyclic collector frees it


def _make_cycle() -> weakref.ref:
    return weakref.ref(_Node())


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_leave_the_cyclic_collector_to_the_end_of_a_job(workers):
    """Off while a job runs, in a worker and in this process alike; this process gets it back."""
    with Workers(workers) as pool:
        assert pool.submit(gc.isenabled).result() is False
    assert gc.isenabled()
    with Workers(workers, defer_gc=False) as pool:  # build-all's hundred reports: the usual collector
        assert pool.submit(gc.isenabled).result() is True


@pytest.mark.parametrize(("limit", "collected"), [(-1, True), (1 << 40, False)])
def test_a_job_collects_first_once_the_process_has_grown_past_the_limit(monkeypatch, limit, collected):
    monkeypatch.setattr(parallel, "GC_AFTER_BYTES", limit)
    monkeypatch.setattr(parallel, "_collected_at", parallel._rss())
    gc.disable()
    try:
        ref = parallel._job(_make_cycle)
        assert ref() is not None  # the job's own garbage waits for the next job
        parallel._job(len, ())
        assert (ref() is None) is collected
    finally:
        gc.enable()


_STOP_WHILE_SENDING = """
import time
from reportgen.rounds.parallel import Workers

def big(i):
    time.sleep(0.01 * (i % 3))
    return b"x" * (20 * 1024 * 1024)

for rep in range(25):
    try:
        with Workers(2) as pool:
            futures = [pool.submit(big, i) for i in range(6)]
            time.sleep(0.02 * (rep % 5))
            raise RuntimeError("stop")
    except RuntimeError:
        pass
print("done")
"""


def test_stopping_workers_that_are_sending_results_does_not_hang():
    """Workers killed halfway through sending a 20 MB result: leaving the block must still end
    (it hung in 1 of 3 tries before the pool's own end of the result pipe was closed too)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", _STOP_WHILE_SENDING], cwd=root, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(root)})
    assert (done.returncode, done.stdout, done.stderr) == (0, "done\n", "")
