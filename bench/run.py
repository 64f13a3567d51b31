"""Benchmark by hand (not part of the tests): wall time and peak memory of the main runs.

Usage: python bench/run.py [--skip-national] [--profile]

Every run is a fresh ``python -m reportgen.cli`` subprocess; peak memory is the largest summed RSS
of its process tree (workers included), sampled every 50 ms from /proc, and the largest single
process (``ru_maxrss`` from ``wait4``). The machine's load average is printed with the numbers.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
MIB = 1024 * 1024


@dataclass
class Run:
    name: str
    seconds: float
    tree_peak_mib: float
    process_peak_mib: float
    code: int


def _tree_rss(pid: int) -> int:
    """Summed resident memory (bytes) of ``pid`` and all its descendants."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(name: str, argv: list[str], *, env: dict[str, str] | None = None) -> Run:
    """Run ``argv``, return its wall time and memory peaks; stdout/stderr are kept quiet."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode != 0:
        print(f"  {name}: exit {proc.returncode}\n{err[-2000:]}", file=sys.stderr)
    return Run(name, seconds, peak / MIB, usage.ru_maxrss / 1024, proc.returncode)


def cli(*args: str) -> list[str]:
    return [PYTHON, "-m", "reportgen.cli", *args]


_RENDER_ONE = """
import sys, time
t0 = time.perf_counter()
from pathlib import Path
from reportgen.rounds.pipeline import read_barometer, make_charts, render_one
from reportgen.signals.assess import assess_history
from reportgen.narrate import narrate
from reportgen.documents.bilag1 import Bilag1Charts, build_bilag1
from reportgen.rounds.parallel import Workers
from reportgen.render.pdf import render_pdf
t1 = time.perf_counter()
b = read_barometer(Path("data/copenhagen"))
h = assess_history(b); a = h[-1]; n = narrate(b, a, h)
cs = make_charts(b, a, None)
doc = build_bilag1(b, a, n, Bilag1Charts(cs.overview, cs.trends, cs.maps))
t2 = time.perf_counter()
times = [t1 - t0, t2 - t1]
with Workers(2) as pool:  # as `build` renders it: in a worker forked after the imports
    pool.submit(len, ()).result()  # the fork itself is not part of the render
    for _ in range(2):
        t = time.perf_counter(); pool.submit(render_one, "pdf", doc, ()).result()
        times.append(time.perf_counter() - t)
for _ in range(2):  # a plain call in this process, collector on
    t = time.perf_counter(); render_pdf(doc); times.append(time.perf_counter() - t)
print(" ".join(f"{x:.3f}" for x in times))
"""


def bilag1_in_process() -> tuple[float, ...]:
    """(imports, data+charts+document, worker first, worker again, plain first, plain again) in s."""
    out = subprocess.run([PYTHON, "-c", _RENDER_ONE], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                         capture_output=True, text=True, check=True).stdout.split()
    return tuple(float(x) for x in out)


def profile(tmp: Path) -> None:
    """cProfile of a cold Copenhagen build in one process, top functions by cumulative time."""
    import cProfile
    import pstats

    sys.path.insert(0, str(ROOT))
    os.environ["REPORTGEN_WORKERS"] = "1"
    from reportgen.rounds.pipeline import build

    prof = cProfile.Profile()
    prof.enable()
    build(ROOT / "data" / "copenhagen", out_root=tmp / "profile", use_cache=False)
    prof.disable()
    stats = pstats.Stats(prof).sort_stats("cumulative")
    stats.print_stats(45)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-national", action="store_true", help="leave out the 99-report runs")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of a cold Copenhagen build")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="reportgen-bench-"))
    try:
        if args.profile:
            profile(tmp)
            return
        print(f"load average before: {os.getloadavg()[0]:.2f}, cores: {len(os.sched_getaffinity(0))}")
        runs = [
            measure("copenhagen cold (--no-cache)", cli("build", "data/copenhagen", "--out", str(tmp / "a"),
                                                        "--no-cache")),
            measure("copenhagen cold, empty cache", cli("build", "data/copenhagen", "--out", str(tmp / "b"))),
            measure("copenhagen unchanged (cache)", cli("build", "data/copenhagen", "--out", str(tmp / "b"))),
        ]
        docx = next((tmp / "a").glob("*/bilag1.docx"))
        lo_home = tmp / "lo-bench"

        def libreoffice(name: str, docx: Path) -> Run:
            return measure(name, ["soffice", "--headless", f"-env:UserInstallation=file://{lo_home}",
                                  "--convert-to", "pdf", "--outdir", str(tmp / "lo"), str(docx)])

        runs.append(libreoffice("LibreOffice bilag1.docx -> pdf, new profile", docx))
        runs.append(libreoffice("LibreOffice bilag1.docx -> pdf, same profile", docx))
        if not args.skip_national:
            for workers in ("1", "2"):
                runs.append(measure(f"danmark build-all, 99 reports, --workers {workers}", cli(
                    "build-all", "data/danmark", "--out", str(tmp / f"n{workers}"), "--workers", workers,
                    "--no-cache")))
            # LibreOffice on one municipal report (København, 0101), the national runs' unit of work.
            subprocess.run(cli("build-all", "data/danmark", "--out", str(tmp / "one"), "--only", "0101", "--docx"),
                           cwd=ROOT, check=True, capture_output=True)
            runs.append(libreoffice("LibreOffice 0101.docx -> pdf, same profile",
                                    next((tmp / "one").glob("*/0101.docx"))))
        imports, prepare, first, second, plain_first, plain_second = bilag1_in_process()
        print(f"load average after: {os.getloadavg()[0]:.2f}\n")
        print(f"{'run':<48} {'wall s':>8} {'tree MiB':>9} {'proc MiB':>9} {'exit':>5}")
        for r in runs:
            print(f"{r.name:<48} {r.seconds:>8.1f} {r.tree_peak_mib:>9.0f} {r.process_peak_mib:>9.0f} {r.code:>5}")
        by = {r.name: r for r in runs}
        lo_new = by["LibreOffice bilag1.docx -> pdf, new profile"].seconds
        lo_same = by["LibreOffice bilag1.docx -> pdf, same profile"].seconds
        print(f"\nbilag1: imports {imports:.2f} s, data+charts+document {prepare:.2f} s; its PDF in a build "
              f"worker {first:.2f} s first, {second:.2f} s again; a plain render_pdf call {plain_first:.2f} s, "
              f"{plain_second:.2f} s again")
        print(f"our Bilag 1 PDF (build worker, first) / LibreOffice: {first / lo_new:.2f} (new profile), "
              f"{first / lo_same:.2f} (same profile)")
        cold = by["copenhagen cold, empty cache"].seconds
        print(f"incremental rebuild / cold build: {by['copenhagen unchanged (cache)'].seconds / cold:.2f}")
        if not args.skip_national:
            one = by["danmark build-all, 99 reports, --workers 1"].seconds
            two = by["danmark build-all, 99 reports, --workers 2"].seconds
            lo_one = by["LibreOffice 0101.docx -> pdf, same profile"].seconds
            print(f"2-worker speedup on build-all: {one / two:.2f}; per report: {one / 99:.2f} s (1 worker), "
                  f"{two / 99:.2f} s (2 workers); / LibreOffice on 0101.docx: {one / 99 / lo_one:.2f} (1 worker)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
