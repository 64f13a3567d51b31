"""`reportgen export --xlsx`: the analysts' workbook, read back with openpyxl."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile

import openpyxl
import pytest

from reportgen.inputs import read_barometer
from reportgen.outputs.export import FORMULA_STARTS
from reportgen.outputs.xlsx_export import workbook_bytes
from reportgen.signals.assess import assess_history
from tests.conftest import BASE_FILES, DEMO, ROOT

SHEETS = ["Om", "Farveoversigt", "Målinger", "Indikatorsignaler", "Områdesignaler", "Distriktsignaler"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "reportgen.cli", *args], capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=180, cwd=ROOT)


def rows(ws) -> list[dict]:
    """A sheet as dicts keyed by its header row."""
    header, *body = ws.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in body]


@pytest.fixture(scope="module")
def demo():
    return read_barometer(DEMO)


@pytest.fixture(scope="module")
def demo_book(demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "analyse" / "københavn.xlsx"
    result = run_cli("export", str(DEMO), "--xlsx", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Skrevet til {out}"
    return openpyxl.load_workbook(out), out.read_bytes()


def test_sheets_and_danish_headers(demo_book):
    book, _ = demo_book
    assert book.sheetnames == SHEETS
    header = next(book["Indikatorsignaler"].iter_rows(max_row=1, values_only=True))
    for name in ("Opdatering", "Indikator", "Signal", "Værdi", "Ændring", "Regel", "Overført fra opdatering",
                 "Forvaltningens begrundelse", "Forklaring"):
        assert name in header


def test_every_measurement_is_a_row(demo, demo_book):
    book, _ = demo_book
    got = rows(book["Målinger"])
    assert len(got) == len(demo.measurements)
    row = next(r for r in got if r["Indikator-id"] == "BES1" and r["Periode"] == "2009-08" and r["Distrikt-id"] is None)
    assert (row["Værdi"], row["Enhed"], row["Offentliggjort i opdatering"]) == (59.3, "procent", "2009-12")
    assert isinstance(row["Værdi"], float)  # numbers stay numbers


def test_every_indicator_and_area_at_every_update_with_provenance(demo, demo_book):
    book, _ = demo_book
    history = assess_history(demo)
    indicators = rows(book["Indikatorsignaler"])
    assert len(indicators) == sum(len(a.indicators) for a in history)
    assert {r["Opdatering"] for r in indicators} == {u.id for u in demo.updates}
    bes1 = next(r for r in indicators if r["Opdatering"] == "2009-12" and r["Indikator-id"] == "BES1")
    assert (bes1["Signal"], bes1["Værdi"], bes1["Sammenligningsperiode"], bes1["Ændring"], bes1["Mål"]) == (
        "rød", 59.3, "2009-02", -3.0, 64.8)
    assert bes1["Forklaring"].startswith("Rød, fordi")
    overridden = next(r for r in indicators if r["Opdatering"] == "2007-12" and r["Indikator-id"] == "BES6")
    assert (overridden["Signal"], overridden["Vurderet af forvaltningen"]) == ("gul", "ja")
    assert overridden["Forvaltningens begrundelse"].startswith("Prøve i Dansk 2 blev lagt om i 2007")
    assert any(r["Overført"] == "ja" and r["Overført fra opdatering"] for r in indicators)

    areas = rows(book["Områdesignaler"])
    assert len(areas) == sum(len(a.areas) for a in history)
    bes = next(r for r in areas if r["Opdatering"] == "2009-12" and r["Område-id"] == "BES")
    assert (bes["Signal"], bes["Sammenvejning"]) == ("rød", "den dårligste")
    assert bes["Forklaring"]


def test_overview_has_a_colour_per_update(demo, demo_book):
    book, _ = demo_book
    overview = rows(book["Farveoversigt"])
    assert list(overview[0]) == ["Område / indikator", "Type", *(u.id for u in demo.updates)]
    assert len(overview) == len(demo.areas) + len(demo.indicators)
    first = overview[0]
    assert (first["Område / indikator"], first["Type"], first["2009-12"]) == ("Beskæftigelse", "område", "rød")
    assert {v for r in overview for k, v in r.items() if k[:2] == "20"} <= {"grøn", "gul", "rød", "grå", None}


def test_same_data_same_bytes_with_fixed_times(demo, demo_book):
    _, data = demo_book
    assert workbook_bytes(demo) == data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert core.count("2009-12-03T12:00:00Z") == 2  # created and modified: the latest update's date


def test_text_that_looks_like_a_formula_is_neutralised(make_barometer, tmp_path):
    folder = make_barometer({
        "indicators.csv": BASE_FILES["indicators.csv"].replace("Andel beskæftigede", "=cmd|' /C calc'!A0"),
        "overrides.csv": "update,target,signal,reason\n2009-06,A1,yellow,@SUM(A1:A9) vurderet\n",
    })
    out = tmp_path / "x.xlsx"
    assert run_cli("export", str(folder), "--xlsx", "--out", str(out)).returncode == 0
    book = openpyxl.load_workbook(out)
    cells = [c for ws in book for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no live formula anywhere
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(FORMULA_STARTS)]
    assert "'=cmd|' /C calc'!A0" in {r["Indikator"] for r in rows(book["Målinger"])}
    reasons = {r["Forvaltningens begrundelse"] for r in rows(book["Indikatorsignaler"])} - {None}
    assert reasons == {"'@SUM(A1:A9) vurderet"}


def test_wrong_use_and_bad_data_write_nothing(make_barometer, tmp_path):
    out = tmp_path / "out"
    folder = make_barometer()
    assert run_cli("export", str(folder), "--out", str(out / "x.xlsx")).returncode == 2  # no format chosen
    assert run_cli("export", str(folder), "--xlsx", "--out", str(out / "x.csv")).returncode == 2
    bad = make_barometer({"measurements.csv": BASE_FILES["measurements.csv"].replace("50.5", "halvtreds")})
    result = run_cli("export", str(bad), "--xlsx", "--out", str(out / "x.xlsx"))
    assert result.returncode == 1
    assert "measurements.csv:4: value:" in result.stderr
    assert not out.exists()


def test_two_areas_with_one_display_name_export_without_a_traceback(make_barometer, tmp_path):
    """A folder `check` accepts with two areas named alike (issue 29): each keeps its own row."""
    folder = make_barometer({"areas.csv": "id,name\nA,Beskæftigelse\nB,Beskæftigelse\n"})
    assert run_cli("check", str(folder)).returncode == 0
    out = tmp_path / "x.xlsx"
    result = run_cli("export", str(folder), "--xlsx", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    overview = rows(openpyxl.load_workbook(out)["Farveoversigt"])
    areas = [r for r in overview if r["Type"] == "område"]
    assert [r["Område / indikator"] for r in areas] == ["Beskæftigelse", "Beskæftigelse"]
    assert len(overview) == 2 + len([r for r in overview if r["Type"] == "indikator"])
    assert all(r[k] in {"grøn", "gul", "rød", "grå", None} for r in areas for k in r if k[:2] == "20")
