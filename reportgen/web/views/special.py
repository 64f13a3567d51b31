"""Login, logout, health and the static files (the site's stylesheet and fonts, the workbench's own CSS)."""
from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ... import __version__, palette
from .. import attempts
from ..http import SITE_TEMPLATES, WEB_TEMPLATES, field, page, read_form, redirect, web
from ..security import LOGIN_COOKIE, SESSION_COOKIE, SESSION_SECONDS, TOKEN_USER, cookie_header, csrf_ok, same_secret

FONT_FILES = ("Carlito-Regular.ttf", "Carlito-Bold.ttf")


def _login(request: Request, user, how: str = "token") -> Response:
    attempts.succeeded(request, user.name, how)
    sid = web(request).security.new_session(user, how)
    response = redirect("/")
    response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, sid, max_age=SESSION_SECONDS))
    response.headers.append("set-cookie", cookie_header(LOGIN_COOKIE, "", max_age=0))
    return response


async def token_login(request: Request) -> Response | None:
    """``/?token=…`` (the printed URL): a valid token sets a session cookie and redirects to ``/``
    without the token in the address; a wrong one shows the login form."""
    token = request.query_params.get("token")
    if token is None:
        return None
    attempts.check(request, None, "token")
    if web(request).security.token_ok(token):
        return _login(request, TOKEN_USER)
    attempts.failed(request, None, "token")
    return await login_form(request, error="Nøglen i adressen er forkert eller udløbet.", status=403)


async def login_form(request: Request, *, error: str = "", status: int = 200) -> Response:
    nonce = secrets.token_urlsafe(32)
    response = page(request, "login.html", {"error": error, "users": bool(web(request).security.users),
                                            "login_csrf": nonce, "oidc": request.app.state.oidc is not None},
                    auth=None, status=status, title="Log ind")
    response.headers.append("set-cookie", cookie_header(LOGIN_COOKIE, nonce, max_age=1800))
    return response


async def login(request: Request) -> Response:
    form = await read_form(request)
    if not same_secret(field(form, "csrf"), request.cookies.get(LOGIN_COOKIE, "")):  # double submit
        return await login_form(request, error="Formularen var for gammel. Prøv igen.", status=403)
    security = web(request).security
    token = field(form, "token").strip()
    if token:
        attempts.check(request, None, "token")
        if security.token_ok(token):
            return _login(request, TOKEN_USER)
        attempts.failed(request, None, "token")
        return await login_form(request, error="Nøglen er forkert.", status=403)
    name = field(form, "user").strip()
    attempts.check(request, name, "password")
    user = security.password_user(name, field(form, "password"))
    if user is None:
        attempts.failed(request, name, "password")
        return await login_form(request, error="Forkert brugernavn eller adgangskode.", status=403)
    return _login(request, user, "password")


async def logout(request: Request) -> Response:
    """Readers may log out too: a login and the CSRF token, no editor role."""
    from starlette.exceptions import HTTPException

    from ..http import require

    auth = require(request)
    form = await read_form(request)
    if not csrf_ok(auth, field(form, "csrf") or request.headers.get("x-csrf-token")):
        raise HTTPException(403, "Formularen mangler sin sikkerhedsnøgle (CSRF). Genindlæs siden og prøv igen.")
    web(request).security.end_session(request.cookies.get(SESSION_COOKIE))
    response = redirect("/login")
    response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, "", max_age=0))
    return response


async def health(request: Request) -> Response:
    """Readiness for a load balancer or monitoring: the workspace can be listed and the audit log can
    take a write (a write transaction is opened and rolled back). Open without login; no paths shown."""
    from ..health import readiness

    checks = readiness(web(request).ws)
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ok else "fejl", "version": __version__, **checks},
                        status_code=200 if ok else 503)


async def site_css(request: Request) -> Response:
    w = web(request)
    styles = [palette.style(s) for s in ("green", "yellow", "red", "grey")]
    css = w.env.get_template("site.css").render(styles=styles, ink=palette.INK)
    return Response(css, media_type="text/css; charset=utf-8")


async def favicon(request: Request) -> Response:
    """No icon: browsers ask for /favicon.ico on their own (after a redirect, for a PDF); 204, not 404."""
    return Response(status_code=204)


async def web_css(request: Request) -> Response:
    return Response((WEB_TEMPLATES / "web.css").read_bytes(), media_type="text/css; charset=utf-8")


async def font(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in FONT_FILES:
        return Response("Ikke fundet", status_code=404)
    return Response((SITE_TEMPLATES.parent / "fonts" / name).read_bytes(), media_type="font/ttf")
