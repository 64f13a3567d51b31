"""Charts: what the SVG holds, exact alt texts, stable bytes, the golden image and the cache."""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from chart_fixtures import (
    AREA_RESULTS,
    AREAS,
    B1,
    B1_RESULT,
    B1_ROWS,
    BYDELE,
    DISTRICT_RESULTS,
    GEOJSON,
    TINY_ROWS,
    UPDATES,
    tiny_indicator,
)
from PIL import Image

from reportgen import palette
from reportgen.charts import cache as chartcache
from reportgen.charts import draw as charts
from reportgen.inputs import geo
from reportgen.inputs.model import District, Measurement, Period
from reportgen.signals import assess
from reportgen.signals.assess import AreaResult

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "charts"
SVG = "{http://www.w3.org/2000/svg}"
P = Period.parse
XLINK = "{http://www.w3.org/1999/xlink}"
MAX_MEAN_PIXEL_DIFF = 1.5  # of 255: font hinting may move, layout may not


def parse(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(chart.svg)


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def group(root: ET.Element, gid: str) -> ET.Element:
    found = [g for g in root.iter(f"{SVG}g") if g.get("id") == gid]
    assert len(found) == 1, f"no single <g id={gid!r}>"
    return found[0]


def markers(root: ET.Element, gid: str) -> int:
    return sum(1 for _ in group(root, gid).iter(f"{SVG}use"))


def fill_of(element: ET.Element) -> str:
    path = next(element.iter(f"{SVG}path"))
    return re.search(r"fill: ([^;]+)", path.get("style", "")).group(1)


@pytest.fixture(scope="module")
def trend() -> charts.Chart:
    return charts.trend_chart(B1, B1_ROWS, B1_RESULT, updates=UPDATES, place="København")


@pytest.fixture(scope="module")
def signal_map() -> charts.Chart:
    return charts.district_map(B1, GEOJSON, "bydel_nr", BYDELE, DISTRICT_RESULTS)


# --- trend chart ------------------------------------------------------------------------------------


def test_trend_chart_draws_every_municipal_figure_and_the_target(trend):
    root = parse(trend)
    assert markers(root, "measured") == 4  # the district row is not drawn
    assert markers(root, "target") == 1
    line = next(group(root, "trajectory").iter(f"{SVG}path"))
    assert "stroke-dasharray" in line.get("style")
    assert len(re.findall(r"[ML] ", line.get("d"))) == 2  # a straight line: baseline to target


def test_trend_chart_labels_are_danish_text(trend):
    words = texts(parse(trend))
    for expected in ("Målt", "Mål", "Forventet udvikling mod målet", "59,3 %", "64,8 %",
                     "feb. 2009", "aug. 2009", "dec. 2010", "Procent", "Måleperiode"):
        assert expected in words, expected
    assert "".join(texts(group(parse(trend), "latest-label"))) == "59,3 %"


def test_trend_chart_shows_only_figures_known_at_the_update():
    chart = charts.trend_chart(B1, B1_ROWS, None, updates=UPDATES[:2])
    root = parse(chart)
    assert markers(root, "measured") == 3
    assert "59,3 %" not in texts(root)
    assert chart.alt_text == ("Andel beskæftigede indvandrere/efterkommere steg fra 61,2 % i februar 2008 "
                              "til 62,3 % i februar 2009; udgangspunktet var 60,0 % i august 2007; målet er 64,8 % i "
                              "december 2010.")


def test_trend_alt_text(trend):
    assert trend.alt_text == ("Andel beskæftigede indvandrere/efterkommere i København faldt fra 62,3 % i "
                              "februar 2009 til 59,3 % i august 2009; udgangspunktet var 60,0 % i august 2007; "
                              "målet er 64,8 % i december 2010.")
    assert parse(trend).find(f"{SVG}title").text == trend.alt_text


def test_y_axis_uses_decimal_comma():
    ind = replace(tiny_indicator(), unit="value", decimals=2, target_value=None, target_period=None,
                  baseline_value=None, baseline_period=None)
    rows = [replace(r, value=r.value / 100) for r in TINY_ROWS]  # 0,50 to 0,515: ticks in tenths
    chart = charts.trend_chart(ind, rows, None)
    ticks = [t for t in texts(parse(chart)) if re.fullmatch(r"[\d.,]+", t)]
    assert any("," in t for t in ticks) and not any("." in t for t in ticks), ticks


def test_danish_formatter_picks_the_decimals_the_ticks_need():
    f = charts.DanishFormatter(" %")
    f.set_locs([0.0, 0.25, 0.5])
    assert [f(v) for v in (0.0, 0.25, 0.5)] == ["0,00 %", "0,25 %", "0,50 %"]
    f.set_locs([0.0, 2000.0, 4000.0])
    assert f(4000.0) == "4.000 %"
    f.set_locs([-0.5, 0.0, 0.5])
    assert [f(v) for v in (-0.5, 0.0)] == ["\u22120,5 %", "0,0 %"]  # a minus sign, not a hyphen
    assert charts.value_text(-0.24, replace(B1, unit="value", decimals=2)) == "\u22120,24"


def test_dollar_and_backslash_in_a_name_render_literally():
    name = r"Andel $\frac{a}{b}$ og \sqrt{ 5$ til 10$"
    chart = charts.trend_chart(tiny_indicator(name), TINY_ROWS, None)
    assert name in chart.alt_text
    assert parse(chart).find(f"{SVG}title").text.startswith(name)


def test_trend_chart_without_figures_still_renders():
    chart = charts.trend_chart(tiny_indicator(), (), None)
    assert chart.alt_text == "Andel i job: ingen offentliggjorte tal endnu."


def test_a_lone_figure_gets_an_axis_its_unit_makes_sensible():
    lo, hi = charts.value_limits([20.0], "percent")
    assert lo < 20.0 < hi and hi - lo >= charts.MIN_PERCENT_SPAN  # not 19,50 to 20,50
    lo, hi = charts.value_limits([4793.0], "count", decimals=0)
    assert hi - lo >= 479.3 and lo > 4000  # in proportion: no axis from 0, no axis of 2 people
    lo, hi = charts.value_limits([0.78], "value", decimals=2)
    assert hi - lo >= 0.078 and lo < 0.78 < hi


def test_value_axis_includes_every_value_with_padding_and_stays_in_range():
    lo, hi = charts.value_limits([40.0, 55.0, 64.8], "percent")
    assert lo < 40.0 - 0.2 * 24.8 and hi > 64.8 + 0.2 * 24.8
    lo, hi = charts.value_limits([1.0], "percent")
    assert lo == 0.0 and 2.0 <= hi < charts.MIN_PERCENT_SPAN  # shifted up, not below 0 %; to scale
    lo, hi = charts.value_limits([0.1, 0.3, 0.5], "percent")
    assert lo == 0.0 and 0.5 < hi <= 2.0  # shares under 1 %: not an axis of 0-7 (issue 26)
    lo, hi = charts.value_limits([0.1, 0.5], "count", decimals=0)
    assert lo == 0.0 and 0.5 < hi <= 2.0  # a rate of 0,1-0,5 counts in tenths, not in whole things
    lo, hi = charts.value_limits([99.5], "percent")
    assert hi == 100.0 and lo <= 100.0 - charts.MIN_PERCENT_SPAN
    lo, hi = charts.value_limits([2.0, 5.0], "count", decimals=0)
    assert lo == 0.0 and hi > 5.0  # a handful of things: at least five whole things high, from 0
    lo, hi = charts.value_limits([-3.0, -1.0], "value")
    assert lo < -3.0 and hi > -1.0  # negative figures keep their own side of 0


def test_district_bars_start_at_zero_and_a_lone_small_bar_is_not_full_width():
    ind = replace(B1, unit="percent")
    lo, hi = charts.district_bar_limits(ind, [0.4])
    assert lo == 0.0 and hi >= 2 * 0.4
    lo, hi = charts.district_bar_limits(ind, [55.2, 68.4])
    assert lo == 0.0 and hi > 68.4 * 1.1  # room for the value labels
    lo, hi = charts.district_bar_limits(replace(B1, unit="value"), [-0.5, 0.3])
    assert lo < -0.5 and hi > 0.3


def test_trend_chart_marks_and_labels_the_baseline_and_spans_it():
    ind = replace(tiny_indicator(), target_value=None, target_period=None, baseline_value=26.0,
                  baseline_period=P("2012"))
    rows = (Measurement("T1", P("2020"), 20.0, "2008-12"),)
    layout = charts.trend_layout(ind, rows)
    assert layout.baseline == (P("2012"), 26.0) and layout.target is None and layout.trajectory is None
    assert layout.x_tick_labels == ("2012", "2020")
    assert layout.x_limits[0] < P("2012").ordinal and layout.x_limits[1] > P("2020").ordinal
    assert layout.y_limits[0] < 20.0 and layout.y_limits[1] > 26.0
    chart = charts.trend_chart(ind, rows, None)
    root = parse(chart)
    assert markers(root, "baseline") == 1 and markers(root, "measured") == 1
    words = texts(root)
    assert "Udgangspunkt 2012" in words and "26,0 %" in words
    assert "".join(texts(group(root, "baseline-label"))) == "26,0 %"
    assert "".join(texts(group(root, "latest-label"))) == "20,0 %"
    assert chart.alt_text == "Andel i job var 20,0 % i 2020; udgangspunktet var 26,0 % i 2012."


def test_trend_chart_takes_the_trajectory_from_the_rule():
    """No line where the rule has none (a target before its baseline), the rule's line otherwise."""
    backwards = replace(tiny_indicator(), baseline_period=P("2010-01"), target_period=P("2009-12"))
    assert charts.trend_layout(backwards, TINY_ROWS).trajectory is None is assess.trajectory(backwards)
    ind = tiny_indicator()
    assert charts.trend_layout(ind, TINY_ROWS).trajectory == assess.trajectory(ind) == (
        (P("2008-01"), 50.0), (P("2009-12"), 55.0))
    root = parse(charts.trend_chart(backwards, TINY_ROWS, None))
    assert not [g for g in root.iter(f"{SVG}g") if g.get("id") == "trajectory"]


def test_a_gauge_indicator_draws_the_path_of_required_growth():
    """Rule gauge judges the growth rate: a figure on the drawn curve has ratio 1 exactly."""
    ind = replace(tiny_indicator(), rule="gauge", baseline_value=40.0, baseline_period=P("2010"),
                  target_value=80.0, target_period=P("2020"))
    layout = charts.trend_layout(ind, ())
    path = layout.trajectory
    assert path == assess.expected_path(ind) and len(path) > 10
    assert path[0] == (P("2010"), 40.0) and path[-1][0] == P("2020") and path[-1][1] == pytest.approx(80.0)
    middle = next(v for p, v in path if p == P("2015"))
    assert middle == pytest.approx(40.0 * 2 ** 0.5)  # constant growth, not the straight line's 60
    on_curve = Measurement("T1", P("2015"), middle, "2008-12")
    assert assess.gauge_ratio(ind, 40.0, P("2010"), on_curve) == pytest.approx(1.0)
    line = next(group(parse(charts.trend_chart(ind, (on_curve,), None)), "trajectory").iter(f"{SVG}path"))
    assert len(re.findall(r"[ML] ", line.get("d"))) > 2  # a curve, drawn as many segments


# --- overview -------------------------------------------------------------------------------------------


def test_overview_shows_colour_symbol_words_and_carry_over():
    chart = charts.overview_chart(AREAS, AREA_RESULTS, updates=UPDATES)
    root = parse(chart)
    words = texts(root)
    for area, result in zip(AREAS, AREA_RESULTS, strict=True):
        s = palette.style(result.signal)
        assert area.name in words
        assert f"{s.word} ({s.meaning})" in words
        assert fill_of(group(root, f"tile-{area.id}")) == s.fill.lower()
    symbols = {s.symbol for s in palette.STYLES.values()}
    assert [w for w in words if w in symbols] == ["↓", "→", "↑", "○", "→", "↑"]
    assert words.count("overført fra maj 2009") == 2
    assert chart.alt_text == (
        "Signaler for 6 indsatsområder: Beskæftigelse rød (tilbagegang); Uddannelse gul (stilstand); "
        "Bolig grøn (fremskridt), overført fra maj 2009; Kultur og fritid grå (kan ikke vurderes); "
        "Sundhed gul (stilstand), overført fra maj 2009; Tryghed grøn (fremskridt).")


# --- district bars ----------------------------------------------------------------------------------------


def test_district_bars_by_signal_and_suppressed_without_bar():
    chart = charts.district_bar_chart(B1, BYDELE, DISTRICT_RESULTS)
    root = parse(chart)
    bars = [g.get("id") for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("bar-")]
    assert bars == [f"bar-{i}" for i in range(1, 10)]
    assert fill_of(group(root, "bar-9")) == palette.FILL["grey"].lower()
    assert fill_of(group(root, "bar-3")).startswith("url(#")  # red is hatched
    assert "".join(texts(group(root, "note-10"))) == "for få observationer"
    words = texts(root)
    assert "Vesterbro/Kongens Enghave" in words and "68,4 %  ↑" in words
    assert chart.alt_text == (
        "Andel beskæftigede indvandrere/efterkommere efter bydel. "
        "Grøn (fremskridt): Indre By 66,1 %, Østerbro 68,4 % og Vanløse 64,0 %. "
        "Gul (stilstand): Vesterbro/Kongens Enghave 60,7 % og Valby 61,9 %. "
        "Rød (tilbagegang): Nørrebro 55,2 %, Brønshøj-Husum 57,5 % og Bispebjerg 54,8 %. "
        "Grå (kan ikke vurderes): Amager Øst 63,3 %. For få observationer: Amager Vest.")


# --- maps -------------------------------------------------------------------------------------------------


def test_map_draws_one_shape_per_geojson_feature(signal_map):
    features = json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]
    root = parse(signal_map)
    shapes = [g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("district-")]
    assert len(shapes) == len(features) == 10
    # Indre By is a MultiPolygon of four parts: one subpath each.
    d = next(group(root, "district-1").iter(f"{SVG}path")).get("d")
    assert d.count("M ") == 4 and d.count("z") == 4


def test_map_hatches_suppressed_districts_with_their_own_pattern(signal_map):
    root = parse(signal_map)
    patterns = {p.get("id") for p in root.iter(f"{SVG}pattern")}
    fills = {i: fill_of(group(root, f"district-{i}")) for i in range(1, 11)}
    suppressed = re.fullmatch(r"url\(#(\w+)\)", fills[10]).group(1)
    assert suppressed in patterns
    assert list(fills.values()).count(fills[10]) == 1
    for i, signal in ((1, "green"), (3, "red"), (4, "yellow")):
        assert fills[i].startswith("url(#") and fills[i] != fills[10], signal
    assert fills[9] == palette.FILL["grey"].lower()  # grey: plain, no hatch
    assert {fills[1], fills[2], fills[6]} == {fills[1]}  # same signal, same pattern
    assert palette.SUPPRESSED_LABEL in texts(root)


def test_map_legend_and_key_are_text(signal_map):
    words = texts(parse(signal_map))
    for s in palette.STYLES.values():
        assert s.label in words
    for d in BYDELE:
        assert d.name in words and d.geo_id in words


def test_map_alt_texts(signal_map):
    assert signal_map.alt_text == (
        "Kort over bydelene: Andel beskæftigede indvandrere/efterkommere. "
        "Grøn (fremskridt): Indre By, Østerbro og Vanløse. "
        "Gul (stilstand): Vesterbro/Kongens Enghave og Valby. "
        "Rød (tilbagegang): Nørrebro, Brønshøj-Husum og Bispebjerg. "
        "Grå (kan ikke vurderes): Amager Øst. "
        "For få observationer: Amager Vest.")
    by_value = charts.district_map(B1, GEOJSON, "bydel_nr", BYDELE[:3], DISTRICT_RESULTS, style="value")
    assert by_value.name == "map-B1-value"
    assert by_value.alt_text == (
        "Kort over bydelene: Andel beskæftigede indvandrere/efterkommere, jo mørkere, desto højere. "
        "Indre By 66,1 %, Østerbro 68,4 % og Nørrebro 55,2 %; højest i Østerbro, lavest i Nørrebro.")


def test_value_map_shades_darker_for_higher_values():
    chart = charts.district_map(B1, GEOJSON, "bydel_nr", BYDELE, DISTRICT_RESULTS, style="value")
    root = parse(chart)
    lum = {i: palette.relative_luminance(fill_of(group(root, f"district-{i}"))) for i in (2, 3, 5)}
    assert lum[2] < lum[5] < lum[3]  # 68,4 % darker than 61,9 % darker than 55,2 %
    assert fill_of(group(root, "district-10")).startswith("url(#")


def test_label_points_fall_inside_their_district():
    features = geo.project_features(geo.read_features(GEOJSON, "bydel_nr"))
    assert [f.key for f in features] == [str(i) for i in range(1, 11)]
    for f in features:
        x, y = geo.label_point(f)
        polygon = max(f.polygons, key=lambda p: abs(geo._ring_area(p[0])))
        assert len([c for c in geo._crossings(polygon, y) if c < x]) % 2 == 1, f.name


def test_projection_scales_longitude_by_cos_latitude():
    features = geo.read_features(GEOJSON, "bydel_nr")
    x0, y0, x1, y1 = geo.bounds(features)
    px0, _, px1, _ = geo.bounds(geo.project_features(features))
    assert (px1 - px0) / (x1 - x0) == pytest.approx(np.cos(np.radians((y0 + y1) / 2)))


def test_map_without_key_property_names_the_file(tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
                   '"geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}}]}')
    with pytest.raises(charts.RenderError, match='bad.geojson: kortområde 1 mangler egenskaben "nr"'):
        charts.district_map(B1, bad, "nr", [District("1", "Et", "1")], [])


# --- determinism, golden image, speed ---------------------------------------------------------------------


def test_identical_input_gives_identical_bytes(trend, signal_map):
    again = charts.trend_chart(B1, B1_ROWS, B1_RESULT, updates=UPDATES, place="København")
    assert again.svg == trend.svg and again.png == trend.png
    map_again = charts.district_map(B1, GEOJSON, "bydel_nr", BYDELE, DISTRICT_RESULTS)
    assert map_again.svg == signal_map.svg and map_again.png == signal_map.png


def test_bytes_and_cache_key_are_the_same_in_another_process(trend):
    spec = charts.ChartSpec.of("trend", B1, B1_ROWS, B1_RESULT, updates=UPDATES, place="København")
    code = ("import hashlib, sys\n"
            "from reportgen.charts import draw as charts\n"
            "from tests.chart_fixtures import *\n"
            "spec = charts.ChartSpec.of('trend', B1, B1_ROWS, B1_RESULT, updates=UPDATES,\n"
            "                           place='København')\n"
            "c = charts.render(spec)\n"
            "print(spec.key, hashlib.sha256(c.svg).hexdigest(), hashlib.sha256(c.png).hexdigest())\n")
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == [spec.key, hashlib.sha256(trend.svg).hexdigest(), hashlib.sha256(trend.png).hexdigest()]


def test_tiny_trend_chart_matches_the_reviewed_image():
    chart = charts.trend_chart(tiny_indicator(), TINY_ROWS, None)
    golden = GOLDEN / "trend-tiny.png"
    new = GOLDEN / "trend-tiny.new.png"
    got = np.asarray(Image.open(io.BytesIO(chart.png)).convert("RGB"), dtype=float)
    want = np.asarray(Image.open(golden).convert("RGB"), dtype=float)
    diff = float(np.abs(got - want).mean()) if got.shape == want.shape else float("inf")
    if diff > MAX_MEAN_PIXEL_DIFF:
        new.write_bytes(chart.png)
        pytest.fail(f"trend-tiny differs from the golden image (mean diff {diff:.2f}); "
                    f"review {new} and copy it over {golden.name} if it is right")
    new.unlink(missing_ok=True)


def test_png_is_print_size():
    chart = charts.trend_chart(tiny_indicator(), TINY_ROWS, None)
    with Image.open(io.BytesIO(chart.png)) as img:
        width_cm = img.width / charts.PNG_DPI * 2.54
    assert 150 <= charts.PNG_DPI <= 200
    assert width_cm == pytest.approx(charts.WIDTH_CM, abs=0.05)


# --- cache ------------------------------------------------------------------------------------------------


@pytest.fixture
def counted(monkeypatch):
    calls: list[str] = []
    real = charts.CHART_KINDS["trend"]

    def trend(*args, **kwargs):
        calls.append("trend")
        return real(*args, **kwargs)

    monkeypatch.setitem(charts.CHART_KINDS, "trend", trend)
    return calls


def test_cache_hit_does_not_redraw(tmp_path, counted):
    spec = charts.ChartSpec.of("trend", tiny_indicator(), TINY_ROWS, None)
    first = charts.ChartCache(tmp_path).get(spec, charts.render)
    cache = charts.ChartCache(tmp_path)  # a new build, same folder
    second = cache.get(spec, charts.render)
    assert counted == ["trend"]
    assert (cache.hits, cache.misses) == (1, 0)
    assert second == first
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{spec.key}.{e}" for e in ("json", "png", "svg")]


def test_changed_input_or_version_redraws(tmp_path, counted, monkeypatch):
    cache = charts.ChartCache(tmp_path)
    cache.get(charts.ChartSpec.of("trend", tiny_indicator(), TINY_ROWS, None), charts.render)
    cache.get(charts.ChartSpec.of("trend", tiny_indicator(), TINY_ROWS[:2], None), charts.render)
    cache.get(charts.ChartSpec.of("trend", tiny_indicator("Andet navn"), TINY_ROWS, None), charts.render)
    monkeypatch.setattr(chartcache, "CHART_VERSION", "test")
    charts.render_chart_cached(charts.ChartSpec.of("trend", tiny_indicator(), TINY_ROWS, None), tmp_path)
    assert len(counted) == 4


def test_cache_key_follows_map_file_content(tmp_path):
    copy = tmp_path / "map.geojson"
    copy.write_bytes(GEOJSON.read_bytes())
    spec = charts.ChartSpec.of("district_map", B1, copy, "bydel_nr", BYDELE, DISTRICT_RESULTS)
    moved = charts.ChartSpec.of("district_map", B1, GEOJSON, "bydel_nr", BYDELE, DISTRICT_RESULTS)
    before = spec.key
    assert before == moved.key  # the path does not matter, the content does
    copy.write_bytes(GEOJSON.read_bytes().replace(b'"Valby"', b'"Valby "'))
    assert spec.key != before


def test_broken_cache_entry_is_redrawn(tmp_path, counted):
    spec = charts.ChartSpec.of("trend", tiny_indicator(), TINY_ROWS, None)
    charts.ChartCache(tmp_path).get(spec, charts.render)
    (tmp_path / f"{spec.key}.json").write_text("{not json")
    assert charts.ChartCache(tmp_path).get(spec, charts.render).alt_text.startswith("Andel i job")
    assert len(counted) == 2


def test_unknown_inputs_are_refused():
    with pytest.raises(ValueError):
        charts.ChartSpec.of("pie")
    with pytest.raises(TypeError):
        _ = charts.ChartSpec.of("trend", object()).key


def test_overview_prints_the_override_reason_beside_the_colour():
    result = AreaResult("BES", "yellow", False, True, override_reason="Faldet skyldes krisen")
    chart = charts.overview_chart(AREAS[:1], [result])
    assert "forvaltningens vurdering: Faldet skyldes krisen" in texts(parse(chart))
    assert chart.alt_text == ("Signaler for 1 indsatsområde: Beskæftigelse gul (stilstand), "
                              "forvaltningens vurdering: Faldet skyldes krisen.")


def test_national_map_has_a_shape_per_municipality_and_no_key():
    from reportgen.inputs import read_barometer
    from reportgen.signals.assess import assess

    b = read_barometer(Path(__file__).resolve().parents[1] / "data" / "danmark")
    ind = b.indicators[0]
    r = assess(b).indicator(ind.id)
    chart = charts.district_map(ind, b.map_path, b.config.map_key, b.districts, r.districts,
                                places="kommunerne")
    root = parse(chart)
    shapes = [g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("district-")]
    assert len(shapes) == 98
    words = texts(root)
    assert palette.STYLES["green"].label in words
    assert "København" not in words and "0101" not in words  # no key beside the map
    assert chart.alt_text.startswith("Kort over kommunerne: ") and "København" in chart.alt_text


def _change_map(direction: str) -> ET.Element:
    changes = tuple(replace(DISTRICT_RESULTS[i], value=v, change=v) for i, v in enumerate((-2.8, 1.5, 0.0)))
    ind = replace(B1, direction=direction, unit="value")
    return parse(charts.district_map(ind, GEOJSON, "bydel_nr", BYDELE[:3], changes, style="change",
                                     legend_title="Ændring i procentpoint"))


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))


def test_change_map_is_diverging_around_zero_and_follows_the_good_direction():
    # Up is good: the fall (district 1) is red, the rise (district 2) blue, no change near white.
    root = _change_map("up")
    fall, rise, still = (_rgb(fill_of(group(root, f"district-{i}"))) for i in (1, 2, 3))
    assert fall[0] > fall[2] + 60 and rise[2] > rise[0] + 60, (fall, rise)
    assert min(still) > 225, still
    # Where lower is better, the same fall is the right way: blue; the rise red.
    root = _change_map("down")
    fall, rise = (_rgb(fill_of(group(root, f"district-{i}"))) for i in (1, 2))
    assert fall[2] > fall[0] + 60 and rise[0] > rise[2] + 60, (fall, rise)
    words = texts(root)
    assert "Ændring i procentpoint" in words  # the legend's title with the unit
    assert any("rigtige vej" in w for w in words) and any("forkerte vej" in w for w in words)
    assert "+1,5" in words and "\u22122,8" in words  # the key signs each change
    assert not list(root.iter(f"{SVG}image"))  # the colour bar is vector too


def test_the_value_axis_is_titled_with_the_indicators_unit_text():
    """A grade gap's axis reads "Karakterpoint", a count of housing areas "Boligområder", not "Værdi"."""
    from reportgen.inputs import read_barometer
    from tests.conftest import DEMO

    b = read_barometer(DEMO)
    assert charts.unit_label(b.indicator("UDD1")) == "Karakterpoint"
    assert charts.unit_label(b.indicator("BOL2")) == "Boligområder"
    assert charts.unit_label(b.indicator("BES1")) == "Procent"
    assert charts.unit_label(replace(b.indicator("BOL2"), unit_text=None)) == "Antal"
    chart = charts.trend_chart(b.indicator("UDD1"), b.measurements_of("UDD1"), None)
    assert b"Karakterpoint" in chart.svg and b"V\xc3\xa6rdi" not in chart.svg
