"""The Copenhagen demo barometer (data/copenhagen) reproduces the committee case of 3 December 2009.

The first part reads the CSV files with the csv module and applies a small, independent
implementation of the signal rules of data-format.md (contract v1), so the demo data is checked
from outside the package. The last part checks the same verdicts against ``reportgen.signals.assess``.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import math
import tomllib
from pathlib import Path
from statistics import NormalDist

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "copenhagen"
SHARED_GEO = ROOT.parent / "shared" / "data" / "geo" / "copenhagen_bydele.geojson"

UPDATES = ["2007-06", "2007-12", "2008-05", "2008-12", "2009-05", "2009-12"]
AREAS = ["BES", "UDD", "BOL", "KUL", "SUN", "TRY"]

# Area colours at every update (None = computed afresh, otherwise the update it was carried from).
EXPECTED_AREAS: dict[str, list[tuple[str, bool]]] = {
    #        2007-06            2007-12            2008-05             2008-12            2009-05             2009-12
    "BES": [("green", False), ("green", False), ("green", False), ("green", False), ("green", False), ("red", False)],
    "UDD": [("grey", False), ("red", False), ("red", True), ("yellow", False), ("yellow", True), ("yellow", False)],
    "BOL": [("green", False), ("green", False), ("green", False), ("green", False), ("green", False), ("green", False)],
    "KUL": [("grey", False), ("grey", True), ("yellow", False), ("yellow", True), ("yellow", False), ("yellow", True)],
    "SUN": [("grey", False), ("grey", True), ("green", False), ("green", True), ("yellow", False), ("yellow", True)],
    "TRY": [("grey", False), ("grey", True), ("yellow", False), ("yellow", True), ("green", False), ("green", True)],
}


# --- reading the folder ------------------------------------------------------------------------

def _rows(name: str) -> list[dict[str, str]]:
    with open(DEMO / name, encoding="utf-8", newline="") as f:
        return [{k.strip().lower(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def _num(text: str) -> float | None:
    return None if text == "" else float(text)


def _period(text: str) -> tuple[int, int]:
    """(year, month); a year sorts as its December."""
    if len(text) == 4:
        return int(text), 12
    year, month = text.split("-")
    return int(year), int(month)


def _first_day(text: str) -> dt.date:
    return dt.date(int(text), 1, 1) if len(text) == 4 else dt.date(*_period(text), 1)


def _months(a: str, b: str) -> int:
    (ya, ma), (yb, mb) = _period(a), _period(b)
    return (yb - ya) * 12 + (mb - ma)


CONFIG = tomllib.loads((DEMO / "barometer.toml").read_text(encoding="utf-8"))
UPDATE_ROWS = _rows("updates.csv")
AREA_ROWS = _rows("areas.csv")
COMMITTEE_ROWS = _rows("committees.csv")
DISTRICT_ROWS = _rows("districts.csv")
INDICATORS = {r["id"]: r for r in _rows("indicators.csv")}
MEASUREMENTS = _rows("measurements.csv")
OVERRIDES = _rows("overrides.csv")
COMMENTS = _rows("comments.csv")
INITIATIVES = _rows("initiatives.csv")
ORDER = {r["id"]: pos for pos, r in enumerate(UPDATE_ROWS)}


# --- an independent implementation of the contract's rules -------------------------------------

def _series(ind: str, district: str = "") -> list[dict[str, str]]:
    return sorted((m for m in MEASUREMENTS if m["indicator"] == ind and m["district"] == district),
                  key=lambda m: _period(m["period"]))


def _round(x: float, decimals: int) -> float:
    """Half away from zero, on the decimal text of the difference (no binary noise)."""
    q = 10 ** decimals
    return math.copysign(math.floor(abs(x) * q + 0.5 + 1e-9), x) / q


def _fresh(ind_id: str, known: list[dict[str, str]]) -> dict:
    ind = INDICATORS[ind_id]
    dec = int(ind["decimals"] or 1)
    up = ind["direction"] == "up"
    cur = known[-1]
    prev = known[-2] if len(known) >= 2 else None
    out: dict = {"value": float(cur["value"]), "period": cur["period"], "significant": None,
                 "reference_value": None, "reference_period": None, "change": None,
                 "remaining": None, "on_track": None}
    tv, tp = _num(ind["target_value"]), ind["target_period"]
    if tv is not None:
        remaining = _round((tv - out["value"]) if up else (out["value"] - tv), dec)
        out["remaining"] = remaining
        if prev is not None and tp:
            if remaining <= 0:
                out["on_track"] = True
            else:
                good = _round(out["value"] - float(prev["value"]), dec) * (1 if up else -1)
                pace = good / _months(prev["period"], cur["period"])
                left = _months(cur["period"], tp)
                out["on_track"] = left > 0 and pace >= remaining / left
    rule = ind["rule"] or "previous"
    if rule == "baseline":
        ref, ref_period, ref_se = _num(ind["baseline_value"]), ind["baseline_period"], None
    elif prev is not None:
        ref, ref_period, ref_se = float(prev["value"]), prev["period"], _num(prev["se"])
    else:
        ref = ref_period = ref_se = None
    trajectory_behind = False
    if rule == "trajectory":
        bv, bp = float(ind["baseline_value"]), ind["baseline_period"]
        expected = bv + (tv - bv) * _months(bp, cur["period"]) / _months(bp, tp)
        ahead = _round(out["value"], dec) - _round(expected, dec)
        if (ahead if up else -ahead) >= 0:
            out["signal"] = "green"
            return out
        trajectory_behind = True
    if ref is None:
        out["signal"] = "grey"
        return out
    out["reference_value"], out["reference_period"] = ref, ref_period
    change = _round(out["value"] - ref, dec)
    out["change"] = change
    se = _num(cur["se"])
    if se is not None and ref_se is not None:
        z = (out["value"] - ref) / math.sqrt(se ** 2 + ref_se ** 2)
        out["significant"] = abs(z) >= NormalDist().inv_cdf(1 - CONFIG["assessment"]["significance"] / 2)
        if not out["significant"]:
            out["signal"] = "yellow"
            return out
    good = change if up else -change
    if abs(change) <= float(ind["tolerance"] or 0):
        signal = "yellow"
    else:
        signal = "green" if good > 0 else "red"
    if trajectory_behind and signal == "green":
        signal = "yellow"
    out["signal"] = signal
    return out


def indicator_history(ind_id: str) -> list[dict]:
    """The indicator's verdict at every update, oldest first (whole municipality)."""
    rows = _series(ind_id)
    history: list[dict] = []
    for pos, u in enumerate(UPDATES):
        known = [m for m in rows if ORDER[m["update"]] <= pos]
        if not known:
            v = {"signal": "grey", "carried_over": False}
        elif not any(m["update"] == u for m in known):
            v = {**history[-1], "carried_over": True, "overridden": False}
            v["signal"] = history[-1]["signal"]
        else:
            v = {**_fresh(ind_id, known), "carried_over": False}
        v["overridden"] = False
        for o in OVERRIDES:
            if o["update"] == u and o["target"] == ind_id:
                v = {**v, "signal": o["signal"], "overridden": True}
        history.append(v)
    return history


def area_history(area_id: str) -> list[tuple[str, bool]]:
    mains = [i for i, r in INDICATORS.items() if r["area"] == area_id and r["main"] == "yes"]
    hist = {i: indicator_history(i) for i in mains}
    out: list[tuple[str, bool]] = []
    for pos, u in enumerate(UPDATES):
        published = any(m["update"] == u and m["indicator"] in mains and m["district"] == "" for m in MEASUREMENTS)
        if not published:
            out.append(((out[-1][0] if out else "grey"), bool(out)))
            continue
        coloured = [hist[i][pos]["signal"] for i in mains if hist[i][pos]["signal"] != "grey"]
        worst = next((c for c in ("red", "yellow", "green") if c in coloured), "grey")
        out.append((worst, False))
    for o in OVERRIDES:
        assert o["target"] != area_id, "the demo's area colours come from the rules"
    return out


def at(ind_id: str, update: str) -> dict:
    return indicator_history(ind_id)[UPDATES.index(update)]


# --- the folder ------------------------------------------------------------------------------------

def test_config():
    assert CONFIG["title"] == "Integrationsbarometer"
    assert CONFIG["municipality"] == "Københavns Kommune"
    assert CONFIG["policy"] == "Integrationspolitikken 2007-2010"
    assert CONFIG["owner"] == "BIU"
    assert CONFIG["language"] == "da"
    assert CONFIG["administration"] == "Beskæftigelses- og Integrationsforvaltningen"
    assert CONFIG["assessment"] == {"aggregation": "worst", "significance": 0.05, "min_n": 20}
    assert CONFIG["map"] == {"file": "bydele.geojson", "key": "bydel_nr"}


def test_updates():
    assert [u["id"] for u in UPDATE_ROWS] == UPDATES
    dates = [dt.date.fromisoformat(u["date"]) for u in UPDATE_ROWS]
    assert dates == sorted(dates)
    last = UPDATE_ROWS[-1]
    assert (last["date"], last["label"], last["meeting_date"], last["case_number"]) == (
        "2009-12-03", "December 2009", "2009-12-03", "2009-161791")
    assert [u["label"] for u in UPDATE_ROWS] == [
        "Juni 2007", "December 2007", "Maj 2008", "December 2008", "Maj 2009", "December 2009"]


def test_areas_committees_and_counts():
    assert [(a["id"], a["name"]) for a in AREA_ROWS] == [
        ("BES", "Beskæftigelse"), ("UDD", "Uddannelse"), ("BOL", "Bolig"),
        ("KUL", "Kultur og fritid"), ("SUN", "Sundhed"), ("TRY", "Tryghed")]
    assert [c["id"] for c in COMMITTEE_ROWS] == ["OEU", "BIU", "BUU", "TMU", "SOU", "KFU", "SUU"]
    assert len(INDICATORS) == 33  # "der måles der på 33 indikatorer fordelt på de 6 indsatsområder"
    committees = {c["id"] for c in COMMITTEE_ROWS}
    for ind in INDICATORS.values():
        assert ind["area"] in AREAS and ind["committee"] in committees
        assert ind["unit"] in ("percent", "count", "value") and ind["direction"] in ("up", "down")
        assert ind["source"] and ind["source_type"] in ("local", "national")
    for area in AREAS:
        assert any(i["main"] == "yes" for i in INDICATORS.values() if i["area"] == area), area
    owned = {c: sum(i["committee"] == c for i in INDICATORS.values()) for c in committees}
    assert all(n >= 3 for n in owned.values()), owned


def test_districts_match_the_map():
    geo = json.loads((DEMO / "bydele.geojson").read_text(encoding="utf-8"))
    names = {str(f["properties"]["bydel_nr"]): f["properties"]["name"] for f in geo["features"]}
    assert [(d["id"], d["name"], d["geo_id"]) for d in DISTRICT_ROWS] == [
        (k, names[k], k) for k in map(str, range(1, 11))]
    assert SHARED_GEO.is_file(), f"the shared map {SHARED_GEO} is missing: nothing to compare the copy with"
    assert (DEMO / "bydele.geojson").read_bytes() == SHARED_GEO.read_bytes()
    assert "Københavns Kommune" in (DEMO / "SOURCES.md").read_text(encoding="utf-8")


def test_measurements_are_valid():
    seen = set()
    dates = {u["id"]: dt.date.fromisoformat(u["date"]) for u in UPDATE_ROWS}
    districts = {d["id"] for d in DISTRICT_ROWS}
    for line, m in enumerate(MEASUREMENTS, start=2):
        assert m["indicator"] in INDICATORS, line
        assert m["update"] in dates, line
        assert dates[m["update"]] >= _first_day(m["period"]), f"measurements.csv:{line}: published too early"
        assert m["district"] == "" or m["district"] in districts, line
        key = (m["indicator"], m["period"], m["district"])
        assert key not in seen, f"measurements.csv:{line}: duplicate {key}"
        seen.add(key)
        float(m["value"])
        if m["n"]:
            assert int(m["n"]) > 0
    for ind in INDICATORS:
        assert _series(ind), f"{ind} has no figures"


def test_thirteen_district_indicators_times_ten_bydele():
    flagged = {i for i, r in INDICATORS.items() if r["districts"] == "yes"}
    with_rows = {m["indicator"] for m in MEASUREMENTS if m["district"]}
    assert len(flagged) == 13 and with_rows == flagged  # "bydelstal på 13 indikatorer"
    for ind in flagged:
        periods = {m["period"] for m in MEASUREMENTS if m["indicator"] == ind and m["district"]}
        assert len(periods) >= 2, ind  # a district change can be shown
        for p in periods:
            rows = [m for m in MEASUREMENTS if m["indicator"] == ind and m["period"] == p and m["district"]]
            assert sorted(int(m["district"]) for m in rows) == list(range(1, 11)), (ind, p)
            whole = [m for m in MEASUREMENTS if m["indicator"] == ind and m["period"] == p and not m["district"]]
            assert len(whole) == 1 and all(m["update"] == whole[0]["update"] for m in rows), (ind, p)
    small = [m for m in MEASUREMENTS if m["district"] and m["n"] and int(m["n"]) < CONFIG["assessment"]["min_n"]]
    assert 3 <= len(small) <= 8  # a few suppressed district figures
    assert any(m["se"] for m in MEASUREMENTS if m["district"])


def test_initiatives_comments_overrides():
    per_area: dict[str, int] = {}
    for x in INITIATIVES:
        assert x["indicator"] in INDICATORS and x["committee"] in {c["id"] for c in COMMITTEE_ROWS}
        assert x["name"] and x["status"]
        per_area[INDICATORS[x["indicator"]]["area"]] = per_area.get(INDICATORS[x["indicator"]]["area"], 0) + 1
    assert all(2 <= per_area.get(a, 0) <= 4 for a in AREAS), per_area
    assert {"update": "2009-12", "target": "BES1", "text": "Faldet skyldes utvivlsomt krisen."} in COMMENTS
    targets = set(INDICATORS) | set(AREAS)
    assert all(c["target"] in targets and c["update"] in ORDER for c in COMMENTS)
    assert all(o["update"] != "2009-12" and o["reason"] and o["target"] in targets for o in OVERRIDES)


# --- the seed's figures, by the rules ------------------------------------------------------------

def test_beskaeftigelse_main_indicator():
    ind = INDICATORS["BES1"]
    assert ind["name"] == "Andel beskæftigede indvandrere/efterkommere i København"
    assert (ind["area"], ind["main"], ind["unit"], ind["direction"], ind["decimals"], ind["rule"]) == (
        "BES", "yes", "percent", "up", "1", "previous")
    assert (float(ind["target_value"]), ind["target_period"]) == (64.8, "2010-12")
    assert round(float(ind["target_value"]) - float(ind["baseline_value"]), 1) == 10.0  # +10 procentpoint
    v = at("BES1", "2009-12")
    assert (v["signal"], v["carried_over"], v["value"], v["period"]) == ("red", False, 59.3, "2009-08")
    assert (v["reference_value"], v["reference_period"], v["change"]) == (62.3, "2009-02", -3.0)
    assert (v["remaining"], v["on_track"], v["significant"]) == (5.5, False, None)
    assert at("BES1", "2009-05")["period"] == "2009-02"


def test_uddannelse_main_indicator():
    ind = INDICATORS["UDD1"]
    assert ind["name"] == ("Gabet mellem et- og tosprogede elevers karaktergennemsnit ved "
                           "Folkeskolens Afgangsprøve")
    assert (ind["main"], ind["unit"], ind["direction"], ind["decimals"]) == ("yes", "value", "down", "2")
    series = {m["period"]: m for m in _series("UDD1")}
    assert float(series["2006"]["value"]) == 0.47 and float(series["2009"]["value"]) == 0.78
    assert series["2009"]["update"] == "2009-12"
    assert (float(ind["baseline_value"]), ind["baseline_period"]) == (0.47, "2006")
    assert (float(ind["target_value"]), ind["target_period"]) == (0.24, "2010")  # half the 2006 gap
    v = at("UDD1", "2009-12")
    assert (v["signal"], v["carried_over"], v["value"], v["reference_period"]) == ("yellow", False, 0.78, "2008")
    assert v["significant"] is False  # "Ændringen ... fra 2008 til 2009 er ikke signifikant"
    for ind_id, grade in (("UDD2", 5.96), ("UDD3", 5.20)):
        assert INDICATORS[ind_id]["main"] == "no" and INDICATORS[ind_id]["decimals"] == "2"
        assert at(ind_id, "2009-12")["value"] == grade and at(ind_id, "2009-12")["period"] == "2009"


def test_bolig_indicators():
    ind = INDICATORS["BOL1"]
    assert ind["name"] == "Andel modtagere af overførselsindkomst i udsatte boligområder"
    assert (ind["main"], ind["unit"], ind["direction"]) == ("yes", "percent", "down")
    assert round(float(ind["baseline_value"]) - float(ind["target_value"]), 1) == 10.0
    assert ind["target_period"] == "2010-12"
    v = at("BOL1", "2009-12")
    assert (v["signal"], v["period"], v["reference_period"], v["change"]) == ("green", "2009-06", "2008-12", -0.8)
    assert v["on_track"] is True
    # also on track if the months left were counted from the meeting (December 2009), not the period
    assert 0.8 / 6 >= v["remaining"] / _months("2009-12", ind["target_period"])
    # ... but clearly slower than every earlier half-year
    series = _series("BOL1")
    earlier = [float(a["value"]) - float(b["value"]) for a, b in zip(series, series[1:], strict=False)][:-1]
    assert all(fall >= 1.2 for fall in earlier), earlier
    assert [float(m["value"]) for m in _series("BOL2")][::len(_series("BOL2")) - 1] == [5, 2]
    assert [float(m["value"]) for m in _series("BOL3")][::len(_series("BOL3")) - 1] == [4793, 2919]
    assert _series("BOL2")[-1]["period"] == "2009-03" and _series("BOL3")[-1]["period"] == "2009-03"
    assert INDICATORS["BOL2"]["main"] == INDICATORS["BOL3"]["main"] == "no"
    assert INDICATORS["BOL2"]["unit"] == INDICATORS["BOL3"]["unit"] == "count"


def test_no_new_figures_for_kultur_sundhed_tryghed():
    for m in MEASUREMENTS:
        if m["update"] == "2009-12":
            assert INDICATORS[m["indicator"]]["area"] in ("BES", "UDD", "BOL"), m


def test_area_colours_at_every_update():
    for area in AREAS:
        assert area_history(area) == EXPECTED_AREAS[area], area


def test_several_committees_have_red_indicators_in_december_2009():
    red = {INDICATORS[i]["committee"] for i in INDICATORS if at(i, "2009-12")["signal"] == "red"}
    assert {"BIU", "BUU"} <= red and len(red) >= 3, red


# --- the same verdicts from reportgen itself -----------------------------------------------------

def test_reportgen_assess_agrees():
    """reportgen's loader, validator and assess() give the colours computed above."""
    from reportgen.inputs import read_barometer
    from reportgen.signals.assess import assess_history

    barometer = read_barometer(DEMO)
    assert len(barometer.indicators) == 33 and len(barometer.areas) == 6
    assert sum(i.districts for i in barometer.indicators) == 13
    history = assess_history(barometer)
    assert [a.update for a in history] == UPDATES
    for pos, assessment in enumerate(history):
        for area in AREAS:
            result = assessment.area(area)
            assert (result.signal, result.carried_over) == EXPECTED_AREAS[area][pos], (area, UPDATES[pos])
        for ind in INDICATORS:
            mine = indicator_history(ind)[pos]
            theirs = assessment.indicator(ind)
            assert (theirs.signal, theirs.carried_over, theirs.overridden) == (
                mine["signal"], mine["carried_over"], mine["overridden"]), (ind, UPDATES[pos])
    latest = history[-1]
    b = latest.indicator("BES1")
    assert (b.signal, b.value, str(b.period), b.reference_value, str(b.reference_period)) == (
        "red", 59.3, "2009-08", 62.3, "2009-02")
    assert (b.change, b.remaining, b.target_value, str(b.target_period), b.on_track) == (
        -3.0, 5.5, 64.8, "2010-12", False)
    u = latest.indicator("UDD1")
    assert (u.signal, u.value, u.significant) == ("yellow", 0.78, False)
    h = latest.indicator("BOL1")
    assert (h.signal, h.change, h.on_track) == ("green", -0.8, True)
    suppressed = [d for i in latest.indicators for d in i.districts if d.suppressed]
    assert suppressed and all(d.signal == "grey" and d.value is None for d in suppressed)


def test_reportgen_assess_at_each_update():
    """assess(barometer, U) for an earlier U gives the same colours as assess_history (Bilag 1 for a
    past round, `reportgen status --update 2009-05`)."""
    from reportgen.inputs import read_barometer
    from reportgen.signals.assess import assess

    barometer = read_barometer(DEMO)
    for pos, update in enumerate(UPDATES):
        assessment = assess(barometer, update)
        assert assessment.update == update
        for area in AREAS:
            result = assessment.area(area)
            assert (result.signal, result.carried_over) == EXPECTED_AREAS[area][pos], (area, update)
