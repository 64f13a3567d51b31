"""Bilag 3: advice to the new committee, computed from the barometer's history, with editable themes."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..document import Block, Cell, Document, Heading, ListBlock, Paragraph, Run, Table
from ..inputs.model import Barometer, Indicator, Update
from ..narrate import Narrative
from ..narrate import danish as da
from ..signals.assess import Assessment
from ..signals.history import AgeSummary, AreaHistory, LifetimeFacts, lifetime_facts, months_between
from . import blocks as textblocks
from . import common, letters
from .common import ChartLike

LABEL = "Bilag 3"
SLUG = "bilag3"
ADVICE_FILE = "advice.md"
# Beyond this many updates the colour grid keeps the latest ones, so the table still fits a page.
MAX_GRID_UPDATES = 10
_SOURCE_WORDS = {"local": "Lokale kilder", "national": "Nationale kilder"}


class NameList(tuple):
    """Names for a text: ``{{ roede_udvalg }}`` prints ``A, B og C``; ``|length``, ``|flertal``,
    ``|liste`` and ``{% for %}`` see the single names."""

    def __str__(self) -> str:
        return da.join_list([str(x) for x in self])


def title(barometer: Barometer, update: Update | None = None) -> str:
    """``Forslag til gode råd om integrationsbarometret til det nye Beskæftigelses- og
    Integrationsudvalg`` at the first update after an election (``new_committee`` in updates.csv),
    else ``… til Beskæftigelses- og Integrationsudvalget`` (the committee that has the barometer)."""
    return (f"Forslag til gode råd om {common.barometer_definite(barometer.config.title)} "
            f"til {new_committee(barometer, update) or common.owner_name(barometer)}")


def new_committee(barometer: Barometer, update: Update | None = None) -> str:
    """``det nye Beskæftigelses- og Integrationsudvalg`` (``det nye udvalg`` when the owner's name has
    no word ending in -udvalget) where ``update`` is the first after an election: its
    ``new_committee`` date is set. Otherwise "" (there is no new committee to hand over to)."""
    if update is None or update.new_committee is None:
        return ""
    name = common.committee_indefinite(common.owner_name(barometer))
    return f"det nye {name}" if name else "det nye udvalg"


def takes_office(update: Update | None) -> str:
    """``1. januar 2010``: the day the new committee takes office, else ""."""
    return da.date(update.new_committee) if update is not None and update.new_committee else ""


def build_bilag3(
    barometer: Barometer,
    history: Sequence[Assessment],
    assessment: Assessment,
    narrative: Narrative,
    *,
    project_dir: Path,
    charts: Mapping[str, ChartLike] | None = None,
) -> Document:
    """The advice note at ``assessment``'s update: lifetime, colour history, long carry-overs,
    targets out of reach, data age, committees, then the discussion themes from ``letters/advice.md``
    (``<barometer>/letters/advice.md`` before ``<project_dir>/letters/advice.md``).

    ``history`` holds the assessments of every update up to this one (later ones are ignored);
    ``charts`` maps an indicator id to its trend chart, shown for each target out of reach.
    Raises TemplateError for a faulty advice text.
    """
    facts = lifetime_facts(barometer, history, assessment.update)
    texts = textblocks.load(barometer, assessment.update)
    blocks: list[Block] = [
        *_lifetime_section(barometer, facts, texts),
        *_colour_section(barometer, facts),
        *_carried_section(barometer, facts),
        *_target_section(barometer, assessment, narrative, facts, charts or {}),
        *_age_section(barometer, facts),
        *_committee_section(barometer, facts),
        *_attention_section(barometer, assessment, facts),
        *_own_advice(texts),
        *advice_blocks(barometer, assessment, facts, project_dir=project_dir),
    ]
    meta = common.report_meta(barometer, assessment.at, label=LABEL, title=title(barometer, assessment.at))
    return Document(SLUG, meta, tuple(blocks))


# --------------------------------------------------------------------------------------------------
# Small texts

def _month(barometer: Barometer, update_id: str) -> str:
    """``december 2009``: an update named in running text."""
    return da.month_year(barometer.update(update_id).date)


def months_text(months: float) -> str:
    """``12 måneder (1 år)``, ``18 måneder (1½ år)``, ``4 måneder``, ``10,5 måneder``; a figure of the
    update's own month or year (a year counts as its December) ``under én måned``, never ``0 måneder``."""
    if months < 1:
        return "under én måned"
    decimals = 0 if float(months).is_integer() else 1
    text = f"{da.number(months, decimals)} {'måned' if months == 1 else 'måneder'}"
    if months >= 12 and months % 6 == 0:
        text += f" ({years_text(months)})"
    return text


def term_months(update: Update) -> int:
    """Months from the start of the committee's term to ``update``: a Danish municipal council sits
    four years from 1 January after the November election (2006, 2010, 2014, …)."""
    start = update.date.year - (update.date.year - 2) % 4
    return (update.date.year - start) * 12 + update.date.month - 1


def experience_months(update: Update, lifetime_months: int) -> int:
    """The span the themes speak of ("De sidste 4 år har givet en række erfaringer …"): the
    committee's term so far where the barometer went live in the term's first half (Copenhagen:
    June 2007 in the 2006-2009 term, "4 år"), else the barometer's own life – a barometer half a
    year old has not given four years of experience."""
    term = term_months(update)
    return term if term - lifetime_months <= 24 else lifetime_months


def experience_phrase(months: int) -> str:
    """``De sidste 4 år``, ``De sidste 1½ år``, ``Det sidste år``, ``Det sidste halve år``, ``De
    sidste to måneder``: the subject of "… har givet en række erfaringer"."""
    halves = int(da.round_half_away(months / 6, 0))
    if halves == 0:
        return f"{'Den sidste måned' if months <= 1 else f'De sidste {da.number_word(months)} måneder'}"
    if halves == 1:
        return "Det sidste halve år"
    if halves == 2:
        return "Det sidste år"
    return f"De sidste {years_text(months)}"


def _age_cell(months: float) -> str:
    """months_text for a table cell: digits, as tables keep them (``under 1 måned``)."""
    return "under 1 måned" if months < 1 else months_text(months)


def years_text(months: float) -> str:
    """``2½ år`` (to the nearest half year), ``1 år``, ``½ år``; under three months ``N måneder``.
    Digits, as the seed writes a span of years ("De sidste 4 år")."""
    halves = int(da.round_half_away(months / 6, 0))
    if halves == 0:
        return f"{da.number(months, 0)} {'måned' if months == 1 else 'måneder'}"
    whole, half = divmod(halves, 2)
    return (str(whole) if whole else "") + ("½" if half else "") + " år"


# --------------------------------------------------------------------------------------------------
# 1. Lifetime

def _lifetime_section(barometer: Barometer, facts: LifetimeFacts,
                      texts: textblocks.Texts | None = None) -> list[Block]:
    """When and how the barometer started, what it measures. The administration's ``baggrund``
    block (its origin, in its own words) stands in place of the computed "gik i luften" sentence, as
    in the case; the count of updates follows it."""
    started, scope = lifetime_sentences(barometer, facts)
    own = texts.blocks("baggrund") if texts is not None else ()
    if own:  # "… gik i luften første gang i juni 2007. Med opdateringen …": the part after the start
        rounds = started.partition(f" i {_month(barometer, facts.first_update)}. ")[2]
        own = (*own, *((Paragraph.of(rounds),) if rounds else ()))
    blocks: list[Block] = [Heading("Barometrets levetid", 1, "levetid"),
                           *(own or (Paragraph.of(started),)), Paragraph.of(scope)]
    decided = common.decisions_sentence(barometer, facts.update)
    if decided:
        blocks.append(Paragraph.of(decided))
    return blocks


def lifetime_sentences(barometer: Barometer, facts: LifetimeFacts) -> tuple[str, str]:
    """Two paragraphs: when the barometer started and how often it has been updated; what it
    measures and how many figures it has published (Bilag 3 and the committee case's history)."""
    name = da.capitalize(common.barometer_definite(barometer.config.title))
    first, now = _month(barometer, facts.first_update), _month(barometer, facts.update)
    if facts.updates == 1:
        rounds = f"{name} gik i luften første gang i {first}, og opdateringen i {now} er den første."
    else:
        every = facts.months / (facts.updates - 1)
        rounds = (
            f"{name} gik i luften første gang i {first}. Med opdateringen i {now} er der i alt "
            f"{da.count(facts.updates, 'opdatering', 'opdateringer')} fra {first} til {now}, i gennemsnit "
            f"med {da.number_word(int(every)) if every.is_integer() else da.number(every, 1)} måneders mellemrum."
        )
    scope = (
        f"I dag måles der på {da.count(facts.indicators, 'indikator', 'indikatorer')} fordelt på "
        f"{'det' if facts.areas == 1 else 'de'} {da.count(facts.areas, 'indsatsområde', 'indsatsområder')} "
        f"i {barometer.config.policy}. "
    )
    if facts.main_indicators == facts.indicators:
        scope += "Alle er hovedindikatorer, der bestemmer indsatsområdernes farve"
    else:
        scope += (f"Heraf er {da.number_word(facts.main_indicators)} "
                  f"{'hovedindikator' if facts.main_indicators == 1 else 'hovedindikatorer'}, der bestemmer "
                  "indsatsområdernes farve")
    if facts.district_indicators:
        scope += (f", og {da.number_word(facts.district_indicators)} har tal pr. "
                  f"{barometer.config.district_singular}")
    figures = (
        f"Indtil nu er der offentliggjort {da.count(facts.figures, 'tal', 'tal')} for hele kommunen"
        + (f" og {da.count(facts.district_figures, 'tal', 'tal')} for {barometer.config.district_plural}"
           if facts.district_figures
           else "")
        + "."
    )
    return rounds, scope + ". " + figures


# --------------------------------------------------------------------------------------------------
# 2. Colour history

def _colour_section(barometer: Barometer, facts: LifetimeFacts) -> list[Block]:
    blocks: list[Block] = [
        Heading("Signalfarverne gennem barometrets levetid", 1, "farvehistorik"),
        Paragraph.of(" ".join(colour_summary(barometer, facts))),
        colour_grid(barometer, facts),
    ]
    return blocks


def colour_summary(barometer: Barometer, facts: LifetimeFacts, *, table: bool = True) -> list[str]:
    """Which areas have been red, which got better or worse since their first colour, how much
    was carried over (``table``: said of the colour table beside the text, as in Bilag 3)."""
    names = {a.id: a.name for a in barometer.areas}
    out = []
    red = [row for row in facts.history if row.red_updates]
    if len(red) == 1:
        months = da.join_list([_month(barometer, u) for u in red[0].red_updates])
        out.append(f"{names[red[0].area]} har været rød ved opdateringen i {months}.")
    elif red:
        when = [f"{names[row.area]} ({da.join_list([_month(barometer, u) for u in row.red_updates])})"
                for row in red]
        out.append(f"{da.join_list(when)} har været røde.")
    else:
        out.append("Intet indsatsområde har været rødt i barometrets levetid.")
    parts = []
    for trend, words in (("better", "bedre for"), ("same", "den samme for"), ("worse", "dårligere for")):
        group = [names[row.area] for row in facts.history if row.trend == trend]
        if group:
            parts.append(f"{words} {da.join_list(group)}")
    if parts and facts.updates > 1:
        out.append(f"Sammenlignet med den første vurdering er farven i dag {da.join_list(parts)}.")
        # a better colour never stands alone where the main figure went the wrong way: say both
        for row in facts.history:
            if row.trend == "better" and row.first_assessed is not None:
                worse = _worsened_mains(barometer, row.area, row.first_assessed.update, facts.update)
                if worse:
                    out.append(f"For {names[row.area]} er farven bedre, men {da.join_list(worse)}.")
    never = [names[row.area] for row in facts.history if row.first_assessed is None]
    if never:
        out.append(f"{da.join_list(never)} har endnu ikke kunnet vurderes.")
    cells = len(facts.history) * facts.updates
    if facts.carried_cells and table:
        out.append(
            f"I {da.number_word(facts.carried_cells, neuter=True)} af de {da.number_word(cells)} felter i "
            "tabellen er farven "
            "overført fra en tidligere opdatering, fordi der ikke var nye tal for hovedindikatorerne."
        )
    elif facts.carried_cells:
        out.append(
            f"Af de {da.number_word(cells)} farver, indsatsområderne har fået ved de "
            f"{da.number_word(facts.updates)} opdateringer, er {da.number_word(facts.carried_cells)} overført fra "
            "en tidligere opdatering, fordi der ikke var nye tal for hovedindikatorerne."
        )
    return out


def _worsened_mains(barometer: Barometer, area_id: str, first_update: str, update: str) -> list[str]:
    """The area's main indicators whose figure moved the wrong way from the one known at the
    area's first colour to the newest: ``hovedindikatoren »…« er steget fra 0,47 i 2006 til 0,78 i 2009``."""
    out = []
    for ind in barometer.indicators_of_area(area_id):
        if not ind.main:
            continue
        then = barometer.as_of(first_update).measurements_of(ind.id)
        now = barometer.as_of(update).measurements_of(ind.id)
        if not then or not now or then[-1].period == now[-1].period:
            continue
        before, after = then[-1], now[-1]
        decimals = 0 if ind.unit == "count" else ind.decimals
        change = da.round_half_away(after.value, decimals) - da.round_half_away(before.value, decimals)
        if change and (change > 0) != (ind.direction == "up"):
            out.append(f"hovedindikatoren »{ind.name}« er {'steget' if change > 0 else 'faldet'} fra "
                       f"{common.level_text(ind, before.value)} i {da.period(before.period)} til "
                       f"{common.level_text(ind, after.value)} i {da.period(after.period)}")
    return out


def colour_grid(barometer: Barometer, facts: LifetimeFacts) -> Table:
    """Areas × updates: symbol and word on the palette's tint in every cell, carried-over marked."""
    return history_grid(barometer, facts.history, facts.updates)


def history_grid(barometer: Barometer, history: Sequence[AreaHistory], total: int) -> Table:
    """The colour grid of ``history`` (one row per area, ``total`` updates in each), the latest
    MAX_GRID_UPDATES shown."""
    shown = slice(-MAX_GRID_UPDATES, None)
    updates = [barometer.update(c.update) for c in history[0].cells[shown]] if history else []
    rows = []
    overridden = carried = False
    for row in history:
        cells = [Cell(barometer.area(row.area).name, bold=True)]
        for c in row.cells[shown]:
            overridden |= c.overridden
            carried |= c.carried_over
            mark = "*" if c.overridden else ""
            cells.append(common.signal_cell(c.signal, carried=c.carried_over, mark=mark))
        rows.append(tuple(cells))
    # the key to "(overført)" only where a cell says it
    notes = ["Overført: ingen nye tal for hovedindikatorerne; farven fra den forrige opdatering fastholdes."
             ] if carried else []
    if overridden:
        notes.append("*: farven er fastsat af forvaltningen.")
    if total > MAX_GRID_UPDATES:
        notes.append(f"Tabellen viser de seneste {da.number_word(MAX_GRID_UPDATES)} af {da.number_word(total)} "
                     "opdateringer.")
    first_w = 22.0
    return Table(
        header=("Indsatsområde", *(u.label for u in updates)),
        rows=tuple(rows),
        caption=_grid_caption(updates),
        widths=(first_w, *([(100 - first_w) / len(updates)] * len(updates))) if updates else None,
        note=" ".join(notes) or None,
    )


def _grid_caption(updates: Sequence) -> str | None:
    """``… ved hver opdatering fra juni 2007 til december 2009``; one update: ``… ved opdateringen i juni 2022``."""
    if not updates:
        return None
    if len(updates) == 1:
        return f"Indsatsområdernes signalfarver ved opdateringen i {da.month_year(updates[0].date)}"
    return (f"Indsatsområdernes signalfarver ved hver opdatering fra {da.month_year(updates[0].date)} "
            f"til {da.month_year(updates[-1].date)}")


# --------------------------------------------------------------------------------------------------
# 3. Carried over for two rounds or more

def _carried_section(barometer: Barometer, facts: LifetimeFacts) -> list[Block]:
    blocks: list[Block] = [Heading("Indikatorer uden nye tal i flere opdateringer", 1, "overfoert")]
    if not facts.carried:
        blocks.append(Paragraph.of(
            "Ingen indikator har været uden nye tal i to eller flere opdateringer i træk."))
        return blocks
    n = len(facts.carried)
    ongoing = sum(1 for c in facts.carried if c.ongoing)
    # the count inside the sentence, not first: "I barometrets levetid har 1 indikator …", never "1 indikator har …"
    text = (f"I barometrets levetid har {da.count(n, 'indikator', 'indikatorer')} været "
            "uden nye tal i to eller flere opdateringer i træk, så farven er overført fra en tidligere "
            "opdatering.")
    now = _month(barometer, facts.update)
    if ongoing and n == 1:
        text += f" Den er stadig uden nye tal ved opdateringen i {now}."
    elif ongoing:
        text += f" Af dem er {da.number_word(ongoing)} stadig uden nye tal ved opdateringen i {now}."
    blocks.append(Paragraph.of(text))
    rows = []
    for c in facts.carried:
        ind = barometer.indicator(c.indicator)
        first, last = barometer.update(c.first_carried), barometer.update(c.last_carried)
        rows.append((
            Cell(ind.name),
            Cell(barometer.area(ind.area).name),
            Cell(da.number(c.rounds, 0), align="right"),
            # months in lower case, as every other period in a table cell ("aug. 2009", "fra maj 2009")
            Cell(f"{da.month_year(first.date)} – {da.month_year(last.date)}"),
            Cell(da.month_year(barometer.update(c.carried_from).date) if c.carried_from else "Ingen"),
        ))
    blocks.append(Table(
        header=("Indikator", "Indsatsområde", "Gange i træk", "Overført", "Seneste nye tal"),
        rows=tuple(rows),
        caption="Indikatorer, hvis farve er overført i to eller flere opdateringer i træk",
        widths=(40, 16, 10, 19, 15),
        align=("left", "left", "right", "left", "left"),
    ))
    return blocks


# --------------------------------------------------------------------------------------------------
# 4. Targets out of reach

def _target_section(barometer: Barometer, assessment: Assessment, narrative: Narrative,
                    facts: LifetimeFacts, charts: Mapping[str, ChartLike]) -> list[Block]:
    blocks: list[Block] = [Heading("Mål, der ikke nås i det nuværende tempo", 1, "maal")]
    t = facts.targets
    if not t.with_target:
        blocks.append(Paragraph.of("Ingen af barometrets indikatorer har et mål med en frist."))
        return blocks
    outcomes = (
        (t.reached, "er nået"),
        (t.on_track, "er inden for rækkevidde i det nuværende tempo"),
        (t.off_track, "nås ikke, hvis udviklingen fortsætter i samme tempo som siden forrige måling"),
        (t.unknown, "kan endnu ikke vurderes"),
    )
    if t.with_target == 1:
        word = next(w for n, w in outcomes if n)
        text = f"Barometret har én indikator med et mål, og målet {word}."
    else:
        parts = [f"{da.number_word(n)} {w}" for n, w in outcomes if n]
        text = (f"Barometret har {da.count(t.with_target, 'indikator', 'indikatorer')} med et mål: "
                f"{da.join_list(parts)}.")
    blocks.append(Paragraph.of(text))
    if not facts.target_misses:
        return blocks
    rows = []
    for miss in facts.target_misses:
        ind = barometer.indicator(miss.indicator)
        text = narrative.indicators.get(ind.id)
        sentences = [s for s in (text.target_sentence, text.pace_sentence) if s] if text else []
        blocks.append(Paragraph((Run(f"{ind.name}: ", bold=True), Run(" ".join(sentences)))))
        rows.append((
            Cell(ind.name),
            Cell(f"{common.unbroken(common.level_short(ind, miss.value))} ({common.period_cell(miss.period)})",
                 align="right"),
            Cell(ind.target_text or common.level_short(ind, miss.target_value), align="right"),
            Cell(_remaining(ind, miss.remaining), align="right"),
            Cell(da.period(miss.target_period)),
        ))
    blocks.append(Table(
        header=("Indikator", "Seneste tal", "Mål", "Mangler", "Frist"),
        rows=tuple(rows),
        caption="Mål, som udviklingen siden forrige måling ikke når",
        widths=(38, 20, 12, 15, 15),
        align=("left", "right", "right", "right", "left"),
    ))
    for miss in facts.target_misses:
        chart = charts.get(miss.indicator)
        if chart is not None:
            blocks.append(common.figure_from(chart, caption=barometer.indicator(miss.indicator).name))
    return blocks


def _remaining(ind: Indicator, remaining: float) -> str:
    return common.change_text(ind, remaining, short=True).lstrip("+")


# --------------------------------------------------------------------------------------------------
# 5. Data age

def _age_section(barometer: Barometer, facts: LifetimeFacts) -> list[Block]:
    blocks: list[Block] = [Heading("Datagrundlagets alder", 1, "dataalder")]
    local, national = facts.age("local"), facts.age("national")
    sentences = [age_sentence(barometer, facts, local, national)]
    missing = sum(a.indicators - a.with_figures for a in facts.ages)
    if missing:
        sentences.append(f"For {da.count(missing, 'indikator', 'indikatorer')} er der endnu ingen tal.")
    blocks.append(Paragraph.of(" ".join(s for s in sentences if s)))
    rows = []
    for a in facts.ages:
        if not a.indicators:
            continue
        rows.append((
            Cell(_SOURCE_WORDS[a.source_type]),
            Cell(da.number(a.indicators, 0), align="right"),
            Cell(_age_cell(a.median) if a.median is not None else "Ingen tal", align="right"),
            Cell(_age_cell(a.youngest) if a.youngest is not None else "–", align="right"),
            Cell(_age_cell(a.oldest) if a.oldest is not None else "–", align="right"),
        ))
    blocks.append(Table(
        header=("Kilder", "Indikatorer", "Typisk alder (median)", "Nyeste tal", "Ældste tal"),
        rows=tuple(rows),
        caption=f"Alderen på det nyeste tal ved opdateringen i {_month(barometer, facts.update)}",
        widths=(24, 14, 22, 20, 20),
        align=("left", "right", "right", "right", "right"),
        note="Alder: hele måneder fra den måned, tallet gælder (et år regnes som dets december), "
             "til opdateringens måned.",
    ))
    return blocks


def age_sentence(barometer: Barometer, facts: LifetimeFacts, local: AgeSummary, national: AgeSummary) -> str:
    """``Ved opdateringen i december 2009 er det nyeste tal for de 22 indikatorer med lokale kilder
    typisk 12 måneder (1 år) gammelt, mens det for de 11 indikatorer med nationale kilder … er …``"""
    def part(a: AgeSummary, kind: str) -> str:
        count = ("den ene indikator" if a.with_figures == 1
                 else f"de {da.number_word(a.with_figures)} indikatorer")
        return f"for {count} med {kind} kilder"

    def typically(a: AgeSummary) -> str:  # one indicator has an age, not a typical one
        return "" if a.with_figures == 1 else "typisk "

    when = f"Ved opdateringen i {_month(barometer, facts.update)}"
    if local.median is not None and national.median is not None:
        return (f"{when} er det nyeste tal {part(local, 'lokale')} {typically(local)}"
                f"{months_text(local.median)} gammelt, mens det {part(national, 'nationale')}, fx Danmarks "
                f"Statistik og ministerierne, {typically(national)}er {months_text(national.median)} gammelt.")
    for a, kind in ((local, "lokale"), (national, "nationale")):
        if a.median is not None:
            return f"{when} er det nyeste tal {part(a, kind)} {typically(a)}{months_text(a.median)} gammelt."
    return ""


# --------------------------------------------------------------------------------------------------
# 6. Committees

def _committee_section(barometer: Barometer, facts: LifetimeFacts) -> list[Block]:
    total = sum(c.indicators for c in facts.committees)
    red = sum(c.red for c in facts.committees)
    with_red = sum(1 for c in facts.committees if c.red)
    when = f"Ved opdateringen i {_month(barometer, facts.update)}"
    if len(facts.committees) == 1:  # one committee: name it, never "fordelt på ét udvalg"
        only = barometer.committee(facts.committees[0].committee).name
        text = (f"Barometrets {da.count(total, 'indikator', 'indikatorer')} hører alle under {only}. "
                if total > 1 else f"Barometrets indikator hører under {only}. ")
        if total == 1:
            text += f"{when} er den {'rød' if red else 'ikke rød'}."
        elif red == 0:
            text += f"{when} er ingen af dem røde."
        elif red == 1:
            text += f"{when} er én af dem rød."
        else:
            text += f"{when} er {'de alle' if red == total else da.number_word(red) + ' af dem'} røde."
    else:
        text = (f"Barometrets {da.count(total, 'indikator', 'indikatorer')} hører under "
                f"{da.count(len(facts.committees), 'udvalg', 'udvalg')}. ")
        if red == 1:
            text += f"{when} er én indikator rød."
        elif red:
            text += (f"{when} er {da.count(red, 'indikator', 'indikatorer')} røde, fordelt på "
                     f"{da.count(with_red, 'udvalg', 'udvalg')}.")
        else:
            text += f"{when} er ingen indikatorer røde."
    rows = [
        (Cell(barometer.committee(c.committee).name), Cell(da.number(c.indicators, 0), align="right"),
         Cell(da.number(c.red, 0), align="right"))
        for c in facts.committees
    ]
    rows.append((Cell("I alt", bold=True), Cell(da.number(total, 0), align="right", bold=True),
                 Cell(da.number(red, 0), align="right", bold=True)))
    return [
        Heading("Indikatorer fordelt på udvalg", 1, "udvalg"),
        Paragraph.of(text),
        Table(
            header=("Udvalg", "Indikatorer", "Røde"),
            rows=tuple(rows),
            caption=f"Indikatorer og røde indikatorer pr. udvalg, {_month(barometer, facts.update)}",
            widths=(60, 20, 20),
            align=("left", "right", "right"),
        ),
    ]


# --------------------------------------------------------------------------------------------------
# 6½. What this barometer's data ask the committee to look at

DEADLINE_MONTHS = 12  # a target whose deadline is this close (or passed) and not reached
OLD_FIGURE_MONTHS = 15  # a newest figure this old


def _in_all(n: int) -> str:
    """``i den ene måling``, ``i begge målinger``, ``i alle tre målinger``."""
    if n == 1:
        return "i den ene måling"
    return "i begge målinger" if n == 2 else f"i alle {da.number_word(n)} målinger"


def attention_points(barometer: Barometer, assessment: Assessment, facts: LifetimeFacts) -> list[str]:
    """Advice that follows from the data at this update, one sentence group each: targets whose
    deadline is within a year (or passed) and not reached; indicators whose newest figure is 15
    months or older; districts whose every figure so far fell under ``min_n``. Empty: nothing."""
    update = assessment.at
    points: list[str] = []
    soon: list[tuple[str, str, str, str]] = []  # near deadlines: name, deadline, how soon, what is missing
    for ind in barometer.indicators:
        r = assessment.indicator(ind.id)
        if ind.target_period is None or r.remaining is None or r.remaining <= 0:
            continue
        left = months_between(update, ind.target_period)
        missing = da.change_amount(r.remaining, ind.unit, 0 if ind.unit == "count" else ind.decimals,
                                   ind.unit_text)  # "0,54 karakterpoint": every figure with its unit
        if left < 0:
            points.append(f"Fristen for målet for »{ind.name}« var {da.period(ind.target_period)}, og målet er "
                          f"ikke nået: der mangler {missing}. Udvalget kan tage stilling til, om målet skal "
                          "fornyes med en ny frist.")
        elif left <= DEADLINE_MONTHS:
            when = "denne måned" if left == 0 else f"om {da.number_word(left)} {'måned' if left == 1 else 'måneder'}"
            soon.append((ind.name, da.period(ind.target_period), when, missing))
    if len(soon) == 1:
        name, period, when, missing = soon[0]
        points.append(f"Fristen for målet for »{name}« er {period}, {when}, og der mangler {missing}. Udvalget "
                      "kan allerede nu drøfte, hvad der skal gælde efter fristen.")
    elif soon:
        listed = da.join_list([f"»{name}« ({period}; mangler {missing})" for name, period, _, missing in soon])
        points.append(f"For {da.number_word(len(soon))} mål falder fristen inden for et år, uden at målet er nået: "
                      f"{listed}. Udvalget kan allerede nu drøfte, hvad der skal gælde efter fristerne.")
    old = [a for a in facts.data_age if a.months is not None and a.months >= OLD_FIGURE_MONTHS]
    if old:
        n = len(old)
        shown = sorted(old, key=lambda a: -(a.months or 0))[:3] if n > 4 else old  # many: the oldest three
        names = [f"»{barometer.indicator(a.indicator).name}« ({da.period(a.period)}, "
                 f"{da.number(a.months, 0)} måneder)" for a in shown]
        if len(shown) < n:
            names = [f"ældst {names[0]}", *names[1:], f"{da.number_word(n - len(shown))} andre"]
        points.append(
            f"Det nyeste tal er {OLD_FIGURE_MONTHS} måneder eller ældre for "
            f"{'én indikator' if n == 1 else f'{da.number_word(n)} indikatorer'}: {da.join_list(names)}. "
            f"{'Dens farve siger' if n == 1 else 'Deres farver siger'} mest om udviklingen for over et år "
            "siden; udvalget kan spørge, om en hurtigere kilde findes.")
    now = barometer.as_of(update)
    min_n = barometer.config.min_n
    for d in barometer.districts:
        rows = [m for i in barometer.indicators if i.districts for m in now.measurements_of(i.id, district=d.id)]
        sizes = [m.n for m in rows if m.n is not None]
        if rows and len(sizes) == len(rows) and max(sizes) < min_n:
            points.append(
                f"{d.name} har {_in_all(len(rows))} haft under {min_n} observationer (højst "
                f"{max(sizes)}), så dens tal er aldrig offentliggjort og bliver det heller ikke ved den "
                f"størrelse. Tallene kan lægges sammen med en nabo{barometer.config.district_singular} "
                "eller opgøres over flere år.")
    return points


def _attention_section(barometer: Barometer, assessment: Assessment, facts: LifetimeFacts) -> list[Block]:
    points = attention_points(barometer, assessment, facts)
    if not points:
        return []
    return [Heading(f"Opmærksomhedspunkter ved opdateringen i {_month(barometer, facts.update)}", 1,
                    "opmaerksomhed"),
            ListBlock(tuple((Run(p),) for p in points))]


# --------------------------------------------------------------------------------------------------
# 7. The discussion themes (letters/advice.md)

def advice_context(barometer: Barometer, assessment: Assessment, facts: LifetimeFacts,
                   settings: letters.LetterSettings) -> dict[str, Any]:
    """Everything ``{{ … }}`` can reach in advice.md (documented in letters/README.md). Counts are
    whole numbers; lists of names print as ``A, B og C``."""
    config = barometer.config
    update = assessment.at
    owner = common.owner_name(barometer)
    others = [c for c in facts.committees if c.committee != config.owner]
    local, national = facts.age("local"), facts.age("national")
    return {
        "kommune": config.municipality,
        "forvaltning": config.administration or "",
        "barometer": {"navn": settings.barometer_name, "titel": config.title, "politik": config.policy,
                      "udvalg": owner},
        # "det nye … udvalg" at the first update after an election, else the committee itself
        "nyt_udvalg": new_committee(barometer, update) or owner,
        "tiltraeder": takes_office(update),
        "opdatering": {"id": update.id, "label": update.label, "dato": da.date(update.date),
                       "maaned": da.month_year(update.date)},
        "foerste_opdatering": _month(barometer, facts.first_update),
        "levetid": years_text(facts.months),
        # the committee's term so far (Danish municipal terms begin 1 January 2006, 2010, 2014, …):
        # the themes speak of the experience of the committee that discusses them
        "udvalgsperiode": years_text(term_months(update)),
        # "De sidste 4 år" (the term) or, for a barometer younger than the term's second half, its
        # own life ("Det sidste halve år"): the subject of "… har givet en række erfaringer"
        "erfaringsperiode": experience_phrase(experience_months(update, facts.months)),
        "antal_opdateringer": facts.updates,
        "antal_omraader": facts.areas,
        "antal_indikatorer": facts.indicators,
        "antal_hovedindikatorer": facts.main_indicators,
        "antal_bydelsindikatorer": facts.district_indicators,
        "antal_roede": sum(1 for r in assessment.indicators if r.signal == "red"),
        "antal_initiativer": len(barometer.initiatives),
        "udvalg": [{"id": c.committee, "navn": barometer.committee(c.committee).name,
                    "indikatorer": c.indicators, "roede": c.red} for c in facts.committees],
        "roede_udvalg": NameList(barometer.committee(c.committee).name for c in facts.committees if c.red),
        # the theme on the other committees names only those (never the owner among "de øvrige")
        "oevrige_roede_udvalg": NameList(barometer.committee(c.committee).name for c in others if c.red),
        "oevrige_udvalg": NameList(barometer.committee(c.committee).name for c in others),
        "oevrige_indikatorer": sum(c.indicators for c in others),
        "oevrige_roede": sum(c.red for c in others),
        "overfoerte": NameList(barometer.indicator(c.indicator).name for c in facts.carried),
        "maal_naas_ikke": NameList(barometer.indicator(m.indicator).name for m in facts.target_misses),
        "alder_lokal": months_text(local.median) if local.median is not None else "",
        "alder_national": months_text(national.median) if national.median is not None else "",
        # the argument "current figures cost the surer national ones" holds only where they are older
        "nationale_aeldre": (local.median is not None and national.median is not None
                             and national.median > local.median),
    }


def _own_advice(texts: textblocks.Texts) -> list[Block]:
    """The administration's own advice (block ``gode_raad``) before the discussion themes; nothing
    where it is not written (the computed sections and the themes stand alone)."""
    own = texts.blocks("gode_raad")
    return [Heading("Forvaltningens gode råd", 1, "gode-raad"), *own] if own else []


def advice_blocks(barometer: Barometer, assessment: Assessment, facts: LifetimeFacts, *,
                  project_dir: Path) -> tuple[Block, ...]:
    """letters/advice.md rendered in the letters' sandbox; ``[[…]]`` lines have nothing to fill here."""
    source = letters.find_text(ADVICE_FILE, barometer_dir=barometer.folder, project_dir=project_dir)
    settings = letters.load_settings(barometer_dir=barometer.folder, project_dir=project_dir,
                                     title=barometer.config.title)
    markdown = letters.render_markdown(source, advice_context(barometer, assessment, facts, settings))
    return letters.fill_slots(letters.markdown_to_blocks(markdown, display=source.display), {})

