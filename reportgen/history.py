"""What the barometer has shown over its lifetime: the facts behind Bilag 3, computed from history."""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from .assess import Assessment
from .model import Barometer, Signal


@dataclass(frozen=True)
class CarriedIndicator:
    indicator: str
    rounds: int  # consecutive updates up to and including the current one without new figures
    carried_from: str | None  # the update where its colour was last computed afresh


@dataclass(frozen=True)
class TargetMiss:
    indicator: str
    remaining: float
    target_value: float
    target_period: str


@dataclass(frozen=True)
class DataAge:
    indicator: str
    months: int | None  # from the end of the newest known period to the update date; None = no figure
    source_type: str


@dataclass(frozen=True)
class CommitteeCount:
    committee: str
    indicators: int
    red: int


@dataclass(frozen=True)
class LifetimeFacts:
    """Everything Bilag 3 states as fact; ``history`` is areas × updates up to the current one."""

    update: str
    first_update: str
    updates: int
    areas: int
    indicators: int
    main_indicators: int
    district_indicators: int
    history: tuple[tuple[str, tuple[tuple[str, Signal, bool], ...]], ...]  # area -> (update, signal, carried)
    carried: tuple[CarriedIndicator, ...]
    target_misses: tuple[TargetMiss, ...]
    data_age: tuple[DataAge, ...]
    median_age_local: float | None
    median_age_national: float | None
    committees: tuple[CommitteeCount, ...]


def _months_old(period_end_year: int, period_end_month: int, update_year: int, update_month: int) -> int:
    return max(0, (update_year * 12 + update_month) - (period_end_year * 12 + period_end_month))


def lifetime_facts(barometer: Barometer, history: tuple[Assessment, ...], update_id: str) -> LifetimeFacts:
    """Facts at ``update_id`` from the assessments of every update up to it (oldest first)."""
    upto = barometer.update(update_id).index
    past = [a for a in history if barometer.update(a.update).index <= upto]
    current = past[-1]
    update = barometer.update(update_id)

    area_rows = tuple(
        (area.id, tuple((a.update, a.area(area.id).signal, a.area(area.id).carried_over) for a in past))
        for area in barometer.areas
    )

    carried = []
    for ind in barometer.indicators:
        rounds = 0
        for a in reversed(past):
            if not a.indicator(ind.id).carried_over:
                break
            rounds += 1
        if rounds >= 2:
            carried.append(CarriedIndicator(ind.id, rounds, current.indicator(ind.id).carried_from))

    misses = []
    for ind in barometer.indicators:
        r = current.indicator(ind.id)
        if r.target_value is not None and r.remaining is not None and r.remaining > 0 and r.on_track is False:
            misses.append(TargetMiss(ind.id, r.remaining, r.target_value, str(r.target_period)))

    ages = []
    for ind in barometer.indicators:
        r = current.indicator(ind.id)
        months = None
        if r.period is not None:
            months = _months_old(r.period.year, r.period.month, update.date.year, update.date.month)
        ages.append(DataAge(ind.id, months, ind.source_type))

    def median_age(kind: str) -> float | None:
        values = [a.months for a in ages if a.source_type == kind and a.months is not None]
        return float(statistics.median(values)) if values else None

    committees = []
    for c in barometer.committees:
        own = barometer.indicators_of_committee(c.id)
        if own:
            red = sum(1 for i in own if current.indicator(i.id).signal == "red")
            committees.append(CommitteeCount(c.id, len(own), red))

    return LifetimeFacts(
        update=update_id,
        first_update=barometer.updates[0].id,
        updates=upto + 1,
        areas=len(barometer.areas),
        indicators=len(barometer.indicators),
        main_indicators=sum(1 for i in barometer.indicators if i.main),
        district_indicators=sum(1 for i in barometer.indicators if i.districts),
        history=area_rows,
        carried=tuple(carried),
        target_misses=tuple(misses),
        data_age=tuple(ages),
        median_age_local=median_age("local"),
        median_age_national=median_age("national"),
        committees=tuple(committees),
    )
