"""Properties of the signal rules over generated barometers (hypothesis)."""
from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.signals.assess import assess_history
from tests.barometer_builders import barometer, indicator, m, override

UPDATES = ("2008-06", "2008-12", "2009-06", "2009-12", "2010-06")
PERIODS = ("2008-01", "2008-04", "2008-07", "2008-10", "2009-01", "2009-04", "2009-07", "2009-10")


@st.composite
def barometers(draw, *, rules=("previous", "baseline", "trajectory"), with_overrides=True):
    """1-3 areas, 1-4 indicators, figures on a period grid published in random (valid) updates."""
    n_ind = draw(st.integers(1, 4))
    inds, rows = [], []
    for k in range(n_ind):
        rule = draw(st.sampled_from(rules))
        extra = {}
        if rule in ("baseline", "trajectory"):
            extra = dict(baseline_value=draw(st.floats(40, 60)), baseline_period="2007-12",
                         target_value=draw(st.floats(40, 60)), target_period="2010-12")
        inds.append(indicator(
            f"I{k}", draw(st.sampled_from("ABC")), main=draw(st.booleans()), rule=rule,
            direction=draw(st.sampled_from(("up", "down"))), decimals=draw(st.integers(0, 2)),
            tolerance=draw(st.sampled_from((0.0, 0.5))), districts=True, **extra))
        periods = draw(st.lists(st.sampled_from(PERIODS), unique=True, max_size=6))
        has_se = draw(st.booleans())
        for district in (None, "1"):
            for p in periods:
                first = next(i for i, u in enumerate(UPDATES) if u >= p)  # never before the period
                rows.append(m(f"I{k}", p, draw(st.floats(0, 100).map(lambda x: round(x, 2))),
                              UPDATES[draw(st.integers(first, len(UPDATES) - 1))],
                              se=draw(st.floats(0.1, 3)) if has_se else None,
                              n=draw(st.integers(5, 50)) if district else None, district=district))
    overrides = ()
    if with_overrides and draw(st.booleans()):
        overrides = (override(draw(st.sampled_from(UPDATES)),
                              draw(st.sampled_from([i.id for i in inds] + ["A", "B", "C"])),
                              draw(st.sampled_from(("green", "yellow", "red")))),)
    areas = tuple((a, f"Område {a}") for a in "ABC")
    return barometer(inds, rows, updates=UPDATES, areas=areas, districts=("1",), overrides=overrides,
                     aggregation=draw(st.sampled_from(("worst", "majority"))))


MIRROR = {"green": "red", "red": "green", "yellow": "yellow", "grey": "grey"}


@settings(max_examples=150, deadline=None)
@given(barometers(rules=("previous", "baseline"), with_overrides=False))
def test_swapping_direction_mirrors_green_and_red(b):
    flipped = replace(b, indicators=tuple(
        replace(i, direction="down" if i.direction == "up" else "up") for i in b.indicators))
    for before, after in zip(assess_history(b), assess_history(flipped), strict=True):
        for r, s in zip(before.indicators, after.indicators, strict=True):
            assert s.signal == MIRROR[r.signal]
            assert [d.signal for d in s.districts] == [MIRROR[d.signal] for d in r.districts]
        # Areas do not mirror: worst and majority ties both lean toward red, whichever way is good.


@settings(max_examples=150, deadline=None)
@given(barometers())
def test_a_carried_signal_equals_the_previous_updates_signal(b):
    history = assess_history(b)
    for prev, cur in zip(history, history[1:], strict=False):
        for r in cur.indicators:
            if r.carried_over and not r.overridden:
                assert r.signal == prev.indicator(r.indicator).signal
                assert r.carried_from is not None
        for a in cur.areas:
            if a.carried_over and not a.overridden:
                assert a.signal == prev.area(a.area).signal


@settings(max_examples=100, deadline=None)
@given(barometers(), st.randoms(use_true_random=False))
def test_output_does_not_depend_on_row_order(b, rnd):
    rows = list(b.measurements)
    rnd.shuffle(rows)
    assert assess_history(replace(b, measurements=tuple(rows))) == assess_history(b)
