"""Pieces every bilag shares: signal cells, figure and table cells, the document frame."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

from .. import palette
from ..document import Cell, DocumentMeta, Figure
from ..inputs.model import Barometer, Decision, Indicator, Period, Signal, Update
from ..names import slug
from ..narrate import danish as da
from ..signals.assess import IndicatorResult


class ChartLike(Protocol):
    """What a document needs of a chart (reportgen.charts.draw.Chart) to place it as a figure."""

    name: str
    svg: bytes
    png: bytes
    alt_text: str


def signal_text(signal: Signal | str, *, carried: bool = False, mark: str = "") -> str:
    """``↓ Rød`` (``↓ Rød (overført)``): symbol and word, so a black-and-white print reads."""
    look = palette.style(signal)
    return f"{look.symbol} {da.capitalize(look.word)}" + (" (overført)" if carried else "") + (
        f" {mark}" if mark else ""
    )


def signal_cell(signal: Signal | str, *, carried: bool = False, mark: str = "") -> Cell:
    """A table cell with the palette's tint behind symbol and word."""
    return Cell(signal_text(signal, carried=carried, mark=mark), fill=palette.style(signal).tint,
                color=palette.INK)


def level_text(ind: Indicator, value: float | None) -> str:
    """``59,3 procent`` / ``4.793`` / ``0,78``; empty for no value."""
    return da.level(value, ind.unit, ind.decimals, ind.unit_text) if value is not None else ""


def level_short(ind: Indicator, value: float | None) -> str:
    """``59,3 %`` for table cells; ``–`` for no value."""
    if value is None:
        return "–"
    text = da.number(value, 0 if ind.unit == "count" else ind.decimals)
    return f"{text} %" if ind.unit == "percent" else text


def change_text(ind: Indicator, change: float | None, *, short: bool = False) -> str:
    """``−3,0 procentpoint`` (``−3,0 pct.-point`` when short), ``+223``; the sign says the direction."""
    if change is None:
        return "–" if short else ""
    return da.signed_change(change, ind.unit, ind.decimals, short=short)


NBSP = "\u00a0"


def unbroken(text: str) -> str:
    """``aug. 2009`` with no-break spaces, for a table cell: a narrow column wraps the cell
    between its parts ("64,8 %" / "(dec. 2010)"), never inside a period ("dec." / "2010)")."""
    return text.replace(" ", NBSP)


def period_cell(period: Period | None) -> str:
    """``aug. 2009`` (kept on one line) or ``–``: the period column of a table."""
    return unbroken(da.period_short(period)) if period else "–"


def target_text(ind: Indicator, r: IndicatorResult) -> str:
    """``64,8 % (dec. 2010)`` (value and period each kept on one line) or ``–``; a target the policy
    words (indicators.csv target_text, "ingen nye") in its words: ``ingen nye (dec. 2010)``."""
    if r.target_value is None:
        return "–"
    when = f" ({unbroken(da.period_short(r.target_period))})" if r.target_period else ""
    return (ind.target_text or unbroken(level_short(ind, r.target_value))) + when


def any_target(indicators: Iterable[Indicator]) -> bool:
    """Whether a table of these indicators needs a "Mål" column at all."""
    return any(ind.target_value is not None for ind in indicators)


def has_districts(barometer: Barometer) -> bool:
    """Whether the barometer has district figures at all (rows in districts.csv or indicators with them)."""
    return bool(barometer.districts) or any(ind.districts for ind in barometer.indicators)


def suppression_note(barometer: Barometer, *, colour: bool = False) -> str | None:
    """``Tal for bydele med under 20 observationer vises ikke[ og får ingen farve].``, in the
    barometer's own word for a district; None when there are no districts or ``min_n`` is 0, so
    nothing is said about a rule that never applies."""
    cfg = barometer.config
    if cfg.min_n <= 0 or not has_districts(barometer):
        return None
    return (f"Tal for {cfg.district_plural} med under {da.number(cfg.min_n, 0)} observationer vises ikke"
            + (" og får ingen farve." if colour else "."))


def significance_text(r: IndicatorResult) -> str:
    if r.significant is None:
        return "Ikke testet"
    return "Signifikant" if r.significant else "Ikke signifikant"


def figure_from(chart, *, caption: str | None = None, width_mm: float = 160.0, raster: bool = False) -> Figure:
    """A document Figure from a charts.Chart."""
    return Figure(name=chart.name, svg=chart.svg, png=chart.png, alt_text=chart.alt_text,
                  caption=caption, width_mm=width_mm, raster=raster)


def barometer_definite(title: str) -> str:
    """``Integrationsbarometer`` -> ``integrationsbarometret`` (Danish definite form, lower case)."""
    word = title.strip()
    lower = word[:1].lower() + word[1:]
    if lower.endswith("barometer"):
        return lower[:-2] + "ret"
    return lower + ("t" if lower.endswith("e") else "et")


def document_date(update: Update) -> dt.date:
    """Documents are dated at the committee meeting, else at the update."""
    return update.meeting_date or update.date


def decision_date(barometer: Barometer, decision: Decision) -> dt.date:
    """When the committee decided: ``decided_on``, else the update's meeting date (else its date)."""
    return decision.decided_on or document_date(barometer.update(decision.update))


def decisions_sentence(barometer: Barometer, update_id: str) -> str | None:
    """What the committee decided on the previous update's case, for this update's case and Bilag 3:
    ``Udvalget besluttede den 3. december 2009 om opdateringen i december 2009: punkt 1 blev taget
    til efterretning, punkt 2 blev godkendt og punkt 3 blev drøftet.`` None: nothing recorded."""
    update = barometer.update(update_id)
    if update.index == 0:
        return None
    previous = barometer.updates[update.index - 1]
    by_date: dict[dt.date, list[Decision]] = {}
    for d in barometer.decisions_of(previous.id):
        by_date.setdefault(decision_date(barometer, d), []).append(d)
    sentences = [
        f"Udvalget besluttede den {da.date(when)} om opdateringen i {da.month_year(previous.date)}: "
        + da.join_list([f"punkt {d.point} {d.text.rstrip('.')}" for d in decisions]) + "."
        for when, decisions in by_date.items()
    ]
    return " ".join(sentences) or None


def created_stamp(update: Update) -> str:
    """A fixed creation time per update, for reproducible PDF/DOCX metadata."""
    return f"{document_date(update).isoformat()}T12:00:00+00:00"


def owner_name(barometer: Barometer) -> str:
    try:
        return barometer.committee(barometer.config.owner).name
    except KeyError:
        return barometer.config.owner


def header_pairs(barometer: Barometer, update: Update) -> tuple[tuple[str, str], ...]:
    """The Dato/Sagsnr./Dokumentnr. block every bilag carries."""
    pairs = [("Udvalg", owner_name(barometer)), ("Dato", da.date(document_date(update)))]
    if update.case_number:
        pairs.append(("Sagsnr.", update.case_number))
    if update.document_number:
        pairs.append(("Dokumentnr.", update.document_number))
    pairs.append(("Opdatering", update.label))
    return tuple(pairs)


def safe_anchor(identifier: str) -> str:
    """An HTML id / bookmark name from an id in data."""
    return slug(identifier) or "x"


def committee_indefinite(name: str) -> str | None:
    """``Beskæftigelses- og Integrationsudvalget`` -> ``Beskæftigelses- og Integrationsudvalg`` (for
    "det nye …"); ``Udvalget for Teknik`` -> ``Udvalg for Teknik``. None when no word ends in
    "udvalget", so the caller can fall back to a plain "udvalg"."""
    words = name.split(" ")
    for i in range(len(words) - 1, -1, -1):
        if words[i].lower().endswith("udvalget"):
            words[i] = words[i][:-2]
            return " ".join(words)
    return None


def report_meta(barometer: Barometer, update: Update, *, label: str, title: str) -> DocumentMeta:
    """The frame every bilag shares: label and title, the administration, the Dato/Sagsnr. block,
    the running header, and a creation time fixed by the update (same bytes every build)."""
    dated = document_date(update)
    date_text = da.date(dated)
    cfg = barometer.config
    # "… · 3. december 2009", not "… · 3. december 2009 · December 2009": the update is named only
    # where the meeting falls in another month than the update
    running = [owner_name(barometer), date_text]
    if (dated.year, dated.month) != (update.date.year, update.date.month):
        running.append(f"opdateringen i {da.month_year(update.date)}")
    return DocumentMeta(
        label=label,
        title=title,
        municipality=cfg.municipality,
        administration=cfg.administration,
        date_text=date_text,
        running_header=" · ".join(running),
        header_pairs=header_pairs(barometer, update),
        language=cfg.language,
        author=cfg.administration or cfg.municipality,
        created=created_stamp(update),
    )
