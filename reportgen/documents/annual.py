"""The annual status report: one year of updates in one document, computed from the history.

The framing text is ``letters/annual.md`` (the barometer's own before the project's), rendered in
the letters' sandbox; everything else is built from the assessments of the year's updates, with
the sentences of narrate/, the diff's change sentences and Bilag 1's data and method sections.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import NormalDist
from typing import Any

from ..document import Block, Cell, Document, DocumentMeta, Heading, ListBlock, PageBreak, Paragraph, Run, Table
from ..errors import ReportgenError
from ..inputs.model import Barometer, Indicator, Measurement, Update
from ..narrate import Narrative, explain_area, narrate
from ..narrate import danish as da
from ..narrate.diff import diff
from ..narrate.sentences import development_sentence, subject
from ..signals.assess import Assessment, DistrictResult, IndicatorResult, compare_figures
from ..signals.history import area_history
from . import blocks as textblocks
from . import common, letters
from .bilag1 import data_section, method_section
from .bilag2 import initiative_list
from .bilag3 import NameList, history_grid
from .changes import area_sentence
from .common import ChartLike

ANNUAL_FILE = "annual.md"
NBSP = "\u00a0"
SLUG = "statusrapport"


@dataclass(frozen=True)
class Year:
    """The updates of one calendar year and the assessments around them."""

    year: int
    updates: tuple[Update, ...]  # the year's updates, oldest first
    assessments: tuple[Assessment, ...]  # one per update in ``updates``
    start: Assessment | None  # at the last update before the year: where the year began

    @property
    def last(self) -> Assessment:
        return self.assessments[-1]

    @property
    def span(self) -> tuple[Assessment, ...]:
        """The start (if any) and the year's assessments: what the year's changes are measured over."""
        return (self.start, *self.assessments) if self.start is not None else self.assessments


@dataclass(frozen=True)
class YearChange:
    """A main indicator's development over the year: from ``first`` to ``last`` (None: no figures)."""

    indicator: str
    first: Measurement | None
    last: Measurement | None
    change: float | None
    significant: bool | None
    new_figures: int  # figures published in the year's updates


def year_of(barometer: Barometer, history: Sequence[Assessment], year: int) -> Year:
    """The year's updates (by update date); ReportgenError when the year has none."""
    updates = tuple(u for u in barometer.updates if u.date.year == year)
    if not updates:
        years = sorted({u.date.year for u in barometer.updates})
        raise ReportgenError(
            f"updates.csv har ingen opdateringer i {year}; der er opdateringer i "
            f"{da.join_list([str(y) for y in years])}")
    first = updates[0].index
    return Year(year, updates, tuple(history[u.index] for u in updates),
                history[first - 1] if first > 0 else None)


def year_change(barometer: Barometer, y: Year, ind: Indicator) -> YearChange:
    """First and last whole-municipality figure published in the year. With one figure only, the
    first is the figure before it (the one it is compared with); the z-test where both carry a
    standard error."""
    ids = {u.id for u in y.updates}
    known = barometer.as_of(y.updates[-1]).measurements_of(ind.id)
    fresh = [m for m in known if m.update in ids]
    if not fresh:
        return YearChange(ind.id, None, known[-1] if known else None, None, None, 0)
    last = fresh[-1]
    if len(fresh) > 1:
        first: Measurement | None = fresh[0]
    else:
        earlier = [m for m in known if m.period < last.period]
        first = earlier[-1] if earlier else None
    if first is None:
        return YearChange(ind.id, None, last, None, None, len(fresh))
    change, significant = compare_figures(ind, first, last, barometer.config.significance)
    return YearChange(ind.id, first, last, change, significant, len(fresh))


def district_changes(barometer: Barometer, y: Year, ind: Indicator) -> tuple[DistrictResult, ...]:
    """Each district's change from the figure known where the year began (at the year's first update
    when there was none before) to the figure at the year's last update, as DistrictResults whose
    ``value`` and ``change`` are that change (None where either figure is missing or suppressed)."""
    begin = {d.district: d for d in (y.start or y.assessments[0]).indicator(ind.id).districts}
    out = []
    for d in y.last.indicator(ind.id).districts:
        b = begin.get(d.district)
        change = None
        if (b is not None and not b.suppressed and not d.suppressed and b.value is not None
                and d.value is not None and b.period != d.period):
            change = compare_figures(ind, Measurement(ind.id, b.period, b.value, ""),
                                     Measurement(ind.id, d.period, d.value, ""), 1.0)[0]
        out.append(replace(d, value=change, change=change, reference_value=None if b is None else b.value,
                           reference_period=None if b is None else b.period))
    return tuple(out)


def district_indicators(barometer: Barometer, y: Year) -> tuple[Indicator, ...]:
    """Indicators with district figures at the year's last update."""
    return tuple(i for i in barometer.indicators if y.last.indicator(i.id).districts)


def change_map_indicator(barometer: Barometer, y: Year, ind: Indicator) -> Indicator:
    """The indicator as the change map shows it: named for the change, percent as plain points."""
    begin = (y.start or y.assessments[0]).update
    name = (f"{ind.name}, ændring fra {da.month_year(barometer.update(begin).date)} til "
            f"{da.month_year(y.updates[-1].date)}" + (" i procentpoint" if ind.unit == "percent" else ""))
    return replace(ind, id=f"{ind.id}-aendring-{y.year}", name=name,
                   unit="value" if ind.unit == "percent" else ind.unit)


def change_legend_title(ind: Indicator) -> str:
    """The change map's colour-bar title: the quantity and its unit."""
    return {"percent": "Ændring i procentpoint", "count": "Ændring i antal"}.get(ind.unit, "Ændring")


def title(barometer: Barometer, year: int) -> str:
    return f"Statusrapport {year} for {common.barometer_definite(barometer.config.title)}"


def build_annual(barometer: Barometer, history: Sequence[Assessment], year: int, *, project_dir: Path,
                 trends: Mapping[str, ChartLike] | None = None,
                 change_maps: Mapping[str, ChartLike] | None = None) -> Document:
    """The annual status report for ``year`` (``history``: ``assess_history``'s result).

    ``trends`` maps a main indicator's id to its trend chart at the year's last update,
    ``change_maps`` a main indicator's id to its map of the change per district over the year
    (``district_changes`` through ``change_map_indicator``). Raises ReportgenError for a year
    without updates, TemplateError for a faulty annual.md.
    """
    y = year_of(barometer, history, year)
    narratives = {a.update: narrate(barometer, a, tuple(history)) for a in y.assessments}
    blocks: list[Block] = [
        *summary_section(barometer, y),
        PageBreak(),
        *framing_blocks(barometer, y, project_dir=project_dir),
        *_colour_section(barometer, history, y, narratives),
        PageBreak(),
        *_indicator_section(barometer, y, narratives[y.last.update], trends or {}),
        PageBreak(),
        *_committee_section(barometer, y),
        *_district_section(barometer, y, change_maps or {}),
        *_initiative_section(barometer, y),
        PageBreak(),
        *data_section(barometer, y.last),
        *method_section(barometer),
        *_significance_note(barometer),
    ]
    return Document(SLUG, _meta(barometer, y), tuple(blocks))


def _significance_note(barometer: Barometer) -> list[Block]:
    """How significance is tested: the one place in the report that names the z-value."""
    alpha = barometer.config.significance
    level = da.number(alpha * 100, 0 if float(alpha * 100).is_integer() else 1)
    critical = da.number(NormalDist().inv_cdf(1 - alpha / 2), 2)
    return [Paragraph.of(
        "Hvor der er oplyst standardfejl, er en ændring testet med en z-test: z-værdien er ændringen "
        "divideret med dens standardfejl, og ændringen er statistisk signifikant på "
        f"{level}-procentniveauet, når z-værdien numerisk er over {critical}. Resten af rapporten nævner "
        "kun, om en ændring er signifikant.")]


def _meta(barometer: Barometer, y: Year) -> DocumentMeta:
    last = y.updates[-1]
    meta = common.report_meta(barometer, last, label=f"Statusrapport {y.year}", title=title(barometer, y.year))
    return replace(
        meta,
        running_header=f"{common.owner_name(barometer)} · Statusrapport {y.year} · {barometer.config.title}",
        header_pairs=(("Udvalg", common.owner_name(barometer)), ("Dato", meta.date_text), ("År", str(y.year)),
                      ("Opdateringer", da.capitalize(da.join_list([da.month_year(u.date) for u in y.updates])))),
    )


def _month(barometer: Barometer, update_id: str) -> str:
    return da.month_year(barometer.update(update_id).date)


# --------------------------------------------------------------------------------------------------
# The framing text (letters/annual.md)

def changed_areas(barometer: Barometer, y: Year) -> tuple[str, ...]:
    """Areas whose colour changed at one or more of the year's updates, areas.csv order."""
    span = y.span
    return tuple(a.id for a in barometer.areas if len({x.area(a.id).signal for x in span}) > 1)


def red_during(barometer: Barometer, y: Year) -> tuple[str, ...]:
    """Indicators red at one or more of the year's updates, indicators.csv order."""
    return tuple(i.id for i in barometer.indicators
                 if any(a.indicator(i.id).signal == "red" for a in y.assessments))


def annual_context(barometer: Barometer, y: Year, settings: letters.LetterSettings) -> dict[str, Any]:
    """Everything ``{{ … }}`` can reach in annual.md (documented in letters/README.md)."""
    cfg = barometer.config
    return {
        "kommune": cfg.municipality,
        "forvaltning": cfg.administration or "",
        "barometer": {"navn": settings.barometer_name, "titel": cfg.title, "politik": cfg.policy,
                      "udvalg": common.owner_name(barometer),
                      "bestemt": common.barometer_definite(cfg.title)},
        "aar": y.year,
        "opdateringer": NameList(da.month_year(u.date) for u in y.updates),
        "antal_opdateringer": len(y.updates),
        "antal_omraader": len(barometer.areas),
        "antal_indikatorer": len(barometer.indicators),
        "skiftet_farve": NameList(barometer.area(a).name for a in changed_areas(barometer, y)),
        "roede_omraader": NameList(barometer.area(a.area).name for a in y.last.areas if a.signal == "red"),
        "roede_indikatorer": NameList(barometer.indicator(i).name for i in red_during(barometer, y)),
        "bydelene": da.definite_plural(cfg.district_plural),
    }


def framing_blocks(barometer: Barometer, y: Year, *, project_dir: Path) -> tuple[Block, ...]:
    """letters/annual.md rendered in the letters' sandbox (no ``[[…]]`` places here)."""
    source = letters.find_text(ANNUAL_FILE, barometer_dir=barometer.folder, project_dir=project_dir)
    settings = letters.load_settings(barometer_dir=barometer.folder, project_dir=project_dir)
    markdown = letters.render_markdown(source, annual_context(barometer, y, settings))
    return letters.fill_slots(letters.markdown_to_blocks(markdown, display=source.display, slots=()), {})


def check_annual_text(barometer: Barometer, *, project_dir: Path) -> None:
    """Render annual.md for the year of the barometer's latest update, as ``reportgen annual``
    would; raises TemplateError naming ``letters/annual.md:<line>`` (for ``reportgen check``)."""
    from ..signals.assess import assess_history

    history = assess_history(barometer)
    framing_blocks(barometer, year_of(barometer, history, barometer.latest_update.date.year),
                   project_dir=project_dir)


# --------------------------------------------------------------------------------------------------
# The one-page summary: the year in a few sentences and the administration's comments

_PLURAL_SIGNAL = {"green": "grønt", "yellow": "gult", "red": "rødt", "grey": "gråt"}


def _count(n: int, singular: str, plural_form: str, *, neuter: bool = False) -> str:
    """``ét indsatsområde``, ``tre indsatsområder``: counts in words, as running text has them."""
    return f"{da.number_word(n, neuter=neuter)} {singular if n == 1 else plural_form}"


def colour_changes(barometer: Barometer, y: Year) -> list[str]:
    """``Beskæftigelse fra grøn til rød i december 2009``: each area's colour changes over the year,
    in areas.csv order, then by update."""
    out = []
    for area in barometer.areas:
        for before, after in zip(y.span, y.span[1:], strict=False):
            a, b = before.area(area.id).signal, after.area(area.id).signal
            if a != b:
                out.append(f"{area.name} fra {da.signal_word(a)} til {da.signal_word(b)} i "
                           f"{da.month_year(after.at.date)}")
    return out


def year_comments(barometer: Barometer, y: Year) -> list[tuple[str, str, str]]:
    """(what, update month, text) for the administration's comments (comments.csv) at the year's
    updates: areas and main indicators first, in the files' order."""
    ids = {u.id: u for u in y.updates}
    order = {a.id: i for i, a in enumerate(barometer.areas)}
    order.update({i.id: len(order) + k for k, i in enumerate(barometer.indicators)})
    out = []
    for c in sorted((c for c in barometer.comments if c.update in ids),
                    key=lambda c: (order.get(c.target, len(order)), ids[c.update].index)):
        if c.target in {a.id for a in barometer.areas}:
            what = barometer.area(c.target).name
        else:
            try:
                what = barometer.indicator(c.target).name
            except KeyError:
                continue
        out.append((what, da.month_year(ids[c.update].date), da.sentence(c.text)))
    return out


def summary_section(barometer: Barometer, y: Year, texts: textblocks.Texts | None = None) -> list[Block]:
    """The year in a few sentences: updates, colours at the end, colour changes, targets, red
    indicators; then the administration's comments at the year's updates.

    Where the administration has written its own summary (the text block ``aarsrapport_resume`` of
    the year's last update, else the barometer's), it opens the page as the lead and the computed
    sentences follow under "Året i tal": the administration's words first, the figures kept (a
    summary in prose seldom carries every colour and target)."""
    n = len(y.updates)
    months = da.join_list([da.month_year(u.date) for u in y.updates])
    sentences = [f"I {y.year} blev {common.barometer_definite(barometer.config.title)} opdateret "
                 f"{'én gang, i' if n == 1 else f'{da.number_word(n)} gange, i'} {months}."]
    groups = []
    for signal in ("red", "yellow", "green", "grey"):
        names = [barometer.area(a.area).name for a in y.last.areas if a.signal == signal]
        if names:
            count = (_count(len(names), "indsatsområde", "indsatsområder", neuter=True) if not groups
                     else da.number_word(len(names), neuter=True))
            groups.append(f"{count} {_PLURAL_SIGNAL[signal]}{' signal' if not groups else ''} "
                          f"({da.join_list(names)})")
    sentences.append(f"Ved årets sidste opdatering har {da.join_list(groups)}.")
    changes = colour_changes(barometer, y)
    sentences.append(f"I løbet af året skiftede {da.join_list(changes)}." if changes
                     else "Intet indsatsområde skiftede farve i løbet af året.")
    mains = [i for i in barometer.indicators if i.main and i.target_value is not None]
    if mains:
        verdict: dict[str, list[str]] = {}
        for ind in mains:
            names = verdict.setdefault(outlook(y.last.indicator(ind.id)), [])
            if barometer.area(ind.area).name not in names:
                names.append(barometer.area(ind.area).name)
        parts = []
        for key, words in ((_OUTLOOK["reached"], "er nået"), (_OUTLOOK["on"], "nås i det nuværende tempo"),
                           (_OUTLOOK["off"], "nås ikke i det nuværende tempo"),
                           (_OUTLOOK["unknown"], "kan endnu ikke vurderes")):
            if verdict.get(key):
                parts.append(f"{'målet' if len(verdict[key]) == 1 else 'målene'} for "
                             f"{da.join_list(verdict[key])} {words}")
        sentences.append(da.capitalize("; ".join(parts)) + ".")
    red = red_during(barometer, y)
    if red:
        linked = sum(len(barometer.initiatives_of(i)) for i in red)
        sentences.append(
            f"{da.capitalize(_count(len(red), 'indikator', 'indikatorer'))} har været "
            f"{'rød' if len(red) == 1 else 'røde'} ved mindst én af årets opdateringer, og "
            + (f"{_count(linked, 'initiativ', 'initiativer', neuter=True)} er knyttet til "
               f"{'den' if len(red) == 1 else 'dem'}." if linked
               else f"der er ikke knyttet initiativer til {'den' if len(red) == 1 else 'dem'}."))
    texts = texts if texts is not None else textblocks.load(barometer, y.updates[-1].id)
    own = texts.blocks("aarsrapport_resume")
    blocks: list[Block] = [Heading(f"Sammenfatning af {y.year}", 1, "sammenfatning")]
    if own:
        blocks += [replace(b, style="lead") if isinstance(b, Paragraph) and b.style == "body" else b for b in own]
        blocks += [Heading("Året i tal", 2), Paragraph.of(" ".join(sentences))]
    else:
        blocks.append(Paragraph(tuple([Run(" ".join(sentences))]), style="lead"))
    comments = year_comments(barometer, y)
    if comments:
        blocks.append(Heading("Forvaltningens bemærkninger", 2))
        # "Ledighed … (andel af arbejdsstyrken), maj 2009:" – never two parentheses in a row
        blocks.append(ListBlock(tuple((Run(f"{what}, {month}: ", bold=True), Run(text))
                                      for what, month, text in comments)))
    return blocks


# --------------------------------------------------------------------------------------------------
# 1. The areas' colours and why they changed

def _colour_section(barometer: Barometer, history: Sequence[Assessment], y: Year,
                    narratives: Mapping[str, Narrative]) -> list[Block]:
    months = da.join_list([da.month_year(u.date) for u in y.updates])
    n = len(y.updates)
    text = (f"I {y.year} blev barometret opdateret {'én gang' if n == 1 else f'{da.number_word(n)} gange'}: "
            f"i {months}.")
    if y.start is not None:
        text += (f" Tabellen viser indsatsområdernes farver ved hver opdatering i året og ved opdateringen i "
                 f"{_month(barometer, y.start.update)}, som året tog udgangspunkt i.")
    changed = changed_areas(barometer, y)
    if changed:
        text += f" {da.join_list([barometer.area(a).name for a in changed])} skiftede farve i løbet af året."
    else:
        text += " Intet indsatsområde skiftede farve i løbet af året."
    blocks: list[Block] = [
        Heading(f"Indsatsområdernes farver i {y.year}", 1, "farver"),
        Paragraph.of(text),
        history_grid(barometer, area_history(barometer, y.span), len(y.span)),
    ]
    for a in y.assessments:
        narrative = narratives[a.update]
        blocks.append(Heading(f"Opdateringen i {_month(barometer, a.update)}", 2))
        blocks.append(Paragraph.of(narrative.intro))
        if a.previous_update is None:
            continue
        d = diff(barometer, a.previous_update, a.update, history=history)
        blocks.append(Paragraph.of(area_sentence(barometer, d, f"opdateringen i {_month(barometer, d.from_update)}")))
        items = []
        for c in d.area_changes:
            why = [explain_area(barometer, a.area(c.id))]
            why += [f"{barometer.indicator(i.id).name}: {plain(narrative.indicators[i.id].explanation)}"
                    for i in barometer.indicators_of_area(c.id) if i.main]
            items.append((Run(f"{c.name} fra {da.signal_word(c.before)} til {da.signal_word(c.after)}: ",
                              bold=True), Run(" ".join(why))))
        if items:
            blocks.append(Paragraph((Run("Hvorfor farverne skiftede", bold=True),), style="small"))
            blocks.append(ListBlock(tuple(items)))
    return blocks


# --------------------------------------------------------------------------------------------------
# 2. The main indicators over the year

_TEST_STATISTIC = re.compile(r" \(z = [^)]*\)")


def plain(text: str) -> str:
    """A sentence without its test statistic: ``… er statistisk signifikant (z = 2,14)`` loses the
    parenthesis. The report keeps z-values to its method section."""
    return _TEST_STATISTIC.sub("", text)


_OUTLOOK = {"reached": "Nået", "on": "Nås i det nuværende tempo", "off": "Nås ikke i det nuværende tempo",
            "unknown": "Kan ikke vurderes"}


def outlook(r: IndicatorResult) -> str:
    """The projection at the year's last update, in a table cell: reached, on track, off track
    (the pace since the previous figure against the pace still needed) or unknown."""
    if r.target_value is None:
        return "Intet mål"
    if r.remaining is not None and r.remaining <= 0:
        return _OUTLOOK["reached"]
    if r.remaining is None or r.on_track is None:
        return _OUTLOOK["unknown"]
    return _OUTLOOK["on" if r.on_track else "off"]


def _figure_cell(ind: Indicator, m: Measurement | None) -> Cell:
    if m is None:
        return Cell("–", align="right")
    # No-break spaces inside value and period: a narrow column breaks between the two, not inside.
    value, period = (t.replace(" ", NBSP) for t in (common.level_short(ind, m.value), da.period_short(m.period)))
    return Cell(f"{value} ({period})", align="right")


def _indicator_section(barometer: Barometer, y: Year, narrative: Narrative,
                       trends: Mapping[str, ChartLike]) -> list[Block]:
    mains = [i for i in barometer.indicators if i.main]
    last_month = _month(barometer, y.last.update)
    blocks: list[Block] = [
        Heading(f"Hovedindikatorernes udvikling i {y.year}", 1, "hovedindikatorer"),
        Paragraph.of(
            f"Tabellen viser for hver hovedindikator det første og det seneste tal, der er offentliggjort i "
            f"{y.year}, ændringen mellem dem og, hvor der er oplyst standardfejl, om ændringen er statistisk "
            "signifikant. Er der kun offentliggjort ét tal i året, sammenlignes det med tallet før. Målet og "
            f"prognosen er vurderet ved opdateringen i {last_month}: nås målet, hvis udviklingen fortsætter i "
            "samme tempo som siden forrige måling?"),
    ]
    rows = []
    changes = {i.id: year_change(barometer, y, i) for i in mains}
    for ind in mains:
        c, r = changes[ind.id], y.last.indicator(ind.id)
        rows.append((
            Cell(ind.name),
            _figure_cell(ind, c.first),
            _figure_cell(ind, c.last if c.new_figures else None),
            Cell(common.change_text(ind, c.change, short=True), align="right"),
            Cell(common.significance_text(replace(r, significant=c.significant)) if c.change is not None else "–"),
            Cell(common.target_text(ind, r), align="right"),
            Cell(outlook(r)),
        ))
    blocks.append(Table(
        header=("Hovedindikator", "Første tal", "Seneste tal", "Ændring", "Signifikans", "Mål", "Prognose"),
        rows=tuple(rows),
        caption=f"Hovedindikatorernes udvikling i {y.year}",
        widths=(27, 13, 13, 11, 11, 12, 13),  # Ændring fits "pct.-point" on one line
        align=("left", "right", "right", "right", "left", "right", "left"),
    ))
    for ind in mains:
        blocks.extend(_indicator_text(barometer, y, ind, changes[ind.id], narrative, trends))
    return blocks


def _indicator_text(barometer: Barometer, y: Year, ind: Indicator, c: YearChange, narrative: Narrative,
                    trends: Mapping[str, ChartLike]) -> list[Block]:
    r = y.last.indicator(ind.id)
    text = narrative.indicators[ind.id]
    if c.new_figures == 0:
        first = f"Der er ikke offentliggjort nye tal for {subject(ind, capital=False)} i {y.year}."
        if c.last is not None:
            first += (f" Seneste tal er {common.level_text(ind, c.last.value)} i {da.period(c.last.period)}.")
    elif c.first is None:
        first = development_sentence(ind, replace(r, value=c.last.value, period=c.last.period, change=None,
                                                  reference_value=None, reference_period=None))
    else:
        first = development_sentence(ind, replace(
            r, value=c.last.value, period=c.last.period, reference_value=c.first.value,
            reference_period=c.first.period, change=c.change, significant=c.significant))
    sentences = [first, text.target_sentence, text.pace_sentence, *text.comments]
    blocks: list[Block] = [Heading(ind.name, 2),
                           Paragraph.of(plain(" ".join(s for s in sentences if s)))]
    if ind.id in trends:
        blocks.append(common.figure_from(trends[ind.id], caption=f"Hovedindikator: {ind.name}", width_mm=150))
    return blocks


# --------------------------------------------------------------------------------------------------
# 3. Committees

def _committee_section(barometer: Barometer, y: Year) -> list[Block]:
    labels = [u.label for u in y.updates]
    blocks: list[Block] = [
        Heading("Indikatorerne pr. udvalg", 1, "udvalg"),
        Paragraph.of(f"For hvert udvalg viser tabellen farven på udvalgets indikatorer ved årets "
                     f"{'opdatering' if len(labels) == 1 else 'opdateringer'}."),
    ]
    for committee in barometer.committees:
        own = barometer.indicators_of_committee(committee.id)
        if not own:
            continue
        red = sum(1 for i in own if y.last.indicator(i.id).signal == "red")
        rows = []
        for ind in own:
            cells = [Cell(ind.name + (" (hovedindikator)" if ind.main else ""))]
            for a in y.assessments:
                r = a.indicator(ind.id)
                cells.append(common.signal_cell(r.signal, carried=r.carried_over, mark="*" if r.overridden else ""))
            rows.append(tuple(cells))
        share = 60.0
        blocks.append(Heading(committee.name, 2))
        blocks.append(Paragraph.of(
            f"Udvalget har {da.count(len(own), 'indikator', 'indikatorer')} i barometret. Ved opdateringen i "
            f"{_month(barometer, y.last.update)} er "
            + _red_share(red, len(own))))
        blocks.append(Table(
            header=("Indikator", *labels),
            rows=tuple(rows),
            widths=(share, *([(100 - share) / len(labels)] * len(labels))),
        ))
    return blocks


def _red_share(red: int, total: int) -> str:
    """``ingen af dem røde.``, ``én af dem rød.``, ``tre af dem røde.``, ``de alle røde.``"""
    if red == 0:
        return "ingen af dem røde." if total > 1 else "den ikke rød."
    if red == total:
        return "den rød." if total == 1 else ("de begge røde." if total == 2 else "de alle røde.")
    return "én af dem rød." if red == 1 else f"{da.number_word(red)} af dem røde."


# --------------------------------------------------------------------------------------------------
# 4. Districts

def _district_section(barometer: Barometer, y: Year, maps: Mapping[str, ChartLike]) -> list[Block]:
    inds = district_indicators(barometer, y)
    if not inds:
        return []
    one, many = barometer.config.district_singular, barometer.config.district_plural
    begin = _month(barometer, (y.start or y.assessments[0]).update)
    end = _month(barometer, y.last.update)
    blocks: list[Block] = [
        PageBreak(),
        Heading(f"Udviklingen i {da.definite_plural(many)} i {y.year}", 1, "bydele"),
        Paragraph.of(
            f"For {da.count(len(inds), 'indikator', 'indikatorer')} er der tal pr. {one}. Ændringen er regnet "
            f"fra det tal, der var kendt ved opdateringen i {begin}, til det tal, der var kendt ved "
            f"opdateringen i {end}."
            # a map only where one is drawn (a barometer without district geometry has none)
            + (f" For hovedindikatorerne viser et kort ændringen i hver {one}." if any(i.id in maps for i in inds)
               else "")
            + f" Tal for {many} med under {barometer.config.min_n} observationer vises ikke."),
    ]
    names = {d.id: d.name for d in barometer.districts}
    summary = []
    mapped = 0
    for ind in inds:
        changes = district_changes(barometer, y, ind)
        good = [d for d in changes if d.change and (d.change > 0) == (ind.direction == "up")]
        bad = [d for d in changes if d.change and (d.change > 0) != (ind.direction == "up")]
        if not ind.main:
            summary.append((Cell(ind.name), Cell(da.number(len(good), 0), align="right"),
                            Cell(da.number(len(bad), 0), align="right"),
                            Cell(da.number(len(changes) - len(good) - len(bad), 0), align="right")))
            continue
        if ind.id in maps:
            # One map with its table per page: the pair never parts, and the next pair would not fit.
            if mapped:
                blocks.append(PageBreak())
            mapped += 1
        blocks.append(Heading(ind.name, 2))
        if ind.id in maps:
            blocks.append(common.figure_from(maps[ind.id], caption=f"Ændring fra {begin} til {end} fordelt på "
                                                                   f"{many}", width_mm=140))
        rows = []
        for d in changes:
            rows.append((
                Cell(names.get(d.district, d.district)),
                Cell(common.level_short(ind, d.reference_value) if d.reference_value is not None else "–",
                     align="right"),
                Cell("For få observationer" if d.suppressed else common.level_short(ind, _end_value(y, ind, d)),
                     align="right"),
                Cell(common.change_text(ind, d.change, short=True), align="right"),
            ))
        blocks.append(Table(
            header=(da.capitalize(one), da.capitalize(begin), da.capitalize(end), "Ændring"),
            rows=tuple(rows),
            widths=(40, 20, 20, 20),
            align=("left", "right", "right", "right"),
        ))
    if summary:
        blocks.append(Heading(f"Øvrige indikatorer med tal pr. {one}", 2))
        blocks.append(Table(
            header=("Indikator", "Fremgang", "Tilbagegang", "Uændret eller ingen tal"),
            rows=tuple(summary),
            caption=f"Antal {many} med fremgang og tilbagegang fra {begin} til {end}",
            widths=(52, 14, 14, 20),
            align=("left", "right", "right", "right"),
        ))
    return blocks


def _end_value(y: Year, ind: Indicator, d: DistrictResult) -> float | None:
    return next((x.value for x in y.last.indicator(ind.id).districts if x.district == d.district), None)


# --------------------------------------------------------------------------------------------------
# 5. Initiatives on indicators that were red

def _initiative_section(barometer: Barometer, y: Year) -> list[Block]:
    red = [barometer.indicator(i) for i in red_during(barometer, y)]
    blocks: list[Block] = [Heading("Initiativer på indikatorer, der har været røde", 1, "initiativer")]
    if not red:
        blocks.append(Paragraph.of(f"Ingen indikatorer har været røde i {y.year}."))
        return blocks
    n = len(red)
    text = (f"{da.capitalize(da.count(n, 'indikator', 'indikatorer'))} har været "
            f"{'rød' if n == 1 else 'røde'} ved mindst én af årets opdateringer. Tabellen viser hvornår, og hvor "
            "mange initiativer der er knyttet til "
            f"{'den' if n == 1 else 'hver af dem'}.")
    rows = []
    for ind in red:
        when = [da.month_year(a.at.date) for a in y.assessments
                if a.indicator(ind.id).signal == "red"]
        rows.append((Cell(ind.name), Cell(_committee_name(barometer, ind.committee)),
                     Cell(da.capitalize(da.join_list(when))),
                     Cell(da.number(len(barometer.initiatives_of(ind.id)), 0), align="right")))
    blocks += [
        Paragraph.of(text),
        Table(header=("Indikator", "Udvalg", "Rød ved opdateringen i", "Initiativer"), rows=tuple(rows),
              caption=f"Indikatorer, der har været røde i {y.year}", widths=(42, 26, 20, 12),
              align=("left", "left", "left", "right")),
    ]
    listed = initiative_list(barometer, red)
    if listed:
        blocks.append(Heading("Initiativerne", 2))
        blocks.extend(listed)
    else:
        blocks.append(Paragraph.of("Der er ikke knyttet initiativer til dem."))
    return blocks


def _committee_name(barometer: Barometer, committee_id: str) -> str:
    try:
        return barometer.committee(committee_id).name
    except KeyError:
        return committee_id
