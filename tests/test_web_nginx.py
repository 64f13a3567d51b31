"""The workbench behind a real nginx (Debian's package) with a self-signed certificate, on loopback,
under the prefix /barometer/ that nginx strips (docs/security.md, workbench promise 17; the site
configuration follows docs/deploy.md). nginx talks to the workbench from 127.0.0.2, the browser
talks to nginx from 127.0.0.3, so whose X-Forwarded-For is believed can be seen in the audit."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2
from web_helpers import make_workspace, stop

from reportgen.web import security as sec

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace") if log.exists() else "nginx stopped"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise AssertionError(f"nginx did not listen on {port}")


@contextlib.contextmanager
def _stopping(proc: subprocess.Popen):
    try:
        yield proc
    finally:
        stop(proc)
        if proc.stderr is not None:
            proc.stderr.close()


@contextlib.contextmanager
def workbench(ws: Path, *args: str):
    """`reportgen serve` with the given options; yields (its own port, the banner lines)."""
    proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "serve", str(ws), "--port", "0", *args],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with _stopping(proc):
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (lines and lines[-1].startswith("Stop med Ctrl-C.")):
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
        found = re.search(r"kører på http://127\.0\.0\.1:(\d+)/", "".join(lines))
        assert found, "".join(lines)
        drain = threading.Thread(target=proc.stderr.read, daemon=True)  # keep the log pipe from filling up
        drain.start()
        yield int(found.group(1)), lines
        stop(proc)
        drain.join(timeout=10)


SITE = Path(__file__).resolve().parents[1] / "deploy" / "nginx-barometer.conf"


def nginx_site(tmp: Path, *, listen: int, upstream: int) -> Path:
    """deploy/nginx-barometer.conf (the site docs/deploy.md gives IT) on loopback: its own ports and
    certificate, nginx connecting from 127.0.0.2, and everything nginx writes inside ``tmp``."""
    site = SITE.read_text(encoding="utf-8")
    for old, new in (("listen 443 ssl;", f"listen 127.0.0.1:{listen} ssl;"),
                     ("/etc/ssl/certs/intra.example.dk.pem", f"{tmp}/cert.pem"),
                     ("/etc/ssl/private/intra.example.dk.key", f"{tmp}/key.pem"),
                     ("proxy_pass http://127.0.0.1:8000/;",
                      f"proxy_pass http://127.0.0.1:{upstream}/; proxy_bind 127.0.0.2;")):
        assert site.count(old) == 1, old
        site = site.replace(old, new)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / sub).mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{site}
}}
""", encoding="utf-8")
    return conf


def _certificate(tmp: Path) -> Path:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=intra.example.dk", "-addext", "subjectAltName=DNS:intra.example.dk,IP:127.0.0.1",
                    "-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    return tmp / "cert.pem"


def test_login_and_build_through_nginx_with_https_under_a_prefix(tmp_path):
    assert Path(NGINX).exists(), "Debian's nginx package is needed (./run test installs it)"
    ws = make_workspace(tmp_path / "ws")
    conf_dir = tmp_path / "nginx"
    conf_dir.mkdir()
    cert = _certificate(conf_dir)
    listen = _free_port()
    base = f"https://intra.example.dk:{listen}/barometer/"
    with workbench(ws, "--base-url", base, "--trusted-proxy", "127.0.0.2") as (upstream, banner):
        token = re.search(r"Log ind: (\S+)\?token=(\S+)", "".join(banner))
        assert token and token.group(1) == base, "".join(banner)  # the printed URL is the public one
        nginx_site(conf_dir, listen=listen, upstream=upstream)
        proc = subprocess.Popen([NGINX, "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf"),
                                 "-e", str(conf_dir / "error.log")],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with _stopping(proc):
            _wait_for_port(listen, proc, conf_dir / "error.log")
            # The browser resolves intra.example.dk to nginx on loopback and checks its certificate.
            transport = httpx2.HTTPTransport(verify=ssl.create_default_context(cafile=str(cert)),
                                            local_address="127.0.0.3")
            with httpx2.Client(transport=transport, timeout=60) as browser:
                _drive(browser, base, listen, token.group(2), ws, upstream)


def _drive(browser, base: str, listen: int, token: str, ws: Path, upstream: int) -> None:
    def get(path: str, **kw):
        return browser.get(_url(path), **kw)

    def _url(path: str) -> str:
        return f"https://127.0.0.1:{listen}{path}"

    host = {"Host": f"intra.example.dk:{listen}", "X-Forwarded-For": "198.51.100.66"}  # a spoof nginx replaces
    login = get(f"/barometer/?token={token}", headers=host, follow_redirects=False)
    assert login.status_code == 303 and login.headers["location"] == "/barometer/"
    cookie = next(c for c in login.headers.get_list("set-cookie") if c.startswith(sec.SESSION_COOKIE))
    assert "Path=/barometer/;" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    assert login.headers["strict-transport-security"].startswith("max-age=")
    session = host  # the cookie comes from the browser's jar: Secure, for /barometer/ only
    page = get("/barometer/b/testrup", headers=session)
    assert page.status_code == 200 and "logget ind som" in page.text
    urls = re.findall(r'(?:href|src|action)="([^"#]+)"', page.text)
    assert urls and all(u.startswith("/barometer/") or u.startswith("data:") for u in urls), urls
    assert get("/barometer/static/web.css", headers=session).status_code == 200
    started = browser.post(_url("/barometer/b/testrup/builds"), headers=session,
                           data={"csrf": _CSRF.search(page.text).group(1)}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"].startswith("/barometer/builds/")
    build = started.headers["location"]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        shown = get(build, headers=session)
        if 'http-equiv="refresh"' not in shown.text:
            break
        time.sleep(1)
    assert f'href="{build}/files/pack.zip"' in shown.text, shown.text[-2000:]
    pack = get(f"{build}/files/pack.zip", headers=session)
    assert pack.status_code == 200 and pack.content[:2] == b"PK"
    # The client nginx saw (127.0.0.3) is in the audit, not the spoofed header; straight to the
    # workbench, bypassing the proxy, X-Forwarded-For is not believed at all.
    direct = httpx2.get(f"http://127.0.0.1:{upstream}/api/barometers",
                        headers={"Authorization": "Bearer forkert", "X-Forwarded-For": "198.51.100.77"}, timeout=30)
    assert direct.status_code == 401
    db = sqlite3.connect(ws / ".workbench" / "audit.sqlite")
    try:
        rows = db.execute("SELECT action, detail FROM events WHERE action LIKE 'login%' ORDER BY id").fetchall()
    finally:
        db.close()
    assert rows == [("login", "token fra 127.0.0.3"), ("login-failed", "bearer fra 127.0.0.1")], rows
