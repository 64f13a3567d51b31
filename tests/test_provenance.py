"""Provenance of every colour: carried_from over several rounds, test figures, why-sentences, status JSON."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from reportgen.narrate import explain
from reportgen.narrate.status import status_json
from reportgen.signals.assess import assess
from tests.barometer_builders import barometer, indicator, m, override
from tests.conftest import ROOT

U1, U2, U3, U4 = "2008-06", "2008-12", "2009-06", "2009-12"
FOUR = (U1, U2, U3, U4)


def test_carried_from_over_two_and_three_rounds_points_at_the_last_fresh_update():
    # A1 has new figures in U1 only; B1 in U1 and U2 only.
    a1 = indicator("A1", "A")
    b1 = indicator("B1", "B")
    rows = [m("A1", "2008-01", 50.0, U1), m("B1", "2008-01", 30.0, U1), m("B1", "2008-07", 29.0, U2)]
    b = barometer([a1, b1], rows, updates=FOUR)
    got = {
        u: (assess(b, u).indicator("A1").carried_over, assess(b, u).indicator("A1").carried_from)
        for u in FOUR
    }
    # U2 is one round, U3 two rounds, U4 three rounds without news: always carried from U1.
    assert got == {U1: (False, None), U2: (True, U1), U3: (True, U1), U4: (True, U1)}
    b_states = [
        (assess(b, u).indicator("B1").signal, assess(b, u).indicator("B1").carried_from) for u in FOUR
    ]
    # 30.0 -> 29.0 with direction up is red at U2, then carried from U2 for two rounds.
    assert b_states == [("grey", None), ("red", None), ("red", U2), ("red", U2)]
    # The areas follow their one main indicator.
    assert [assess(b, u).area("B").carried_from for u in FOUR] == [None, None, U2, U2]
    assert [assess(b, u).area("A").carried_from for u in FOUR] == [None, U1, U1, U1]


def test_an_override_in_a_carried_round_becomes_the_new_origin():
    rows = [m("A1", "2008-01", 50.0, U1), m("A1", "2008-07", 52.0, U2)]
    b = barometer(
        [indicator()], rows, updates=FOUR, overrides=(override(U3, "A1", "yellow", "Tallet er usikkert"),)
    )
    r2, r3, r4 = (assess(b, u).indicator("A1") for u in (U2, U3, U4))
    assert (r2.signal, r2.carried_over, r2.carried_from) == ("green", False, None)
    # U3: carried from U2 and overridden; the reason and the computed colour are kept.
    assert (r3.signal, r3.carried_over, r3.carried_from, r3.overridden) == ("yellow", True, U2, True)
    assert (r3.override_reason, r3.computed_signal) == ("Tallet er usikkert", "green")
    # U4: the administration's yellow is what is carried, so it comes from U3.
    assert (r4.signal, r4.carried_over, r4.carried_from, r4.overridden, r4.override_reason) == (
        "yellow",
        True,
        U3,
        False,
        None,
    )
    assert explain(b, b.indicators[0], r4) == "Gul, overført fra opdateringen i juni 2009 (ingen nye tal)."
    assert explain(b, b.indicators[0], r3) == (
        "Gul efter forvaltningens vurdering (beregnet: grøn): Tallet er usikkert."
    )


def _not_significant():
    """0,50 -> 0,58 with se 0,06 on both: z = 0,08 / sqrt(0,06² + 0,06²) = 0,9428."""
    ind = indicator("B1", "B", name="Karaktergab", unit="value", decimals=2)
    rows = [m("B1", "2008", 0.50, U1, se=0.06), m("B1", "2009", 0.58, U2, se=0.06)]
    return barometer([ind], rows, updates=(U1, U2))


def test_why_sentence_of_a_non_significant_change_is_exact():
    b = _not_significant()
    r = assess(b, U2).indicator("B1")
    assert (r.signal, r.significant, r.change) == ("yellow", False, 0.08)
    assert math.isclose(r.z, 0.08 / math.sqrt(2 * 0.06**2), rel_tol=1e-9)
    assert math.isclose(r.z_crit, 1.959964, abs_tol=1e-6)
    assert explain(b, b.indicators[0], r) == (
        "Gul, fordi stigningen på 0,08 fra 2008 til 2009 ikke er statistisk signifikant (z = 0,94)."
    )


def test_status_json_carries_the_provenance_after_the_contract_fields():
    b = _not_significant()
    data = status_json(b, assess(b, U2))
    item = data["indicators"][0]
    keys = list(item)
    assert keys.index("on_track") < keys.index("rule")  # extension fields come after the contract's
    assert (item["value"], item["period"], item["reference_value"], item["reference_period"]) == (
        0.58,
        "2009",
        0.5,
        "2008",
    )
    assert (item["rule"], item["tolerance"], item["z"], item["z_crit"]) == ("previous", 0.0, 0.94, 1.96)
    assert (item["change"], item["significant"], item["carried_from"], item["override_reason"]) == (
        0.08,
        False,
        None,
        None,
    )
    assert item["explanation"] == (
        "Gul, fordi stigningen på 0,08 fra 2008 til 2009 ikke er statistisk signifikant (z = 0,94)."
    )
    assert data["areas"][0]["explanation"] == "Gul, fordi hovedindikatoren er gul."


def test_status_json_without_a_z_test_has_null_z_and_the_tolerance():
    ind = indicator(tolerance=0.5)
    b = barometer([ind], [m("A1", "2008-01", 50.0, U1), m("A1", "2008-07", 50.4, U2)], updates=(U1, U2))
    item = status_json(b, assess(b, U2))["indicators"][0]
    assert (item["signal"], item["tolerance"], item["z"], item["z_crit"], item["significant"]) == (
        "yellow",
        0.5,
        None,
        None,
        None,
    )
    assert item["explanation"] == (
        "Gul, fordi stigningen på 0,4 procentpoint fra januar 2008 til juli 2008 ligger inden for "
        "tolerancen på 0,5 procentpoint."
    )


@pytest.mark.parametrize("rounds", [2, 3])
def test_status_cli_shows_carried_from_and_the_why_sentence(make_barometer, rounds):
    ids = ["2008-06", "2008-12", "2009-06", "2009-12"][: rounds + 1]
    updates = "id,date,label\n" + "".join(f"{u},{u}-01,{u}\n" for u in ids)
    folder = make_barometer(
        files={
            "updates.csv": updates,
            "measurements.csv": """\
            indicator,period,value,se,n,district,update
            A1,2008-01,50.0,,,,2008-06
            A1,2008-04,51.0,,,,2008-06
            B1,2007,0.50,,,,2008-06
            B1,2008,0.40,,,,2008-06
            """,
        }
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "reportgen.cli", "status", str(folder), "--json"],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout.decode("utf-8"))
    a1 = data["indicators"][0]
    assert (a1["signal"], a1["carried_over"], a1["carried_from"]) == ("green", True, "2008-06")
    assert a1["explanation"] == "Grøn, overført fra opdateringen i juni 2008 (ingen nye tal)."
    assert data["update"] == ids[-1]
