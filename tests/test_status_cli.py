"""`reportgen status`: the contract's JSON shape on stdout, errors on stderr with exit 1."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from reportgen.narrate.status import signal_label, status_json, status_table
from reportgen.signals.assess import assess
from tests.barometer_builders import barometer, employment_seed, indicator, m
from tests.conftest import DEMO, ROOT

AREA_KEYS = ["id", "name", "signal", "carried_over", "overridden"]
INDICATOR_KEYS = ["id", "area", "name", "main", "signal", "carried_over", "overridden", "value", "period",
                  "reference_value", "reference_period", "change", "significant", "target_value",
                  "target_period", "remaining", "on_track"]
DISTRICT_KEYS = ["id", "signal", "value", "change", "suppressed"]
PROVENANCE = ["rule", "tolerance", "z", "z_crit", "carried_from", "override_reason", "explanation"]


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "reportgen.cli", "status", *args], capture_output=True,
                          env=env, cwd=ROOT, timeout=120)


def test_status_json_on_a_fixture_has_the_contracts_shape(make_barometer):
    folder = make_barometer(files={
        "districts.csv": "id,name,geo_id\n1,Indre By,1\n2,Østerbro,2\n",
        "indicators.csv": """\
            id,area,name,main,unit,direction,decimals,rule,tolerance,baseline_value,baseline_period,target_value,target_period,committee,source,districts
            A1,A,Andel beskæftigede,yes,percent,up,1,previous,0,,,64.8,2010-12,BIU,Danmarks Statistik,yes
            B1,B,Karaktergab,yes,value,down,2,previous,0,,,,,BUU,Undervisningsministeriet,no
            """,
        "measurements.csv": """\
            indicator,period,value,se,n,district,update
            A1,2008-03,50.0,,,,2008-06
            A1,2008-09,51.0,,,,2008-12
            A1,2009-03,50.5,,,,2009-06
            A1,2008-09,40.0,,30,1,2008-12
            A1,2009-03,41.04,,30,1,2009-06
            A1,2009-03,40.0,,5,2,2009-06
            B1,2007,0.50,,,,2008-06
            B1,2008,0.40,,,,2009-06
            """,
    })
    proc = run(str(folder), "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout.decode("utf-8"))
    assert list(data) == ["update", "previous_update", "areas", "indicators"]
    assert (data["update"], data["previous_update"]) == ("2009-06", "2008-12")
    for area in data["areas"]:
        assert list(area)[:len(AREA_KEYS)] == AREA_KEYS
    a1, b1 = data["indicators"]
    assert list(a1) == INDICATOR_KEYS + ["districts"] + PROVENANCE
    assert list(b1) == INDICATOR_KEYS + PROVENANCE  # no district figures: no districts key
    assert [list(d) for d in a1["districts"]] == [DISTRICT_KEYS, DISTRICT_KEYS]
    assert a1["districts"] == [
        {"id": "1", "signal": "green", "value": 41.0, "change": 1.0, "suppressed": False},
        {"id": "2", "signal": "grey", "value": None, "change": None, "suppressed": True},
    ]
    assert {k: a1[k] for k in INDICATOR_KEYS} == {
        "id": "A1", "area": "A", "name": "Andel beskæftigede", "main": True, "signal": "red",
        "carried_over": False, "overridden": False, "value": 50.5, "period": "2009-03",
        "reference_value": 51.0, "reference_period": "2008-09", "change": -0.5, "significant": None,
        "target_value": 64.8, "target_period": "2010-12", "remaining": 14.3, "on_track": False,
    }
    assert (b1["period"], b1["reference_period"], b1["change"], b1["signal"]) == ("2008", "2007", -0.1, "green")
    assert [a["id"] for a in data["areas"]] == ["A", "B"]


def test_status_json_with_update_and_utf8(make_barometer):
    proc = run(str(make_barometer()), "--update", "2008-12", "--json")
    assert proc.returncode == 0
    text = proc.stdout.decode("utf-8")
    assert "Beskæftigelse" in text  # not \u00e6
    data = json.loads(text)
    assert data["update"] == "2008-12"
    b1 = next(i for i in data["indicators"] if i["id"] == "B1")
    assert (b1["carried_over"], b1["carried_from"]) == (True, "2008-06")


def test_unknown_update_exits_1_with_a_danish_message(make_barometer):
    proc = run(str(make_barometer()), "--update", "2010-05", "--json")
    assert proc.returncode == 1
    assert proc.stdout == b""
    assert "opdateringen \"2010-05\" findes ikke" in proc.stderr.decode()


def test_invalid_data_prints_nothing_on_stdout(make_barometer):
    folder = make_barometer(files={"measurements.csv": "indicator,period,value,se,n,district,update\n"
                                                       "A1,2008-03,\"6,2,1\",,,,2008-06\n"})
    proc = run(str(folder), "--json")
    assert proc.returncode == 1
    assert proc.stdout == b""
    assert "measurements.csv:2" in proc.stderr.decode()


def test_table_shows_symbol_and_word():
    from rich.console import Console

    b = employment_seed()
    console = Console(width=200, record=True, color_system=None)
    console.print(status_table(b, assess(b)))
    text = console.export_text()
    assert "● rød" in text and "59,3" in text and "−3,0" in text and "5,5" in text
    assert signal_label("grey") == "○ grå"


def test_numbers_are_rounded_to_the_indicators_decimals():
    b = barometer([indicator(decimals=1, target_value=64.84, target_period="2010-12"),
                   indicator("A2", unit="count", decimals=0)],
                  [m("A1", "2008-03", 50.04, "2008-06"), m("A1", "2008-09", 51.06, "2008-12"),
                   m("A2", "2008-03", 4793.0, "2008-06"), m("A2", "2008-09", 2919.0, "2008-12")])
    data = status_json(b, assess(b, "2008-12"))
    a1, a2 = data["indicators"]
    assert (a1["value"], a1["reference_value"], a1["change"], a1["target_value"]) == (51.1, 50.0, 1.0, 64.8)
    assert (a2["value"], a2["change"]) == (2919, -1874) and isinstance(a2["value"], int)


def test_demo_status_json_employment():
    proc = run(str(DEMO), "--update", "2009-12", "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    signals = {a["name"]: a["signal"] for a in data["areas"]}
    assert signals == {"Beskæftigelse": "red", "Uddannelse": "yellow", "Bolig": "green",
                       "Kultur og fritid": "yellow", "Sundhed": "yellow", "Tryghed": "green"}
    employment = data["indicators"][0]
    assert (employment["change"], employment["remaining"], employment["on_track"]) == (-3.0, 5.5, False)
