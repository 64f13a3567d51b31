"""Timing by hand (not a test): what an upload costs the workbench server (issue 29, point 8).

Usage: python bench/upload.py [--rows 20000] [--root CHECKOUT]

Each case starts a fresh ``reportgen serve`` (a subprocess, as in production) on a copy of
data/copenhagen, waits until it is up, and sends one upload over loopback with the printed token.
It reports the wall time of the request and the server process's memory: its peak resident size
(``VmHWM`` in /proc) before and after the request, and its resident size (``VmRSS``) after.
A fresh server per case keeps one case's peak from hiding the next.

Cases:
- valid: copenhagen's own measurements.csv with CRLF line ends (the same data in other bytes, so
  the upload is checked, kept as a version and applied rather than found byte-identical);
- bad rows: a measurements.csv of ``--rows`` rows whose value is no number and whose figure is a
  duplicate (three problems a row; about 32 bytes a row, so 20,000 rows are 649 KB; the issue's
  were 220 KB).

``--root`` runs another checkout's reportgen (e.g. a worktree of an older commit) for a before/after.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(12)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def run_case(root: Path, label: str, name: str, data: bytes) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        shutil.copytree(ROOT / "data" / "copenhagen", ws / "copenhagen")
        proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "serve", str(ws), "--port", "0"],
                                cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
        try:
            lines: list[str] = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not any(x.startswith("Stop med Ctrl-C.") for x in lines):
                line = proc.stderr.readline()
                if not line:
                    break
                lines.append(line)
            found = re.search(r"Log ind: http://127\.0\.0\.1:(\d+)/\?token=(\S+)", "".join(lines))
            if not found:
                raise RuntimeError("".join(lines))
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            port, token = int(found.group(1)), found.group(2)
            time.sleep(3)  # let the start-up warm-up (fonts, WeasyPrint) finish: it is not the upload's cost
            hwm_before = _kib(proc.pid, "VmHWM")
            body, ctype = _multipart(name, data)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
            start = time.perf_counter()
            conn.request("POST", "/api/barometers/copenhagen/data", body=body,
                         headers={"Authorization": f"Bearer {token}", "Content-Type": ctype,
                                  "Host": f"127.0.0.1:{port}"})
            response = conn.getresponse()
            answer = response.read()
            took = time.perf_counter() - start
            conn.close()
            errors = None
            if response.status == 422:
                errors = len(json.loads(answer).get("errors", []))
            return {"case": label, "bytes": len(data), "status": response.status, "seconds": round(took, 2),
                    "peak_mib_before": round(hwm_before / 1024),
                    "peak_mib_after": round(_kib(proc.pid, "VmHWM") / 1024),
                    "rss_mib_after": round(_kib(proc.pid, "VmRSS") / 1024), "errors_listed": errors,
                    "answer_kib": round(len(answer) / 1024, 1)}
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose reportgen runs")
    args = parser.parse_args()
    valid = (ROOT / "data" / "copenhagen" / "measurements.csv").read_bytes().replace(b"\n", b"\r\n")
    header = b"indicator,period,value,se,n,district,update\n"
    bad = header + b"".join(f"BES1,2008-03,fem{i},,,,2008-06\n".encode() for i in range(args.rows))
    print(f"reportgen from {args.root}")
    for label, data in (("valid upload", valid), (f"{args.rows:,} bad rows".replace(",", "."), bad)):
        print(json.dumps(run_case(args.root.resolve(), label, "measurements.csv", data), ensure_ascii=False),
              flush=True)
    print(json.dumps(run_case(args.root.resolve(), "XLSX bomb: 200 extra sheets of 1,000,000 bytes",
                              "barometer.xlsx", sheet_bomb()), ensure_ascii=False), flush=True)


def sheet_bomb(sheets: int = 200, size: int = 1_000_000) -> bytes:
    """The issue's bomb: a valid workbook (reportgen init's template) with ``sheets`` extra sheets of
    ``size`` bytes each, every entry under the old 1 MiB ratio rule (about 515 KB packed)."""
    import io
    import zipfile

    sys.path.insert(0, str(ROOT))
    from reportgen.rounds.init import workbook_bytes

    base = workbook_bytes(title="Testbarometer")
    cell = b'<c t="inlineStr"><is><t>x</t></is></c>'
    row = b"<row>" + cell * 20 + b"</row>"
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main"><sheetData>' + row * ((size - 200) // len(row)) + b"</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        for n in range(sheets):
            dst.writestr(f"xl/worksheets/extra{n}.xml", sheet)
    return out.getvalue()


if __name__ == "__main__":
    main()
