"""The signal rules of data-format.md: pure functions from a Barometer to an Assessment."""
from __future__ import annotations

from dataclasses import dataclass

from .model import Barometer, Period, Signal


@dataclass(frozen=True)
class DistrictResult:
    """One district's signal for an indicator. Suppressed (n < min_n): value/change None, grey."""

    district: str
    signal: Signal
    value: float | None
    change: float | None
    suppressed: bool
    period: Period | None = None
    reference_value: float | None = None
    reference_period: Period | None = None
    n: int | None = None


@dataclass(frozen=True)
class IndicatorResult:
    """An indicator's verdict at one update, with everything needed to explain it."""

    indicator: str
    signal: Signal
    carried_over: bool
    overridden: bool
    value: float | None
    period: Period | None
    reference_value: float | None
    reference_period: Period | None
    change: float | None
    significant: bool | None
    target_value: float | None
    target_period: Period | None
    remaining: float | None
    on_track: bool | None
    districts: tuple[DistrictResult, ...] = ()
    # Provenance (issue 12); None where it does not apply.
    rule: str = "previous"
    tolerance: float = 0.0
    z: float | None = None
    z_crit: float | None = None
    expected_value: float | None = None  # trajectory rule: the line's value at `period`
    carried_from: str | None = None  # update id where the colour was last computed afresh
    override_reason: str | None = None
    computed_signal: Signal | None = None  # the colour before an override


@dataclass(frozen=True)
class AreaResult:
    area: str
    signal: Signal
    carried_over: bool
    overridden: bool
    main_signals: tuple[tuple[str, Signal], ...] = ()  # (indicator id, signal) that were aggregated
    aggregation: str = "worst"
    carried_from: str | None = None
    override_reason: str | None = None
    computed_signal: Signal | None = None


@dataclass(frozen=True)
class Assessment:
    """All verdicts at one update; ``areas``/``indicators`` in the files' order."""

    update: str
    previous_update: str | None
    areas: tuple[AreaResult, ...]
    indicators: tuple[IndicatorResult, ...]

    def area(self, area_id: str) -> AreaResult:
        return next(a for a in self.areas if a.area == area_id)

    def indicator(self, indicator_id: str) -> IndicatorResult:
        return next(i for i in self.indicators if i.indicator == indicator_id)


def assess(barometer: Barometer, update_id: str | None = None) -> Assessment:
    """Apply the signal rules at ``update_id`` (default: the latest update)."""
    raise NotImplementedError


def assess_history(barometer: Barometer) -> tuple[Assessment, ...]:
    """One Assessment per update, oldest first (Bilag 3's colour history, the site archive)."""
    return tuple(assess(barometer, u.id) for u in barometer.updates)
