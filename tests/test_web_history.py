"""The whole workspace's history (issue 27, point 4): every barometer's changes and the logins, newest
first, filtered by barometer and kind, in Danish local time; the per-barometer page stays."""
from __future__ import annotations

import html
import re

import pytest
from conftest import write_barometer
from web_helpers import BEARER, logged_in, make_client, make_workspace

from reportgen.web import security as sec

OVERRIDE = {"indicator": "B1", "update": "2009-06", "signal": "yellow", "reason": "Tallet er usikkert."}


@pytest.fixture
def ws(tmp_path):
    root = make_workspace(tmp_path / "ws")
    write_barometer(root / "andeby")
    return root


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _changes(client):
    assert client.post("/api/barometers/testrup/overrides", headers=BEARER, json=OVERRIDE).status_code == 200
    assert client.post("/api/barometers/andeby/overrides", headers=BEARER,
                       json={**OVERRIDE, "reason": "Andebys grund."}).status_code == 200
    assert client.delete("/api/barometers/testrup/overrides/B1?update=2009-06", headers=BEARER).status_code == 200


def test_workspace_history_lists_every_barometer_and_the_logins_newest_first(ws):
    client = logged_in(make_client(ws))
    _changes(client)
    api = client.get("/api/history", headers=BEARER).json()
    assert [(e["barometer"], e["action"]) for e in api] == [
        ("testrup", "override-removed"), ("andeby", "override"), ("testrup", "override"), ("", "login")]
    assert api[1]["summary"].endswith("– Andebys grund.")
    assert api[3]["summary"] == "Logget ind med nøglen fra adressen testclient"
    for e in api:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00", e["time"])
    page = client.get("/history")
    assert page.status_code == 200 and "<h1>Al historik</h1>" in page.text
    text = _text(page.text)
    assert "Andebys grund." in text and "Tallet er usikkert." in text and "Logget ind med nøglen" in text
    assert re.search(r"\d{1,2}\. \w+ \d{4} kl\. \d\d\.\d\d", text)  # Danish local time, no UTC stamp
    assert "Z<" not in page.text and "UTC" not in text
    assert text.index("tilsidesættelsen er fjernet") < text.index("Andebys grund.") < text.index("Logget ind")
    assert '<a href="/b/andeby/history">' in page.text
    # The per-barometer page and API stay as they were: that barometer's changes, no logins.
    own = client.get("/api/barometers/testrup/history", headers=BEARER).json()
    assert [e["action"] for e in own] == ["override-removed", "override"]
    assert "Logget ind" not in _text(client.get("/b/testrup/history").text)


def test_workspace_history_filters_by_barometer_and_kind(ws):
    client = logged_in(make_client(ws))
    _changes(client)
    only = client.get("/api/history?barometer=andeby", headers=BEARER).json()
    assert [(e["barometer"], e["action"]) for e in only] == [("andeby", "override")]
    kind = client.get("/api/history?kind=override", headers=BEARER).json()
    assert [e["action"] for e in kind] == ["override-removed", "override", "override"]  # kind and kind-…
    both = client.get("/api/history?barometer=testrup&kind=override", headers=BEARER).json()
    assert [(e["barometer"], e["action"]) for e in both] == [("testrup", "override-removed"), ("testrup", "override")]
    logins = client.get("/api/history?kind=login", headers=BEARER).json()
    assert [e["action"] for e in logins] == ["login"]
    assert client.get("/api/history?barometer=testrup&kind=login", headers=BEARER).json() == []
    # Unknown filters are ignored, never an error or a path.
    assert len(client.get("/api/history?barometer=..%2fetc&kind=nope", headers=BEARER).json()) == 4
    page = client.get("/history?barometer=andeby&kind=override").text
    assert '<option value="andeby" selected>' in page and '<option value="override" selected>' in page
    assert "Andebys grund." in page and "Tallet er usikkert." not in page


def test_failed_logins_are_in_words_and_readers_see_no_logins(ws):
    users = {"bo": sec.UserRecord("bo", "reader", sec.hash_password("laeser-kode"))}
    client = make_client(ws, users=users)
    for password in ("forkert-kode", "laeser-kode"):
        nonce = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"csrf": nonce, "user": "bo", "password": password}, follow_redirects=False)
    editor = make_client(ws, users=users)
    _changes(editor)
    api = editor.get("/api/history?kind=login", headers=BEARER).json()
    assert [(e["user"], e["summary"]) for e in api] == [
        ("bo", "Logget ind med adgangskode fra adressen testclient"),
        ("bo", "Forkert login med adgangskode fra adressen testclient")]
    page = client.get("/history")
    assert page.status_code == 200
    text = _text(page.text)
    assert "Andebys grund." in text and "Logget ind" not in text and "Forkert login" not in text
    assert '<option value="login"' not in page.text
    seen = client.get("/api/history?kind=login").json()  # not a kind a reader has: ignored
    assert seen and not [e for e in seen if e["action"].startswith("login")]
