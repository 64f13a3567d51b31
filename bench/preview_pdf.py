"""Timing by hand (not a test): the one-letter PDF preview of the workbench's text editor (issue 17: < 2 s).

Usage: python bench/preview_pdf.py [--runs 5] [--profile] [--no-warm]

Copies data/copenhagen into a temporary workspace and times ``reportgen.web.texts.preview_pdf`` for the
default letter (``default.md``) with a changed sentence, the way the editor's "PDF" button calls it: the
first call in a fresh process (what the first user after a server start waits for), then ``--runs`` more.
By default the server's start-up warm-up (``reportgen.web.warmup.warm_up``, which ``reportgen serve`` runs
in a background thread) runs first and is timed on its own, as a server that has been up for a few seconds has it;
``--no-warm`` leaves it out. ``--profile`` prints a cProfile of one warm call (top 30, cumulative).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-warm", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    from reportgen.web import texts, warmup
    from reportgen.web.workspace import Workspace

    print(f"imports: {time.perf_counter() - started:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(ROOT / "data" / "copenhagen", Path(tmp) / "copenhagen")
        ws = Workspace(Path(tmp))
        if not args.no_warm:
            t = time.perf_counter()
            warmup.warm_up(ws)
            print(f"warm-up at server start (background thread): {time.perf_counter() - t:.2f} s")
        text = texts.read_text(ws, "copenhagen", "default.md").text + "\nEn ny sætning fra forhåndsvisningen.\n"
        times = []
        for _ in range(args.runs + 1):
            t = time.perf_counter()
            pdf, result = texts.preview_pdf(ws, "copenhagen", "default.md", text)
            times.append(time.perf_counter() - t)
            assert pdf is not None and pdf.startswith(b"%PDF"), result
        print(f"first preview: {times[0]:.2f} s; then {', '.join(f'{x:.2f}' for x in times[1:])} s "
              f"(min {min(times[1:]):.2f} s)")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            texts.preview_pdf(ws, "copenhagen", "default.md", text)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    print(f"load average (1 min) after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
