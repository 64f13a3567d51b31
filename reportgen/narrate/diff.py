"""What changed between two updates: colours, new figures, carried-over areas, targets out of reach."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import ReportgenError
from ..inputs.model import Barometer, Period, Signal
from ..signals.assess import Assessment, assess
from . import danish as da


class UpdateOrderError(ReportgenError):
    """``--from`` is not before ``--to``: a usage error (exit 2), the data are fine."""

    exit_code = 2


@dataclass(frozen=True)
class SignalChange:
    """An area or indicator whose colour at ``to`` differs from its colour at ``from``."""

    kind: Literal["area", "indicator"]
    id: str
    name: str
    area: str  # the area id (an area's own id)
    main: bool  # a main indicator; always True for an area
    before: Signal
    after: Signal
    carried_over: bool  # at ``to``: the colour was carried, so only an override can have changed it
    overridden: bool  # at ``to``


@dataclass(frozen=True)
class NewFigure:
    """A whole-municipality figure first published after ``from``, up to and including ``to``."""

    indicator: str
    name: str
    period: Period
    value: float
    update: str


@dataclass(frozen=True)
class CarriedArea:
    """An area without new figures for its main indicators at ``to``.

    ``carried_from`` is None when the area has never been assessed (no figures at all yet).
    """

    area: str
    name: str
    signal: Signal
    carried_from: str | None


@dataclass(frozen=True)
class TargetOutOfReach:
    """A target the pace no longer reaches at ``to`` (on_track false, remaining > 0), unlike at ``from``."""

    indicator: str
    name: str
    value: float
    period: Period
    target_value: float
    target_period: Period | None
    remaining: float


@dataclass(frozen=True)
class Diff:
    """Everything in one comparison; tuples in areas.csv / indicators.csv order."""

    from_update: str
    to_update: str
    area_changes: tuple[SignalChange, ...]
    indicator_changes: tuple[SignalChange, ...]
    new_figures: tuple[NewFigure, ...]
    carried_areas: tuple[CarriedArea, ...]
    targets_out_of_reach: tuple[TargetOutOfReach, ...]
    area_signals: tuple[tuple[str, Signal, Signal], ...] = ()  # every area: (id, at from, at to)

    @property
    def changes(self) -> tuple[SignalChange, ...]:
        return self.area_changes + self.indicator_changes


def check_updates(barometer: Barometer, from_id: str, to_id: str) -> None:
    """Unknown update -> ReportgenError (exit 1); ``from`` not before ``to`` -> UpdateOrderError (exit 2)."""
    known = [u.id for u in barometer.updates]
    for option, update_id in (("--from", from_id), ("--to", to_id)):
        if update_id not in known:
            raise ReportgenError(
                f'{option}: opdateringen "{update_id}" findes ikke i updates.csv '
                f'(kendte: {", ".join(known)})')
    if known.index(from_id) >= known.index(to_id):
        raise UpdateOrderError(
            f'--from ({from_id}) skal være en tidligere opdatering end --to ({to_id}); '
            "opdateringerne står i den rækkefølge, de har i updates.csv")


def diff(barometer: Barometer, from_id: str, to_id: str, *,
         history: Sequence[Assessment] | None = None) -> Diff:
    """Compare the assessments at ``from_id`` and ``to_id`` (``from_id`` must come first).

    ``history`` (one Assessment per update, as ``assess_history`` gives) saves re-assessing when the
    caller already has it. New figures are those published after ``from_id`` up to ``to_id``, so for
    adjacent updates exactly the figures published in ``to_id``.
    """
    check_updates(barometer, from_id, to_id)
    if history is not None:
        before = history[barometer.update(from_id).index]
        after = history[barometer.update(to_id).index]
    else:
        before, after = assess(barometer, from_id), assess(barometer, to_id)

    area_changes = []
    carried = []
    for a_from, a_to in zip(before.areas, after.areas, strict=True):
        name = barometer.area(a_to.area).name
        if a_from.signal != a_to.signal:
            area_changes.append(SignalChange("area", a_to.area, name, a_to.area, True, a_from.signal,
                                             a_to.signal, a_to.carried_over, a_to.overridden))
        if a_to.carried_over:
            carried.append(CarriedArea(a_to.area, name, a_to.signal, a_to.carried_from))

    indicator_changes = []
    lost = []
    for r_from, r_to in zip(before.indicators, after.indicators, strict=True):
        ind = barometer.indicator(r_to.indicator)
        if r_from.signal != r_to.signal:
            indicator_changes.append(SignalChange("indicator", ind.id, ind.name, ind.area, ind.main,
                                                  r_from.signal, r_to.signal, r_to.carried_over,
                                                  r_to.overridden))
        if (r_to.on_track is False and r_from.on_track is not False and r_to.remaining is not None
                and r_to.remaining > 0 and r_to.value is not None and r_to.period is not None
                and r_to.target_value is not None):
            lost.append(TargetOutOfReach(ind.id, ind.name, r_to.value, r_to.period, r_to.target_value,
                                         r_to.target_period, r_to.remaining))

    lo, hi = barometer.update(from_id).index, barometer.update(to_id).index
    order = {ind.id: pos for pos, ind in enumerate(barometer.indicators)}
    fresh = sorted((m for m in barometer.measurements
                    if m.district is None and lo < barometer.update(m.update).index <= hi),
                   key=lambda m: (order[m.indicator], m.period))
    new_figures = tuple(NewFigure(m.indicator, barometer.indicator(m.indicator).name, m.period, m.value,
                                  m.update) for m in fresh)
    area_signals = tuple((a.area, a.signal, b.signal) for a, b in zip(before.areas, after.areas, strict=True))
    return Diff(from_id, to_id, tuple(area_changes), tuple(indicator_changes), new_figures, tuple(carried),
                tuple(lost), area_signals)


# --- views: JSON and a terminal table ------------------------------------------------------------


def _number(barometer: Barometer, indicator_id: str, value: float | None) -> float | int | None:
    """A JSON number at the indicator's decimals (an int when it has none), as `status --json` gives."""
    if value is None:
        return None
    decimals = barometer.indicator(indicator_id).decimals
    rounded = da.round_half_away(value, decimals) + 0.0
    return int(rounded) if decimals == 0 else rounded


def _period(p: Period | None) -> str | None:
    return None if p is None else str(p)


def _change_json(c: SignalChange) -> dict[str, Any]:
    out: dict[str, Any] = {"id": c.id, "name": c.name}
    if c.kind == "indicator":
        out.update({"area": c.area, "main": c.main})
    out.update({
        "from_signal": c.before, "to_signal": c.after,
        "from_word": da.signal_word(c.before), "to_word": da.signal_word(c.after),
        "carried_over": c.carried_over, "overridden": c.overridden,
    })
    return out


def diff_json(barometer: Barometer, d: Diff) -> dict[str, Any]:
    """The object `reportgen diff --json` prints; keys in this order, unknowns as null."""
    return {
        "from_update": d.from_update,
        "to_update": d.to_update,
        "areas": [_change_json(c) for c in d.area_changes],
        "indicators": [_change_json(c) for c in d.indicator_changes],
        "new_figures": [
            {"indicator": f.indicator, "name": f.name, "period": str(f.period),
             "value": _number(barometer, f.indicator, f.value), "update": f.update}
            for f in d.new_figures
        ],
        "carried_areas": [
            {"id": c.area, "name": c.name, "signal": c.signal, "carried_from": c.carried_from}
            for c in d.carried_areas
        ],
        "targets_out_of_reach": [
            {"indicator": t.indicator, "name": t.name, "value": _number(barometer, t.indicator, t.value),
             "period": str(t.period), "target_value": _number(barometer, t.indicator, t.target_value),
             "target_period": _period(t.target_period),
             "remaining": _number(barometer, t.indicator, t.remaining)}
            for t in d.targets_out_of_reach
        ],
    }


def _signal_text(signal: str):
    """Symbol, word and terminal colour: ``↓ rød`` in red, so neither colour nor shape stands alone."""
    from rich.text import Text

    from ..palette import style
    from .status import TERMINAL_STYLE

    return Text(f"{style(signal).symbol} {da.signal_word(signal)}", style=TERMINAL_STYLE[signal])


def grouped_changes(barometer: Barometer, d: Diff
                    ) -> list[tuple[str, SignalChange | None, tuple[SignalChange, ...]]]:
    """(area id, the area's own change or None, its changed indicators) for every area with a change."""
    out = []
    for area in barometer.areas:
        own = next((c for c in d.area_changes if c.id == area.id), None)
        changes = tuple(c for c in d.indicator_changes if c.area == area.id)
        if own is not None or changes:
            out.append((area.id, own, changes))
    return out


def area_signal(d: Diff, area_id: str) -> Signal | None:
    """The area's colour at ``to`` (the same as at ``from`` when it is not among the changes)."""
    return next((after for a, _, after in d.area_signals if a == area_id), None)


def _note(c: SignalChange) -> str:
    return "vurderet af forvaltningen" if c.overridden else "overført" if c.carried_over else ""


def _update_name(barometer: Barometer, update_id: str) -> str:
    return da.month_year(barometer.update(update_id).date)


def diff_tables(barometer: Barometer, d: Diff) -> list:
    """Rich renderables for the terminal: one titled table per kind of change, or a line saying none."""
    from rich.table import Table
    from rich.text import Text

    before, after = _update_name(barometer, d.from_update), _update_name(barometer, d.to_update)
    out: list = [Text(f"{barometer.config.title}: ændringer fra {before} til {after}", style="bold")]

    def table(title: str, *columns: str) -> Table:
        t = Table(title=title, title_justify="left")
        for column in columns:
            t.add_column(column, no_wrap=column in ("Før", "Nu", "Periode", "Tal"))
        return t

    if d.changes:
        t = table("Skiftet farve", "Område / indikator", "Før", "Nu", "Bemærkning")
        for area_id, area_change, changes in grouped_changes(barometer, d):
            name = Text(barometer.area(area_id).name, style="bold")
            if area_change is None:
                same = area_signal(d, area_id)
                cell = _signal_text(same) if same else ""
                t.add_row(name, cell, cell, "området har samme farve")
            else:
                t.add_row(name, _signal_text(area_change.before), _signal_text(area_change.after),
                          _note(area_change))
            for c in changes:
                t.add_row(f"  {'★ ' if c.main else ''}{c.id} {c.name}", _signal_text(c.before),
                          _signal_text(c.after), _note(c))
        out.append(t)
    else:
        out.append(Text("Ingen områder eller indikatorer har skiftet farve."))

    if d.new_figures:
        t = table(f"Nye tal ({len(d.new_figures)})", "Indikator", "Periode", "Tal", "Offentliggjort")
        for f in d.new_figures:
            ind = barometer.indicator(f.indicator)
            t.add_row(f"{f.indicator} {f.name}", da.period_short(f.period),
                      da.level(f.value, ind.unit, ind.decimals), _update_name(barometer, f.update))
        out.append(t)
    else:
        out.append(Text("Ingen nye tal."))

    if d.carried_areas:
        t = table("Overførte indsatsområder", "Indsatsområde", "Signal", "Overført fra")
        for c in d.carried_areas:
            t.add_row(c.name, _signal_text(c.signal),
                      _update_name(barometer, c.carried_from) if c.carried_from else "ingen tal endnu")
        out.append(t)

    if d.targets_out_of_reach:
        t = table("Mål, som udviklingen ikke længere når", "Indikator", "Tal", "Mål", "Mangler")
        for x in d.targets_out_of_reach:
            ind = barometer.indicator(x.indicator)
            when = f" ({da.period_short(x.target_period)})" if x.target_period else ""
            t.add_row(f"{x.indicator} {x.name}", da.level(x.value, ind.unit, ind.decimals, ind.unit_text),
                      (ind.target_text or da.level(x.target_value, ind.unit, ind.decimals)) + when,
                      da.change_amount(x.remaining, ind.unit, ind.decimals, ind.unit_text))
        out.append(t)
    return out
