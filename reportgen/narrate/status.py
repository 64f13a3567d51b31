"""The `status` view of an assessment: the contract's JSON object and a terminal table."""
from __future__ import annotations

from typing import Any

from ..inputs.model import Barometer, Indicator, Period
from ..signals.assess import AreaResult, Assessment, DistrictResult, IndicatorResult
from . import danish as da
from .sentences import explain, explain_area

SYMBOL: dict[str, str] = {"green": "●", "yellow": "●", "red": "●", "grey": "○"}
TERMINAL_STYLE: dict[str, str] = {"green": "green", "yellow": "yellow", "red": "red", "grey": "bright_black"}


def _round(value: float | None, decimals: int) -> float | int | None:
    """A JSON number at the indicator's decimals (an int when it has none); None stays None."""
    if value is None:
        return None
    rounded = da.round_half_away(value, decimals) + 0.0
    return int(rounded) if decimals == 0 else rounded


def _period(p: Period | None) -> str | None:
    return None if p is None else str(p)


def _area_json(barometer: Barometer, a: AreaResult) -> dict[str, Any]:
    return {
        "id": a.area, "name": barometer.area(a.area).name, "signal": a.signal,
        "carried_over": a.carried_over, "overridden": a.overridden,
        # provenance (extension): after the contract's fields
        "aggregation": a.aggregation, "carried_from": a.carried_from,
        "override_reason": a.override_reason, "explanation": explain_area(barometer, a),
    }


def _district_json(ind: Indicator, d: DistrictResult) -> dict[str, Any]:
    return {"id": d.district, "signal": d.signal, "value": _round(d.value, ind.decimals),
            "change": _round(d.change, ind.decimals), "suppressed": d.suppressed}


def _indicator_json(barometer: Barometer, r: IndicatorResult) -> dict[str, Any]:
    ind = barometer.indicator(r.indicator)
    dec = ind.decimals
    out: dict[str, Any] = {
        "id": ind.id, "area": ind.area, "name": ind.name, "main": ind.main, "signal": r.signal,
        "carried_over": r.carried_over, "overridden": r.overridden,
        "value": _round(r.value, dec), "period": _period(r.period),
        "reference_value": _round(r.reference_value, dec), "reference_period": _period(r.reference_period),
        "change": _round(r.change, dec), "significant": r.significant,
        "target_value": _round(r.target_value, dec), "target_period": _period(r.target_period),
        "remaining": _round(r.remaining, dec), "on_track": r.on_track,
    }
    if r.districts:
        out["districts"] = [_district_json(ind, d) for d in r.districts]
    out.update({
        "rule": r.rule, "tolerance": r.tolerance, "z": _round(r.z, 2), "z_crit": _round(r.z_crit, 2),
        "carried_from": r.carried_from, "override_reason": r.override_reason,
        "explanation": explain(barometer, ind, r),
    })
    return out


def status_json(barometer: Barometer, assessment: Assessment) -> dict[str, Any]:
    """The object `reportgen status --json` prints (data-format.md), provenance fields last."""
    return {
        "update": assessment.update,
        "previous_update": assessment.previous_update,
        "areas": [_area_json(barometer, a) for a in assessment.areas],
        "indicators": [_indicator_json(barometer, r) for r in assessment.indicators],
    }


def signal_label(signal: str) -> str:
    """``● rød``: symbol plus word, so the colour is never the only carrier of meaning."""
    return f"{SYMBOL[signal]} {da.signal_word(signal)}"


def _cell(ind: Indicator, value: float | None) -> str:
    return "" if value is None else da.number(value, 0 if ind.unit == "count" else ind.decimals)


def status_table(barometer: Barometer, assessment: Assessment):
    """A rich Table: areas, each followed by its indicators, with colour, word, figures and notes."""
    from rich.table import Table
    from rich.text import Text

    update = assessment.at
    table = Table(title=f"{barometer.config.title} – opdateringen {da.month_year(update.date)}",
                  title_justify="left")
    table.add_column("Område / indikator", max_width=48, no_wrap=True, overflow="ellipsis")
    table.add_column("Signal", no_wrap=True)
    for header in ("Tal", "Periode", "Ændring", "Til målet"):
        table.add_column(header, justify="left" if header == "Periode" else "right", no_wrap=True)
    table.add_column("Bemærkning")

    def note(carried_from: str | None, overridden: bool) -> str:
        parts = []
        if carried_from:
            parts.append(f"overført fra {da.month_year(barometer.update(carried_from).date)}")
        if overridden:
            parts.append("vurderet af forvaltningen")
        return ", ".join(parts)

    for a in assessment.areas:
        table.add_row(Text(barometer.area(a.area).name, style="bold"),
                      Text(signal_label(a.signal), style=TERMINAL_STYLE[a.signal]), "", "", "", "",
                      note(a.carried_from if a.carried_over else None, a.overridden))
        for r in assessment.indicators:
            ind = barometer.indicator(r.indicator)
            if ind.area != a.area:
                continue
            table.add_row(f"  {'★ ' if ind.main else ''}{ind.id} {ind.name}",
                          Text(signal_label(r.signal), style=TERMINAL_STYLE[r.signal]),
                          _cell(ind, r.value), "" if r.period is None else da.period_short(r.period),
                          _cell(ind, r.change), _cell(ind, r.remaining),
                          note(r.carried_from if r.carried_over else None, r.overridden))
    return table
