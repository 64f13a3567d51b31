"""Shared helpers for the workbench tests: a workspace with the small test barometer, clients."""
from __future__ import annotations

import contextlib
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import write_barometer
from starlette.testclient import TestClient

from reportgen.web.app import create_app
from reportgen.web.security import Security

TOKEN = "t0ken-" + "x" * 37
BASE = "http://127.0.0.1:8000"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def make_workspace(root: Path, name: str = "testrup", files: dict | None = None) -> Path:
    write_barometer(root / name, files)
    return root


def make_client(root: Path, *, users=None, max_upload_mb: float = 25, host: str = "127.0.0.1") -> TestClient:
    security = Security.create(token=TOKEN, users=users, max_upload_mb=max_upload_mb, host=host)
    return TestClient(create_app(root, security), base_url=BASE)


def logged_in(client: TestClient) -> TestClient:
    r = client.get(f"/?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def csrf_of(client: TestClient, path: str = "/b/testrup/data") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return _CSRF.search(page.text).group(1)


def workbook(files: dict | None = None) -> bytes:
    """The test barometer's tables as one barometer.xlsx (cells as Excel stores typed values)."""
    import csv
    import io
    import textwrap

    import openpyxl
    from conftest import BASE_FILES

    merged = {**BASE_FILES, **(files or {})}
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, text in merged.items():
        if not name.endswith(".csv") or text is None:
            continue
        sheet = book.create_sheet(name.removesuffix(".csv"))
        for row in csv.reader(io.StringIO(textwrap.dedent(text))):
            sheet.append([_excel(c) for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _excel(text: str):
    if re.fullmatch(r"-?(0|[1-9]\d*)", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    return text or None


def stop(proc: subprocess.Popen) -> None:
    """End a server a test started: SIGTERM, and SIGKILL if it has not gone within 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)


@contextlib.contextmanager
def running_server(ws: Path, *args: str, banner: list[str] | None = None):
    """`reportgen serve WS --port 0 ARGS` as a subprocess; yields (base URL, token) from its printed
    login URL once the whole start-up banner is out (its lines go into ``banner`` when given)."""
    proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "serve", str(ws), "--port", "0", *args],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = banner if banner is not None else []
    # Both pipes are read by threads all the while (uvicorn's access log goes to stdout: a full pipe
    # would stop the server), and the banner is awaited with a deadline, never a bare readline().
    stderr_lines: queue.Queue[str | None] = queue.Queue()

    def pump(stream, into):
        for line in stream:
            if into is not None:
                into.put(line)
        if into is not None:
            into.put(None)

    readers = [threading.Thread(target=pump, args=(proc.stderr, stderr_lines), daemon=True),
               threading.Thread(target=pump, args=(proc.stdout, None), daemon=True)]
    for reader in readers:
        reader.start()
    try:
        deadline = time.monotonic() + 60
        while not (lines and lines[-1].startswith("Stop med Ctrl-C.")):
            left = deadline - time.monotonic()
            assert left > 0, "the server printed no complete banner within 60 s:\n" + "".join(lines)
            try:
                line = stderr_lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                break
            lines.append(line)
        found = re.search(r"Log ind: (http://127\.0\.0\.1:\d+)/\?token=(\S+)", "".join(lines))
        assert found, "".join(lines)
        yield found.group(1), found.group(2)
    finally:
        stop(proc)
        for reader in readers:
            reader.join(timeout=10)
        proc.stderr.close()
        proc.stdout.close()
