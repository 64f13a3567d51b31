"""`reportgen init`: a valid folder, an Excel template with comments and drop-downs, no overwrite."""
from __future__ import annotations

import csv
import dataclasses
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from reportgen.errors import ReportgenError
from reportgen.inputs import read_barometer
from reportgen.inputs.load import TABLES
from reportgen.outputs.export import cell_value, csv_bytes, neutralise_formula
from reportgen.rounds import init as init_module
from reportgen.rounds.init import SCHEMA, TEMPLATE_FILE, init_barometer, workbook_bytes
from tests.conftest import ROOT


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "reportgen.cli", *args], capture_output=True, env=env,
                          cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("init") / "odense"
    init_barometer(folder, municipality="Odense Kommune", title="Sundhedsbarometer")
    return folder


@pytest.fixture(scope="module")
def book(made):
    with open(made / TEMPLATE_FILE, "rb") as fh:
        return openpyxl.load_workbook(io.BytesIO(fh.read()))


def _header(ws) -> list[str]:
    return [c.value for c in ws[1]]


def _column(ws, name: str) -> str:
    return openpyxl.utils.get_column_letter(_header(ws).index(name) + 1)


# --- the folder -------------------------------------------------------------------------------------


def test_new_folder_validates_and_carries_the_names(made):
    b = read_barometer(made)
    assert (b.config.title, b.config.municipality) == ("Sundhedsbarometer", "Odense Kommune")
    assert b.config.policy == "Sundhedspolitikken 2025-2028"
    assert b.config.owner == "OEU"
    assert [i.id for i in b.indicators] == ["BES1"]
    assert [(str(m.period), m.value, m.update) for m in b.measurements] == [("2025-03", 72.4, "2025-06")]
    assert len(b.overrides) == len(b.comments) == len(b.initiatives) == len(b.districts) == 1
    # the owner sends letters, so a second committee is there to receive one
    assert {i.committee for i in b.indicators} - {b.config.owner} == {"BEU"}


def test_every_table_is_a_csv_with_the_schemas_header_and_one_example_row(made):
    for name in TABLES:
        raw = (made / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name  # BOM: Excel reads æ, ø, å right
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        assert rows[0] == [c.name for c in SCHEMA[name]]
        assert len(rows) == (3 if name == "committees" else 2), name
        assert all(len(r) == len(rows[0]) for r in rows)


def test_check_asks_only_for_the_signature_then_passes_and_toml_is_commented_in_danish(made, tmp_path):
    done = run("check", str(made))
    assert done.returncode == 1
    assert done.stderr.decode().splitlines() == [
        'Fejl: odense/letters/letters.toml: [underskrift] navn: "Navn Navnesen" er pladsholderen fra '
        "reportgen init; skriv det rigtige navn"]
    folder = tmp_path / "odense"
    import shutil

    shutil.copytree(made, folder)
    settings = folder / "letters" / "letters.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("Navn Navnesen", "Bente Borg"),
                        encoding="utf-8")
    done = run("check", str(folder))
    assert done.returncode == 0, done.stderr.decode()
    assert "Data er gyldige." in done.stdout.decode()
    toml = (made / "barometer.toml").read_text(encoding="utf-8")
    keys = ("title", "municipality", "policy", "owner", "language", "aggregation", "significance", "min_n")
    for key in keys:
        line = next(i for i, text in enumerate(toml.splitlines()) if text.startswith(f"{key} ="))
        assert toml.splitlines()[line - 1].startswith("# "), f"{key} has no comment above it"
    assert f"gem en kopi af {TEMPLATE_FILE} som barometer.xlsx" in toml.lower()
    assert "slet CSV-filerne" in toml


def test_letters_folder_points_to_the_guide_and_signs_with_a_placeholder(made):
    readme = (made / "letters" / "README.md").read_text(encoding="utf-8")
    assert "letters/README.md" in readme and "default.md" in readme
    from reportgen.documents.letters import PLACEHOLDER_NAME, load_settings, own_setting

    settings = load_settings(barometer_dir=made, project_dir=ROOT)
    assert settings.subject == "Opfølgning på sundhedsbarometret"
    toml = (made / "letters" / "letters.toml").read_text(encoding="utf-8")
    assert f'navn = "{PLACEHOLDER_NAME}"' in toml  # not the demo's mayor of Copenhagen
    with pytest.raises(ReportgenError, match="pladsholderen fra reportgen init"):
        own_setting(made, "underskrift", "navn")


def test_awkward_names_survive_the_toml(tmp_path):
    name = 'Kommune "Test" \\ Ærø\tø'
    init_barometer(tmp_path / "x", municipality=name, title="=Barometer")
    b = read_barometer(tmp_path / "x")
    assert (b.config.municipality, b.config.title) == (name.strip(), "=Barometer")


# --- the Excel template -------------------------------------------------------------------------------


def test_template_has_a_guide_and_one_sheet_per_table(book):
    assert book.sheetnames == ["vejledning", *TABLES]
    assert "barometer.xlsx" in " ".join(str(c.value) for c in book["vejledning"]["A"] if c.value)


def test_header_rows_are_bold_frozen_and_commented_in_danish(book):
    for name in TABLES:
        ws = book[name]
        assert _header(ws) == [c.name for c in SCHEMA[name]]
        assert ws.freeze_panes == "A2", name
        for cell in ws[1]:
            assert cell.font.b, f"{name}.{cell.value} is not bold"
            assert cell.comment is not None and cell.comment.author == "reportgen"
            assert cell.comment.text == next(c.help for c in SCHEMA[name] if c.name == cell.value)
    ind = book["indicators"]
    assert "højere er bedre" in ind[f"{_column(ind, 'direction')}1"].comment.text
    assert "procentpoint" in ind[f"{_column(ind, 'unit')}1"].comment.text


def _validations(ws) -> dict[str, str]:
    """Column header -> the list formula of the validation covering its data rows."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "list" and dv.showErrorMessage
        for rng in dv.sqref.ranges:
            assert rng.min_row == 2 and rng.max_row >= 1000
            out[_header(ws)[rng.min_col - 1]] = dv.formula1
    return out


def test_drop_downs_for_choices_and_ids(book):
    ind = _validations(book["indicators"])
    assert ind["direction"] == '"up,down"'
    assert ind["unit"] == '"percent,count,value"'
    assert ind["rule"] == '"previous,baseline,trajectory"'
    assert ind["main"] == ind["districts"] == '"ja,nej"'
    assert ind["area"] == "areas!$A$2:$A$10000"
    assert ind["committee"] == "committees!$A$2:$A$10000"
    assert "name" not in ind
    meas = _validations(book["measurements"])
    assert meas["indicator"] == "indicators!$A$2:$A$10000"
    assert meas["update"] == "updates!$A$2:$A$10000"
    assert _validations(book["initiatives"])["committee"] == "committees!$A$2:$A$10000"
    for sheet in ("areas", "committees", "indicators", "updates", "districts"):
        assert _header(book[sheet])[0] == "id"  # what the references point at


def test_periods_and_ids_are_text_cells_so_excel_keeps_2025_03(book):
    ws = book["measurements"]
    period = ws[f"{_column(ws, 'period')}2"]
    assert (period.value, period.number_format) == ("2025-03", "@")
    value = ws[f"{_column(ws, 'value')}2"]
    assert value.value == 72.4 and value.data_type == "n"


def test_template_saved_as_barometer_xlsx_reads_like_the_csvs(made, tmp_path):
    target = tmp_path / "excel"
    target.mkdir()
    (target / "barometer.toml").write_bytes((made / "barometer.toml").read_bytes())
    (target / "barometer.xlsx").write_bytes((made / TEMPLATE_FILE).read_bytes())
    from_xlsx, from_csv = read_barometer(target), read_barometer(made)
    strip = dict(folder=Path("."), input_files=())
    assert dataclasses.replace(from_xlsx, **strip) == dataclasses.replace(from_csv, **strip)


@pytest.mark.slow
def test_template_opened_and_saved_in_libreoffice_calc_keeps_its_sheets_help_and_drop_downs(made, book, tmp_path):
    """What a user without Excel does: open the template in LibreOffice Calc and save it. Calc
    reads every sheet, header comment and drop-down, and our loader reads its file like the CSVs.
    (Calc writes each drop-down for the first 1.001 data rows only, whatever range it was given.)"""
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "xlsx:Calc Office Open XML", "--outdir", str(tmp_path / "calc"), str(made / TEMPLATE_FILE)],
        check=True, capture_output=True, timeout=180,
    )
    saved = tmp_path / "calc" / TEMPLATE_FILE
    calc = openpyxl.load_workbook(saved)
    assert calc.sheetnames == book.sheetnames
    for name in TABLES:
        ours, theirs = book[name], calc[name]
        assert _header(theirs) == _header(ours), name
        assert [c.comment.text for c in theirs[1]] == [c.comment.text for c in ours[1]], name
        assert [c.value for c in theirs[2]] == [c.value for c in ours[2]], name
        assert _validations(theirs) == _validations(ours), name
    folder = tmp_path / "from-calc"
    folder.mkdir()
    (folder / "barometer.toml").write_bytes((made / "barometer.toml").read_bytes())
    (folder / "barometer.xlsx").write_bytes(saved.read_bytes())
    strip = dict(folder=Path("."), input_files=())
    assert dataclasses.replace(read_barometer(folder), **strip) == dataclasses.replace(read_barometer(made), **strip)


def test_template_is_byte_identical_across_runs(tmp_path):
    first = workbook_bytes(title="Sundhedsbarometer")
    time.sleep(1.1)  # openpyxl stamps the save time in seconds
    assert workbook_bytes(title="Sundhedsbarometer") == first
    init_barometer(tmp_path / "a", municipality="Odense Kommune", title="Sundhedsbarometer")
    init_barometer(tmp_path / "b", municipality="Odense Kommune", title="Sundhedsbarometer")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


# --- refusing and failing safely ---------------------------------------------------------------------


def test_refuses_a_non_empty_folder_and_leaves_it_alone(tmp_path):
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "mine.txt").write_text("behold mig", encoding="utf-8")
    done = run("init", str(folder))
    assert done.returncode == 1
    assert "findes allerede og er ikke tom" in done.stderr.decode("utf-8")
    assert [p.name for p in folder.iterdir()] == ["mine.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]  # no staging folder left behind


def test_an_empty_existing_folder_is_filled(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    done = run("init", str(folder), "--municipality", "Vejle Kommune")
    assert done.returncode == 0, done.stderr.decode()
    assert read_barometer(folder).config.municipality == "Vejle Kommune"


def test_a_failure_half_way_leaves_nothing(tmp_path, monkeypatch):
    calls = []

    def failing_write(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    monkeypatch.setattr(init_module, "_write", failing_write)
    with pytest.raises(ReportgenError, match="No space left on device"):
        init_barometer(tmp_path / "new")
    assert list(tmp_path.iterdir()) == []


def test_empty_names_are_refused(tmp_path):
    with pytest.raises(ReportgenError, match="--municipality må ikke være tom"):
        init_barometer(tmp_path / "x", municipality="  ")
    assert not (tmp_path / "x").exists()


def test_help_has_an_example():
    done = run("init", "--help")
    assert done.returncode == 0
    assert "Eksempel: reportgen init" in done.stdout.decode()


# --- neutralising formulas in exports -----------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+45 12 34 56", "-3", "@SUM(A1)", "\tx", "\rx",
                                  '=HYPERLINK("http://x","klik")'])
def test_formula_starts_are_neutralised(text):
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("text", ["Beskæftigelse", "", "2025-03", "72,4", "'allerede citeret", " =mellemrum"])
def test_other_text_is_unchanged(text):
    assert neutralise_formula(text) == text


def test_numbers_stay_numbers_and_text_is_neutralised_in_csv_and_xlsx():
    assert cell_value(-3.5) == -3.5 and cell_value(0) == 0 and cell_value(None) is None
    with pytest.raises(TypeError):
        cell_value(True)
    data = csv_bytes(["a", "b"], [("=cmd|' /C calc'!A0", -3.5)]).decode("utf-8-sig")
    assert data.splitlines()[1] == "'=cmd|' /C calc'!A0,-3.5"
    wb = openpyxl.Workbook()
    wb.active["A1"] = cell_value("=1+1")
    wb.active["A2"] = cell_value(-2)
    buf = io.BytesIO()
    wb.save(buf)
    back = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active
    assert (back["A1"].value, back["A1"].data_type) == ("'=1+1", "s")
    assert (back["A2"].value, back["A2"].data_type) == (-2, "n")
