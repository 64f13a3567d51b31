"""What the barometer has shown over its lifetime: the facts behind Bilag 3, computed from history."""
from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..inputs.model import Barometer, Period, Signal, SourceType, Update
from .assess import Assessment

# Better colours rank higher; grey (cannot be assessed) has no rank.
_RANK: dict[str, int] = {"red": 0, "yellow": 1, "green": 2}
SOURCE_TYPES: tuple[SourceType, ...] = ("local", "national")
Trend = Literal["better", "same", "worse"]


def rank(signal: Signal) -> int | None:
    """How good a colour is: red 0, yellow 1, green 2; grey (cannot be assessed) None."""
    return _RANK.get(signal)


@dataclass(frozen=True)
class HistoryCell:
    """An area's colour at one update."""

    update: str
    signal: Signal
    carried_over: bool
    overridden: bool


@dataclass(frozen=True)
class AreaHistory:
    """An area's colours at every update from the first to the current one, oldest first."""

    area: str
    cells: tuple[HistoryCell, ...]

    @property
    def current(self) -> HistoryCell:
        return self.cells[-1]

    @property
    def first_assessed(self) -> HistoryCell | None:
        """The first cell with a colour other than grey; None if the area has never been assessed."""
        return next((c for c in self.cells if c.signal != "grey"), None)

    @property
    def red_updates(self) -> tuple[str, ...]:
        """The updates at which the area was red (carried-over red included)."""
        return tuple(c.update for c in self.cells if c.signal == "red")

    @property
    def trend(self) -> Trend | None:
        """The current colour against the first assessed one; None if either is grey."""
        first = self.first_assessed
        if first is None or self.current.signal == "grey":
            return None
        now, then = _RANK[self.current.signal], _RANK[first.signal]
        return "better" if now > then else "worse" if now < then else "same"


@dataclass(frozen=True)
class CarriedIndicator:
    """An indicator's longest run of updates in a row without new figures (the latest if tied)."""

    indicator: str
    rounds: int  # consecutive updates in the run
    first_carried: str  # update id of the run's first update
    last_carried: str  # update id of the run's last update
    carried_from: str | None  # where the colour was last computed afresh before the run; None: never
    ongoing: bool  # the run reaches the current update


@dataclass(frozen=True)
class TargetMiss:
    """A target the projection says will not be reached: the pace since the previous figure is
    slower than the pace still needed (``on_track`` false) and the target is not yet reached."""

    indicator: str
    value: float
    period: Period
    remaining: float
    target_value: float
    target_period: Period


@dataclass(frozen=True)
class TargetCounts:
    """How the indicators with a target stand at the current update."""

    with_target: int
    reached: int  # remaining <= 0
    on_track: int  # not reached, on_track true
    off_track: int  # not reached, on_track false (= the target misses)
    unknown: int  # no figure, or no previous figure to measure the pace by


@dataclass(frozen=True)
class DataAge:
    """How old an indicator's newest known figure is at the update, in whole months from the
    figure's period (a year counts as its December) to the update's month; None: no figure yet."""

    indicator: str
    source_type: SourceType
    period: Period | None
    months: int | None


@dataclass(frozen=True)
class AgeSummary:
    """Data age of one kind of source; the figures are None when no indicator of the kind has one."""

    source_type: SourceType
    indicators: int  # indicators of this kind
    with_figures: int  # of them with a figure
    median: float | None
    youngest: int | None
    oldest: int | None


@dataclass(frozen=True)
class CommitteeCount:
    committee: str
    indicators: int
    red: int
    main: int  # of them main indicators


@dataclass(frozen=True)
class LifetimeFacts:
    """Everything Bilag 3 states as fact, at ``update``; ``history`` runs from the first update."""

    update: str
    first_update: str
    updates: int  # updates from the first to this one, both included
    months: int  # from the first update's month to this one's
    areas: int
    indicators: int
    main_indicators: int
    district_indicators: int
    figures: int  # whole-municipality figures published up to this update
    district_figures: int  # district figures published up to this update (suppressed ones not counted)
    history: tuple[AreaHistory, ...]  # areas.csv order
    carried: tuple[CarriedIndicator, ...]  # indicators.csv order, runs of two or more
    targets: TargetCounts
    target_misses: tuple[TargetMiss, ...]  # indicators.csv order
    data_age: tuple[DataAge, ...]  # indicators.csv order
    ages: tuple[AgeSummary, ...]  # local, then national
    committees: tuple[CommitteeCount, ...]  # committees.csv order, committees with indicators

    def age(self, source_type: SourceType) -> AgeSummary:
        return next(a for a in self.ages if a.source_type == source_type)

    @property
    def median_age_local(self) -> float | None:
        return self.age("local").median

    @property
    def median_age_national(self) -> float | None:
        return self.age("national").median

    @property
    def carried_cells(self) -> int:
        """How many area colours in the history were carried over from an earlier update."""
        return sum(1 for row in self.history for c in row.cells if c.carried_over)


def months_between(earlier: Update | Period, later: Update | Period) -> int:
    """Whole months from one month to another (day of month ignored)."""
    return _ordinal(later) - _ordinal(earlier)


def _ordinal(x: Update | Period) -> int:
    if isinstance(x, Period):
        return x.ordinal
    return x.date.year * 12 + x.date.month - 1


def lifetime_facts(barometer: Barometer, history: Sequence[Assessment], update_id: str) -> LifetimeFacts:
    """Facts at ``update_id`` from the assessments of every update up to it (any order; later ones
    are ignored). Raises ValueError if an update up to ``update_id`` has no assessment."""
    update = barometer.update(update_id)
    by_id = {a.update: a for a in history}
    missing = [u.id for u in barometer.updates[: update.index + 1] if u.id not in by_id]
    if missing:
        raise ValueError(f"no assessment for update {', '.join(missing)}")
    past = tuple(by_id[u.id] for u in barometer.updates[: update.index + 1])
    current = past[-1]
    published = {u.id for u in barometer.updates[: update.index + 1]}
    rows = [m for m in barometer.measurements if m.update in published]
    return LifetimeFacts(
        update=update.id,
        first_update=barometer.updates[0].id,
        updates=len(past),
        months=months_between(barometer.updates[0], update),
        areas=len(barometer.areas),
        indicators=len(barometer.indicators),
        main_indicators=sum(1 for i in barometer.indicators if i.main),
        district_indicators=sum(1 for i in barometer.indicators if i.districts),
        figures=sum(1 for m in rows if m.district is None),
        # published: a figure under min_n observations is held back, not published
        district_figures=sum(1 for m in rows if m.district is not None
                             and (m.n is None or m.n >= barometer.config.min_n)),
        history=area_history(barometer, past),
        carried=carried_runs(barometer, past),
        targets=target_counts(current),
        target_misses=target_misses(current),
        data_age=data_age(barometer, current),
        ages=age_summaries(barometer, current),
        committees=committee_counts(barometer, current),
    )


def area_history(barometer: Barometer, past: Sequence[Assessment]) -> tuple[AreaHistory, ...]:
    """Each area's colour at each of ``past`` (oldest first)."""
    return tuple(
        AreaHistory(area.id, tuple(
            HistoryCell(a.update, a.area(area.id).signal, a.area(area.id).carried_over,
                        a.area(area.id).overridden)
            for a in past
        ))
        for area in barometer.areas
    )


def carried_runs(barometer: Barometer, past: Sequence[Assessment], *, at_least: int = 2
                 ) -> tuple[CarriedIndicator, ...]:
    """Indicators whose colour was carried over in ``at_least`` updates in a row at some point."""
    out = []
    for ind in barometer.indicators:
        best: tuple[int, int] | None = None  # (start, end) index into past, end inclusive
        start: int | None = None
        for i, a in enumerate(past):
            if a.indicator(ind.id).carried_over:
                start = i if start is None else start
                if best is None or i - start >= best[1] - best[0]:
                    best = (start, i)
            else:
                start = None
        if best is None or best[1] - best[0] + 1 < at_least:
            continue
        first, last = past[best[0]], past[best[1]]
        out.append(CarriedIndicator(
            indicator=ind.id,
            rounds=best[1] - best[0] + 1,
            first_carried=first.update,
            last_carried=last.update,
            carried_from=first.indicator(ind.id).carried_from,
            ongoing=best[1] == len(past) - 1,
        ))
    return tuple(out)


def target_counts(current: Assessment) -> TargetCounts:
    reached = on_track = off_track = unknown = with_target = 0
    for r in current.indicators:
        if r.target_value is None:
            continue
        with_target += 1
        if r.remaining is None:
            unknown += 1
        elif r.remaining <= 0:
            reached += 1
        elif r.on_track is True:
            on_track += 1
        elif r.on_track is False:
            off_track += 1
        else:
            unknown += 1
    return TargetCounts(with_target, reached, on_track, off_track, unknown)


def target_misses(current: Assessment) -> tuple[TargetMiss, ...]:
    """Targets not reached whose pace says they will not be (``on_track`` false, ``remaining`` > 0)."""
    return tuple(
        TargetMiss(r.indicator, r.value, r.period, r.remaining, r.target_value, r.target_period)
        for r in current.indicators
        if r.on_track is False and r.remaining is not None and r.remaining > 0
        and r.target_value is not None and r.target_period is not None
        and r.value is not None and r.period is not None
    )


def data_age(barometer: Barometer, current: Assessment) -> tuple[DataAge, ...]:
    """The age of each indicator's newest figure known at ``current``'s update."""
    update = current.at
    out = []
    for ind in barometer.indicators:
        period = current.indicator(ind.id).period
        months = None if period is None else max(0, months_between(period, update))
        out.append(DataAge(ind.id, ind.source_type, period, months))
    return tuple(out)


def age_summaries(barometer: Barometer, current: Assessment) -> tuple[AgeSummary, ...]:
    """Median, youngest and oldest data age of local and of national sources."""
    ages = data_age(barometer, current)
    out = []
    for kind in SOURCE_TYPES:
        mine = [a for a in ages if a.source_type == kind]
        months = [a.months for a in mine if a.months is not None]
        out.append(AgeSummary(
            source_type=kind,
            indicators=len(mine),
            with_figures=len(months),
            median=float(statistics.median(months)) if months else None,
            youngest=min(months) if months else None,
            oldest=max(months) if months else None,
        ))
    return tuple(out)


def committee_counts(barometer: Barometer, current: Assessment) -> tuple[CommitteeCount, ...]:
    """Indicators per committee and how many of them are red at ``current``'s update."""
    out = []
    for c in barometer.committees:
        own = barometer.indicators_of_committee(c.id)
        if own:
            red = sum(1 for i in own if current.indicator(i.id).signal == "red")
            out.append(CommitteeCount(c.id, len(own), red, sum(1 for i in own if i.main)))
    return tuple(out)
