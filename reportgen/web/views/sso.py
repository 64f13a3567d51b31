"""``/auth/login`` and ``/auth/callback``: single sign-on by OpenID Connect (web/oidc.py)."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from .. import attempts
from ..http import page, web
from ..oidc import STATE_COOKIE, NoRole, Oidc, OidcError
from ..proxy import client_address
from ..security import LOGIN_COOKIE, SESSION_COOKIE, SESSION_SECONDS, User, cookie_header

# The session cookie is SameSite=Strict, and a browser coming back from the provider is on a
# navigation whose redirect chain crossed sites: a browser that counts the chain would not send the
# cookie on a further redirect. So the callback answers with a page that moves on by itself (a new,
# same-site navigation, no script), relative so that it works under --base-url.
_DONE = ('<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=../">'
         '<title>Logget ind</title></head><body><p>Du er logget ind. <a href="../">Fortsæt</a></p></body></html>')


def _oidc(request: Request) -> Oidc:
    oidc = getattr(request.app.state, "oidc", None)
    if oidc is None:
        raise HTTPException(404, "Kommunalt login (OpenID Connect) er ikke slået til.")
    return oidc


def _callback_url(request: Request) -> str:
    proxy = web(request).security.proxy
    if proxy.base_url:
        return proxy.public("/auth/callback")
    return f"{request.url.scheme}://{request.url.netloc}/auth/callback"


async def start(request: Request) -> Response:
    oidc = _oidc(request)
    try:
        url, state = await run_in_threadpool(oidc.start, _callback_url(request))  # discovery: network
    except OidcError as err:
        return _refused(request, str(err))
    response = RedirectResponse(url, status_code=303)
    # Lax, not Strict: it must come back on the provider's cross-site redirect to the callback.
    response.headers.append("set-cookie", f"{STATE_COOKIE}={state}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600")
    return response


async def callback(request: Request) -> Response:
    oidc = _oidc(request)
    attempts.check(request, None, "oidc")
    params = request.query_params
    if params.get("error"):
        return _refused(request, f"login-udbyderen afviste login ({params.get('error')})")
    try:
        claims = await run_in_threadpool(  # the token endpoint and JWKS: network, off the event loop
            oidc.finish, code=params.get("code", ""), state=params.get("state", ""),
            cookie_state=request.cookies.get(STATE_COOKIE), redirect_uri=_callback_url(request))
        name, role, via = oidc.user(claims, web(request).security.current_users())
    except OidcError as err:
        attempts.failed(request, None, f"oidc ({err})")
        return _refused(request, str(err))
    except NoRole as err:
        w = web(request)
        w.ws.audit.record(who=err.name, barometer="", action="login-norole",
                          detail=f"oidc fra {client_address(request)}")
        message = (f"Du er logget ind hos kommunen som {err.name}, men du har ingen rolle i arbejdsbænken "
                   "(hverken læse- eller redigeringsadgang). Bed den, der passer arbejdsbænken, om at give dig "
                   "adgang.")
        return page(request, "error.html", {"status": 403, "message": message}, auth=None, status=403,
                    title="Ingen adgang")
    attempts.succeeded(request, name, "oidc")
    sid = web(request).security.new_session(User(name, role), via)
    response = HTMLResponse(_DONE)
    response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, sid, max_age=SESSION_SECONDS))
    response.headers.append("set-cookie", cookie_header(LOGIN_COOKIE, "", max_age=0))
    response.headers.append("set-cookie", f"{STATE_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    return response


def _refused(request: Request, why: str) -> Response:
    message = f"Login med kommunens konto lykkedes ikke: {why}."
    return page(request, "error.html", {"status": 403, "message": message}, auth=None, status=403,
                title="Login afvist")
