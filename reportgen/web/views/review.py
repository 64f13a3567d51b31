"""The review page: what an upload would change (figures, colours, warnings), then "Brug de nye data"."""
from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ...narrate import danish as da
from .. import review as rv
from ..http import Web, change, is_api, page, redirect, web
from ..workspace import Rejected
from .data import applied, read_upload, rejected, uploaded_files


def _signal(s: str | None) -> str:
    return da.capitalize(da.signal_word(s)) if s else "ingen"


def review_data(w: Web, barometer_id: str, review: rv.Review) -> dict[str, Any]:
    b = w.ws.barometer(barometer_id)
    names = {i.id: i.name for i in b.indicators} | {a.id: a.name for a in b.areas}
    labels = {u.id: u.label for u in b.updates}
    result = review.result
    return {"barometer": w.ws.info(barometer_id), "review": review.id, "changes": result["changes"],
            "lines": review.lines,
            "colours": [{**c, "name": names.get(c["id"], ""), "label": labels.get(c["update"], c["update"])}
                        for c in result["colours"]],
            "warnings": result["warnings"], "files": sorted(review.writes), "removes": sorted(review.removes)}


async def review(request: Request) -> Response:
    """Multipart field ``files`` as ``/data``: checked and compared, nothing changed."""
    auth, form = await change(request)
    w = web(request)
    bid = request.path_params["bid"]
    w.ws.folder(bid)
    try:
        files = await uploaded_files(form)
        made = await read_upload(request, rv.make_review, w.ws, bid, files)
    except Rejected as err:
        return rejected(request, w, bid, err, auth=auth)
    if is_api(request):
        return JSONResponse({"review": made.id, **{k: made.result[k] for k in ("changes", "colours", "warnings")}})
    return page(request, "review.html", review_data(w, bid, made), auth=auth, title="Tjek ændringerne")


async def confirm(request: Request) -> Response:
    auth, _ = await change(request)
    w = web(request)
    bid = request.path_params["bid"]
    made, hashes = await run_in_threadpool(rv.apply, w.ws, bid, request.path_params["review"], who=auth.user.name)
    if is_api(request):
        return JSONResponse(applied(sorted(made.writes), hashes))
    return redirect(f"/b/{bid}/status?opdateret={'data' if hashes.changed else 'ingen'}")


async def restore_ask(request: Request) -> Response:
    """"Gendan" asks first: which version, saved when and by whom, and what it holds."""
    from ..http import require
    from ..workspace import NotFound

    auth = require(request, edit=True)
    w = web(request)
    bid = request.path_params["bid"]
    version = next((v for v in w.ws.versions(bid) if v.id == request.query_params.get("version")), None)
    if version is None:
        raise NotFound("versionen findes ikke")
    return page(request, "restore.html", {"barometer": w.ws.info(bid), "version": version}, auth=auth,
                title="Gendan en tidligere version")
