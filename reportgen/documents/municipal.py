"""The development report (udviklingsrapport) of one district or of the whole, for ``build-all``."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..document import Block, Cell, Document, DocumentMeta, Heading, Paragraph, Run, Table
from ..inputs.model import Barometer, District, Signal
from ..narrate import Narrative
from ..narrate import danish as da
from ..signals.assess import Assessment
from . import common
from .bilag1 import explanations, indicator_table, overview_table


def report_title(place: str) -> str:
    return f"Udviklingsrapport: {place}"


def build_development_report(
    barometer: Barometer,
    assessment: Assessment,
    narrative: Narrative,
    *,
    slug: str,
    overview: object | None = None,
    suppressed: Sequence[str] = (),
    extra: Mapping[str, Sequence[Block]] | None = None,
    appendix: Sequence[Block] = (),
) -> Document:
    """Overview of the areas' colours, then per area its narrative, indicator table and reasons.

    ``barometer`` is the place's own barometer (``national.barometer_for_district`` for a
    district); ``suppressed`` lists indicator ids whose newest figure has too few observations;
    ``extra`` adds blocks (a map) after an area's table; ``appendix`` closes the report.
    """
    place = barometer.config.municipality
    update = assessment.at
    blocks: list[Block] = [
        Heading("Sammenfatning", 1, "sammenfatning"),
        Paragraph.of(
            f"Rapporten viser udviklingen i {place} på "
            f"{da.count(len(barometer.areas), 'indsatsområde', 'indsatsområder')} ved opdateringen "
            f"{update.label.lower()}. Tallene er {place}s egne; farverne følger de samme regler som i "
            f"{common.barometer_definite(barometer.config.title)}."
        ),
        Paragraph.of(narrative.intro),
        overview_table(barometer, assessment),
    ]
    if overview is not None:
        blocks.append(common.figure_from(overview, caption="Signalfarver for indsatsområderne", width_mm=150))
    if suppressed:
        blocks.append(Paragraph.of(
            f"{da.capitalize(da.count(len(suppressed), 'indikator', 'indikatorer'))} af "
            f"{da.number_word(len(barometer.indicators))} bygger på for få observationer "
            f"(under {da.number(barometer.config.min_n, 0)}); "
            "tallene vises ikke og får ingen farve.", style="small"))
    for area in barometer.areas:
        text = narrative.areas[area.id]
        indicators = barometer.indicators_of_area(area.id)
        blocks.append(Heading(text.heading, 1, f"omraade-{common.safe_anchor(area.id)}"))
        blocks.append(Paragraph((Run(text.summary, bold=True),)))
        blocks.extend(Paragraph.of(p) for p in text.paragraphs)
        blocks.append(indicator_table(barometer, assessment, indicators))
        blocks.extend(explanations(narrative, indicators))
        blocks.extend((extra or {}).get(area.id, ()))
    blocks.extend(appendix)
    date_text = da.date(common.document_date(update))
    meta = DocumentMeta(
        label=barometer.config.title,
        title=report_title(place),
        municipality=place,
        administration=barometer.config.administration,
        date_text=date_text,
        running_header=f"{barometer.config.title} · {place} · {update.label}",
        header_pairs=common.header_pairs(barometer, update),
        author=barometer.config.administration or common.owner_name(barometer),
        created=common.created_stamp(update),
    )
    return Document(slug, meta, tuple(blocks))


def colour_grid(areas: Sequence[tuple[str, str]], rows: Sequence[tuple[District, Sequence[tuple[Signal, bool]]]],
                *, min_n: int, noun: str = "kommune", noun_plural: str = "kommunerne") -> list[Block]:
    """Every district's colour per area, one row per district: ``(signal, suppressed)`` per area.

    ``areas`` are ``(id, name)`` pairs; a suppressed cell reads "for få obs." and is grey. ``noun``
    names a district in the text (``kommune``, ``bydel``).
    """
    grey = common.signal_cell("grey")
    header = (da.capitalize(noun), *(f"{i}" for i, _ in areas))
    body = []
    for district, cells in rows:
        body.append((Cell(district.name), *(
            Cell("○ for få obs.", fill=grey.fill, color=grey.color)
            if suppressed else common.signal_cell(signal) for signal, suppressed in cells)))
    key = "; ".join(f"{i}: {name}" for i, name in areas)
    width = (100 - 19) / max(1, len(areas))
    return [
        Heading(f"Farverne i {noun_plural}", 1, "farver-i-distrikterne"),
        Paragraph.of(f"Tabellen viser hver {noun}s farve på hvert indsatsområde ({key}). Farverne er "
                     f"fundet på tallene for den enkelte {noun} efter de samme regler som ovenfor."
                     + (" Et indsatsområde, hvor alle hovedindikatorer bygger på under "
                        f"{da.number(min_n, 0)} observationer, vises som »for få obs.«." if min_n > 0 else "")),
        Table(header=header, rows=tuple(body), widths=(19, *([width] * len(areas)))),
    ]
