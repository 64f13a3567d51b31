"""Lifetime facts for Bilag 3 on a hand-made barometer whose every figure is worked out below."""
from __future__ import annotations

import dataclasses

import pytest

from reportgen.inputs.model import Committee, Period
from reportgen.signals.assess import assess_history
from reportgen.signals.history import lifetime_facts, months_between
from tests.barometer_builders import barometer, indicator, m

UPDATES = ("2008-06", "2008-12", "2009-06", "2009-12")


def _barometer():
    """Two areas, four updates (dated the 1st of their month).

    A1 (main of A, BIU, local, up, target 52 in dec. 2010): 50 -> 51 -> 50,5 -> 51,5, fresh every time:
        area A grey (one figure), green, red, green.
    A2 (A, BUU, local, down, target 17 in dec. 2010): 20 in 2008-06, nothing in 2008-12 and 2009-06
        (carried twice from 2008-06), 21 in 2009-12: red, 4 left, pace the wrong way -> a target miss.
    B1 (main of B, BUU, national, down, target 0,45 in 2010): 0,50 (2007) in 2008-06, 0,40 (2008) in
        2009-06: area B grey, grey carried, green, green carried; the target is reached.
    B2 (B, BUU, national, down): 12 (2005) and 10 (2006) in 2008-06, never again: green, carried three
        times in a row up to now from 2008-06.
    A1 is on track: 1,0 in 6 months against 0,5 still needed in 15 months.
    """
    b = barometer(
        [
            indicator("A1", "A", target_value=52.0, target_period="2010-12", source_type="local"),
            indicator("A2", "A", main=False, direction="down", committee="BUU", target_value=17.0,
                      target_period="2010-12", source_type="local"),
            indicator("B1", "B", unit="value", direction="down", decimals=2, committee="BUU",
                      target_value=0.45, target_period="2010", source_type="national"),
            indicator("B2", "B", main=False, unit="count", direction="down", decimals=0, committee="BUU",
                      source_type="national"),
        ],
        [
            m("A1", "2008-03", 50.0, "2008-06"), m("A1", "2008-09", 51.0, "2008-12"),
            m("A1", "2009-03", 50.5, "2009-06"), m("A1", "2009-09", 51.5, "2009-12"),
            m("A2", "2008-05", 20.0, "2008-06"), m("A2", "2009-08", 21.0, "2009-12"),
            m("A2", "2009-08", 25.0, "2009-12", district="1", n=50),
            m("B1", "2007", 0.50, "2008-06"), m("B1", "2008", 0.40, "2009-06"),
            m("B2", "2005", 12, "2008-06"), m("B2", "2006", 10, "2008-06"),
        ],
        updates=UPDATES,
        districts=("1",),
    )
    return dataclasses.replace(b, committees=(
        Committee("BIU", "Beskæftigelses- og Integrationsudvalget"),
        Committee("BUU", "Børne- og Ungdomsudvalget"),
        Committee("SOU", "Socialudvalget"),  # no indicators: not counted
    ))


@pytest.fixture(scope="module")
def case():
    b = _barometer()
    return b, assess_history(b)


def test_lifetime_counts(case):
    b, history = case
    facts = lifetime_facts(b, history, "2009-12")
    assert (facts.first_update, facts.update, facts.updates) == ("2008-06", "2009-12", 4)
    assert facts.months == 18
    assert (facts.areas, facts.indicators, facts.main_indicators, facts.district_indicators) == (2, 4, 2, 0)
    assert (facts.figures, facts.district_figures) == (10, 1)


def test_area_history_grid(case):
    b, history = case
    facts = lifetime_facts(b, history, "2009-12")
    a, bb = facts.history
    assert [(c.update, c.signal, c.carried_over) for c in a.cells] == [
        ("2008-06", "grey", False), ("2008-12", "green", False), ("2009-06", "red", False),
        ("2009-12", "green", False)]
    assert [(c.signal, c.carried_over) for c in bb.cells] == [
        ("grey", False), ("grey", True), ("green", False), ("green", True)]
    assert a.red_updates == ("2009-06",) and bb.red_updates == ()
    assert a.first_assessed.update == "2008-12" and bb.first_assessed.update == "2009-06"
    assert a.trend == "same" and bb.trend == "same"
    assert facts.carried_cells == 2


def test_carried_streaks(case):
    b, history = case
    facts = lifetime_facts(b, history, "2009-12")
    got = {c.indicator: (c.rounds, c.first_carried, c.last_carried, c.carried_from, c.ongoing)
           for c in facts.carried}
    # B1 is carried twice but never two rounds in a row; A1 never.
    assert got == {
        "A2": (2, "2008-12", "2009-06", "2008-06", False),
        "B2": (3, "2008-12", "2009-12", "2008-06", True),
    }


def test_facts_at_an_earlier_update_ignore_later_assessments(case):
    b, history = case
    facts = lifetime_facts(b, history, "2009-06")
    assert facts.updates == 3 and facts.months == 12
    got = {c.indicator: (c.rounds, c.ongoing) for c in facts.carried}
    assert got == {"A2": (2, True), "B2": (2, True)}
    assert facts.figures == 8  # the two 2009-12 figures and the district figure are not yet published
    assert facts.history[0].current.signal == "red"


def test_target_misses_and_counts(case):
    b, history = case
    facts = lifetime_facts(b, history, "2009-12")
    assert [(t.indicator, t.value, t.remaining, t.target_value, str(t.target_period))
            for t in facts.target_misses] == [("A2", 21.0, 4.0, 17.0, "2010-12")]
    t = facts.targets
    assert (t.with_target, t.reached, t.on_track, t.off_track, t.unknown) == (3, 1, 1, 1, 0)


def test_target_without_previous_figure_is_unknown_not_a_miss():
    b = barometer([indicator("A1", target_value=60.0, target_period="2010-12")],
                  [m("A1", "2008-03", 50.0, "2008-06")], updates=("2008-06",))
    facts = lifetime_facts(b, assess_history(b), "2008-06")
    assert facts.target_misses == ()
    assert (facts.targets.with_target, facts.targets.unknown) == (1, 1)


def test_data_age_split_local_national(case):
    b, history = case
    facts = lifetime_facts(b, history, "2009-12")
    # months from the figure's month (a year = its December) to December 2009
    assert {a.indicator: a.months for a in facts.data_age} == {"A1": 3, "A2": 4, "B1": 12, "B2": 36}
    local, national = facts.age("local"), facts.age("national")
    assert (local.indicators, local.median, local.youngest, local.oldest) == (2, 3.5, 3, 4)
    assert (national.indicators, national.median, national.youngest, national.oldest) == (2, 24.0, 12, 36)
    assert facts.median_age_local == 3.5 and facts.median_age_national == 24.0


def test_data_age_without_figures():
    b = barometer([indicator("A1"), indicator("A2", source_type="national")],
                  [m("A1", "2008-01", 50.0, "2008-06")], updates=("2008-06",))
    facts = lifetime_facts(b, assess_history(b), "2008-06")
    assert [a.months for a in facts.data_age] == [5, None]
    national = facts.age("national")
    assert (national.indicators, national.with_figures, national.median) == (1, 0, None)


def test_committee_counts(case):
    b, history = case
    facts = lifetime_facts(b, history, "2009-12")
    assert [(c.committee, c.indicators, c.red, c.main) for c in facts.committees] == [
        ("BIU", 1, 0, 1), ("BUU", 3, 1, 1)]
    earlier = lifetime_facts(b, history, "2009-06")
    assert [(c.committee, c.red) for c in earlier.committees] == [("BIU", 1), ("BUU", 0)]


def test_missing_assessment_is_an_error(case):
    b, history = case
    with pytest.raises(ValueError, match="2008-12"):
        lifetime_facts(b, (history[0], history[2], history[3]), "2009-12")


def test_months_between():
    assert months_between(Period.parse("2009-08"), Period.parse("2010-12")) == 16
    assert months_between(Period.parse("2008"), Period.parse("2009-12")) == 12
