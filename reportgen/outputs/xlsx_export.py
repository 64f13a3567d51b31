"""`reportgen export --xlsx`: one Excel workbook for the analysts, built with pandas.

Every measurement, and the colour of every indicator, district and area at every update with its
provenance and why-sentence, as long tables (one row per fact) plus a colour overview (indicator x
update). Text cells are neutralised against formula injection (export.py), the headers are Danish,
and the bytes depend on the data only: fixed workbook times and ZIP dates, sorted ZIP members.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..inputs.model import Barometer, Period
from ..narrate import danish as da
from ..narrate import explain, explain_area
from ..narrate.compare import METHOD_LABEL
from ..signals.assess import Assessment, assess_history
from .export import cell_value, fixed_time_xlsx

if TYPE_CHECKING:
    import pandas as pd

# Sheet names, in the workbook's order (Excel allows at most 31 characters, no : \ / ? * [ ]).
SHEET_ABOUT = "Om"
SHEET_OVERVIEW = "Farveoversigt"
SHEET_MEASUREMENTS = "Målinger"
SHEET_INDICATORS = "Indikatorsignaler"
SHEET_AREAS = "Områdesignaler"
SHEET_DISTRICTS = "Distriktsignaler"

UNIT_WORD: dict[str, str] = {"percent": "procent", "count": "antal", "value": "værdi"}
DIRECTION_WORD: dict[str, str] = {"up": "op er godt", "down": "ned er godt"}
AGGREGATION_WORD: dict[str, str] = {"worst": "den dårligste", "majority": "flertallet"}


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else "ja" if value else "nej"


def _period(p: Period | None) -> str | None:
    """Periods stay as the data writes them (``2009-08``, ``2009``): sortable text."""
    return None if p is None else str(p)


def _signal(signal: str | None) -> str | None:
    return None if signal is None else da.signal_word(signal)


def _update_date(barometer: Barometer, update_id: str | None) -> dt.date | None:
    return None if update_id is None else barometer.update(update_id).date


def _measurement_rows(barometer: Barometer) -> list[dict[str, Any]]:
    rows = []
    for m in barometer.measurements:
        ind = barometer.indicator(m.indicator)
        district = barometer.district(m.district).name if m.district else None
        rows.append({
            "Indikator-id": ind.id, "Indikator": ind.name, "Område": barometer.area(ind.area).name,
            "Distrikt-id": m.district, "Distrikt": district, "Periode": _period(m.period),
            "Værdi": m.value, "Enhed": UNIT_WORD[ind.unit], "Standardfejl": m.se, "n": m.n,
            "Offentliggjort i opdatering": m.update, "Kilde": ind.source,
        })
    return rows


def _indicator_rows(barometer: Barometer, history: tuple[Assessment, ...]) -> list[dict[str, Any]]:
    rows = []
    for a in history:
        update = a.at
        for r in a.indicators:
            ind = barometer.indicator(r.indicator)
            rows.append({
                "Opdatering": a.update, "Opdateringsdato": update.date,
                "Område": barometer.area(ind.area).name, "Indikator-id": ind.id, "Indikator": ind.name,
                "Hovedindikator": _yes_no(ind.main), "Signal": _signal(r.signal),
                "Værdi": r.value, "Periode": _period(r.period), "Enhed": UNIT_WORD[ind.unit],
                "Retning": DIRECTION_WORD[ind.direction],
                "Sammenlignet med": r.reference_value, "Sammenligningsperiode": _period(r.reference_period),
                "Ændring": r.change, "Signifikant": _yes_no(r.significant), "z": r.z, "z-kritisk": r.z_crit,
                "Standardfejl": r.se, "n": r.n,
                "Mål": r.target_value, "Målperiode": _period(r.target_period), "Til målet": r.remaining,
                "På vej mod målet": _yes_no(r.on_track), "Forventet værdi (linje til mål)": r.expected_value,
                "Regel": METHOD_LABEL.get(r.rule, r.rule), "Tolerance": r.tolerance,
                "Overført": _yes_no(r.carried_over), "Overført fra opdatering": r.carried_from,
                "Overført fra dato": _update_date(barometer, r.carried_from) if r.carried_over else None,
                "Vurderet af forvaltningen": _yes_no(r.overridden),
                "Beregnet signal": _signal(r.computed_signal), "Forvaltningens begrundelse": r.override_reason,
                "Forklaring": explain(barometer, ind, r),
            })
    return rows


def _area_rows(barometer: Barometer, history: tuple[Assessment, ...]) -> list[dict[str, Any]]:
    rows = []
    for a in history:
        update = a.at
        for r in a.areas:
            rows.append({
                "Opdatering": a.update, "Opdateringsdato": update.date, "Område-id": r.area,
                "Område": barometer.area(r.area).name, "Signal": _signal(r.signal),
                "Sammenvejning": AGGREGATION_WORD.get(r.aggregation, r.aggregation),
                "Hovedindikatorer": ", ".join(f"{i} {da.signal_word(s)}" for i, s in r.main_signals) or None,
                "Overført": _yes_no(r.carried_over), "Overført fra opdatering": r.carried_from,
                "Vurderet af forvaltningen": _yes_no(r.overridden),
                "Beregnet signal": _signal(r.computed_signal), "Forvaltningens begrundelse": r.override_reason,
                "Forklaring": explain_area(barometer, r),
            })
    return rows


def _district_rows(barometer: Barometer, history: tuple[Assessment, ...]) -> list[dict[str, Any]]:
    rows = []
    for a in history:
        for r in a.indicators:
            ind = barometer.indicator(r.indicator)
            for d in r.districts:
                rows.append({
                    "Opdatering": a.update, "Indikator-id": ind.id, "Indikator": ind.name,
                    "Distrikt-id": d.district, "Distrikt": barometer.district(d.district).name,
                    "Signal": _signal(d.signal), "Værdi": d.value, "Periode": _period(d.period),
                    "Sammenlignet med": d.reference_value, "Sammenligningsperiode": _period(d.reference_period),
                    "Ændring": d.change, "n": d.n, "Skjult (for få svar)": _yes_no(d.suppressed),
                    "Overført": _yes_no(d.carried_over), "Overført fra opdatering": d.carried_from,
                })
    return rows


def _frame(rows: list[dict[str, Any]], columns: list[str] | None = None) -> pd.DataFrame:
    """A DataFrame whose text cells are neutralised and whose whole-number columns stay whole."""
    import pandas as pd

    safe = [{key: cell_value(v) if isinstance(v, str) else v for key, v in row.items()} for row in rows]
    frame = pd.DataFrame(safe, columns=columns)
    if "n" in frame.columns:
        frame["n"] = frame["n"].astype("Int64")
    return frame


def _overview(barometer: Barometer, indicators: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Indicator x update and area x update: the colour word in each cell, in the files' order."""
    import pandas as pd

    updates = [u.id for u in barometer.updates]
    # keyed by id, not by the shown name: two areas may share a display name (issue 29)
    area_rows = areas.assign(Nøgle=areas["Område-id"], Type="område")
    ind_rows = indicators.assign(Nøgle=indicators["Indikator-id"], Type="indikator")
    both = pd.concat([area_rows[["Nøgle", "Type", "Opdatering", "Signal"]],
                      ind_rows[["Nøgle", "Type", "Opdatering", "Signal"]]], ignore_index=True)
    table = both.pivot(index=["Nøgle", "Type"], columns="Opdatering", values="Signal")
    order, labels = [], []
    for area in barometer.areas:
        order.append((cell_value(area.id), "område"))  # the frames hold the neutralised ids
        labels.append(cell_value(area.name))
        for i in barometer.indicators_of_area(area.id):
            order.append((cell_value(i.id), "indikator"))
            labels.append(cell_value(f"{i.id} {i.name}"))
    table = table.reindex(index=pd.MultiIndex.from_tuples(order, names=["Nøgle", "Type"]), columns=updates)
    table.columns.name = None
    table = table.reset_index().drop(columns="Nøgle")
    table.insert(0, "Område / indikator", labels)
    return table


def _about(barometer: Barometer) -> pd.DataFrame:

    latest = barometer.latest_update
    lines = [
        ("Barometer", barometer.config.title), ("Kommune", barometer.config.municipality),
        ("Opdateringer", f"{len(barometer.updates)}, fra {barometer.updates[0].label} til {latest.label}"),
        ("Seneste opdatering", f"{latest.id} ({da.date(latest.date)})"),
        ("Signaler", "grøn = fremskridt, gul = stilstand, rød = tilbagegang, grå = kan ikke vurderes"),
        (SHEET_OVERVIEW, "farven for hvert område og hver indikator ved hver opdatering"),
        (SHEET_MEASUREMENTS, "hver måling i data, også for distrikterne"),
        (SHEET_INDICATORS, "hver indikators farve ved hver opdatering med tal, regel, oprindelse og forklaring"),
        (SHEET_AREAS, "hvert områdes farve ved hver opdatering med sammenvejning og forklaring"),
        (SHEET_DISTRICTS, "hvert distrikts farve for indikatorer med distrikttal"),
        ("Tal", "tallene står med fuld præcision; dokumenterne viser dem afrundet til indikatorens decimaler"),
    ]
    return _frame([{"Emne": k, "Indhold": v} for k, v in lines])


def workbook_bytes(barometer: Barometer) -> bytes:
    """The analysts' workbook; the same bytes for the same data."""
    import pandas as pd

    history = assess_history(barometer)
    indicators = _frame(_indicator_rows(barometer, history))
    areas = _frame(_area_rows(barometer, history))
    sheets: dict[str, pd.DataFrame] = {
        SHEET_ABOUT: _about(barometer),
        SHEET_OVERVIEW: _overview(barometer, indicators, areas),
        SHEET_MEASUREMENTS: _frame(_measurement_rows(barometer)),
        SHEET_INDICATORS: indicators,
        SHEET_AREAS: areas,
    }
    districts = _district_rows(barometer, history)
    if districts:
        sheets[SHEET_DISTRICTS] = _frame(districts)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl", date_format="YYYY-MM-DD") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False, freeze_panes=(1, 0))
            _tidy_sheet(writer.sheets[name], frame)
        props = writer.book.properties
        props.creator = "reportgen"
        props.title = f"{barometer.config.title} – alle tal og farver"
        props.language = "da-DK"
    when = dt.datetime.combine(barometer.latest_update.date, dt.time(12, 0))
    return fixed_time_xlsx(buf.getvalue(), when)


def _tidy_sheet(ws, frame: pd.DataFrame) -> None:
    """Column widths from the content (capped), a filter on the header row."""
    from openpyxl.utils import get_column_letter

    for i, name in enumerate(frame.columns, start=1):
        texts = [str(name), *(str(v) for v in frame.iloc[:200, i - 1] if v is not None)]
        width = min(max(len(t) for t in texts) + 2, 60)
        ws.column_dimensions[get_column_letter(i)].width = width
    if len(frame):
        ws.auto_filter.ref = ws.dimensions


def export_xlsx(barometer: Barometer, out: Path) -> Path:
    """Write the workbook atomically to ``out``; returns ``out``."""
    from .writer import atomic_write

    atomic_write(out, workbook_bytes(barometer))
    return out
