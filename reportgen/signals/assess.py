"""The signal rules of data-format.md: pure functions from a Barometer to an Assessment."""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from statistics import NormalDist

from ..inputs.model import Barometer, Indicator, Measurement, Override, Period, Signal, Update


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
    carried_over: bool = False
    carried_from: str | None = None
    reference_suppressed: bool = False  # the previous district figure had n < min_n: no change shown


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
    n: int | None = None  # of the current figure
    se: float | None = None  # of the current figure
    gauge_ratio: float | None = None  # rule gauge: observed / required annual growth rate


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
    at: Update | None = None  # the update itself, resolved once (``update`` is its id)
    previous_at: Update | None = None  # the update before it (``previous_update`` is its id)

    def area(self, area_id: str) -> AreaResult:
        return next(a for a in self.areas if a.area == area_id)

    def indicator(self, indicator_id: str) -> IndicatorResult:
        return next(i for i in self.indicators if i.indicator == indicator_id)


# --- exact arithmetic -------------------------------------------------------------------------

def _dec(x: float) -> Decimal:
    """The figure as written in the data (``repr`` is the shortest round-trip text), not binary noise."""
    return Decimal(repr(float(x)))


def _round(x: Decimal, decimals: int) -> Decimal:
    """Half away from zero at the indicator's decimals: 0.785 -> 0.79, -0.785 -> -0.79."""
    return x.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _num(x: Decimal | None) -> float | None:
    return None if x is None else float(x) + 0.0  # + 0.0: no -0.0


def z_critical(significance: float) -> float:
    """Two-sided critical value of the standard normal: 1.959964 at 0.05."""
    return NormalDist().inv_cdf(1 - significance / 2)


# --- one series (the municipality's or one district's rows) -----------------------------------

_WORSE: dict[str, int] = {"red": 0, "yellow": 1, "green": 2}


@dataclass(frozen=True)
class _Verdict:
    """The freshly computed part of a result (steps 3-5), before carry-over and overrides."""

    signal: Signal
    cur: Measurement | None = None
    ref_value: float | None = None
    ref_period: Period | None = None
    change: float | None = None
    significant: bool | None = None
    z: float | None = None
    z_crit: float | None = None
    expected_value: float | None = None
    remaining: float | None = None
    on_track: bool | None = None
    gauge_ratio: float | None = None
    suppressed: bool = False  # district figure with n < min_n
    ref_suppressed: bool = False  # the reference figure is suppressed, so no change can be shown
    rule: str = "previous"


def _step4(ind: Indicator, cur: Measurement, ref_value: float, ref_se: float | None,
           significance: float) -> tuple[Signal, Decimal, bool | None, float | None, float | None]:
    """Change, z-test and tolerance: (signal, change, significant, z, z_crit)."""
    change = _round(_dec(cur.value) - _dec(ref_value), ind.decimals)
    good = change if ind.direction == "up" else -change
    significant: bool | None = None
    z = z_crit = None
    if cur.se is not None and ref_se is not None and (cur.se > 0 or ref_se > 0):
        z = (cur.value - ref_value) / math.sqrt(cur.se ** 2 + ref_se ** 2)
        z_crit = z_critical(significance)
        significant = abs(z) >= z_crit
        if not significant:
            return "yellow", change, significant, z, z_crit
    if abs(change) <= _dec(ind.tolerance):
        return "yellow", change, significant, z, z_crit
    return ("green" if good > 0 else "red"), change, significant, z, z_crit


def compare_figures(ind: Indicator, earlier: Measurement, later: Measurement,
                    significance: float) -> tuple[float, bool | None]:
    """The change from one figure to a later one at the indicator's decimals, and whether it is
    statistically significant (the z-test of step 4; None where a standard error is missing)."""
    _, change, significant, _, _ = _step4(ind, later, earlier.value, earlier.se, significance)
    return float(change) + 0.0, significant


def baseline_point(ind: Indicator) -> tuple[Period, float] | None:
    """(baseline_period, baseline_value): the fixed starting point, or None without one."""
    if ind.baseline_value is None or ind.baseline_period is None:
        return None
    return ind.baseline_period, ind.baseline_value


def target_point(ind: Indicator) -> tuple[Period, float] | None:
    """(target_period, target_value), or None without a target with a deadline."""
    if ind.target_value is None or ind.target_period is None:
        return None
    return ind.target_period, ind.target_value


def trajectory(ind: Indicator) -> tuple[tuple[Period, float], tuple[Period, float]] | None:
    """The straight line of rule ``trajectory`` from the baseline to the target, as its two ends.

    None without both points, or when the target does not come after the baseline. The rule and
    the trend chart both take the line from here, so the chart draws what the colour is judged by.
    """
    start, end = baseline_point(ind), target_point(ind)
    if start is None or end is None or start[0].months_to(end[0]) <= 0:
        return None
    return start, end


def expected_path(ind: Indicator, *, steps: int = 48) -> tuple[tuple[Period, float], ...] | None:
    """The way from the baseline to the target that a chart draws, as points, oldest first: for rule
    ``gauge`` the path of constant growth at the required rate (a figure on it has ratio 1, see
    :func:`gauge_ratio`), for every other rule the straight line of :func:`trajectory`. None where
    there is no such way (no baseline or target, or a gauge that cannot be computed)."""
    line = trajectory(ind)
    if line is None:
        return None
    if ind.rule != "gauge":
        return line
    (p0, v0), (p1, v1) = line
    if v0 == 0 or v1 == 0 or (v0 > 0) != (v1 > 0):
        return None
    span = p0.months_to(p1)
    months = sorted({round(span * k / steps) for k in range(steps + 1)})
    return tuple((_months_after(p0, m), v0 * (v1 / v0) ** (m / span)) for m in months)


def _months_after(start: Period, months: int) -> Period:
    ordinal = start.ordinal + months
    return Period(ordinal // 12, ordinal % 12 + 1)


def _expected(ind: Indicator, at: Period) -> Decimal | None:
    """The trajectory line's value at ``at`` (straight line from baseline to target), unrounded."""
    line = trajectory(ind)
    if line is None:
        return None
    (p0, v0), (p1, v1) = line
    step = (_dec(v1) - _dec(v0)) / Decimal(p0.months_to(p1))
    return _dec(v0) + step * p0.months_to(at)


def _target(ind: Indicator, cur: Measurement, prev: Measurement | None) -> tuple[Decimal | None, bool | None]:
    """(remaining, on_track) per the contract; both None without a target."""
    if ind.target_value is None:
        return None, None
    diff = _dec(ind.target_value) - _dec(cur.value)
    remaining = _round(diff if ind.direction == "up" else -diff, ind.decimals)
    if prev is None or ind.target_period is None:
        return remaining, None
    if remaining <= 0:
        return remaining, True
    months_left = cur.period.months_to(ind.target_period)
    if months_left <= 0:
        return remaining, False
    change = _round(_dec(cur.value) - _dec(prev.value), ind.decimals)
    good = change if ind.direction == "up" else -change
    months_since = prev.period.months_to(cur.period)
    # good / months_since >= remaining / months_left, without division
    return remaining, good * months_left >= remaining * months_since


def _national(ind: Indicator, cur: Measurement) -> tuple[Signal, Decimal | None]:
    """Newest figure vs baseline, each rounded to whole units first: (signal, change at decimals).

    The colour follows the whole-unit difference; ``change`` is the contract's ``cur − ref`` at the
    indicator's decimals, so the sentences state the real change (docs/methods.md).
    """
    if ind.baseline_value is None:
        return "grey", None
    whole = _round(_dec(cur.value), 0) - _round(_dec(ind.baseline_value), 0)
    good = whole if ind.direction == "up" else -whole
    change = _round(_dec(cur.value) - _dec(ind.baseline_value), ind.decimals)
    return ("green" if good > 0 else "red" if good < 0 else "yellow"), change


def gauge_ratio(ind: Indicator, first_value: float, first_period: Period, cur: Measurement) -> float | None:
    """Observed compound annual growth since the baseline / the rate required to reach the target.

    Signed so that a positive ratio is movement the good way (``d`` of the Open SDG formula, with
    the sign turned for negative series, whose magnitude shrinks when they rise). None when it
    cannot be computed: no target, a zero or sign-changing value, no time between the baseline and
    ``cur`` or the target, or a target equal to the baseline (docs/methods.md).
    """
    if ind.target_value is None or ind.target_period is None:
        return None
    values = (first_value, cur.value, ind.target_value)
    if any(v == 0 for v in values) or len({v > 0 for v in values}) > 1:
        return None
    observed_months = first_period.months_to(cur.period)
    required_months = first_period.months_to(ind.target_period)
    if observed_months <= 0 or required_months <= 0:
        return None
    observed = (cur.value / first_value) ** (12 / observed_months) - 1
    required = (ind.target_value / first_value) ** (12 / required_months) - 1
    if required == 0:
        return None
    good_sign = (1 if ind.direction == "up" else -1) * (1 if first_value > 0 else -1)
    return good_sign * observed / abs(required)


def _gauge(ind: Indicator, cur: Measurement, remaining: Decimal | None) -> tuple[Signal, float | None]:
    """(signal, ratio) of rule ``gauge``: ≥ 0.95 green, 0-0.95 yellow, < 0 red, target reached green.

    Once the target period has come without the target being reached, the colour is at best yellow.
    """
    if ind.baseline_value is None or ind.baseline_period is None:
        return "grey", None
    if remaining is not None and remaining <= 0:
        return "green", None
    ratio = gauge_ratio(ind, ind.baseline_value, ind.baseline_period, cur)
    if ratio is None:
        return "grey", None
    signal: Signal = "green" if ratio >= 0.95 else "yellow" if ratio >= 0 else "red"
    if signal == "green" and ind.target_period is not None and cur.period >= ind.target_period:
        signal = "yellow"
    return signal, ratio


def _compute(ind: Indicator, known: list[Measurement], significance: float, min_n: int | None) -> _Verdict:
    """Steps 3-5 on the figures known at an update, sorted by period (min_n: districts only)."""
    cur = known[-1]
    rule = ind.rule
    if min_n is not None and cur.n is not None and cur.n < min_n:
        return _Verdict("grey", cur=cur, rule=rule, suppressed=True)
    prev = known[-2] if len(known) >= 2 else None
    remaining, on_track = _target(ind, cur, prev)
    common = dict(cur=cur, remaining=_num(remaining), on_track=on_track, rule=rule)
    if rule == "national":
        signal, change = _national(ind, cur)
        return _Verdict(signal, ref_value=ind.baseline_value, ref_period=ind.baseline_period,
                        change=_num(change), **common)
    if rule == "gauge":
        signal, ratio = _gauge(ind, cur, remaining)
        if ind.baseline_value is None:
            return _Verdict(signal, **common)
        change = _round(_dec(cur.value) - _dec(ind.baseline_value), ind.decimals)
        return _Verdict(signal, ref_value=ind.baseline_value, ref_period=ind.baseline_period,
                        change=_num(change), gauge_ratio=ratio, **common)
    if rule == "baseline":
        if ind.baseline_value is None:
            return _Verdict("grey", **common)
        ref_value, ref_period, ref_se = ind.baseline_value, ind.baseline_period, None
    else:
        if prev is None:
            ref_value = ref_period = ref_se = None
        elif min_n is not None and prev.n is not None and prev.n < min_n:
            return _Verdict("grey", ref_suppressed=True, **common)
        else:
            ref_value, ref_period, ref_se = prev.value, prev.period, prev.se
    expected = _expected(ind, cur.period) if rule == "trajectory" else None
    expected_num = None if expected is None else _num(_round(expected, ind.decimals))
    if expected is not None:
        ahead = _round(_dec(cur.value), ind.decimals) - _round(expected, ind.decimals)
        if (ahead if ind.direction == "up" else -ahead) >= 0:
            change = None if ref_value is None else _round(_dec(cur.value) - _dec(ref_value), ind.decimals)
            return _Verdict("green", ref_value=ref_value, ref_period=ref_period, change=_num(change),
                            expected_value=expected_num, **common)
    if ref_value is None:
        return _Verdict("grey", expected_value=expected_num, **common)
    signal, change, significant, z, z_crit = _step4(ind, cur, ref_value, ref_se, significance)
    if expected is not None and signal == "green":
        signal = "yellow"
    return _Verdict(signal, ref_value=ref_value, ref_period=ref_period, change=_num(change),
                    significant=significant, z=z, z_crit=z_crit, expected_value=expected_num, **common)


@dataclass(frozen=True)
class _State:
    """One series at one update: the fresh verdict behind the colour and the colour itself."""

    verdict: _Verdict | None  # None: no figures known
    signal: Signal
    carried_over: bool = False
    carried_from: str | None = None
    override: Override | None = None
    computed_signal: Signal | None = None  # before the override


def _series_history(barometer: Barometer, ind: Indicator, rows: Iterable[Measurement], *,
                    min_n: int | None = None, overrides: dict[str, Override] | None = None) -> list[_State]:
    """The series' state at every update, oldest first (carry-over needs the whole past)."""
    order = {u.id: pos for pos, u in enumerate(barometer.updates)}
    rows = sorted((m for m in rows if m.update in order), key=lambda m: (m.period, order[m.update]))
    states: list[_State] = []
    for pos, u in enumerate(barometer.updates):
        known = [m for m in rows if order[m.update] <= pos]
        if not known:
            state = _State(None, "grey")
        elif not any(m.update == u.id for m in known):
            prev, prev_id = states[-1], barometer.updates[pos - 1].id
            fresh_at_prev = not prev.carried_over or prev.override is not None
            state = _State(prev.verdict, prev.signal, True, prev_id if fresh_at_prev else prev.carried_from)
        else:
            verdict = _compute(ind, known, barometer.config.significance, min_n)
            state = _State(verdict, verdict.signal)
        override = (overrides or {}).get(u.id)
        if override is not None:
            state = replace(state, signal=override.signal, override=override, computed_signal=state.signal)
        states.append(state)
    return states


def _indicator_result(ind: Indicator, state: _State, districts: tuple[DistrictResult, ...]) -> IndicatorResult:
    v = state.verdict or _Verdict("grey", rule=ind.rule)
    return IndicatorResult(
        indicator=ind.id, signal=state.signal, carried_over=state.carried_over,
        overridden=state.override is not None,
        value=None if v.cur is None else v.cur.value, period=None if v.cur is None else v.cur.period,
        reference_value=v.ref_value, reference_period=v.ref_period, change=v.change,
        significant=v.significant, target_value=ind.target_value, target_period=ind.target_period,
        remaining=v.remaining, on_track=v.on_track, districts=districts, rule=ind.rule,
        tolerance=ind.tolerance, z=v.z, z_crit=v.z_crit, expected_value=v.expected_value,
        carried_from=state.carried_from,
        override_reason=None if state.override is None else state.override.reason,
        computed_signal=state.computed_signal, gauge_ratio=v.gauge_ratio,
        n=None if v.cur is None else v.cur.n, se=None if v.cur is None else v.cur.se,
    )


def _district_result(district: str, state: _State) -> DistrictResult:
    v = state.verdict
    if v is None:
        return DistrictResult(district, "grey", None, None, False)
    suppressed = v.suppressed
    return DistrictResult(
        district=district, signal=state.signal,
        value=None if suppressed else v.cur.value, change=None if suppressed else v.change,
        suppressed=suppressed, period=v.cur.period,
        reference_value=None if suppressed else v.ref_value, reference_period=v.ref_period,
        n=v.cur.n, carried_over=state.carried_over, carried_from=state.carried_from,
        reference_suppressed=v.ref_suppressed,
    )


def assess(barometer: Barometer, update_id: str | None = None) -> Assessment:
    """Apply the signal rules at ``update_id`` (default: the latest update); KeyError if unknown."""
    ids = [u.id for u in barometer.updates]
    pos = len(ids) - 1 if update_id is None else ids.index(update_id) if update_id in ids else -1
    if pos < 0:
        raise KeyError(update_id)
    return _assess_all(barometer, upto=pos)[pos]


def assess_history(barometer: Barometer) -> tuple[Assessment, ...]:
    """One Assessment per update, oldest first (Bilag 3's colour history, the site archive)."""
    return _assess_all(barometer, upto=len(barometer.updates) - 1)


def _overrides_of(barometer: Barometer, target: str) -> dict[str, Override]:
    return {o.update: o for o in barometer.overrides if o.target == target}


def aggregate(signals: Iterable[Signal], how: str) -> Signal:
    """An area's colour from its main indicators' colours; grey ignored, all grey -> grey.

    ``worst``: red before yellow before green. ``majority``: the most frequent, a tie going to the worse.
    """
    coloured = [s for s in signals if s != "grey"]
    if not coloured:
        return "grey"
    if how == "majority":
        return min(set(coloured), key=lambda s: (-coloured.count(s), _WORSE[s]))
    return min(coloured, key=lambda s: _WORSE[s])


def _assess_all(barometer: Barometer, *, upto: int) -> tuple[Assessment, ...]:
    updates = barometer.updates[: upto + 1]
    b = replace(barometer, updates=updates)
    min_n = barometer.config.min_n
    district_order = [d.id for d in barometer.districts]
    per_indicator: dict[str, list[IndicatorResult]] = {}
    for ind in barometer.indicators:
        rows = [m for m in barometer.measurements if m.indicator == ind.id]
        states = _series_history(b, ind, (m for m in rows if m.district is None),
                                 overrides=_overrides_of(barometer, ind.id))
        present = {m.district for m in rows if m.district is not None}
        ids = [d for d in district_order if d in present] + sorted(present - set(district_order))
        district_states = {d: _series_history(b, ind, (m for m in rows if m.district == d), min_n=min_n)
                           for d in ids}
        per_indicator[ind.id] = [
            _indicator_result(ind, state, tuple(
                _district_result(d, district_states[d][pos]) for d in ids
                if district_states[d][pos].verdict is not None))
            for pos, state in enumerate(states)
        ]
    published = {(m.indicator, m.update) for m in barometer.measurements if m.district is None}
    per_area: dict[str, list[AreaResult]] = {}
    for area in barometer.areas:
        how = area.aggregation or barometer.config.aggregation
        mains = [i.id for i in barometer.indicators if i.area == area.id and i.main]
        overrides = _overrides_of(barometer, area.id)
        results: list[AreaResult] = []
        for pos, u in enumerate(updates):
            if any((i, u.id) in published for i in mains):
                pairs = tuple((i, per_indicator[i][pos].signal) for i in mains)
                result = AreaResult(area.id, aggregate((s for _, s in pairs), how), False, False,
                                    main_signals=pairs, aggregation=how)
            elif results:
                prev, prev_id = results[-1], updates[pos - 1].id
                fresh_at_prev = not prev.carried_over or prev.overridden
                result = replace(prev, carried_over=True, overridden=False, override_reason=None,
                                 computed_signal=None,
                                 carried_from=prev_id if fresh_at_prev else prev.carried_from)
            else:  # the first update and nothing published: nothing to carry
                result = AreaResult(area.id, "grey", False, False, aggregation=how)
            override = overrides.get(u.id)
            if override is not None:
                result = replace(result, signal=override.signal, overridden=True,
                                 override_reason=override.reason, computed_signal=result.signal)
            results.append(result)
        per_area[area.id] = results
    return tuple(
        Assessment(
            update=u.id,
            previous_update=updates[pos - 1].id if pos > 0 else None,
            areas=tuple(per_area[a.id][pos] for a in barometer.areas),
            indicators=tuple(per_indicator[i.id][pos] for i in barometer.indicators),
            at=u,
            previous_at=updates[pos - 1] if pos > 0 else None,
        )
        for pos, u in enumerate(updates)
    )
