"""A sparse, national-style barometer built end to end (issue 21): one figure per indicator judged
against a baseline years before, majority aggregation, no districts, min_n = 0. Its charts draw
the baseline on axes that read, and its texts speak only of what the barometer has."""
from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
from docx import Document as DocxDocument
from PIL import Image

from reportgen.charts import draw as charts
from reportgen.inputs.model import Period
from reportgen.rounds.pipeline import build, chart_specs, read_barometer
from reportgen.signals import assess
from tests.barometer_builders import SPARSE_FILES
from tests.conftest import write_barometer

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def sparse(tmp_path_factory):
    folder = write_barometer(tmp_path_factory.mktemp("sparse") / "barometer", SPARSE_FILES)
    result = build(folder, out_root=tmp_path_factory.mktemp("sparse-out"), use_cache=False)
    return folder, result.out_dir


def _layouts(folder) -> dict[str, charts.TrendLayout]:
    """Each trend chart's layout, from the very specs the build drew."""
    b = read_barometer(folder)
    specs = chart_specs(b, assess.assess(b))
    out = {}
    for (kind, ind_id), spec in specs.items():
        if kind == "trend":
            ind, rows, _result = spec.args
            out[ind_id] = charts.trend_layout(ind, rows, dict(spec.options).get("updates"))
    return out


def _svg_texts(path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_every_trend_chart_draws_the_baseline_its_colour_is_judged_against(sparse):
    folder, out = sparse
    layouts = _layouts(folder)
    assert set(layouts) == {"A1", "A2", "A3", "B1", "B2"}
    a1 = layouts["A1"]
    assert a1.measured == ((Period.parse("2020"), 20.0),)
    assert a1.baseline == (Period.parse("2012"), 26.0)
    assert a1.x_tick_labels == ("2012", "2020")  # the time axis spans the baseline and the figure
    assert [p.year for p in a1.x_minor] == list(range(2013, 2020))
    svg = ET.parse(out / "charts" / "trend-A1.svg").getroot()
    assert svg.find(f"{SVG}title").text == ("Andel indvandrere i beskæftigelse faldt fra 26,0 % i 2012 "
                                            "til 20,0 % i 2020.")
    words = _svg_texts(out / "charts" / "trend-A1.svg")
    for expected in ("Udgangspunkt 2012", "26,0 %", "20,0 %", "2012", "2020", "Procent", "Målt"):
        assert expected in words, expected
    # with a target: the target and the straight line from the baseline the rule uses
    b1 = layouts["B1"]
    assert b1.target == (Period.parse("2025"), 65.0)
    assert b1.trajectory == ((Period.parse("2012"), 55.0), (Period.parse("2025"), 65.0))
    assert b1.x_tick_labels == ("2012", "2021", "2025")
    words = _svg_texts(out / "charts" / "trend-B1.svg")
    for expected in ("Udgangspunkt 2012", "Mål", "Forventet udvikling mod målet", "55,0 %", "61,4 %", "65,0 %"):
        assert expected in words, expected


def test_value_axes_include_baseline_figure_and_target_and_are_wide_enough_to_read(sparse):
    folder, out = sparse
    layouts = _layouts(folder)
    for ind_id, layout in layouts.items():
        lo, hi = layout.y_limits
        values = [v for _, v in (*layout.measured, layout.baseline, layout.target or layout.baseline)]
        span = max(values) - min(values)
        assert lo < min(values) and hi > max(values), ind_id
        assert (min(values) - lo) >= 0.1 * span and (hi - max(values)) >= 0.1 * span, ind_id  # padded
    # percentages: several points wide, never the data's own 1-unit range (19,50 to 20,50)
    lo, hi = layouts["A1"].y_limits
    assert hi - lo >= charts.MIN_PERCENT_SPAN
    # a count: in proportion to its size; a grade average: not a hairline around 6,5-6,6
    lo, hi = layouts["A3"].y_limits
    assert hi - lo >= 0.1 * 4793 and lo > 0
    lo, hi = layouts["B2"].y_limits
    assert hi - lo >= 0.1 * 6.6 and lo <= 6.4 and hi >= 6.7
    # the drawn tick labels are whole percentage points inside the limits, in Danish format
    ticks = [t for t in _svg_texts(out / "charts" / "trend-A1.svg") if re.fullmatch(r"[\d.,]+", t)
             and t not in ("2012", "2020")]
    assert len(ticks) >= 3 and all("," not in t for t in ticks), ticks
    assert all(layouts["A1"].y_limits[0] <= float(t) <= layouts["A1"].y_limits[1] for t in ticks)
    count_ticks = [t for t in _svg_texts(out / "charts" / "trend-A3.svg") if re.fullmatch(r"\d\.\d{3}", t)]
    assert len(count_ticks) >= 3, count_ticks  # thousands point: 4.200, 4.400, ...


def test_method_note_speaks_only_of_what_the_barometer_has(sparse):
    _, out = sparse
    text = " ".join(_pdf_text(out / "bilag1.pdf").split())
    method = text[text.index("Signalregler"):]
    assert "observationer" not in text  # no districts, min_n = 0: nothing about suppression
    assert "bydel" not in text.lower()
    assert "National metode (fem indikatorer)" in method
    assert "den hyppigste farve blandt hovedindikatorerne" in method
    assert "Afstanden til målet" in method  # one indicator has a target
    assert not re.search(r"\bNone\b|\bnan\b", text)


def test_a_table_has_a_target_column_only_where_an_indicator_has_a_target(sparse):
    folder, out = sparse
    doc = DocxDocument(str(out / "bilag1.docx"))
    headers = {}
    for table in doc.tables:
        cells = [c.text for c in table.rows[0].cells]
        if cells[:2] == ["Indikator", "Seneste tal"]:
            headers[table.rows[1].cells[0].text.split(" (")[0]] = cells
    assert "Mål" not in headers["Andel indvandrere i beskæftigelse"]  # area A: no targets
    assert "Mål" in headers["Andel med en ungdomsuddannelse"]  # area B: B1 has one
    site = out / "site"
    assert ">Mål<" not in (site / "omraade-A.html").read_text(encoding="utf-8")
    assert ">Mål<" in (site / "omraade-B.html").read_text(encoding="utf-8")
    for page in site.glob("indikator-*.html"):
        assert "observationer" not in page.read_text(encoding="utf-8"), page.name


def test_pages_render_as_images(sparse, tmp_path):
    """Every page of Bilag 1 rasterises (pdftoppm) to a full A4 page with something drawn on it;
    the pages were looked at as PNG when this fixture was made."""
    _, out = sparse
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out / "bilag1.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 4
    for page in pages:
        with Image.open(page) as img:
            assert img.height / img.width == pytest.approx(297 / 210, abs=0.02)
            assert img.convert("L").getextrema()[0] < 128, page.name  # ink on it


def test_committee_letter_table_drops_the_target_column_without_targets():
    from reportgen.documents.bilag2 import indicator_table
    from tests.barometer_builders import barometer, indicator, m

    inds = [indicator("A1", rule="national", baseline_value=26.0, baseline_period="2012"),
            indicator("A2", rule="national", baseline_value=30.0, baseline_period="2012", direction="down")]
    b = barometer(inds, [m("A1", "2020", 20.0, "2009-06"), m("A2", "2020", 24.0, "2009-06")], min_n=0)
    table = indicator_table(b, assess.assess(b), inds)
    assert table.header == ("Indikator", "Signal", "Seneste tal", "Periode", "Ændring")
    assert {len(row) for row in table.rows} == {5} and len(table.widths) == len(table.align) == 5
    inds[1] = indicator("A2", rule="national", baseline_value=30.0, baseline_period="2012", direction="down",
                        target_value=20.0, target_period="2025")
    b = barometer(inds, list(b.measurements), min_n=0)
    table = indicator_table(b, assess.assess(b), inds)
    # value and period each kept on one line with no-break spaces
    assert table.header[-1] == "Mål" and [row[-1].text for row in table.rows] == ["–", "20,0\u00a0% (2025)"]


def test_first_update_case_and_advice_read_as_a_first_update(sparse):
    """One update, every indicator a main one: no 'Med 1 opdateringer er der løbende rapporteret', no
    'heraf 5 hovedindikatorer', and the colour history is a paragraph of its own."""
    _, out = sparse
    case = " ".join(_pdf_text(out / "sag.pdf").split())
    assert "Med 1 opdateringer" not in case
    assert "fordelt på de to indsatsområder, og alle er hovedindikatorer." in case
    assert "heraf 5 hovedindikatorer" not in case
    assert re.search(r"effekten af indsatsen\.\n\s*\nIntet indsatsområde", _pdf_text(out / "sag.pdf"))


def test_colour_grid_of_a_single_update_names_it_once_and_explains_only_what_it_shows(sparse):
    _, out = sparse
    text = " ".join(_pdf_text(out / "bilag3.pdf").split())
    assert "Indsatsområdernes signalfarver ved opdateringen i juni 2022" in text
    assert "fra juni 2022 til juni 2022" not in text
    assert "Overført: ingen nye tal" not in text  # no cell is carried over at a first update
