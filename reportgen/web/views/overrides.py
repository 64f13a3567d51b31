"""Overrides from the status row and the API: set (with a reason) and remove, both audited, with the
colour the rules compute kept beside them."""
from __future__ import annotations

import json
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ...inputs.model import SIGNALS
from ..http import Web, change, field, redirect, web
from ..workspace import NotFound, Rejected


def computed_signal(w: Web, barometer_id: str, update: str, target: str) -> str | None:
    """The colour the rules give ``target`` (indicator or area) at ``update``, whatever an override says."""
    from ...signals.assess import assess

    b = w.ws.barometer(barometer_id)
    if update not in [u.id for u in b.updates]:
        return None
    a = w.ws.derived(barometer_id, f"assess:{update}", lambda bar: assess(bar, update))
    for r in (*a.indicators, *a.areas):
        if getattr(r, "indicator", None) == target or getattr(r, "area", None) == target:
            return r.computed_signal if r.overridden and r.computed_signal else r.signal
    return None


async def api_set(request: Request) -> Response:
    """JSON ``{"indicator" or "area", "update", "signal", "reason"}``; no reason -> 422."""
    auth, _ = await change(request)
    w = web(request)
    bid = request.path_params["bid"]
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise HTTPException(400, "brødteksten skal være JSON") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "brødteksten skal være et JSON-objekt")
    target = str(body.get("indicator") or body.get("area") or "").strip()
    update, signal = str(body.get("update") or "").strip(), str(body.get("signal") or "").strip()
    reason = str(body.get("reason") or "").strip()
    errors = [text for ok, text in ((target, "indicator eller area skal udfyldes"), (update, "update skal udfyldes"),
                                    (signal in SIGNALS, "signal skal være green, yellow eller red"),
                                    (reason, "reason skal udfyldes: en tilsidesat farve skal begrundes"))
              if not ok]
    if errors:
        return JSONResponse({"errors": errors}, status_code=422)
    computed = computed_signal(w, bid, update, target)
    try:
        await run_in_threadpool(w.ws.set_override, bid, update=update, target=target, signal=signal, reason=reason,
                                who=auth.user.name, computed=computed)
    except Rejected as err:
        return JSONResponse({"errors": [p.text for p in err.problems]}, status_code=422)
    return JSONResponse({"update": update, "target": target, "signal": signal, "reason": reason,
                         "computed": computed})


async def _remove(w: Web, bid: str, target: str, update: str, who: str) -> None:
    if not update:
        raise NotFound("angiv opdateringen (?update=…)")
    computed = computed_signal(w, bid, update, target)
    await run_in_threadpool(w.ws.remove_override, bid, update=update, target=target, who=who, computed=computed)


async def api_remove(request: Request) -> Response:
    auth, _ = await change(request)
    w = web(request)
    bid, target = request.path_params["bid"], request.path_params["target"]
    update = request.query_params.get("update", "")
    await _remove(w, bid, target, update, auth.user.name)
    return JSONResponse({"removed": {"target": target, "update": update}})


async def remove(request: Request) -> Response:
    """The status row's "Fjern" button."""
    auth, form = await change(request)
    w = web(request)
    bid = request.path_params["bid"]
    update, target = field(form, "update"), field(form, "target")
    try:
        await _remove(w, bid, target, update, auth.user.name)
    except Rejected as err:
        raise HTTPException(422, "; ".join(p.text for p in err.problems)) from None
    return redirect(f"/b/{bid}/status?{urlencode({'update': update, 'opdateret': 'fjernet'})}#ind-{target}")



