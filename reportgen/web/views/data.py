"""New data (upload, checked in a staging copy first), overrides with a reason, and restoring a version."""
from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ...inputs import load
from ...inputs.model import SIGNALS
from ...narrate import danish as da
from ..http import Web, change, field, is_api, page, redirect, require, web
from ..workspace import UNCHANGED, Problem, Rejected

T = TypeVar("T")


@contextlib.asynccontextmanager
async def _given_up_when_gone(request: Request) -> AsyncIterator[None]:
    """While the block runs, the loader's GIVE_UP (asked every 0.25 s while a child parses a workbook)
    says whether the client has gone away, so a parse nobody waits for is killed, not finished."""
    gone = threading.Event()

    async def watch() -> None:
        while not await request.is_disconnected():
            await asyncio.sleep(0.25)
        gone.set()

    token = load.GIVE_UP.set(gone.is_set)
    watcher = asyncio.ensure_future(watch())
    try:
        yield
    finally:
        watcher.cancel()
        load.GIVE_UP.reset(token)


async def read_upload(request: Request, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``work(*args)`` in a worker thread (it reads the upload through the loader), given up when the
    client goes away; the thread sees GIVE_UP, as worker threads get the caller's context."""
    async with _given_up_when_gone(request):
        return await run_in_threadpool(work, *args, **kwargs)


def rejected(request: Request, w: Web, bid: str, err: Rejected, *, auth) -> Response:
    """An upload or review refused: 422 with every problem, as JSON for the API, else the upload page
    with its problem table."""
    if is_api(request):
        return JSONResponse({"errors": [p.text for p in err.problems]}, status_code=422)
    return page(request, "upload.html", upload_data(w, bid, err.problems), auth=auth, status=422,
                title="Nye data: fejl")


async def uploaded_files(form) -> dict[str, bytes]:
    """The files of the multipart field ``files`` by name, for an upload and a review alike.
    Rejected when two parts carry the same file name (as the workspace compares names: without a
    folder, in lower case), rather than letting the last one silently win."""
    files: dict[str, bytes] = {}
    seen: dict[str, int] = {}
    for item in form.getlist("files"):
        if isinstance(item, UploadFile) and item.filename:
            key = Path(item.filename).name.lower()
            seen[key] = seen.get(key, 0) + 1
            files[item.filename] = await item.read()
    twice = sorted(n for n, count in seen.items() if count > 1)
    if twice:
        raise Rejected([Problem(n, "", None, "", "", f"filen {n} er sendt {da.number_word(seen[n])} gange i "
                                "samme upload; send hver fil én gang", f"{n}: sendt flere gange")
                        for n in twice])
    return files


def applied(names: list[str], hashes) -> dict[str, Any]:
    """The API's answer to an upload: the files applied, or none and why (byte-identical data)."""
    if not hashes.changed:
        return {"applied": [], "unchanged": True, "message": UNCHANGED, "files": dict(hashes)}
    return {"applied": names, "files": dict(hashes)}


def upload_data(w: Web, barometer_id: str, problems=None) -> dict[str, Any]:
    return {"barometer": w.ws.info(barometer_id), "files": sorted(w.ws.data_files(barometer_id)),
            "versions": w.ws.versions(barometer_id), "problems": problems or [],
            "keep_versions": w.ws.keep_versions, "versions_mb": f"{w.ws.versions_bytes / 2**20:g}".replace(".", ",")}


async def upload_form(request: Request) -> Response:
    auth = require(request)
    bid = request.path_params["bid"]
    return page(request, "upload.html", upload_data(web(request), bid), auth=auth, title="Nye data")


async def upload(request: Request) -> Response:
    """Multipart field ``files``: one barometer.xlsx or CSV files. 422 with every problem, or applied."""
    auth, form = await change(request)
    w = web(request)
    bid = request.path_params["bid"]
    w.ws.folder(bid)
    try:
        files = await uploaded_files(form)
        hashes = await read_upload(request, w.ws.upload, bid, files, who=auth.user.name)
    except Rejected as err:
        return rejected(request, w, bid, err, auth=auth)
    if is_api(request):
        return JSONResponse(applied(sorted(files), hashes))
    return redirect(f"/b/{bid}/status?opdateret={'data' if hashes.changed else 'ingen'}")


async def restore(request: Request) -> Response:
    auth, form = await change(request)
    w = web(request)
    bid = request.path_params["bid"]
    try:
        hashes = await run_in_threadpool(w.ws.restore, bid, field(form, "version"), who=auth.user.name)
    except Rejected as err:
        return page(request, "upload.html", upload_data(w, bid, err.problems), auth=auth, status=422,
                    title="Nye data: fejl")
    return redirect(f"/b/{bid}/status?opdateret={'gendannet' if hashes.changed else 'ingen'}")


def override_data(w: Web, barometer_id: str, values=None, problems=None) -> dict[str, Any]:
    b = w.ws.barometer(barometer_id)
    targets = [{"id": a.id, "name": f"Område: {a.name}"} for a in b.areas]
    targets += [{"id": i.id, "name": f"{i.id} {i.name}"} for i in b.indicators]
    return {"barometer": w.ws.info(barometer_id), "targets": targets,
            "updates": [{"id": u.id, "label": u.label} for u in reversed(b.updates)],
            "signals": [{"id": s, "word": da.capitalize(da.signal_word(s))} for s in SIGNALS],
            "overrides": [o for o in b.overrides], "values": values or {}, "problems": problems or []}


async def override_form(request: Request) -> Response:
    auth = require(request)
    bid = request.path_params["bid"]
    q = request.query_params
    values = {k: q.get(k, "") for k in ("update", "target")}
    w = web(request)
    current = next((o for o in w.ws.barometer(bid).overrides
                    if (o.update, o.target) == (values["update"], values["target"])), None)
    if current is not None:  # "Ret": the override as it is now
        values.update(signal=current.signal, reason=current.reason)
    return page(request, "override.html", override_data(w, bid, values), auth=auth, title="Tilsidesæt en farve")


async def override(request: Request) -> Response:
    auth, form = await change(request)
    w = web(request)
    bid = request.path_params["bid"]
    values = {k: field(form, k).strip() for k in ("update", "target", "signal", "reason")}
    missing = [label for key, label in (("update", "opdatering"), ("target", "indikator eller område"),
                                        ("signal", "farve"), ("reason", "begrundelse")) if not values[key]]
    if missing:
        problems = [Problem("", "", None, "", "", f"{da.capitalize(m)} skal udfyldes", m) for m in missing]
        return page(request, "override.html", override_data(w, bid, values, problems), auth=auth, status=422,
                    title="Tilsidesæt en farve: fejl")
    from .overrides import computed_signal

    try:
        computed = computed_signal(w, bid, values["update"], values["target"])
        await run_in_threadpool(w.ws.set_override, bid, who=auth.user.name, computed=computed, **values)
    except Rejected as err:
        return page(request, "override.html", override_data(w, bid, values, err.problems), auth=auth, status=422,
                    title="Tilsidesæt en farve: fejl")
    return redirect(f"/b/{bid}/status?{urlencode({'update': values['update'], 'opdateret': 'farve'})}")
