"""Editing letter and advice texts: list, edit with preview, save with a conflict check."""
from __future__ import annotations

import secrets
import threading
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ...errors import TemplateError
from ..fields import text_fields
from ..http import Web, change, field, page, redirect, require, web
from ..texts import (
    MAIL,
    Conflict,
    block_list,
    block_names,
    is_block,
    numbered,
    preview,
    preview_pdf,
    read_text,
    save_text,
    text_names,
)

# Unsaved previews, shown in a sandboxed frame: id -> (expires, barometer, html). In memory only.
_PREVIEWS: dict[str, tuple[float, str, str]] = {}
_LOCK = threading.Lock()
PREVIEW_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'self'; "
               "frame-ancestors 'self'; sandbox")


def texts_data(w: Web, barometer_id: str) -> dict[str, Any]:
    names = text_names(w.ws, barometer_id)
    folder = w.ws.folder(barometer_id) / "letters"
    committees = []
    try:
        from ...documents.bilag2 import addressees

        committees = [{"id": c.id, "name": c.name} for c in addressees(w.ws.barometer(barometer_id))[0]]
    except Exception:  # noqa: BLE001 - an invalid folder: the template editor only
        pass
    return {"barometer": w.ws.info(barometer_id), "committees": committees,
            "texts": [{"name": n, "about": about, "own": (folder / n).is_file()} for n, about in names.items()]}


async def index(request: Request) -> Response:
    auth = require(request)
    w, bid = web(request), request.path_params["bid"]
    return page(request, "texts.html", {**texts_data(w, bid), "blocks": block_list(w.ws, bid)}, auth=auth,
                title="Tekster")


def edit_data(w: Web, barometer_id: str, name: str, *, text: str | None = None, base: str | None = None,
              result=None, conflict: Conflict | None = None, saved: bool = False) -> dict[str, Any]:
    current = read_text(w.ws, barometer_id, name)
    shown = current.text if text is None else text
    preview_id = None
    if result is not None and result.html is not None:
        preview_id = secrets.token_urlsafe(16)
        with _LOCK:
            now = time.time()
            for key in [k for k, v in _PREVIEWS.items() if v[0] < now]:
                del _PREVIEWS[key]
            _PREVIEWS[preview_id] = (now + 600, barometer_id, result.html)
    return {"barometer": w.ws.info(barometer_id), "text": current, "shown": shown,
            "base": current.hash if base is None else base, "preview": result, "preview_id": preview_id,
            "lines": numbered(shown) if result is not None and result.error else [], "conflict": conflict,
            "saved": saved, "pdf": current.name != MAIL and not is_block(current.name),
            "block": is_block(current.name)}


async def _text_page(request: Request, data: dict[str, Any], **kw: Any) -> Response:
    """The editor page, with the fields the text may use (meaning and value now; see web/fields.py)."""
    w, bid = web(request), request.path_params["bid"]
    name = data["text"].name
    data["fields"] = await run_in_threadpool(text_fields, w.ws, bid, name)
    names = await run_in_threadpool(lambda: {**text_names(w.ws, bid), **block_names(w.ws, bid)})
    data["about"] = names.get(name, name)  # the text named as the texts page names it, not by its file
    kw["title"] = kw["title"].replace(name, data["about"])
    return page(request, "text.html", data, **kw)


async def edit(request: Request) -> Response:
    auth = require(request)
    bid, name = request.path_params["bid"], request.path_params["name"]
    data = edit_data(web(request), bid, name, saved=request.query_params.get("gemt") == "1")
    return await _text_page(request, data, auth=auth, title=f"Rediger {name}")


async def submit(request: Request) -> Response:
    """``action=preview`` renders the text unsaved; ``action=save`` saves it if unchanged meanwhile and valid."""
    auth, form = await change(request)
    w = web(request)
    bid, name = request.path_params["bid"], request.path_params["name"]
    text = field(form, "text").replace("\r\n", "\n")
    base = field(form, "base")
    action = field(form, "action")
    if action == "pdf":
        pdf, result = await run_in_threadpool(preview_pdf, w.ws, bid, name, text)
        if pdf is not None:
            return Response(pdf, media_type="application/pdf", headers={
                "content-disposition": f'attachment; filename="forhaandsvisning-{name[:-3]}.pdf"'})
        data = edit_data(w, bid, name, text=text, base=base, result=result)
        return await _text_page(request, data, auth=auth, status=422, title=f"Rediger {name}: fejl")
    if action == "save":
        try:
            await run_in_threadpool(save_text, w.ws, bid, name, text, base_hash=base, who=auth.user.name)
        except Conflict as err:
            data = edit_data(w, bid, name, text=text, base=base, conflict=err)
            return await _text_page(request, data, auth=auth, status=409, title=f"Rediger {name}: konflikt")
        except TemplateError:
            result = await run_in_threadpool(preview, w.ws, bid, name, text)
            data = edit_data(w, bid, name, text=text, base=base, result=result)
            return await _text_page(request, data, auth=auth, status=422, title=f"Rediger {name}: fejl")
        return redirect(f"/b/{bid}/texts/{name}?gemt=1")
    result = await run_in_threadpool(preview, w.ws, bid, name, text)
    data = edit_data(w, bid, name, text=text, base=base, result=result)
    return await _text_page(request, data, auth=auth, status=422 if result.error else 200,
                title=f"Forhåndsvisning af {name}")


async def preview_frame(request: Request) -> Response:
    require(request)
    with _LOCK:
        hit = _PREVIEWS.get(request.path_params["preview"])
    if hit is None or hit[1] != request.path_params["bid"] or hit[0] < time.time():
        return HTMLResponse("<!DOCTYPE html><title>Forhåndsvisning</title><p>Forhåndsvisningen er udløbet.</p>",
                            status_code=404)
    return HTMLResponse(hit[2], headers={"content-security-policy": PREVIEW_CSP, "x-frame-options": "SAMEORIGIN"})
