"""Frozen domain dataclasses: what a valid barometer folder means, with no I/O and no rules.

``validate.py`` is the only producer of a :class:`Barometer`; every later stage reads it and
never changes it. Ids are always strings (``"0101"`` stays ``"0101"``).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Signal = Literal["green", "yellow", "red", "grey"]
SIGNALS: tuple[Signal, ...] = ("green", "yellow", "red", "grey")
Unit = Literal["percent", "count", "value"]
UNITS: tuple[str, ...] = ("percent", "count", "value")
Direction = Literal["up", "down"]
DIRECTIONS: tuple[str, ...] = ("up", "down")
Rule = Literal["previous", "baseline", "trajectory", "national", "gauge"]
RULES: tuple[str, ...] = ("previous", "baseline", "trajectory", "national", "gauge")
Aggregation = Literal["worst", "majority"]
AGGREGATIONS: tuple[str, ...] = ("worst", "majority")
SourceType = Literal["local", "national"]

_PERIOD_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
_MONTH_FIRST_RE = re.compile(r"(\d{1,2})[-/.](\d{4})")


def _period_example(text: str) -> str:
    """What to write instead of ``text``: ``09-2009`` -> ``2009-09 (ÅÅÅÅ-MM)``, else both forms."""
    m = _MONTH_FIRST_RE.fullmatch(text.strip())
    if m and 1 <= int(m.group(1)) <= 12:
        return f"{m.group(2)}-{int(m.group(1)):02d} (ÅÅÅÅ-MM)"
    return "fx 2009-09 (ÅÅÅÅ-MM) eller 2009 (ÅÅÅÅ)"


@dataclass(frozen=True, order=True)
class Period:
    """What a figure measures: a month (``2009-08``) or a year (``2009``, sorting as its December)."""

    year: int
    month: int
    is_year: bool = field(default=False, compare=False)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``YYYY-MM`` or ``YYYY``; raises ValueError with the reason in Danish and what to write."""
        m = _PERIOD_RE.match(text.strip())
        if not m:
            raise ValueError(f'"{text}" er ikke en periode: skriv {_period_example(text)}')
        year = int(m.group(1))
        if m.group(2) is None:
            return cls(year, 12, True)
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f'"{text}" har ingen måned {month:02d}: skriv en måned fra 01 til 12, fx {year}-09')
        return cls(year, month, False)

    @property
    def ordinal(self) -> int:
        """Whole months since year 0, for distances between periods."""
        return self.year * 12 + self.month - 1

    def months_to(self, other: Period) -> int:
        """Whole months from this period to ``other`` (negative if ``other`` is earlier)."""
        return other.ordinal - self.ordinal

    @property
    def first_day(self) -> dt.date:
        """First day of the period: 1 January for a year, the 1st for a month."""
        return dt.date(self.year, 1 if self.is_year else self.month, 1)

    def __str__(self) -> str:
        return f"{self.year}" if self.is_year else f"{self.year}-{self.month:02d}"


@dataclass(frozen=True)
class Config:
    """barometer.toml; every default lives here."""

    title: str
    municipality: str
    policy: str
    owner: str
    language: str = "da"
    aggregation: Aggregation = "worst"
    significance: float = 0.05
    min_n: int = 20
    map_file: str | None = None
    map_key: str | None = None
    # Extensions of contract v1 (documented in docs/data-format-extensions.md):
    administration: str | None = None
    method_sensitivity: bool = False
    district_singular: str = "bydel"  # [districts] singular/plural: what a district is called
    district_plural: str = "bydele"


@dataclass(frozen=True)
class Update:
    """One publication round. ``index`` is its position in updates.csv, 0 = oldest."""

    id: str
    date: dt.date
    label: str
    index: int
    # Optional extension columns of updates.csv, for the documents' header block:
    meeting_date: dt.date | None = None
    case_number: str | None = None
    document_number: str | None = None
    agenda_item: str | None = None  # the case's number on the meeting's agenda ("10")
    # the day a newly elected committee takes office, set on the first update after an election:
    # the documents then hand over to "det nye … udvalg, som tiltræder 1. januar 2010"
    new_committee: dt.date | None = None


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    aggregation: Aggregation | None = None


@dataclass(frozen=True)
class Committee:
    id: str
    name: str
    chair: str | None = None
    email: tuple[str, ...] = ()  # the secretariat's address(es), for ``reportgen send``
    chair_email: str | None = None  # the chair's own address (reportgen send), shown with the chair's name


@dataclass(frozen=True)
class District:
    id: str
    name: str
    geo_id: str | None = None


@dataclass(frozen=True)
class Indicator:
    id: str
    area: str
    name: str
    main: bool
    unit: Unit
    direction: Direction
    committee: str
    decimals: int = 1
    rule: Rule = "previous"
    tolerance: float = 0.0
    baseline_value: float | None = None
    baseline_period: Period | None = None
    target_value: float | None = None
    target_period: Period | None = None
    source: str | None = None
    districts: bool = False
    # Extension: where the figure comes from, for Bilag 3's data-age split.
    source_type: SourceType = "local"
    # Extension: the target as the policy words it ("ingen nye"), shown beside or instead of its
    # figure; and the unit a change of a value or count is said in ("karakterpoint", "boligområde|boligområder").
    target_text: str | None = None
    unit_text: str | None = None


@dataclass(frozen=True)
class Measurement:
    indicator: str
    period: Period
    value: float
    update: str
    se: float | None = None
    n: int | None = None
    district: str | None = None  # None = the whole municipality


@dataclass(frozen=True)
class Initiative:
    id: str
    name: str
    indicator: str
    committee: str | None = None
    status: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Override:
    update: str
    target: str  # an indicator or area id
    signal: Signal
    reason: str


@dataclass(frozen=True)
class Comment:
    update: str
    target: str  # an indicator or area id
    text: str


@dataclass(frozen=True)
class Decision:
    """The committee's decision on one at-point of an update's case (decisions.csv); ``decided_on``
    None: at the update's meeting (its meeting date, else its date)."""

    update: str
    point: int  # 1-based, as the case numbers its at-points
    text: str  # "blev taget til efterretning"
    decided_on: dt.date | None = None


# The at-points of an update's case, in order (documents/case.py words them): take the orientation
# (Bilag 1) to note; approve the letters (Bilag 2), only when some committee gets one; discuss the
# experience and pass the advice (Bilag 3) on.
CasePoint = Literal["orientering", "breve", "raad"]


@dataclass(frozen=True)
class Barometer:
    """A validated barometer folder. Tuples keep the files' order (display order)."""

    folder: Path
    config: Config
    updates: tuple[Update, ...]
    areas: tuple[Area, ...]
    committees: tuple[Committee, ...]
    indicators: tuple[Indicator, ...]
    measurements: tuple[Measurement, ...]
    districts: tuple[District, ...] = ()
    initiatives: tuple[Initiative, ...] = ()
    overrides: tuple[Override, ...] = ()
    comments: tuple[Comment, ...] = ()
    decisions: tuple[Decision, ...] = ()
    map_path: Path | None = None  # resolved GeoJSON inside the folder, if [map] is given
    input_files: tuple[Path, ...] = ()  # every file read, for the manifest

    def update(self, update_id: str) -> Update:
        for u in self.updates:
            if u.id == update_id:
                return u
        raise KeyError(update_id)

    def as_of(self, update: Update | str) -> AsOf:
        """The barometer as a document of ``update`` sees it (an id is resolved here, once)."""
        return AsOf(self, update if isinstance(update, Update) else self.update(update))

    def indicator(self, indicator_id: str) -> Indicator:
        for i in self.indicators:
            if i.id == indicator_id:
                return i
        raise KeyError(indicator_id)

    def area(self, area_id: str) -> Area:
        for a in self.areas:
            if a.id == area_id:
                return a
        raise KeyError(area_id)

    def committee(self, committee_id: str) -> Committee:
        for c in self.committees:
            if c.id == committee_id:
                return c
        raise KeyError(committee_id)

    def district(self, district_id: str) -> District:
        for d in self.districts:
            if d.id == district_id:
                return d
        raise KeyError(district_id)

    @property
    def latest_update(self) -> Update:
        return self.updates[-1]

    def indicators_of_area(self, area_id: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.area == area_id)

    def indicators_of_committee(self, committee_id: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.committee == committee_id)

    def measurements_of(self, indicator_id: str, *, district: str | None = None) -> tuple[Measurement, ...]:
        """Rows of one indicator for the municipality (``district=None``) or one district, by period."""
        rows = [m for m in self.measurements if m.indicator == indicator_id and m.district == district]
        return tuple(sorted(rows, key=lambda m: m.period))

    @property
    def letter_committees(self) -> tuple[Committee, ...]:
        """The committees Bilag 2 writes to: those holding indicators, except the owner (the sender);
        the rule is :func:`letter_split`'s."""
        return letter_committees(self.config, self.committees, self.indicators)

    @property
    def case_points(self) -> tuple[CasePoint, ...]:
        """The at-points of every update's case; decisions.csv numbers them from 1."""
        return case_points(self.config, self.committees, self.indicators)

    def decisions_of(self, update_id: str) -> tuple[Decision, ...]:
        """The decisions recorded for one update's case, by point."""
        return tuple(sorted((d for d in self.decisions if d.update == update_id), key=lambda d: d.point))

    def initiatives_of(self, indicator_id: str) -> tuple[Initiative, ...]:
        return tuple(x for x in self.initiatives if x.indicator == indicator_id)


# Why a committee gets no letter (bilag2.addressees words it for the build summary).
NoLetter = Literal["no_indicators", "sender"]


def letter_committees(config: Config, committees: tuple[Committee, ...] | list[Committee],
                      indicators: tuple[Indicator, ...] | list[Indicator]) -> tuple[Committee, ...]:
    """See Barometer.letter_committees; a function so that validation can ask before the Barometer exists."""
    return letter_split(config, committees, indicators)[0]


def letter_split(config: Config, committees: tuple[Committee, ...] | list[Committee],
                 indicators: tuple[Indicator, ...] | list[Indicator], *, include_owner: bool = False,
                 ) -> tuple[tuple[Committee, ...], tuple[tuple[Committee, NoLetter], ...]]:
    """The one rule of who gets a letter (Bilag 2, the case's at-point, e-mail): in committees.csv
    order, the committees holding indicators except the owner (the sender) unless
    ``include_owner``; and the others with why they get none."""
    holding = {i.committee for i in indicators}
    receivers: list[Committee] = []
    others: list[tuple[Committee, NoLetter]] = []
    for c in committees:
        if c.id not in holding:
            others.append((c, "no_indicators"))
        elif c.id == config.owner and not include_owner:
            others.append((c, "sender"))
        else:
            receivers.append(c)
    return tuple(receivers), tuple(others)


def case_points(config: Config, committees: tuple[Committee, ...] | list[Committee],
                indicators: tuple[Indicator, ...] | list[Indicator]) -> tuple[CasePoint, ...]:
    """See Barometer.case_points."""
    letters = letter_committees(config, committees, indicators)
    return ("orientering", *(("breve",) if letters else ()), "raad")


@dataclass(frozen=True)
class AsOf:
    """The barometer as of one update: the update resolved once, the one before it, and only what
    was published up to it. Builders read these instead of looking an update id up again."""

    barometer: Barometer
    update: Update

    @property
    def previous(self) -> Update | None:
        return self.barometer.updates[self.update.index - 1] if self.update.index > 0 else None

    @property
    def updates(self) -> tuple[Update, ...]:
        """Every update up to and including this one, oldest first."""
        return self.barometer.updates[: self.update.index + 1]

    def published(self, measurement: Measurement) -> bool:
        """Whether ``measurement`` was published at this update or before."""
        return self.barometer.update(measurement.update).index <= self.update.index

    def measurements_of(self, indicator_id: str, *, district: str | None = None) -> tuple[Measurement, ...]:
        """:meth:`Barometer.measurements_of`, without what later updates published."""
        known = {u.id for u in self.updates}
        return tuple(m for m in self.barometer.measurements_of(indicator_id, district=district) if m.update in known)
