"""The real thing: `reportgen serve` as a subprocess on 127.0.0.1 with a free port, talked to over HTTP."""
from __future__ import annotations

import httpx2
import pytest
from web_helpers import make_workspace, running_server


@pytest.fixture
def server(tmp_path):
    with running_server(make_workspace(tmp_path / "ws")) as found:
        yield found


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
