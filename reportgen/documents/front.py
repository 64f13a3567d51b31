"""Cover and contents page of pack.pdf, with the pack's own page numbers."""
from __future__ import annotations

from ..document import Cell, Document, Heading, PageBreak, Paragraph, Table
from ..inputs.model import Barometer
from ..narrate import danish as da
from ..signals.assess import Assessment
from . import bilag1, bilag2, bilag3, case, common
from .bilag1 import overview_table


def _part_words(barometer: Barometer, assessment: Assessment) -> tuple[tuple[str, str], ...]:
    """What the cover's lead says of each part the pack holds, in the pack's order: the letters by
    their one rule (``borgmesterbrevene`` only when a mayor signs), Bilag 3 by its own title (``det
    nye … udvalg`` only at the first update after an election)."""
    advice = bilag3.title(barometer, assessment.at)
    return (
        (case.LABEL, "indstillingen"),
        (bilag1.LABEL, "orienteringen om status og udvikling på indikatorerne (Bilag 1)"),
        (bilag2.LABEL, f"{bilag2.letter_name(barometer, 'fagudvalgene', definite_plural=True)} (Bilag 2)"),
        (bilag3.LABEL, f"{advice[:1].lower()}{advice[1:]} (Bilag 3)".replace("forslag til", "forslaget til", 1)),
    )



def build_front(barometer: Barometer, assessment: Assessment, entries) -> Document:
    """``entries`` are pack.TocEntry: title, 1-based page in pack.pdf, level (1 = part, 2 = letter)."""
    update = assessment.at
    cfg = barometer.config
    rows = tuple(
        (Cell(("" if e.level == 1 else "\u2003") + e.title, bold=e.level == 1),  # em space: a letter under Bilag 2
         Cell(da.number(e.page, 0), align="right"))
        for e in entries
    )
    meta = common.report_meta(barometer, update, label="Samlet materiale",
                              title=f"{cfg.title} – opdateringen i {da.month_year(update.date)}")
    # only the parts this pack holds: a barometer without letters has no Bilag 2 to announce
    tops = [e.title for e in entries if e.level == 1]
    held = [words for label, words in _part_words(barometer, assessment) if any(t.startswith(label) for t in tops)]
    blocks = (
        Paragraph.of(
            f"Materialet til {da.genitive(common.owner_name(barometer))} behandling af opdateringen af "
            f"{common.barometer_definite(cfg.title)} i {da.month_year(update.date)}"
            + (f": {da.join_list(held)}." if held else "."), style="lead"),
        Heading("Signalfarverne ved denne opdatering", 1, "signalfarver"),
        overview_table(barometer, assessment),
        PageBreak(),
        Heading("Indhold", 1, "indhold"),
        # the parts keep their own "Side 1 af 25" footers: say which numbers the contents give
        Table(header=("Del", "Side"), rows=rows, widths=(85, 15), align=("left", "right"),
              note="Sidetallene er det samlede materiales. Indstillingen, hvert bilag og hvert brev har "
                   "desuden sine egne sidetal."),
    )
    return Document("forside", meta, blocks)
