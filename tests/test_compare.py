"""Signal methods side by side (compare.py, the Bilag 1 appendix) and the national and gauge rules."""

from __future__ import annotations

import io
import json
import math
import os
import re
import subprocess
import sys
import zipfile

import pytest

from reportgen.document import Document, DocumentMeta, Heading, ListBlock, Paragraph, Table
from reportgen.documents.sensitivity import sensitivity_blocks
from reportgen.narrate import explain
from reportgen.narrate.compare import (
    METHODS,
    allows,
    compare,
    comparison_json,
    comparison_table,
    disagreement_sentence,
)
from reportgen.signals.assess import assess
from tests.barometer_builders import barometer, indicator, m, override
from tests.conftest import ROOT

U1, U2 = "2008-06", "2008-12"
COLOUR = {"green": "Grøn", "yellow": "Gul", "red": "Rød"}


def result(b, update=U1, ind="A1"):
    return assess(b, update).indicator(ind)


# --- a fixture with a known disagreement ---------------------------------------------------------
#
# A1 (percent, up, tolerance 1,5): baseline 50,0 in January 2007, target 60,0 in January 2011;
# 55,0 (se 0,2) in January 2008, then 54,0 (se 0,2) in January 2009.
#   previous:      change -1,0, z = -1 / sqrt(0,08) = -3,54, significant; |-1,0| <= 1,5 -> yellow
#   baseline:      54,0 - 50,0 = +4,0 > 1,5 -> green
#   trajectory:    the line is 50 + 10 * 24/48 = 55,0 in January 2009; 54,0 is below it, and the
#                  step against the previous figure is yellow -> yellow
#   national:      54 against 50 in whole units -> green
#   gauge:         (54/50)^(12/24) - 1 = 3,923 % a year; required (60/50)^(12/48) - 1 = 4,664 %;
#                  ratio 0,8412 -> yellow
#   significance:  the z-test alone (no tolerance): significant fall -> red
# B1 (value, down, 2 decimals, no baseline, target or se): 0,50 -> 0,40 is green, only "previous".
# C1 (percent, up): baseline 40 in 2007, one figure 45 in 2008 -> grey against the (missing)
#   previous figure, green against the baseline and in whole units: grey is no verdict, no disagreement.

A1_EXPECTED = {
    "previous": "yellow",
    "baseline": "green",
    "trajectory": "yellow",
    "national": "green",
    "gauge": "yellow",
    "significance": "red",
}


def fixture(**kw):
    a1 = indicator(
        "A1",
        "A",
        name="Andel i job",
        tolerance=1.5,
        baseline_value=50.0,
        baseline_period="2007-01",
        target_value=60.0,
        target_period="2011-01",
    )
    b1 = indicator("B1", "B", name="Karaktergab", unit="value", direction="down", decimals=2)
    c1 = indicator(
        "C1", "B", name="Andel i foreninger", main=False, baseline_value=40.0, baseline_period="2007"
    )
    rows = [
        m("A1", "2008-01", 55.0, U1, se=0.2),
        m("A1", "2009-01", 54.0, U2, se=0.2),
        m("B1", "2007", 0.50, U1),
        m("B1", "2008", 0.40, U2),
        m("C1", "2008", 45.0, U2),
    ]
    return barometer([a1, b1, c1], rows, updates=(U1, U2), **kw)


def test_compare_gives_each_method_its_hand_computed_colour():
    b = fixture()
    c = compare(b, U2)
    assert c.update == U2 and c.methods == METHODS
    a1 = c.indicator("A1")
    assert {v.method: v.signal for v in a1.verdicts} == A1_EXPECTED
    assert a1.disagree and a1.colours == ("yellow", "green", "red")
    gauge = a1.verdicts[METHODS.index("gauge")].result
    assert math.isclose(gauge.gauge_ratio, (1.08**0.5 - 1) / (1.2**0.25 - 1), rel_tol=1e-12)
    assert {v.method: v.signal for v in c.indicator("B1").verdicts} == {
        "previous": "green",
        "baseline": None,
        "trajectory": None,
        "national": None,
        "gauge": None,
        "significance": None,
    }
    c1 = c.indicator("C1")
    assert {v.method: v.signal for v in c1.verdicts} == {
        "previous": "grey",
        "baseline": "green",
        "trajectory": None,
        "national": "green",
        "gauge": None,
        "significance": None,
    }
    assert not c1.disagree and not c.indicator("B1").disagree
    assert [i.indicator for i in c.disagreements] == ["A1"]


def test_compare_at_an_earlier_update_and_its_own_rule_matches_assess():
    b = fixture()
    c = compare(b, U1)
    # At U1 A1 has one figure: grey against a previous figure, but 55 vs 50 is green from the baseline.
    assert {v.method: v.signal for v in c.indicator("A1").verdicts} == {
        "previous": "grey",
        "baseline": "green",
        "trajectory": "green",
        "national": "green",
        "gauge": "green",
        "significance": None,
    }
    assert c.indicator("A1").signal == assess(b, U1).indicator("A1").signal == "grey"


def test_overrides_change_the_official_colour_not_the_methods():
    b = fixture(overrides=(override(U2, "A1", "red", "Krisen"),))
    a1 = compare(b, U2).indicator("A1")
    assert (a1.signal, a1.overridden) == ("red", True)
    assert {v.method: v.signal for v in a1.verdicts} == A1_EXPECTED


def test_the_z_test_alone_needs_se_on_both_figures():
    ind = indicator(baseline_value=50.0, baseline_period="2007-01")
    b = barometer(
        [ind], [m("A1", "2008-01", 55.0, U1, se=0.2), m("A1", "2009-01", 54.0, U2)], updates=(U1, U2)
    )
    assert compare(b, U2).indicator("A1").signal_of("significance") is None


def test_allows_follows_what_validation_accepts_as_a_rule():
    plain = indicator()
    assert [mth for mth in METHODS if allows(plain, mth)] == ["previous", "significance"]
    base = indicator(baseline_value=1.0, baseline_period="2007")
    assert [mth for mth in METHODS if allows(base, mth)] == [
        "previous",
        "baseline",
        "national",
        "significance",
    ]
    full = indicator(baseline_value=1.0, baseline_period="2007", target_value=2.0, target_period="2010")
    assert all(allows(full, mth) for mth in METHODS)
    backwards = indicator(baseline_value=1.0, baseline_period="2010", target_value=2.0, target_period="2007")
    assert not allows(backwards, "trajectory") and not allows(backwards, "gauge")


def test_disagreement_sentence_names_the_own_rule_first():
    b = fixture()
    assert disagreement_sentence(b, compare(b, U2).indicator("A1")) == (
        "»Andel i job« er gul efter reglen om forrige måling, målt mod den lige linje fra udgangspunkt "
        "til mål og målt på den årlige takt mod målet, men grøn målt mod udgangspunktet og målt i hele "
        "enheder mod udgangspunktet, og rød efter signifikanstesten alene."
    )


def test_disagreement_sentence_when_the_own_rule_cannot_assess():
    ind = indicator(name="Andel i job", baseline_value=50.0, baseline_period="2007-01")
    b = barometer([ind], [m("A1", "2008-01", 50.3, U1)], updates=(U1,))
    ic = compare(b, U1).indicator("A1")
    # 50,3 - 50,0 = +0,3 is green against the baseline; in whole units 50 = 50 is yellow.
    assert (ic.signal_of("baseline"), ic.signal_of("national"), ic.disagree) == ("green", "yellow", True)
    assert disagreement_sentence(b, ic) == (
        "»Andel i job« kan ikke vurderes efter reglen om forrige måling, men er grøn målt mod "
        "udgangspunktet, og gul målt i hele enheder mod udgangspunktet."
    )


def test_comparison_json_shape():
    b = fixture()
    data = comparison_json(b, compare(b, U2))
    assert list(data) == ["update", "methods", "indicators", "disagreements"]
    assert data["methods"] == list(METHODS) and data["disagreements"] == ["A1"]
    a1, b1, _ = data["indicators"]
    assert list(a1) == [
        "id",
        "area",
        "name",
        "rule",
        "signal",
        "overridden",
        "methods",
        "disagree",
        "sentence",
        "explanations",
    ]
    assert list(a1["methods"]) == list(METHODS) and a1["methods"] == A1_EXPECTED
    assert a1["explanations"]["significance"] == (
        "Rød, fordi faldet på 1,0 procentpoint fra januar 2008 til januar 2009 går den forkerte vej og er "
        "statistisk signifikant (z = −3,54)."
    )
    assert a1["explanations"]["previous"] == (
        "Gul, fordi faldet på 1,0 procentpoint fra januar 2008 til januar 2009 ligger inden for tolerancen "
        "på 1,5 procentpoint."
    )
    assert a1["sentence"].startswith("»Andel i job« er gul efter reglen om forrige måling")
    assert (b1["disagree"], b1["sentence"], b1["methods"]["baseline"], b1["explanations"]["baseline"]) == (
        False,
        None,
        None,
        None,
    )
    json.dumps(data, ensure_ascii=False)  # plain JSON types only


def test_terminal_table_shows_symbol_word_and_marks():
    from rich.console import Console

    b = fixture()
    out = io.StringIO()
    Console(file=out, width=220, force_terminal=True, color_system="standard").print(
        comparison_table(b, compare(b, U2))
    )
    ansi = out.getvalue()
    assert "\x1b[33m→ gul *" in ansi and "\x1b[32m↑ grøn" in ansi and "\x1b[31m↓ rød" in ansi
    text = re.sub(r"\x1b\[[0-9;]*m", "", ansi)
    a1_line = next(line for line in text.splitlines() if "A1 Andel i job" in line)
    assert [c.strip() for c in a1_line.split("│")[1:9]] == [
        "≠",
        "A1 Andel i job",
        "→ gul *",
        "↑ grøn",
        "→ gul",
        "↑ grøn",
        "→ gul",
        "↓ rød",
    ]
    b1_line = next(line for line in text.splitlines() if "B1 Karaktergab" in line)
    assert [c.strip() for c in b1_line.split("│")[1:9]] == [
        "",
        "B1 Karaktergab",
        "↑ grøn *",
        "–",
        "–",
        "–",
        "–",
        "–",
    ]
    assert "* indikatorens egen regel" in text


# --- the CLI -------------------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "220"}
    return subprocess.run(
        [sys.executable, "-m", "reportgen.cli", "compare", *args],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


FOLDER_FILES = {
    "indicators.csv": """\
        id,area,name,main,unit,direction,decimals,rule,tolerance,baseline_value,baseline_period,target_value,target_period,committee,source,districts
        A1,A,Andel i job,yes,percent,up,1,previous,1.5,50.0,2007-01,60.0,2011-01,BIU,Danmarks Statistik,no
        B1,B,Karaktergab,yes,value,down,2,previous,0,,,,,BUU,Undervisningsministeriet,no
        """,
    "measurements.csv": """\
        indicator,period,value,se,n,district,update
        A1,2008-01,55.0,0.2,,,2008-06
        A1,2009-01,54.0,0.2,,,2009-06
        B1,2007,0.50,,,,2008-06
        B1,2008,0.40,,,,2009-06
        """,
}


def test_cli_json_and_table(make_barometer):
    folder = make_barometer(files=FOLDER_FILES)
    proc = run(str(folder), "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout.decode("utf-8"))
    assert data["update"] == "2009-06" and data["indicators"][0]["methods"] == A1_EXPECTED
    proc = run(str(folder))
    assert proc.returncode == 0, proc.stderr.decode()
    out = " ".join(proc.stdout.decode("utf-8").split())
    assert "opdateringen juni 2009" in out and "Metoderne er uenige om 1 af 2 indikatorer." in out
    assert "»Andel i job« er gul efter reglen om forrige måling" in out
    # At 2008-12 A1 is carried from June 2008, when every method that could judge 55 against 50 said green.
    earlier = json.loads(run(str(folder), "--update", "2008-12", "--json").stdout.decode("utf-8"))
    assert earlier["disagreements"] == [] and earlier["indicators"][0]["methods"]["previous"] == "grey"


def test_cli_unknown_update_exits_1_and_prints_nothing(make_barometer):
    folder = make_barometer(files=FOLDER_FILES)
    proc = run(str(folder), "--update", "2010-06", "--json")
    assert proc.returncode == 1 and proc.stdout == b""
    assert 'opdateringen "2010-06" findes ikke' in proc.stderr.decode("utf-8")


# --- the Bilag 1 appendix ------------------------------------------------------------------------


def test_sensitivity_blocks_list_the_disagreements_and_a_compact_table():
    b = fixture()
    blocks = sensitivity_blocks(b, compare(b, U2))
    heading = blocks[0]
    assert isinstance(heading, Heading) and (heading.text, heading.level) == ("Metodefølsomhed", 1)
    texts = [" ".join(r.text for r in blk.runs) for blk in blocks if isinstance(blk, Paragraph)]
    assert "For én indikator ud af tre giver metoderne forskellige farver." in texts[1]
    lists = [blk for blk in blocks if isinstance(blk, ListBlock)]
    assert [r.text for r in lists[0].items[0]] == [
        "Forrige måling",
        ": den seneste måling sammenlignet med den forrige måling.",
    ]
    assert [item[0].text for item in lists[1].items] == [
        disagreement_sentence(b, compare(b, U2).indicator("A1"))
    ]
    table = next(blk for blk in blocks if isinstance(blk, Table))
    assert table.header == (
        "Indikator",
        "Forrige måling",
        "Udgangspunkt",
        "Linje til mål",
        "Hele enheder",
        "Takt mod mål",
        "Kun signifikans",
    )
    assert [[c.text for c in row] for row in table.rows] == [
        ["Andel i job", "→ Gul *", "↑ Grøn", "→ Gul", "↑ Grøn", "→ Gul", "↓ Rød"]
    ]
    assert table.rows[0][1].fill is not None  # tinted like every signal cell


def test_sensitivity_names_an_override_and_says_so_when_all_agree():
    b = fixture(overrides=(override(U2, "A1", "red", "Krisen"),))
    blocks = sensitivity_blocks(b, compare(b, U2))
    sentence = (
        next(blk for blk in blocks if isinstance(blk, ListBlock) and len(blk.items) == 1).items[0][0].text
    )
    assert sentence.endswith(
        "og rød efter signifikanstesten alene. Forvaltningen har dog fastsat farven til rød."
    )
    calm = barometer(
        [indicator()], [m("A1", "2008-01", 50.0, U1), m("A1", "2008-07", 51.0, U2)], updates=(U1, U2)
    )
    blocks = sensitivity_blocks(calm, compare(calm, U2))
    assert not any(isinstance(blk, Table) for blk in blocks)
    assert blocks[-1].runs[0].text == (
        "Alle metoder giver samme farve for den ene indikator, hvor de kan bruges. Signalfarverne afhænger "
        "altså ikke af valget af metode."
    )


def test_sensitivity_appendix_reads_back_from_docx():
    from reportgen.render.docx import render_docx

    b = fixture()
    meta = DocumentMeta(
        label="Bilag 1",
        title="Orientering",
        municipality="Testrup Kommune",
        administration=None,
        date_text="1. december 2008",
        running_header="Test",
    )
    data = render_docx(Document("bilag1", meta, sensitivity_blocks(b, compare(b, U2))))
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    assert "Metodefølsomhed" in xml and "»Andel i job« er gul efter reglen om forrige måling" in xml
    assert "Kun signifikans" in xml and "↓ Rød" in xml
    for leak in ("None", "nan", "green", "yellow", "significance"):
        assert leak not in xml.replace("xml:space", "")


# --- rule national: whole units against the baseline -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "direction", "signal", "words"),
    [
        (45.4, "up", "yellow", "uændret fra 45 i 2006 til 45 i 2008"),  # 44,6 -> 45 and 45,4 -> 45
        (45.5, "up", "green", "steget fra 45 i 2006 til 46 i 2008"),  # half away from zero: 46
        (44.4, "up", "red", "faldet fra 45 i 2006 til 44 i 2008"),
        (45.5, "down", "red", "steget fra 45 i 2006 til 46 i 2008"),
    ],
)
def test_national_rule(value, direction, signal, words):
    ind = indicator(rule="national", direction=direction, baseline_value=44.6, baseline_period="2006")
    b = barometer([ind], [m("A1", "2008", value, U1)])
    r = result(b)
    assert r.signal == signal
    # the change stays the real one at the indicator's decimals; only the colour uses whole units
    assert r.change == round(value - 44.6, 1)
    assert (r.reference_value, str(r.reference_period)) == (44.6, "2006")
    assert explain(b, ind, r) == f"{COLOUR[signal]}, fordi tallet afrundet til hele enheder er {words}."


def test_national_rule_rounds_negative_halves_away_from_zero():
    ind = indicator(rule="national", unit="value", baseline_value=-0.5, baseline_period="2006")  # -> -1
    b = barometer([ind], [m("A1", "2008", -0.4, U1)])  # -> 0: up by one whole unit
    assert result(b).signal == "green"


def test_national_rule_without_baseline_is_grey():
    b = barometer([indicator(rule="national")], [m("A1", "2008", 45.0, U1)])
    r = result(b)
    assert (r.signal, r.change, r.reference_value) == ("grey", None, None)
    assert explain(b, b.indicators[0], r) == "Grå, fordi der ikke er et udgangspunkt at sammenligne med."


# --- rule gauge: the Open SDG / Eurostat growth-rate ratio ------------------------------------------


def gauge(
    baseline: float,
    target: float,
    value: float,
    *,
    period: str = "2009-01",
    direction: str = "up",
    unit: str = "percent",
    target_period: str = "2010-01",
):
    ind = indicator(
        rule="gauge",
        unit=unit,
        direction=direction,
        baseline_value=baseline,
        baseline_period="2008-01",
        target_value=target,
        target_period=target_period,
    )
    b = barometer([ind], [m("A1", period, value, U1)])
    r = result(b)
    return r, explain(b, ind, r)


@pytest.mark.parametrize(
    ("baseline", "target", "value", "direction", "ratio", "signal"),
    [
        # 55 after one year: 10 % a year against (60/50)^(1/2) - 1 = 9,54 % needed
        (50.0, 60.0, 55.0, "up", 0.10 / (1.2**0.5 - 1), "green"),
        # down: 20 -> 16 is -20 % a year; needed (10/20)^(1/2) - 1 = -29,29 %
        (20.0, 10.0, 16.0, "down", 0.20 / (1 - 0.5**0.5), "yellow"),
        # down and getting worse: +10 % a year
        (20.0, 10.0, 22.0, "down", -0.10 / (1 - 0.5**0.5), "red"),
        # a negative series that should rise: -2 -> -1,5 shrinks by 25 %, needed (1/2)^(1/2) - 1
        (-2.0, -1.0, -1.5, "up", 0.25 / (1 - 0.5**0.5), "yellow"),
        # the baseline already met the target (62 >= 60), then the figure fell to 58: deterioration
        (62.0, 60.0, 58.0, "up", (58 / 62 - 1) / (1 - (60 / 62) ** 0.5), "red"),
    ],
)
def test_gauge_ratio_and_colour(baseline, target, value, direction, ratio, signal):
    r, why = gauge(baseline, target, value, direction=direction)
    assert r.signal == signal
    assert math.isclose(r.gauge_ratio, ratio, rel_tol=1e-9)
    assert why == (
        f"{COLOUR[signal]}, fordi den årlige udvikling er {round(100 * ratio):d} procent af den "
        "takt, der skal til for at nå målet."
    ).replace("-", "\u2212")  # a negative share has the minus sign


def test_gauge_target_reached_is_green_without_a_ratio():
    r, why = gauge(50.0, 60.0, 61.0)
    assert (r.signal, r.gauge_ratio, r.remaining) == ("green", None, -1.0)
    assert why == "Grøn, fordi målet er nået."


@pytest.mark.parametrize(
    ("baseline", "target", "value", "period"),
    [
        (0.0, 60.0, 55.0, "2009-01"),  # zero baseline: no growth rate
        (50.0, 60.0, 0.0, "2009-01"),  # zero figure
        (-1.0, 2.0, 1.0, "2009-01"),  # the sign changes
        (
            50.0,
            60.0,
            52.0,
            "2008-01",
        ),  # the figure is from the baseline period: fewer than two points in time
        (50.0, 50.0, 49.0, "2009-01"),  # target = baseline: no rate is required
    ],
)
def test_gauge_grey_where_no_rate_can_be_computed(baseline, target, value, period):
    r, why = gauge(baseline, target, value, period=period, unit="value")
    assert (r.signal, r.gauge_ratio) == ("grey", None)
    assert why == "Grå, fordi udviklingstakten ikke kan beregnes."


def test_gauge_after_the_target_period_without_the_target_is_at_best_yellow():
    # 59,9 at the target period: sqrt(59,9/50) - 1 = 9,45 % against 9,54 % needed, ratio 0,99 -> would be
    # green, but the target is missed.
    r, why = gauge(50.0, 60.0, 59.9, period="2010-01")
    assert math.isclose(r.gauge_ratio, ((59.9 / 50) ** 0.5 - 1) / (1.2**0.5 - 1), rel_tol=1e-9)
    assert r.signal == "yellow"
    assert why == (
        "Gul, fordi målet for januar 2010 ikke er nået; den årlige udvikling er 99 procent af den "
        "takt, der skulle til."
    )
    late, _ = gauge(50.0, 60.0, 45.0, period="2011-01")  # later and worse than the baseline
    assert late.signal == "red" and late.gauge_ratio < 0
