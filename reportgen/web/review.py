"""Review before change: an upload is checked in a staging copy and compared with the data now —
every changed, added or removed figure, every colour that would change (the signal engine run on
both, so no rule is written twice) and warnings where a figure looks implausible. Nothing changes
until the administrator confirms; the confirm applies exactly the reviewed files, and is refused
if the data changed meanwhile."""
from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..inputs.load import load_folder
from ..inputs.model import Period
from ..narrate import danish as da
from .workspace import NotFound, Workspace

REVIEW_SECONDS = 3600
_KEYS = {"measurements": ("indicator", "period", "district"), "overrides": ("update", "target")}


class Changed(Exception):
    """The data changed since the review was made (409)."""


@dataclass
class Review:
    id: str
    barometer: str
    base: str  # hash of the data files the review was made against
    writes: dict[str, bytes]
    removes: set[str]
    result: dict[str, Any]
    expires: float
    lines: list[str]


_REVIEWS: dict[str, Review] = {}
_LOCK = threading.Lock()


def data_hash(ws: Workspace, barometer_id: str) -> str:
    files = ws.data_files(barometer_id)
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()


def _num(text: str) -> float | str:
    try:
        return float(text.replace(",", ".")) if text.strip() else ""
    except ValueError:
        return text.strip()


def _fmt_period(text: str) -> str:
    try:
        return da.period_short(Period.parse(text))
    except Exception:  # noqa: BLE001 - not a period: shown as written
        return text


def figure_changes(before_raw, after_raw) -> list[dict[str, Any]]:
    """Row by row, keyed by id (measurements by indicator, period and district), cell by cell;
    numbers compared as numbers, so a figure written 59.3 or 59,3 is the same."""
    out = []
    for name in sorted(set(before_raw.tables) | set(after_raw.tables)):
        old, new = before_raw.tables.get(name), after_raw.tables.get(name)
        key_cols = _KEYS.get(name)
        columns = list(dict.fromkeys([*(old.columns if old else ()), *(new.columns if new else ())]))
        key_cols = key_cols or (columns[0],) if columns else ()

        def rows(table, key_cols=key_cols):
            if table is None:
                return {}
            return {tuple(r.cells.get(c, "").strip() for c in key_cols): r.cells for r in table.rows}

        a, b = rows(old), rows(new)
        label = (new or old).file
        for key in [*a, *(k for k in b if k not in a)]:
            ident = dict(zip(key_cols, key, strict=True))
            base = {"file": label, "table": name, "indicator": ident.get("indicator") or ident.get("target") or key[0],
                    "period": ident.get("period") or ident.get("update") or "", "district": ident.get("district", "")}
            if key not in b:
                out.append({**base, "column": "", "before": "(rækken)", "after": None, "kind": "removed"})
                continue
            if key not in a:
                value = b[key].get("value", "") if name == "measurements" else ""
                out.append({**base, "column": "value" if name == "measurements" else "",
                            "before": None, "after": value or "(ny række)", "kind": "added"})
                continue
            for col in columns:
                if col in key_cols:
                    continue
                x, y = a[key].get(col, ""), b[key].get(col, "")
                if _num(x) != _num(y):
                    out.append({**base, "column": col, "before": x, "after": y, "kind": "changed"})
    return out


def colour_changes(before, after) -> list[dict[str, Any]]:
    """Every indicator's and area's colour that differs, at every update both know (assess, as the documents)."""
    from ..signals.assess import assess_history

    old = {a.update: a for a in assess_history(before)}
    out = []
    for new in assess_history(after):
        prev = old.get(new.update)
        for r in new.indicators:
            was = next((x.signal for x in prev.indicators if x.indicator == r.indicator), None) if prev else None
            if was != r.signal:
                out.append({"id": r.indicator, "update": new.update, "before": was, "after": r.signal})
        for r in new.areas:
            was = next((x.signal for x in prev.areas if x.area == r.area), None) if prev else None
            if was != r.signal:
                out.append({"id": r.area, "update": new.update, "before": was, "after": r.signal, "area": True})
    return out


def warnings(before, after, changes: list[dict[str, Any]]) -> list[str]:
    """Figures that look implausible: a jump far beyond the standard error or the series' history,
    the city and every district moving opposite ways, a new figure for a period older than the latest."""
    out: list[str] = []
    touched = {(c["indicator"], c["period"], c["district"] or None) for c in changes
               if c["table"] == "measurements" and c["kind"] in ("added", "changed")}
    for ind in after.indicators:
        for district in {m.district for m in after.measurements if m.indicator == ind.id}:
            series = sorted(after.measurements_of(ind.id, district=district), key=lambda m: m.period)
            steps = [abs(b.value - a.value) for a, b in zip(series, series[1:], strict=False)]
            for i, m in enumerate(series):
                if (ind.id, str(m.period), district) not in touched or i == 0:
                    continue
                jump = abs(m.value - series[i - 1].value)
                others = steps[:i - 1] + steps[i:]
                where = f"{ind.id} ({da.period_short(m.period)}{', ' + district if district else ''})"
                if m.se and jump > 4 * m.se * 1.4142:
                    out.append(f"{where}: springet på {da.number(jump, ind.decimals)} er langt større end "
                               f"standardfejlen ({da.number(m.se, ind.decimals)}). Er tallet rigtigt?")
                elif others and jump > 3 * max(others) and jump > 0:
                    out.append(f"{where}: springet på {da.number(jump, ind.decimals)} er mere end tre gange det "
                               f"største tidligere spring ({da.number(max(others), ind.decimals)}). Er tallet rigtigt?")
        # The city and every district moving in opposite directions at a touched period.
        for period in sorted({p for i, p, _ in touched if i == ind.id}):
            moves = {}
            for district in {m.district for m in after.measurements if m.indicator == ind.id}:
                series = sorted(after.measurements_of(ind.id, district=district), key=lambda m: m.period)
                idx = next((k for k, m in enumerate(series) if str(m.period) == period), None)
                if idx:
                    moves[district] = series[idx].value - series[idx - 1].value
            city = moves.pop(None, None)
            if city and len(moves) >= 2 and all(d and (d > 0) != (city > 0) for d in moves.values()):
                out.append(f"{ind.id} ({_fmt_period(period)}): kommunens tal går den modsatte vej af alle "
                           "distrikternes. Er tallene rigtige?")
    latest: dict[tuple[str, str | None], Period] = {}
    for m in before.measurements:
        k = (m.indicator, m.district)
        latest[k] = max(latest.get(k, m.period), m.period)
    for c in changes:
        if c["table"] == "measurements" and c["kind"] == "added":
            top = latest.get((c["indicator"], c["district"] or None))
            try:
                period = Period.parse(c["period"])
            except Exception:  # noqa: BLE001
                continue
            if top is not None and period < top:
                out.append(f"{c['indicator']}: den nye periode {da.period_short(period)} er ældre end den seneste, "
                           f"der allerede findes ({da.period_short(top)}).")
    return out


def make_review(ws: Workspace, barometer_id: str, files: Mapping[str, bytes]) -> Review:
    """Check ``files`` as an upload would and compare; Rejected (with every problem) if invalid."""
    writes, removes = ws.plan_upload(files)
    base = data_hash(ws, barometer_id)
    with ws.checked_copy(barometer_id, writes, removes) as (after_raw, after):
        pass  # read once: the figures and the colours below both come from it
    before = ws.barometer(barometer_id)
    changes = figure_changes(load_folder(ws.folder(barometer_id)), after_raw)
    colours = colour_changes(before, after) if changes else []
    result = {"changes": changes, "colours": colours, "warnings": warnings(before, after, changes) if changes else []}
    decimals = {i.id: 0 if i.unit == "count" else i.decimals for i in after.indicators}
    review = Review(secrets.token_urlsafe(12), barometer_id, base, dict(writes), set(removes), result,
                    time.time() + REVIEW_SECONDS, [change_line(c, decimals) for c in changes])
    with _LOCK:
        now = time.time()
        for key in [k for k, v in _REVIEWS.items() if v.expires < now]:
            del _REVIEWS[key]
        _REVIEWS[review.id] = review
    return review


def get(barometer_id: str, review_id: str) -> Review:
    with _LOCK:
        review = _REVIEWS.get(review_id)
    if review is None or review.barometer != barometer_id or review.expires < time.time():
        raise NotFound("gennemsynet findes ikke, er udløbet eller er allerede taget i brug; send filen igen")
    return review


def apply(ws: Workspace, barometer_id: str, review_id: str, *, who: str) -> tuple[Review, dict[str, str]]:
    """Apply exactly the reviewed files; Changed if the data changed since the review."""
    review = get(barometer_id, review_id)
    with ws.lock(barometer_id):
        if data_hash(ws, barometer_id) != review.base:
            raise Changed("data er ændret, siden du så gennemsynet; send filen igen for at se ændringerne nu")
        with _LOCK:
            if _REVIEWS.pop(review_id, None) is None:
                raise NotFound("gennemsynet er allerede taget i brug")
        summary = review.lines
        hashes = ws._change_locked(barometer_id, review.writes, review.removes, who=who, action="data",
                                   audit_extra={"after": json.dumps({"changes": summary[:500]}, ensure_ascii=False)})
    return review, hashes


def change_line(c: dict[str, Any], decimals: Mapping[str, int] | None = None) -> str:
    """``BES1 (aug. 2009): 59,3 → 63,1`` — one figure's change in words."""
    where = c["indicator"]
    inner = ", ".join(x for x in (_fmt_period(c["period"]) if c["period"] else "", c["district"]) if x)
    if inner:
        where += f" ({inner})"
    if c["column"] and c["column"] != "value":
        where += f" {c['column']}"

    def show(v):
        if v is None:
            return "–"
        n = _num(v)
        if not isinstance(n, float):
            return v
        shown = (decimals or {}).get(c["indicator"]) if c["column"] in ("value", "se") else None
        return da.number(n, shown if shown is not None else (len(v.split(".")[-1]) if "." in v else 0))

    if c["kind"] == "removed":
        return f"{where}: fjernet"
    if c["kind"] == "added":
        return f"{where}: ny, {show(c['after'])}"
    return f"{where}: {show(c['before'])} → {show(c['after'])}"
