"""Slow or idle connections are dropped (issue 29, point 3), against the real server on loopback:
a body slower than the minimum rate gets 408 and is closed, an idle keep-alive connection is closed,
and above the connection cap a request gets 503. A handful of sockets, every wait with a deadline."""
from __future__ import annotations

import contextlib
import re
import select
import socket
import time

import pytest
from web_helpers import make_workspace, running_server

GRACE = 3  # --body-grace for the server under test (the default is 10 s)
HEADERS = 2  # --header-timeout (the default is 10 s)
BOUNDARY = "xYzBoundary"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    ws = make_workspace(tmp_path_factory.mktemp("slow") / "ws")
    with running_server(ws, "--body-grace", str(GRACE), "--keep-alive", "1", "--max-connections", "4",
                        "--header-timeout", str(HEADERS)) as found:
        yield found


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    return sock


def _head(base: str, token: str, length: int) -> bytes:
    host = base.removeprefix("http://")
    return (f"POST /api/barometers/testrup/data HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {length}\r\n\r\n").encode()


def _body(size: int) -> bytes:
    """A multipart body of about ``size`` bytes: one areas.csv that is valid, padded by a comment field."""
    areas = "id,name\nA,Beskæftigelse\nB,Uddannelse\n".encode()
    start = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"areas.csv\"\r\n"
             "Content-Type: text/csv\r\n\r\n").encode() + areas + b"\r\n"
    pad_head = f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n".encode()
    end = f"\r\n--{BOUNDARY}--\r\n".encode()
    pad = max(0, size - len(start) - len(pad_head) - len(end))
    return start + pad_head + b"x" * pad + end


def _answer(sock: socket.socket, deadline: float) -> bytes:
    """Everything the server sends until it closes the connection or the deadline passes."""
    got = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], max(0.0, min(0.5, deadline - time.monotonic())))
        if ready:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            got += chunk
    return got


def _one_response(sock: socket.socket, deadline: float) -> bytes:
    """One whole response with a Content-Length from a connection that stays open."""
    got = b""
    while time.monotonic() < deadline:
        head, sep, rest = got.partition(b"\r\n\r\n")
        if sep:
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
            if len(rest) >= length:
                return got
        ready, _, _ = select.select([sock], [], [], max(0.0, min(0.5, deadline - time.monotonic())))
        if ready:
            chunk = sock.recv(65536)
            if not chunk:
                break
            got += chunk
    return got


def test_a_body_sent_one_byte_a_second_is_cut_off_with_408(server):
    base, token = server
    body = _body(4000)
    with contextlib.closing(_connect(base)) as sock:
        start = time.monotonic()
        sock.sendall(_head(base, token, len(body)))
        answer = b""
        closed = False
        sent = 0
        while time.monotonic() - start < 20:
            try:
                sock.sendall(body[sent:sent + 1])
                sent += 1
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            ready, _, _ = select.select([sock], [], [], 1.0)
            if ready:
                answer = _answer(sock, time.monotonic() + 5)
                closed = True
                break
        took = time.monotonic() - start
    assert closed, f"still open after {took:.0f} s and {sent} bytes"
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert "Forespørgslen kom for langsomt" in answer.decode("utf-8", "replace")
    assert b"connection: close" in answer.lower()
    assert GRACE - 0.5 < took < GRACE + 4, took  # the deadline: grace + bytes / (1 KB/s)
    assert sent < 20


def test_a_body_at_a_decent_rate_is_taken_and_applied(server, tmp_path):
    """2 KB a second for 4 s, past the grace period: above the minimum rate, so it goes through."""
    base, token = server
    body = _body(8000)
    with contextlib.closing(_connect(base)) as sock:
        sock.sendall(_head(base, token, len(body)))
        for i in range(0, len(body), 500):
            sock.sendall(body[i:i + 500])
            time.sleep(0.25)
        answer = _answer(sock, time.monotonic() + 10).split(b"\r\n\r\n", 1)
    assert answer[0].startswith(b"HTTP/1.1 200 "), answer
    assert b'"files"' in answer[1]


def test_an_idle_keep_alive_connection_is_closed(server):
    base, _ = server
    host = base.removeprefix("http://")
    with contextlib.closing(_connect(base)) as sock:
        sock.sendall(f"GET /api/health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        start = time.monotonic()
        answer = _answer(sock, start + 6)  # returns when the server closes the idle connection
        took = time.monotonic() - start
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    assert took < 4, took  # --keep-alive 1 (uvicorn checks the timer once a second or so)


def test_a_connection_that_sends_nothing_or_drips_its_headers_is_closed(server):
    base, token = server
    host = base.removeprefix("http://")
    with contextlib.closing(_connect(base)) as silent, contextlib.closing(_connect(base)) as drip:
        start = time.monotonic()
        head = f"GET /api/health HTTP/1.1\r\nHost: {host}\r\nX-Slow: {'a' * 40}\r\n\r\n".encode()
        sent = 0
        closed_at = None
        while time.monotonic() - start < 10 and closed_at is None:  # one byte every 0.2 s: 9 s for the head
            try:
                drip.sendall(head[sent:sent + 1])
                sent += 1
            except (BrokenPipeError, ConnectionResetError):
                closed_at = time.monotonic() - start
                break
            ready, _, _ = select.select([drip], [], [], 0.2)
            if ready and not _answer(drip, time.monotonic() + 1):
                closed_at = time.monotonic() - start
        assert closed_at is not None and closed_at < HEADERS + 2, (closed_at, sent)
        assert sent < len(head)
        assert _answer(silent, start + HEADERS + 3) == b""  # closed without an answer
        assert time.monotonic() - start < HEADERS + 3.5
    # a request whose headers come at once is served as before, also a second one on the connection
    with contextlib.closing(_connect(base)) as sock:
        for _ in range(2):
            sock.sendall(f"GET /api/health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            first = _one_response(sock, time.monotonic() + 5)
            assert first.startswith(b"HTTP/1.1 200 ") and first.endswith(b'"audit":"ok"}'), first[:300]
            time.sleep(0.5)


def test_above_the_connection_cap_a_request_gets_503(server):
    base, _ = server
    host = base.removeprefix("http://")
    idle = [_connect(base) for _ in range(4)]  # --max-connections 4: these fill it
    try:
        time.sleep(0.3)
        with contextlib.closing(_connect(base)) as sock:
            sock.sendall(f"GET /api/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            answer = _answer(sock, time.monotonic() + 5)
        assert answer.startswith(b"HTTP/1.1 503 "), answer[:200]
    finally:
        for sock in idle:
            sock.close()
    deadline = time.monotonic() + 10
    while True:  # once they are gone, requests are served again
        with contextlib.closing(_connect(base)) as sock:
            sock.sendall(f"GET /api/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            answer = _answer(sock, time.monotonic() + 5)
        if answer.startswith(b"HTTP/1.1 200 ") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]


def test_serve_refuses_nonsense_connection_limits(tmp_path):
    from reportgen.errors import ConfigError
    from reportgen.web.server import serve

    ws = make_workspace(tmp_path / "ws")
    for option, kwargs in (("--body-min-rate", {"body_min_rate_kb": 0}), ("--keep-alive", {"keep_alive": -1}),
                           ("--max-connections", {"max_connections": 0}), ("--backlog", {"backlog": 0})):
        with pytest.raises(ConfigError, match=option):
            serve(ws, port=0, announce=lambda _: None, **kwargs)


def test_the_middleware_charges_the_client_only_for_waiting_and_drops_the_apps_late_answer():
    """In-process: time the application spends before reading is not the client's; a body that does
    not come gets 408, and what the application sends after that (its own error) is dropped."""
    import asyncio

    from reportgen.web.slowbody import MinimumRate

    async def reader(scope, receive, send):
        await asyncio.sleep(0.3)  # busy for longer than the grace period before it reads
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                await send({"type": "http.response.start", "status": 500, "headers": []})
                await send({"type": "http.response.body", "body": b"client gone"})
                raise RuntimeError("client gone")
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    def run(receive) -> list[dict]:
        sent: list[dict] = []

        async def send(message):
            sent.append(message)

        async def main():
            await asyncio.wait_for(MinimumRate(reader, min_rate=1, grace=0.1)({"type": "http"}, receive, send), 5)

        asyncio.run(main())
        return sent

    queue = [{"type": "http.request", "body": b"x" * 100, "more_body": True},
             {"type": "http.request", "body": b"y", "more_body": False}]

    async def ready():  # the whole body is already there
        return queue.pop(0)

    sent = run(ready)
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"x" * 100 + b"y"

    async def never():
        await asyncio.sleep(3600)

    start = time.monotonic()
    sent = run(never)
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [408]
    assert "for langsomt" in sent[1]["body"].decode()
    assert time.monotonic() - start < 2
