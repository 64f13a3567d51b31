"""What every view shares: who is asking (security.authenticate), the CSRF check on changes, and
rendering a page (templates/web in the project's Jinja2 sandbox) or the same data as JSON."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from .. import PROJECT_DIR, palette
from ..narrate import danish as da
from ..rounds.mail import SmtpSettings
from ..templating import make_environment
from .builds import Builds
from .security import CSRF_FIELD, CSRF_HEADER, FORMS_KEY, Auth, Security, authenticate, bearer_given, csrf_ok
from .workspace import Workspace

WEB_TEMPLATES = PROJECT_DIR / "templates" / "web"
SITE_TEMPLATES = PROJECT_DIR / "templates" / "site"


@dataclass
class Web:
    """The running workbench: its workspace, builds, secrets and templates."""

    ws: Workspace
    builds: Builds
    security: Security
    smtp: SmtpSettings | None = None  # from `reportgen serve --smtp`, never from a form

    def __post_init__(self) -> None:
        from .sending import Sending

        self.sending = Sending(self.ws, self.builds, self.smtp)
        self.env = make_environment([WEB_TEMPLATES, SITE_TEMPLATES])
        self.env.globals.update(signal_style=palette.style, da_number=da.number)
        from . import documents, wording

        self.env.filters.update(da_time=wording.da_time, who=wording.who, size_text=documents.size_text,
                                count=da.count)


class LoginRequired(Exception):
    """No valid token, cookie or password: pages redirect to /login, the API answers 401."""


def web(request: Request) -> Web:
    return request.app.state.web


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def peer(request: Request) -> str | None:
    """The address of the connection itself (a proxy's, behind one)."""
    return request.client.host if request.client else None


def require(request: Request, *, edit: bool = False) -> Auth:
    """The request's authentication; LoginRequired if none, 403 if ``edit`` and the user only reads."""
    from . import attempts

    bearer = bearer_given(request.headers)
    if bearer is not None:
        attempts.check(request, None, "bearer")
    auth = authenticate(web(request).security, request.headers, request.cookies, peer(request))
    if auth is None:
        if bearer is not None:
            attempts.failed(request, None, "bearer")
        raise LoginRequired
    if edit and not auth.user.can_edit:
        raise HTTPException(403, "Din bruger har kun læseadgang.")
    return auth


async def change(request: Request):
    """An editor's state-changing request: the parsed form, after the CSRF check for cookie sessions."""
    auth = require(request, edit=True)
    form = await read_form(request)
    given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not csrf_ok(auth, given if isinstance(given, str) else None):
        raise HTTPException(403, "Formularen mangler sin sikkerhedsnøgle (CSRF). Genindlæs siden og prøv igen.")
    return auth, form


async def read_form(request: Request):
    """The request's form; its uploaded files are closed by the guard when the request ends."""
    form = await request.form()
    request.scope.setdefault(FORMS_KEY, []).append(form)
    return form


def field(form, name: str, default: str = "") -> str:
    value = form.get(name, default)
    return value if isinstance(value, str) else default


def page(request: Request, template: str, data: dict[str, Any], *, auth: Auth | None, status: int = 200,
         title: str = "") -> HTMLResponse:
    """A workbench page from ``data`` (the same dict the JSON API answers from)."""
    w = web(request)
    html = w.env.get_template(template).render(
        **data, user=auth.user if auth else None, csrf=auth.csrf if auth else "", page_title=title,
        path=request.url.path)
    return HTMLResponse(html, status_code=status)


def json_or_page(request: Request, payload: Any, template: str, data: dict[str, Any], *, auth: Auth,
                 status: int = 200, title: str = "") -> Response:
    if is_api(request):
        return JSONResponse(payload, status_code=status)
    return page(request, template, data, auth=auth, status=status, title=title)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
