"""The barometer list, one barometer's page, the status of an update, and the history page."""
from __future__ import annotations

import threading
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ...errors import DataValidationError
from ...inputs.model import Period
from ...narrate import danish as da
from ..http import Web, json_or_page, page, require, web
from ..workspace import NotFound, problems


def barometers_data(w: Web) -> dict[str, Any]:
    return {"barometers": [w.ws.info(bid) for bid in w.ws.barometer_ids()]}


async def index(request: Request) -> Response:
    auth = require(request)
    data = barometers_data(web(request))
    return json_or_page(request, data["barometers"], "index.html", data, auth=auth, title="Barometre")


# `reportgen check`'s result per barometer, kept while no file of its folder changes.
_CHECKS: dict[tuple[str, str], tuple[tuple, dict[str, Any]]] = {}
_CHECKS_LOCK = threading.Lock()


def check_data(w: Web, barometer_id: str, barometer) -> dict[str, Any]:
    """What ``reportgen check`` finds beyond the data (preflight.check_folder: every text rendered
    against the latest update, the signature, the barometer's own templates, the map), as the page
    shows it: ``{"ok", "problems", "signer"}``."""
    from ...document import Signature
    from ...errors import ReportgenError
    from ...rounds.preflight import PreflightError, check_folder

    folder = w.ws.folder(barometer_id)
    key = tuple(sorted((p.relative_to(folder).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
                       for p in folder.rglob("*") if p.is_file() and not p.is_symlink()))
    with _CHECKS_LOCK:
        hit = _CHECKS.get((str(w.ws.root), barometer_id))
    if hit is not None and hit[0] == key:
        return hit[1]
    found: list[str] = []
    signer = ""
    try:
        documents = check_folder(barometer, project_dir=w.ws.project_dir)
    except PreflightError as err:
        found = list(err.problems)
    except ReportgenError as err:
        found = [str(err)]
    else:
        signatures = [blk for d in documents if d.meta.kind == "letter" for blk in d.blocks[-1:]
                      if isinstance(blk, Signature)]
        if signatures:
            signer = ", ".join(t for t in (signatures[0].name, signatures[0].title) if t)
    result = {"ok": not found, "problems": found, "signer": signer}
    with _CHECKS_LOCK:
        _CHECKS[(str(w.ws.root), barometer_id)] = (key, result)
    return result


def barometer_data(w: Web, barometer_id: str) -> dict[str, Any]:
    info = w.ws.info(barometer_id)
    updates, invalid, check = [], [], None
    try:
        b = w.ws.barometer(barometer_id)
        updates = [{"id": u.id, "label": u.label, "date": da.date(u.date)} for u in reversed(b.updates)]
        check = check_data(w, barometer_id, b)
    except DataValidationError as err:
        invalid = problems(getattr(err, "raw", None) or w.ws.folder(barometer_id), err.issues)
    return {"barometer": info, "updates": updates, "problems": invalid, "check": check,
            "builds": w.builds.of(barometer_id)[:10], "versions": w.ws.versions(barometer_id)[:10],
            "running": barometer_id in w.ws.busy}


async def barometer(request: Request) -> Response:
    auth = require(request)
    bid = request.path_params["bid"]
    data = await run_in_threadpool(barometer_data, web(request), bid)
    return page(request, "barometer.html", data, auth=auth, title=data["barometer"]["name"])


def status_data(w: Web, barometer_id: str, update: str | None) -> dict[str, Any]:
    """The `status --json` document of an update, and the same figures laid out for the page."""
    from ...narrate.status import status_json
    from ...signals.assess import assess

    info = w.ws.info(barometer_id)
    b = w.ws.barometer(barometer_id)
    known = [u.id for u in b.updates]
    update = update or known[-1]
    if update not in known:
        raise NotFound(f'opdateringen "{update}" findes ikke (kendte: {", ".join(known)})')
    doc = w.ws.derived(barometer_id, f"status:{update}", lambda bar: status_json(bar, assess(bar, update)))
    rows: dict[str, list[dict[str, Any]]] = {}
    for r in doc["indicators"]:
        ind = b.indicator(r["id"])
        dec = 0 if ind.unit == "count" else ind.decimals
        rows.setdefault(r["area"], []).append({
            **r, "value_text": "" if r["value"] is None else da.number(r["value"], dec),
            "change_text": "" if r["change"] is None else da.number(r["change"], dec),
            "period_text": "" if r["period"] is None else da.period_short(Period.parse(r["period"])),
        })
    areas = [{**a, "indicators": rows.get(a["id"], [])} for a in doc["areas"]]
    updates = [{"id": u.id, "label": u.label} for u in reversed(b.updates)]
    return {"barometer": info, "status": doc, "areas": areas, "update": b.update(update), "updates": updates}


async def status(request: Request) -> Response:
    auth = require(request)
    bid = request.path_params["bid"]
    w = web(request)
    try:
        data = await run_in_threadpool(status_data, w, bid, request.query_params.get("update"))
    except DataValidationError as err:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"errors": [str(i) for i in err.issues]}, status_code=422)
        raise HTTPException(422, "Data i barometret er ikke gyldige; se barometrets side.") from None
    notice = NOTICES.get(request.query_params.get("opdateret", ""), "")
    return json_or_page(request, data["status"], "status.html", {**data, "notice": notice}, auth=auth,
                        title=f"Status {data['update'].label}")


# What the status page says after a change redirected to it (?opdateret=...).
NOTICES = {
    "data": "De nye data er kontrolleret og taget i brug. Den tidligere version er gemt og kan gendannes.",
    "gendannet": "Den tidligere version af data er gendannet.",
    "farve": "Forvaltningens vurdering er gemt i overrides.csv.",
}


def history_data(w: Web, barometer_id: str) -> dict[str, Any]:
    """The audit log of a barometer, newest first; data changes with their files' hashes split out."""
    import json

    events = []
    for e in w.ws.audit.events(barometer_id):
        note, files = e.detail, []
        start = e.detail.find("{")
        if e.action in ("data", "override", "restore") and start >= 0:
            try:
                changed = json.loads(e.detail[start:])["files"]
                note = e.detail[:start]
                files = [{"name": n, "before": (h["before"] or "")[:12], "after": (h["after"] or "")[:12]}
                         for n, h in changed.items()]
            except (ValueError, KeyError, TypeError, AttributeError):
                pass
        events.append({"event": e, "note": note, "files": files})
    return {"barometer": w.ws.info(barometer_id), "events": events}


async def history(request: Request) -> Response:
    auth = require(request)
    data = history_data(web(request), request.path_params["bid"])
    return page(request, "history.html", data, auth=auth, title="Historik")
