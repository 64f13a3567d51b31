"""Every signal method side by side: each indicator's colour under each rule its data allow."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..inputs.model import Barometer, Indicator, Signal
from ..inputs.validate import NEEDS_BASELINE, NEEDS_TARGET
from ..signals.assess import IndicatorResult, assess
from . import danish as da
from .sentences import explain

# The five rules of data-format.md and docs/methods.md, then the z-test alone.
METHODS: tuple[str, ...] = ("previous", "baseline", "trajectory", "national", "gauge", "significance")

# Column headers (terminal table, Bilag 1 appendix).
METHOD_LABEL: dict[str, str] = {
    "previous": "Forrige måling",
    "baseline": "Udgangspunkt",
    "trajectory": "Linje til mål",
    "national": "Hele enheder",
    "gauge": "Takt mod mål",
    "significance": "Kun signifikans",
}

# How a colour is reached, in running text: "… er rød efter reglen om forrige måling".
METHOD_PHRASE: dict[str, str] = {
    "previous": "efter reglen om forrige måling",
    "baseline": "målt mod udgangspunktet",
    "trajectory": "målt mod den lige linje fra udgangspunkt til mål",
    "national": "målt i hele enheder mod udgangspunktet",
    "gauge": "målt på den årlige takt mod målet",
    "significance": "efter signifikanstesten alene",
}

# One line per method for the appendix and the docs: what it compares.
METHOD_DESCRIPTION: dict[str, str] = {
    "previous": "den seneste måling sammenlignet med den forrige måling",
    "baseline": "den seneste måling sammenlignet med udgangspunktet",
    "trajectory": "den seneste måling sammenlignet med den lige linje fra udgangspunktet til målet",
    "national": "den seneste måling og udgangspunktet, begge afrundet til hele enheder",
    "gauge": "den årlige udviklingstakt siden udgangspunktet sammenlignet med den takt, der skal til "
    "for at nå målet til tiden",
    "significance": "kun om ændringen siden forrige måling er statistisk signifikant (hvor der er "
    "standardfejl)",
}


@dataclass(frozen=True)
class MethodVerdict:
    """One indicator under one method. ``signal`` None: the data do not allow the method."""

    method: str
    signal: Signal | None
    result: IndicatorResult | None = None
    explanation: str | None = None  # the why-sentence under this method


@dataclass(frozen=True)
class IndicatorComparison:
    """An indicator's colours by method; ``signal`` is the official colour (overrides included)."""

    indicator: str
    rule: str  # the indicator's own rule
    signal: Signal
    overridden: bool
    verdicts: tuple[MethodVerdict, ...]  # in METHODS order

    def signal_of(self, method: str) -> Signal | None:
        return next(v.signal for v in self.verdicts if v.method == method)

    @property
    def colours(self) -> tuple[Signal, ...]:
        """The distinct assessable colours (grey and disallowed methods left out), in METHODS order."""
        return tuple(dict.fromkeys(v.signal for v in self.verdicts if v.signal not in (None, "grey")))

    @property
    def disagree(self) -> bool:
        """True when two methods give two different colours; grey (cannot assess) is no verdict."""
        return len(self.colours) > 1


@dataclass(frozen=True)
class Comparison:
    """All indicators under all methods at one update, in indicators.csv order."""

    update: str
    indicators: tuple[IndicatorComparison, ...]
    methods: tuple[str, ...] = METHODS

    def indicator(self, indicator_id: str) -> IndicatorComparison:
        return next(i for i in self.indicators if i.indicator == indicator_id)

    @property
    def disagreements(self) -> tuple[IndicatorComparison, ...]:
        return tuple(i for i in self.indicators if i.disagree)


def allows(ind: Indicator, method: str) -> bool:
    """Whether ``ind``'s settings allow ``method`` as validate.py would accept it as its rule.

    ``significance`` is allowed here and decided per update: it needs a z-test (se on both figures).
    """
    rule = "previous" if method == "significance" else method
    if rule in NEEDS_BASELINE and (ind.baseline_value is None or ind.baseline_period is None):
        return False
    if rule in NEEDS_TARGET:
        if ind.target_value is None or ind.target_period is None:
            return False
        if ind.baseline_period is not None and ind.target_period <= ind.baseline_period:
            return False
    return True


def _variant(ind: Indicator, method: str) -> Indicator:
    """The indicator as ``method`` would assess it: the z-test alone is rule previous without tolerance."""
    if method == "significance":
        return replace(ind, rule="previous", tolerance=0.0)
    return replace(ind, rule=method)  # type: ignore[arg-type]


def compare(barometer: Barometer, update_id: str | None = None) -> Comparison:
    """Each indicator's colour at ``update_id`` (default: latest) under every method in METHODS.

    The computed colours ignore overrides (they would hide what the methods say); the official
    colour, overrides included, is ``IndicatorComparison.signal``. District rows are left out.
    """
    official = assess(barometer, update_id)
    whole = replace(
        barometer, measurements=tuple(m for m in barometer.measurements if m.district is None), overrides=()
    )
    per_method: dict[str, dict[str, tuple[Indicator, IndicatorResult]]] = {}
    for method in METHODS:
        variants = tuple(_variant(i, method) if allows(i, method) else i for i in whole.indicators)
        result = assess(replace(whole, indicators=variants), official.update)
        per_method[method] = {v.id: (v, result.indicator(v.id)) for v in variants}
    rows = []
    for ind in barometer.indicators:
        verdicts = []
        for method in METHODS:
            variant, r = per_method[method][ind.id]
            ok = allows(ind, method) and (method != "significance" or r.z is not None)
            verdicts.append(
                MethodVerdict(method, r.signal, r, explain(barometer, variant, r))
                if ok
                else MethodVerdict(method, None)
            )
        own = official.indicator(ind.id)
        rows.append(IndicatorComparison(ind.id, ind.rule, own.signal, own.overridden, tuple(verdicts)))
    return Comparison(official.update, tuple(rows))


# --- words --------------------------------------------------------------------------------------


def disagreement_sentence(barometer: Barometer, ic: IndicatorComparison) -> str:
    """``»Andel …« er rød efter reglen om forrige måling, men grøn målt mod udgangspunktet.``

    The indicator's own rule comes first with every method that agrees with it; then the other
    colours, each with the methods that give it. Grey methods are left out.
    """
    name = f"»{barometer.indicator(ic.indicator).name}«"
    by_colour: dict[str, list[str]] = {}
    for v in ic.verdicts:
        if v.signal not in (None, "grey"):
            by_colour.setdefault(v.signal, []).append(v.method)

    def group(colour: str) -> str:
        return f"{da.signal_word(colour)} {da.join_list([METHOD_PHRASE[m] for m in by_colour[colour]])}"

    def groups(colours: list[str]) -> str:  # "grøn a og b, og gul c": the comma keeps the groups apart
        parts = [group(c) for c in colours]
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", og " + parts[-1]

    own = ic.signal_of(ic.rule)
    if own in (None, "grey"):
        return f"{name} kan ikke vurderes {METHOD_PHRASE[ic.rule]}, men er {groups(list(by_colour))}."
    first = by_colour[own]
    first.remove(ic.rule)
    first.insert(0, ic.rule)
    return f"{name} er {group(own)}, men {groups([c for c in by_colour if c != own])}."


# --- output -------------------------------------------------------------------------------------


def comparison_json(barometer: Barometer, comparison: Comparison) -> dict[str, Any]:
    """The object ``reportgen compare --json`` prints; a method the data do not allow is null."""
    return {
        "update": comparison.update,
        "methods": list(comparison.methods),
        "indicators": [
            {
                "id": ic.indicator,
                "area": barometer.indicator(ic.indicator).area,
                "name": barometer.indicator(ic.indicator).name,
                "rule": ic.rule,
                "signal": ic.signal,
                "overridden": ic.overridden,
                "methods": {v.method: v.signal for v in ic.verdicts},
                "disagree": ic.disagree,
                "sentence": disagreement_sentence(barometer, ic) if ic.disagree else None,
                "explanations": {v.method: v.explanation for v in ic.verdicts},
            }
            for ic in comparison.indicators
        ],
        "disagreements": [ic.indicator for ic in comparison.disagreements],
    }


def comparison_table(barometer: Barometer, comparison: Comparison):
    """A rich Table: one row per indicator, a column per method with symbol, word and colour."""
    from rich.table import Table
    from rich.text import Text

    from .. import palette
    from .status import TERMINAL_STYLE

    update = barometer.update(comparison.update)
    table = Table(
        title=f"{barometer.config.title} – metoder side om side, opdateringen {da.month_year(update.date)}",
        title_justify="left",
        caption="* indikatorens egen regel   – metoden passer ikke til indikatorens data   "
        "≠ metoderne er uenige",
        caption_justify="left",
    )
    table.add_column("", no_wrap=True)
    table.add_column("Indikator", max_width=40, no_wrap=True, overflow="ellipsis")
    for method in comparison.methods:
        table.add_column(METHOD_LABEL[method], no_wrap=True)
    for ic in comparison.indicators:
        ind = barometer.indicator(ic.indicator)
        cells = []
        for v in ic.verdicts:
            if v.signal is None:
                cells.append(Text("–", style="bright_black"))
                continue
            look = palette.style(v.signal)
            mark = " *" if v.method == ic.rule else ""
            cells.append(Text(f"{look.symbol} {look.word}{mark}", style=TERMINAL_STYLE[v.signal]))
        table.add_row(Text("≠", style="bold") if ic.disagree else "", f"{ind.id} {ind.name}", *cells)
    return table
