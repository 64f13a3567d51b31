"""Load check by hand (not a test): N concurrent status requests to a real workbench on loopback.

Usage: python bench/workbench_load.py [--requests 50] [--concurrency 50]

Copies data/copenhagen into a temporary workspace, starts `reportgen serve WS --port 0`, waits for
its login URL, sends one warm-up request, then fires the requests at once through one client with
a connection per request in flight (all with the bearer token) and prints p50/p95/max latency.
The server is stopped and the workspace removed afterwards.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        shutil.copytree(ROOT / "data" / "copenhagen", ws / "copenhagen")
        proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "serve", str(ws), "--port", "0"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True, cwd=ROOT)
        try:
            found = None
            while found is None:
                line = proc.stderr.readline()
                if not line:
                    raise SystemExit("the server did not start")
                found = re.match(r"Log ind: (http://127\.0\.0\.1:\d+)/\?token=(\S+)", line)
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            base, token = found.groups()
            url = f"{base}/api/barometers/copenhagen/status?update=2009-12"
            headers = {"Authorization": f"Bearer {token}"}
            started = time.perf_counter()
            assert httpx2.get(url, headers=headers, timeout=120).status_code == 200
            first = time.perf_counter() - started

            limits = httpx2.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
            with httpx2.Client(headers=headers, timeout=120, limits=limits) as client:

                def one(_: int) -> float:
                    t = time.perf_counter()
                    client.get(url).raise_for_status()
                    return time.perf_counter() - t

                barrier_start = time.perf_counter()
                with ThreadPoolExecutor(args.concurrency) as pool:
                    times = sorted(pool.map(one, range(args.requests)))
                total = time.perf_counter() - barrier_start
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    q = statistics.quantiles(times, n=100, method="inclusive")
    print(f"load average (1 min) after: {os.getloadavg()[0]:.2f}")
    print(f"first request (reads and assesses the barometer): {first * 1000:.0f} ms")
    print(f"{args.requests} status requests, {args.concurrency} at a time, in {total:.2f} s:")
    print(f"  p50 {q[49] * 1000:.0f} ms   p95 {q[94] * 1000:.0f} ms   max {times[-1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
