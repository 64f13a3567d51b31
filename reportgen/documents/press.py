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
from ..errors import TemplateError
from ..inputs.model import Barometer, Indicator, Signal
from ..narrate import Narrative, narrate
from ..narrate import danish as da
from ..narrate.diff import Diff, diff
from ..narrate.sentences import subject
from ..signals.assess import Assessment
from ..signals.history import rank
from . import blocks as textblocks
from . import common, letters
from .changes import area_sentence, indicator_sentence

LABEL = "Pressemeddelelse"
SLUG = "pressemeddelelse"
PRESS_FILE = "press.md"
SLOTS = ("fakta", "faktaboks")
QUOTE_PLACEHOLDER = "[Citat fra borgmesteren]"
CONTACT_PLACEHOLDER = "[navn og telefon på pressekontakten]"
DRAFT = "UDKAST"
NBSP = "\u00a0"  # a telephone number never breaks across lines
EMBARGO_TIME = "17.00"  # [presse] embargo_kl overrides it
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
    good: GoodNews | None = None


@dataclass(frozen=True)
class GoodNews:
    """Progress beside a worse headline: an area with new figures that improved (``area``) and, where
    one of its indicators improved since its first figure, that fact (``sentence``)."""

    area: str
    sentence: str | None = None


# --------------------------------------------------------------------------------------------------
# The headline rule (docs/press.md)

def newsworthy(barometer: Barometer, assessment: Assessment, changes: Diff | None) -> NewsItem:
    """The headline of the update at ``assessment``; ``changes`` is the diff from the previous update.

    1. An area that changed colour. Worse before better; among worse, the worst new colour, then the
       biggest step; among better, the biggest step; a change to or from grey (cannot be assessed)
       last – except grey to red, a first assessment that is red, which ranks with the changes to
       red (after those with a step); a tie goes to the area first in areas.csv.
    2. Else the main indicator with new figures whose change is the largest share of the distance
       from its previous figure to its target (indicators with a target only).
    3. Else a headline saying that no area changed colour (at the barometer's first update, that
       it is published for the first time).
    """
    name = common.barometer_definite(barometer.config.title)
    if changes is not None and changes.area_changes:
        order = {a.id: i for i, a in enumerate(barometer.areas)}
        best = min(changes.area_changes, key=lambda c: (_area_priority(c.before, c.after), order[c.id]))
        was, now = rank(best.before), rank(best.after)
        if was is None or now is None:  # to or from grey: say the colours
            return NewsItem("area", f"{best.name} skifter fra {da.signal_word(best.before)} til "
                                    f"{da.signal_word(best.after)} i {name}",
                            area=best.id, before=best.before, after=best.after)
        worse = now < was
        move = ("Tilbagegang" if best.after == "red" else "Stilstand") if worse else "Fremgang"
        headline = f"{da.capitalize(name)}: {move} på {da.area_domain(best.name)}"
        good = good_news(barometer, assessment, changes, exclude=best.id) if worse else None
        if good is not None:
            headline += f" – fremgang på {da.area_domain(barometer.area(good.area).name)}"
        return NewsItem("area", headline, area=best.id, before=best.before, after=best.after, good=good)
    good = good_news(barometer, assessment, changes)
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
        good_move = (r.change > 0) == (ind.direction == "up")
        closer = "tættere på målet" if good_move else "længere fra målet"
        return NewsItem("indicator", f"{ind.name} {moved} {da.change_amount(r.change, ind.unit, ind.decimals)}"
                                     f" – {closer}", area=ind.area, indicator=ind.id,
                        good=None if good_move or (good and good.area == ind.area) else good)
    month = da.month_year(assessment.at.date)
    if assessment.previous_update is None:
        return NewsItem("none", f"{da.capitalize(name)} i {barometer.config.municipality} offentliggøres "
                                "for første gang")
    return NewsItem("none", f"Ingen indsatsområder skifter farve i {name} i {month}", good=good)


def good_news(barometer: Barometer, assessment: Assessment, changes: Diff | None, *,
              exclude: str | None = None) -> GoodNews | None:
    """The progress to tell beside the headline: the area that changed colour for the better (the
    biggest step; areas.csv order on a tie), else the first green area with new figures; never
    ``exclude``. Its sentence is the indicator of that area that improved most since its first
    figure, as a share of that figure (``Antallet af udsatte boligområder … er faldet fra 5 til 2
    siden januar 2007.``)."""
    order = {a.id: i for i, a in enumerate(barometer.areas)}
    better = []
    for c in changes.area_changes if changes is not None else ():
        was, now = rank(c.before), rank(c.after)
        if c.id != exclude and was is not None and now is not None and now > was:
            better.append((was - now, order[c.id], c.id))
    if better:
        area = min(better)[2]
    else:
        fresh = [a.area for a in assessment.areas
                 if a.area != exclude and a.signal == "green" and not a.carried_over]
        if not fresh:
            return None
        area = fresh[0]
    return GoodNews(area, _longest_improvement(barometer, assessment, area))


def _longest_improvement(barometer: Barometer, assessment: Assessment, area: str) -> str | None:
    as_of = barometer.as_of(assessment.at)
    best: tuple[float, int, str] | None = None
    for pos, ind in enumerate(barometer.indicators_of_area(area)):
        latest: dict[Any, float] = {}
        for m in as_of.measurements_of(ind.id):  # the last published figure of each period
            latest[m.period] = m.value
        if len(latest) < 2:
            continue
        periods = sorted(latest, key=lambda p: p.ordinal)
        first, last = latest[periods[0]], latest[periods[-1]]
        if first == 0 or first == last or (last > first) != (ind.direction == "up"):
            continue
        share = abs(last - first) / abs(first)
        moved = "steget" if last > first else "faldet"
        text = (f"{da.capitalize(subject_before_verb(ind))} er {moved} fra {da.level(first, ind.unit, ind.decimals)} "
                f"til {da.level(last, ind.unit, ind.decimals)} siden {da.period(periods[0])}.")
        if best is None or (share, -pos) > (best[0], best[1]):
            best = (share, -pos, text)
    return best[2] if best else None


def subject_before_verb(ind: Indicator) -> str:
    """:func:`plain_subject` followed by a comma where it ends in a relative clause ("andelen af
    indvandrere, der føler sig trygge i deres boligområde, er steget …"), as Danish commas have it."""
    text = plain_subject(ind)
    return text + "," if (", der " in text or ", som " in text) and not text.endswith("«") else text


_PREPOSITIONS = frozenset({"af", "med", "uden", "i", "på", "under", "over", "som", "der", "blandt", "for"})


def plain_subject(ind: Indicator) -> str:
    """An indicator as the subject of a news sentence: ``Andel X`` -> ``andelen af X``, ``Antal X``
    -> ``antallet af X``, a definite name (``Gabet mellem …``) lower-cased; else
    ``hovedindikatoren »…«``."""
    head, _, rest = ind.name.partition(" ")
    if rest and head in ("Andel", "Antal"):
        noun = "andelen" if head == "Andel" else "antallet"
        joined = rest.split(" ", 1)[0] in _PREPOSITIONS  # "Andel med en uddannelse": no "af"
        return f"{noun} {rest}" if joined else f"{noun} af {rest}"
    if rest and head.lower().endswith(("et", "en")) and head[:1].isupper() and head[1:].islower():
        return head.lower() + " " + rest
    return subject(ind, capital=False)


def _area_priority(before: Signal, after: Signal) -> tuple[int, int, int]:
    was, now = rank(before), rank(after)
    if was is None and now == rank("red"):
        # assessed for the first time, and red: news among the changes for the worse (after those
        # with a step to red), never after every other change
        return (0, now, 0)
    if was is None or now is None:
        return (2, 0, 0)
    if now < was:
        return (0, now, now - was)
    return (1, 0, was - now)


# --------------------------------------------------------------------------------------------------
# The parts

def lead_paragraph(barometer: Barometer, assessment: Assessment, narrative: Narrative, item: NewsItem) -> str:
    """The news in plain words: what the story's main indicators did, with the administration's own
    comments on them (comments.csv), the colour it gave, and the good news beside a worse story:

    ``Andelen af beskæftigede … er faldet med 3,0 procentpoint fra februar 2009 til august 2009.
    Faldet skyldes utvivlsomt krisen. Dermed skifter Beskæftigelse fra grøn til rød i
    integrationsbarometret, som Københavns Kommune har opdateret den 3. december 2009. Til gengæld går
    det frem på boligområdet: antallet af udsatte boligområder … er faldet fra 5 til 2 siden januar 2007.``
    """
    update = assessment.at
    name = common.barometer_definite(barometer.config.title)
    updated = f"{name}, som {barometer.config.municipality} har opdateret den {da.date(update.date)}"
    parts: list[str] = []
    if item.kind == "area" and item.area is not None:
        area = barometer.area(item.area)
        for ind in barometer.indicators_of_area(item.area):
            if ind.main:
                parts += _plain_development(ind, assessment, narrative)
        colours = f"fra {da.signal_word(item.before)} til {da.signal_word(item.after)}"
        parts.append(f"Dermed skifter {area.name} {colours} i {updated}." if parts
                     else f"{area.name} skifter {colours} i {updated}.")
        result = assessment.area(item.area)
        if result.overridden:  # the new colour is the administration's judgement: say so, and why
            computed = (f" (beregnet: {da.signal_word(result.computed_signal)})"
                        if result.computed_signal and result.computed_signal != result.signal else "")
            parts.append(f"Forvaltningen har vurderet signalet som {da.signal_word(result.signal, neuter=True)}"
                         + (f"{computed}: {da.sentence(result.override_reason)}" if result.override_reason
                            else f"{computed}."))
    else:
        opener = (f"{da.capitalize(name)} i {barometer.config.municipality} er "
                  f"{'opdateret' if assessment.previous_update else 'offentliggjort for første gang'} "
                  f"den {da.date(update.date)}.")
        parts.append(opener)
        if item.kind == "indicator" and item.indicator is not None:
            parts += _plain_development(barometer.indicator(item.indicator), assessment, narrative)
        else:
            parts.append(narrative.intro)
    if item.good is not None:
        domain = da.area_domain(barometer.area(item.good.area).name)
        opener = "Til gengæld går det frem" if item.kind != "none" else "Der er fremgang"
        if item.good.sentence:
            sentence = item.good.sentence
            parts.append(f"{opener} på {domain}: {sentence[:1].lower()}{sentence[1:]}")
        else:
            parts.append(f"{opener} på {domain}.")
    return " ".join(parts)


def _plain_development(ind: Indicator, assessment: Assessment, narrative: Narrative) -> list[str]:
    """``Andelen af … er faldet med 3,0 procentpoint fra februar 2009 til august 2009.`` and the
    administration's comments on the indicator; nothing for an indicator without new figures."""
    r = assessment.indicator(ind.id)
    if r.carried_over or r.change is None or r.reference_period is None or r.value is None:
        return []
    span = da.period_span(r.reference_period, r.period)
    if r.change == 0:
        text = f"{da.capitalize(subject_before_verb(ind))} er uændret {span}."
    else:
        moved = "steget" if r.change > 0 else "faldet"
        text = (f"{da.capitalize(subject_before_verb(ind))} er {moved} med "
                # a value's unit ("0,15 karakterpoint"); a count's noun is the subject already
                f"{da.change_amount(r.change, ind.unit, ind.decimals, None if ind.unit == 'count' else ind.unit_text)}"
                f" {span}.")
        if r.significant is False:  # the colour rests on it: a reader must not take it as a sure fall
            text += f" {'Stigningen' if r.change > 0 else 'Faldet'} er ikke statistisk signifikant."
    return [text, *narrative.indicators[ind.id].comments]


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
          changes: Diff | None, texts: textblocks.Texts | None = None) -> tuple[str, ...]:
    """Three to five facts with numbers, as many as apply, in this order: the story's main
    indicators (their development, unless the lead told it) with target and pace, the
    administration's comments on the story's area and its own words on the area (the text block
    ``omraade_<id>``), the good-news area's main indicators and the administration's words on that
    area, the colour tally, the new figures and the areas' colour changes; fewer than three are
    filled up with the development of main indicators with new figures, red areas first. The
    administration's blocks always stand: each one placed lets one more fact in (never a computed
    fact pushed out by them). Where the administration's own lead (``presse_indledning``) replaces
    the computed one, the facts tell what the computed lead would have: the story's development and,
    right after it, the areas' colour changes."""
    texts = texts if texts is not None else textblocks.Texts({})
    own: list[str] = []  # the administration's area blocks placed here

    def area_words(area_id: str) -> list[str]:
        words = texts.plain(textblocks.area_name(area_id))
        if words:
            own.append(words)
            return [words]
        return []

    out: list[str] = []
    if item.indicator is not None:
        about = [barometer.indicator(item.indicator)]
    elif item.area is not None:
        about = [i for i in barometer.indicators_of_area(item.area) if i.main]
    else:
        about = []
    for ind in about:
        text = narrative.indicators[ind.id]
        told = bool(_plain_development(ind, assessment, narrative)) and not texts.has("presse_indledning")
        if not told and (item.kind == "area" or texts.has("presse_indledning")):
            out.append(text.sentence)
        target = " ".join(p for p in (text.target_sentence, text.pace_sentence) if p)
        if target:
            out.append(target)
        elif item.kind == "area" and len(about) > 1 and not assessment.indicator(ind.id).carried_over:
            # no target to measure against, and more than one main indicator: why each has its colour
            # ("Andel på offentlig forsørgelse: Rød, fordi stigningen … går den forkerte vej.")
            out.append(f"{ind.name}: {text.explanation}")
    if texts.has("presse_indledning") and changes is not None and item.kind == "area":
        # the computed lead said "Dermed skifter …": with the administration's lead, a fact says it
        out.append(area_sentence(barometer, changes,
                                 f"opdateringen i {da.month_year(barometer.update(changes.from_update).date)}"))
    if item.area is not None:
        out += [da.sentence(c.text) for c in barometer.comments
                if c.update == assessment.update and c.target == item.area]
        out += area_words(item.area)
    if item.good is not None:
        out += [narrative.indicators[i.id].sentence for i in barometer.indicators_of_area(item.good.area)
                if i.main and not assessment.indicator(i.id).carried_over]
        out += area_words(item.good.area)
    out.append(tally_sentence(barometer, assessment))
    if changes is not None:
        out.append(indicator_sentence(barometer, changes))
        since = f"opdateringen i {da.month_year(barometer.update(changes.from_update).date)}"
        out.append(area_sentence(barometer, changes, since))
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
    return tuple(facts_so_far[:MAX_FACTS + len(set(own))])


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
        f"{_count(len(barometer.indicators), 'indikator', 'indikatorer', neuter=False)} fordelt på "
        f"{_count(len(barometer.areas), 'indsatsområde', 'indsatsområder', neuter=True)}. Hvert indsatsområde får "
        f"en signalfarve ud fra {'sin hovedindikator' if mains == 1 else 'sine hovedindikatorer'}: grøn "
        f"betyder {da.SIGNAL_MEANING['green']}, gul {da.SIGNAL_MEANING['yellow']} og rød "
        f"{da.SIGNAL_MEANING['red']} i forhold til målene. Er der ingen nye tal, fastholdes farven fra "
        "den forrige opdatering. "
    )
    if rounds == 1:
        text += f"Barometret er offentliggjort første gang i {da.month_year(update.date)}."
    else:
        text += (f"Barometret gik i luften i {first}, og opdateringen i {da.month_year(update.date)} er "
                 f"nummer {da.number_word(rounds, neuter=True) if rounds > 1 else 'ét'}.")
    return Note((Run(text),), title=f"Fakta om {name}")


def _count(n: int, singular: str, plural: str, *, neuter: bool) -> str:
    """``33 indikatorer``, ``seks indsatsområder``, ``én indikator``: one to twelve in words."""
    return f"{da.number_word(n, neuter=neuter)} {singular if n == 1 else plural}"


def contact_line(barometer: Barometer, contact: letters.PressContact | None) -> str:
    """``Jacob Eberholst, kontorchef, …, telefon 33 66 33 66``. A missing name or telephone number
    stands as a visible placeholder after the administration (or municipality) from barometer.toml,
    and the release is a draft (:func:`is_draft`); ``reportgen check`` warns (:func:`press_warnings`)."""
    if contact is None or not contact.name:
        return f"{barometer.config.administration or barometer.config.municipality}, {CONTACT_PLACEHOLDER}"
    phone = f"telefon {contact.phone.replace(' ', NBSP)}" if contact.phone else "[telefonnummer]"
    parts = [contact.name, contact.title, phone]
    if contact.email:
        parts.append(f"e-mail {contact.email}")
    return ", ".join(p for p in parts if p)


def is_draft(contact: letters.PressContact | None) -> bool:
    """A release without the mayor's quote or a contact with name and telephone is a draft."""
    return contact is None or not (contact.quote and contact.name and contact.phone)


def quote_placeholder(barometer: Barometer) -> str:
    """The placeholder for a quote not yet written, naming whom it is asked of (the speaker, by the
    letters' signatory rule): ``[Citat fra borgmesteren]`` (a mayor, or nobody named yet),
    ``[Citat fra formanden]`` (a chair), ``[Citat fra <navn>]`` (another title) – never a mayor's
    quote in front of "siger Anna Andersen, formand for …"."""
    try:
        person = letters.signatory(barometer)
    except TemplateError:
        return QUOTE_PLACEHOLDER
    title = person.title.strip().lower()
    if not title or "borgmester" in title:
        return QUOTE_PLACEHOLDER
    return "[Citat fra formanden]" if title.startswith("formand") else f"[Citat fra {person.name.strip()}]"


def quote_text(contact: letters.PressContact | None, placeholder: str = QUOTE_PLACEHOLDER) -> str:
    """The quote without a closing full stop (``»…«, siger …`` adds the sentence's end), else
    ``placeholder`` (:func:`quote_placeholder`)."""
    if contact is None or not contact.quote:
        return placeholder
    quote = contact.quote.strip().strip("»«\"")
    return quote[:-1] if quote.endswith(".") and not quote.endswith("..") else quote


def speaker(barometer: Barometer) -> str:
    """Who says the quote, by the letters' one rule (``letters.signatory``: ``[underskrift]``, else
    the owner committee's chair): ``beskæftigelses- og integrationsborgmester Jakob Hougaard`` (a
    mayor's title before the name, in lower case), ``Anna Andersen, formand for Beskæftigelses- og
    Integrationsudvalget`` (any other title after it, proper names kept); empty when nobody is named."""
    try:
        person = letters.signatory(barometer)
    except TemplateError:
        return ""
    name, title = person.name.strip(), person.title.strip()
    if not title:
        return name
    if title.lower().endswith("borgmester"):
        return f"{title.lower()} {name}"
    return f"{name}, {title[:1].lower()}{title[1:]}"


def embargo_date(barometer: Barometer, assessment: Assessment,
                 contact: letters.PressContact | None = None) -> str:
    """The meeting date (else the update's date) in Danish with the time of day: ``3. december 2009
    kl. 17.00`` (``[presse] embargo_kl``, else 17.00)."""
    clock = contact.embargo_time if contact is not None and contact.embargo_time else EMBARGO_TIME
    return f"{da.date(common.document_date(assessment.at))} kl. {clock}"


def press_warnings(barometer: Barometer, *, project_dir: Path) -> tuple[str, ...]:
    """What ``reportgen check`` warns about (without refusing): a placeholder that would stand in
    the release – the mayor's quote, the contact's name or telephone number."""
    contact = letters.load_press_contact(barometer_dir=barometer.folder, project_dir=project_dir)
    where = letters.own_settings_path(barometer.folder)
    out = []
    if contact is None or not contact.quote:
        out.append(f"{where}: [presse] citat mangler: pressemeddelelsen er et {DRAFT} med pladsholderen "
                   f"»{quote_placeholder(barometer)}«, indtil citatet er skrevet")
    if contact is None or not contact.name:
        out.append(f"{where}: [presse] navn mangler: pressemeddelelsen nævner ingen kontaktperson "
                   f"(der står »{CONTACT_PLACEHOLDER}«)")
    if contact is None or not contact.phone:
        out.append(f"{where}: [presse] telefon mangler: pressemeddelelsen giver intet telefonnummer")
    if not speaker(barometer):
        out.append(f"{where}: [underskrift] navn mangler (og ejerudvalgets formand i committees.csv): citatet i "
                   "pressemeddelelsen nævner ikke, hvem der siger det")
    return tuple(out)


# --------------------------------------------------------------------------------------------------
# The document

def press_context(barometer: Barometer, assessment: Assessment, narrative: Narrative, item: NewsItem,
                  settings: letters.LetterSettings, contact: letters.PressContact | None,
                  texts: textblocks.Texts | None = None) -> dict[str, Any]:
    """Everything ``{{ … }}`` can reach in press.md (documented in letters/README.md). ``indledning``
    is the administration's own lead (the text block ``presse_indledning``) where it is written,
    else the computed one (always ``indledning_beregnet``)."""
    cfg = barometer.config
    update = assessment.at
    texts = texts if texts is not None else textblocks.load(barometer, update.id)
    computed = lead_paragraph(barometer, assessment, narrative, item)
    return {
        "kommune": cfg.municipality,
        "forvaltning": cfg.administration or "",
        "barometer": {"navn": settings.barometer_name, "titel": cfg.title, "politik": cfg.policy,
                      "udvalg": common.owner_name(barometer)},
        "opdatering": {"id": update.id, "label": update.label, "dato": da.date(update.date),
                       "maaned": da.month_year(update.date)},
        "embargo": embargo_date(barometer, assessment, contact),
        "overskrift": item.headline,
        "indledning": texts.plain("presse_indledning") or computed,
        "indledning_beregnet": computed,
        "tekster": {name: True for name in texts.found},
        "citat": quote_text(contact, quote_placeholder(barometer)),
        "citat_mangler": contact is None or not contact.quote,
        "udkast": is_draft(contact),
        "borgmester": {"navn": letters.own_setting(barometer.folder, "underskrift", "navn") or "",
                       "titel": letters.own_setting(barometer.folder, "underskrift", "titel") or ""},
        "taler": speaker(barometer),
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
    texts = textblocks.load(barometer, assessment.update)
    context = press_context(barometer, assessment, narrative, item, settings, contact, texts)
    markdown = letters.render_markdown(source, context)
    body = letters.markdown_to_blocks(markdown, display=source.display, slots=SLOTS)
    parts: dict[str, Sequence[Block]] = {
        "fakta": (ListBlock(tuple((Run(f),) for f in facts(barometer, assessment, narrative, item, changes,
                                                           texts))),),
        "faktaboks": (fact_box(barometer, assessment),),
    }
    blocks = letters.fill_slots(body, parts)
    return Document(SLUG, _meta(barometer, assessment, item, contact), blocks)


def _meta(barometer: Barometer, assessment: Assessment, item: NewsItem,
          contact: letters.PressContact | None) -> DocumentMeta:
    update = assessment.at
    date_text = da.date(update.date)
    # A draft says so in the heading and in every page's footer (both print the label).
    label = f"{LABEL} – {DRAFT}" if is_draft(contact) else LABEL
    return replace(
        common.report_meta(barometer, update, label=label, title=item.headline),
        date_text=date_text,
        running_header=f"{label} · {barometer.config.title} · {update.label}",
        header_pairs=(("Dato", date_text),
                      ("Embargo", f"Må ikke offentliggøres før {embargo_date(barometer, assessment, contact)}")),
    )


def check_press_text(barometer: Barometer, *, project_dir: Path) -> None:
    """Render press.md and letters.toml's ``[presse]`` for the barometer's latest update, as a build
    would; raises TemplateError naming ``letters/press.md:<line>`` (for ``reportgen check``)."""
    from ..signals.assess import assess_history

    history = assess_history(barometer)
    assessment = history[-1]
    build_press(barometer, history, assessment, narrate(barometer, assessment, history), project_dir=project_dir)
