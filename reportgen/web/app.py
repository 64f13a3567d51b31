"""The workbench application: routes, error pages, and the security guard around everything."""
from __future__ import annotations

import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .. import PROJECT_DIR
from ..errors import MAX_LISTED, DataValidationError, ReportgenError, more_problems
from ..rounds.mail import SmtpSettings
from .attempts import Throttled
from .builds import Builds
from .http import LoginRequired, Web, is_api, page, peer, redirect
from .oidc import Oidc, OidcSettings
from .proxy import PublicUrls
from .review import Changed
from .security import BodyTooLarge, Guard, Security, authenticate
from .sessions import SessionStore
from .texts import Conflict
from .views import (
    additions,
    analysis,
    barometers,
    builds,
    data,
    excel,
    overrides,
    review,
    sending,
    special,
    sso,
    texts,
)
from .workspace import KEEP_VERSIONS, VERSIONS_MB, Busy, NotFound, Rejected, Workspace

log = logging.getLogger(__name__)


async def home(request: Request) -> Response:
    response = await special.token_login(request)
    if response is not None:
        return response
    return await barometers.index(request)


async def login_page(request: Request) -> Response:
    return await special.login_form(request)


def routes() -> list[Route]:
    return [
        Route("/", home),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", special.login, methods=["POST"]),
        Route("/logout", special.logout, methods=["POST"]),
        Route("/auth/login", sso.start),
        Route("/auth/callback", sso.callback),
        Route("/static/site.css", special.site_css),
        Route("/static/web.css", special.web_css),
        Route("/favicon.ico", special.favicon),
        Route("/static/fonts/{name}", special.font),
        Route("/b/{bid}", barometers.barometer),
        Route("/b/{bid}/status", barometers.status),
        Route("/b/{bid}/history", barometers.history),
        Route("/history", barometers.workspace_history),
        Route("/b/{bid}/compare", analysis.compare_page),
        Route("/b/{bid}/diff", analysis.diff_page),
        Route("/b/{bid}/data.xlsx", excel.data_xlsx),
        Route("/b/{bid}/template.xlsx", excel.template_xlsx),
        Route("/b/{bid}/data/review", review.review, methods=["POST"]),
        Route("/b/{bid}/data/review/{review}", review.confirm, methods=["POST"]),
        Route("/b/{bid}/data", data.upload_form, methods=["GET"]),
        Route("/b/{bid}/data", data.upload, methods=["POST"]),
        Route("/b/{bid}/data/restore", review.restore_ask, methods=["GET"]),
        Route("/b/{bid}/data/restore", data.restore, methods=["POST"]),
        Route("/b/{bid}/override", data.override_form, methods=["GET"]),
        Route("/b/{bid}/override", data.override, methods=["POST"]),
        Route("/b/{bid}/override/remove", overrides.remove, methods=["POST"]),
        Route("/b/{bid}/builds", builds.start, methods=["POST"]),
        Route("/b/{bid}/letters/{committee}", additions.show, methods=["GET"]),
        Route("/b/{bid}/letters/{committee}", additions.submit, methods=["POST"]),
        Route("/b/{bid}/texts", texts.index),
        Route("/b/{bid}/texts/{name}", texts.edit, methods=["GET"]),
        Route("/b/{bid}/texts/{name}", texts.submit, methods=["POST"]),
        Route("/b/{bid}/texts/{name}/preview/{preview}", texts.preview_frame),
        Route("/builds/{build}", builds.show),
        Route("/builds/{build}/files/{path:path}", builds.download),
        Route("/builds/{build}/thumbs/{path:path}", builds.thumbnail),
        Route("/builds/{build}/mail", sending.show, methods=["GET"]),
        Route("/builds/{build}/mail", sending.submit, methods=["POST"]),
        Route("/builds/{build}/mail/{name}", sending.draft),
        # The JSON API (docs/workbench.md): the same functions, JSON out.
        Route("/api/health", special.health),
        Route("/api/barometers", barometers.index),
        Route("/api/barometers/{bid}/status", barometers.status),
        Route("/api/barometers/{bid}/compare", analysis.compare_page),
        Route("/api/barometers/{bid}/diff", analysis.diff_page),
        Route("/api/barometers/{bid}/data", data.upload, methods=["POST"]),
        Route("/api/barometers/{bid}/data.xlsx", excel.data_xlsx),
        Route("/api/barometers/{bid}/data/review", review.review, methods=["POST"]),
        Route("/api/barometers/{bid}/data/review/{review}", review.confirm, methods=["POST"]),
        Route("/api/barometers/{bid}/history", barometers.history),
        Route("/api/history", barometers.workspace_history),
        Route("/api/barometers/{bid}/letters/{committee}/addition", additions.api_put, methods=["PUT"]),
        Route("/api/barometers/{bid}/overrides", overrides.api_set, methods=["POST"]),
        Route("/api/barometers/{bid}/overrides/{target}", overrides.api_remove, methods=["DELETE"]),
        Route("/api/barometers/{bid}/builds", builds.start, methods=["POST"]),
        Route("/api/builds/{build}", builds.show),
        Route("/api/builds/{build}/files/{path:path}", builds.download),
        Route("/api/builds/{build}/mail", sending.show, methods=["GET"]),
        Route("/api/builds/{build}/mail", sending.submit, methods=["POST"]),
        Route("/api/builds/{build}/mail/{name}", sending.draft),
    ]


def _error(request: Request, status: int, message: str) -> Response:
    if is_api(request):
        return JSONResponse({"error": message}, status_code=status)
    auth = authenticate(request.app.state.web.security, request.headers, request.cookies, peer(request))
    return page(request, "error.html", {"status": status, "message": message}, auth=auth, status=status,
                title="Fejl")


async def _login_required(request: Request, exc: Exception) -> Response:
    if is_api(request):
        return JSONResponse({"error": "log ind: Authorization: Bearer <nøgle>"}, status_code=401,
                            headers={"www-authenticate": "Bearer"})
    return redirect("/login")


async def _throttled(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Throttled)
    wait = {"retry-after": str(exc.seconds)}
    if is_api(request):
        return JSONResponse({"error": str(exc)}, status_code=429, headers=wait)
    response = await special.login_form(request, error=str(exc), status=429)
    response.headers.update(wait)
    return response


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error(request, exc.status_code, str(exc.detail))


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error(request, 404, str(exc))


async def _busy(request: Request, exc: Exception) -> Response:
    return _error(request, 409, str(exc))


async def _rejected(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Rejected)
    if is_api(request):
        return JSONResponse({"errors": [p.text for p in exc.problems]}, status_code=422)
    return _error(request, 422, str(exc))


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DataValidationError)
    if is_api(request):
        errors = [str(i) for i in exc.issues[:MAX_LISTED]]
        if len(exc.issues) > MAX_LISTED:
            errors.append(more_problems(len(exc.issues) - MAX_LISTED))
        return JSONResponse({"errors": errors}, status_code=422)
    return _error(request, 422, "Barometrets data er ikke gyldige: " + "; ".join(str(i) for i in exc.issues[:5]))


async def _conflict(request: Request, exc: Exception) -> Response:
    return _error(request, 409, str(exc))


async def _other(request: Request, exc: Exception) -> Response:
    return _error(request, 400, str(exc))


async def _too_large(request: Request, exc: Exception) -> Response:
    cap = request.app.state.web.security.max_upload // (1024 * 1024)
    message = f"Filen er for stor: grænsen er {cap} MB. Intet er gemt."
    if is_api(request):
        return JSONResponse({"error": message}, status_code=413)
    return PlainTextResponse(message, status_code=413)


def create_app(workspace: Path, security: Security, *, project_dir: Path = PROJECT_DIR,
               smtp: SmtpSettings | None = None, oidc: OidcSettings | None = None,
               keep_versions: int = KEEP_VERSIONS, versions_mb: float = VERSIONS_MB):
    """The ASGI application for ``workspace``, wrapped in the security guard (Host, size, headers).
    ``smtp``: where "Send brevene" sends (``reportgen serve --smtp``); without it only drafts."""
    ws = Workspace(workspace, project_dir=project_dir, keep_versions=keep_versions, versions_mb=versions_mb)
    app = Starlette(routes=routes(), exception_handlers={
        LoginRequired: _login_required, HTTPException: _http, NotFound: _not_found, Busy: _busy,
        Rejected: _rejected, DataValidationError: _invalid, Conflict: _conflict, BodyTooLarge: _too_large,
        Changed: _conflict,
        Throttled: _throttled,
        ReportgenError: _other,
    })
    security.store = SessionStore(ws.state / "sessions.sqlite")  # sessions survive a restart
    app.state.web = Web(ws, Builds(ws), security, smtp)
    app.state.oidc = Oidc(oidc) if oidc is not None else None
    guarded = PublicUrls(Guard(app, security), security.proxy)
    guarded.state = app.state  # type: ignore[attr-defined]  # tests reach the workspace through it
    return guarded
