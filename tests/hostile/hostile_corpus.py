"""Hostile inputs made by code: damaged copies of the small test barometer, each with its exact errors."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conftest import BASE_FILES, ROOT, write_barometer  # noqa: F401 - re-exported for the tests

Files = dict[str, str | bytes | None]
Expected = str | re.Pattern[str]
M, IND, TOML = "measurements.csv", "indicators.csv", "barometer.toml"
TABLE_NAMES = ("updates", "areas", "committees", "indicators", "measurements")
ZIP_BOMB_BYTES = 200 * 1024 * 1024 + 1  # just over load.MAX_ZIP_TOTAL


def base(name: str) -> str:
    return textwrap.dedent(BASE_FILES[name])


def edit(name: str, *changes: str, add: str = "") -> Files:
    """BASE_FILES[name] with each (old, new) pair applied once (``old`` must be there), ``add`` appended."""
    text = base(name)
    for old, new in zip(changes[::2], changes[1::2], strict=True):
        assert old in text, old
        text = text.replace(old, new, 1)
    return {name: text + add}


def run_cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``python -m reportgen.cli ARGS`` as a user runs it: a new process, output decoded as UTF-8."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "reportgen.cli", *args], capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=timeout, cwd=ROOT)


def tree_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder`` by relative path (empty when it does not exist)."""
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- XLSX -----------------------------------------------------------------------------------------


def workbook(change: Callable[[object], None] | None = None) -> bytes:
    """The small barometer's tables as barometer.xlsx (one sheet per table), changed by ``change``."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in TABLE_NAMES:
        sheet = book.create_sheet(name)
        for row in csv.reader(io.StringIO(base(f"{name}.csv"))):
            sheet.append(row)
    if change:
        change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx(book: bytes) -> Files:
    """The workbook in place of the CSV files."""
    return {**{f"{n}.csv": None for n in TABLE_NAMES}, "barometer.xlsx": book}


def rewrite_zip(data: bytes, change: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change.get(info.filename, src.read(info)))
    return out.getvalue()


def with_sheet_xml(prolog: bytes, *, encoding: str = "utf-8") -> bytes:
    """A workbook whose measurements sheet XML starts with ``prolog`` (a DOCTYPE with entities)."""
    book = workbook()
    member = "xl/worksheets/sheet5.xml"
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        body = archive.read(member)
    xml = b'<?xml version="1.0" encoding="' + encoding.upper().encode() + b'"?>\n' + prolog + body
    if encoding != "utf-8":
        xml = xml.decode("utf-8").encode(encoding)
    return rewrite_zip(book, {member: xml})


XXE = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
BILLION_LAUGHS = b"<!DOCTYPE worksheet [<!ENTITY lol \"lol\">" + b"".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'.encode() for i in range(1, 10)
) + b"]>\n"


def compound_file(*streams: str) -> bytes:
    """The start of an OLE compound file (Excel's container for encrypted .xlsx and old .xls): the
    signature, a 512-byte header and a directory sector naming ``streams`` in UTF-16LE. Not a
    complete CFB (no FAT chains) — enough for the signature sniffing the loader does, which is all a
    real encrypted workbook would meet before being refused."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    header += bytes(512 - len(header))
    directory = b"".join(name.encode("utf-16-le").ljust(64, b"\0") + bytes(64) for name in streams)
    return header + directory.ljust(512, b"\0")


def zip_bomb(path: Path) -> Path:
    """A ZIP whose one sheet unpacks to ZIP_BOMB_BYTES of zeros, written streaming (~0.2 MB, ~1 s)."""
    if not path.exists():
        chunk = bytes(1024 * 1024)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive, \
                archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            for _ in range(ZIP_BOMB_BYTES // len(chunk)):
                entry.write(chunk)
            entry.write(bytes(ZIP_BOMB_BYTES % len(chunk)))
    return path


# --- GeoJSON --------------------------------------------------------------------------------------

DISTRICTS = "id,name,geo_id\nN,Nord,1\nS,Syd,2\n"
MAP_TOML = base(TOML) + '\n[map]\nfile = "bydele.geojson"\nkey = "bydel_nr"\n'


def square(x: float, y: float, size: float = 0.01) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def feature(key: object, geometry: object) -> dict:
    return {"type": "Feature", "properties": {"bydel_nr": key}, "geometry": geometry}


def geojson(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def good_features() -> list[dict]:
    return [feature(1, {"type": "Polygon", "coordinates": [square(12.5, 55.7)]}),
            feature(2, {"type": "Polygon", "coordinates": [square(12.5, 55.68)]})]


def with_map(text: str, districts: str = DISTRICTS) -> Files:
    return {TOML: MAP_TOML, "districts.csv": districts, "bydele.geojson": text}


def second_feature(geometry: object) -> Files:
    return with_map(geojson(good_features()[0], feature(2, geometry)))


def huge_map() -> Files:
    """One district outline with 300 000 points (3.7 MB): over validate.MAX_MAP_VERTICES."""
    n = 300_000
    ring = [[round(12.5 + 0.01 * (i / n), 7), 55.7 if i % 2 else 55.71] for i in range(n)]
    ring.append(ring[0])
    return with_map(geojson(good_features()[0], feature(2, {"type": "Polygon", "coordinates": [ring]})))


# --- the corpus -----------------------------------------------------------------------------------

SEMICOLON_M = base(M).replace(",", ";").replace("50.0", "50,0").replace("50.5", "50,5").replace(
    "51.0", "51,0").replace("0.50", "0,50").replace("0.40", "0,40")


@dataclass(frozen=True)
class Case:
    """One hostile barometer folder and the exact stderr lines ``reportgen build`` must print before
    its summary line (strings match exactly, patterns fully)."""

    name: str
    files: Callable[[Path], Files]
    expected: tuple[Expected, ...]


def case(name: str, files: Files | Callable[[Path], Files], *expected: Expected) -> Case:
    return Case(name, files if callable(files) else (lambda _tmp, f=files: f), expected)


def uk(what: str, value: str, file: str) -> str:
    return f'unknown {what} "{value}" (not in {file})'


CORPUS: tuple[Case, ...] = (
    # --- CSV structure
    case("unterminated-quote", edit(M, "A1,2008-09,51.0", 'A1,2008-09,"51.0'),
         'measurements.csv:3: value: a quote (") opens a cell here and is never closed'),
    case("truncated-file", {M: base(M)[:-12]},
         "measurements.csv:6: has 3 fields, the header has 7"),
    case("cell-too-long", edit("areas.csv", "Uddannelse", "U" * 200_000),
         "areas.csv:3: name: a cell is longer than 131072 characters (is a quote left open?)"),
    case("pipe-separated", {M: base(M).replace(",", "|")},
         'measurements.csv:1: the header "indicator|period|value|se|n|district|update" is a single column: '
         "separate the column names with ; or , or tab"),
    case("rows-use-other-separator", {M: base(M).split("\n", 1)[0] + "\n" + SEMICOLON_M.split("\n", 1)[1]},
         *(f'measurements.csv:{row}: has 2 fields, the header has 7 (this row seems to be separated by ";")'
           for row in range(2, 7))),
    case("mixed-decimal-comma-and-point", {M: SEMICOLON_M.replace("51,0", "51.0")},
         'measurements.csv:3: value: "51.0" is not a number: this file (";"-separated) uses decimal comma '
         'and "." only between thousands; write 51,0'),
    case("thousands-comma", edit(M, "50.0", '"1,050"'),
         'measurements.csv:2: value: "1,050" is ambiguous (1.050 or 1050?): write it with a decimal point '
         "and without thousands separators"),
    case("thousands-space", edit(M, "50.0", "1 050"), 'measurements.csv:2: value: "1 050" is not a number'),
    case("danish-number-in-comma-file", edit(M, "50.0", '"1.050,5"'),
         'measurements.csv:2: value: "1.050,5" is not a number'),
    case("utf16-export", {M: base(M).replace(",", "\t").encode("utf-16")},
         'measurements.csv: is UTF-16 text (Excel\'s "Unicode text" export); save it as "CSV UTF-8 '
         '(kommasepareret)" instead'),
    case("mojibake", edit("areas.csv", "Beskæftigelse", "BeskÃ¦ftigelse"),
         'areas.csv:2: name: "BeskÃ¦ftigelse" is garbled text ("Ã¦" should be "æ"): the file has been saved '
         "in the wrong encoding; fix the text and save it as CSV UTF-8"),
    case("utf8-with-one-cp1252-line",
         {"areas.csv": "id,name\nA,Beskæftigelse\n".encode() + "B,Uddannelse for Ørestad\n".encode("cp1252")},
         'areas.csv:2: name: "BeskÃ¦ftigelse" is garbled text ("Ã¦" should be "æ"): the file has been saved '
         "in the wrong encoding; fix the text and save it as CSV UTF-8"),
    case("nul-byte", edit(M, "50.0", "50\x00.0"),
         "measurements.csv:2: value: contains the invisible control character U+0000; delete it"),
    case("control-character-in-name", edit(IND, "Karaktergab", "Karakter\x07gab"),
         "indicators.csv:3: name: contains the invisible control character U+0007; delete it"),
    case("noncharacter-in-name", edit("areas.csv", "Uddannelse", "Udd\ufffeannelse"),
         "areas.csv:3: name: contains the invisible control character U+FFFE; delete it"),
    case("empty-file", {M: ""}, "measurements.csv:1: the first line must be the header (column names)"),
    case("header-only-measurements", {M: base(M).split("\n", 1)[0] + "\n"},
         "measurements.csv: has only the header row; at least one figure is needed"),
    case("header-only-updates", {"updates.csv": "id,date,label\n"},
         "updates.csv: has only the header row; at least one update is needed",
         *(f'measurements.csv:{row}: update: {uk("update", u, "updates.csv")}'
           for row, u in enumerate(("2008-06", "2008-12", "2009-06", "2008-06", "2009-06"), start=2))),
    case("duplicated-header-column", edit(M, "district,update", "district,value"),
         'measurements.csv:1: column "value" appears more than once',
         'measurements.csv:1: required column "update" is missing'),
    case("repeated-header-row", edit(M, add=base(M).split("\n", 1)[0] + "\n"),
         "measurements.csv:7: repeats the header row (two exports pasted together?); delete the row"),
    case("extra-field", edit(M, "A1,2008-09,51.0,,,,2008-12", "A1,2008-09,51.0,,,,2008-12,x"),
         "measurements.csv:3: has 8 fields, the header has 7"),
    case("missing-column", {M: "\n".join(line.rsplit(",", 1)[0] for line in base(M).splitlines()) + "\n"},
         'measurements.csv:1: required column "update" is missing'),
    case("duplicate-row", edit(M, add="A1,2008-09,51.0,,,,2008-12\n"),
         "measurements.csv:7: duplicate figure for indicator A1, period 2008-09, the whole municipality "
         "(also on row 3)"),
    # --- ids
    case("id-with-space", edit(M, "A1,2008-03", "A 1,2008-03"),
         f'measurements.csv:2: indicator: {uk("indicator", "A 1", IND)}; did you mean "A1"? (ids must match '
         "exactly)"),
    case("id-case", edit(M, "B1,2007", "b1,2007"),
         f'measurements.csv:5: indicator: {uk("indicator", "b1", IND)}; did you mean "B1"? (ids must match '
         "exactly)"),
    case("ids-differ-only-in-case", edit("areas.csv", add="a,Andet\n"),
         'areas.csv:4: area "a" has no main indicator (main = yes in indicators.csv)',
         'areas.csv:4: id: id "a" differs only in case from "A" on row 2'),
    # --- unknown references, one of every kind
    case("unknown-area", edit(IND, "B1,B,", "B1,X,"), f'indicators.csv:3: area: {uk("area", "X", "areas.csv")}',
         'areas.csv:3: area "B" has no main indicator (main = yes in indicators.csv)'),
    case("unknown-committee", edit(IND, ",BUU,", ",KFU,"),
         f'indicators.csv:3: committee: {uk("committee", "KFU", "committees.csv")}'),
    case("unknown-owner", edit(TOML, 'owner = "BIU"', 'owner = "ØU"'),
         f'barometer.toml:4: owner: {uk("committee", "ØU", "committees.csv")}'),
    case("unknown-indicator", edit(M, "B1,2008,", "Z9,2008,"),
         f'measurements.csv:6: indicator: {uk("indicator", "Z9", IND)}'),
    case("unknown-update", edit(M, "B1,2008,0.40,,,,2009-06", "B1,2008,0.40,,,,2010-06"),
         f'measurements.csv:6: update: {uk("update", "2010-06", "updates.csv")}'),
    case("unknown-district", edit(M, "B1,2008,0.40,,,,", "B1,2008,0.40,,,7,"),
         f'measurements.csv:6: district: {uk("district", "7", "districts.csv")}'),
    case("unknown-initiative-indicator", {"initiatives.csv": "id,name,indicator\nP1,Job nu,C7\n"},
         f'initiatives.csv:2: indicator: {uk("indicator", "C7", IND)}'),
    case("unknown-override-target", {"overrides.csv": "update,target,signal,reason\n2009-06,Q,red,Fordi.\n"},
         f'overrides.csv:2: target: {uk("indicator or area", "Q", "indicators.csv or areas.csv")}'),
    case("unknown-comment-update", {"comments.csv": "update,target,text\n2007-01,A1,Tekst.\n"},
         f'comments.csv:2: update: {uk("update", "2007-01", "updates.csv")}'),
    case("unknown-map-key", with_map(geojson(*good_features()), "id,name,geo_id\nN,Nord,1\nS,Syd,3\n"),
         'districts.csv:3: geo_id: "3" is not the bydel_nr of any feature in bydele.geojson'),
    # --- numbers
    case("nan", edit(M, "50.0", "NaN"), 'measurements.csv:2: value: "NaN" is not a finite number'),
    case("infinity", edit(M, "50.0", "inf"), 'measurements.csv:2: value: "inf" is not a finite number'),
    case("percent-sign", edit(M, "50.0", "50%"),
         'measurements.csv:2: value: "50%" is not a number: write it without the percent sign'),
    case("excel-error-value", edit(M, "50.0", "#DIV/0!"),
         'measurements.csv:2: value: "#DIV/0!" is an Excel error value, not a number'),
    case("negative-se", edit(M, "50.0,,", "50.0,-0.5,"), 'measurements.csv:2: se: "-0.5" must not be negative'),
    case("negative-n", edit(M, "50.0,,,", "50.0,,-40,"), 'measurements.csv:2: n: "-40" must not be negative'),
    case("fractional-n", edit(M, "50.0,,,", "50.0,,40.5,"), 'measurements.csv:2: n: "40.5" is not a whole number'),
    # --- periods and updates
    case("period-month-13", edit(M, "2009-03", "2009-13"), 'measurements.csv:4: period: "2009-13" has no month 13'),
    case("period-month-first", edit(M, "2009-03", "03-2009"),
         'measurements.csv:4: period: "03-2009" is not a period (YYYY-MM or YYYY)'),
    case("period-as-date", edit(M, "2009-03", "2009-03-01"),
         'measurements.csv:4: period: "2009-03-01" is a date, not a period: write 2009-03 (YYYY-MM) or 2009 '
         "(YYYY); in Excel, format the column as text first"),
    case("published-before-period", edit(M, "A1,2009-03", "A1,2009-09"),
         "measurements.csv:4: update: update 2009-06 is dated 2009-06-01, before the period 2009-09 begins "
         "(2009-09-01)"),
    case("missing-update", edit("updates.csv", "2008-12,2008-12-01,December 2008\n", ""),
         f'measurements.csv:3: update: {uk("update", "2008-12", "updates.csv")}'),
    case("updates-out-of-order", edit("updates.csv", "2009-06-01", "2008-06-01"),
         "updates.csv:4: date: 2008-06-01 is not after 2008-12-01, the date of update 2008-12 (updates are "
         "listed oldest first)",
         "measurements.csv:4: update: update 2009-06 is dated 2008-06-01, before the period 2009-03 begins "
         "(2009-03-01)"),
    case("duplicate-update", edit("updates.csv", add="2008-12,2009-12-01,December 2009\n"),
         'updates.csv:5: id: duplicate id "2008-12" (also on row 3)'),
    # --- barometer.toml
    case("toml-syntax-error", edit(TOML, 'min_n = 20', 'min_n = 20 20'),
         re.compile(r"barometer\.toml:10: not valid TOML: .+")),
    case("toml-wrong-type", edit(TOML, "significance = 0.05", 'significance = "5 %"'),
         'barometer.toml:9: assessment.significance: must be a number between 0 and 1, not "5 %"'),
    case("toml-wrong-table", edit(TOML, 'language = "da"', 'language = "da"\nassessment = "worst"', "[assessment]\n",
                                  "[vurdering]\n"),
         'barometer.toml:6: assessment: must be a table ([assessment]), not "worst"'),
    # --- XLSX
    case("xlsx-uncalculated-formula", xlsx(workbook(lambda b: b["measurements"].__setitem__("C3", "=C2+1"))),
         "barometer.xlsx[measurements]:3: value: the formula =C2+1 has no calculated value (Excel never "
         "calculated it); open the workbook in Excel and save it again"),
    case("xlsx-merged-cells", xlsx(workbook(lambda b: b["measurements"].merge_cells("A2:A4"))),
         "barometer.xlsx[measurements]:2: indicator: cells A2:A4 are merged; unmerge them and fill in every cell"),
    case("xlsx-hidden-sheet", xlsx(workbook(lambda b: setattr(b["indicators"], "sheet_state", "hidden"))),
         "barometer.xlsx[indicators]: the sheet is hidden; show it (or delete it) so that what is read is what "
         "you see"),
    case("xlsx-encrypted", xlsx(compound_file("Root Entry", "EncryptionInfo", "EncryptedPackage")),
         "barometer.xlsx: is protected with a password (encrypted); save a copy without a password"),
    case("xlsx-is-old-xls", xlsx(compound_file("Root Entry", "Workbook")),
         'barometer.xlsx: is an old Excel 97-2003 workbook (.xls); save it as "Excel-projektmappe (.xlsx)"'),
    case("xlsx-not-a-zip", xlsx(base(M).encode()),
         "barometer.xlsx: is not a readable XLSX workbook (not a valid ZIP file: File is not a zip file)"),
    case("xlsx-zip-bomb", lambda tmp: xlsx(zip_bomb(tmp / "bomb.xlsx").read_bytes()),
         f"barometer.xlsx: is too large to read safely: {ZIP_BOMB_BYTES} bytes unpacked (limit 209715200)"),
    case("xlsx-xxe", xlsx(with_sheet_xml(XXE)), "barometer.xlsx: the file contains a forbidden XML entity declaration"),
    case("xlsx-billion-laughs", xlsx(with_sheet_xml(BILLION_LAUGHS)),
         "barometer.xlsx: the file contains a forbidden XML entity declaration"),
    case("xlsx-xxe-utf16", xlsx(with_sheet_xml(XXE, encoding="utf-16")),
         "barometer.xlsx: the file contains a forbidden XML entity declaration"),
    # --- GeoJSON map
    case("map-ring-not-closed", second_feature({"type": "Polygon", "coordinates": [square(12.5, 55.68)[:-1]
                                                                                   + [[12.5, 55.681]]]}),
         "bydele.geojson: feature 2: a ring is not closed: it starts at [12.5, 55.68] and ends at [12.5, 55.681]"),
    case("map-wrong-geometry", second_feature({"type": "Point", "coordinates": [12.5, 55.68]}),
         'bydele.geojson: feature 2: the geometry is "Point", not a Polygon or MultiPolygon'),
    case("map-nan-coordinates", with_map(geojson(*good_features()).replace("[12.5, 55.68]", "[NaN, 55.68]", 1)),
         "bydele.geojson: NaN is not a number in JSON; GeoJSON coordinates must be finite numbers"),
    case("map-not-degrees", second_feature({"type": "Polygon", "coordinates": [square(725000.0, 6176000.0)]}),
         "bydele.geojson: feature 2: the point [725000.0, 6176000.0] is not a longitude and latitude in degrees"),
    case("map-huge", lambda _tmp: huge_map(),
         "bydele.geojson: has more than 250000 points; simplify the map, e.g. with mapshaper"),
    case("map-deeply-nested", with_map('{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000
                                       + "}"),
         "bydele.geojson: is nested too deeply to be GeoJSON"),
    case("map-json-syntax", with_map(geojson(*good_features())[:-3]),
         re.compile(r"bydele\.geojson:1: is not valid JSON: Expecting .+ \(column \d+\)")),
)
