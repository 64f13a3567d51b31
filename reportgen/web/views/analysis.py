"""Compare (each indicator under every method) and diff (what changed between two updates): the
`reportgen compare --json` and `reportgen diff --json` documents, shown as pages."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...inputs.model import Period
from ...narrate import danish as da
from ..http import Web, json_or_page, require, web
from ..workspace import NotFound


def _update(b, update: str | None, *, default: str) -> str:
    known = [u.id for u in b.updates]
    update = update or default
    if update not in known:
        raise NotFound(f'opdateringen "{update}" findes ikke (kendte: {", ".join(known)})')
    return update


def compare_data(w: Web, barometer_id: str, update: str | None) -> dict[str, Any]:
    from ...narrate.compare import METHOD_LABEL, compare, comparison_json

    b = w.ws.barometer(barometer_id)
    update = _update(b, update, default=b.latest_update.id)
    doc = w.ws.derived(barometer_id, f"compare:{update}", lambda bar: comparison_json(bar, compare(bar, update)))
    return {"barometer": w.ws.info(barometer_id), "compare": doc, "update": b.update(update),
            "labels": METHOD_LABEL, "updates": [{"id": u.id, "label": u.label} for u in reversed(b.updates)]}


async def compare_page(request: Request) -> Response:
    auth = require(request)
    data = compare_data(web(request), request.path_params["bid"], request.query_params.get("update"))
    return json_or_page(request, data["compare"], "compare.html", data, auth=auth,
                        title=f"Metoder {data['update'].label}")


def diff_data(w: Web, barometer_id: str, from_id: str | None, to_id: str | None) -> dict[str, Any]:
    from ...narrate.diff import diff, diff_json

    b = w.ws.barometer(barometer_id)
    known = [u.id for u in b.updates]
    if len(known) < 2:
        raise NotFound("barometret har kun én opdatering; der er intet at sammenligne")
    to_id = _update(b, to_id, default=known[-1])
    from_id = _update(b, from_id, default=known[max(0, known.index(to_id) - 1)])
    if known.index(from_id) >= known.index(to_id):
        raise NotFound("den første opdatering skal ligge før den anden")
    doc = w.ws.derived(barometer_id, f"diff:{from_id}:{to_id}", lambda bar: diff_json(bar, diff(bar, from_id, to_id)))
    figures = []
    for fig in doc["new_figures"]:
        ind = b.indicator(fig["indicator"])
        figures.append({**fig, "value_text": da.number(fig["value"], 0 if ind.unit == "count" else ind.decimals),
                        "period_text": da.period_short(Period.parse(fig["period"]))})
    return {"barometer": w.ws.info(barometer_id), "diff": doc, "figures": figures, "from": b.update(from_id),
            "to": b.update(to_id), "updates": [{"id": u.id, "label": u.label} for u in reversed(b.updates)]}


async def diff_page(request: Request) -> Response:
    auth = require(request)
    q = request.query_params
    data = diff_data(web(request), request.path_params["bid"], q.get("from"), q.get("to"))
    return json_or_page(request, data["diff"], "diff.html", data, auth=auth,
                        title=f"Ændringer {data['from'].label} – {data['to'].label}")
