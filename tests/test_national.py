"""build-all: a district's rows as its own barometer, min_n, one report per district, failures, manifest."""
from __future__ import annotations

import hashlib
import json
import subprocess

import pytest
from barometer_builders import barometer, indicator, m
from conftest import ROOT
from typer.testing import CliRunner

from reportgen.cli import app
from reportgen.errors import ReportgenError
from reportgen.rounds import national
from reportgen.signals.assess import assess

U1, U2, U3 = "2008-06", "2008-12", "2009-06"


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def small_barometer():
    """A1 (districts, higher is better) and B1 (whole municipality only); three districts."""
    return barometer(
        [indicator("A1", "A", districts=True), indicator("B1", "B", direction="down")],
        [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 51.0, U2),
         m("A1", "2008-03", 40.0, U1, n=100, district="1"), m("A1", "2008-09", 38.0, U2, n=100, district="1"),
         m("A1", "2008-03", 30.0, U1, n=100, district="2"), m("A1", "2008-09", 35.0, U2, n=100, district="2"),
         m("A1", "2008-03", 20.0, U1, n=100, district="3"), m("A1", "2008-09", 25.0, U2, n=12, district="3"),
         m("B1", "2008-03", 0.5, U1), m("B1", "2008-09", 0.4, U2)],
        updates=(U1, U2), districts=("1", "2", "3"),
    )


def test_barometer_for_district_makes_the_district_rows_its_own():
    b = small_barometer()
    own = national.barometer_for_district(b, "2")
    assert own.config.municipality == "Bydel 2"
    assert [(x.value, x.district) for x in own.measurements] == [(30.0, None), (35.0, None)]
    assert [i.id for i in own.indicators] == ["A1"]  # B1 has no district figures
    assert [a.id for a in own.areas] == ["A"]
    assert own.districts == () and own.map_path is None
    result = assess(own, U2)
    assert result.indicator("A1").signal == "green"  # 30 -> 35, higher is better
    assert result.indicator("A1").change == 5.0
    assert result.area("A").signal == "green"
    falling = assess(national.barometer_for_district(b, "1"), U2)
    assert (falling.indicator("A1").signal, falling.indicator("A1").change) == ("red", -2.0)
    assert falling.area("A").signal == "red"
    with pytest.raises(ReportgenError, match='"9" er ikke et distrikt'):
        national.barometer_for_district(b, "9")


def test_min_n_greys_a_districts_newest_figure_and_its_area():
    b = small_barometer()
    own, result, suppression = national.district_assessment(b, "3", U2)
    assert assess(own, U2).indicator("A1").signal == "green"  # 20 -> 25 before min_n is applied
    r = result.indicator("A1")
    assert (r.signal, r.value, r.change) == ("grey", None, None)
    assert result.area("A").signal == "grey"
    assert suppression.current == ("A1",)
    text = national.narrate_district(own, result, suppression)
    assert "for få observationer (under 20)" in text.indicators["A1"].sentence
    assert text.indicators["A1"].explanation.startswith("Grå, fordi tallet bygger på for få observationer")
    assert any("for få observationer" in p for p in text.areas["A"].paragraphs)


def test_min_n_on_the_reference_figure_keeps_the_value_without_a_colour():
    b = barometer(
        [indicator("A1", "A", districts=True)],
        [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 51.0, U2),
         m("A1", "2008-03", 20.0, U1, n=5, district="1"), m("A1", "2008-09", 25.0, U2, n=80, district="1")],
        updates=(U1, U2), districts=("1",),
    )
    own, result, suppression = national.district_assessment(b, "1", U2)
    r = result.indicator("A1")
    assert (r.signal, r.value, r.change) == ("grey", 25.0, None)
    assert suppression.reference == ("A1",) and suppression.current == ()
    assert "Det tidligere tal bygger på for få observationer" in national.narrate_district(
        own, result, suppression).indicators["A1"].sentence


DISTRICT_FILES = {
    "districts.csv": """\
        id,name,geo_id
        01,Nordby,
        02,Sønderby,
        03,Østerby,
        """,
    "indicators.csv": """\
        id,area,name,main,unit,direction,decimals,rule,tolerance,baseline_value,baseline_period,target_value,target_period,committee,source,districts
        A1,A,Andel beskæftigede,yes,percent,up,1,previous,0,,,,,BIU,Danmarks Statistik,yes
        B1,B,Karaktergab,yes,value,down,2,previous,0,,,,,BUU,Undervisningsministeriet,no
        """,
    "measurements.csv": """\
        indicator,period,value,se,n,district,update
        A1,2008-03,50.0,,,,2008-06
        A1,2008-09,51.0,,,,2008-12
        A1,2009-03,50.5,,,,2009-06
        A1,2008-09,40.0,,100,01,2008-12
        A1,2009-03,38.0,,100,01,2009-06
        A1,2008-09,30.0,,100,02,2008-12
        A1,2009-03,35.5,,100,02,2009-06
        A1,2008-09,20.0,,100,03,2008-12
        A1,2009-03,25.0,,12,03,2009-06
        B1,2007,0.50,,,,2008-06
        B1,2008,0.40,,,,2009-06
        """,
}


def test_build_all_writes_a_report_per_district_and_one_for_the_whole(make_barometer, tmp_path):
    folder = make_barometer(DISTRICT_FILES)
    result = national.build_all(folder, out_root=tmp_path / "out", workers=2)
    assert result.failures == () and result.reports == 4
    out = tmp_path / "out" / "2009-06-kommuner"
    assert result.out_dir == out
    assert sorted(p.name for p in out.iterdir()) == ["01.pdf", "02.pdf", "03.pdf", "landet.pdf", "manifest.json"]
    expected = {"01": ("Nordby", "↓ Rød"), "02": ("Sønderby", "↑ Grøn"), "03": ("Østerby", "○ Grå")}
    for stem, (name, colour) in expected.items():
        text = pdf_text(out / f"{stem}.pdf")
        assert f"Udviklingsrapport: {name}" in text
        assert colour in text
        assert "Karaktergab" not in text  # B1 has no district figures
        for other, _ in (v for k, v in expected.items() if k != stem):
            assert other not in text
    assert "For få observationer" in pdf_text(out / "03.pdf") or "for få observationer" in pdf_text(out / "03.pdf")
    whole = pdf_text(out / "landet.pdf")
    assert "Udviklingsrapport: Testrup Kommune" in whole
    assert "Karaktergab" in whole  # the whole has both areas
    grid = whole[whole.index("Farverne i bydelene"):]  # the fixture keeps the default noun
    assert [line.split()[0] for line in grid.splitlines()
            if line.lstrip().startswith(("Nordby", "Sønderby", "Østerby"))] \
        == ["Nordby", "Sønderby", "Østerby"]
    assert "for få obs." in grid  # Østerby's only main indicator on A is suppressed

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["update"] == "2009-06"
    listed = {o["path"]: o for o in manifest["outputs"]}
    assert set(listed) == {"01.pdf", "02.pdf", "03.pdf", "landet.pdf"}
    for name, record in listed.items():
        data = (out / name).read_bytes()
        assert record["sha256"] == hashlib.sha256(data).hexdigest() and record["size"] == len(data)


def test_a_failing_report_is_listed_and_the_others_are_written(make_barometer, tmp_path, monkeypatch):
    folder = make_barometer(DISTRICT_FILES)
    real = national.district_document

    def broken(run, stem):
        if stem == "02":
            raise ValueError("kunne ikke tegne")
        return real(run, stem)

    monkeypatch.setattr(national, "district_document", broken)
    out_root = tmp_path / "out"
    res = CliRunner().invoke(app, ["build-all", str(folder), "--out", str(out_root), "--workers", "1",
                                   "--only", "01,02,landet"])
    assert res.exit_code == 1
    assert "Fejl i 02 (Sønderby): ValueError: kunne ikke tegne" in res.output
    out = out_root / "2009-06-kommuner"
    assert sorted(p.name for p in out.iterdir()) == ["01.pdf", "fejl.txt", "landet.pdf", "manifest.json"]
    assert (out / "fejl.txt").read_text(encoding="utf-8").splitlines()[2] == \
        "02 (Sønderby): ValueError: kunne ikke tegne"
    listed = [o["path"] for o in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]]
    assert listed == ["01.pdf", "fejl.txt", "landet.pdf"]
    assert "Udviklingsrapport: Nordby" in pdf_text(out / "01.pdf")


def test_bad_only_and_no_districts_stop_before_anything_is_written(make_barometer, tmp_path):
    out_root = tmp_path / "out"
    res = CliRunner().invoke(app, ["build-all", str(make_barometer(DISTRICT_FILES)), "--out", str(out_root),
                                   "--only", "01,99"])
    assert res.exit_code == 1 and "ukendt i --only: 99" in res.output
    res = CliRunner().invoke(app, ["build-all", str(make_barometer()), "--out", str(out_root)])
    assert res.exit_code == 1 and "ingen distrikter" in res.output
    assert not out_root.exists() or not any(out_root.glob("*-kommuner"))


def test_danmark_municipalities_with_few_observations(tmp_path):
    result = national.build_all(ROOT / "data" / "danmark", out_root=tmp_path, only=["0101", "0825"],
                                use_cache=False)
    assert result.failures == ()
    out = result.out_dir
    copenhagen, laesoe = pdf_text(out / "0101.pdf"), pdf_text(out / "0825.pdf")
    assert "Udviklingsrapport: København" in copenhagen and "Læsø" not in copenhagen
    assert "Udviklingsrapport: Læsø" in laesoe
    assert "bygger på for få observationer" in laesoe and "for få observationer" not in copenhagen
    for text in (copenhagen, laesoe):
        assert "None" not in text and "nan" not in text.split()
