"""Letter additions: for each committee's letter and update, a plain addition (Markdown, no template
syntax: ``{{ }}`` and ``{% %}`` are shown as written) kept in the barometer folder and placed where
the letter names ``[[tilfoejelse]]`` (letters/default.md: after the table, before the closing)."""
from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ...documents import letters
from ...outputs.writer import atomic_write
from ..http import Web, change, field, is_api, page, redirect, require, web
from ..workspace import NotFound

MAX_CHARS = 20_000


def _committee(w: Web, barometer_id: str, committee_id: str):
    from ...documents.bilag2 import addressees, committee_stems

    b = w.ws.barometer(barometer_id)
    receivers = addressees(b)[0]
    c = next((c for c in receivers if c.id == committee_id), None)
    if c is None:
        raise NotFound(f'udvalget "{committee_id}" får intet brev i dette barometer')
    return b, c, committee_stems(b.committees)[c.id]


def _update(b, update: str | None) -> str:
    update = update or b.latest_update.id
    if update not in [u.id for u in b.updates]:
        raise NotFound(f'opdateringen "{update}" findes ikke')
    return update


def read_addition(w: Web, barometer_id: str, committee_id: str, update: str | None) -> tuple[str, str]:
    b, _, stem = _committee(w, barometer_id, committee_id)
    update = _update(b, update)
    path = letters.addition_path(w.ws.folder(barometer_id), update, stem)
    return update, path.read_text(encoding="utf-8") if path.is_file() and not path.is_symlink() else ""


def save_addition(w: Web, barometer_id: str, committee_id: str, update: str | None, text: str, *, who: str) -> str:
    """Write (or, when empty, remove) the addition; audited with the text before and after."""
    b, c, stem = _committee(w, barometer_id, committee_id)
    update = _update(b, update)
    text = text.replace("\r\n", "\n").strip()
    if len(text) > MAX_CHARS:
        raise HTTPException(422, f"tilføjelsen er for lang (højst {MAX_CHARS} tegn)")
    path = letters.addition_path(w.ws.folder(barometer_id), update, stem)
    with w.ws.lock(barometer_id):
        before = path.read_text(encoding="utf-8") if path.is_file() else ""
        if text:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, (text + "\n").encode("utf-8"))
        else:
            path.unlink(missing_ok=True)
        w.ws.audit.record(who=who, barometer=barometer_id, action="addition", detail=f"{c.name}, {update}",
                          before=before, after=text)
    return update


def preview_html(text: str) -> str:
    """The addition as HTML for the page: Markdown with HTML switched off (tags show as text)."""
    return MarkdownIt("commonmark", {"html": False}).render(text)


def addition_data(w: Web, barometer_id: str, committee_id: str, update: str | None, text: str | None = None,
                  *, saved: bool = False, preview: bool = False) -> dict[str, Any]:
    b, c, _ = _committee(w, barometer_id, committee_id)
    update, stored = read_addition(w, barometer_id, committee_id, update)
    shown = stored if text is None else text
    return {"barometer": w.ws.info(barometer_id), "committee": {"id": c.id, "name": c.name},
            "update": b.update(update), "updates": [{"id": u.id, "label": u.label} for u in reversed(b.updates)],
            "text": shown, "preview": preview_html(shown) if (preview or stored) and shown else "", "saved": saved}


async def show(request: Request) -> Response:
    auth = require(request)
    p = request.path_params
    data = addition_data(web(request), p["bid"], p["committee"], request.query_params.get("update"),
                         saved=request.query_params.get("gemt") == "1")
    return page(request, "addition.html", data, auth=auth, title=f"Brevet til {data['committee']['name']}")


async def submit(request: Request) -> Response:
    auth, form = await change(request)
    w = web(request)
    p = request.path_params
    text, update = field(form, "text"), field(form, "update") or None
    if field(form, "action") == "preview":
        data = addition_data(w, p["bid"], p["committee"], update, text.replace("\r\n", "\n"), preview=True)
        return page(request, "addition.html", data, auth=auth, title=f"Brevet til {data['committee']['name']}")
    update = await run_in_threadpool(save_addition, w, p["bid"], p["committee"], update, text, who=auth.user.name)
    return redirect(f"/b/{p['bid']}/letters/{p['committee']}?update={update}&gemt=1")


async def api_put(request: Request) -> Response:
    """``PUT …/letters/{committee}/addition?update=U`` with a text/plain body; empty removes it."""
    auth, _ = await change(request)
    w = web(request)
    p = request.path_params
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, "teksten skal være UTF-8") from None
    update = await run_in_threadpool(save_addition, w, p["bid"], p["committee"], request.query_params.get("update"),
                                     text, who=auth.user.name)
    assert is_api(request)
    return JSONResponse({"committee": p["committee"], "update": update, "addition": text.strip()})
