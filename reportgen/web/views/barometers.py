"""The barometer list, one barometer's page, the status of an update, and the history page."""
from __future__ import annotations

import threading
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ... import palette
from ...errors import DataValidationError
from ...inputs.model import Period
from ...narrate import danish as da
from ..http import Web, json_or_page, page, require, web
from ..workspace import NotFound, problems


def barometers_data(w: Web) -> dict[str, Any]:
    return {"barometers": [w.ws.info(bid) for bid in w.ws.barometer_ids()]}


def overview(w: Web, barometer_id: str) -> dict[str, Any]:
    """What the list shows of one barometer: its latest update, the areas' colours then, its last build."""
    from ...narrate.status import status_json
    from ...signals.assess import assess

    out: dict[str, Any] = {"latest": None, "areas": [], "invalid": False, "build": None}
    try:
        b = w.ws.barometer(barometer_id)
        latest = b.latest_update.id
        doc = w.ws.derived(barometer_id, f"status:{latest}", lambda bar: status_json(bar, assess(bar, latest)))
        out["latest"] = {"id": latest, "label": b.latest_update.label}
        out["areas"] = [{"name": a["name"], "signal": a["signal"]} for a in doc["areas"]]
    except DataValidationError:
        out["invalid"] = True
    builds = w.builds.of(barometer_id)
    out["build"] = builds[0] if builds else None
    return out


async def index(request: Request) -> Response:
    auth = require(request)
    w = web(request)
    data = barometers_data(w)
    if not request.url.path.startswith("/api/"):
        overviews = await run_in_threadpool(lambda: {b["id"]: overview(w, b["id"]) for b in data["barometers"]})
        data = {**data, "overviews": overviews}
    return json_or_page(request, data["barometers"], "index.html", data, auth=auth, title="Barometre")


# `reportgen check`'s result per barometer, kept while no file of its folder changes.
_CHECKS: dict[tuple[str, str], tuple[tuple, dict[str, Any]]] = {}
_CHECKS_LOCK = threading.Lock()


def check_data(w: Web, barometer_id: str, barometer) -> dict[str, Any]:
    """What ``reportgen check`` finds beyond the data (preflight.check_folder: every text rendered
    against the latest update, the signature, the barometer's own templates, the map), as the page
    shows it: ``{"ok", "problems", "signer", "warnings"}`` (warnings: what the documents would show as
    a gap, the same lines ``check`` prints as "Advarsel"; they stop nothing)."""
    from ...document import Signature
    from ...errors import ReportgenError
    from ...rounds.preflight import PreflightError, check_folder, warnings

    folder = w.ws.folder(barometer_id)
    key = tuple(sorted((p.relative_to(folder).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
                       for p in folder.rglob("*") if p.is_file() and not p.is_symlink()))
    with _CHECKS_LOCK:
        hit = _CHECKS.get((str(w.ws.root), barometer_id))
    if hit is not None and hit[0] == key:
        return hit[1]
    found: list[str] = []
    gaps: list[str] = []
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
        gaps = warnings(barometer, project_dir=w.ws.project_dir, documents=documents)
    result = {"ok": not found, "problems": found, "signer": signer, "warnings": gaps}
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
    assessed = w.ws.derived(barometer_id, f"assess:{update}", lambda bar: assess(bar, update))
    computed = {r.indicator: r.computed_signal for r in assessed.indicators if r.overridden}
    computed |= {a.area: a.computed_signal for a in assessed.areas if a.overridden}
    labels = {u.id: u.label for u in b.updates}
    rows: dict[str, list[dict[str, Any]]] = {}
    for r in doc["indicators"]:
        ind = b.indicator(r["id"])
        dec = 0 if ind.unit == "count" else ind.decimals
        rows.setdefault(r["area"], []).append({
            **r, "value_text": "" if r["value"] is None else da.number(r["value"], dec) + (
                " %" if ind.unit == "percent" else ""),
            # As the PDFs write a change: with its sign and unit ("+2,7 pct.-point").
            "change_text": "" if r["change"] is None else da.signed_change(r["change"], ind.unit, ind.decimals,
                                                                           short=True),
            "period_text": "" if r["period"] is None else da.period_short(Period.parse(r["period"])),
            "computed": computed.get(r["id"]),
            "carried_label": labels.get(r["carried_from"] or "", r["carried_from"]) if r["carried_over"] else "",
        })
    areas = [{**a, "indicators": rows.get(a["id"], []), "computed": computed.get(a["id"])} for a in doc["areas"]]
    updates = [{"id": u.id, "label": u.label} for u in reversed(b.updates)]
    return {"barometer": info, "status": doc, "areas": areas, "update": b.update(update), "updates": updates,
            "legend": [{"signal": s, "meaning": palette.style(s).meaning} for s in ("green", "yellow", "red", "grey")]}


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
    "ingen": "Ingen ændringer; der er ikke gemt en ny version (filerne er de samme som dem, der bruges nu).",
    "farve": "Forvaltningens vurdering er gemt i overrides.csv.",
    "fjernet": "Den tilsidesatte farve er fjernet; den beregnede farve gælder igen.",
}


def _names(w: Web) -> Any:
    """The history's names for texts (as the texts page names them) and updates (their labels),
    read once per barometer; an id stays where the barometer cannot be read."""
    from ..history import Names
    from ..texts import block_names, text_names

    class Known(Names):
        def __init__(self) -> None:
            self.texts: dict[str, dict[str, str]] = {}
            self.updates: dict[str, dict[str, str]] = {}

        def _read(self, barometer_id: str) -> None:
            if barometer_id in self.texts:
                return
            self.texts[barometer_id], self.updates[barometer_id] = {}, {}
            try:
                self.texts[barometer_id] = {**text_names(w.ws, barometer_id), **block_names(w.ws, barometer_id)}
                self.updates[barometer_id] = {u.id: u.label.lower() for u in w.ws.barometer(barometer_id).updates}
            except Exception:  # noqa: BLE001 - a removed or invalid barometer: its history still reads
                pass

        def text(self, barometer: str, name: str) -> str:
            self._read(barometer)
            return self.texts[barometer].get(name, name)

        def update(self, barometer: str, update: str) -> str:
            self._read(barometer)
            return self.updates[barometer].get(update, update)

    return Known()


def history_data(w: Web, barometer_id: str, kind: str | None = None) -> dict[str, Any]:
    """The audit log of a barometer in words, newest first (web/history.py)."""
    from ..history import KINDS, LOGIN, events

    w.ws.folder(barometer_id)
    kinds = {k: word for k, word in KINDS.items() if k != LOGIN}  # logins belong to no barometer
    kind = kind if kind in kinds else None
    return {"barometer": w.ws.info(barometer_id),
            "events": events(w.ws.audit, barometer_id, kind=kind, names=_names(w)),
            "kinds": kinds, "kind": kind or "", "workspace": False, "selected": ""}


def workspace_history_data(w: Web, barometer_id: str | None = None, kind: str | None = None, *,
                           logins: bool = True) -> dict[str, Any]:
    """Every barometer's changes (and the logins, when ``logins``) in words, newest first; filtered
    by barometer (an id of the workspace) and kind. Logins belong to no barometer."""
    from ..history import KINDS, LOGIN, events

    infos = [w.ws.info(bid) for bid in w.ws.barometer_ids()]
    names = {i["id"]: i["title"] for i in infos}
    kinds = {k: word for k, word in KINDS.items() if logins or k != LOGIN}
    kind = kind if kind in kinds else None
    barometer_id = barometer_id if barometer_id in names else None
    if barometer_id is not None and kind == LOGIN:
        found: list[dict[str, Any]] = []
    else:
        found = events(w.ws.audit, barometer_id, kind=kind, logins=logins, titles=names, names=_names(w))
    return {"barometers": infos, "events": found, "kinds": kinds, "kind": kind or "",
            "selected": barometer_id or "", "workspace": True}


async def workspace_history(request: Request) -> Response:
    """``/history`` and ``/api/history?barometer=ID&kind=K``: the whole workspace's history."""
    auth = require(request)
    q = request.query_params
    # Logins name people and addresses: editors see them, readers see the barometers' changes.
    data = workspace_history_data(web(request), q.get("barometer") or None, q.get("kind") or None,
                                  logins=auth.user.can_edit)
    return json_or_page(request, [{k: e[k] for k in ("time", "user", "action", "summary", "lines", "barometer")}
                                  for e in data["events"]], "history.html", data, auth=auth, title="Al historik")


async def history(request: Request) -> Response:
    auth = require(request)
    data = history_data(web(request), request.path_params["bid"], request.query_params.get("kind"))
    return json_or_page(request, [{k: e[k] for k in ("time", "user", "action", "summary", "lines")}
                                  for e in data["events"]], "history.html", data, auth=auth, title="Historik")
