"""Bilag 1's optional appendix "Metodefølsomhed": where other signal methods would give other colours."""

from __future__ import annotations

from ..document import Block, Cell, Heading, ListBlock, Paragraph, Run, Table
from ..inputs.model import Barometer
from ..narrate import danish as da
from ..narrate.compare import METHOD_DESCRIPTION, METHOD_LABEL, Comparison, IndicatorComparison, disagreement_sentence
from . import common

ANCHOR = "metodefoelsomhed"


def sensitivity_blocks(barometer: Barometer, comparison: Comparison) -> tuple[Block, ...]:
    """The appendix: what the methods are, the disagreements in sentences, and a compact table.

    Only for barometers that ask for it (``[documents] method_sensitivity = true``).
    """
    update = barometer.update(comparison.update)
    disagreements = comparison.disagreements
    n = len(comparison.indicators)
    blocks: list[Block] = [
        Heading("Metodefølsomhed", 1, ANCHOR),
        Paragraph.of(
            "Signalfarverne afhænger af, hvad den seneste måling sammenlignes med. Dette afsnit viser, "
            "hvilken farve hver indikator ville have fået efter de andre metoder, som dens data giver "
            f"mulighed for, ved opdateringen i {da.month_year(update.date)}. Metoderne er:"
        ),
        ListBlock(
            tuple(
                (Run(METHOD_LABEL[m], bold=True), Run(f": {METHOD_DESCRIPTION[m]}."))
                for m in comparison.methods
            )
        ),
    ]
    if not disagreements:
        which = "den ene indikator" if n == 1 else f"alle {da.count(n, 'indikator', 'indikatorer')}"
        blocks.append(
            Paragraph.of(
                f"Alle metoder giver samme farve for {which}, hvor de kan bruges. Signalfarverne afhænger "
                "altså ikke af valget af metode."
            )
        )
        return tuple(blocks)
    blocks.append(
        Paragraph.of(
            f"For {da.count(len(disagreements), 'indikator', 'indikatorer')} ud af {da.number_word(n)} giver metoderne "
            f"forskellige farver. Farven i {common.barometer_definite(barometer.config.title)} følger "
            "indikatorens egen regel; de andre farver er vist til sammenligning."
        )
    )
    blocks.append(ListBlock(tuple((Run(_sentence(barometer, ic)),) for ic in disagreements)))
    rows = []
    for ic in disagreements:
        cells = [Cell(barometer.indicator(ic.indicator).name)]
        for v in ic.verdicts:
            if v.signal is None:
                cells.append(Cell("–", align="center"))
            else:
                cells.append(common.signal_cell(v.signal, mark="*" if v.method == ic.rule else ""))
        rows.append(tuple(cells))
    blocks.append(
        Table(
            header=("Indikator", *(METHOD_LABEL[m] for m in comparison.methods)),
            rows=tuple(rows),
            caption="Signalfarver efter metode for indikatorer, hvor metoderne er uenige",
            widths=(28, *(12,) * len(comparison.methods)),
            note="* indikatorens egen regel, som barometrets farve følger. – metoden kan ikke bruges med "
            "indikatorens data.",
        )
    )
    return tuple(blocks)


def _sentence(barometer: Barometer, ic: IndicatorComparison) -> str:
    """The disagreement, and the administration's own colour where it has set one."""
    text = disagreement_sentence(barometer, ic)
    if ic.overridden:
        text += f" Forvaltningen har dog fastsat farven til {da.signal_word(ic.signal)}."
    return text
