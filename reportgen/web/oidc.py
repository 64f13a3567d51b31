"""Single sign-on by OpenID Connect (docs/security.md, workbench promise 21; docs/deploy.md).

``reportgen serve … --oidc-issuer URL --oidc-client-id ID``; the client secret only from the
environment variable ``REPORTGEN_OIDC_CLIENT_SECRET`` (a public client with PKCE may have none).

The authorization-code flow with PKCE (S256), ``state`` and ``nonce``:

1. ``GET /auth/login``: a fresh state, nonce and code verifier are kept server-side (10 minutes,
   used once); the browser gets the state in a cookie too and is sent to the provider's
   authorization endpoint (from its discovery document).
2. ``GET /auth/callback?code&state``: the state must be pending *and* equal the browser's cookie; it
   is consumed, so a replayed callback is refused. The code is exchanged at the token endpoint (with
   the verifier), and the ID token's signature (keys from the provider's JWKS, fetched again once for
   an unknown key id), issuer, audience, expiry and nonce are checked by joserfc – no hand-written
   crypto here.
3. The user's role: from the groups claim (``--oidc-groups-claim``, with ``--oidc-editor-group`` /
   ``--oidc-reader-group``) or else from users.toml by the user name claim. No role: a Danish page
   saying so, and no session.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..errors import ConfigError

SECRET_ENV = "REPORTGEN_OIDC_CLIENT_SECRET"
STATE_COOKIE = "wb_oidc"
PENDING_SECONDS = 600
LEEWAY = 60  # seconds of clock difference allowed on exp/iat/nbf
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,128}$")


class OidcError(Exception):
    """The login cannot be completed; the message is Danish and shown to the user (403)."""


class NoRole(Exception):
    """Authenticated by the provider, but no role in the workbench."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str | None = None
    scopes: str = "openid profile email"
    user_claim: str = "preferred_username"
    groups_claim: str = "groups"
    editor_group: str | None = None
    reader_group: str | None = None

    @classmethod
    def from_options(cls, issuer: str | None, client_id: str | None, *, user_claim: str = "preferred_username",
                     groups_claim: str = "groups", editor_group: str | None = None,
                     reader_group: str | None = None, environ=os.environ) -> OidcSettings | None:
        if not issuer and not client_id:
            return None
        if not issuer or not client_id:
            raise ConfigError("--oidc-issuer og --oidc-client-id hører sammen: angiv begge")
        parts = urllib.parse.urlsplit(issuer)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ConfigError(f"--oidc-issuer {issuer}: skal være en https-adresse")
        if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ConfigError(f"--oidc-issuer {issuer}: skal være https (http kun på denne maskine)")
        return cls(issuer.rstrip("/"), client_id, environ.get(SECRET_ENV) or None, user_claim=user_claim,
                   groups_claim=groups_claim, editor_group=editor_group, reader_group=reader_group)


@dataclass
class _Pending:
    verifier: str
    nonce: str
    created: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _fetch_json(url: str, data: dict | None = None, auth: tuple[str, str] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Accept": "application/json"})
    if auth is not None:
        pair = f"{urllib.parse.quote(auth[0], safe='')}:{urllib.parse.quote(auth[1], safe='')}"
        request.add_header("Authorization", "Basic " + base64.b64encode(pair.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:  # noqa: S310 - https/loopback checked above
            return json.loads(answer.read(1_000_000))
    except urllib.error.HTTPError as err:
        raise OidcError(f"login-udbyderen svarede {err.code} på {urllib.parse.urlsplit(url).path}") from None
    except (OSError, ValueError) as err:
        raise OidcError(f"login-udbyderen kan ikke nås ({type(err).__name__})") from None


@dataclass
class Oidc:
    """The running server's OpenID Connect client: discovery and keys cached, pending logins in memory."""

    settings: OidcSettings
    clock: object = time.time
    _config: dict | None = None
    _keys: KeySet | None = None
    _pending: dict[str, _Pending] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def config(self) -> dict:
        if self._config is None:
            found = _fetch_json(self.settings.issuer + "/.well-known/openid-configuration")
            if found.get("issuer", "").rstrip("/") != self.settings.issuer:
                raise OidcError("login-udbyderens discovery-dokument nævner en anden udsteder (issuer)")
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(found.get(key), str):
                    raise OidcError(f"login-udbyderens discovery-dokument mangler {key}")
            self._config = found
        return self._config

    def keys(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            self._keys = KeySet.import_key_set(_fetch_json(self.config()["jwks_uri"]))
        return self._keys

    def start(self, redirect_uri: str) -> tuple[str, str]:
        """The provider's authorization URL and the state (for the browser's cookie)."""
        state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
        now = self.clock()
        with self._lock:
            self._pending = {k: p for k, p in self._pending.items() if now - p.created < PENDING_SECONDS}
            if len(self._pending) > 10_000:
                raise OidcError("for mange igangværende logins; prøv igen om lidt")
            self._pending[state] = _Pending(verifier, nonce, now)
        query = {"response_type": "code", "client_id": self.settings.client_id, "redirect_uri": redirect_uri,
                 "scope": self.settings.scopes, "state": state, "nonce": nonce,
                 "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()), "code_challenge_method": "S256"}
        endpoint = self.config()["authorization_endpoint"]
        return endpoint + ("&" if "?" in endpoint else "?") + urllib.parse.urlencode(query), state

    def finish(self, *, code: str, state: str, cookie_state: str | None, redirect_uri: str) -> dict:
        """The validated ID token claims of a callback; OidcError for anything wrong."""
        if not state or not cookie_state or not secrets.compare_digest(state.encode(), cookie_state.encode()):
            raise OidcError("login-svaret hører ikke til denne browser (state)")
        with self._lock:
            pending = self._pending.pop(state, None)  # used once: a replayed callback finds nothing
        if pending is None or self.clock() - pending.created > PENDING_SECONDS:
            raise OidcError("login-svaret er brugt eller for gammelt (state); log ind igen")
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "code_verifier": pending.verifier, "client_id": self.settings.client_id}
        secret = self.settings.client_secret
        tokens = _fetch_json(self.config()["token_endpoint"], form,
                             auth=(self.settings.client_id, secret) if secret else None)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("login-udbyderen sendte ikke et ID-token")
        return self.validate(id_token, nonce=pending.nonce)

    def validate(self, id_token: str, *, nonce: str) -> dict:
        try:
            try:
                token = jwt.decode(id_token, self.keys(), algorithms=list(ALGORITHMS))
            except JoseError as err:
                if type(err).__name__ not in ("InvalidKeyIdError", "MissingKeyError"):
                    raise
                token = jwt.decode(id_token, self.keys(refresh=True), algorithms=list(ALGORITHMS))  # key rotation
            registry = jwt.JWTClaimsRegistry(
                now=lambda: int(self.clock()), leeway=LEEWAY,
                iss={"essential": True, "value": self.settings.issuer},
                aud={"essential": True, "value": self.settings.client_id},
                exp={"essential": True}, iat={"essential": True}, sub={"essential": True},
                nonce={"essential": True, "value": nonce})
            registry.validate(token.claims)
        except (JoseError, ValueError) as err:
            raise OidcError(f"ID-tokenet fra login-udbyderen blev afvist ({type(err).__name__})") from None
        aud = token.claims.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and token.claims.get("azp") != self.settings.client_id:
            raise OidcError("ID-tokenet fra login-udbyderen blev afvist (azp)")
        return token.claims

    def user(self, claims: dict, users) -> tuple[str, str, str]:
        """(name, role, via) from the claims: the groups claim first, then users.toml; NoRole if neither."""
        name = claims.get(self.settings.user_claim) or claims.get("email") or claims.get("sub")
        if not isinstance(name, str) or not _NAME.match(name):
            raise OidcError("login-udbyderen sendte intet brugbart brugernavn")
        groups = claims.get(self.settings.groups_claim) or []
        groups = [groups] if isinstance(groups, str) else [g for g in groups if isinstance(g, str)]
        if self.settings.editor_group and self.settings.editor_group in groups:
            return name, "editor", "oidc"
        if self.settings.reader_group and self.settings.reader_group in groups:
            return name, "reader", "oidc"
        record = users.get(name)
        if record is not None:
            return name, record.role, "oidc-users"
        raise NoRole(name)
