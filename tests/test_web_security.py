"""Every workbench promise of docs/security.md ("The workbench"), one or more tests each."""
from __future__ import annotations

import ast
import asyncio
import json
import logging
import re
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from web_helpers import BEARER, TOKEN, csrf_of, logged_in, make_client, make_workspace, running_server

from reportgen.errors import ConfigError
from reportgen.web import security as sec
from reportgen.web.server import _HideToken, serve

ROOT = Path(__file__).resolve().parents[1]
CSV_OK = "id,name\nA,Beskæftigelse\nB,Uddannelse\n"


@pytest.fixture
def ws(tmp_path):
    return make_workspace(tmp_path / "ws")


def _data(ws: Path) -> dict[str, bytes]:
    folder = ws / "testrup"
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


# -- 1. nothing below the web layer imports it --------------------------------------------------------

def test_nothing_below_the_web_package_imports_it():
    offenders = []
    for path in (ROOT / "reportgen").rglob("*.py"):
        if "web" in path.relative_to(ROOT / "reportgen").parts or path.name == "cli.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")] + [a.name for a in node.names]
            if any(re.search(r"(^|\.)web(\.|$)", n) or n == "web" for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# -- 2. loopback by default, non-loopback needs users -------------------------------------------------

def test_non_loopback_host_refuses_to_start_without_users(ws):
    with pytest.raises(ConfigError, match="--users"):
        serve(ws, host="0.0.0.0", port=0, announce=lambda line: None)
    run = subprocess.run([sys.executable, "-m", "reportgen.cli", "serve", str(ws), "--host", "192.0.2.10"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "--users" in run.stderr


@pytest.mark.parametrize("host,loop", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                       ("127.0.0.2", True), ("0.0.0.0", False), ("10.0.0.5", False),
                                       ("example.org", False)])
def test_loopback_detection(host, loop):
    assert sec.is_loopback(host) is loop


# -- 3. token, cookie, bearer ---------------------------------------------------------------------------

def test_default_token_is_long_and_random():
    a, b = sec.Security.create(), sec.Security.create()
    assert a.token != b.token and len(a.token) >= 43


def test_printed_token_sets_a_strict_httponly_cookie_that_is_not_the_token(ws):
    client = make_client(ws)
    r = client.get(f"/?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(sec.SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert value and value != TOKEN and TOKEN not in cookie
    assert client.get("/").status_code == 200


def test_wrong_token_and_no_login_are_refused(ws):
    client = make_client(ws)
    assert client.get("/?token=wrong", follow_redirects=False).status_code == 403
    assert client.get("/b/testrup", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/api/barometers").status_code == 401
    assert client.get("/api/barometers", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/barometers", headers=BEARER).status_code == 200
    assert client.get("/api/health").json()["status"] == "ok"


def test_token_is_compared_in_constant_time():
    source = Path(sec.__file__).read_text(encoding="utf-8")
    assert "hmac.compare_digest(given.encode" in source and "return same_secret(given, self.token)" in source
    assert not re.search(r"token\s*==|==\s*self\.token", source)


def test_login_form_with_token_needs_its_form_cookie(ws):
    client = make_client(ws)
    page = client.get("/login")
    nonce = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert client.post("/login", data={"csrf": nonce, "token": TOKEN}, follow_redirects=False).status_code == 303
    other = make_client(ws)  # no form cookie: a cross-site login attempt
    assert other.post("/login", data={"csrf": nonce, "token": TOKEN}, follow_redirects=False).status_code == 403


def test_token_is_never_served_or_stored(ws):
    client = logged_in(make_client(ws))
    for path in ("/", "/b/testrup", "/b/testrup/status", "/b/testrup/data", "/b/testrup/texts", "/api/health"):
        assert TOKEN not in client.get(path).text
    assert not any(TOKEN.encode() in p.read_bytes() for p in ws.rglob("*") if p.is_file())


def test_access_log_hides_the_token():
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", f"/?token={TOKEN}", "1.1", 303), None)
    _HideToken().filter(record)
    assert TOKEN not in record.getMessage() and "token=[skjult]" in record.getMessage()


# -- 4. Host header -----------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""])
def test_foreign_host_header_is_refused(ws, host):
    client = make_client(ws)
    r = client.get("/api/barometers", headers={**BEARER, "host": host})
    assert r.status_code == 403 and r.json() == {"error": "Ukendt værtsnavn i Host-headeren."}
    page = client.get("/login", headers={"host": host})
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/plain")
    assert client.get("/api/health", headers={"host": host}).status_code == 403


def test_loopback_names_and_configured_host_are_accepted(ws):
    client = make_client(ws, host="workbench.example", users={})
    for host in ("127.0.0.1:8000", "localhost", "[::1]:8000", "workbench.example:8000"):
        assert client.get("/api/health", headers={"host": host}).status_code == 200


def test_wildcard_address_accepts_only_this_machines_names():
    import socket

    hosts = sec.allowed_hosts("0.0.0.0")
    assert socket.gethostname().lower() in hosts and "127.0.0.1" in hosts
    assert "0.0.0.0" not in hosts and "evil.example" not in hosts


# -- 5. CSRF --------------------------------------------------------------------------------------------

def test_cookie_requests_need_the_csrf_token_and_bearer_ones_do_not(ws):
    client = logged_in(make_client(ws))
    before = _data(ws)
    files = {"files": ("areas.csv", CSV_OK.replace("Uddannelse", "Skole").encode(), "text/csv")}
    r = client.post("/b/testrup/data", files=files)
    assert r.status_code == 403 and _data(ws) == before
    r = client.post("/api/barometers/testrup/data", files=files)
    assert r.status_code == 403 and _data(ws) == before
    r = client.post("/b/testrup/data", files=files, data={"csrf": "wrong"})
    assert r.status_code == 403 and _data(ws) == before
    r = client.post("/b/testrup/data", files=files, data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert r.status_code == 303 and b"Skole" in (ws / "testrup" / "areas.csv").read_bytes()
    bearer = make_client(ws)
    files = {"files": ("areas.csv", CSV_OK.encode(), "text/csv")}
    assert bearer.post("/api/barometers/testrup/data", files=files, headers=BEARER).status_code == 200


def test_csrf_token_only_in_post_forms(ws):
    client = logged_in(make_client(ws))
    for path in ("/b/testrup", "/b/testrup/status", "/b/testrup/data", "/b/testrup/override",
                 "/b/testrup/texts/default.md"):
        html = client.get(path).text
        for form in re.findall(r"<form\b.*?</form>", html, re.S):
            if 'name="csrf"' in form:
                assert 'method="post"' in form, form


# -- 6. headers -----------------------------------------------------------------------------------------

def test_every_response_has_csp_without_script_and_the_usual_headers(ws):
    client = logged_in(make_client(ws))
    for path in ("/", "/login", "/b/testrup/status", "/static/site.css", "/api/health", "/nowhere"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "<script" not in r.text.lower()


# -- 7. upload size cap ---------------------------------------------------------------------------------

def test_upload_over_the_cap_gets_413_and_nothing_is_written(ws):
    client = make_client(ws, max_upload_mb=0.01)  # 10 KiB
    before = _data(ws)
    big = CSV_OK.encode() + b"C,Fyld\n" * 3000
    r = client.post("/api/barometers/testrup/data", headers=BEARER, files={"files": ("areas.csv", big, "text/csv")})
    assert r.status_code == 413 and _data(ws) == before and r.json()["error"].startswith("Filen er for stor")


# A well-formed start of a multipart upload (one CSV part), so the parser keeps reading until the cap.
_PART_HEAD = (b'--b\r\nContent-Disposition: form-data; name="files"; filename="areas.csv"\r\n'
              b"Content-Type: text/csv\r\n\r\nid,name\r\n")


def test_streamed_body_over_the_cap_is_cut_off_while_streaming(ws):
    """Raw ASGI: the body comes as 100 chunks of 1 KiB under a 10 KiB cap. The guard answers 413
    after the chunk that crosses the cap and never asks for the rest of the body."""
    app = make_client(ws, max_upload_mb=0.01).app
    before = _data(ws)
    cap = app.state.web.security.max_upload
    asked: list[int] = []
    sent: list[dict] = []
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/api/barometers/testrup/data", "raw_path": b"/api/barometers/testrup/data",
             "root_path": "", "query_string": b"", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
             "headers": [(b"host", b"127.0.0.1:8000"), (b"authorization", f"Bearer {TOKEN}".encode()),
                         (b"content-type", b"multipart/form-data; boundary=b"),
                         (b"transfer-encoding", b"chunked")],
             "state": {}}

    async def receive():
        asked.append(1)
        if len(asked) <= 100:
            body = _PART_HEAD + b"x" * (1024 - len(_PART_HEAD)) if len(asked) == 1 else b"x" * 1024
            return {"type": "http.request", "body": body, "more_body": len(asked) < 100}
        await asyncio.sleep(3600)  # a client that never finishes: the guard must not wait for it

    async def send(message):
        sent.append(message)

    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=60))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))
    assert start["status"] == 413 and "grænsen er" in body["error"]
    # 10 chunks fit under the cap; the 11th crosses it and is the last one read.
    assert len(asked) == cap // 1024 + 1 == 11, len(asked)
    assert _data(ws) == before


def test_streamed_body_over_the_cap_is_cut_off_by_the_real_server(ws):
    """The real server on loopback, a raw socket, a chunked body with no length: the 413 arrives
    while the client is still sending, long before the 400 KiB it meant to send."""
    before = _data(ws)
    with running_server(ws, "--max-upload-mb", "0.01") as (base, token):
        host, port = base.removeprefix("http://").split(":")
        head = (f"POST /api/barometers/testrup/data HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                "Transfer-Encoding: chunked\r\n\r\n").encode()
        first = b"400\r\n" + _PART_HEAD + b"x" * (1024 - len(_PART_HEAD)) + b"\r\n"
        chunk = b"400\r\n" + b"x" * 1024 + b"\r\n"
        answer = b""
        chunks_sent = 0
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(head)
            deadline = time.monotonic() + 30
            while chunks_sent < 400 and b"\r\n\r\n" not in answer:
                assert time.monotonic() < deadline, f"no answer after {chunks_sent} KiB"
                try:
                    sock.sendall(first if chunks_sent == 0 else chunk)
                    chunks_sent += 1
                except (BrokenPipeError, ConnectionResetError):
                    break
                readable, _, _ = select.select([sock], [], [], 0.02)
                if readable:
                    answer += sock.recv(65536)
            sock.settimeout(10)
            while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _length(answer):
                more = sock.recv(65536)
                assert more, answer
                answer += more
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"].startswith("Filen er for stor: grænsen er")
    assert chunks_sent < 100, chunks_sent  # cut off at about 10 KiB, not after the whole body
    assert _data(ws) == before


def _length(answer: bytes) -> int:
    found = re.search(rb"(?im)^content-length: *(\d+)", answer.split(b"\r\n\r\n", 1)[0])
    assert found, answer[:300]
    return int(found.group(1))


def test_max_upload_is_configurable(ws):
    assert make_client(ws, max_upload_mb=3).app.state.web.security.max_upload == 3 * 1024 * 1024


# -- 8. users and roles ---------------------------------------------------------------------------------

def test_user_add_stores_a_scrypt_hash_and_login_works(ws, tmp_path):
    users = tmp_path / "users.toml"
    run = subprocess.run([sys.executable, "-m", "reportgen.cli", "user", "add", str(users), "anna", "--role",
                          "editor", "--password-stdin"], input="hemmeligt-ord\n", capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    sec.add_user(users, "bo", "laeser-kode", "reader")
    text = users.read_text(encoding="utf-8")
    assert "hemmeligt-ord" not in text and "laeser-kode" not in text and text.count("scrypt$") == 2
    loaded = sec.load_users(users)
    client = make_client(ws, users=loaded)
    page = client.get("/login")
    nonce = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    bad = client.post("/login", data={"csrf": nonce, "user": "anna", "password": "forkert"}, follow_redirects=False)
    assert bad.status_code == 403
    page = client.get("/login")
    nonce = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    ok = client.post("/login", data={"csrf": nonce, "user": "anna", "password": "hemmeligt-ord"},
                     follow_redirects=False)
    assert ok.status_code == 303
    assert "logget ind som anna" in client.get("/").text


def test_reader_can_look_but_not_change(ws):
    users = {"bo": sec.UserRecord("bo", "reader", sec.hash_password("laeser-kode"))}
    client = make_client(ws, users=users)
    page = client.get("/login")
    nonce = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"csrf": nonce, "user": "bo", "password": "laeser-kode"})
    assert client.get("/b/testrup/status").status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/b/testrup").text).group(1)
    before = _data(ws)
    r = client.post("/b/testrup/data", data={"csrf": csrf},
                    files={"files": ("areas.csv", CSV_OK.encode(), "text/csv")})
    assert r.status_code == 403 and _data(ws) == before


def test_users_file_errors_are_reported(tmp_path):
    bad = tmp_path / "users.toml"
    bad.write_text('[users.anna]\nrole = "admin"\npassword = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="role"):
        sec.load_users(bad)
    with pytest.raises(ConfigError, match="8 tegn"):
        sec.add_user(tmp_path / "u.toml", "anna", "kort", "editor")


# -- 9. no request path reaches the file system unchecked ---------------------------------------------

@pytest.mark.parametrize("path", ["/api/barometers/..%2f..%2fetc/status", "/api/barometers/.workbench/status",
                                  "/api/barometers/nope/status", "/api/builds/..%2f..%2fetc",
                                  "/api/builds/nope/files/manifest.json", "/b/testrup/texts/..%2f..%2fetc%2fpasswd",
                                  "/b/testrup/texts/README.md", "/static/fonts/..%2f..%2fpyproject.toml"])
def test_unknown_ids_and_paths_are_404(ws, path):
    client = logged_in(make_client(ws))
    assert client.get(path, headers=BEARER).status_code == 404


def test_symlinked_barometer_folder_is_not_listed(ws, tmp_path):
    make_workspace(tmp_path / "elsewhere", "outside")
    (ws / "linked").symlink_to(tmp_path / "elsewhere" / "outside")
    client = make_client(ws)
    assert [b["id"] for b in client.get("/api/barometers", headers=BEARER).json()] == ["testrup"]
    assert client.get("/api/barometers/linked/status", headers=BEARER).status_code == 404


def test_a_reader_can_log_out_with_the_csrf_token_only(ws):
    users = {"bo": sec.UserRecord("bo", "reader", sec.hash_password("laeser-kode"))}
    client = make_client(ws, users=users)
    nonce = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"csrf": nonce, "user": "bo", "password": "laeser-kode"})
    assert client.post("/logout", data={"csrf": "forkert"}, follow_redirects=False).status_code == 403
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/b/testrup", follow_redirects=False).headers["location"] == "/login"


@pytest.mark.parametrize("kind", ["bomb", "entities", "not_a_zip"])
def test_hostile_workbooks_are_refused_by_the_loader_and_change_nothing(ws, kind):
    import io
    import zipfile

    from web_helpers import workbook

    if kind == "bomb":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
            bomb.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
        data, expected = out.getvalue(), "vokser fra"
    elif kind == "entities":
        good, out = io.BytesIO(workbook()), io.BytesIO()
        laughs = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>'
        with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                dst.writestr(item, laughs if item.filename == "xl/worksheets/sheet1.xml" else src.read(item))
        data, expected = out.getvalue(), "XML-erklæring, som ikke er tilladt"
    else:
        data, expected = b"id,name\n", "ikke en .xlsx-fil"
    client = make_client(ws)
    before = _data(ws)
    r = client.post("/api/barometers/testrup/data", headers=BEARER,
                    files={"files": ("barometer.xlsx", data, "application/octet-stream")})
    assert r.status_code == 422 and any(expected in e for e in r.json()["errors"]), r.json()
    assert _data(ws) == before and not list((ws / ".workbench" / "staging").iterdir())
