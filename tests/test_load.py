"""load.py: every accepted file variant gives the same Barometer; broken files give located errors."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import BASE_FILES

from reportgen.errors import DataValidationError
from reportgen.inputs import load, read_barometer
from reportgen.inputs.model import Barometer

CSV_NAMES = [name for name in BASE_FILES if name.endswith(".csv")]


def rows_of(name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(textwrap.dedent(BASE_FILES[name]))))


def danish_csv(name: str, encoding: str) -> bytes:
    """A base table as Excel writes it in Danish locale: ``;`` separator, decimal comma."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows_of(name):
        writer.writerow([re.sub(r"^(-?\d+)\.(\d+)$", r"\1,\2", cell) for cell in row])
    return out.getvalue().encode(encoding)


def excel_value(text: str) -> object:
    """What Excel would store for a typed cell: numbers as numbers, ISO dates as dates."""
    if re.fullmatch(r"[1-9]\d*|0", text):
        return int(text)
    if re.fullmatch(r"\d+\.\d+", text):
        return float(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.datetime.fromisoformat(text)
    return text or None


def workbook_bytes(tables: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in tables.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def base_workbook() -> bytes:
    return workbook_bytes(
        {
            name.removesuffix(".csv"): [[excel_value(c) for c in row] for row in rows_of(name)]
            for name in CSV_NAMES
        }
    )


def without_csv() -> dict[str, None]:
    return dict.fromkeys(CSV_NAMES)


def comparable(b: Barometer) -> Barometer:
    return dataclasses.replace(b, folder=Path("."), input_files=())


def messages(folder: Path) -> list[str]:
    with pytest.raises(DataValidationError) as info:
        read_barometer(folder)
    return [str(issue) for issue in info.value.issues]


VARIANTS = {
    "danish-utf8-bom": {name: danish_csv(name, "utf-8-sig") for name in CSV_NAMES},
    "danish-cp1252": {name: danish_csv(name, "cp1252") for name in CSV_NAMES},
    "tab-separated": {name: textwrap.dedent(BASE_FILES[name]).replace(",", "\t") for name in CSV_NAMES},
    "xlsx": {**without_csv(), "barometer.xlsx": base_workbook()},
    "padded-headers": {
        "updates.csv": " ID , Date ,LABEL\n2008-06,2008-06-02,Juni 2008\n"
        "2008-12,2008-12-01,December 2008\n2009-06,2009-06-01,Juni 2009\n"
    },
    "blank-rows-and-crlf": {
        name: (textwrap.dedent(BASE_FILES[name]) + "\n,,,\n").replace("\n", "\r\n") for name in CSV_NAMES
    },
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_gives_the_same_barometer(make_barometer, variant):
    expected = read_barometer(make_barometer())
    got = read_barometer(make_barometer(VARIANTS[variant]))
    assert comparable(got) == comparable(expected)


def test_cp1252_variant_really_is_cp1252():
    data = VARIANTS["danish-cp1252"]["areas.csv"]
    assert b"Besk\xe6ftigelse" in data  # æ as one cp1252 byte, not valid UTF-8
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_raw_rows_are_text_tagged_with_file_and_spreadsheet_row(make_barometer):
    raw = load.load_folder(make_barometer())
    table = raw.tables["measurements"]
    assert table.file == "measurements.csv"
    assert table.columns == ("indicator", "period", "value", "se", "n", "district", "update")
    assert table.rows[0] == load.RawRow(
        2,
        {
            "indicator": "A1",
            "period": "2008-03",
            "value": "50.0",
            "se": "",
            "n": "",
            "district": "",
            "update": "2008-06",
        },
    )
    assert raw.issues == ()
    assert [p.name for p in raw.input_files] == sorted(["barometer.toml", *CSV_NAMES])


def test_xlsx_labels_and_faithful_number_text(make_barometer):
    raw = load.load_folder(make_barometer(VARIANTS["xlsx"]))
    table = raw.tables["measurements"]
    assert table.file == "barometer.xlsx[measurements]"
    assert [r.cells["value"] for r in table.rows] == ["50", "51", "50.5", "0.5", "0.4"]
    assert raw.tables["updates"].rows[0].cells["date"] == "2008-06-02"
    assert [p.name for p in raw.input_files] == ["barometer.toml", "barometer.xlsx"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (59.3, "59.3"),
        (50.0, "50"),
        (4793, "4793"),
        (-0.25, "-0.25"),
        (1e-05, "0.00001"),
        (True, "true"),
        (None, ""),
        (dt.datetime(2009, 12, 3), "2009-12-03"),
        ("0101", "0101"),
    ],
)
def test_cell_text(value, text):
    assert load.cell_text(value) == text


def test_ids_keep_leading_zeros_in_csv_and_xlsx(make_barometer):
    areas = "id,name\n0101,Beskæftigelse\nB,Uddannelse\n"
    indicators = textwrap.dedent(BASE_FILES["indicators.csv"]).replace("A1,A,", "A1,0101,")
    csv_b = read_barometer(make_barometer({"areas.csv": areas, "indicators.csv": indicators}))
    assert csv_b.areas[0].id == "0101"
    assert csv_b.indicator("A1").area == "0101"
    sheets = {
        n.removesuffix(".csv"): [[excel_value(c) for c in row] for row in rows_of(n)] for n in CSV_NAMES
    }
    sheets["areas"][1][0] = "0101"  # a text cell, as Excel keeps it when formatted as text
    sheets["indicators"][1][1] = "0101"
    xlsx_b = read_barometer(make_barometer({**without_csv(), "barometer.xlsx": workbook_bytes(sheets)}))
    assert comparable(xlsx_b) == comparable(csv_b)


def test_danish_locale_thousands_separator(make_barometer):
    indicators = danish_csv("indicators.csv", "utf-8-sig").replace(b"percent", b"count")
    measurements = (
        danish_csv("measurements.csv", "utf-8-sig").replace(b"50,0", b"4.793").replace(b"51,0", b"1.234,5")
    )
    b = read_barometer(make_barometer({"indicators.csv": indicators, "measurements.csv": measurements}))
    assert [m.value for m in b.measurements_of("A1")] == [4793.0, 1234.5, 50.5]


def test_utf16_unicode_text_export_is_explained(make_barometer):
    data = textwrap.dedent(BASE_FILES["areas.csv"]).replace(",", "\t").encode("utf-16")
    assert messages(make_barometer({"areas.csv": data})) == [
        'areas.csv: er gemt som "Unicode-tekst" fra Excel, som ikke kan læses: gem den som "CSV UTF-8 '
        '(kommasepareret)" i stedet'
    ]


def test_mojibake_is_refused_with_location(make_barometer):
    areas = "id,name\nA,BeskÃ¦ftigelse\nB,Uddannelse\n"
    assert messages(make_barometer({"areas.csv": areas})) == [
        'areas.csv:2: name: "BeskÃ¦ftigelse" er forvansket tekst ("Ã¦" skulle være "æ"): filen er gemt med '
        'forkert tegnsæt; ret teksten og gem den som "CSV UTF-8 (kommasepareret)"'
    ]


def test_undecodable_bytes(make_barometer):
    assert messages(make_barometer({"areas.csv": b"id,name\nA,\x81\x8d\nB,x\n"})) == [
        'areas.csv: tegnene i filen kan ikke læses: gem den som "CSV UTF-8 (kommasepareret)"'
    ]


def test_field_count_and_duplicate_header(make_barometer):
    areas = "id,name,ID\nA,Beskæftigelse,x\nB,Uddannelse\n"
    committees = "id,name,chair\nBIU,Beskæftigelsesudvalget,Anna\nBUU,Børneudvalget,,extra\n"
    assert messages(make_barometer({"areas.csv": areas, "committees.csv": committees})) == [
        'areas.csv:1: kolonnen "id" står der mere end én gang: slet eller omdøb den ene',
        "areas.csv:3: har 2 celler, men overskriften har 3",
        "committees.csv:3: har 4 celler, men overskriften har 3",
    ]


def test_missing_required_files_and_toml(make_barometer):
    assert messages(make_barometer({"barometer.toml": None, "measurements.csv": None})) == [
        "barometer.toml: filen mangler: læg barometer.toml i mappen",
        "measurements.csv: filen mangler",
    ]


def test_toml_syntax_error_is_located(make_barometer):
    assert messages(make_barometer({"barometer.toml": 'title = "x"\nowner BIU\n'})) == [
        "barometer.toml:2: kan ikke læses: der mangler = mellem navn og værdi: skriv navn = værdi"
    ]


def test_no_such_folder(tmp_path):
    expected = f"{tmp_path / 'nope'}: er ikke en barometermappe (mappen findes ikke): ret stien"
    assert messages(tmp_path / "nope") == [expected]


def test_table_both_as_csv_and_sheet(make_barometer):
    book = workbook_bytes({"areas": [[excel_value(c) for c in row] for row in rows_of("areas.csv")]})
    assert messages(make_barometer({"barometer.xlsx": book})) == [
        'areas.csv: tabellen findes også som arket "areas" i barometer.xlsx: behold kun den ene'
    ]


def test_xlsx_formula_without_cached_value(make_barometer):
    sheets = {
        n.removesuffix(".csv"): [[excel_value(c) for c in row] for row in rows_of(n)] for n in CSV_NAMES
    }
    sheets["measurements"][2][2] = "=50+1"  # openpyxl writes the formula and no calculated value
    folder = make_barometer({**without_csv(), "barometer.xlsx": workbook_bytes(sheets)})
    assert messages(folder) == [
        "barometer.xlsx[measurements]:3: value: formlen =50+1 har ingen beregnet værdi (Excel har aldrig regnet "
        "den ud): åbn projektmappen i Excel og gem den igen"
    ]


def rewrite_zip(data: bytes, change: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change.get(info.filename, src.read(info)))
    return out.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>"""


def test_xlsx_with_xml_entities_is_refused(make_barometer):
    book = rewrite_zip(base_workbook(), {"xl/worksheets/sheet1.xml": BILLION_LAUGHS})
    assert messages(make_barometer({**without_csv(), "barometer.xlsx": book})) == [
        "barometer.xlsx: indeholder en XML-erklæring, som ikke er tilladt i en projektmappe: gem den igen fra "
        'Excel som "Excel-projektmappe (.xlsx)"'
    ]


def test_zip_bomb_is_refused_before_unpacking(make_barometer):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    assert len(out.getvalue()) < 100_000
    [message] = messages(make_barometer({"barometer.xlsx": out.getvalue()}))
    assert message.startswith(
        'barometer.xlsx: ligner ikke en Excel-projektmappe: delen "xl/worksheets/sheet1.xml" vokser fra '
    )
    assert " til 20971520 byte, når den pakkes ud; " in message


def test_not_a_zip(make_barometer):
    [message] = messages(make_barometer({"barometer.xlsx": b"id,name\n"}))
    assert message.startswith(
        "barometer.xlsx: kan ikke læses som Excel-projektmappe (filen er ødelagt eller ikke en .xlsx-fil)"
    )


def test_sniff_separator():
    assert load.sniff_separator("id;name;chair") == ";"
    assert load.sniff_separator("id\tname") == "\t"
    assert load.sniff_separator("id,name") == ","
    assert load.sniff_separator("id") == ","


def test_defusedxml_refusal_is_reported_too(make_barometer, monkeypatch):
    """Second line of defence: even without the ZIP pre-check, openpyxl's defusedxml parser refuses."""
    monkeypatch.setattr(load, "check_zip", lambda path: None)
    book = rewrite_zip(base_workbook(), {"xl/worksheets/sheet1.xml": BILLION_LAUGHS})
    assert messages(make_barometer({**without_csv(), "barometer.xlsx": book})) == [
        "barometer.xlsx: indeholder en XML-erklæring, som ikke er tilladt i en projektmappe: gem den igen fra "
        'Excel som "Excel-projektmappe (.xlsx)"'
    ]


def test_toml_key_lines_finds_where_each_key_is_written():
    text = textwrap.dedent('''\
        title = "x"  # a comment
        [assessment]
        aggregation = "worst"
          significance=0.05
        "quoted key" = 1
        a . "b.c" = 2
        [map]
        file = """
        key = "inside a multi-line string"
        """
        key = "bydel_nr"
        [[extra]]
        key = 1
        [ documents ]
        method_sensitivity = true
        ''')
    assert load.toml_key_lines(text) == {
        "title": 1, "assessment": 2, "assessment.aggregation": 3, "assessment.significance": 4,
        "assessment.quoted key": 5, "assessment.a.b.c": 6, "map": 7, "map.file": 8, "map.key": 11,
        "documents": 14, "documents.method_sensitivity": 15,
    }
