"""An XLSX is read within a budget (issue 29, point 2): the unpacked total and the compression ratio
over all ZIP entries are checked before any XML is parsed; only the sheets named as tables are
parsed, once, streaming, with caps on rows and cells; each limit has a Danish message naming it,
located like every other problem; a refused workbook changes nothing."""
from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import pytest
from hostile_corpus import (
    BIG_SHEET_BYTES,
    EXTRA_SHEETS,
    TABLE_NAMES,
    big_sheet_bomb,
    many_sheets_bomb,
    rewrite_zip,
    workbook,
    write_barometer,
    xlsx,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz import CELLS
from test_fuzz import _workbook as fuzz_workbook

from reportgen.errors import DataValidationError
from reportgen.inputs import load, read_barometer

SIZE_MESSAGE = ("barometer.xlsx: regnearket fylder udpakket {} MB; grænsen er 64 MB: slet ark, rækker og "
                "formatering, der ikke bruges")
MEASUREMENTS_XML = f"xl/worksheets/sheet{TABLE_NAMES.index('measurements') + 1}.xml"


def messages(folder: Path) -> list[str]:
    with pytest.raises(DataValidationError) as info:
        read_barometer(folder)
    return [str(issue) for issue in info.value.issues]


def entries(book: bytes) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        return archive.infolist()


@pytest.fixture
def no_xml_parsing(monkeypatch):
    """No parse may start, here or in a child: the refusal comes from the ZIP directory."""
    def refuse(*args, **kwargs):
        raise AssertionError("the workbook's XML was going to be parsed")

    monkeypatch.setattr(load, "_parse", refuse)
    monkeypatch.setattr(load, "_parse_in_child", refuse)


def test_200_extra_sheets_are_refused_by_the_unpacked_total_quickly(tmp_path, no_xml_parsing):
    book = many_sheets_bomb()
    infos = entries(book)
    # What let it through before: no entry is over 1 MiB, so the per-entry ratio rule never applied.
    assert max(i.file_size for i in infos) < load.RATIO_MIN_SIZE
    assert sum(i.file_size for i in infos) > EXTRA_SHEETS * 1_000_000 and len(book) < 2_000_000
    folder = write_barometer(tmp_path / "b", xlsx(book))
    started = time.monotonic()
    assert messages(folder) == [SIZE_MESSAGE.format(191)]
    assert time.monotonic() - started < 5


def test_one_big_sheet_at_19_to_1_is_refused_by_the_unpacked_total_quickly(tmp_path, no_xml_parsing):
    path = big_sheet_bomb(tmp_path / "big.xlsx")
    [sheet] = [i for i in entries(path.read_bytes()) if i.filename == MEASUREMENTS_XML]
    assert sheet.file_size == BIG_SHEET_BYTES and 15 < sheet.file_size / sheet.compress_size < 25
    folder = write_barometer(tmp_path / "b", xlsx(path.read_bytes()))
    started = time.monotonic()
    assert messages(folder) == [SIZE_MESSAGE.format(199)]
    assert time.monotonic() - started < 5


def test_small_entries_compressed_together_are_refused_by_the_ratio_over_all_entries(tmp_path, no_xml_parsing):
    """48 MB unpacked is under the total, but from a few hundred KB: the ratio over all entries
    catches it although each entry is under 1 MiB."""
    book = many_sheets_bomb(50)
    assert max(i.file_size for i in entries(book)) < load.RATIO_MIN_SIZE
    [message] = messages(write_barometer(tmp_path / "b", xlsx(book)))
    found = re.fullmatch(r"barometer\.xlsx: ligner ikke en Excel-projektmappe: regnearket fylder udpakket "
                         r"(\d+) gange så meget som pakket \((0,\d) MB bliver til 48 MB\); grænsen er 100 gange; "
                         r'gem den igen fra Excel som "Excel-projektmappe \(\.xlsx\)"', message)
    assert found and int(found.group(1)) > 100, message


def test_a_row_past_the_row_limit_is_refused_with_its_row(tmp_path):
    """A stray cell far down (a small file) would make every row above it a record."""
    limit = load.MAX_SHEET_ROWS
    book = workbook(lambda b: b["measurements"].cell(row=limit + 1, column=2, value="x"))
    started = time.monotonic()
    assert messages(write_barometer(tmp_path / "b", xlsx(book))) == [
        "barometer.xlsx[measurements]:250001: arket har rækker til og med række 250.001; grænsen er "
        "250.000 rækker: slet de rækker, der ikke bruges"]
    assert time.monotonic() - started < 5


def test_cells_past_the_cell_limit_are_refused_with_the_row(tmp_path):
    """Rows whose last cell is in column XFD (16384) count 16384 cells each: the cap stops the
    reading at about the 122nd such row."""
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>A1</t></is></c>'
                   f'<c r="XFD{n}" t="inlineStr"><is><t>x</t></is></c></row>' for n in range(1, 300))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet '
             'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             f"{rows}</sheetData></worksheet>").encode()
    book = rewrite_zip(workbook(), {MEASUREMENTS_XML: sheet})
    [message] = messages(write_barometer(tmp_path / "b", xlsx(book)))
    found = re.fullmatch(r"barometer\.xlsx\[measurements\]:(\d+): tabelarkene har tilsammen mere end 2\.000\.000 "
                         r"celler; grænsen er 2\.000\.000 celler: slet kolonner og rækker, der ikke bruges", message)
    assert found and 100 < int(found.group(1)) <= load.MAX_CELLS // 16384 + 1, message


def test_sheets_not_named_as_tables_are_never_parsed(tmp_path):
    """A sheet "noter" whose XML is broken: the workbook still reads, the same as without it."""
    def add(book) -> None:
        book.create_sheet("noter")["A1"] = "x"

    broken = rewrite_zip(workbook(add), {f"xl/worksheets/sheet{len(TABLE_NAMES) + 1}.xml": b"<worksheet><sheetD"})
    with_notes = read_barometer(write_barometer(tmp_path / "a", xlsx(broken)))
    without = read_barometer(write_barometer(tmp_path / "b", xlsx(workbook())))
    assert with_notes.indicators == without.indicators and with_notes.measurements == without.measurements
    assert with_notes.updates == without.updates and with_notes.areas == without.areas


def test_the_workbook_is_read_once_streaming(tmp_path, monkeypatch):
    """One openpyxl reader, in read-only mode, per load; each table sheet's part opened once by it
    (the reader's own look at the workbook's parts aside)."""
    from openpyxl.reader.excel import ExcelReader

    made: list[bool] = []
    opened: list[str] = []
    original = ExcelReader.__init__

    def spy(self, fn, read_only=False, *args, **kwargs):
        made.append(read_only)
        original(self, fn, read_only, *args, **kwargs)
        real_open = self.archive.open
        self.archive.open = lambda name, *a, **k: (opened.append(str(name)), real_open(name, *a, **k))[1]

    monkeypatch.setattr(ExcelReader, "__init__", spy)
    monkeypatch.setattr(load, "PARSE_IN_CHILD", False)  # the same code, here, where the spy can see it
    read_barometer(write_barometer(tmp_path / "b", xlsx(workbook())))
    assert made == [True]
    sheets = sorted(n for n in opened if n.startswith("xl/worksheets/"))
    assert sheets == sorted(f"xl/worksheets/sheet{i}.xml" for i in range(1, len(TABLE_NAMES) + 1))


@pytest.mark.parametrize("kind", ["200-extra-sheets", "big-sheet-19-to-1"])
def test_the_workbench_refuses_the_bombs_quickly_and_changes_nothing(tmp_path, kind):
    """Through the upload API: 422 with the Danish message, the barometer's files byte-identical."""
    from web_helpers import BEARER, make_client, make_workspace

    ws = make_workspace(tmp_path / "ws")
    if kind == "200-extra-sheets":
        book, expected = many_sheets_bomb(), SIZE_MESSAGE.format(191)
    else:
        book, expected = big_sheet_bomb(tmp_path / "big.xlsx").read_bytes(), SIZE_MESSAGE.format(199)
    folder = ws / "testrup"
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    client = make_client(ws)
    started = time.monotonic()
    r = client.post("/api/barometers/testrup/data", headers=BEARER,
                    files={"files": ("barometer.xlsx", book, "application/octet-stream")})
    assert r.status_code == 422 and r.json()["errors"] == [expected], r.json()
    assert time.monotonic() - started < 10
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before


def slow_workbook(rows: int = 60_000) -> bytes:
    """A workbook within every limit whose measurements sheet (420,000 cells) takes seconds and some
    hundred MB to read."""
    body = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>A1</t></is></c><c r="B{n}"><v>2008</v></c>'
                   f'<c r="C{n}"><v>{n}.5</v></c><c r="D{n}"><v>1</v></c><c r="E{n}"><v>{n}</v></c>'
                   f'<c r="F{n}" t="inlineStr"><is><t>N{n % 97}</t></is></c><c r="G{n}" t="inlineStr">'
                   f"<is><t>2008-06</t></is></c></row>" for n in range(2, rows + 2))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet '
             'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
             + "".join(f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>'
                       for c, h in zip("ABCDEFG", ("indicator", "period", "value", "se", "n", "district", "update"),
                                       strict=True))
             + f"</row>{body}</sheetData></worksheet>").encode()
    return rewrite_zip(workbook(), {MEASUREMENTS_XML: sheet})


@pytest.fixture
def children(monkeypatch):
    """Every child process the loader starts, to see that none is left running."""
    import subprocess

    started: list[subprocess.Popen] = []
    real = subprocess.Popen

    def record(*args, **kwargs):
        child = real(*args, **kwargs)
        started.append(child)
        return child

    monkeypatch.setattr(subprocess, "Popen", record)
    return started


def _rss() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))


def test_the_parse_runs_in_a_child_process(tmp_path, monkeypatch, children):
    """A normal workbook is read by a child: this process never constructs openpyxl's reader."""
    from openpyxl.reader.excel import ExcelReader

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed in the server's own process")

    monkeypatch.setattr(ExcelReader, "__init__", refuse)
    barometer = read_barometer(write_barometer(tmp_path / "b", xlsx(workbook())))
    assert [m.indicator for m in barometer.measurements][:1] == ["A1"]
    assert len(children) == 1 and children[0].returncode == 0


def test_a_parse_past_the_time_limit_is_killed(tmp_path, monkeypatch, children):
    monkeypatch.setattr(load, "MAX_PARSE_SECONDS", 1.5)
    folder = write_barometer(tmp_path / "b", xlsx(slow_workbook()))
    started = time.monotonic()
    assert messages(folder) == ["barometer.xlsx: regnearket kunne ikke læses på 1,5 sekunder; grænsen er "
                                "1,5 sekunder: slet ark og rækker, der ikke bruges"]
    assert time.monotonic() - started < 1.5 + 5
    assert len(children) == 1 and children[0].returncode == -9  # killed, and reaped


def test_a_parse_past_the_memory_limit_is_refused_and_this_process_does_not_grow(tmp_path, monkeypatch, children):
    monkeypatch.setattr(load, "MAX_PARSE_MEMORY", 25 * load.MB)
    folder = write_barometer(tmp_path / "b", xlsx(slow_workbook()))
    before = _rss()
    assert messages(folder) == ["barometer.xlsx: regnearket kræver mere end 25 MB hukommelse at læse; grænsen er "
                                "25 MB: slet ark og rækker, der ikke bruges"]
    assert _rss() - before < 30 * load.MB
    assert len(children) == 1 and children[0].returncode is not None


def test_the_slow_workbook_is_valid_within_the_default_limits(tmp_path):
    """The control for the two tests above: with the defaults the same workbook is read (so they
    were refused for the limit, not for its contents)."""
    started = time.monotonic()
    raw = load.load_folder(write_barometer(tmp_path / "b", xlsx(slow_workbook())))
    assert len(raw.tables["measurements"].rows) == 60_000, raw.issues[:3]
    assert time.monotonic() - started > 1.5


def test_sheet_names_come_from_the_workbook_part_alone(tmp_path, monkeypatch):
    """For the upload's name pass: the names, without opening a sheet; nothing for a refused workbook."""
    import zipfile as zf

    opened: list[str] = []
    real_open = zf.ZipFile.open
    monkeypatch.setattr(zf.ZipFile, "open", lambda self, name, *a, **k: (
        opened.append(getattr(name, "filename", name)), real_open(self, name, *a, **k))[1])
    path = tmp_path / "barometer.xlsx"
    path.write_bytes(workbook(lambda b: b.create_sheet("Noter")))
    opened.clear()
    assert load.sheet_names(path) == [*TABLE_NAMES, "Noter"]
    reads = [n for n in opened if n.startswith("xl/worksheets/")]
    # check_zip's byte scan for DTDs passes over every part once; no sheet is opened after it.
    assert sorted(reads) == sorted(set(reads)) and len(reads) == len(TABLE_NAMES) + 1
    path.write_bytes(many_sheets_bomb(count=80))
    assert load.sheet_names(path) == []


def test_a_parse_whose_answer_is_no_longer_wanted_is_killed(tmp_path, children):
    """load.GIVE_UP (the workbench sets it to "has the client gone?"): asked while the child parses;
    once it says yes the child is killed within a fraction of a second."""
    folder = write_barometer(tmp_path / "b", xlsx(slow_workbook()))
    started = time.monotonic()
    token = load.GIVE_UP.set(lambda: time.monotonic() - started > 0.5)
    try:
        assert messages(folder) == ["barometer.xlsx: læsningen blev afbrudt, fordi forespørgslen blev opgivet: "
                                    "send filen igen"]
    finally:
        load.GIVE_UP.reset(token)
    assert time.monotonic() - started < 0.5 + 2
    assert len(children) == 1 and children[0].returncode == -9


def test_shared_formulas_without_a_stored_value_are_named_in_the_one_pass(tmp_path):
    """Excel writes a filled-down formula once (a shared formula) and refers to it from the cells
    below; a cell left uncalculated is named with its own formula, as the two-pass reader did."""
    head = "".join(f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>' for c, h in zip(
        "ABCDEFG", ("indicator", "period", "value", "se", "n", "district", "update"), strict=True))

    def row(n: int, value: str) -> str:
        return (f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>A1</t></is></c>'
                f'<c r="B{n}" t="inlineStr"><is><t>{2005 + n}</t></is></c>{value}'
                f'<c r="G{n}" t="inlineStr"><is><t>2008-06</t></is></c></row>')

    rows = (row(2, '<c r="C2"><f t="shared" ref="C2:C3" si="0">D2+1</f><v>1</v></c>')
            + row(3, '<c r="C3"><f t="shared" si="0"/></c>'))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet '
             'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             f'<row r="1">{head}</row>{rows}</sheetData></worksheet>').encode()
    book = rewrite_zip(workbook(), {MEASUREMENTS_XML: sheet})
    found = [m for m in messages(write_barometer(tmp_path / "b", xlsx(book))) if "formlen" in m]
    assert found == ["barometer.xlsx[measurements]:3: value: formlen =D3+1 har ingen beregnet værdi (Excel har "
                     "aldrig regnet den ud): åbn projektmappen i Excel og gem den igen"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELLS, max_size=9), max_size=6))
def test_the_one_pass_reader_gives_what_openpyxls_full_reader_gives(tmp_path_factory, rows):
    """Differential: random cells in the measurements sheet, read by the loader (streaming, in its
    child) and by openpyxl's ordinary full load of stored values; the same rows, cells and row numbers.
    (The full load pads every row to the sheet's width; the loader, like the two-pass reader before
    it, makes each row as wide as its last cell, so the reference drops trailing empty cells; an
    empty cell and a missing one are the same to everything after the loader, so only filled cells
    are compared.)"""
    import openpyxl

    folder = write_barometer(tmp_path_factory.mktemp("diff") / "b", xlsx(fuzz_workbook(rows)))
    raw = load.load_folder(folder)
    assert "measurements" in raw.tables, [str(i) for i in raw.issues]
    book = openpyxl.load_workbook(folder / "barometer.xlsx", data_only=True)
    try:
        sheet = book["measurements"]
        records = [(n, [load.cell_text(c.value) for c in _to_last_value(row)])
                   for n, row in enumerate(sheet.iter_rows(), 1)]
    finally:
        book.close()
    expected = load._table("barometer.xlsx[measurements]", records, [], ragged_ok=True)
    got = raw.tables["measurements"]
    assert got.columns == expected.columns
    assert _filled(got.rows) == _filled(expected.rows) and _filled(got.broken) == _filled(expected.broken)


def _to_last_value(row: tuple) -> tuple:
    end = len(row)
    while end and row[end - 1].value is None:
        end -= 1
    return row[:end]


def _filled(rows: tuple) -> list[tuple[int, dict[str, str]]]:
    return [(r.row, {k: v for k, v in r.cells.items() if v}) for r in rows]


def _parsers_of(pid: int) -> list[int]:
    """The loader's child processes (``_child_main``) whose parent is ``pid``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        parent = re.search(r"^PPid:\s+(\d+)", status, flags=re.M)
        if parent and int(parent.group(1)) == pid and b"_child_main" in cmdline:
            found.append(int(proc.name))
    return found


def _serving(ws: Path) -> list[int]:
    """The pids of ``reportgen serve WS``."""
    needle = b"serve\x00" + str(ws).encode()
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if needle in (proc / "cmdline").read_bytes():
                    out.append(int(proc.name))
            except OSError:
                continue
    return out


def test_a_parse_is_killed_when_the_client_goes_away(tmp_path):
    """An upload whose client leaves while the workbook is parsed: the server kills the parse (load.GIVE_UP,
    set by the upload view) instead of finishing it for nobody, and the barometer is free again at once."""
    import socket
    import urllib.parse

    import httpx2
    from web_helpers import make_workspace, running_server

    ws = make_workspace(tmp_path / "ws")
    before = sorted((p.name, p.read_bytes()) for p in (ws / "testrup").iterdir() if p.is_file())
    data = slow_workbook(120_000)
    boundary = "reportgen-test-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="barometer.xlsx"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    with running_server(ws) as (base, token):
        url = urllib.parse.urlsplit(base)
        sock = socket.create_connection((url.hostname, url.port), timeout=30)
        sock.sendall((f"POST /api/barometers/testrup/data HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\n"
                      f"Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
                      f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body)
        deadline = time.monotonic() + 30
        parsers: list[int] = []
        while time.monotonic() < deadline and not parsers:  # the parse has started in a child
            parsers = [c for p in _serving(ws) for c in _parsers_of(p)]
            time.sleep(0.05)
        assert parsers, "the upload never started a parse"
        sock.close()  # the client goes away mid-parse
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(Path(f"/proc/{c}").exists() for c in parsers):
            time.sleep(0.05)
        assert not any(Path(f"/proc/{c}").exists() for c in parsers), "the parse went on for nobody"
        # and the barometer is free: a small upload goes through at once, not 409
        again = httpx2.post(f"{base}/api/barometers/testrup/data", headers={"Authorization": f"Bearer {token}"},
                            files={"files": ("areas.csv", (ws / "testrup" / "areas.csv").read_bytes())},
                            timeout=30)
        assert again.status_code == 200, again.text
    after = sorted((p.name, p.read_bytes()) for p in (ws / "testrup").iterdir() if p.is_file())
    assert after == before
