"""The signal rules of data-format.md on hand-computed fixtures, one rule or edge per test."""
from __future__ import annotations

import math

import pytest

from reportgen.signals.assess import aggregate, assess, assess_history, z_critical
from tests.barometer_builders import barometer, employment_seed, indicator, m, override
from tests.conftest import DEMO

U1, U2, U3 = "2008-06", "2008-12", "2009-06"


def result(b, update=None, ind="A1"):
    return assess(b, update).indicator(ind)


# --- indicators: the basics ------------------------------------------------------------------

def test_no_figures_is_grey_and_not_carried():
    b = barometer([indicator()], [m("A1", "2008-09", 50.0, U2)])
    r = result(b, U1)
    assert (r.signal, r.carried_over, r.value, r.change) == ("grey", False, None, None)


def test_first_figure_is_grey_with_its_value():
    b = barometer([indicator()], [m("A1", "2008-03", 50.0, U1)])
    r = result(b, U1)
    assert (r.signal, r.value, r.reference_value, r.change) == ("grey", 50.0, None, None)


def test_previous_rule_compares_with_the_latest_earlier_period():
    b = barometer([indicator()], [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 51.0, U2),
                                  m("A1", "2009-03", 50.5, U3)])
    r = result(b, U3)
    assert (r.signal, r.change, r.reference_value, str(r.reference_period)) == ("red", -0.5, 51.0, "2008-09")
    assert result(b, U2).signal == "green"


def test_lower_is_better():
    rows = [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 49.0, U2)]
    assert result(barometer([indicator(direction="down")], rows), U2).signal == "green"
    assert result(barometer([indicator(direction="up")], rows), U2).signal == "red"


@pytest.mark.parametrize(("new", "signal"), [(50.8, "yellow"), (49.8, "yellow"), (50.9, "green"), (49.7, "red")])
def test_tolerance_boundary_exactly_equal_is_yellow(new, signal):
    # 50.8 - 50.3 is 0.49999999999999716 in binary; the rule must see 0.5.
    b = barometer([indicator(tolerance=0.5)], [m("A1", "2008-03", 50.3, U1), m("A1", "2008-09", new, U2)])
    assert result(b, U2).signal == signal


def test_change_is_rounded_half_away_before_comparing():
    b = barometer([indicator(decimals=2, unit="value")], [m("A1", "2007", 0.0, U1), m("A1", "2008", 0.785, U2)])
    assert result(b, U2).change == 0.79
    b = barometer([indicator(decimals=1)], [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 50.04, U2)])
    assert (result(b, U2).change, result(b, U2).signal) == (0.0, "yellow")
    b = barometer([indicator(decimals=1)], [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 50.05, U2)])
    assert (result(b, U2).change, result(b, U2).signal) == (0.1, "green")


# --- z-test ------------------------------------------------------------------------------------

SE = math.sqrt(0.5)  # two such standard errors combine to exactly 1, so z = cur - ref


def _z_barometer(new: float, significance: float = 0.05):
    return barometer([indicator(decimals=3)], [m("A1", "2008-03", 50.0, U1, se=SE),
                                               m("A1", "2008-09", new, U2, se=SE)],
                     significance=significance)


def test_z_critical_comes_from_the_normal_distribution():
    assert z_critical(0.05) == pytest.approx(1.959964, abs=1e-6)
    assert z_critical(0.10) == pytest.approx(1.644854, abs=1e-6)


def test_z_just_below_the_critical_value_is_yellow_not_significant():
    r = result(_z_barometer(51.959), U2)
    assert (r.signal, r.significant) == ("yellow", False)
    assert r.z == pytest.approx(1.959) and r.z_crit == pytest.approx(1.959964, abs=1e-6)


def test_z_just_above_the_critical_value_is_significant():
    r = result(_z_barometer(51.960), U2)
    assert (r.signal, r.significant) == ("green", True)


def test_significance_level_changes_the_verdict():
    assert result(_z_barometer(51.7, 0.05), U2).signal == "yellow"
    assert result(_z_barometer(51.7, 0.10), U2).signal == "green"


def test_without_both_standard_errors_significance_is_unknown():
    b = barometer([indicator()], [m("A1", "2008-03", 50.0, U1, se=0.5), m("A1", "2008-09", 50.1, U2)])
    r = result(b, U2)
    assert (r.significant, r.z, r.signal) == (None, None, "green")


def test_significant_change_within_tolerance_is_yellow():
    b = barometer([indicator(tolerance=3.0)], [m("A1", "2008-03", 50.0, U1, se=SE),
                                                m("A1", "2008-09", 52.5, U2, se=SE)])
    r = result(b, U2)
    assert (r.significant, r.signal) == (True, "yellow")


# --- carry-over --------------------------------------------------------------------------------

def test_carry_over_through_two_and_three_rounds_keeps_carried_from():
    b = barometer([indicator()], [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 49.0, U2)],
                  updates=(U1, U2, U3, "2009-12", "2010-06"))
    history = assess_history(b)
    a1 = [h.indicator("A1") for h in history]
    assert [r.signal for r in a1] == ["grey", "red", "red", "red", "red"]
    assert [r.carried_over for r in a1] == [False, False, True, True, True]
    assert [r.carried_from for r in a1] == [None, None, U2, U2, U2]
    assert a1[4].value == 49.0 and a1[4].change == -1.0  # the figures behind the carried colour
    areas = [h.area("A") for h in history]
    assert [(x.signal, x.carried_over, x.carried_from) for x in areas[2:]] == [("red", True, U2)] * 3


def test_new_figures_end_carry_over():
    b = barometer([indicator()], [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 49.0, U1),
                                  m("A1", "2009-03", 52.0, U3)])
    assert [(r.signal, r.carried_over) for r in (result(b, u) for u in (U1, U2, U3))] == [
        ("red", False), ("red", True), ("green", False)]


def test_an_indicator_added_midway_is_grey_before():
    b = barometer([indicator("A1"), indicator("A2")],
                  [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 51.0, U2),
                   m("A2", "2008-09", 10.0, U2), m("A2", "2009-03", 11.0, U3)])
    assert (result(b, U1, "A2").signal, result(b, U1, "A2").carried_over) == ("grey", False)
    assert result(b, U2, "A2").signal == "grey"  # first figure
    assert result(b, U3, "A2").signal == "green"
    assert assess(b, U2).area("A").signal == "green"  # grey A2 ignored


def test_a_late_figure_for_an_old_period_counts_as_published_in_its_update():
    # National data arrive late: the 2007 figure is published in U3, after the 2008 figure.
    b = barometer([indicator()], [m("A1", "2008", 50.0, U1), m("A1", "2007", 48.0, U3)])
    r = result(b, U3)
    assert (r.carried_over, str(r.period), r.reference_value, r.signal) == (False, "2008", 48.0, "green")


# --- overrides -----------------------------------------------------------------------------------

def test_override_of_an_indicator_keeps_the_computed_signal_and_reason():
    b = barometer([indicator()], [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 49.0, U2)],
                  overrides=(override(U2, "A1", "yellow", "Faldet skyldes en ny opgørelsesmetode."),))
    r = result(b, U2)
    assert (r.signal, r.overridden, r.computed_signal) == ("yellow", True, "red")
    assert r.override_reason == "Faldet skyldes en ny opgørelsesmetode."
    assert assess(b, U2).area("A").signal == "yellow"  # the area sees the overridden colour
    carried = result(b, U3)  # the overridden colour is the one carried on
    assert (carried.signal, carried.carried_over, carried.overridden, carried.carried_from) == (
        "yellow", True, False, U2)


def test_override_of_a_carried_area():
    b = barometer([indicator()], [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 49.0, U2)],
                  overrides=(override(U3, "A", "green", "Nye lokale tal viser fremgang."),))
    area = assess(b, U3).area("A")
    assert (area.signal, area.carried_over, area.overridden, area.computed_signal) == (
        "green", True, True, "red")
    assert area.override_reason == "Nye lokale tal viser fremgang."


# --- areas ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("signals", "how", "expected"), [
    (("green", "red", "yellow"), "worst", "red"),
    (("green", "yellow", "grey"), "worst", "yellow"),
    (("grey", "grey"), "worst", "grey"),
    ((), "majority", "grey"),
    (("green", "red"), "majority", "red"),
    (("green", "yellow"), "majority", "yellow"),
    (("green", "green", "red"), "majority", "green"),
    (("green", "yellow", "red"), "majority", "red"),
    (("green", "green", "red", "red", "grey", "grey", "grey"), "majority", "red"),
])
def test_aggregation(signals, how, expected):
    assert aggregate(signals, how) == expected


def test_area_majority_from_indicators_and_per_area_aggregation():
    inds = [indicator("A1"), indicator("A2"), indicator("A3", main=False)]
    rows = [m(i, "2008-03", 50.0, U1) for i in ("A1", "A2", "A3")] + [
        m("A1", "2008-09", 51.0, U2), m("A2", "2008-09", 49.0, U2), m("A3", "2008-09", 55.0, U2)]
    assert assess(barometer(inds, rows, aggregation="majority"), U2).area("A").signal == "red"
    b = barometer(inds, rows, aggregation="worst", area_aggregation={"A": "majority"})
    area = assess(b, U2).area("A")
    assert (area.signal, area.aggregation, area.main_signals) == ("red", "majority", (("A1", "green"), ("A2", "red")))


def test_area_with_only_a_non_main_figure_is_carried_over():
    inds = [indicator("A1"), indicator("A2", main=False)]
    rows = [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 51.0, U2), m("A2", "2009-03", 5.0, U3)]
    area = assess(barometer(inds, rows), U3).area("A")
    assert (area.signal, area.carried_over, area.carried_from) == ("green", True, U2)


def test_area_uses_a_carried_main_indicator_when_another_main_is_new():
    inds = [indicator("A1"), indicator("A2")]
    rows = [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 49.0, U2),
            m("A2", "2008-09", 10.0, U2), m("A2", "2009-03", 11.0, U3)]
    area = assess(barometer(inds, rows), U3).area("A")
    assert (area.signal, area.carried_over) == ("red", False)


# --- baseline and trajectory -----------------------------------------------------------------------

def test_baseline_rule_compares_with_the_baseline():
    ind = indicator(rule="baseline", baseline_value=45.0, baseline_period="2006-12")
    b = barometer([ind], [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 47.0, U2)])
    r = result(b, U2)
    assert (r.signal, r.change, r.reference_value, str(r.reference_period)) == ("green", 2.0, 45.0, "2006-12")
    assert result(b, U1).signal == "green"  # the first figure already has a reference


# baseline 50.0 in 2008-01, target 62.0 in 2010-01: the line rises 0.5 a month, 56.0 in 2009-01.
TRAJ = dict(rule="trajectory", baseline_value=50.0, baseline_period="2008-01", target_value=62.0,
            target_period="2010-01")


@pytest.mark.parametrize(("prev", "cur", "signal"), [
    (54.0, 56.0, "green"),    # on the line
    (57.0, 56.5, "green"),    # ahead of the line though falling
    (54.0, 55.9, "yellow"),   # behind but improving: never green
    (56.0, 55.0, "red"),      # behind and falling
    (55.0, 55.0, "yellow"),   # behind and unchanged
])
def test_trajectory_rule(prev, cur, signal):
    b = barometer([indicator(**TRAJ)], [m("A1", "2008-07", prev, U1), m("A1", "2009-01", cur, U2)])
    r = result(b, U2)
    assert (r.signal, r.expected_value) == (signal, 56.0)


def test_trajectory_lower_is_better():
    ind = indicator(**{**TRAJ, "direction": "down", "baseline_value": 62.0, "target_value": 50.0})
    b = barometer([ind], [m("A1", "2008-07", 60.0, U1), m("A1", "2009-01", 56.0, U2)])
    assert result(b, U2).signal == "green"
    b = barometer([ind], [m("A1", "2008-07", 60.0, U1), m("A1", "2009-01", 57.0, U2)])
    assert result(b, U2).signal == "yellow"


# --- target distance ----------------------------------------------------------------------------------

def test_remaining_and_on_track_of_the_seed():
    r = result(employment_seed(), "2009-12", "B1")
    assert (r.change, r.remaining, r.on_track, r.signal) == (-3.0, 5.5, False, "red")


@pytest.mark.parametrize(("cur", "remaining", "on_track"), [
    # prev 50.0 in 2009-01, cur in 2009-07, target 60.0 in 2010-07: 12 months left.
    (55.0, 5.0, True),    # 5.0 in 6 months vs 5.0 in 12 months needed
    (53.0, 7.0, False),   # 3.0/6 = 0.5 a month, needs 7/12
    (54.0, 6.0, True),    # 4.0/6 vs 6/12: exactly ... 0.667 >= 0.5
    (60.0, 0.0, True),    # reached
    (61.0, -1.0, True),   # passed
])
def test_remaining_and_on_track(cur, remaining, on_track):
    ind = indicator(target_value=60.0, target_period="2010-07")
    b = barometer([ind], [m("A1", "2009-01", 50.0, U1), m("A1", "2009-07", cur, U2)])
    r = result(b, U2)
    assert (r.remaining, r.on_track) == (remaining, on_track)


def test_on_track_at_exactly_the_needed_pace():
    ind = indicator(target_value=56.0, target_period="2010-07")  # 3.0 in 6 months; 6.0 in 12 needed
    b = barometer([ind], [m("A1", "2009-01", 47.0, U1), m("A1", "2009-07", 50.0, U2)])
    assert result(b, U2).on_track is True


def test_on_track_lower_is_better_with_years():
    ind = indicator(unit="value", decimals=2, direction="down", target_value=0.24, target_period="2010")
    b = barometer([ind], [m("A1", "2008", 0.71, U1), m("A1", "2009", 0.78, U2)])
    r = result(b, U2)
    assert (r.remaining, r.on_track, r.signal) == (0.54, False, "red")


def test_no_target_or_no_previous_figure_gives_null():
    b = barometer([indicator()], [m("A1", "2009-01", 50.0, U1), m("A1", "2009-07", 51.0, U2)])
    assert (result(b, U2).remaining, result(b, U2).on_track) == (None, None)
    ind = indicator(target_value=60.0, target_period="2010-07")
    b = barometer([ind], [m("A1", "2009-01", 50.0, U1)])
    assert (result(b, U1).remaining, result(b, U1).on_track) == (10.0, None)


# --- districts ----------------------------------------------------------------------------------------

def test_district_signals_and_suppression_by_n():
    ind = indicator(districts=True)
    rows = [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 51.0, U2)]
    for d, (n1, v1), (n2, v2) in (("1", (30, 40.0), (30, 41.0)), ("2", (30, 40.0), (19, 39.0)),
                                  ("3", (10, 40.0), (20, 42.0)), ("4", (20, 40.0), (20, 39.0))):
        rows += [m("A1", "2008-03", v1, U1, n=n1, district=d), m("A1", "2008-09", v2, U2, n=n2, district=d)]
    b = barometer([ind], rows, districts=("4", "3", "2", "1", "5"), min_n=20)
    ds = {d.district: d for d in result(b, U2).districts}
    assert [d.district for d in result(b, U2).districts] == ["4", "3", "2", "1"]  # districts.csv order
    assert (ds["1"].signal, ds["1"].value, ds["1"].change, ds["1"].suppressed) == ("green", 41.0, 1.0, False)
    assert (ds["2"].signal, ds["2"].value, ds["2"].change, ds["2"].suppressed) == ("grey", None, None, True)
    # the current figure is fine but the reference was suppressed: no change can be shown
    assert (ds["3"].signal, ds["3"].value, ds["3"].change, ds["3"].suppressed) == ("grey", 42.0, None, False)
    assert ds["3"].reference_suppressed
    assert (ds["4"].signal, ds["4"].suppressed) == ("red", False)  # n == min_n is enough


def test_indicator_with_only_district_figures_is_grey_for_the_municipality():
    ind = indicator(districts=True)
    rows = [m("A1", "2008-03", 40.0, U1, district="1"), m("A1", "2008-09", 41.0, U2, district="1")]
    b = barometer([ind], rows, districts=("1",))
    r = result(b, U2)
    assert (r.signal, r.value, r.carried_over) == ("grey", None, False)
    assert [(d.district, d.signal) for d in r.districts] == [("1", "green")]
    assert assess(b, U2).area("A").signal == "grey"


def test_districts_carry_over_and_appear_only_once_known():
    ind = indicator(districts=True)
    rows = [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 51.0, U2),
            m("A1", "2008-03", 40.0, U2, district="1"), m("A1", "2008-09", 39.0, U2, district="1")]
    b = barometer([ind], rows, districts=("1",))
    assert result(b, U1).districts == ()
    carried = result(b, U3).districts[0]
    assert (carried.signal, carried.carried_over, carried.carried_from) == ("red", True, U2)


# --- national and gauge (extension rules) -------------------------------------------------------------

def test_national_rule_compares_whole_units_with_the_baseline():
    ind = indicator(rule="national", baseline_value=44.6, baseline_period="2006")
    for value, signal in ((45.4, "yellow"), (45.5, "green"), (44.4, "red")):
        b = barometer([ind], [m("A1", "2008", value, U1)])
        assert result(b, U1).signal == signal, value


@pytest.mark.parametrize(("cur", "signal"), [(55.0, "green"), (52.0, "yellow"), (49.0, "red"), (61.0, "green")])
def test_gauge_rule(cur, signal):
    # baseline 50 in 2008-01, target 60 in 2010-01: required rate (60/50)^(1/2)-1 = 9.5 % a year;
    # 55 after one year is 10 %, ratio 1.05.
    ind = indicator(rule="gauge", baseline_value=50.0, baseline_period="2008-01", target_value=60.0,
                    target_period="2010-01")
    b = barometer([ind], [m("A1", "2009-01", cur, U1)])
    assert result(b, U1).signal == signal


def test_gauge_rule_grey_on_sign_change():
    ind = indicator(rule="gauge", unit="value", baseline_value=-1.0, baseline_period="2008-01",
                    target_value=2.0, target_period="2010-01")
    b = barometer([ind], [m("A1", "2009-01", 1.0, U1)])
    assert result(b, U1).signal == "grey"


# --- api ----------------------------------------------------------------------------------------------

def test_default_update_is_the_latest_and_unknown_raises():
    b = employment_seed()
    assert assess(b).update == "2009-12" and assess(b).previous_update == "2009-05"
    assert assess(b, "2008-12").previous_update is None
    with pytest.raises(KeyError):
        assess(b, "2010-05")


def test_history_matches_single_assessments():
    b = employment_seed()
    assert assess_history(b) == tuple(assess(b, u.id) for u in b.updates)


def test_demo_december_2009_reproduces_the_committee_case():
    from reportgen.inputs import read_barometer

    b = read_barometer(DEMO)
    a = assess(b, "2009-12")
    names = {x.id: x.name for x in b.areas}
    got = {names[x.area]: (x.signal, x.carried_over, x.carried_from) for x in a.areas}
    assert got == {
        "Beskæftigelse": ("red", False, None), "Uddannelse": ("yellow", False, None),
        "Bolig": ("green", False, None), "Kultur og fritid": ("yellow", True, "2009-05"),
        "Sundhed": ("yellow", True, "2009-05"), "Tryghed": ("green", True, "2009-05"),
    }
    employment = next(i for i in b.indicators if i.name.startswith("Andel beskæftigede indvandrere"))
    r = a.indicator(employment.id)
    assert (r.change, r.remaining, r.on_track) == (-3.0, 5.5, False)
    education = next(x for x in a.areas if names[x.area] == "Uddannelse")
    (main_id, _), = education.main_signals
    assert a.indicator(main_id).significant is False
