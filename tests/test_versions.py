"""Kept data versions (issue 29, point 4): none for a byte-identical upload; pruned to the last N and
to a disk budget, with the pruned versions' SHA-256 kept in the audit."""
from __future__ import annotations

import hashlib
import json

import pytest
from web_helpers import BEARER, csrf_of, logged_in, make_client, make_workspace

from reportgen.errors import ConfigError
from reportgen.web.workspace import UNCHANGED


def areas(n: int) -> bytes:
    return f"id,name\nA,Job og beskæftigelse {n}\nB,Uddannelse\n".encode()


@pytest.fixture
def ws(tmp_path):
    return make_workspace(tmp_path / "ws")


def _upload(client, data: bytes):
    return client.post("/api/barometers/testrup/data", headers=BEARER,
                       files=[("files", ("areas.csv", data, "text/csv"))])


def test_a_byte_identical_upload_keeps_no_version_and_says_so(ws):
    client = make_client(ws)
    workspace = client.app.state.web.ws
    current = (ws / "testrup" / "areas.csv").read_bytes()
    r = _upload(client, current)
    assert r.status_code == 200, r.text
    assert r.json()["unchanged"] is True and r.json()["applied"] == [] and r.json()["message"] == UNCHANGED
    assert r.json()["files"]["areas.csv"] == hashlib.sha256(current).hexdigest()
    assert workspace.versions("testrup") == [] and workspace.audit.events("testrup") == []

    assert _upload(client, areas(1)).json()["applied"] == ["areas.csv"]
    assert len(workspace.versions("testrup")) == 1
    for _ in range(5):  # 53 identical uploads made 53 versions before
        assert _upload(client, areas(1)).json()["unchanged"] is True
    assert len(workspace.versions("testrup")) == 1
    assert [e.action for e in workspace.audit.events("testrup")] == ["data"]

    # the browser form says it on the status page
    browser = logged_in(make_client(ws))
    r = browser.post("/b/testrup/data", data={"csrf": csrf_of(browser)}, follow_redirects=False,
                     files=[("files", ("AREAS.CSV", areas(1), "text/csv"))])
    assert r.status_code == 303 and r.headers["location"].endswith("opdateret=ingen")
    page = browser.get(r.headers["location"])
    assert "Ingen ændringer; der er ikke gemt en ny version" in page.text
    assert len(workspace.versions("testrup")) == 1


def test_the_review_confirm_path_keeps_no_version_for_identical_data(ws):
    client = make_client(ws)
    workspace = client.app.state.web.ws
    current = (ws / "testrup" / "areas.csv").read_bytes()
    review = client.post("/api/barometers/testrup/data/review", headers=BEARER,
                         files={"files": ("areas.csv", current, "text/csv")})
    assert review.status_code == 200, review.text
    r = client.post(f"/api/barometers/testrup/data/review/{review.json()['review']}", headers=BEARER)
    assert r.status_code == 200 and r.json()["unchanged"] is True and r.json()["message"] == UNCHANGED
    assert workspace.versions("testrup") == [] and workspace.audit.events("testrup") == []
    # a real change through the same path keeps one
    review = client.post("/api/barometers/testrup/data/review", headers=BEARER,
                         files={"files": ("areas.csv", areas(2), "text/csv")}).json()["review"]
    r = client.post(f"/api/barometers/testrup/data/review/{review}", headers=BEARER)
    assert r.json()["applied"] == ["areas.csv"] and len(workspace.versions("testrup")) == 1


def test_versions_are_pruned_to_the_last_n_and_the_audit_keeps_their_hashes(ws):
    client = make_client(ws)
    workspace = client.app.state.web.ws
    workspace.keep_versions = 3
    original = (ws / "testrup" / "areas.csv").read_bytes()
    for n in range(6):
        assert _upload(client, areas(n)).status_code == 200
    versions = workspace.versions("testrup")
    assert len(versions) == 3
    kept = [(ws / ".workbench" / "versions" / "testrup" / v.id / "areas.csv").read_bytes() for v in versions]
    assert kept == [areas(4), areas(3), areas(2)]  # newest first: what areas(5) replaced, and so on
    pruned = [e for e in workspace.audit.events("testrup") if e.action == "version-pruned"]
    assert len(pruned) == 3
    hashes = [json.loads(e.detail[e.detail.index("{"):])["files"]["areas.csv"] for e in reversed(pruned)]
    assert hashes == [hashlib.sha256(d).hexdigest() for d in (original, areas(0), areas(1))]
    # the history names it, and the upload page says the rule
    browser = logged_in(make_client(ws))
    page = browser.get("/b/testrup/history")
    assert "En gammel version af data er slettet; et fingeraftryk af filerne står i loggen (areas.csv, " in page.text
    assert "sha" not in page.text.lower()
    browser.app.state.web.ws.keep_versions = 3
    page = browser.get("/b/testrup/data")
    assert "De seneste 3 versioner gemmes, i alt højst 200 MB" in page.text


def test_versions_are_pruned_to_the_disk_budget_but_the_newest_stays(ws):
    client = make_client(ws)
    workspace = client.app.state.web.ws
    one = sum(p.stat().st_size for p in (ws / "testrup").iterdir() if p.name.endswith((".csv", ".xlsx")))
    workspace.versions_bytes = int(one * 2.5)  # room for two versions and their version.json, not three
    for n in range(4):
        assert _upload(client, areas(n)).status_code == 200
    versions = workspace.versions("testrup")
    assert len(versions) == 2
    total = sum(f.stat().st_size for v in versions
                for f in (ws / ".workbench" / "versions" / "testrup" / v.id).iterdir())
    assert total <= workspace.versions_bytes
    workspace.versions_bytes = 1  # smaller than any version: the one just kept stays (the change can be undone)
    assert _upload(client, areas(9)).status_code == 200
    assert [v.id for v in workspace.versions("testrup")][0] > versions[0].id
    assert len(workspace.versions("testrup")) == 1


def test_serve_refuses_a_nonsense_version_limit(ws):
    from reportgen.web.server import serve

    with pytest.raises(ConfigError, match="--keep-versions"):
        serve(ws, port=0, keep_versions=0, announce=lambda _: None)
    with pytest.raises(ConfigError, match="--versions-mb"):
        serve(ws, port=0, versions_mb=0, announce=lambda _: None)


def test_restoring_the_data_already_there_keeps_no_version(ws):
    client = logged_in(make_client(ws))
    workspace = client.app.state.web.ws
    original = (ws / "testrup" / "areas.csv").read_bytes()
    assert _upload(client, areas(1)).status_code == 200
    first = workspace.versions("testrup")[0]  # holds the original
    csrf = csrf_of(client)
    r = client.post("/b/testrup/data/restore", data={"csrf": csrf, "version": first.id}, follow_redirects=False)
    assert r.headers["location"].endswith("opdateret=gendannet")
    assert (ws / "testrup" / "areas.csv").read_bytes() == original and len(workspace.versions("testrup")) == 2
    r = client.post("/b/testrup/data/restore", data={"csrf": csrf, "version": first.id}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("opdateret=ingen")
    assert len(workspace.versions("testrup")) == 2
    assert [e.action for e in workspace.audit.events("testrup")] == ["restore", "data"]


def test_sending_an_invalid_folders_own_files_again_lists_their_problems(ws):
    """Byte-identical is no excuse to skip the check: an invalid folder's files are still refused."""
    folder = ws / "testrup"
    bad = (folder / "measurements.csv").read_text(encoding="utf-8").replace("\n", "\nA1,2008-03,fem,,,,2008-06\n", 1)
    (folder / "measurements.csv").write_text(bad, encoding="utf-8")
    client = make_client(ws)
    r = client.post("/api/barometers/testrup/data", headers=BEARER,
                    files=[("files", ("measurements.csv", bad.encode(), "text/csv"))])
    assert r.status_code == 422 and any("fem" in e or "value" in e for e in r.json()["errors"]), r.json()
