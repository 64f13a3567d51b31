"""Every security rule of the workbench in one place (docs/security.md, "The workbench").

- Who: a login token printed at start (``secrets.token_urlsafe(32)``), accepted once in the
  printed URL or the login form (it then sets a session cookie whose value is a different random
  string) or on every request as ``Authorization: Bearer``; and, with ``--users``, named users
  from users.toml with scrypt password hashes and a role (reader or editor).
- Where from: the Host header must be a loopback name or the configured host (DNS rebinding).
- Forgery: every cookie-authenticated state-changing request carries the session's CSRF token
  (form field ``csrf`` or header ``X-CSRF-Token``); bearer requests skip it, decided per request.
- Size: a request body above the cap gets 413 while it streams, before it is read into memory.
- Headers: a CSP without any script, no framing, no sniffing, no referrer.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from .proxy import ProxySettings
from .sessions import SessionStore
from .throttle import Throttle

ROLES = ("reader", "editor")
SESSION_COOKIE = "wb_session"
LOGIN_COOKIE = "wb_login"  # double-submit token for the login form (there is no session yet)
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SESSION_SECONDS = 12 * 3600  # the cookie's Max-Age; the server-side limits are in sessions.py
DEFAULT_MAX_UPLOAD_MB = 25
USER_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
FORMS_KEY = "reportgen.forms"  # parsed forms of a request, closed (temp files removed) when it ends

# No script-src: 'none' from default-src, so no script runs at all, inline or not.
CSP = ("default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; frame-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
)

# scrypt cost: 16 MiB of memory per guess (n * r * 128 bytes).
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


# --------------------------------------------------------------------------------------------------
# Users and passwords

@dataclass(frozen=True)
class User:
    """Who is making a request: a users.toml name, or "token" for the printed login token."""

    name: str
    role: str

    @property
    def can_edit(self) -> bool:
        return self.role == "editor"


TOKEN_USER = User("token", "editor")


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64) of ``password`` with a fresh 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P,
                            dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """True if ``password`` matches a hash made by hash_password (constant-time comparison)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt, validate=True), n=int(n),
                             r=int(r), p=int(p), dklen=len(expected), maxmem=256 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


@dataclass(frozen=True)
class UserRecord:
    name: str
    role: str
    password_hash: str


def load_users(path: Path) -> dict[str, UserRecord]:
    """users.toml: ``[users.NAME]`` tables with ``role`` and ``password`` (a hash); ConfigError if wrong."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: filen findes ikke (opret den med reportgen user add)") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: {err}") from None
    users: dict[str, UserRecord] = {}
    table = data.get("users", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: users skal være en tabel ([users.NAVN])")
    for name, entry in table.items():
        if not USER_NAME.match(name) or not isinstance(entry, dict):
            raise ConfigError(f"{path}: users.{name}: ugyldigt brugernavn eller ikke en tabel")
        role, password = entry.get("role"), entry.get("password")
        if role not in ROLES:
            raise ConfigError(f"{path}: users.{name}.role: skal være reader eller editor")
        if not isinstance(password, str) or not password.startswith("scrypt$"):
            raise ConfigError(f"{path}: users.{name}.password: skal være en scrypt-hash fra reportgen user add")
        users[name] = UserRecord(name, role, password)
    return users


def add_user(path: Path, name: str, password: str, role: str) -> None:
    """Add or replace user ``name`` in users.toml (created if missing), storing only a password hash."""
    from ..outputs.writer import atomic_write

    if not USER_NAME.match(name):
        raise ConfigError(f'brugernavnet "{name}" må kun have bogstaverne a-z, tal, punktum, - og _')
    if role not in ROLES:
        raise ConfigError(f'rollen "{role}" findes ikke (reader eller editor)')
    if len(password) < 8:
        raise ConfigError("adgangskoden skal have mindst 8 tegn")
    path = Path(path)
    users = load_users(path) if path.exists() else {}
    users[name] = UserRecord(name, role, hash_password(password))
    lines = ["# Workbench users (reportgen serve --users). Passwords are scrypt hashes; edit with reportgen user add."]
    for user in sorted(users.values(), key=lambda u: u.name):
        lines += ["", f"[users.{user.name}]", f'role = "{user.role}"', f'password = "{user.password_hash}"']
    atomic_write(path, ("\n".join(lines) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------------------------------
# Hosts

def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(bind_host: str) -> frozenset[str]:
    """Host header names accepted: the loopback names, plus the configured host if it is another. A
    wildcard address (0.0.0.0, ::) stands for this machine's own name, full name and addresses."""
    import socket

    names = set(LOOPBACK_NAMES)
    host = bind_host.lower().strip("[]")
    if host in ("0.0.0.0", "::"):
        own = {socket.gethostname(), socket.getfqdn()}
        for name in list(own):
            try:
                own.update(info[4][0] for info in socket.getaddrinfo(name, None))
            except OSError:
                continue
        names.update(n.lower() for n in own)
    else:
        names.add(host)
    return frozenset(names)


def host_name(header: str) -> str:
    """The name part of a Host header: ``127.0.0.1:8000`` -> ``127.0.0.1``, ``[::1]:80`` -> ``::1``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


# --------------------------------------------------------------------------------------------------
# Sessions

@dataclass
class Session:
    user: User
    csrf: str
    via: str = "token"


@dataclass
class Security:
    """The running server's secrets and users. ``token`` is never written to disk or served.

    Sessions live in ``store`` (server-side, SQLite in the workspace once the app is created, see
    sessions.py); ``users_file`` is re-read when it changes, so a user removed from it is logged out
    at once; ``throttle`` counts failed logins per address and per user name."""

    token: str
    users: Mapping[str, UserRecord] = field(default_factory=dict)
    hosts: frozenset[str] = LOOPBACK_NAMES
    max_upload: int = DEFAULT_MAX_UPLOAD_MB * 1024 * 1024
    users_file: Path | None = None
    throttle: Throttle = field(default_factory=Throttle)
    store: SessionStore = field(default_factory=lambda: SessionStore(None))
    proxy: ProxySettings = field(default_factory=ProxySettings)
    _users_stamp: tuple[int, int] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, *, host: str = "127.0.0.1", users: Mapping[str, UserRecord] | None = None,
               max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB, token: str | None = None,
               users_file: Path | None = None, proxy: ProxySettings | None = None) -> Security:
        proxy = proxy or ProxySettings()
        hosts = allowed_hosts(host)
        if proxy.public_host:
            hosts = hosts | {proxy.public_host}
        security = cls(token=token or secrets.token_urlsafe(32), users=dict(users or {}), hosts=hosts,
                       max_upload=int(max_upload_mb * 1024 * 1024), users_file=users_file, proxy=proxy)
        if users_file is not None:
            security._users_stamp = _stamp(users_file)
        return security

    def token_ok(self, given: str | None) -> bool:
        return same_secret(given, self.token)

    def current_users(self) -> Mapping[str, UserRecord]:
        """users.toml as it is now: re-read when the file changed (a broken edit keeps the last good one)."""
        if self.users_file is None:
            return self.users
        stamp = _stamp(self.users_file)
        if stamp != self._users_stamp:
            with self._lock:
                try:
                    self.users = load_users(self.users_file) if stamp is not None else {}
                except ConfigError:
                    return self.users
                self._users_stamp = stamp
        return self.users

    def password_user(self, name: str, password: str) -> User | None:
        record = self.current_users().get(name)
        if record is None:
            verify_password(password, hash_password("x" * 8))  # same work whether or not the name exists
            return None
        return User(record.name, record.role) if verify_password(password, record.password_hash) else None

    def named_user(self, name: str) -> User | None:
        """A users.toml user by name alone (a trusted proxy's header), with the role it has now."""
        record = self.current_users().get(name)
        return User(record.name, record.role) if record else None

    def new_session(self, user: User, via: str = "password") -> str:
        """A session id for the cookie: random, unrelated to the login token; stored only as a hash."""
        via = "token" if user is TOKEN_USER else via
        sid, _ = self.store.create(user=user.name, role=user.role, via=via)
        return sid

    def session(self, sid: str | None) -> Session | None:
        stored = self.store.get(sid)
        if stored is None:
            return None
        if stored.via == "token":
            return Session(TOKEN_USER, stored.csrf, "token")
        if stored.via == "oidc" and stored.role in ROLES:  # role from the provider's groups claim at login
            return Session(User(stored.user, stored.role), stored.csrf, "oidc")
        now = self.named_user(stored.user)  # password, oidc-users: users.toml decides, as it is now
        if now is None:  # removed from users.toml: the session ends at once
            self.store.end(sid)
            return None
        return Session(now, stored.csrf, stored.via)

    def end_session(self, sid: str | None) -> None:
        self.store.end(sid)

    def header_csrf(self, user: str) -> str:
        """The CSRF token of a user authenticated by the trusted proxy's header (no session cookie)."""
        key = self.store.secret("header-csrf").encode()
        return hmac.new(key, user.encode("utf-8"), hashlib.sha256).hexdigest()


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        return None
    return st.st_mtime_ns, st.st_size


@dataclass(frozen=True)
class Auth:
    """An authenticated request: who, and how (``bearer`` skips CSRF; ``cookie`` and ``header`` need it)."""

    user: User
    via: str
    session: Session | None = None
    header_csrf: str = ""

    @property
    def csrf(self) -> str:
        return self.session.csrf if self.session else self.header_csrf


def bearer_given(headers: Mapping[str, str]) -> str | None:
    header = headers.get("authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else None


def authenticate(security: Security, headers: Mapping[str, str], cookies: Mapping[str, str],
                 peer: str | None = None) -> Auth | None:
    """Bearer token first (scripts), then a trusted proxy's user header (only from ``peer`` addresses
    given by --trusted-proxy), then the session cookie (the pages)."""
    given = bearer_given(headers)
    if given is not None:
        return Auth(TOKEN_USER, "bearer") if security.token_ok(given) else None
    proxy = security.proxy
    if proxy.auth_header and peer is not None and proxy.trusts(peer):
        name = headers.get(proxy.auth_header, "").strip()
        if name:
            user = security.named_user(name)
            return Auth(user, "header", header_csrf=security.header_csrf(user.name)) if user else None
    s = security.session(cookies.get(SESSION_COOKIE))
    return Auth(s.user, "cookie", s) if s else None


def same_secret(given: str | None, expected: str) -> bool:
    """A secret from a request equals the expected one (constant time; empty never matches)."""
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def csrf_ok(auth: Auth, given: str | None) -> bool:
    """Bearer requests need no CSRF token (a browser cannot send the header cross-site); cookie ones do."""
    if auth.via == "bearer":
        return True
    return same_secret(given, auth.csrf)


def cookie_header(name: str, value: str, *, max_age: int) -> str:
    """Path and Secure follow --base-url: proxy.PublicUrls rewrites them on the way out."""
    return f"{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}"


# --------------------------------------------------------------------------------------------------
# The ASGI guard: Host check, body cap, security headers

class BodyTooLarge(Exception):
    """The request body went past the cap while streaming."""


class Guard:
    """ASGI middleware run before anything else: refuses foreign Host headers (403) and bodies above
    the cap (413, counted as they stream), and adds the security headers to every response."""

    def __init__(self, app, security: Security):
        self.app, self.security = app, security

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if host_name(headers.get("host", "")) not in self.security.hosts:
            return await _plain(send, 403, "Ukendt værtsnavn i Host-headeren.", scope)
        cap = self.security.max_upload
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > cap):
            return await _plain(send, 413, _too_large(cap), scope)
        started = False
        seen = 0

        async def counted_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise BodyTooLarge
            return message

        async def secured_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, counted_receive, secured_send)
        except BodyTooLarge:
            if not started:
                await _plain(send, 413, _too_large(cap), scope)
        finally:
            for form in scope.get(FORMS_KEY, ()):
                await form.close()


def _too_large(cap: int) -> str:
    return f"Filen er for stor: grænsen er {cap // (1024 * 1024)} MB. Intet er gemt."


async def _plain(send, status: int, text: str, scope=None) -> None:
    """The guard's own answer: plain text, or ``{"error": …}`` on the API's paths (as documented)."""
    api = scope is not None and str(scope.get("path", "")).startswith("/api/")
    body = json.dumps({"error": text}, ensure_ascii=False).encode("utf-8") if api else text.encode("utf-8")
    kind = b"application/json" if api else b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind),
                            (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})
