"""Single sign-on by OpenID Connect against a real provider (npm oidc-provider, tests/oidc_provider.mjs)
on loopback, started by the test, with the real workbench server (docs/security.md, promise 21)."""
from __future__ import annotations

import contextlib
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import httpx2
import pytest
from web_helpers import make_workspace, running_server, stop

from reportgen.errors import ConfigError
from reportgen.web import security as sec
from reportgen.web.oidc import SECRET_ENV, OidcSettings

ROOT = Path(__file__).resolve().parents[1]
CLIENT_ID, SECRET = "barometer", "klient-hemmelighed-" + "z" * 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Provider:
    def __init__(self, control: Path):
        self.control = control

    def set(self, account: str, groups: list[str] | None = None, tamper: str | None = None) -> None:
        self.control.write_text(json.dumps({"account": account, "groups": groups or [], "tamper": tamper}),
                                encoding="utf-8")


@pytest.fixture
def sso(tmp_path, monkeypatch):
    """(workbench base URL, provider control, workspace) – the workbench started with --oidc-*."""
    node = shutil.which("node")
    assert node and (ROOT / "node_modules" / "oidc-provider").is_dir(), "node and npm ci are needed"
    ws = make_workspace(tmp_path / "ws")
    users = tmp_path / "users.toml"
    sec.add_user(users, "bo", "laeser-kode", "reader")
    control = Provider(tmp_path / "provider.json")
    control.set("anna", ["barometer-redaktion"])
    port, idp_port = _free_port(), _free_port()
    idp = subprocess.Popen([node, str(ROOT / "tests" / "oidc_provider.mjs"), str(idp_port), str(control.control),
                            f"http://127.0.0.1:{port}/auth/callback", CLIENT_ID, SECRET], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready = []
        reader = threading.Thread(target=lambda: ready.append(idp.stdout.readline()), daemon=True)
        reader.start()
        reader.join(60)
        assert ready and ready[0].startswith("ready "), idp.stderr.read() if idp.poll() is not None else "no start"
        issuer = ready[0].split()[1]
        monkeypatch.setenv(SECRET_ENV, SECRET)
        with running_server(ws, "--port", str(port), "--users", str(users), "--oidc-issuer", issuer,
                            "--oidc-client-id", CLIENT_ID, "--oidc-editor-group", "barometer-redaktion",
                            "--oidc-reader-group", "barometer-laesere") as (base, _token):
            yield base, control, ws
    finally:
        stop(idp)
        idp.stdout.close()
        idp.stderr.close()


def _sign_in(base: str) -> tuple[httpx2.Client, httpx2.Response]:
    browser = httpx2.Client(timeout=30, follow_redirects=True)
    return browser, browser.get(f"{base}/auth/login")


def _audit(ws: Path) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(ws / ".workbench" / "audit.sqlite")
    try:
        return db.execute("SELECT who, action, detail FROM events WHERE action LIKE 'login%' ORDER BY id").fetchall()
    finally:
        db.close()


def test_sign_in_with_pkce_state_and_nonce_gives_the_role_of_the_groups_claim(sso):
    base, provider, ws = sso
    login_page = httpx2.get(f"{base}/login", timeout=30)
    assert 'href="/auth/login"' in login_page.text and "kommunale konto" in login_page.text
    first = httpx2.get(f"{base}/auth/login", timeout=30)
    asked = urllib.parse.parse_qs(urllib.parse.urlsplit(first.headers["location"]).query)
    assert asked["code_challenge_method"] == ["S256"] and len(asked["code_challenge"][0]) == 43
    assert asked["state"][0] and asked["nonce"][0] and asked["client_id"] == [CLIENT_ID]
    assert "SameSite=Lax" in first.headers["set-cookie"] and "HttpOnly" in first.headers["set-cookie"]
    browser, done = _sign_in(base)
    with contextlib.closing(browser):
        assert done.status_code == 200 and 'http-equiv="refresh"' in done.text, done.text
        assert str(done.url).startswith(f"{base}/auth/callback?")
        home = browser.get(f"{base}/")
        assert "logget ind som anna" in home.text
        assert browser.get(f"{base}/b/testrup/data").status_code == 200
    provider.set("bo")  # no group: users.toml's role (reader)
    browser, done = _sign_in(base)
    with contextlib.closing(browser):
        assert done.status_code == 200
        assert "logget ind som bo" in browser.get(f"{base}/").text
    assert [(w, a) for w, a, _ in _audit(ws)] == [("anna", "login"), ("bo", "login")]
    assert all(d == "oidc fra 127.0.0.1" for _, _, d in _audit(ws))


def test_an_authenticated_user_without_a_role_gets_a_danish_page_and_no_session(sso):
    base, provider, ws = sso
    provider.set("carl", ["kantinen"])
    browser, done = _sign_in(base)
    with contextlib.closing(browser):
        assert done.status_code == 403 and "ingen rolle i arbejdsbænken" in done.text and "carl" in done.text
        assert sec.SESSION_COOKIE not in browser.cookies
        assert browser.get(f"{base}/b/testrup", follow_redirects=False).status_code == 303
    assert _audit(ws) == [("carl", "login-norole", "oidc fra 127.0.0.1")]


@pytest.mark.parametrize(("tamper", "error"), [("signature", "BadSignatureError"), ("audience", "InvalidClaimError"),
                                               ("expired", "ExpiredTokenError")])
def test_a_spoiled_id_token_is_refused(sso, tamper, error):
    base, provider, ws = sso
    provider.set("anna", ["barometer-redaktion"], tamper=tamper)
    browser, done = _sign_in(base)
    with contextlib.closing(browser):
        assert done.status_code == 403 and "ID-tokenet fra login-udbyderen blev afvist" in done.text, done.text
        assert sec.SESSION_COOKIE not in browser.cookies
        assert browser.get(f"{base}/b/testrup", follow_redirects=False).status_code == 303
    (who, action, detail), = _audit(ws)
    assert action == "login-failed" and detail.startswith("oidc (ID-tokenet") and error in detail, detail


def test_a_replayed_or_foreign_state_is_refused(sso):
    base, provider, _ws = sso
    browser, done = _sign_in(base)
    callback = str(done.url)
    state = urllib.parse.parse_qs(urllib.parse.urlsplit(callback).query)["state"][0]
    with contextlib.closing(browser):
        assert done.status_code == 200 and "logget ind som anna" in browser.get(f"{base}/").text
    # The same callback again, even with the state cookie: the state was used.
    replay = httpx2.get(callback, cookies={"wb_oidc": state}, timeout=30)
    assert replay.status_code == 403 and "brugt eller for gammelt" in replay.text
    assert sec.SESSION_COOKIE not in replay.cookies
    # A callback whose state is not this browser's (login CSRF) is refused before anything is exchanged.
    started = httpx2.get(f"{base}/auth/login", timeout=30)
    theirs = urllib.parse.parse_qs(urllib.parse.urlsplit(started.headers["location"]).query)["state"][0]
    foreign = httpx2.get(f"{base}/auth/callback?code=x&state={theirs}", cookies={"wb_oidc": "mine"}, timeout=30)
    assert foreign.status_code == 403 and "hører ikke til denne browser" in foreign.text


def test_the_whole_sign_in_in_chromium(sso, tmp_path):
    from test_site import _node_modules

    base, _provider, ws = sso
    chromium = Path("/usr/bin/chromium")
    assert chromium.exists(), "the browser tests need Debian's chromium at /usr/bin/chromium"
    _node_modules()
    job = {"chromium": str(chromium), "userDataDir": str(tmp_path / "profile"), "base": base}
    (tmp_path / "job.json").write_text(json.dumps(job), encoding="utf-8")
    run = subprocess.run([shutil.which("node"), str(ROOT / "tests" / "sso_browser.js"), str(tmp_path / "job.json")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout)
    assert out["url"] == f"{base}/" and out["h1"] == "Barometre" and "logget ind som anna" in out["text"]
    assert any(u.startswith("http://localhost:") for u in out["visited"])  # the provider, another site
    assert any(u.startswith(f"{base}/auth/callback?") for u in out["visited"])
    assert out["session"] == [{"sameSite": "Strict", "httpOnly": True}] and out["console"] == []
    assert [a for _, a, _ in _audit(ws)] == ["login"]


def test_the_client_secret_comes_only_from_the_environment():
    settings = OidcSettings.from_options("https://login.example.dk/tenant", "barometer", environ={SECRET_ENV: "s3"})
    assert settings.client_secret == "s3" and settings.issuer == "https://login.example.dk/tenant"
    assert OidcSettings.from_options("https://login.example.dk", "barometer", environ={}).client_secret is None
    assert OidcSettings.from_options(None, None) is None
    with pytest.raises(ConfigError, match="https"):
        OidcSettings.from_options("http://login.example.dk", "barometer")
    with pytest.raises(ConfigError, match="hører sammen"):
        OidcSettings.from_options("https://login.example.dk", None)
    shown = subprocess.run([sys.executable, "-m", "reportgen.cli", "serve", "--help"], capture_output=True, text=True,
                           timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}).stdout
    assert "--oidc-issuer" in shown and "secret" not in shown.replace(SECRET_ENV, "")
