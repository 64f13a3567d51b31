"""The committee case (indstilling) that Bilag 1-3 belong to: built from the same data, in the order
of the seed (title, summary, Indstilling og beslutning, Problemstilling, Løsning, Økonomi, Videre
proces, Bilag, signatures, the committee's decision). Its fixed wording is ``letters/case.md``."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..document import Block, Document, Heading, Paragraph, Signature
from ..inputs.model import Barometer, Indicator, Update
from ..narrate import IndicatorText, Narrative
from ..narrate import danish as da
from ..signals.assess import Assessment, IndicatorResult
from ..signals.history import LifetimeFacts, lifetime_facts
from . import bilag1, bilag2, bilag3, common, letters
from . import blocks as textblocks

LABEL = "Indstilling"
SLUG = "sag"
CASE_FILE = "case.md"
# [[temaer]]: the discussion themes of letters/advice.md; [[underskrift]]: the signature line.
SLOTS: tuple[str, ...] = ("temaer", "underskrift")


def appendices(barometer: Barometer, *, advice: bool = True, update: Update | None = None
               ) -> tuple[tuple[str, str], ...]:
    """(label, exact title) of each appendix the build makes, in order: Bilag 2 only when some
    committee gets a letter, Bilag 3 only when ``advice`` (the advice note is built)."""
    out = [(bilag1.LABEL, bilag1.title(barometer))]
    if barometer.letter_committees:
        out.append((bilag2.LABEL, letters_title(barometer)))
    if advice:
        out.append((bilag3.LABEL, bilag3.title(barometer, update)))
    return tuple(out)


def letters_title(barometer: Barometer) -> str:
    """``Borgmesterbrev til fagudvalgene`` when a mayor signs the letters; else ``Brev fra formanden
    for Beskæftigelsesudvalget til fagudvalgene`` (the signer's title), ``Brev til fagudvalgene``
    (one rule: ``bilag2.letter_name``)."""
    return bilag2.letters_title(barometer)


def build_case(
    barometer: Barometer,
    history: Sequence[Assessment],
    assessment: Assessment,
    narrative: Narrative,
    *,
    project_dir: Path,
    advice: bool = True,
) -> Document:
    """The case of ``assessment``'s update from ``letters/case.md`` (``<barometer>/letters/case.md``
    before ``<project_dir>/letters/case.md``).

    The text before the case's first heading is its title line (first paragraph) and summary (the
    rest); ``[[temaer]]`` is replaced by the themes of ``letters/advice.md`` when ``advice`` (Bilag
    3 is built), ``[[underskrift]]`` by the signature (``[sag]`` in letters.toml, else the
    administration's name). Raises TemplateError for a faulty text.
    """
    update = assessment.at
    facts = lifetime_facts(barometer, history, update.id)
    source = letters.find_text(CASE_FILE, barometer_dir=barometer.folder, project_dir=project_dir)
    settings = letters.load_settings(barometer_dir=barometer.folder, project_dir=project_dir)
    texts = textblocks.load(barometer, update.id)
    context = case_context(barometer, assessment, narrative, facts, settings, advice=advice, texts=texts)
    markdown = letters.render_markdown(source, context)
    parsed = letters.markdown_to_blocks(markdown, display=source.display,
                                        slots=(*SLOTS, *textblocks.known_names(barometer)))
    parts = {
        "temaer": _themes(barometer, assessment, facts, project_dir) if advice else (),
        "underskrift": (Signature("", context["underskrift"], context["underskrift_titel"]),),
        **{name: texts.blocks(name) for name in texts.found},
    }
    placed = {b.name for b in parsed if isinstance(b, letters.Slot)}  # a part without its line is left out
    blocks = letters.fill_slots(parsed, {name: part for name, part in parts.items() if name in placed})
    title, summary, body = _split_title(blocks, fallback=f"{barometer.config.title} – status")
    if update.agenda_item:
        title = f"{update.agenda_item}. {title}"
    meta = replace(common.report_meta(barometer, update, label=LABEL, title=title), kind="case")
    blocks = (*summary, *body)
    return Document(SLUG, replace(meta, keep_together_tail=_signed_tail(blocks)), blocks)


def _signed_tail(blocks: Sequence[Block]) -> int:
    """How many blocks end the case on one page: from the heading before the signature (the Bilag
    list) through the signature and the decision, so the signature never stands apart from them."""
    signed = [i for i, b in enumerate(blocks) if isinstance(b, Signature)]
    if not signed:
        return 0
    heading = next((i for i in range(signed[-1], -1, -1) if isinstance(blocks[i], Heading)), signed[-1])
    return len(blocks) - heading


def _split_title(blocks: Sequence[Block], *, fallback: str) -> tuple[str, list[Block], list[Block]]:
    """The paragraphs before the first heading: the first is the title line, the rest the summary
    (set as the lead). Without any, the title is ``fallback``."""
    first_heading = next((i for i, b in enumerate(blocks) if isinstance(b, Heading)), len(blocks))
    head, body = list(blocks[:first_heading]), list(blocks[first_heading:])
    paragraphs = [b for b in head if isinstance(b, Paragraph)]
    if not paragraphs:
        return fallback, head, body
    title = "".join(r.text for r in paragraphs[0].runs).strip() or fallback
    head.remove(paragraphs[0])
    summary = [Paragraph(b.runs, style="lead") if isinstance(b, Paragraph) else b for b in head]
    return title, summary, body


def _themes(barometer: Barometer, assessment: Assessment, facts: LifetimeFacts,
            project_dir: Path) -> tuple[Block, ...]:
    """letters/advice.md as Bilag 3 prints it, one level down: its own title goes (the case names
    the part itself), its questions become subheadings of "3. Temaer til drøftelse"."""
    blocks = bilag3.advice_blocks(barometer, assessment, facts, project_dir=project_dir)
    if blocks and isinstance(blocks[0], Heading):
        blocks = blocks[1:]
    return tuple(replace(b, level=3) if isinstance(b, Heading) else b for b in blocks)


# --------------------------------------------------------------------------------------------------
# The variables case.md can use (documented in letters/README.md)

def case_context(barometer: Barometer, assessment: Assessment, narrative: Narrative, facts: LifetimeFacts,
                 settings: letters.LetterSettings, *, advice: bool = True,
                 texts: textblocks.Texts | None = None) -> dict[str, Any]:
    """Everything ``{{ … }}`` can reach in case.md: the computed parts of the case, and which of the
    administration's text blocks are written (``tekster.<navn>``)."""
    texts = texts if texts is not None else textblocks.load(barometer, assessment.at.id)
    config = barometer.config
    update = assessment.at
    previous = barometer.updates[update.index - 1] if update.index else None
    administration = config.administration or config.municipality
    built = appendices(barometer, advice=advice, update=update)
    decisions = barometer.decisions_of(update.id)
    director = letters.own_setting(barometer.folder, "sag", "direktoer") or ""
    head = letters.own_setting(barometer.folder, "sag", "chef") or ""
    signers = [name for name in (director, head) if name]
    fresh = [barometer.area(a.area).name for a in assessment.areas if not a.carried_over]
    carried = [barometer.area(a.area).name for a in assessment.areas if a.carried_over]
    return {
        "kommune": config.municipality,
        "forvaltning": administration,
        # the barometer named as the appendices' titles name it, from barometer.toml's title
        "barometer": {"navn": common.barometer_definite(config.title), "titel": config.title, "politik": config.policy,
                      "udvalg": common.owner_name(barometer)},
        # "det nye … udvalg" only at the first update after an election (updates.csv new_committee)
        "nyt_udvalg": bilag3.new_committee(barometer, update),
        "tiltraeder": bilag3.takes_office(update),
        "tekster": {name: texts.has(name) for name in textblocks.known_names(barometer)},
        "opdatering": {"id": update.id, "label": update.label, "dato": da.date(update.date),
                       "maaned": da.month_year(update.date)},
        "forrige_opdatering": da.month_year(previous.date) if previous else "",
        "moededato": da.date(common.document_date(update)),
        "sagsnr": update.case_number or "",
        "breve": "breve" in barometer.case_points,
        "raad": advice,
        "bilag_raad": bilag3.LABEL.split()[-1],
        "farveforklaring": bilag1.colour_intro(barometer),
        "nye_maalinger": narrative.intro,
        "nye_omraader": bilag3.NameList(fresh),
        "overfoerte_omraader": bilag3.NameList(carried),
        "omraader": [_area_vars(barometer, assessment, narrative, a.area, texts) for a in assessment.areas],
        "levetid_tekst": list(bilag3.lifetime_sentences(barometer, facts)),
        "farvehistorik": " ".join(bilag3.colour_summary(barometer, facts, table=False)),
        "foerste_opdatering": da.month_year(barometer.update(facts.first_update).date),
        "levetid": bilag3.years_text(facts.months),
        "antal_opdateringer": facts.updates,
        "antal_omraader": facts.areas,
        "antal_indikatorer": facts.indicators,
        "bilag": [{"nummer": i, "label": label, "titel": title} for i, (label, title) in enumerate(built, 1)],
        "beslutninger": [{"punkt": d.point, "tekst": d.text} for d in decisions],
        # with no-break spaces: the decision's heading wraps before the date, never inside it
        "beslutningsdato": common.unbroken(da.date(common.decision_date(barometer, decisions[0]))) if decisions else "",
        "forrige_beslutning": common.decisions_sentence(barometer, update.id) or "",
        "direktoer": director,
        "chef": head,
        # the signers' names over the administration's name, as the seed's case is signed; without
        # names the administration's name alone (the municipality's only where none is set)
        "underskrift": " / ".join(signers) or administration,
        "underskrift_titel": administration if signers else "",
    }


def _area_vars(barometer: Barometer, assessment: Assessment, narrative: Narrative, area_id: str,
               texts: textblocks.Texts) -> dict:
    """One area as the case writes it: heading with its colour in words, the summary sentence (or the
    administration's own block ``omraade_<id>`` in its place: ``tekst`` is its slot line), and the
    paragraphs (each main indicator's, then the administration's assessment)."""
    block = textblocks.area_name(area_id)
    result = assessment.area(area_id)
    text = narrative.areas[area_id]
    mains = [i for i in barometer.indicators_of_area(area_id) if i.main]
    indicators = [] if result.carried_over else [
        _indicator_paragraph(i, assessment.indicator(i.id), narrative.indicators[i.id]) for i in mains]
    own = list(text.paragraphs[len(indicators):])  # Bilag 1's area paragraphs after the indicators'
    return {
        "id": area_id,
        "navn": barometer.area(area_id).name,
        "farve": da.signal_word(result.signal),
        "overskrift": text.heading,
        "overfoert": result.carried_over,
        "sammenfatning": text.summary,
        "tekst": Markup(f"[[{block}]]") if texts.has(block) else "",
        "afsnit": [*indicators, *own],
    }


def _indicator_paragraph(ind: Indicator, r: IndicatorResult, text: IndicatorText) -> str:
    """Bilag 1's paragraph on a main indicator, with its latest level after the development where
    nothing else gives it (the seed: "I 2009 var karaktergabet 0,78")."""
    level = level_sentence(ind, r) if ind.unit != "percent" or not text.target_sentence else None
    parts = (text.sentence, level, text.target_sentence, text.pace_sentence, *text.comments)
    return " ".join(p for p in parts if p)


def level_sentence(ind: Indicator, r: IndicatorResult) -> str | None:
    """``I 2009 var tallet 0,78.``; None where the development sentence already gives the level.
    A percentage with a target needs none: "… procentpoint til målet … på 64,8 procent" places it."""
    if r.value is None or r.period is None or r.carried_over or not r.change:
        return None
    return f"I {da.period(r.period)} var tallet {common.level_text(ind, r.value)}."


def render_case_text(barometer: Barometer, *, project_dir: Path, update_id: str | None = None) -> Document:
    """The case of one update (default: the latest) without a build: for ``reportgen check``, which
    reports a faulty ``letters/case.md`` (TemplateError naming file and line) before any build."""
    from ..narrate import narrate
    from ..signals.assess import assess_history

    history = assess_history(barometer)
    update = barometer.update(update_id) if update_id else barometer.latest_update
    assessment = history[update.index]
    return build_case(barometer, history, assessment, narrate(barometer, assessment, history),
                      project_dir=project_dir)
