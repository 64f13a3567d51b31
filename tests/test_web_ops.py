"""Issue 28, what IT asks of a server: throttled logins, server-side sessions that survive a restart,
the public address behind a reverse proxy, a trusted proxy's user header, the JSON access log and
the health check (docs/security.md, workbench promises 15-19; docs/deploy.md)."""
from __future__ import annotations

import io
import json
import re
import sqlite3

import httpx2
import pytest
from web_helpers import BEARER, TOKEN, make_client, make_workspace, running_server

from reportgen.errors import ConfigError
from reportgen.web import security as sec
from reportgen.web.accesslog import JsonAccessLog
from reportgen.web.app import create_app
from reportgen.web.proxy import ProxySettings
from reportgen.web.throttle import Throttle

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def ws(tmp_path):
    return make_workspace(tmp_path / "ws")


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def _password_login(client, user: str, password: str, **kwargs):
    nonce = _CSRF.search(client.get("/login").text).group(1)
    return client.post("/login", data={"csrf": nonce, "user": user, "password": password},
                       follow_redirects=False, **kwargs)


def _audit(ws, action: str) -> list[sqlite3.Row]:
    db = sqlite3.connect(ws / ".workbench" / "audit.sqlite")
    try:
        return db.execute("SELECT who, detail FROM events WHERE action = ? ORDER BY id", (action,)).fetchall()
    finally:
        db.close()


# -- 15. throttled logins ---------------------------------------------------------------------------------

def test_wrong_passwords_are_throttled_with_backoff_audited_and_a_right_one_works_after_the_wait(ws):
    users = {"anna": sec.UserRecord("anna", "editor", sec.hash_password("rigtig-kode"))}
    client = make_client(ws, users=users)
    clock = Clock()
    client.app.state.web.security.throttle = Throttle(clock=clock)
    for _ in range(6):  # five are free; the sixth sets a wait of 2 s
        assert _password_login(client, "anna", "forkert").status_code == 403
    held = _password_login(client, "anna", "rigtig-kode")  # even the right password must wait
    assert held.status_code == 429 and held.headers["retry-after"] == "2"
    assert "Vent 2 sekunder" in held.text and 'name="password"' in held.text
    clock.now += 2
    assert _password_login(client, "anna", "rigtig-kode").status_code == 303
    assert "logget ind som anna" in client.get("/").text
    # The address keeps its record of guesses; the next failure waits twice as long.
    client.cookies.clear()
    assert _password_login(client, "bo", "forkert").status_code == 403
    again = _password_login(client, "bo", "forkert")
    assert again.status_code == 429 and again.headers["retry-after"] == "4"
    # One user name guessed from many addresses is throttled too, from an address that never failed.
    from starlette.testclient import TestClient

    for n in range(6):
        elsewhere = TestClient(client.app, base_url="http://127.0.0.1", client=(f"10.0.0.{n}", 5000))
        assert _password_login(elsewhere, "cecilie", "forkert").status_code == 403
    fresh = TestClient(client.app, base_url="http://127.0.0.1", client=("10.0.0.99", 5000))
    assert _password_login(fresh, "cecilie", "forkert").status_code == 429
    assert _password_login(fresh, "anna", "rigtig-kode").status_code == 303  # the address itself is fine
    failed, throttled = _audit(ws, "login-failed"), _audit(ws, "login-throttled")
    assert [who for who, _ in failed].count("anna") == 6 and "password fra 10.0.0.3" in failed[-3][1]
    assert throttled and throttled[0][0] == "anna" and "vent 2 s" in throttled[0][1]
    assert _audit(ws, "login") == [("anna", "password fra testclient"), ("anna", "password fra 10.0.0.99")]


def test_wrong_bearer_tokens_and_login_urls_are_throttled_too(ws):
    client = make_client(ws)
    clock = Clock()
    client.app.state.web.security.throttle = Throttle(clock=clock)
    wrong = {"Authorization": "Bearer gaet-" + "y" * 30}
    for _ in range(3):
        assert client.get("/api/barometers", headers=wrong).status_code == 401
    for _ in range(3):
        assert client.get("/?token=gaet", follow_redirects=False).status_code == 403
    held = client.get("/api/barometers", headers=BEARER)
    assert held.status_code == 429 and held.headers["retry-after"] == "2" and "For mange" in held.json()["error"]
    assert client.get(f"/?token={TOKEN}", follow_redirects=False).status_code == 429
    clock.now += 2.5
    assert client.get("/api/barometers", headers=BEARER).status_code == 200
    assert [d.split(" ")[0] for _, d in _audit(ws, "login-failed")] == ["bearer"] * 3 + ["token"] * 3


def test_throttle_counts_per_address_and_per_user_name_and_doubles():
    clock = Clock()
    throttle = Throttle(free=2, first_wait=1, longest_wait=60, clock=clock)
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):  # one user name guessed from many addresses
        throttle.failed([f"addr:{address}", "user:anna"])
    assert throttle.retry_after(["addr:10.0.0.9", "user:anna"]) == 1
    assert throttle.retry_after(["addr:10.0.0.9", "user:bo"]) == 0
    waits = []
    for _ in range(8):
        throttle.failed(["addr:10.9.9.9"])
        waits.append(throttle.retry_after(["addr:10.9.9.9"]))
    assert waits == [0, 0, 1, 2, 4, 8, 16, 32]
    throttle.failed(["addr:10.9.9.9"])
    assert throttle.retry_after(["addr:10.9.9.9"]) == 60  # capped


# -- 16. server-side sessions ------------------------------------------------------------------------------

def test_logout_and_a_user_removed_from_users_toml_end_the_session_at_once(ws, tmp_path):
    users_file = tmp_path / "users.toml"
    sec.add_user(users_file, "anna", "rigtig-kode", "editor")
    sec.add_user(users_file, "bo", "laeser-kode", "reader")
    security = sec.Security.create(token=TOKEN, users=sec.load_users(users_file), users_file=users_file)
    from starlette.testclient import TestClient

    app = create_app(ws, security)
    anna, bo = TestClient(app, base_url="http://127.0.0.1"), TestClient(app, base_url="http://127.0.0.1")
    assert _password_login(anna, "anna", "rigtig-kode").status_code == 303
    assert _password_login(bo, "bo", "laeser-kode").status_code == 303
    stolen = dict(anna.cookies)
    csrf = _CSRF.search(anna.get("/").text).group(1)
    assert anna.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    replay = TestClient(app, base_url="http://127.0.0.1", cookies=stolen)
    assert replay.get("/b/testrup", follow_redirects=False).headers["location"] == "/login"
    assert bo.get("/b/testrup").status_code == 200
    text = users_file.read_text(encoding="utf-8")
    users_file.write_text(text[:text.index("[users.bo]")], encoding="utf-8")  # bo is removed
    assert bo.get("/b/testrup", follow_redirects=False).headers["location"] == "/login"
    assert security.store.count() == 0


def test_sessions_end_after_the_idle_and_the_absolute_limit(ws):
    from reportgen.web.sessions import SessionStore

    clock = Clock()
    store = SessionStore(ws / "s.sqlite", idle=60, absolute=300, clock=clock)
    sid, _ = store.create(user="anna", role="editor", via="password")
    for _ in range(7):
        clock.now += 40  # active: each request restarts the idle clock
        assert store.get(sid) is not None
    clock.now += 40  # 320 s after login: past the absolute limit
    assert store.get(sid) is None
    sid, _ = store.create(user="anna", role="editor", via="password")
    clock.now += 61
    assert store.get(sid) is None
    assert sid not in (ws / "s.sqlite").read_bytes().decode("latin-1")


def test_a_restart_keeps_sessions_and_nothing_a_logout_ended(ws, tmp_path):
    users_file = tmp_path / "users.toml"
    sec.add_user(users_file, "anna", "rigtig-kode", "editor")
    cookies = {}
    with running_server(ws, "--users", str(users_file)) as (base, _token):
        for name in ("kept", "ended"):
            with httpx2.Client(base_url=base, timeout=30) as browser:
                assert _password_login(browser, "anna", "rigtig-kode").status_code == 303
                cookies[name] = browser.cookies[sec.SESSION_COOKIE]
                if name == "ended":
                    csrf = _CSRF.search(browser.get("/").text).group(1)
                    assert browser.post("/logout", data={"csrf": csrf}).status_code == 303
    stored = (ws / ".workbench" / "sessions.sqlite").read_bytes().decode("latin-1")
    assert cookies["kept"] not in stored and cookies["ended"] not in stored
    with running_server(ws, "--users", str(users_file)) as (base, _token):
        kept = httpx2.get(f"{base}/b/testrup", cookies={sec.SESSION_COOKIE: cookies["kept"]}, timeout=30)
        assert kept.status_code == 200 and "logget ind som anna" in kept.text
        ended = httpx2.get(f"{base}/b/testrup", cookies={sec.SESSION_COOKIE: cookies["ended"]}, timeout=30)
        assert ended.status_code == 303 and ended.headers["location"] == "/login"


# -- 17. behind a reverse proxy (in-process; the real nginx is in test_web_nginx.py) --------------------------

def test_base_url_prefixes_links_redirects_and_cookies_and_https_adds_secure_and_hsts(ws):
    proxy = ProxySettings.parse("https://intra.example.dk/barometer/")
    security = sec.Security.create(token=TOKEN, proxy=proxy)
    from starlette.testclient import TestClient

    client = TestClient(create_app(ws, security), base_url="http://intra.example.dk")
    login = client.get(f"/?token={TOKEN}", follow_redirects=False)
    assert login.headers["location"] == "/barometer/"
    cookie = login.headers["set-cookie"]
    assert "Path=/barometer/;" in cookie and cookie.endswith("; Secure")
    assert login.headers["strict-transport-security"] == "max-age=31536000"
    client.cookies.set(sec.SESSION_COOKIE, client.cookies[sec.SESSION_COOKIE])
    page = client.get("/b/testrup")
    urls = re.findall(r'(?:href|src|action)="([^"#]+)"', page.text)
    assert urls and all(u.startswith("/barometer/") or u.startswith("data:") for u in urls), urls
    assert int(page.headers["content-length"]) == len(page.content)
    assert ProxySettings.parse("http://x.example/").prefix == "" and not ProxySettings.parse("http://x/").secure
    with pytest.raises(ConfigError, match="--base-url"):
        ProxySettings.parse("intra.example.dk/barometer")


def test_forwarded_for_is_believed_only_from_trusted_proxies():
    proxy = ProxySettings.parse(None, "127.0.0.1,10.1.0.0/16")
    assert proxy.client("127.0.0.1", "203.0.113.9") == "203.0.113.9"
    assert proxy.client("127.0.0.1", "6.6.6.6, 203.0.113.9, 10.1.2.3") == "203.0.113.9"  # spoofed head skipped
    assert proxy.client("192.0.2.1", "203.0.113.9") == "192.0.2.1"  # not a trusted proxy
    assert ProxySettings.parse().client("127.0.0.1", "203.0.113.9") == "127.0.0.1"
    with pytest.raises(ConfigError, match="trusted-proxy"):
        ProxySettings.parse(None, "proxy.example")


# -- 18. a trusted proxy's user header ------------------------------------------------------------------------

def test_auth_header_is_believed_only_from_trusted_proxies_and_only_for_known_users(ws, tmp_path):
    from starlette.testclient import TestClient

    users_file = tmp_path / "users.toml"
    sec.add_user(users_file, "anna", "rigtig-kode", "editor")
    sec.add_user(users_file, "bo", "laeser-kode", "reader")
    proxy = ProxySettings.parse(None, "10.0.0.5", "X-Remote-User")
    security = sec.Security.create(token=TOKEN, users=sec.load_users(users_file), users_file=users_file, proxy=proxy)
    app = create_app(ws, security)
    via_proxy = TestClient(app, base_url="http://127.0.0.1", client=("10.0.0.5", 4000))
    elsewhere = TestClient(app, base_url="http://127.0.0.1", client=("10.0.0.6", 4000))
    anna = {"X-Remote-User": "anna"}
    page = via_proxy.get("/b/testrup/data", headers=anna)
    assert page.status_code == 200 and "logget ind som anna" in page.text
    assert elsewhere.get("/b/testrup/data", headers=anna, follow_redirects=False).status_code == 303
    assert via_proxy.get("/api/barometers", headers={"X-Remote-User": "mallory"}).status_code == 401
    # A change still needs the CSRF token from the page; a reader still cannot change anything.
    csrf = _CSRF.search(page.text).group(1)
    form = {"update": "2009-06", "target": "A", "signal": "red", "reason": "test"}
    assert via_proxy.post("/b/testrup/override", headers=anna, data=form).status_code == 403
    done = via_proxy.post("/b/testrup/override", headers=anna, data={**form, "csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert "test" in (ws / "testrup" / "overrides.csv").read_text(encoding="utf-8")
    assert via_proxy.post("/b/testrup/override", headers={"X-Remote-User": "bo"},
                          data={**form, "csrf": security.header_csrf("bo")}).status_code == 403
    with pytest.raises(ConfigError, match="--trusted-proxy"):
        ProxySettings.parse(None, None, "X-Remote-User")


# -- 19. health and the JSON access log -----------------------------------------------------------------------

def test_health_tells_readiness_and_the_json_access_log_hides_the_token(ws):
    client = make_client(ws)
    health = client.get("/api/health")
    assert health.status_code == 200 and health.json()["workspace"] == "ok" and health.json()["audit"] == "ok"
    (ws / ".workbench" / "audit.sqlite").write_bytes(b"not a database at all" * 100)
    broken = client.get("/api/health")
    assert broken.status_code == 503 and broken.json()["audit"] != "ok"

    from starlette.testclient import TestClient

    stream = io.StringIO()
    app = create_app(make_workspace(ws.parent / "ws2"), sec.Security.create(token=TOKEN))
    logged = TestClient(JsonAccessLog(app, ProxySettings.parse(), stream), base_url="http://127.0.0.1")
    logged.get(f"/?token={TOKEN}&x=1", follow_redirects=False)
    line = json.loads(stream.getvalue().splitlines()[0])
    assert line["path"] == "/?token=[skjult]&x=1" and line["status"] == 303 and line["method"] == "GET"
    assert TOKEN not in stream.getvalue() and line["client"] == "testclient" and line["ms"] >= 0


def test_the_real_server_writes_its_access_log_as_json_lines(ws):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "serve", str(ws), "--port", "0", "--access-log",
                             "json"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    try:
        banner = []
        while not (banner and banner[-1].startswith("Stop med Ctrl-C.")):
            line = proc.stderr.readline()
            assert line, "".join(banner)
            banner.append(line)
        base, token = re.search(r"Log ind: (http://127\.0\.0\.1:\d+)/\?token=(\S+)", "".join(banner)).groups()
        assert httpx2.get(f"{base}/api/health", timeout=30).status_code == 200
        assert httpx2.get(f"{base}/?token={token}", timeout=30, follow_redirects=False).status_code == 303
    finally:
        proc.terminate()
        _, rest = proc.communicate(timeout=30)
    lines = [json.loads(line) for line in rest.splitlines() if line.startswith("{")]
    assert {(x["method"], x["path"], x["status"]) for x in lines} >= {("GET", "/api/health", 200),
                                                                        ("GET", "/?token=[skjult]", 303)}
    assert all(x["client"] == "127.0.0.1" for x in lines) and token not in rest
