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
ZIP_BOMB_BYTES = 200 * 1024 * 1024 + 1  # zeros in one entry: far over load.MAX_ZIP_TOTAL, and 1000:1
EXTRA_SHEETS, EXTRA_SHEET_BYTES = 200, 1_000_000  # each under the 1 MiB of the per-entry ratio rule
BIG_SHEET_BYTES = 199 * 1024 * 1024  # one sheet at about 19:1: under the ratio limit of 100


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


_SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' \
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
_SHEET_TAIL = b"</sheetData></worksheet>"


def padded_sheet_xml(size: int) -> bytes:
    """A valid sheet of exactly ``size`` bytes: rows of one text cell, padded with blanks."""
    row = b'<row><c t="s"><v>0</v></c></row>'
    body = size - len(_SHEET_HEAD) - len(_SHEET_TAIL)
    return _SHEET_HEAD + row * (body // len(row)) + b" " * (body % len(row)) + _SHEET_TAIL


def many_sheets_bomb(count: int = EXTRA_SHEETS) -> bytes:
    """The good workbook plus ``count`` sheets that no table is named after, each a valid sheet of
    EXTRA_SHEET_BYTES unpacked (a few KB packed): every entry passes the per-entry ratio rule."""
    def add(book) -> None:
        for i in range(count):
            book.create_sheet(f"noter{i + 1}")["A1"] = "x"

    book = workbook(add)
    sheet = padded_sheet_xml(EXTRA_SHEET_BYTES)
    first = len(TABLE_NAMES) + 1
    return rewrite_zip(book, {f"xl/worksheets/sheet{n}.xml": sheet for n in range(first, first + count)})


def big_sheet_bomb(path: Path) -> Path:
    """The good workbook with its measurements sheet replaced by BIG_SHEET_BYTES of valid rows (three
    text cells and a random number each) that pack about 19:1, written streaming (~10 MB, ~2 s)."""
    import random

    if path.exists():
        return path
    member = f"xl/worksheets/sheet{TABLE_NAMES.index('measurements') + 1}.xml"
    rnd = random.Random(19)
    with zipfile.ZipFile(io.BytesIO(workbook())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != member:
                dst.writestr(info.filename, src.read(info))
                continue
            with dst.open(member, "w", force_zip64=True) as entry:
                entry.write(_SHEET_HEAD)
                left = BIG_SHEET_BYTES - len(_SHEET_HEAD) - len(_SHEET_TAIL)
                cells = '<c t="s"><v>0</v></c>' * 3
                while left > 0:
                    chunk = "".join(f"<row>{cells}<c><v>{rnd.randrange(10**7)}</v></c></row>"
                                    for _ in range(5000)).encode()[:left]
                    if len(chunk) == left:  # the last chunk: end on whole rows, padded with blanks
                        chunk = chunk[:chunk.rfind(b"</row>") + 6].ljust(left)
                    entry.write(chunk)
                    left -= len(chunk)
                entry.write(_SHEET_TAIL)
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
    return f'ukendt {what} "{value}" (findes ikke i {file})'


CORPUS: tuple[Case, ...] = (
    # --- CSV structure
    case("unterminated-quote", edit(M, "A1,2008-09,51.0", 'A1,2008-09,"51.0'),
         'measurements.csv:3: value: et anførselstegn (") åbner en celle her og lukkes aldrig: tilføj det '
         'afsluttende " eller slet det'),
    case("truncated-file", {M: base(M)[:-12]},
         "measurements.csv:6: har 3 celler, men overskriften har 7"),
    case("cell-too-long", edit("areas.csv", "Uddannelse", "U" * 200_000),
         'areas.csv:3: name: en celle er længere end 131072 tegn: mangler der et afsluttende anførselstegn (")?'),
    case("pipe-separated", {M: base(M).replace(",", "|")},
         'measurements.csv:1: overskriften "indicator|period|value|se|n|district|update" er kun én kolonne: '
         "adskil kolonnernes navne med semikolon (;), komma (,) eller tabulator"),
    case("rows-use-other-separator", {M: base(M).split("\n", 1)[0] + "\n" + SEMICOLON_M.split("\n", 1)[1]},
         *(f'measurements.csv:{row}: har 2 celler, men overskriften har 7 (rækken ser ud til at være adskilt med ";")'
           for row in range(2, 7))),
    case("mixed-decimal-comma-and-point", {M: SEMICOLON_M.replace("51,0", "51.0")},
         'measurements.csv:3: value: "51.0" er ikke et tal i denne fil: filen er adskilt med semikolon (;), så '
         "komma er decimaltegn, og punktum står kun mellem tusinder; skriv 51,0"),
    case("thousands-comma", edit(M, "50.0", '"1,050"'),
         'measurements.csv:2: value: "1,050" kan læses på to måder (1 komma 050 eller 1050): skriv tallet uden '
         "tusindtalspunktum eller -komma, og med punktum som decimaltegn, fx 1050 eller 1.050"),
    case("thousands-space", edit(M, "50.0", "1 050"), 'measurements.csv:2: value: "1 050" er ikke et tal: skriv '
                                                      "et tal med komma, fx 59,3"),
    case("danish-number-in-comma-file", edit(M, "50.0", '"1.050,5"'),
         'measurements.csv:2: value: "1.050,5" er ikke et tal: skriv et tal med komma, fx 59,3'),
    case("utf16-export", {M: base(M).replace(",", "\t").encode("utf-16")},
         'measurements.csv: er gemt som "Unicode-tekst" fra Excel, som ikke kan læses: gem den som "CSV UTF-8 '
         '(kommasepareret)" i stedet'),
    case("mojibake", edit("areas.csv", "Beskæftigelse", "BeskÃ¦ftigelse"),
         'areas.csv:2: name: "BeskÃ¦ftigelse" er forvansket tekst ("Ã¦" skulle være "æ"): filen er gemt med '
         'forkert tegnsæt; ret teksten og gem den som "CSV UTF-8 (kommasepareret)"'),
    case("utf8-with-one-cp1252-line",
         {"areas.csv": "id,name\nA,Beskæftigelse\n".encode() + "B,Uddannelse for Ørestad\n".encode("cp1252")},
         'areas.csv:2: name: "BeskÃ¦ftigelse" er forvansket tekst ("Ã¦" skulle være "æ"): filen er gemt med '
         'forkert tegnsæt; ret teksten og gem den som "CSV UTF-8 (kommasepareret)"'),
    case("nul-byte", edit(M, "50.0", "50\x00.0"),
         "measurements.csv:2: value: indeholder et usynligt styretegn (U+0000): slet det"),
    case("control-character-in-name", edit(IND, "Karaktergab", "Karakter\x07gab"),
         "indicators.csv:3: name: indeholder et usynligt styretegn (U+0007): slet det"),
    case("noncharacter-in-name", edit("areas.csv", "Uddannelse", "Udd\ufffeannelse"),
         "areas.csv:3: name: indeholder et usynligt styretegn (U+FFFE): slet det"),
    case("empty-file", {M: ""}, "measurements.csv:1: den første linje skal være overskriften (kolonnernes navne)"),
    case("header-only-measurements", {M: base(M).split("\n", 1)[0] + "\n"},
         "measurements.csv: har kun overskriftsrækken: tilføj mindst ét tal"),
    case("header-only-updates", {"updates.csv": "id,date,label\n"},
         "updates.csv: har kun overskriftsrækken: tilføj mindst én opdatering",
         *(f'measurements.csv:{row}: update: {uk("opdatering", u, "updates.csv")}'
           for row, u in enumerate(("2008-06", "2008-12", "2009-06", "2008-06", "2009-06"), start=2))),
    case("duplicated-header-column", edit(M, "district,update", "district,value"),
         'measurements.csv:1: kolonnen "value" står der mere end én gang: slet eller omdøb den ene',
         'measurements.csv:1: kolonnen "update" mangler: tilføj den i første række (overskriften)'),
    case("repeated-header-row", edit(M, add=base(M).split("\n", 1)[0] + "\n"),
         "measurements.csv:7: gentager overskriftsrækken (to udtræk sat sammen?): slet rækken"),
    case("extra-field", edit(M, "A1,2008-09,51.0,,,,2008-12", "A1,2008-09,51.0,,,,2008-12,x"),
         "measurements.csv:3: har 8 celler, men overskriften har 7"),
    case("missing-column", {M: "\n".join(line.rsplit(",", 1)[0] for line in base(M).splitlines()) + "\n"},
         'measurements.csv:1: kolonnen "update" mangler: tilføj den i første række (overskriften)'),
    case("duplicate-row", edit(M, add="A1,2008-09,51.0,,,,2008-12\n"),
         "measurements.csv:7: tallet for indikator A1, periode 2008-09, hele kommunen står der to gange (også i "
         "række 3)"),
    # --- ids
    case("id-with-space", edit(M, "A1,2008-03", "A 1,2008-03"),
         f'measurements.csv:2: indicator: {uk("indikator", "A 1", IND)}; mente du "A1"? (id\'et skal skrives '
         "præcis ens)"),
    case("id-case", edit(M, "B1,2007", "b1,2007"),
         f'measurements.csv:5: indicator: {uk("indikator", "b1", IND)}; mente du "B1"? (id\'et skal skrives '
         "præcis ens)"),
    case("ids-differ-only-in-case", edit("areas.csv", add="a,Andet\n"),
         'areas.csv:4: indsatsområde "a" har ingen hovedindikator: skriv ja i main for en af dets indikatorer i '
         "indicators.csv",
         'areas.csv:4: id: id "a" adskiller sig kun ved store og små bogstaver fra "A" i række 2: skriv det '
         "præcis ens, eller brug et andet id"),
    # --- unknown references, one of every kind
    case("unknown-area", edit(IND, "B1,B,", "B1,X,"),
         f'indicators.csv:3: area: {uk("indsatsområde", "X", "areas.csv")}',
         'areas.csv:3: indsatsområde "B" har ingen hovedindikator: skriv ja i main for en af dets indikatorer i '
         "indicators.csv"),
    case("unknown-committee", edit(IND, ",BUU,", ",KFU,"),
         f'indicators.csv:3: committee: {uk("udvalg", "KFU", "committees.csv")}'),
    case("unknown-owner", edit(TOML, 'owner = "BIU"', 'owner = "ØU"'),
         f'barometer.toml:4: owner: {uk("udvalg", "ØU", "committees.csv")}'),
    case("unknown-indicator", edit(M, "B1,2008,", "Z9,2008,"),
         f'measurements.csv:6: indicator: {uk("indikator", "Z9", IND)}'),
    case("unknown-update", edit(M, "B1,2008,0.40,,,,2009-06", "B1,2008,0.40,,,,2010-06"),
         f'measurements.csv:6: update: {uk("opdatering", "2010-06", "updates.csv")}'),
    case("unknown-district", edit(M, "B1,2008,0.40,,,,", "B1,2008,0.40,,,7,"),
         f'measurements.csv:6: district: {uk("distrikt", "7", "districts.csv")}'),
    case("unknown-initiative-indicator", {"initiatives.csv": "id,name,indicator\nP1,Job nu,C7\n"},
         f'initiatives.csv:2: indicator: {uk("indikator", "C7", IND)}'),
    case("unknown-override-target", {"overrides.csv": "update,target,signal,reason\n2009-06,Q,red,Fordi.\n"},
         f'overrides.csv:2: target: {uk("indikator eller indsatsområde", "Q", "indicators.csv eller areas.csv")}'),
    case("unknown-comment-update", {"comments.csv": "update,target,text\n2007-01,A1,Tekst.\n"},
         f'comments.csv:2: update: {uk("opdatering", "2007-01", "updates.csv")}'),
    case("unknown-map-key", with_map(geojson(*good_features()), "id,name,geo_id\nN,Nord,1\nS,Syd,3\n"),
         'districts.csv:3: geo_id: "3" er ikke bydel_nr for noget område i bydele.geojson: skriv en bydel_nr, '
         "som kortet har"),
    # --- numbers
    case("nan", edit(M, "50.0", "NaN"), 'measurements.csv:2: value: "NaN" er ikke et tal: skriv et tal med '
                                        "komma, fx 59,3"),
    case("infinity", edit(M, "50.0", "inf"), 'measurements.csv:2: value: "inf" er ikke et tal: skriv et tal med '
                                             "komma, fx 59,3"),
    case("percent-sign", edit(M, "50.0", "50%"),
         'measurements.csv:2: value: "50%" er ikke et tal: skriv det uden procenttegn, fx 59,3'),
    case("excel-error-value", edit(M, "50.0", "#DIV/0!"),
         'measurements.csv:2: value: "#DIV/0!" er en fejl fra en formel i Excel, ikke et tal: ret formlen, '
         "eller skriv et tal med komma, fx 59,3"),
    case("negative-se", edit(M, "50.0,,", "50.0,-0.5,"), 'measurements.csv:2: se: "-0.5" er negativt: skriv et '
                                                         "tal, der er 0 eller større"),
    case("negative-n", edit(M, "50.0,,,", "50.0,,-40,"), 'measurements.csv:2: n: "-40" er negativt: skriv et '
                                                         "tal, der er 0 eller større"),
    case("fractional-n", edit(M, "50.0,,,", "50.0,,40.5,"), 'measurements.csv:2: n: "40.5" er ikke et helt tal: '
                                                            "skriv fx 120"),
    # --- periods and updates
    case("period-month-13", edit(M, "2009-03", "2009-13"), 'measurements.csv:4: period: "2009-13" har ingen '
                                                           "måned 13: skriv en måned fra 01 til 12, fx 2009-09"),
    case("period-month-first", edit(M, "2009-03", "03-2009"),
         'measurements.csv:4: period: "03-2009" er ikke en periode: skriv 2009-03 (ÅÅÅÅ-MM)'),
    case("period-as-date", edit(M, "2009-03", "2009-03-01"),
         'measurements.csv:4: period: "2009-03-01" er en dato, ikke en periode: skriv 2009-03 (ÅÅÅÅ-MM) eller '
         "2009 (ÅÅÅÅ); i Excel skal kolonnen først formateres som tekst"),
    case("published-before-period", edit(M, "A1,2009-03", "A1,2009-09"),
         "measurements.csv:4: update: opdatering 2009-06 er dateret 2009-06-01, før perioden 2009-09 begynder "
         "(2009-09-01): ret perioden eller opdateringen"),
    case("missing-update", edit("updates.csv", "2008-12,2008-12-01,December 2008\n", ""),
         f'measurements.csv:3: update: {uk("opdatering", "2008-12", "updates.csv")}'),
    case("updates-out-of-order", edit("updates.csv", "2009-06-01", "2008-06-01"),
         "updates.csv:4: date: 2008-06-01 er ikke efter 2008-12-01, datoen for opdatering 2008-12: "
         "opdateringerne skal stå med den ældste først",
         "measurements.csv:4: update: opdatering 2009-06 er dateret 2008-06-01, før perioden 2009-03 begynder "
         "(2009-03-01): ret perioden eller opdateringen"),
    case("duplicate-update", edit("updates.csv", add="2008-12,2009-12-01,December 2009\n"),
         'updates.csv:5: id: id "2008-12" står der to gange (også i række 3)'),
    # --- barometer.toml
    case("toml-syntax-error", edit(TOML, 'min_n = 20', 'min_n = 20 20'),
         "barometer.toml:10: kan ikke læses: der står mere efter værdien: skriv én værdi pr. linje"),
    case("toml-wrong-type", edit(TOML, "significance = 0.05", 'significance = "5 %"'),
         "barometer.toml:9: assessment.significance: skal være et tal mellem 0 og 1 med punktum, fx 0.05, ikke "
         '"5 %"'),
    case("toml-wrong-table", edit(TOML, 'language = "da"', 'language = "da"\nassessment = "worst"', "[assessment]\n",
                                  "[vurdering]\n"),
         'barometer.toml:6: assessment: skal være en sektion ([assessment]), ikke "worst"'),
    # --- XLSX
    case("xlsx-uncalculated-formula", xlsx(workbook(lambda b: b["measurements"].__setitem__("C3", "=C2+1"))),
         "barometer.xlsx[measurements]:3: value: formlen =C2+1 har ingen beregnet værdi (Excel har aldrig "
         "regnet den ud): åbn projektmappen i Excel og gem den igen"),
    case("xlsx-merged-cells", xlsx(workbook(lambda b: b["measurements"].merge_cells("A2:A4"))),
         "barometer.xlsx[measurements]:2: indicator: cellerne A2:A4 er flettet: ophæv fletningen og udfyld hver "
         "celle"),
    case("xlsx-hidden-sheet", xlsx(workbook(lambda b: setattr(b["indicators"], "sheet_state", "hidden"))),
         "barometer.xlsx[indicators]: arket er skjult: vis det (eller slet det), så det, der læses, er det, du ser"),
    case("xlsx-encrypted", xlsx(compound_file("Root Entry", "EncryptionInfo", "EncryptedPackage")),
         "barometer.xlsx: er beskyttet med adgangskode: gem en kopi uden adgangskode"),
    case("xlsx-is-old-xls", xlsx(compound_file("Root Entry", "Workbook")),
         'barometer.xlsx: er en gammel Excel 97-2003-projektmappe (.xls): gem den som "Excel-projektmappe (.xlsx)"'),
    case("xlsx-not-a-zip", xlsx(base(M).encode()),
         "barometer.xlsx: kan ikke læses som Excel-projektmappe (filen er ødelagt eller ikke en .xlsx-fil): gem "
         'den igen fra Excel som "Excel-projektmappe (.xlsx)"'),
    case("xlsx-zip-bomb", lambda tmp: xlsx(zip_bomb(tmp / "bomb.xlsx").read_bytes()),
         "barometer.xlsx: regnearket fylder udpakket 200 MB; grænsen er 64 MB: slet ark, rækker og formatering, "
         "der ikke bruges"),
    case("xlsx-200-extra-sheets", lambda tmp: xlsx(many_sheets_bomb()),
         "barometer.xlsx: regnearket fylder udpakket 191 MB; grænsen er 64 MB: slet ark, rækker og formatering, "
         "der ikke bruges"),
    case("xlsx-big-sheet-19-to-1", lambda tmp: xlsx(big_sheet_bomb(tmp / "big.xlsx").read_bytes()),
         "barometer.xlsx: regnearket fylder udpakket 199 MB; grænsen er 64 MB: slet ark, rækker og formatering, "
         "der ikke bruges"),
    case("xlsx-xxe", xlsx(with_sheet_xml(XXE)), "barometer.xlsx: indeholder en XML-erklæring, som ikke er "
                                                "tilladt i en projektmappe: gem den igen fra Excel som "
                                                '"Excel-projektmappe (.xlsx)"'),
    case("xlsx-billion-laughs", xlsx(with_sheet_xml(BILLION_LAUGHS)),
         "barometer.xlsx: indeholder en XML-erklæring, som ikke er tilladt i en projektmappe: gem den igen fra "
         'Excel som "Excel-projektmappe (.xlsx)"'),
    case("xlsx-xxe-utf16", xlsx(with_sheet_xml(XXE, encoding="utf-16")),
         "barometer.xlsx: indeholder en XML-erklæring, som ikke er tilladt i en projektmappe: gem den igen fra "
         'Excel som "Excel-projektmappe (.xlsx)"'),
    # --- GeoJSON map
    case("map-ring-not-closed", second_feature({"type": "Polygon", "coordinates": [square(12.5, 55.68)[:-1]
                                                                                   + [[12.5, 55.681]]]}),
         "bydele.geojson: kortområde 2: et omrids er ikke lukket: det begynder i [12.5, 55.68] og slutter i "
         "[12.5, 55.681]; det sidste punkt skal være det samme som det første"),
    case("map-wrong-geometry", second_feature({"type": "Point", "coordinates": [12.5, 55.68]}),
         'bydele.geojson: kortområde 2: formen er "Point", ikke en flade (Polygon eller MultiPolygon): tegn '
         "området som en flade"),
    case("map-nan-coordinates", with_map(geojson(*good_features()).replace("[12.5, 55.68]", "[NaN, 55.68]", 1)),
         'bydele.geojson: kortet indeholder "NaN", som ikke er et tal: alle koordinater skal være tal'),
    case("map-not-degrees", second_feature({"type": "Polygon", "coordinates": [square(725000.0, 6176000.0)]}),
         "bydele.geojson: kortområde 2: punktet [725000.0, 6176000.0] er ikke en længde- og breddegrad i "
         "grader: gem kortet med længde- og breddegrader (WGS 84)"),
    case("map-huge", lambda _tmp: huge_map(),
         "bydele.geojson: har mere end 250000 punkter: forenkl kortet, fx med mapshaper"),
    case("map-deeply-nested", with_map('{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000
                                       + "}"),
         "bydele.geojson: er ikke et kort: der er for mange lag inden i hinanden; gem kortet igen som GeoJSON"),
    case("map-json-syntax", with_map(geojson(*good_features())[:-3]),
         re.compile(r"bydele\.geojson:1: er ikke en gyldig GeoJSON-fil \(fejl ved tegn \d+ i linjen\): "
                    "gem kortet igen som GeoJSON")),
)
