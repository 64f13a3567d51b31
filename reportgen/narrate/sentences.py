"""Danish sentences in the register of the committee case, built only from assessment results."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..inputs.model import Barometer, Indicator
from ..signals.assess import AreaResult, Assessment, DistrictResult, IndicatorResult
from . import danish as da


@dataclass(frozen=True)
class IndicatorText:
    """What an indicator did. ``sentence`` may hold a second sentence on significance; ``None``:
    the part does not apply (no target, or nothing to say about the pace)."""

    sentence: str
    target_sentence: str | None
    explanation: str  # why the colour is what it is: "Rød, fordi faldet på …"
    pace_sentence: str | None = None  # "Udviklingen går (ikke) hurtigt nok til at nå målet …"
    comments: tuple[str, ...] = ()  # the administration's comments at this update

    @property
    def paragraph(self) -> str:
        """Everything about the indicator as one paragraph, as the committee case writes it: the pace
        right after the distance to the target it is about, then the administration's comments (a
        comment such as "falder i væsentligt lavere takt" must not be followed by "går hurtigt nok")."""
        parts = (self.sentence, self.target_sentence, self.pace_sentence, *self.comments)
        return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class AreaText:
    heading: str  # "Beskæftigelse (rød)"
    summary: str  # "Der noteres tilbagegang på beskæftigelsesområdet."
    paragraphs: tuple[str, ...]
    explanation: str  # "Rød, fordi …"


@dataclass(frozen=True)
class Narrative:
    """All sentences for one update; dicts keyed by area/indicator id, in the files' order."""

    update: str
    intro: str  # which areas have new figures and which colours are carried over
    areas: dict[str, AreaText]
    indicators: dict[str, IndicatorText]


def narrate(barometer: Barometer, assessment: Assessment,
            history: tuple[Assessment, ...] | None = None) -> Narrative:
    """The narrative of ``assessment``. ``history`` is accepted for callers that have it; the results
    already carry their provenance (carried_from), so nothing here needs it."""
    del history
    comments: dict[str, list[str]] = {}
    for c in barometer.comments:
        if c.update == assessment.update:
            comments.setdefault(c.target, []).append(da.sentence(c.text))
    indicators = {
        r.indicator: indicator_text(barometer, barometer.indicator(r.indicator), r,
                                    tuple(comments.get(r.indicator, ())))
        for r in assessment.indicators
    }
    areas = {
        a.area: area_text(barometer, assessment, a, indicators, tuple(comments.get(a.area, ())))
        for a in assessment.areas
    }
    return Narrative(assessment.update, intro(barometer, assessment), areas, indicators)


# --- indicators ------------------------------------------------------------------------------

def subject(ind: Indicator, *, capital: bool = True) -> str:
    word = "hovedindikatoren" if ind.main else "indikatoren"
    return f"{da.capitalize(word) if capital else word} »{ind.name}«"


def _update_name(barometer: Barometer, update_id: str) -> str:
    return da.month_year(barometer.update(update_id).date)


def _movement(ind: Indicator, r: IndicatorResult, *, definite: bool) -> str:
    """``et fald på 3,0 procentpoint fra februar 2009 til august 2009`` (definite: ``faldet på …``)."""
    amount = da.change_amount(r.change, ind.unit, ind.decimals, ind.unit_text)
    if r.change > 0:
        noun = "stigningen" if definite else "en stigning"
    else:
        noun = "faldet" if definite else "et fald"
    return f"{noun} på {amount} {da.period_span(r.reference_period, r.period)}"


def level_text(ind: Indicator, value: float) -> str:
    return da.level(value, ind.unit, ind.decimals, ind.unit_text)


def development_sentence(ind: Indicator, r: IndicatorResult) -> str:
    """``Hovedindikatoren »…« viser et fald på 3,0 procentpoint fra februar 2009 til august 2009.``"""
    if r.value is None:
        return f"Der er endnu ingen tal for {subject(ind, capital=False)}."
    if r.change is None or r.reference_period is None:
        return (f"{subject(ind)} var {level_text(ind, r.value)} i {da.period(r.period)}. "
                "Der er endnu intet tidligere tal at sammenligne med.")
    if r.change == 0:
        text = (f"{subject(ind)} er uændret på {level_text(ind, r.value)} "
                f"{da.period_span(r.reference_period, r.period)}.")
    else:
        text = f"{subject(ind)} viser {_movement(ind, r, definite=False)}."
    if r.significant is False:
        # the span was just said ("… fra 2008 til 2009."): not again
        text += " Ændringen er ikke signifikant."
    elif r.significant:
        text += " Ændringen er statistisk signifikant."
    return text


def target_sentence(ind: Indicator, r: IndicatorResult) -> str | None:
    """``Der er 5,5 procentpoint til målet for december 2010 på 64,8 procent.`` / ``Målet … er nået.``"""
    if r.target_value is None or r.remaining is None:
        return None
    goal = f"målet »{ind.target_text}«" if ind.target_text else "målet"  # as the policy words it
    goal += f" for {da.period(r.target_period)}" if r.target_period else ""
    goal += "" if ind.target_text else f" på {level_text(ind, r.target_value)}"
    if r.remaining <= 0:
        return f"{da.capitalize(goal)} er nået."
    return f"Der er {da.change_amount(r.remaining, ind.unit, ind.decimals, ind.unit_text)} til {goal}."


def pace_sentence(r: IndicatorResult, ind: Indicator | None = None) -> str | None:
    """Whether the pace since the previous figure is enough; None when reached or unknown. A move
    away from the target is said as such ("går den forkerte vej"), never as "ikke hurtigt nok"."""
    if r.on_track is None or r.remaining is None or r.remaining <= 0 or r.target_period is None:
        return None
    if ind is not None and r.change and (r.change < 0) == (ind.direction == "up"):
        return f"Udviklingen går den forkerte vej i forhold til målet inden {da.period(r.target_period)}."
    enough = "hurtigt nok" if r.on_track else "ikke hurtigt nok"
    return f"Udviklingen går {enough} til at nå målet inden {da.period(r.target_period)}."


def indicator_text(barometer: Barometer, ind: Indicator, r: IndicatorResult,
                   comments: tuple[str, ...] = ()) -> IndicatorText:
    if r.carried_over and r.carried_from:
        sentence = (f"Der er ingen nye tal for {subject(ind, capital=False)} siden opdateringen i "
                    f"{_update_name(barometer, r.carried_from)}.")
        if r.value is not None:
            sentence += f" Seneste tal er {level_text(ind, r.value)} i {da.period(r.period)}."
    else:
        sentence = development_sentence(ind, r)
    return IndicatorText(sentence, target_sentence(ind, r), explain(barometer, ind, r),
                         pace_sentence(r, ind), comments)


# --- why-sentences (issue 12) ------------------------------------------------------------------

def _colour(signal: str) -> str:
    return da.capitalize(da.signal_word(signal))


def _step4_clause(ind: Indicator, r: IndicatorResult) -> tuple[str, bool]:
    """The reason from change, z-test and tolerance: (clause, whether it is a real step the right way)."""
    span = da.period_span(r.reference_period, r.period)
    if r.change == 0:
        return f"tallet er uændret {span}", False
    movement = _movement(ind, r, definite=True)
    if r.significant is False:
        return f"{movement} ikke er statistisk signifikant (z = {da.number(r.z, 2)})", False
    if abs(r.change) <= ind.tolerance:
        tolerance = da.change_amount(ind.tolerance, ind.unit, ind.decimals, ind.unit_text)
        return f"{movement} ligger inden for tolerancen på {tolerance}", False
    good = (r.change > 0) == (ind.direction == "up")
    clause = f"{movement} går {'den rigtige vej' if good else 'den forkerte vej'}"
    if r.significant:
        clause += f" og er statistisk signifikant (z = {da.number(r.z, 2)})"
    return clause, good


def explain(barometer: Barometer, ind: Indicator, r: IndicatorResult) -> str:
    """Why the colour is what it is, in one Danish sentence: ``Rød, fordi faldet på … går den forkerte vej.``"""
    colour = _colour(r.signal)
    if r.overridden:
        computed = f" (beregnet: {da.signal_word(r.computed_signal)})" if r.computed_signal else ""
        return f"{colour} efter forvaltningens vurdering{computed}: {da.sentence(r.override_reason or '')}"
    if r.carried_over and r.carried_from:
        if r.signal == "grey":  # nothing was assessed back then either: give the reason itself
            return explain(barometer, ind, replace(r, carried_over=False))
        return f"{colour}, overført fra opdateringen i {_update_name(barometer, r.carried_from)} (ingen nye tal)."
    if r.value is None:
        return f"{colour}, fordi der ikke er tal."
    if r.rule == "national":
        return _explain_national(ind, r)
    if r.rule == "gauge":
        return _explain_gauge(r)
    behind = "under" if ind.direction == "up" else "over"
    if r.expected_value is not None:
        expected = level_text(ind, r.expected_value)
        if r.signal == "green":
            return (f"{colour}, fordi tallet ({level_text(ind, r.value)}) ligger på eller "
                    f"{'over' if ind.direction == 'up' else 'under'} den forventede udvikling ({expected}).")
        head = f"{colour}, fordi tallet ligger {behind} den forventede udvikling ({expected})"
        if r.change is None or r.reference_period is None:
            return head + ", og der ikke er et tidligere tal at sammenligne med."
        clause, good = _step4_clause(ind, r)
        return f"{head}, {'selv om' if good else 'og'} {clause}."
    if r.change is None or r.reference_period is None:
        if r.rule == "baseline":
            return f"{colour}, fordi der ikke er et udgangspunkt at sammenligne med."
        return f"{colour}, fordi der kun er ét tal og intet tidligere tal at sammenligne med."
    return f"{colour}, fordi {_step4_clause(ind, r)[0]}."


def _explain_national(ind: Indicator, r: IndicatorResult) -> str:
    """``Grøn, fordi tallet afrundet til hele enheder er steget fra 45 i 2006 til 46 i 2009.``"""
    if r.reference_value is None or r.reference_period is None:
        return f"{_colour(r.signal)}, fordi der ikke er et udgangspunkt at sammenligne med."
    before, after = (da.round_half_away(v, 0) for v in (r.reference_value, r.value))
    moved = "steget" if after > before else "faldet" if after < before else "uændret"
    return (f"{_colour(r.signal)}, fordi tallet afrundet til hele enheder er {moved} fra "
            f"{da.number(before, 0)} i {da.period(r.reference_period)} til {da.number(after, 0)} "
            f"i {da.period(r.period)}.")


def _explain_gauge(r: IndicatorResult) -> str:
    colour = _colour(r.signal)
    if r.remaining is not None and r.remaining <= 0 and r.signal == "green":
        return f"{colour}, fordi målet er nået."
    if r.gauge_ratio is None:
        return f"{colour}, fordi udviklingstakten ikke kan beregnes."
    share = f"den årlige udvikling er {da.number(100 * r.gauge_ratio, 0)} procent af den takt"
    if r.target_period is not None and r.period is not None and r.period >= r.target_period:
        return (f"{colour}, fordi målet for {da.period(r.target_period)} ikke er nået; "
                f"{share}, der skulle til.")
    return f"{colour}, fordi {share}, der skal til for at nå målet."


def district_text(ind: Indicator, d: DistrictResult) -> str:
    """A district cell in words: ``61,0 procent (gul)`` or ``for få observationer``."""
    if d.suppressed:
        return "for få observationer"
    if d.value is None:
        return "ingen tal"
    return f"{level_text(ind, d.value)} ({da.signal_word(d.signal)})"


# --- areas ---------------------------------------------------------------------------------------

# The committee case's words: "Der noteres tilbagegang på beskæftigelsesområdet."
_AREA_MOVEMENT = {"green": "fremgang", "yellow": "stilstand", "red": "tilbagegang"}


def area_summary(barometer: Barometer, a: AreaResult, assessment: Assessment | None = None) -> str:
    """``Der noteres tilbagegang på beskæftigelsesområdet.`` or the carried-over sentence. A green
    area whose main figure moved the wrong way since the previous one (green by its target path or
    by the administration) is not said to progress: ``Signalfarven er grøn på …, selv om …``. A
    colour the administration set is said as its judgement: ``Forvaltningen vurderer, at der er
    fremgang på …`` (new figures), ``Der er ikke nye tal … ; signalfarven grøn er forvaltningens
    vurdering.`` (none)."""
    area = barometer.area(a.area)
    domain = da.area_domain(area.name)
    mains = [i for i in barometer.indicators_of_area(a.area) if i.main]
    of_mains = "for hovedindikatoren" if len(mains) == 1 else "for hovedindikatorerne"
    if not mains:
        return f"Der er ingen hovedindikatorer på {domain}, så farven kan ikke beregnes."
    if a.carried_over and a.carried_from and not a.overridden:
        if a.signal == "grey":
            return f"Der er fortsat ingen tal {of_mains} på {domain}."
        return (f"Signalfarven {da.signal_word(a.signal)} fra opdateringen i "
                f"{_update_name(barometer, a.carried_from)} fastholdes, da der ikke er nye tal {of_mains}.")
    if a.overridden and a.signal in _AREA_MOVEMENT:
        # the administration set the colour: its judgement, not the barometer's finding (the next
        # paragraph gives the computed colour and the reason)
        if a.carried_over:
            return (f"Der er ikke nye tal {of_mains} på {domain}; signalfarven "
                    f"{da.signal_word(a.signal)} er forvaltningens vurdering.")
        return f"Forvaltningen vurderer, at der er {_AREA_MOVEMENT[a.signal]} på {domain}."
    if a.signal == "grey":
        return f"Udviklingen på {domain} kan ikke vurderes, da der ikke er tal nok {of_mains}."
    worse = _moved_wrong_way(mains, assessment) if a.signal == "green" and assessment is not None else []
    if worse:
        which = (f"hovedindikatoren »{worse[0].name}«" if len(worse) == 1
                 else f"hovedindikatorerne {da.join_list([f'»{i.name}«' for i in worse])}")
        return (f"Signalfarven er grøn på {domain}, selv om {which} er gået den forkerte vej siden "
                "forrige måling.")
    return f"Der noteres {_AREA_MOVEMENT[a.signal]} på {domain}."


def _moved_wrong_way(mains: list[Indicator], assessment: Assessment) -> list[Indicator]:
    """The main indicators with a new figure that moved away from their good direction."""
    out = []
    for ind in mains:
        r = assessment.indicator(ind.id)
        if not r.carried_over and r.change and (r.change > 0) != (ind.direction == "up"):
            out.append(ind)
    return out


def explain_area(barometer: Barometer, a: AreaResult) -> str:
    """Why an area has its colour: aggregation, carry-over or the administration's assessment."""
    colour = _colour(a.signal)
    if a.overridden:
        computed = f" (beregnet: {da.signal_word(a.computed_signal)})" if a.computed_signal else ""
        return f"{colour} efter forvaltningens vurdering{computed}: {da.sentence(a.override_reason or '')}"
    if a.carried_over and a.carried_from:
        return f"{colour}, overført fra opdateringen i {_update_name(barometer, a.carried_from)} (ingen nye tal)."
    coloured = [(i, s) for i, s in a.main_signals if s != "grey"]
    if not coloured:
        return f"{colour}, fordi ingen hovedindikator kan vurderes."
    if len(coloured) == 1:
        return f"{colour}, fordi hovedindikatoren er {da.signal_word(coloured[0][1], neuter=False)}."
    words = da.join_list([da.signal_word(s) for _, s in coloured])
    how = "den dårligste" if a.aggregation == "worst" else "flertallet (ved lige stemmer den dårligste)"
    return f"{colour}, fordi farven er {how} af hovedindikatorernes farver ({words})."


def area_text(barometer: Barometer, assessment: Assessment, a: AreaResult,
               indicators: dict[str, IndicatorText], comments: tuple[str, ...]) -> AreaText:
    area = barometer.area(a.area)
    paragraphs: list[str] = []
    if not a.carried_over:
        paragraphs += [indicators[i.id].paragraph for i in barometer.indicators_of_area(a.area) if i.main]
    if a.overridden:
        computed = (f" (beregnet: {da.signal_word(a.computed_signal)})"
                    if a.computed_signal and a.computed_signal != a.signal else "")
        paragraphs.append(f"Forvaltningen har vurderet signalet som {da.signal_word(a.signal, neuter=True)}"
                          f"{computed}: {da.sentence(a.override_reason or '')}")
    if comments:
        paragraphs.append(" ".join(comments))
    return AreaText(f"{area.name} ({da.signal_word(a.signal)})", area_summary(barometer, a, assessment),
                    tuple(paragraphs), explain_area(barometer, a))


def intro(barometer: Barometer, assessment: Assessment) -> str:
    """``Ved opdateringen i december 2009 er der nye målinger inden for tre indsatsområder: …``"""
    names = {a.id: a.name for a in barometer.areas}
    fresh = [names[a.area] for a in assessment.areas if not a.carried_over]
    carried = [a for a in assessment.areas if a.carried_over]
    text = f"Ved opdateringen i {_update_name(barometer, assessment.update)} er der "
    if not fresh:
        text += "ingen nye målinger for hovedindikatorerne."
    else:
        count = da.number_word(len(fresh), neuter=True)
        noun = "indsatsområde" if len(fresh) == 1 else "indsatsområder"
        text += f"nye målinger inden for {count} {noun}: {da.join_list(fresh)}."
    if carried:
        sources = {a.carried_from for a in carried}
        source = (f"opdateringen i {_update_name(barometer, sources.pop())}" if len(sources) == 1 and None not in
                  sources else "tidligere opdateringer")
        carried_names = da.join_list([names[a.area] for a in carried])
        if not fresh:
            text += f" Farven på alle indsatsområder er overført fra {source}."
        elif len(carried) == 1:
            text += f" Farven på det øvrige indsatsområde – {carried_names} – er overført fra {source}."
        else:
            text += (f" Farven på de {da.number_word(len(carried), neuter=True)} øvrige indsatsområder – "
                     f"{carried_names} – er overført fra {source}.")
    return text
