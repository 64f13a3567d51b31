"""Bilag 2: one letter from the mayor to each committee whose field holds barometer indicators."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import palette
from ..document import Block, Cell, Document, DocumentMeta, Figure, ListBlock, Run, Signature, Table
from ..errors import ReportgenError, TemplateError
from ..inputs.model import Barometer, Committee, Indicator, Initiative, NoLetter, Update, letter_split
from ..names import safe_stem
from ..narrate import Narrative
from ..narrate import danish as da
from ..signals.assess import Assessment
from . import common, letters
from .common import ChartLike

LABEL = "Bilag 2"
# A letter's trend charts: narrower than Bilag 1's full text width, so a letter stays as short as its
# content allows (three charts no longer push the closing onto a fourth page).
LETTER_CHART_MM = 130.0
TITLE = "Borgmesterbrev til fagudvalgene"  # when a mayor signs; see letter_name for the rule
# Signal order in the letter's count sentence: what needs attention first.
_COUNT_ORDER = ("red", "yellow", "green", "grey")
_COLOUR_PLURAL = {"red": "røde", "yellow": "gule", "green": "grønne", "grey": "grå"}
# Why a committee gets no letter, in the build summary.
_NO_LETTER: dict[NoLetter, str] = {"no_indicators": "har ingen indikatorer i barometret",
                                   "sender": "er afsender af brevene"}


def _sender_words(barometer: Barometer) -> str | None:
    """Who the letters are from, as it follows "Brev": None when a mayor signs (the letter is a
    "Borgmesterbrev"); `` fra formanden for Beskæftigelsesudvalget`` (a chair), `` fra <titel>``;
    "" when nobody signs yet (``letters.signatory`` fails: the build reports that elsewhere)."""
    try:
        title = letters.signatory(barometer).title.strip()
    except TemplateError:
        title = ""
    if "borgmester" in title.lower():
        return None
    if title.lower().startswith("formand for "):
        return f" fra formanden for {title[len('Formand for '):]}"
    return f" fra {title[:1].lower() + title[1:]}" if title else ""


def letter_name(barometer: Barometer, to: str, *, definite_plural: bool = False) -> str:
    """What the letters are called, by one rule for every place that names them (the case's Bilag
    list, the pack's group and cover, the site's downloads, the e-mails' attachments):
    ``Borgmesterbrev til <to>`` only when a mayor signs; else ``Brev fra formanden for <udvalget> til
    <to>`` (the signer's title), ``Brev til <to>``. ``definite_plural``: ``borgmesterbrevene til …``,
    ``brevene fra … til …`` inside a sentence."""
    words = _sender_words(barometer)
    if words is None:
        head = "borgmesterbrevene" if definite_plural else "Borgmesterbrev"
    else:
        head = ("brevene" if definite_plural else "Brev") + words
    return f"{head} til {to}"


def letters_title(barometer: Barometer) -> str:
    """``Borgmesterbrev til fagudvalgene`` when a mayor signs the letters; else ``Brev fra formanden
    for Beskæftigelsesudvalget til fagudvalgene`` (the signer's title), ``Brev til fagudvalgene``."""
    return letter_name(barometer, "fagudvalgene")


@dataclass(frozen=True)
class Skipped:
    """A committee that gets no letter, and why (for the build summary)."""

    committee: Committee
    reason: str


@dataclass(frozen=True)
class Letters:
    """The letters of one update in committees.csv order; iterating gives the documents."""

    documents: tuple[Document, ...]
    skipped: tuple[Skipped, ...]

    def __iter__(self):
        return iter(self.documents)

    def __len__(self) -> int:
        return len(self.documents)


def build_letters(
    barometer: Barometer,
    assessment: Assessment,
    narrative: Narrative,
    charts: Mapping[str, ChartLike],
    *,
    project_dir: Path,
    include_owner: bool = False,
) -> Letters:
    """One letter per committee that owns at least one indicator.

    The barometer's owner (barometer.toml ``owner``) sends the letters, so it gets none unless
    ``include_owner``; it and committees without indicators are listed in ``skipped``.

    ``charts`` maps an indicator id to its trend chart; each red indicator of the committee gets its
    chart as a figure (an indicator without a chart gets none). Letter texts come from
    ``<barometer>/letters/`` before ``<project_dir>/letters/`` (see letters/README.md).
    The letters are signed by :func:`letters.signatory` (the barometer's own letters.toml, else
    the owner committee's chair). Raises TemplateError for a faulty letter text or when nobody can
    sign, and ReportgenError if two committee ids give the same file name.
    """
    stems = committee_stems(barometer.committees)
    settings = letters.load_settings(barometer_dir=barometer.folder, project_dir=project_dir,
                                     title=barometer.config.title)
    signer: letters.Person | None = None
    update = assessment.at
    documents: list[Document] = []
    receivers, skipped = addressees(barometer, include_owner=include_owner)
    for committee in receivers:
        indicators = barometer.indicators_of_committee(committee.id)
        signer = signer or letters.signatory(barometer)
        source = letters.find_letter(stems[committee.id], barometer_dir=barometer.folder,
                                     project_dir=project_dir)
        context = letter_context(barometer, assessment, narrative, committee, settings, signer)
        markdown = letters.render_markdown(source, context)
        body = letters.markdown_to_blocks(markdown, display=source.display)
        parts = {
            "indikatortabel": (indicator_table(barometer, assessment, indicators),),
            "figurer": figures(barometer, assessment, indicators, charts),
            "initiativer": initiative_list(barometer, indicators),
            # The administrator's own addition for this update (plain Markdown, never a template).
            "tilfoejelse": letters.addition_blocks(barometer.folder, update.id, stems[committee.id]),
        }
        blocks = (*letters.fill_slots(body, parts),
                  Signature(settings.closing, signer.name, signer.title))
        documents.append(Document(stems[committee.id], _meta(barometer, update, committee, settings, signer),
                                  blocks))
    return Letters(tuple(documents), tuple(skipped))


def addressees(barometer: Barometer, *, include_owner: bool = False) -> tuple[list[Committee], list[Skipped]]:
    """The committees that get a letter, in committees.csv order, and those that get none and why
    (the rule is model.letter_split's)."""
    receivers, others = letter_split(barometer.config, barometer.committees, barometer.indicators,
                                     include_owner=include_owner)
    return list(receivers), [Skipped(committee, _NO_LETTER[why]) for committee, why in others]


def subject_line(settings: letters.LetterSettings, update: Update) -> str:
    """The letter's subject: ``Opfølgning på integrationsbarometret, december 2009``."""
    return f"{settings.subject}, {da.month_year(update.date)}"


def committee_stems(committees: Sequence[Committee]) -> dict[str, str]:
    """Committee id -> safe file stem (``[A-Za-z0-9_-]``, æ→ae, ø→oe, å→aa). Two ids that give the
    same stem, also when only upper/lower case differs, are an error: one letter would overwrite
    the other on disk."""
    stems: dict[str, str] = {}
    seen: dict[str, str] = {}
    for c in committees:
        stem = safe_stem(c.id)
        other = seen.get(stem.lower())
        if other is not None:
            raise ReportgenError(
                f"committees.csv: udvalgene '{other}' og '{c.id}' får samme filnavn '{stem}'; "
                "giv dem id'er, der adskiller sig med bogstaver eller tal"
            )
        seen[stem.lower()] = c.id
        stems[c.id] = stem
    return stems


# --------------------------------------------------------------------------------------------------
# The variables a letter text may use (documented in letters/README.md)

def letter_context(
    barometer: Barometer,
    assessment: Assessment,
    narrative: Narrative,
    committee: Committee,
    settings: letters.LetterSettings,
    signer: letters.Person | None = None,
) -> dict[str, Any]:
    """Everything ``{{ … }}`` can reach in a letter text. Values are plain text already formatted
    the Danish way; the engine prints them literally (data is never read as template or Markdown).
    ``signer`` defaults to :func:`letters.signatory`."""
    signer = signer or letters.signatory(barometer)
    update = assessment.at
    indicators = barometer.indicators_of_committee(committee.id)
    rows = [_indicator_vars(barometer, assessment, narrative, ind) for ind in indicators]
    signals = [assessment.indicator(ind.id).signal for ind in indicators]
    by_signal = {s: [r for r, sig in zip(rows, signals, strict=True) if sig == s] for s in _COUNT_ORDER}
    return {
        **frame_context(barometer, update, committee, settings),
        "indikatorer": rows,
        "roede": by_signal["red"],
        "gule": by_signal["yellow"],
        "groenne": by_signal["green"],
        "graa": by_signal["grey"],
        "fordeling": _count_text(by_signal),
        "initiativer": [i for r in rows for i in r["initiativer"]],
        "underskrift": {"navn": signer.name, "titel": signer.title},
        "borgmester": {"navn": signer.name, "titel": signer.title},  # the older name of underskrift
    }


def frame_context(
    barometer: Barometer, update: Update, committee: Committee, settings: letters.LetterSettings
) -> dict[str, Any]:
    """The variables about the letter's frame (committee, barometer, update) that need no signals;
    the letters and the e-mail text that carries them (reportgen/rounds/mail.py) share them."""
    config = barometer.config
    owner = _committee_or_none(barometer, config.owner)
    return {
        "udvalg": {"id": committee.id, "navn": committee.name, "formand": committee.chair or ""},
        "kommune": config.municipality,
        "forvaltning": config.administration or "",
        "barometer": {
            "navn": settings.barometer_name,
            "titel": config.title,
            "politik": config.policy,
            "udvalg": owner.name if owner else "",
        },
        "opdatering": {
            "id": update.id,
            "label": update.label,
            "dato": da.date(update.date),
            "maaned": da.month_year(update.date),
        },
        "moededato": da.date(letter_date(update)),
        "sagsnr": update.case_number or "",
    }


def _committee_or_none(barometer: Barometer, committee_id: str) -> Committee | None:
    try:
        return barometer.committee(committee_id)
    except KeyError:
        return None


def _indicator_vars(
    barometer: Barometer, assessment: Assessment, narrative: Narrative, ind: Indicator
) -> dict[str, Any]:
    r = assessment.indicator(ind.id)
    text = narrative.indicators.get(ind.id)
    return {
        "id": ind.id,
        "navn": ind.name,
        "omraade": barometer.area(ind.area).name,
        "hovedindikator": ind.main,
        "signal": da.signal_word(r.signal),
        "symbol": palette.style(r.signal).symbol,
        "overfoert": r.carried_over,
        "vaerdi": _level(ind, r.value),
        "periode": da.period(r.period) if r.period else "",
        "aendring": _change(ind, r.change),
        "maal": ind.target_text or _level(ind, r.target_value),
        "maalperiode": da.period(r.target_period) if r.target_period else "",
        "saetning": text.sentence if text else "",
        "afsnit": text.paragraph if text else "",
        "initiativer": [_initiative_vars(x, ind) for x in barometer.initiatives_of(ind.id)],
    }


def _initiative_vars(initiative: Initiative, ind: Indicator) -> dict[str, str]:
    return {
        "id": initiative.id,
        "navn": initiative.name,
        "status": da.status_word(initiative.status) if initiative.status else "",
        "beskrivelse": initiative.description or "",
        "indikator": ind.name,
    }


_level = common.level_text
_change = common.change_text


def _count_text(by_signal: Mapping[str, Sequence[Any]]) -> str:
    """``én rød, tre gule og to grønne``; colours with no indicator are left out."""
    parts = []
    for s in _COUNT_ORDER:
        n = len(by_signal[s])
        if n:
            parts.append(f"{da.number_word(n)} {da.signal_word(s) if n == 1 else _COLOUR_PLURAL[s]}")
    return da.join_list(parts)


def letter_date(update: Update) -> dt.date:
    """The letter is dated at the committee meeting that approved it, else at the update."""
    return update.meeting_date or update.date


# --------------------------------------------------------------------------------------------------
# Generated parts

_TABLE_HEADER = ("Indikator", "Signal", "Seneste tal", "Periode", "Ændring", "Mål")
_TABLE_ALIGN = ("left", "left", "right", "left", "right", "right")


def indicator_table(barometer: Barometer, assessment: Assessment, indicators: Sequence[Indicator]) -> Table:
    """The committee's indicators with signal (symbol, word and fill), latest figure, change, target.
    Carried-over and overridden colours are marked and explained under the table."""
    with_target = common.any_target(indicators)  # no "Mål" column of dashes
    rows = []
    notes: list[str] = []
    for ind in indicators:
        r = assessment.indicator(ind.id)
        mark = ""
        if r.overridden:
            mark = "*" * (len(notes) + 1)
            reason = f" {r.override_reason}" if r.override_reason else ""
            notes.append(f"{mark} {ind.name}: farven er fastsat af forvaltningen.{reason}")
        rows.append((
            Cell(ind.name),
            common.signal_cell(r.signal, carried=r.carried_over, mark=mark),
            Cell(common.level_short(ind, r.value), align="right"),
            Cell(common.period_cell(r.period)),
            Cell(common.change_text(ind, r.change, short=True), align="right"),
            *((Cell(common.target_text(ind, r), align="right"),) if with_target else ()),
        ))
    if any(assessment.indicator(ind.id).carried_over for ind in indicators):
        notes.append("Overført: ingen nye tal ved denne opdatering; "
                     "farven fra den forrige opdatering fastholdes.")
    return Table(
        header=_TABLE_HEADER if with_target else _TABLE_HEADER[:-1],
        rows=tuple(rows),
        caption="Udvalgets indikatorer i barometret",
        widths=(34, 13, 13, 11, 14, 15) if with_target else (42, 15, 14, 13, 16),
        note=" ".join(notes) or None,
        align=_TABLE_ALIGN if with_target else _TABLE_ALIGN[:-1],
    )






def figures(
    barometer: Barometer,
    assessment: Assessment,
    indicators: Sequence[Indicator],
    charts: Mapping[str, ChartLike],
) -> tuple[Figure, ...]:
    """A trend chart for each red indicator of the committee, in indicators.csv order."""
    out = []
    for ind in indicators:
        chart = charts.get(ind.id)
        if chart is None or assessment.indicator(ind.id).signal != "red":
            continue
        out.append(Figure(name=chart.name, svg=chart.svg, png=chart.png, alt_text=chart.alt_text,
                          caption=ind.name, width_mm=LETTER_CHART_MM))
    return tuple(out)


def initiative_list(barometer: Barometer, indicators: Sequence[Indicator]) -> tuple[Block, ...]:
    """The initiatives linked to the committee's indicators: name in bold, status, what it does."""
    items: list[tuple[Run, ...]] = []
    for ind in indicators:
        for x in barometer.initiatives_of(ind.id):
            text = f" ({da.status_word(x.status)})." if x.status else "."
            if x.description:
                text += f" {x.description.rstrip('.')}."
            items.append((Run(x.name, bold=True), Run(f"{text} Knyttet til indikatoren »{ind.name}«.")))
    return (ListBlock(tuple(items)),) if items else ()


# --------------------------------------------------------------------------------------------------
# The letter's frame

def _meta(barometer: Barometer, update: Update, committee: Committee,
          settings: letters.LetterSettings, signer: letters.Person) -> DocumentMeta:
    config = barometer.config
    date_text = da.date(letter_date(update))
    pairs = [("Dato", date_text)]
    if update.case_number:
        pairs.append(("Sagsnr.", update.case_number))
    if update.document_number:
        pairs.append(("Dokumentnr.", update.document_number))
    return DocumentMeta(
        label=LABEL,
        title=letter_name(barometer, committee.name),
        municipality=config.municipality,
        administration=config.administration,
        date_text=date_text,
        running_header=f"Til {committee.name} · {date_text}",
        header_pairs=tuple(pairs),
        recipient=f"Til {committee.name}",
        subject=subject_line(settings, update),
        language=config.language,
        author=signer.name,
        created=f"{letter_date(update).isoformat()}T00:00:00+00:00",
        kind="letter",
    )
