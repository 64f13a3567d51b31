"""The real thing: `reportgen serve` as a subprocess on 127.0.0.1 with a free port, talked to over HTTP."""
from __future__ import annotations

import re
import subprocess
import sys
import threading
import time

import httpx2
import pytest
from web_helpers import make_workspace


@pytest.fixture
def server(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "serve", str(ws), "--port", "0"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    drain = None
    try:
        deadline = time.monotonic() + 60
        url = None
        while url is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            found = re.match(r"Log ind: (http://127\.0\.0\.1:(\d+))/\?token=(\S+)", line)
            if found:
                url = found
        assert url, "".join(lines)
        drain = threading.Thread(target=proc.stderr.read, daemon=True)  # keep the log pipe from filling up
        drain.start()
        yield url.group(1), url.group(3)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if drain is not None:
            drain.join(timeout=10)
        proc.stderr.close()
        proc.stdout.close()


def test_real_server_answers_with_login_token_and_checks(server):
    base, token = server
    health = httpx2.get(f"{base}/api/health", timeout=30)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert "default-src 'none'" in health.headers["content-security-policy"]
    assert httpx2.get(f"{base}/api/barometers", timeout=30).status_code == 401
    listed = httpx2.get(f"{base}/api/barometers", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert [b["id"] for b in listed.json()] == ["testrup"]
    foreign = httpx2.get(f"{base}/api/health", headers={"host": "attacker.example"}, timeout=30)
    assert foreign.status_code == 403
    with httpx2.Client(base_url=base, timeout=30, follow_redirects=True) as browser:
        login = browser.get(f"/?token={token}")
        assert login.status_code == 200 and "<h1>Barometre</h1>" in login.text
        assert str(login.url) == f"{base}/"  # the token is gone from the address
        status = browser.get("/b/testrup/status")
        assert status.status_code == 200 and "Status for juni 2009" in status.text
