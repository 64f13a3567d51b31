"""`reportgen serve`: check the address and users, bind the socket, print the login URL, run uvicorn."""
from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable
from pathlib import Path

from ..errors import ConfigError
from ..rounds.mail import SmtpSettings
from .oidc import SECRET_ENV, OidcSettings
from .proxy import ProxySettings
from .security import Security, is_loopback, load_users
from .slowbody import GRACE, HEADER_TIMEOUT, MIN_RATE, MinimumRate, header_deadline_protocol
from .workspace import KEEP_VERSIONS, VERSIONS_MB

KEEP_ALIVE = 5.0  # seconds an idle keep-alive connection stays open (uvicorn's timeout_keep_alive)
MAX_CONNECTIONS = 200  # open connections (and running requests) before a request gets 503 (limit_concurrency)
BACKLOG = 2048  # connections the kernel queues before they are accepted
_TOKEN_QUERY = re.compile(r"([?&]token=)[^&\s\"]*")


class _HideToken(logging.Filter):
    """The access log never shows a token from a login URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN_QUERY.sub(r"\1[skjult]", a) if isinstance(a, str) else a for a in record.args)
        return True


def serve(workspace: Path, *, host: str = "127.0.0.1", port: int = 8000, users_file: Path | None = None,
          max_upload_mb: float = 25, smtp: SmtpSettings | None = None, base_url: str | None = None,
          trusted_proxy: str | None = None, auth_header: str | None = None, access_log: str = "text",
          oidc: OidcSettings | None = None, keep_versions: int = KEEP_VERSIONS, versions_mb: float = VERSIONS_MB,
          body_min_rate_kb: float = MIN_RATE / 1024, body_grace: float = GRACE, keep_alive: float = KEEP_ALIVE,
          max_connections: int = MAX_CONNECTIONS, backlog: int = BACKLOG, header_timeout: float = HEADER_TIMEOUT,
          announce: Callable[[str], None] = print) -> None:
    """Run the workbench until interrupted. A non-loopback ``host`` needs ``users_file``; with
    ``smtp`` the "Send brevene" page sends (else it offers the drafts only). ``base_url``,
    ``trusted_proxy`` and ``auth_header``: behind a reverse proxy (proxy.py, docs/deploy.md);
    ``access_log="json"`` writes the access log as JSON lines. ``keep_versions`` and ``versions_mb``:
    how many earlier data versions each barometer keeps, and in how many MB at most. A request body
    slower than ``body_min_rate_kb`` KB/s after ``body_grace`` seconds gets 408 (slowbody.py); an idle
    keep-alive connection is closed after ``keep_alive`` seconds; above ``max_connections`` open
    connections a request gets 503; ``backlog`` connections wait to be accepted; request headers must be
    complete within ``header_timeout`` seconds (docs/security.md)."""
    import uvicorn

    from . import warmup
    from .app import create_app

    if not Path(workspace).is_dir():
        raise ConfigError(f"{workspace}: arbejdsmappen findes ikke")
    if (Path(workspace) / "barometer.toml").is_file():
        raise ConfigError(f"{workspace} er selv en barometermappe: start med mappen over den, "
                          f"fx reportgen serve {Path(workspace).resolve().parent}")
    if not is_loopback(host) and users_file is None:
        raise ConfigError(f"--host {host} er ikke en lokal adresse: start med --users users.toml "
                          "(brugere med adgangskode fra reportgen user add)")
    if max_upload_mb <= 0:
        raise ConfigError("--max-upload-mb skal være større end 0")
    if keep_versions < 1:
        raise ConfigError("--keep-versions skal være mindst 1")
    if versions_mb <= 0:
        raise ConfigError("--versions-mb skal være større end 0")
    for value, option in ((body_min_rate_kb, "--body-min-rate"), (body_grace, "--body-grace"),
                          (keep_alive, "--keep-alive"), (max_connections, "--max-connections"),
                          (backlog, "--backlog"), (header_timeout, "--header-timeout")):
        if value <= 0:
            raise ConfigError(f"{option} skal være større end 0")
    if smtp is not None and smtp.problems():
        raise ConfigError("; ".join(str(p).replace("--user", "--smtp-user") for p in smtp.problems()))
    if access_log not in ("text", "json"):
        raise ConfigError("--access-log skal være text eller json")
    proxy = ProxySettings.parse(base_url, trusted_proxy, auth_header)
    if proxy.auth_header and users_file is None:
        raise ConfigError("--auth-header kræver --users users.toml: brugeren skal findes der med en rolle")
    users = load_users(users_file) if users_file is not None else {}
    if users_file is not None and not users:
        raise ConfigError(f"{users_file}: ingen brugere (opret dem med reportgen user add)")
    security = Security.create(host=host, users=users, max_upload_mb=max_upload_mb, users_file=users_file,
                               proxy=proxy)
    app = create_app(Path(workspace), security, smtp=smtp, oidc=oidc, keep_versions=keep_versions,
                     versions_mb=versions_mb)

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    # Listening before the login URL is printed: a browser opened on it at once is queued until uvicorn
    # accepts, never refused (uvicorn starts while the warm-up below imports WeasyPrint beside it).
    sock.listen(backlog)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    public = f" (offentligt: {proxy.base_url})" if proxy.base_url else ""
    announce(f"Arbejdsbænken kører på http://{shown}:{bound}/{public}")
    login = proxy.public("/?token=") if proxy.base_url else f"http://{shown}:{bound}/?token="
    announce(f"Log ind: {login}{security.token}")
    if users:
        announce(f"Brugere fra {users_file}: {', '.join(sorted(users))}")
    if oidc is not None:
        announce(f"Kommunalt login (OpenID Connect) hos {oidc.issuer} som klient {oidc.client_id}"
                 + (" med hemmelighed fra " + SECRET_ENV if oidc.client_secret else " uden klienthemmelighed"))
    if smtp is not None:
        announce(f"Brevene sendes over SMTP til {smtp.display}" + (" med STARTTLS" if smtp.starttls else "")
                 + (f" som {smtp.user}" if smtp.user else ""))
    announce("Stop med Ctrl-C.")

    warmup.start(app.state.web.ws)  # the first PDF preview need not import and load fonts (issue 17)
    logging.getLogger("uvicorn.access").addFilter(_HideToken())
    app = MinimumRate(app, min_rate=body_min_rate_kb * 1024, grace=body_grace)  # inside the JSON log: 408s are logged
    if access_log == "json":
        from .accesslog import JsonAccessLog

        app = JsonAccessLog(app, proxy)
    config = uvicorn.Config(app, log_level="info", proxy_headers=False, server_header=False, date_header=False,
                            access_log=access_log == "text", timeout_keep_alive=keep_alive,
                            limit_concurrency=max_connections, backlog=backlog,
                            http=header_deadline_protocol(header_timeout))
    uvicorn.Server(config).run(sockets=[sock])
