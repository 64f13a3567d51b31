"""Login attempts: throttled per client address and per user name (throttle.py), and audited –
failed and throttled attempts alike (docs/security.md, workbench promise 15)."""
from __future__ import annotations

from starlette.requests import Request

from . import throttle
from .proxy import client_address


class Throttled(Exception):
    """Too many failed logins from this address or for this user name: 429 with Retry-After."""

    def __init__(self, seconds: int):
        super().__init__(f"For mange forkerte forsøg på at logge ind. Vent {seconds} sekunder, og prøv igen.")
        self.seconds = seconds


def _keys(request: Request, user: str | None) -> list[str]:
    return throttle.keys(client_address(request), user)


def check(request: Request, user: str | None, how: str) -> None:
    """Raise Throttled (and audit it) if this address or user name must wait before trying again."""
    w = request.app.state.web
    wait = w.security.throttle.retry_after(_keys(request, user))
    if wait:
        w.ws.audit.record(who=user or "?", barometer="", action="login-throttled",
                          detail=f"{how} fra {client_address(request)}; vent {wait} s")
        raise Throttled(wait)


def failed(request: Request, user: str | None, how: str) -> None:
    w = request.app.state.web
    w.security.throttle.failed(_keys(request, user))
    w.ws.audit.record(who=user or "?", barometer="", action="login-failed",
                      detail=f"{how} fra {client_address(request)}")


def succeeded(request: Request, user: str, how: str) -> None:
    w = request.app.state.web
    if how == "password":
        w.security.throttle.succeeded([f"user:{user.lower()}"])
    w.ws.audit.record(who=user, barometer="", action="login", detail=f"{how} fra {client_address(request)}")
