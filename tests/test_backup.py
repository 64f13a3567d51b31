"""`reportgen backup` and `reportgen restore` (rounds/backup.py, docs/deploy.md): consistent while the
workbench changes data or builds, a restored workspace serves the same data and history, and a
damaged or truncated backup is refused."""
from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import httpx2
import pytest
from web_helpers import BEARER, make_client, make_workspace, running_server

from reportgen.rounds.backup import MANIFEST

AREAS = "id,name\nA,Job og beskæftigelse\nB,Uddannelse\n".encode()
COMMITTEES = ("id,name,chair\nBIU,Beskæftigelses- og Integrationsudvalget,Bo Berg\n"
              "BUU,Børne- og Ungdomsudvalget,\n").encode()


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reportgen.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def _events(ws: Path) -> list[tuple]:
    db = sqlite3.connect(ws / ".workbench" / "audit.sqlite")
    try:
        return db.execute("SELECT * FROM events ORDER BY id").fetchall()
    finally:
        db.close()


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink()}


@pytest.fixture
def ws(tmp_path):
    return make_workspace(tmp_path / "ws")


def test_a_backup_during_an_upload_holds_all_of_it_or_none(ws, tmp_path, monkeypatch):
    from reportgen.web import workspace as wsmod

    client = make_client(ws)
    halfway, go = threading.Event(), threading.Event()
    real_write = wsmod.atomic_write

    def slow_write(path, data, *args, **kwargs):
        real_write(path, data, *args, **kwargs)
        if Path(path).parent == ws.resolve() / "testrup" and Path(path).name == "areas.csv":
            halfway.set()  # areas.csv is in place, committees.csv and the audit entry are not yet
            go.wait(30)

    monkeypatch.setattr(wsmod, "atomic_write", slow_write)
    answers = []
    upload = threading.Thread(target=lambda: answers.append(client.post(
        "/api/barometers/testrup/data", headers=BEARER,
        files=[("files", ("areas.csv", AREAS, "text/csv")), ("files", ("committees.csv", COMMITTEES, "text/csv"))])))
    upload.start()
    assert halfway.wait(60)
    out = tmp_path / "mid-upload.tar.gz"
    proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "backup", str(ws), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)
        assert proc.poll() is None and not out.exists()  # waits for the change to finish
        go.set()
        upload.join(60)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        go.set()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr
    assert answers[0].status_code == 200 and sorted(answers[0].json()["applied"]) == ["areas.csv", "committees.csv"]
    assert "Sikkerhedskopi:" in stdout and "filer" in stdout and out.stat().st_mode & 0o777 == 0o600
    restored = tmp_path / "restored"
    done = _cli("restore", str(out), "--to", str(restored))
    assert done.returncode == 0, done.stderr
    assert (restored / "testrup" / "areas.csv").read_bytes() == AREAS
    assert (restored / "testrup" / "committees.csv").read_bytes() == COMMITTEES
    assert _events(restored) == _events(ws) and _events(ws)[-1][4] == "data"
    versions = [p for p in (restored / ".workbench" / "versions" / "testrup").iterdir()]
    assert len(versions) == 1 and (versions[0] / "areas.csv").read_bytes() != AREAS


def test_a_backup_during_a_build_restores_to_a_workspace_that_serves_the_same_data_and_history(ws, tmp_path,
                                                                                               monkeypatch):
    from reportgen.rounds import pipeline

    client = make_client(ws)
    assert client.post("/api/barometers/testrup/data", headers=BEARER,
                       files=[("files", ("areas.csv", AREAS, "text/csv"))]).status_code == 200
    first = client.post("/api/barometers/testrup/builds", headers=BEARER).json()["build"]
    client.app.state.web.builds.wait(first, 300)
    assert client.get(f"/api/builds/{first}", headers=BEARER).json()["state"] == "done"

    rendering, go = threading.Event(), threading.Event()
    real_build = pipeline.build

    def held_build(folder, *, progress=None, **kwargs):
        def held(stage, step, steps):
            if progress:
                progress(stage, step, steps)
            if step == 4:
                rendering.set()
                go.wait(60)
        return real_build(folder, progress=held, **kwargs)

    monkeypatch.setattr(pipeline, "build", held_build)
    second = client.post("/api/barometers/testrup/builds", headers=BEARER).json()["build"]
    try:
        assert rendering.wait(120)
        out = tmp_path / "mid-build.tar.gz"
        made = _cli("backup", str(ws), "--out", str(out))
        assert made.returncode == 0, made.stderr
        assert client.get(f"/api/builds/{second}", headers=BEARER).json()["state"] == "running"
    finally:
        go.set()
    client.app.state.web.builds.wait(second, 300)
    status = client.get("/api/barometers/testrup/status", headers=BEARER).json()
    restored = tmp_path / "restored"
    assert _cli("restore", str(out), "--to", str(restored)).returncode == 0
    assert _tree(restored / "testrup") == _tree(ws / "testrup")
    assert _events(ws)[-1][4:6] == ("build", f"done {second}")
    assert _events(restored) == _events(ws)[:-1]  # the second build had started, not ended, at the backup
    assert not (restored / ".workbench" / "sessions.sqlite").exists()
    with running_server(restored) as (base, token):
        auth = {"Authorization": f"Bearer {token}"}
        assert [b["id"] for b in httpx2.get(f"{base}/api/barometers", headers=auth, timeout=30).json()] == ["testrup"]
        served = httpx2.get(f"{base}/api/barometers/testrup/status", headers=auth, timeout=60).json()
        assert served == status
        old = httpx2.get(f"{base}/api/builds/{first}", headers=auth, timeout=30)
        assert old.status_code == 200 and old.json()["state"] == "done"
        pack = httpx2.get(f"{base}/api/builds/{first}/files/pack.zip", headers=auth, timeout=30)
        assert pack.status_code == 200 and pack.content == client.get(
            f"/api/builds/{first}/files/pack.zip", headers=BEARER).content
        assert httpx2.get(f"{base}/api/builds/{second}", headers=auth, timeout=30).status_code == 404
        history = httpx2.get(f"{base}/b/testrup/history", headers=auth, timeout=30)
        assert history.status_code == 200 and "Nye data: areas.csv" in history.text
        assert history.text.count("Dokumenterne er dannet") == 1  # the first build; the second had not ended


def test_a_truncated_or_damaged_backup_is_refused_and_leaves_nothing(ws, tmp_path):
    make_client(ws)  # the workbench's state: the audit log
    out = tmp_path / "good.tar.gz"
    assert _cli("backup", str(ws), "--out", str(out)).returncode == 0
    data = out.read_bytes()
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(data[: len(data) * 2 // 3])
    refused = _cli("restore", str(truncated), "--to", str(tmp_path / "r1"))
    assert refused.returncode == 1 and "sikkerhedskopien er beskadiget eller ufuldstændig" in refused.stderr
    assert not (tmp_path / "r1").exists() and not list(tmp_path.glob(".r1.restoring-*"))
    # A file changed after the manifest was written (a valid archive, a wrong hash).
    with tarfile.open(out) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar]
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(forged, "w:gz") as tar:
        for member, content in members:
            if member.name == "testrup/areas.csv":
                content = content.replace(b"A,", b"X,")
            tar.addfile(member, io.BytesIO(content))
    refused = _cli("restore", str(forged), "--to", str(tmp_path / "r2"))
    assert refused.returncode == 1 and "testrup/areas.csv svarer ikke til sin SHA-256" in refused.stderr
    assert not (tmp_path / "r2").exists()
    manifest = json.loads(dict((m.name, c) for m, c in members)[MANIFEST])
    assert {f["path"] for f in manifest["files"]} >= {"testrup/barometer.toml", ".workbench/audit.sqlite"}
    into_existing = _cli("restore", str(out), "--to", str(ws))
    assert into_existing.returncode == 1 and "ikke tom" in into_existing.stderr
    inside = _cli("backup", str(ws), "--out", str(ws / "x.tar.gz"))
    assert inside.returncode == 1 and not (ws / "x.tar.gz").exists()
