"""The press release of an update: one page in a news register, built from the diff and the narrative.

The headline follows one documented rule (docs/press.md, ``newsworthy``); the framing text is
``letters/press.md`` (the barometer's own before the project's), rendered in the letters' sandbox.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from ..document import Block, Document, DocumentMeta, ListBlock, Note, Run
from ..inputs.model import Barometer, Signal
from ..narrate import Narrative, narrate
from ..narrate import danish as da
from ..narrate.diff import Diff, diff
from ..signals.assess import Assessment
from ..signals.history import rank
from . import common, letters
from .changes import area_sentence, indicator_sentence

LABEL = "Pressemeddelelse"
SLUG = "pressemeddelelse"
PRESS_FILE = "press.md"
SLOTS = ("fakta", "faktaboks")
QUOTE_PLACEHOLDER = "[Citat fra borgmesteren]"
MIN_FACTS, MAX_FACTS = 3, 5


@dataclass(frozen=True)
class NewsItem:
    """The most newsworthy change of an update (the headline), and what it is about.

    ``kind``: ``area`` (an area changed colour), ``indicator`` (the largest change of a main
    indicator against its target) or ``none`` (no colour changed and no main indicator moved).
    """

    kind: Literal["area", "indicator", "none"]
    headline: str
    area: str | None = None
    indicator: str | None = None
    before: Signal | None = None
    after: Signal | None = None


# --------------------------------------------------------------------------------------------------
# The headline rule (docs/press.md)

def newsworthy(barometer: Barometer, assessment: Assessment, changes: Diff | None) -> NewsItem:
    """The headline of the update at ``assessment``; ``changes`` is the diff from the previous update.

    1. An area that changed colour. Worse before better; among worse, the worst new colour, then the
       biggest step; among better, the biggest step; a change to or from grey (cannot be assessed)
       last; a tie goes to the area first in areas.csv.
    2. Else the main indicator with new figures whose change is the largest share of the distance
       from its previous figure to its target (indicators with a target only).
    3. Else a headline saying that no area changed colour (at the barometer's first update, that
       it is published for the first time).
    """
    name = common.barometer_definite(barometer.config.title)
    if changes is not None and changes.area_changes:
        order = {a.id: i for i, a in enumerate(barometer.areas)}
        best = min(changes.area_changes, key=lambda c: (_area_priority(c.before, c.after), order[c.id]))
        return NewsItem("area", f"{best.name} skifter fra {da.signal_word(best.before)} til "
                                f"{da.signal_word(best.after)} i {name}",
                        area=best.id, before=best.before, after=best.after)
    scored = []
    for pos, ind in enumerate(barometer.indicators):
        r = assessment.indicator(ind.id)
        if not ind.main or r.carried_over or r.change is None or r.target_value is None:
            continue
        if r.reference_value is None or r.change == 0 or r.target_value == r.reference_value:
            continue
        scored.append((abs(r.change) / abs(r.target_value - r.reference_value), -pos, ind, r))
    if scored:
        _, _, ind, r = max(scored, key=lambda s: (s[0], s[1]))
        moved = "stiger" if r.change > 0 else "falder"
        good = (r.change > 0) == (ind.direction == "up")
        closer = "tættere på målet" if good else "længere fra målet"
        return NewsItem("indicator", f"{ind.name} {moved} {da.change_amount(r.change, ind.unit, ind.decimals)}"
                                     f" – {closer}", area=ind.area, indicator=ind.id)
    month = da.month_year(assessment.at.date)
    if assessment.previous_update is None:
        return NewsItem("none", f"{da.capitalize(name)} i {barometer.config.municipality} offentliggøres "
                                "for første gang")
    return NewsItem("none", f"Ingen indsatsområder skifter farve i {name} i {month}")


def _area_priority(before: Signal, after: Signal) -> tuple[int, int, int]:
    was, now = rank(before), rank(after)
    if was is None or now is None:
        return (2, 0, 0)
    if now < was:
        return (0, now, now - was)
    return (1, 0, was - now)


# --------------------------------------------------------------------------------------------------
# The parts

def lead_paragraph(barometer: Barometer, assessment: Assessment, narrative: Narrative, item: NewsItem) -> str:
    """``Integrationsbarometret i Københavns Kommune er opdateret den 3. december 2009: Beskæftigelse
    skifter fra grøn til rød. Der noteres tilbagegang på beskæftigelsesområdet.``"""
    update = assessment.at
    opener = (f"{da.capitalize(common.barometer_definite(barometer.config.title))} i "
              f"{barometer.config.municipality} er opdateret den {da.date(update.date)}")
    if item.kind == "area" and item.area is not None:
        area = barometer.area(item.area)
        return (f"{opener}: {area.name} skifter fra {da.signal_word(item.before)} til "
                f"{da.signal_word(item.after)}. {narrative.areas[item.area].summary}")
    if item.kind == "indicator" and item.indicator is not None:
        return f"{opener}. {narrative.indicators[item.indicator].sentence}"
    return f"{opener}. {narrative.intro}"


def tally_sentence(barometer: Barometer, assessment: Assessment) -> str:
    """``Efter opdateringen står ét indsatsområde på rødt, tre på gult og to på grønt.``"""
    counts = [(s, n) for s in ("red", "yellow", "green", "grey")
              if (n := sum(1 for a in assessment.areas if a.signal == s))]
    if not counts:
        return ""
    (colour, n), *rest = counts
    head = (f"{da.number_word(n, neuter=True)} {'indsatsområde' if n == 1 else 'indsatsområder'} på "
            f"{da.signal_word(colour, neuter=True)}")
    tail = [f"{da.number_word(k, neuter=True)} på {da.signal_word(s, neuter=True)}" for s, k in rest]
    return f"Efter opdateringen står {da.join_list([head, *tail])}."


def facts(barometer: Barometer, assessment: Assessment, narrative: Narrative, item: NewsItem,
          changes: Diff | None) -> tuple[str, ...]:
    """Three to five facts with numbers: the story's main indicators and target, the areas' colour
    changes, the colour tally and the new figures (as many as apply, in this order); fewer than
    three are filled up with the development of main indicators with new figures, red areas first."""
    out: list[str] = []
    if item.indicator is not None:
        about = [barometer.indicator(item.indicator)]
    elif item.area is not None:
        about = [i for i in barometer.indicators_of_area(item.area) if i.main]
    else:
        about = []
    for ind in about:
        text = narrative.indicators[ind.id]
        if item.kind == "area":
            out.append(text.sentence)
        target = " ".join(p for p in (text.target_sentence, text.pace_sentence) if p)
        if target:
            out.append(target)
    if changes is not None:
        since = f"opdateringen i {da.month_year(barometer.update(changes.from_update).date)}"
        out.append(area_sentence(barometer, changes, since))
    out.append(tally_sentence(barometer, assessment))
    if changes is not None:
        out.append(indicator_sentence(barometer, changes))
    elif item.kind != "none":  # a "none" story's lead already is the intro
        out.append(narrative.intro)
    facts_so_far = list(dict.fromkeys(s for s in out if s))
    # Fewer than three: the main indicators with new figures, red areas first, fill up.
    for colour in ("red", "yellow", "green"):
        for a in assessment.areas:
            for ind in barometer.indicators_of_area(a.area):
                r = assessment.indicator(ind.id)
                if len(facts_so_far) >= MIN_FACTS or a.signal != colour or not ind.main or r.carried_over:
                    continue
                sentence = narrative.indicators[ind.id].sentence
                if sentence not in facts_so_far:
                    facts_so_far.append(sentence)
    return tuple(facts_so_far[:MAX_FACTS])


def fact_box(barometer: Barometer, assessment: Assessment) -> Note:
    """``Fakta om integrationsbarometret``: what the barometer is, how colours are set, how often."""
    cfg = barometer.config
    name = common.barometer_definite(cfg.title)
    update = assessment.at
    mains = sum(1 for i in barometer.indicators if i.main)
    first = da.month_year(barometer.updates[0].date)
    rounds = update.index + 1
    text = (
        f"{da.capitalize(name)} følger udviklingen i {cfg.policy} i {cfg.municipality}. Der måles på "
        f"{da.plural(len(barometer.indicators), 'indikator', 'indikatorer')} fordelt på "
        f"{da.plural(len(barometer.areas), 'indsatsområde', 'indsatsområder')}. Hvert indsatsområde får "
        f"en signalfarve ud fra {'sin hovedindikator' if mains == 1 else 'sine hovedindikatorer'}: grøn "
        f"betyder {da.SIGNAL_MEANING['green']}, gul {da.SIGNAL_MEANING['yellow']} og rød "
        f"{da.SIGNAL_MEANING['red']} i forhold til målene. Er der ingen nye tal, fastholdes farven fra "
        "den forrige opdatering. "
    )
    if rounds == 1:
        text += f"Barometret er offentliggjort første gang i {da.month_year(update.date)}."
    else:
        text += (f"Barometret gik i luften i {first}, og opdateringen i {da.month_year(update.date)} er "
                 f"nummer {da.number(rounds, 0)}.")
    return Note((Run(text),), title=f"Fakta om {name}")


def contact_line(barometer: Barometer, contact: letters.PressContact | None) -> str:
    """``Jens Hansen, pressechef, telefon 33 66 33 66, e-mail …``; without a ``[presse]`` table in the
    barometer's letters.toml, the administration (or municipality) from barometer.toml."""
    if contact is None:
        return barometer.config.administration or barometer.config.municipality
    parts = [contact.name, contact.title]
    if contact.phone:
        parts.append(f"telefon {contact.phone}")
    if contact.email:
        parts.append(f"e-mail {contact.email}")
    return ", ".join(p for p in parts if p)


def embargo_date(barometer: Barometer, assessment: Assessment) -> str:
    """The meeting date (else the update's date) in Danish: ``3. december 2009``."""
    return da.date(common.document_date(assessment.at))


# --------------------------------------------------------------------------------------------------
# The document

def press_context(barometer: Barometer, assessment: Assessment, narrative: Narrative, item: NewsItem,
                  settings: letters.LetterSettings, contact: letters.PressContact | None) -> dict[str, Any]:
    """Everything ``{{ … }}`` can reach in press.md (documented in letters/README.md)."""
    cfg = barometer.config
    update = assessment.at
    return {
        "kommune": cfg.municipality,
        "forvaltning": cfg.administration or "",
        "barometer": {"navn": settings.barometer_name, "titel": cfg.title, "politik": cfg.policy,
                      "udvalg": common.owner_name(barometer)},
        "opdatering": {"id": update.id, "label": update.label, "dato": da.date(update.date),
                       "maaned": da.month_year(update.date)},
        "embargo": embargo_date(barometer, assessment),
        "overskrift": item.headline,
        "indledning": lead_paragraph(barometer, assessment, narrative, item),
        "citat": QUOTE_PLACEHOLDER,
        "borgmester": {"navn": letters.own_setting(barometer.folder, "underskrift", "navn") or "",
                       "titel": letters.own_setting(barometer.folder, "underskrift", "titel") or ""},
        "kontakt": contact_line(barometer, contact),
        "presse": {"navn": contact.name if contact else "", "titel": contact.title if contact else "",
                   "telefon": contact.phone if contact else "", "email": contact.email if contact else ""},
    }


def build_press(barometer: Barometer, history: Sequence[Assessment], assessment: Assessment,
                narrative: Narrative, *, project_dir: Path) -> Document:
    """The press release of ``assessment``'s update; ``history`` is ``assess_history``'s result.

    Raises TemplateError for a faulty press.md or letters.toml.
    """
    changes = None
    if assessment.previous_update:
        changes = diff(barometer, assessment.previous_update, assessment.update, history=history)
    item = newsworthy(barometer, assessment, changes)
    settings = letters.load_settings(barometer_dir=barometer.folder, project_dir=project_dir)
    contact = letters.load_press_contact(barometer_dir=barometer.folder, project_dir=project_dir)
    source = letters.find_text(PRESS_FILE, barometer_dir=barometer.folder, project_dir=project_dir)
    context = press_context(barometer, assessment, narrative, item, settings, contact)
    markdown = letters.render_markdown(source, context)
    body = letters.markdown_to_blocks(markdown, display=source.display, slots=SLOTS)
    parts: dict[str, Sequence[Block]] = {
        "fakta": (ListBlock(tuple((Run(f),) for f in facts(barometer, assessment, narrative, item, changes))),),
        "faktaboks": (fact_box(barometer, assessment),),
    }
    blocks = letters.fill_slots(body, parts)
    return Document(SLUG, _meta(barometer, assessment, item), blocks)


def _meta(barometer: Barometer, assessment: Assessment, item: NewsItem) -> DocumentMeta:
    update = assessment.at
    date_text = da.date(update.date)
    return replace(
        common.report_meta(barometer, update, label=LABEL, title=item.headline),
        date_text=date_text,
        running_header=f"{LABEL} · {barometer.config.title} · {update.label}",
        header_pairs=(("Dato", date_text),
                      ("Embargo", f"Må ikke offentliggøres før {embargo_date(barometer, assessment)}")),
    )


def check_press_text(barometer: Barometer, *, project_dir: Path) -> None:
    """Render press.md and letters.toml's ``[presse]`` for the barometer's latest update, as a build
    would; raises TemplateError naming ``letters/press.md:<line>`` (for ``reportgen check``)."""
    from ..signals.assess import assess_history

    history = assess_history(barometer)
    assessment = history[-1]
    build_press(barometer, history, assessment, narrate(barometer, assessment, history), project_dir=project_dir)
