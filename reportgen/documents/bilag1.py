"""Bilag 1: Orientering om status og udvikling på indikatorer, as a format-neutral Document."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..document import Block, Cell, Document, Heading, ListBlock, Note, PageBreak, Paragraph, Run, Table
from ..inputs.model import Barometer, Indicator
from ..narrate import Narrative
from ..narrate import danish as da
from ..signals.assess import Assessment
from ..signals.history import age_summaries, data_age
from . import common
from .bilag2 import initiative_list
from .bilag3 import months_text

LABEL = "Bilag 1"


@dataclass(frozen=True)
class Bilag1Charts:
    """The charts Bilag 1 shows: overview, trend per indicator id, district map per indicator id."""

    overview: object | None
    trends: Mapping[str, object]
    maps: Mapping[str, object]


def title(barometer: Barometer) -> str:
    return f"Orientering om status og udvikling på indikatorer i {common.barometer_definite(barometer.config.title)}"


def build_bilag1(
    barometer: Barometer,
    assessment: Assessment,
    narrative: Narrative,
    charts: Bilag1Charts,
    *,
    changes: tuple[Block, ...] = (),
    appendix: tuple[Block, ...] = (),
) -> Document:
    """The status appendix: overview, one section per area, data sources and the method note.

    ``changes`` ("Ændringer siden sidste opdatering") and ``appendix`` (method sensitivity) are
    built elsewhere and placed here when given.
    """
    blocks: list[Block] = [
        Heading("Sammenfatning", 1, "sammenfatning"),
        Paragraph.of(colour_intro(barometer)),
        Paragraph.of(narrative.intro),
        overview_table(barometer, assessment),
    ]
    if charts.overview is not None:
        blocks.append(common.figure_from(charts.overview, caption="Signalfarver for indsatsområderne",
                                         width_mm=150))
    blocks.extend(changes)
    # Each area, and the data sources with the method note, start on a new page: a committee member
    # finds an area by its first page, and the PDF can be laid out in parts (render/pdfparts.py).
    for area in barometer.areas:
        blocks.append(PageBreak())
        blocks.extend(_area_section(barometer, assessment, narrative, charts, area.id))
    blocks.append(PageBreak())
    blocks.extend(data_section(barometer, assessment))
    blocks.extend(method_section(barometer))
    blocks.extend(appendix)
    meta = common.report_meta(barometer, assessment.at, label=LABEL, title=title(barometer))
    return Document("bilag1", meta, tuple(blocks))


def colour_intro(barometer: Barometer) -> str:
    """What the signal colours mean; Bilag 1 and the committee case open their status with it."""
    n = len(barometer.areas)
    return (
        f"Status for udviklingen inden for {barometer.config.policy} og dens "
        f"{da.count(n, 'indsatsområde', 'indsatsområder')} markeres med signalfarverne grøn, gul og "
        "rød, der viser, om der er fremskridt, stilstand eller tilbagegang i forhold til at nå målene. "
        "Farven på et indsatsområde afhænger af en eller flere hovedindikatorers udvikling."
    )


def _basis(barometer: Barometer, assessment: Assessment, area_id: str) -> str:
    a = assessment.area(area_id)
    if a.overridden:
        return f"Fastsat af forvaltningen: {a.override_reason}" if a.override_reason else "Fastsat af forvaltningen"
    if a.carried_over:
        if a.carried_from:
            return f"Overført fra {barometer.update(a.carried_from).label.lower()}"
        return "Overført (ingen tal endnu)"
    return "Nye tal"


def overview_table(barometer: Barometer, assessment: Assessment) -> Table:
    rows = []
    for area in barometer.areas:
        a = assessment.area(area.id)
        mains = [i.name for i in barometer.indicators_of_area(area.id) if i.main]
        rows.append((
            Cell(area.name, bold=True),
            common.signal_cell(a.signal),
            Cell(_basis(barometer, assessment, area.id)),
            Cell("; ".join(mains)),
        ))
    return Table(
        header=("Indsatsområde", "Signal", "Grundlag", "Hovedindikator(er)"),
        rows=tuple(rows),
        caption=f"Signalfarver ved opdateringen i {da.month_year(assessment.at.date)}",
        widths=(20, 14, 24, 42),
    )


def _area_section(barometer: Barometer, assessment: Assessment, narrative: Narrative,
                  charts: Bilag1Charts, area_id: str) -> list[Block]:
    area = barometer.area(area_id)
    text = narrative.areas[area_id]
    indicators = barometer.indicators_of_area(area_id)
    blocks: list[Block] = [Heading(text.heading, 1, f"omraade-{common.safe_anchor(area_id)}")]
    blocks.append(Paragraph((Run(text.summary, bold=True),)))
    blocks.extend(Paragraph.of(p) for p in text.paragraphs)
    for ind in indicators:
        if ind.main and ind.id in charts.trends:
            blocks.append(common.figure_from(charts.trends[ind.id], caption=f"Hovedindikator: {ind.name}"))
    blocks.append(Heading(f"Indikatorer for {area.name.lower()}", 2))
    blocks.append(indicator_table(barometer, assessment, indicators))
    blocks.extend(explanations(narrative, indicators))
    for ind in indicators:
        r = assessment.indicator(ind.id)
        if r.districts:
            blocks.extend(_district_part(barometer, ind, r, charts))
    initiatives = initiative_list(barometer, indicators)
    if initiatives:
        # "boligområdet", "kultur- og fritidsområdet": the compound rule the summaries use, not name + "sområdet"
        blocks.append(Heading(f"Initiativer på {da.area_domain(area.name)}", 2))
        blocks.extend(initiatives)
    return blocks


def indicator_table(barometer: Barometer, assessment: Assessment, indicators: tuple[Indicator, ...]) -> Table:
    """Latest figure, period, change, significance, target and signal per indicator; the "Mål"
    column only when one of the indicators has a target (a column of dashes says nothing)."""
    with_target = common.any_target(indicators)
    rows = []
    for ind in indicators:
        r = assessment.indicator(ind.id)
        mark = "*" if r.overridden else ""
        rows.append((
            Cell(ind.name + (" (hovedindikator)" if ind.main else "")),
            Cell(common.level_short(ind, r.value), align="right"),
            Cell(common.period_cell(r.period)),
            Cell(common.change_text(ind, r.change, short=True), align="right"),
            Cell(common.significance_text(r)),
            *((Cell(common.target_text(ind, r), align="right"),) if with_target else ()),
            common.signal_cell(r.signal, carried=r.carried_over, mark=mark),
        ))
    if with_target:
        return Table(
            header=("Indikator", "Seneste tal", "Periode", "Ændring", "Signifikans", "Mål", "Signal"),
            rows=tuple(rows),
            # Periode fits "mar. 2009" and Ændring "pct.-point" on one line each (Carlito 9.5 pt)
            widths=(30, 9, 12, 12, 11, 13, 13),
            align=("left", "right", "left", "right", "left", "right", "left"),
        )
    return Table(
        header=("Indikator", "Seneste tal", "Periode", "Ændring", "Signifikans", "Signal"),
        rows=tuple(rows),
        widths=(38, 10, 12, 13, 13, 14),
        align=("left", "right", "left", "right", "left", "left"),
    )


def explanations(narrative: Narrative, indicators: tuple[Indicator, ...]) -> list[Block]:
    """Why each colour is what it is, in one sentence per indicator, under the table."""
    items = []
    for ind in indicators:
        text = narrative.indicators.get(ind.id)
        if text is not None:
            items.append((Run(f"{ind.name}: ", bold=True), Run(text.explanation)))
    if not items:
        return []
    return [Paragraph((Run("Sådan er farverne fundet", bold=True),), style="small"), ListBlock(tuple(items))]


def _district_part(barometer: Barometer, ind: Indicator, r, charts: Bilag1Charts) -> list[Block]:
    one, many = barometer.config.district_singular, barometer.config.district_plural
    blocks: list[Block] = [Heading(f"Tal pr. {one}: {ind.name}", 2)]
    if ind.id in charts.maps:
        blocks.append(common.figure_from(charts.maps[ind.id], caption=f"{ind.name} fordelt på {many}",
                                         width_mm=140, raster=True))
    names = {d.id: d.name for d in barometer.districts}
    # One period for every district (the usual case) goes into the header instead of a column
    # that repeats it on every row.
    periods = {d.period for d in r.districts if not d.suppressed}
    shared = next(iter(periods)) if len(periods) == 1 else None
    rows = []
    for d in r.districts:
        if d.suppressed:
            cells = [Cell(names.get(d.district, d.district)), Cell("For få observationer", align="right"),
                     Cell("–"), Cell("–", align="right"), common.signal_cell("grey")]
        else:
            cells = [
                Cell(names.get(d.district, d.district)),
                Cell(common.level_short(ind, d.value), align="right"),
                Cell(common.period_cell(d.period)),
                Cell(common.change_text(ind, d.change, short=True), align="right"),
                common.signal_cell(d.signal),
            ]
        if shared:
            del cells[2]
        rows.append(tuple(cells))
    if shared:
        header, widths, align = (
            (da.capitalize(one), f"Seneste tal ({da.period_short(shared)})", "Ændring", "Signal"),
            (34, 28, 20, 18), ("left", "right", "right", "left"))
    else:
        header, widths, align = (
            (da.capitalize(one), "Seneste tal", "Periode", "Ændring", "Signal"),
            (34, 16, 16, 16, 18), ("left", "right", "left", "right", "left"))
    blocks.append(Table(
        header=header,
        rows=tuple(rows),
        widths=widths,
        align=align,
        note=common.suppression_note(barometer),
    ))
    return blocks


def data_section(barometer: Barometer, assessment: Assessment) -> list[Block]:
    update = assessment.at
    ages = {a.indicator: a.months for a in data_age(barometer, assessment)}
    rows = []
    for ind in barometer.indicators:
        r = assessment.indicator(ind.id)
        months = ages[ind.id]
        # a figure of the update's own month or year is not "0 måneder" old
        age = ("Ingen tal" if months is None else "Under 1 måned" if months < 1
               else da.plural(months, "måned", "måneder"))
        rows.append((
            Cell(ind.name),
            Cell(ind.source or "Ikke oplyst"),
            Cell("National" if ind.source_type == "national" else "Lokal"),
            Cell(common.period_cell(r.period)),
            Cell(age, align="right"),
        ))
    return [
        Heading("Datagrundlag", 1, "datagrundlag"),
        Paragraph.of(
            "Tabellen viser kilden til hver indikator, og hvor gammelt det seneste tal er ved "
            f"opdateringen i {da.month_year(update.date)}." + _typical_age(barometer, assessment)
        ),
        Table(
            header=("Indikator", "Kilde", "Type", "Seneste periode", "Alder"),
            rows=tuple(rows),
            widths=(36, 28, 10, 13, 13),
            align=("left", "left", "left", "left", "right"),
        ),
    ]


def _typical_age(barometer: Barometer, assessment: Assessment) -> str:
    """`` Det nyeste tal er typisk 18 måneder (1½ år) gammelt fra de nationale kilder og 12 måneder (1 år)
    fra de lokale.``: the medians of the table below, not a fixed claim the table may contradict."""
    ages = {a.source_type: a.median for a in age_summaries(barometer, assessment)}
    national, local = ages.get("national"), ages.get("local")
    if national is not None and local is not None:
        return (f" Det nyeste tal er typisk {months_text(national)} gammelt fra de nationale kilder, fx Danmarks "
                f"Statistik og ministerierne, og {months_text(local)} fra de lokale.")
    one = national if national is not None else local
    return f" Det nyeste tal er typisk {months_text(one)} gammelt." if one is not None else ""


_RULE_TEXT = {
    "previous": "den seneste måling sammenlignes med den forrige",
    "baseline": "den seneste måling sammenlignes med et fast udgangspunkt",
    "trajectory": ("den seneste måling sammenlignes med den lige linje fra udgangspunktet til målet; "
                   "ligger den på eller over linjen, er farven grøn, ellers afgør udviklingen siden "
                   "forrige måling farven, dog aldrig grøn"),
    "national": ("den seneste måling sammenlignes med udgangspunktet, begge afrundet til hele tal, "
                 "som i det nationale integrationsbarometer"),
    "gauge": ("den årlige fremgang siden udgangspunktet sammenlignes med den fremgang, der skal til for "
              "at nå målet til tiden: mindst 95 procent af den nødvendige fremgang giver grøn, "
              "fremgang under det gul og tilbagegang rød"),
}


_AGGREGATION_TEXT = {
    "worst": "den dårligste farve blandt hovedindikatorerne",
    "majority": "den hyppigste farve blandt hovedindikatorerne (ved stemmelighed den dårligste)",
}


def aggregation_text(barometer: Barometer) -> str:
    """How each area's colour is found, as the areas actually are: one sentence when every area
    with several main indicators follows the same rule, else the rule named per area. An area with
    one main indicator takes its colour, whatever the rule."""
    single = [a.name for a in barometer.areas
              if sum(1 for i in barometer.indicators_of_area(a.id) if i.main) == 1]
    by_rule: dict[str, list[str]] = {}
    for a in barometer.areas:
        if a.name not in single:
            by_rule.setdefault(a.aggregation or barometer.config.aggregation, []).append(a.name)
    parts = []
    if len(by_rule) == 1 and not single:
        parts.append(f"Et indsatsområdes farve er {_AGGREGATION_TEXT[next(iter(by_rule))]}.")
    else:
        for rule, names in by_rule.items():
            parts.append(f"For {da.join_list(names)} er indsatsområdets farve {_AGGREGATION_TEXT[rule]}.")
    if single:
        if not by_rule:
            parts.append("Hvert indsatsområde har én hovedindikator, og indsatsområdet får dens farve.")
        else:
            parts.append(f"{da.join_list(single)} {'har' if len(single) == 1 else 'har hver'} én "
                         "hovedindikator og får dens farve.")
    return " ".join(parts)


def method_section(barometer: Barometer) -> list[Block]:
    cfg = barometer.config
    level = da.number(cfg.significance * 100, 0 if (cfg.significance * 100).is_integer() else 1)
    rules_used = [r for r in _RULE_TEXT if any(i.rule == r for i in barometer.indicators)]
    rule_items = tuple(
        (Run(da.capitalize(_rule_name(r)), bold=True),
         Run(f" ({da.count(sum(i.rule == r for i in barometer.indicators), 'indikator', 'indikatorer')}): "
             f"{_RULE_TEXT[r]}."))
        for r in rules_used
    )
    colour_items = (
        (Run("Grøn", bold=True), Run(" (fremskridt): udviklingen går den rigtige vej.")),
        (Run("Gul", bold=True), Run(f" (stilstand): {_yellow_text(barometer, level)}.")),
        (Run("Rød", bold=True), Run(" (tilbagegang): udviklingen går den forkerte vej.")),
        (Run("Grå", bold=True), Run(" (kan ikke vurderes): der er endnu ikke tal nok at sammenligne.")),
    )
    closing = [
        f"{aggregation_text(barometer)} Er der ingen nye tal for hovedindikatorerne, "
        "fastholdes farven fra den forrige opdatering, og det markeres som overført. Har forvaltningen "
        "fastsat en farve, står begrundelsen, hvor farven vises."
    ]
    if common.any_target(barometer.indicators):
        closing.append(
            "Afstanden til målet er forskellen mellem målet og den seneste måling; udviklingen er hurtig "
            "nok, når den månedlige fremgang siden forrige måling mindst svarer til den fremgang, der "
            "stadig mangler pr. måned frem til målet.")
    suppression = common.suppression_note(barometer, colour=True)
    return [
        Heading("Metode", 1, "metode"),
        Note((Run(
            "Hver indikator vurderes efter sin regel. Tallene afrundes til det viste antal decimaler, "
            "før de sammenlignes."
        ),), title="Signalregler"),
        ListBlock(rule_items),
        Paragraph.of("Signalfarverne betyder:"),  # two lists one after the other read as one
        ListBlock(colour_items),
        Paragraph.of(" ".join(closing)),
        *([Paragraph.of(suppression)] if suppression else []),
    ]


_STEP4_RULES = ("previous", "baseline", "trajectory")  # the rules with tolerance and z-test


def _yellow_text(barometer: Barometer, level: str) -> str:
    """What yellow means, naming the tolerance and the z-test only where an indicator has them."""
    step4 = {i.id for i in barometer.indicators if i.rule in _STEP4_RULES}
    tolerance = any(i.tolerance > 0 for i in barometer.indicators if i.id in step4)
    tested = any(m.se is not None for m in barometer.measurements if m.indicator in step4)
    text = "ingen ændring ud over tolerancen" if tolerance else "ingen ændring"
    if tested:
        text += (f", eller ændringen er ikke statistisk signifikant (signifikansniveau {level} procent), "
                 "hvor der er oplyst standardfejl")
    return text


def _rule_name(rule: str) -> str:
    return {"previous": "forrige måling", "baseline": "fast udgangspunkt", "trajectory": "målsti",
            "national": "national metode", "gauge": "fremdriftsmåler"}[rule]
