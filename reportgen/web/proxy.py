"""Behind a reverse proxy (docs/security.md, workbench promise 17; docs/deploy.md).

- ``--base-url https://intra.example.dk/barometer/`` is the public address. The proxy forwards with
  the prefix stripped, so the application keeps its own paths (``/b/…``) and ``PublicUrls`` puts
  the prefix on everything that leaves it: links, form actions and sources in HTML, ``url(/…)`` in
  CSS, ``Location`` headers and cookie paths. With an https base URL cookies are ``Secure`` and
  every response carries ``Strict-Transport-Security``.
- ``X-Forwarded-For`` is believed only from ``--trusted-proxy`` addresses: the client address for
  the audit and for throttling is the nearest address in that header that is not a trusted proxy.
- ``--auth-header X-Remote-User``: the user a trusted proxy has authenticated (security.authenticate).
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import ConfigError

HSTS = b"max-age=31536000"
_HTML_URL = re.compile(rb'(\s(?:href|src|action|formaction)=["\'])/(?![/\\])')
_CSS_URL = re.compile(rb'(url\(["\']?)/(?![/\\])')
_COOKIE_PATH = re.compile(rb"(?i)(;\s*path=)/(?=;|$)")


def _networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    found = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            found.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(f'--trusted-proxy: "{part}" er ikke en IP-adresse eller et net '
                              '(fx 127.0.0.1 eller 10.0.0.0/24)') from None
    return tuple(found)


@dataclass(frozen=True)
class ProxySettings:
    """``--base-url``, ``--trusted-proxy`` and ``--auth-header``, checked."""

    base_url: str = ""  # "" = served directly at http://HOST:PORT/
    scheme: str = "http"
    public_host: str = ""
    prefix: str = ""  # "/barometer" (no trailing slash), "" at the root
    trusted: tuple = field(default_factory=tuple)
    auth_header: str = ""  # lower-case header name

    @classmethod
    def parse(cls, base_url: str | None = None, trusted_proxy: str | None = None,
              auth_header: str | None = None) -> ProxySettings:
        scheme, host, prefix = "http", "", ""
        if base_url:
            parts = urlsplit(base_url)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
                raise ConfigError(f"--base-url {base_url}: skal være en adresse som https://intra.example.dk/barometer/")
            scheme, host, prefix = parts.scheme, parts.hostname.lower(), parts.path.rstrip("/")
            base_url = f"{scheme}://{parts.netloc}{prefix}/"
        trusted = _networks(trusted_proxy or "")
        header = (auth_header or "").strip().lower()
        if header and not trusted:
            raise ConfigError("--auth-header kræver --trusted-proxy: headeren troes kun fra proxyens adresser")
        if header and not re.fullmatch(r"[a-z0-9-]{1,64}", header):
            raise ConfigError(f"--auth-header {auth_header}: ikke et gyldigt headernavn")
        return cls(base_url or "", scheme, host, prefix, trusted, header)

    @property
    def secure(self) -> bool:
        return self.scheme == "https"

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.trusted)

    def client(self, peer: str, forwarded_for: str | None) -> str:
        """The client's address: the peer, or – only when the peer is a trusted proxy – the nearest
        address in X-Forwarded-For that is not one."""
        if not forwarded_for or not self.trusts(peer):
            return peer
        for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
            if not self.trusts(hop):
                return hop
        return peer

    def public(self, path_and_query: str) -> str:
        """The public URL of an application path (``/?token=…``) for printing."""
        return self.base_url.rstrip("/") + path_and_query


def client_address(request) -> str:
    """The request's client address for the audit and throttling (see ProxySettings.client)."""
    proxy: ProxySettings = request.app.state.web.security.proxy
    peer = request.client.host if request.client else "?"
    return proxy.client(peer, request.headers.get("x-forwarded-for"))


class PublicUrls:
    """ASGI middleware: the --base-url prefix on every URL that leaves the application, Secure cookies
    and HSTS with https. Only HTML and CSS bodies are read whole (the workbench's pages are small);
    downloads stream through untouched."""

    def __init__(self, app, settings: ProxySettings):
        self.app, self.settings = app, settings
        self.prefix = settings.prefix.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not (self.prefix or self.settings.secure):
            return await self.app(scope, receive, send)
        start: dict | None = None
        chunks: list[bytes] = []

        async def rewriting_send(message):
            nonlocal start
            if message["type"] == "http.response.start":
                headers = [self._header(k, v) for k, v in message.get("headers", [])]
                if self.settings.secure:
                    headers.append((b"strict-transport-security", HSTS))
                message = {**message, "headers": headers}
                kind = dict(headers).get(b"content-type", b"")
                if self.prefix and (kind.startswith(b"text/html") or kind.startswith(b"text/css")):
                    start = message  # held until the whole body is here
                    return
                return await send(message)
            if message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = self._body(b"".join(chunks))
                headers = [(k, v) for k, v in start["headers"] if k != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                return await send({"type": "http.response.body", "body": body})
            return await send(message)

        await self.app(scope, receive, rewriting_send)

    def _header(self, key: bytes, value: bytes) -> tuple[bytes, bytes]:
        name = key.lower()
        if name == b"location" and value.startswith(b"/") and not value.startswith(b"//"):
            value = self.prefix + value
        elif name == b"set-cookie":
            value = _COOKIE_PATH.sub(lambda m: m.group(1) + self.prefix + b"/", value)
            if self.settings.secure and b"secure" not in value.lower().split(b"; "):
                value += b"; Secure"
        return key, value

    def _body(self, body: bytes) -> bytes:
        body = _HTML_URL.sub(lambda m: m.group(1) + self.prefix + b"/", body)
        return _CSS_URL.sub(lambda m: m.group(1) + self.prefix + b"/", body)
