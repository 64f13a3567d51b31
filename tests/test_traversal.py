"""The download guard of built files, reached for real: traversals in every encoding through the
`{path:path}` routes (/files/, /thumbs/), sent as raw bytes on a socket to uvicorn and as raw ASGI
scopes, never through a client that would normalise the path first. A real build gives real files;
each request names an existing file outside the build (barometer.toml, the audit log, pyproject)."""
from __future__ import annotations

import asyncio
import socket
import time
from urllib.parse import unquote

import httpx2
import pytest
from web_helpers import BEARER, TOKEN, make_client, make_workspace, running_server

SECRET = "Testbarometer"  # in the barometer's own barometer.toml, never in a built file's name


def _variants() -> list[str]:
    """``<prefix>testrup/barometer.toml`` for build-relative depths 1..8 in each encoding."""
    seps = ["/", "%2f", "%2F", "%5c", "\\", "%252f"]
    dots = ["..", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "%252e%252e", "%c0%ae%c0%ae", "....", "..;"]
    out = []
    for depth in range(1, 9):
        for dot in dots:
            for sep in seps:
                out.append((dot + sep) * depth + "testrup" + sep + "barometer.toml")
    for absolute in ("%2fetc%2fpasswd", "/etc/passwd", "%2Fetc%2Fpasswd", "..%00/..%00/testrup/barometer.toml",
                     "manifest.json%00../../../../testrup/barometer.toml", "./../../../../testrup/barometer.toml",
                     "site/../../../../../testrup/barometer.toml"):
        out.append(absolute)
    return out


VARIANTS = _variants()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The real server (`reportgen serve`) on loopback, with one finished build: (host, port, build id, pdf)."""
    ws = make_workspace(tmp_path_factory.mktemp("trav") / "ws")
    with running_server(ws) as (base, token):
        auth = {"Authorization": f"Bearer {token}"}
        build_id = httpx2.post(f"{base}/api/barometers/testrup/builds", headers=auth, timeout=60).json()["build"]
        deadline = time.monotonic() + 600
        while True:
            info = httpx2.get(f"{base}/api/builds/{build_id}", headers=auth, timeout=60).json()
            if info["state"] != "running" and info["state"] != "queued":
                break
            assert time.monotonic() < deadline, info
            time.sleep(0.5)
        assert info["state"] == "done", info
        pdf = next(f for f in info["files"] if f.endswith(".pdf"))
        host, port = base.removeprefix("http://").split(":")
        yield host, int(port), token, build_id, pdf, ws


def raw_get(host: str, port: int, target: str, token: str) -> tuple[int, bytes]:
    """One HTTP/1.1 GET with ``target`` sent byte for byte; (status, body)."""
    request = (f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
               "Connection: close\r\n\r\n").encode("latin-1")
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.settimeout(30)
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    data = b"".join(chunks)
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0
    return status, data.partition(b"\r\n\r\n")[2]


def test_the_routes_serve_the_real_files_when_asked_plainly(server):
    """The control: the same raw requests reach the app's files and thumbnails (so a 404 below is
    the guard's, not a missing route or build)."""
    host, port, token, build_id, pdf, _ws = server
    status, body = raw_get(host, port, f"/api/builds/{build_id}/files/{pdf}", token)
    assert status == 200 and body.startswith(b"%PDF")
    status, body = raw_get(host, port, f"/builds/{build_id}/thumbs/{pdf}", token)
    assert status == 200 and body.startswith(b"\x89PNG")


@pytest.mark.parametrize("route", ["/api/builds/{id}/files/", "/builds/{id}/files/", "/builds/{id}/thumbs/"])
def test_traversals_on_a_raw_socket_never_leave_the_build(server, route):
    host, port, token, build_id, _pdf, ws = server
    assert SECRET in (ws / "testrup" / "barometer.toml").read_text("utf-8")
    prefix = route.replace("{id}", build_id)
    leaks, statuses = [], set()
    for variant in VARIANTS:
        if route.endswith("/thumbs/"):
            variant = variant.replace("barometer.toml", "x.pdf") if "testrup" in variant else variant
        try:
            status, body = raw_get(host, port, prefix + variant, token)
        except TimeoutError:
            leaks.append((variant, "no answer"))
            continue
        statuses.add(status)
        if status == 200 or SECRET.encode() in body or b"root:" in body:
            leaks.append((variant, status, body[:80]))
    assert not leaks, leaks
    assert statuses <= {400, 404}, statuses


def test_traversals_as_raw_asgi_scopes_reach_the_guard_and_are_refused(tmp_path):
    """The app itself, given scopes whose ``path`` already holds the decoded ``..`` (as uvicorn
    passes a %2f): the route matches, so only Builds.file stands between the request and the file."""
    ws = make_workspace(tmp_path / "ws")
    client = make_client(ws)
    build_id = client.post("/api/barometers/testrup/builds", headers=BEARER).json()["build"]
    client.app.state.web.builds.wait(build_id, timeout=600)
    info = client.get(f"/api/builds/{build_id}", headers=BEARER).json()
    assert info["state"] == "done", info
    app = client.app

    async def call(raw: str) -> tuple[int, bytes]:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": unquote(raw), "raw_path": raw.encode("latin-1"), "root_path": "",
                 "query_string": b"", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
                 "headers": [(b"host", b"127.0.0.1:8000"), (b"authorization", f"Bearer {TOKEN}".encode())],
                 "state": {}}
        sent: list[dict] = []
        asked: list[int] = []
        done = asyncio.Event()

        async def receive():  # the request once; then, as a server does, a disconnect after the response
            asked.append(1)
            if len(asked) == 1:
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                done.set()

        await asyncio.wait_for(app(scope, receive, send), timeout=60)
        start = next(m for m in sent if m["type"] == "http.response.start")
        return start["status"], b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")

    async def main():
        ok = await call(f"/api/builds/{build_id}/files/{info['files'][0]}")
        assert ok[0] == 200
        leaks = []
        for route in ("files", "thumbs"):
            for variant in VARIANTS:
                status, body = await call(f"/api/builds/{build_id}/{route}/{variant}" if route == "files"
                                          else f"/builds/{build_id}/{route}/{variant}")
                if status == 200 or SECRET.encode() in body:
                    leaks.append((route, variant, status))
                assert status in (400, 401, 404), (route, variant, status)
        return leaks

    assert asyncio.run(asyncio.wait_for(main(), timeout=300)) == []
