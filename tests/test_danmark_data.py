"""The illustrative national barometer in data/danmark: shape, contract rules, reproducibility."""
from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "data" / "danmark"
GENERATOR = ROOT / "tools" / "make_danmark.py"
SHARED_GEOJSON = ROOT.parent / "shared" / "data" / "geo" / "denmark_kommuner.geojson"
GENERATED = ("barometer.toml", "SOURCES.md", "updates.csv", "areas.csv", "committees.csv",
             "districts.csv", "indicators.csv", "measurements.csv", "kommuner.geojson")


def read_csv(name: str) -> list[dict[str, str]]:
    with open(FOLDER / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def first_day(period: str) -> dt.date:
    year, _, month = period.partition("-")
    return dt.date(int(year), int(month) if month else 1, 1)


def load_generator():
    spec = importlib.util.spec_from_file_location("make_danmark", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_municipalities_match_geojson_codes_exactly():
    districts = read_csv("districts.csv")
    features = json.loads((FOLDER / "kommuner.geojson").read_text(encoding="utf-8"))["features"]
    geo = {f["properties"]["kommunekode"]: f["properties"]["name"] for f in features}
    assert len(districts) == 98
    assert len({d["id"] for d in districts}) == 98
    for d in districts:
        assert len(d["id"]) == 4 and d["id"].isdigit(), d
        assert d["geo_id"] == d["id"]
        assert geo[d["id"]] == d["name"]
    assert {d["id"] for d in districts} == set(geo)
    assert "0101" in geo and geo["0101"] == "København"


def test_map_is_configured_and_copied_unchanged():
    toml = (FOLDER / "barometer.toml").read_text(encoding="utf-8")
    assert 'file = "kommuner.geojson"' in toml and 'key = "kommunekode"' in toml
    assert SHARED_GEOJSON.is_file(), f"the shared map {SHARED_GEOJSON} is missing: nothing to compare the copy with"
    assert (FOLDER / "kommuner.geojson").read_bytes() == SHARED_GEOJSON.read_bytes()


def test_nine_goals_with_one_or_three_main_indicators():
    areas = read_csv("areas.csv")
    indicators = read_csv("indicators.csv")
    assert [a["id"] for a in areas] == [f"M{i}" for i in range(1, 10)]
    per_area = Counter(i["area"] for i in indicators)
    for a in areas:
        assert per_area[a["id"]] in (1, 3), a
        if per_area[a["id"]] == 3:
            assert a["aggregation"] == "majority"
    assert 15 <= len(indicators) <= 19
    for i in indicators:
        assert (i["main"], i["rule"], i["decimals"], i["districts"]) == ("yes", "baseline", "0", "yes")
        assert i["baseline_value"] and i["baseline_period"]
        assert i["direction"] in ("up", "down")


def test_rounds_and_rows():
    updates = read_csv("updates.csv")
    assert len(updates) >= 4
    dates = {u["id"]: dt.date.fromisoformat(u["date"]) for u in updates}
    assert [u["id"] for u in updates] == sorted(dates), "updates oldest first"
    indicators = [i["id"] for i in read_csv("indicators.csv")]
    districts = {d["id"] for d in read_csv("districts.csv")}
    rows = read_csv("measurements.csv")
    country: Counter[tuple[str, str]] = Counter()
    local: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        key = (r["indicator"], r["update"])
        assert dates[r["update"]] >= first_day(r["period"]), r
        float(r["value"])
        if r["district"]:
            assert r["district"] in districts
            local.setdefault(key, set()).add(r["district"])
        else:
            country[key] += 1
    expected = {(i, u["id"]) for i in indicators for u in updates}
    assert set(country) == expected and set(country.values()) == {1}
    assert set(local) == expected
    assert all(s == districts for s in local.values())
    assert len(rows) == len(expected) * 99


def test_small_municipalities_are_suppressed_somewhere():
    rows = read_csv("measurements.csv")
    small = {r["district"] for r in rows if r["district"] and int(r["n"]) < 20}
    assert {"0825", "0563", "0741", "0492"} <= small
    assert len(small) <= 8


def test_generator_reproduces_committed_files(tmp_path):
    generator = load_generator()
    assert SHARED_GEOJSON.is_file(), f"the shared map {SHARED_GEOJSON} is missing: the generator reads it"
    generator.build(tmp_path, SHARED_GEOJSON)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(GENERATED)
    for name in GENERATED:
        assert (tmp_path / name).read_bytes() == (FOLDER / name).read_bytes(), name


def test_validates_with_reportgen():
    from reportgen.inputs import read_barometer

    barometer = read_barometer(FOLDER)
    assert barometer.config.municipality == "Danmark"
    assert len(barometer.districts) == 98
    assert barometer.district("0101").name == "København"
