"""Starting a build, following it, its outputs and manifest, and downloading its files."""
from __future__ import annotations

import mimetypes
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from ...narrate import danish as da
from ..documents import documents, download_name
from ..http import Web, change, field, is_api, page, redirect, require, web
from ..wording import update_label

# What the outputs page lists first, in the order of the committee pack.
_MAIN = ("pack.zip", "pack.pdf", "bilag1.pdf", "bilag1.docx", "bilag3.pdf", "bilag3.docx", "manifest.json")


async def start(request: Request) -> Response:
    auth, form = await change(request)
    w = web(request)
    bid = request.path_params["bid"]
    update = field(form, "update") or request.query_params.get("update") or None
    if update is not None:
        known = [u.id for u in w.ws.barometer(bid).updates]
        if update not in known:
            from ..workspace import NotFound

            raise NotFound(f'opdateringen "{update}" findes ikke')
    build_id = w.builds.start(bid, update=update, who=auth.user.name)
    if is_api(request):
        return JSONResponse({"build": build_id}, status_code=202)
    return redirect(f"/builds/{build_id}")


def build_data(w: Web, build_id: str) -> dict[str, Any]:
    info = w.builds.get(build_id)
    files = info.get("files", [])
    top = [f for f in files if "/" not in f]
    main = [f for f in _MAIN if f in top] + sorted(f for f in top if f not in _MAIN)  # e.g. a case, a press release
    letters = [f for f in files if f.startswith("bilag2/")]
    manifest = w.builds.manifest(build_id) if info["state"] == "done" else None
    return {"build": info, "main": main, "letters": letters, "manifest": manifest,
            "charts": sum(f.startswith("charts/") for f in files), "site": sum(f.startswith("site/") for f in files),
            "barometer": w.ws.info(info["barometer"]), "documents": documents(w.ws, w.builds, info),
            "update_label": update_label(w.ws, info["barometer"], info.get("update")),
            "percent": da.number(100 * info.get("step", 0) / max(1, info.get("steps", 7)), 0)}


async def show(request: Request) -> Response:
    auth = require(request)
    w = web(request)
    data = build_data(w, request.path_params["build"])
    if is_api(request):
        info = data["build"]
        return JSONResponse({k: info.get(k) for k in ("build", "barometer", "update", "state", "stage", "step",
                                                      "steps", "started", "finished", "error", "files")}
                            | {"documents": [{k: d[k] for k in ("title", "pdf", "docx", "pages")}
                                             for d in data["documents"]]})
    return page(request, "build.html", data, auth=auth, title="Dokumenterne")


async def thumbnail(request: Request) -> Response:
    require(request)
    w = web(request)
    png = await run_in_threadpool(w.builds.thumbnail, request.path_params["build"], request.path_params["path"])
    return Response(png, media_type="image/png")


async def download(request: Request) -> Response:
    require(request)
    w = web(request)
    build_id, rel = request.path_params["build"], request.path_params["path"]
    path = w.builds.file(build_id, rel)
    name = path.name if rel.startswith("site/") else download_name(w.ws, w.builds.get(build_id), rel)
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    # The built website opens in the browser (no script in it; the CSP holds); everything else downloads.
    inline = request.path_params["path"].startswith("site/")
    return FileResponse(path, media_type=media, filename=name,
                        content_disposition_type="inline" if inline else "attachment")
