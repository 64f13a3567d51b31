"""Read a barometer folder (TOML, CSV or one XLSX workbook) into text cells tagged with file and row."""

from __future__ import annotations

import contextlib
import contextvars
import csv
import datetime as dt
import errno
import io
import re
import time
import tomllib
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import Issue

TOML_FILE = "barometer.toml"
WORKBOOK_FILE = "barometer.xlsx"
TABLES: tuple[str, ...] = (
    "updates",
    "areas",
    "committees",
    "districts",
    "indicators",
    "measurements",
    "initiatives",
    "overrides",
    "comments",
    "decisions",
)
REQUIRED_TABLES: tuple[str, ...] = ("updates", "areas", "committees", "indicators", "measurements")

# Limits checked on the workbook's ZIP directory before any XML is parsed.
MB = 1024 * 1024
MAX_ZIP_ENTRIES = 1000
MAX_ZIP_TOTAL = 64 * MB  # uncompressed bytes, all entries together (100,000 measurement rows take ~30 MB)
MAX_ZIP_RATIO = 100  # uncompressed / compressed: for all entries together, and for each entry above RATIO_MIN_SIZE
RATIO_MIN_SIZE = 1 * MB  # smaller archives and entries cannot expand into anything costly
# Limits on what is read from the sheets named as tables (the others are never opened).
MAX_SHEET_ROWS = 250_000  # per sheet, counted by row number (a stray cell far down counts)
MAX_CELLS = 2_000_000  # all table sheets together, each row counted to its last cell
# The parse runs in a child process with these limits; it is killed past them, so the caller's own
# memory does not grow with a hostile workbook. Memory is address space the child may add to what
# Python and openpyxl take at its start (RLIMIT_AS).
PARSE_IN_CHILD = True
# Set by a caller that can tell when the answer is no longer wanted (the workbench: the client went
# away): asked every 0.25 s while the child parses; True kills the child.
GIVE_UP: contextvars.ContextVar[Callable[[], bool] | None] = contextvars.ContextVar("reportgen_give_up",
                                                                                     default=None)
MAX_PARSE_SECONDS = 120.0
MAX_PARSE_MEMORY = 1024 * MB

# Excel saves a password-protected workbook, and the old .xls format, as an OLE compound file.
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CFB_SCAN = 64 * 1024

_SEPARATORS = (";", ",", "\t")
# A run of characters that UTF-8 bytes turn into when read as cp1252/latin-1, e.g. "Ã¸" for "ø".
_MOJIBAKE_RE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2020\u2021\u2022\u2026\u2030\u2039\u203a"
    "\u20ac\u2122]+"
)
_FORBIDDEN_XML = ('indeholder en XML-erklæring, som ikke er tilladt i en projektmappe: gem den igen fra Excel '
                  'som "Excel-projektmappe (.xlsx)"')
_SAVE_XLSX = 'gem den igen fra Excel som "Excel-projektmappe (.xlsx)"'
_SAVE_CSV = 'gem den som "CSV UTF-8 (kommasepareret)"'
# What an operating system's reason for an unreadable file means, in the words an administrator uses.
_OS_REASONS = {errno.EACCES: "du har ikke adgang til filen", errno.EPERM: "du har ikke adgang til filen",
               errno.EISDIR: "det er en mappe, ikke en fil", errno.ENOENT: "filen findes ikke længere"}
# Invisible characters no document format can hold (XML 1.0 refuses most of them): C0 and C1
# controls other than tab and line breaks, DEL, and the non-characters U+FFFE and U+FFFF.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


@dataclass(frozen=True)
class RawRow:
    """One data row: ``row`` as a spreadsheet shows it (header = 1), cells by lower-case column name."""

    row: int
    cells: dict[str, str]


@dataclass(frozen=True)
class RawTable:
    """One table as text. ``file`` is the label errors show: ``measurements.csv`` or
    ``barometer.xlsx[measurements]``. ``decimal_comma`` is true for Excel's Danish-locale CSV
    (``;`` separator), where ``,`` is the decimal mark and ``.`` groups thousands.

    ``broken`` holds rows with the wrong field count (already reported; cells paired up as far as
    they go), so their ids are still known. ``reported`` holds (row, column) cells whose problem is
    already reported, such as a formula without a value: validation skips them."""

    file: str
    columns: tuple[str, ...]
    rows: tuple[RawRow, ...]
    decimal_comma: bool = False
    broken: tuple[RawRow, ...] = ()
    reported: frozenset[tuple[int, str]] = frozenset()


@dataclass(frozen=True)
class RawBarometer:
    """A folder's files read as text, uninterpreted. ``toml`` is None when barometer.toml could not
    be read (the reason is in ``issues``). A table absent from ``tables`` was not given, unless it is
    in ``unreadable``: it exists but could not be read (reported), so its contents are unknown."""

    folder: Path
    toml: dict[str, Any] | None
    tables: dict[str, RawTable]
    input_files: tuple[Path, ...]
    issues: tuple[Issue, ...] = field(default=())
    unreadable: frozenset[str] = field(default=frozenset())
    toml_lines: dict[str, int] = field(default_factory=dict)  # dotted key or [table] -> its line

    def label(self, name: str) -> str:
        """The file label of table ``name`` for messages, also when the table was not given."""
        table = self.tables.get(name)
        return table.file if table else f"{name}.csv"


def load_folder(folder: Path) -> RawBarometer:
    """Read barometer.toml and every table of ``folder``; problems are collected, never raised."""
    folder = Path(folder)
    if not folder.is_dir():
        issue = Issue(str(folder), None, None, "er ikke en barometermappe (mappen findes ikke): ret stien")
        return RawBarometer(folder, None, {}, (), (issue,))
    issues: list[Issue] = []
    inputs: list[Path] = []
    entries = {p.name.lower(): p for p in sorted(folder.iterdir()) if p.is_file()}

    toml, toml_lines = None, {}
    if TOML_FILE in entries:
        inputs.append(entries[TOML_FILE])
        toml, toml_lines = _read_toml(entries[TOML_FILE], issues)
    else:
        issues.append(Issue(TOML_FILE, None, None, "filen mangler: læg barometer.toml i mappen"))
    tables, unreadable = _read_tables(entries, inputs, issues)
    return RawBarometer(folder, toml, tables, tuple(sorted(inputs)), tuple(issues), frozenset(unreadable),
                        toml_lines)


def _read_tables(
    entries: dict[str, Path], inputs: list[Path], issues: list[Issue]
) -> tuple[dict[str, RawTable], set[str]]:
    """Tables from barometer.xlsx and NAME.csv files, and the names of those present but unreadable."""
    tables: dict[str, RawTable] = {}
    unreadable: set[str] = set()
    workbook_ok = True
    if WORKBOOK_FILE in entries:
        inputs.append(entries[WORKBOOK_FILE])
        tables, workbook_ok = _read_workbook(entries[WORKBOOK_FILE], issues, unreadable)
    for name in TABLES:
        path = entries.get(f"{name}.csv")
        if path is None:
            continue
        inputs.append(path)
        if name in tables or name in unreadable:  # a sheet, read or refused
            message = f'tabellen findes også som arket "{name}" i {WORKBOOK_FILE}: behold kun den ene'
            issues.append(Issue(path.name, None, None, message))
            continue
        table = _read_csv(path, issues)
        if table is not None:
            tables[name] = table
        else:
            unreadable.add(name)
    if workbook_ok:
        issues.extend(_missing_tables(tables, unreadable, has_workbook=WORKBOOK_FILE in entries))
    else:
        unreadable.update(set(TABLES) - set(tables))
    return tables, unreadable


def _missing_tables(
    tables: dict[str, RawTable], unreadable: set[str], *, has_workbook: bool
) -> Iterator[Issue]:
    for name in REQUIRED_TABLES:
        if name not in tables and name not in unreadable:
            where = f' (eller arket "{name}" i {WORKBOOK_FILE})' if has_workbook else ""
            yield Issue(f"{name}.csv", None, None, f"filen mangler{where}")


# --- barometer.toml -------------------------------------------------------------------------------

_TOML_AT_RE = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")
# tomllib's reasons (English) as what is wrong and what to write instead; matched at their start.
_TOML_REASONS = (
    ("Expected '=' after a key", "der mangler = mellem navn og værdi: skriv navn = værdi"),
    ("Invalid value", 'værdien kan ikke læses: skriv tekst i anførselstegn, fx title = "Barometer", '
                      "tal med punktum, fx 0.05, og true eller false"),
    ("Unterminated string", 'et anførselstegn (") lukkes aldrig: afslut teksten med "'),
    ("Illegal character", 'teksten indeholder et tegn, der ikke er tilladt: skriv teksten i anførselstegn'),
    ("Cannot overwrite", "det samme navn står to gange: slet den ene linje"),
    ("Cannot declare", "den samme sektion står to gange: slet den ene"),
    ("Expected ']'", "en sektion lukkes ikke: skriv [navn]"),
    ("Expected newline", "der står mere efter værdien: skriv én værdi pr. linje"),
)


def _read_toml(path: Path, issues: list[Issue]) -> tuple[dict[str, Any] | None, dict[str, int]]:
    """The parsed file and the line of each key in it (see toml_key_lines); None when unreadable."""
    data = _read_bytes(path, issues)
    if data is None:
        return None, {}
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        issues.append(Issue(path.name, None, None, "er ikke gemt med tegnsættet UTF-8: gem filen som UTF-8"))
        return None, {}
    try:
        return tomllib.loads(text), toml_key_lines(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        at = _TOML_AT_RE.search(message)
        line = int(at.group(1)) if at else None
        issues.append(Issue(path.name, line, None, f"kan ikke læses: {_toml_reason(_TOML_AT_RE.sub('', message))}"))
        return None, {}


def _toml_reason(reason: str) -> str:
    """tomllib's English reason in Danish, with what to write instead."""
    for start, danish in _TOML_REASONS:
        if reason.startswith(start):
            return danish
    return "skrivemåden er forkert: hver linje skal være navn = værdi, eller [sektion]"


_TOML_TABLE_RE = re.compile(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_TOML_ARRAY_TABLE_RE = re.compile(r"\s*\[\[")
_TOML_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_TOML_KEY_RE = re.compile(rf"\s*({_TOML_KEY_PART}(?:\s*\.\s*{_TOML_KEY_PART})*)\s*=")


def toml_key_lines(text: str) -> dict[str, int]:
    """``{"assessment.min_n": 11, "assessment": 9, ...}``: where each key and [table] of a parsed
    TOML text is written, so a wrong value can be reported with its line. tomllib keeps no
    positions; this reads the lines the way TOML does for the cases a barometer.toml uses (tables,
    dotted and quoted keys) and leaves out keys inside [[arrays of tables]] and multi-line values."""
    lines: dict[str, int] = {}
    table: str | None = ""
    in_multiline = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_multiline = not in_multiline
            if not in_multiline:
                continue
        elif in_multiline:
            continue
        if _TOML_ARRAY_TABLE_RE.match(line):
            table = None
        elif header := _TOML_TABLE_RE.match(line):
            table = _dotted(header.group(1))
            lines.setdefault(table, number)
        elif table is not None and (key := _TOML_KEY_RE.match(line)):
            lines.setdefault(f"{table}.{_dotted(key.group(1))}" if table else _dotted(key.group(1)), number)
    return lines


def _dotted(key: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in re.findall(r"""\s*("[^"]*"|'[^']*'|[^.]+)\s*\.?""", key))


def _read_bytes(path: Path, issues: list[Issue]) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as err:
        reason = _OS_REASONS.get(err.errno, "filen kan ikke åbnes")
        issues.append(Issue(path.name, None, None, f"kan ikke læses: {reason}"))
        return None


# --- CSV ------------------------------------------------------------------------------------------


def _read_csv(path: Path, issues: list[Issue]) -> RawTable | None:
    data = _read_bytes(path, issues)
    if data is None:
        return None
    text = _decode(path.name, data, issues)
    if text is None:
        return None
    header_line = text.split("\n", 1)[0]
    if not header_line.strip():
        issues.append(Issue(path.name, 1, None, "den første linje skal være overskriften (kolonnernes navne)"))
        return None
    separator = sniff_separator(header_line)
    if separator not in header_line:
        shown = header_line.strip()[:60]
        message = (f'overskriften "{shown}" er kun én kolonne: adskil kolonnernes navne med semikolon (;), '
                   "komma (,) eller tabulator")
        issues.append(Issue(path.name, 1, None, message))
        return None
    lines = io.StringIO(text, newline="").readlines()  # split as the csv module does: \n, \r, \r\n
    reader = csv.reader(lines, delimiter=separator, strict=True)
    records: list[list[str]] = []
    consumed = 0  # lines holding the records read so far (a quoted cell may span lines)
    try:
        for record in reader:
            records.append(record)
            consumed = reader.line_num
    except csv.Error as err:
        line = lines[consumed] if consumed < len(lines) else ""
        issues.append(_csv_error(path.name, records, line, separator, err))
        return None
    return _table(
        path.name,
        enumerate(records, start=1),
        issues,
        decimal_comma=separator == ";",
        ragged_ok=False,
        separator=separator,
    )


def _csv_error(name: str, records: list[list[str]], line: str, separator: str, err: csv.Error) -> Issue:
    """Locate the record the csv module stopped in: its row follows those read, its column is the
    cell in which the record's first line ends inside quotes or which is too long."""
    header = [cell.strip().lower() for cell in records[0]] if records else []
    index = _bad_field(line, separator)
    column = header[index] if index < len(header) and header[index] else None
    limit = csv.field_size_limit()
    if "field larger than field limit" in str(err):
        message = f'en celle er længere end {limit} tegn: mangler der et afsluttende anførselstegn (")?'
    elif "unexpected end of data" in str(err):
        message = 'et anførselstegn (") åbner en celle her og lukkes aldrig: tilføj det afsluttende " eller slet det'
    elif "expected after" in str(err):
        message = ('efter et afsluttende anførselstegn (") skal cellen slutte: skriv "" for et anførselstegn '
                   "inde i en celle")
    else:
        message = 'rækken kan ikke læses: tjek anførselstegnene (") i den'
    return Issue(name, len(records) + 1, column, message)


def _bad_field(line: str, separator: str) -> int:
    """0-based index of the field of ``line`` that is still inside quotes at the end of the line, or
    else of its longest field."""
    fields = [0]
    quoted = False
    for ch in line.rstrip("\r\n"):
        if ch == '"':
            quoted = not quoted
        elif ch == separator and not quoted:
            fields.append(0)
            continue
        fields[-1] += 1
    if quoted:
        return len(fields) - 1
    return max(range(len(fields)), key=fields.__getitem__)


def sniff_separator(header_line: str) -> str:
    """The separator used in a header line: the most frequent of ``;``, ``,`` and tab (``,`` if none)."""
    counts = {sep: header_line.count(sep) for sep in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _decode(name: str, data: bytes, issues: list[Issue]) -> str | None:
    """Strict UTF-8 (BOM allowed), else cp1252; UTF-16 gets its own explanation."""
    head = data[:4096]
    if data and not data.strip(b"\0"):  # not UTF-16: no text at all (a damaged or zeroed file)
        issues.append(Issue(name, None, None, "filen indeholder kun nul-bytes og ingen tekst; den er nok "
                            f"beskadiget: {_SAVE_CSV} igen"))
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(0) * 4 >= len(head) > 0:
        issues.append(
            Issue(
                name,
                None,
                None,
                f'er gemt som "Unicode-tekst" fra Excel, som ikke kan læses: {_SAVE_CSV} i stedet',
            )
        )
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    issues.append(Issue(name, None, None, f"tegnene i filen kan ikke læses: {_SAVE_CSV}"))
    return None


def _table(
    label: str,
    records: Iterable[tuple[int, list[str]]],
    issues: list[Issue],
    *,
    decimal_comma: bool = False,
    ragged_ok: bool,
    reported: frozenset[tuple[int, str]] = frozenset(),
    separator: str | None = None,
) -> RawTable | None:
    """Header + data rows -> RawTable; checks the header and every row's field count.

    ``records`` are (spreadsheet row number, fields) pairs, the header first.
    ``ragged_ok`` (XLSX) lets a row be shorter than the header; longer is an error unless the
    extra cells are empty. ``separator`` (CSV) lets a wrong field count say which separator the row
    seems to use instead.
    """
    numbered = list(records)
    if not numbered:
        issues.append(Issue(label, None, None, "er tom: den første række skal være overskriften (kolonnernes navne)"))
        return None
    header_row, header = numbered[0]
    columns = tuple(name.strip().lower() for name in header)
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            issues.append(Issue(label, header_row, None, f'kolonnen "{name}" står der mere end én gang: '
                                "slet eller omdøb den ene"))
        seen.add(name)
    width = len(columns)
    rows: list[RawRow] = []
    broken: list[RawRow] = []
    for number, record in numbered[1:]:
        if not any(cell.strip() for cell in record):
            continue  # a blank row, as spreadsheets leave at the end
        if width > 1 and tuple(cell.strip().lower() for cell in record) == columns:
            issues.append(Issue(label, number, None, "gentager overskriftsrækken (to udtræk sat "
                                "sammen?): slet rækken"))
            continue
        cells: dict[str, str] = {}
        for name, value in zip(columns, record, strict=False):
            if name:
                cells.setdefault(name, value)
        if len(record) != width and not (ragged_ok and _fits(record, width)):
            hint = _other_separator(record, width, separator)
            message = f"har {len(record)} celler, men overskriften har {width}{hint}"
            issues.append(Issue(label, number, None, message))
            broken.append(RawRow(number, cells))
        else:
            rows.append(RawRow(number, cells))
    table = RawTable(label, columns, tuple(rows), decimal_comma, tuple(broken), reported)
    text_issues = list(_text_issues(table))
    issues.extend(text_issues)
    return replace(table, reported=reported | {(i.row, i.column) for i in text_issues})


def _other_separator(record: list[str], width: int, separator: str | None) -> str:
    """A hint when a short row holds enough of another separator to be split by that one."""
    if separator is None or len(record) >= width:
        return ""
    line = separator.join(record)
    for other in _SEPARATORS:
        if other != separator and line.count(other) >= width - 1:
            shown = "tabulator" if other == "\t" else f'"{other}"'
            return f" (rækken ser ud til at være adskilt med {shown})"
    return ""


def _fits(record: list[str], width: int) -> bool:
    return len(record) <= width or not any(cell.strip() for cell in record[width:])


def _text_issues(table: RawTable) -> Iterator[Issue]:
    """Text that was UTF-8 read as cp1252 and saved again ("Ã¸" for "ø"), and invisible control
    characters, are refused, located."""
    for raw in table.rows:
        for column, value in raw.cells.items():
            control = _CONTROL_RE.search(value)
            if control:
                code = f"U+{ord(control.group()):04X}"
                yield Issue(table.file, raw.row, column,
                            f"indeholder et usynligt styretegn ({code}): slet det")
                continue
            garbled = _mojibake(value)
            if garbled:
                bad, good = garbled
                yield Issue(
                    table.file,
                    raw.row,
                    column,
                    f'"{value}" er forvansket tekst ("{bad}" skulle være "{good}"): filen er gemt med '
                    f"forkert tegnsæt; ret teksten og {_SAVE_CSV}",
                )


def _mojibake(text: str) -> tuple[str, str] | None:
    for match in _MOJIBAKE_RE.finditer(text):
        try:
            fixed = match.group().encode("cp1252").decode("utf-8")
        except UnicodeError:
            continue
        return match.group(), fixed
    return None


# --- XLSX -----------------------------------------------------------------------------------------


class _OverLimit(Exception):
    """A workbook went past one of the reading limits (``issue`` names the limit), or is malformed
    in a way that stops the reading."""

    def __init__(self, issue: Issue):
        super().__init__(issue.message)
        self.issue = issue


def _read_workbook(
    path: Path, issues: list[Issue], unreadable: set[str]
) -> tuple[dict[str, RawTable], bool]:
    """The workbook's sheets named like tables; ``ok`` is False when it could not be read at all.
    Tables whose sheet is there but refused are added to ``unreadable``. The ZIP checks run here;
    the XML is parsed in a child process with a time and a memory limit (PARSE_IN_CHILD)."""
    problem = check_zip(path)
    if problem:
        issues.append(Issue(path.name, None, None, problem))
        return {}, False
    tables, found, refused, ok = _parse_in_child(path) if PARSE_IN_CHILD else _parse(path)
    issues.extend(found)
    unreadable.update(refused)
    return tables, ok


_Parsed = tuple[dict[str, RawTable], list[Issue], set[str], bool]


def _parse(path: Path) -> _Parsed:
    """(tables, issues, refused table names, ok) of a workbook that passed check_zip, read here."""
    from defusedxml import DefusedXmlException

    found: list[Issue] = []
    refused: set[str] = set()
    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel features it does not read (data validation, extensions);
            # they do not change the cell values.
            warnings.simplefilter("ignore", UserWarning)
            tables = _read_sheets(path, found, refused)
        return tables, found, refused, True
    except _OverLimit as over:
        return {}, [over.issue], set(), False
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, AttributeError, IndexError) as err:
        # openpyxl wraps parser errors in its own ValueError, so look down the chain.
        if any(isinstance(e, DefusedXmlException) for e in _chain(err)):
            return {}, [Issue(path.name, None, None, _FORBIDDEN_XML)], set(), False
        return {}, [Issue(path.name, None, None, f"kan ikke læses som Excel-projektmappe: {_SAVE_XLSX}")], set(), False


# The child: a fresh interpreter (never a fork of a threaded server), given the path and the memory
# limit on its command line; it answers with one pickle on stdout.
_CHILD_CODE = ("import sys; sys.path.insert(0, sys.argv[1]); "
               "from reportgen.inputs.load import _child_main; _child_main()")


def _parse_in_child(path: Path) -> _Parsed:
    """_parse(path) in a child process, killed past MAX_PARSE_SECONDS; it may add at most
    MAX_PARSE_MEMORY to its address space. Either limit gives one issue naming it."""
    import pickle
    import subprocess
    import sys

    root = str(Path(__file__).resolve().parents[2])
    command = [sys.executable, "-I", "-c", _CHILD_CODE, root, str(path.resolve()), str(int(MAX_PARSE_MEMORY))]
    give_up = GIVE_UP.get()
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + MAX_PARSE_SECONDS
    try:
        while True:
            left = deadline - time.monotonic()
            try:
                out, _ = child.communicate(timeout=max(0.0, min(left, 0.25) if give_up else left))
                break
            except subprocess.TimeoutExpired:
                pass
            if time.monotonic() >= deadline:
                seconds = _number(MAX_PARSE_SECONDS)
                reason = (f"regnearket kunne ikke læses på {seconds} sekunder; grænsen er {seconds} sekunder: "
                          "slet ark og rækker, der ikke bruges")
            elif give_up is not None and give_up():
                reason = "læsningen blev afbrudt, fordi forespørgslen blev opgivet: send filen igen"
            else:
                continue
            child.kill()
            child.communicate()
            return {}, [Issue(path.name, None, None, reason)], set(), False
    finally:
        if child.poll() is None:  # an exception above (never a timeout): the child must not outlive us
            child.kill()
            child.wait()
    answer = pickle.loads(out) if child.returncode == 0 and out else None
    if answer == "memory" or (answer is None and child.returncode < 0):  # a signal: most likely out of memory
        limit = _number(MAX_PARSE_MEMORY / MB)
        return {}, [Issue(path.name, None, None, f"regnearket kræver mere end {limit} MB hukommelse at læse; "
                          f"grænsen er {limit} MB: slet ark og rækker, der ikke bruges")], set(), False
    if answer is None:
        return {}, [Issue(path.name, None, None, f"kan ikke læses som Excel-projektmappe: {_SAVE_XLSX}")], set(), False
    return answer


def _number(value: float) -> str:
    """A limit as a message shows it: 120, 0,5."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}".replace(".", ",")


def _child_main() -> None:
    """The child's side of _parse_in_child: argv is (root, path, memory)."""
    import pickle
    import resource
    import sys

    import defusedxml  # noqa: F401 - imported before the limit, as are the parts of openpyxl used
    import openpyxl.reader.excel  # noqa: F401
    import openpyxl.styles.stylesheet  # noqa: F401
    import openpyxl.worksheet._reader  # noqa: F401
    import openpyxl.worksheet.cell_range  # noqa: F401

    path, memory = Path(sys.argv[2]), int(sys.argv[3])
    limit = _address_space() + memory
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        answer: object = pickle.dumps(_parse(path), protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        answer = None
    data = pickle.dumps("memory") if answer is None else answer
    sys.stdout.buffer.write(data)  # type: ignore[arg-type]
    sys.stdout.buffer.flush()


def _address_space() -> int:
    """This process's virtual memory size in bytes (VmSize; 0 where /proc does not say, so the limit
    is then absolute)."""
    with contextlib.suppress(OSError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _chain(err: BaseException | None) -> Iterator[BaseException]:
    """``err`` and the exceptions it was raised from or during."""
    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        yield err
        err = err.__cause__ or err.__context__


def _read_sheets(path: Path, issues: list[Issue], unreadable: set[str]) -> dict[str, RawTable]:
    """Each visible sheet named like a table, read once, streaming: cell values and formulas come
    from the same pass (a formula without a stored value is reported), and so do merged cells. The
    workbook's other sheets are never opened. A hidden table sheet is refused: what is published
    must be what the administrator sees. Past MAX_SHEET_ROWS or MAX_CELLS, _OverLimit is raised."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    reader = ExcelReader(path, read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)  # which number formats are dates
        budget = _Budget()
        tables: dict[str, RawTable] = {}
        for sheet, rel in reader.parser.find_sheets():
            name = str(sheet.name).strip().lower()
            if name not in TABLES or name in tables or "chartsheet" in rel.Type:
                continue
            label = f"{path.name}[{sheet.name}]"
            if (sheet.state or "visible") != "visible":
                message = "arket er skjult: vis det (eller slet det), så det, der læses, er det, du ser"
                issues.append(Issue(label, None, None, message))
                unreadable.add(name)
                continue
            if rel.target not in reader.valid_files:
                raise KeyError(rel.target)
            with reader.archive.open(rel.target) as source:
                table = _read_sheet(label, source, reader, budget, issues)
            if table is not None:
                tables[name] = table
        return tables
    finally:
        reader.archive.close()


class _Budget:
    """Cells read so far over all table sheets, against MAX_CELLS."""

    def __init__(self) -> None:
        self.cells = 0


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _cell_parser(source: Any, reader: Any) -> Any:
    """openpyxl's streaming sheet parser, reading stored values (as data_only does) and also
    noting, for each formula cell without a stored value, the formula's text."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class CellParser(WorkSheetParser):
        def __init__(self) -> None:
            wb = reader.wb
            super().__init__(source, reader.shared_strings, data_only=True, epoch=wb.epoch,
                             date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
            self.uncalculated: dict[tuple[int, int], str] = {}

        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell = super().parse_cell(element)
            if element.find(FORMULA_TAG) is not None:
                formula = self.parse_formula(element)  # always: it keeps shared formulas in step
                if cell["value"] is None:
                    self.uncalculated[(cell["row"], cell["column"])] = str(getattr(formula, "text", formula))
            return cell

    return CellParser()


def _read_sheet(label: str, source: Any, reader: Any, budget: _Budget, issues: list[Issue]) -> RawTable | None:
    """One sheet as (row number, cell texts) records, every row from 1 to the last (a missing row
    is empty), each row as wide as its last cell; then its merged ranges."""
    from openpyxl.worksheet.cell_range import CellRange

    parser = _cell_parser(source, reader)
    header: list[str] = []
    records: list[tuple[int, list[str]]] = []
    uncalculated: set[tuple[int, str]] = set()  # and other cells reported already
    for number, cells in parser.parse():
        if number > MAX_SHEET_ROWS:
            raise _OverLimit(Issue(label, number, None, (
                f"arket har rækker til og med række {_thousands(number)}; grænsen er "
                f"{_thousands(MAX_SHEET_ROWS)} rækker: slet de rækker, der ikke bruges")))
        width = max((c["column"] for c in cells), default=0)
        budget.cells += width
        if budget.cells > MAX_CELLS:
            raise _OverLimit(Issue(label, number, None, (
                f"tabelarkene har tilsammen mere end {_thousands(MAX_CELLS)} celler; grænsen er "
                f"{_thousands(MAX_CELLS)} celler: slet kolonner og rækker, der ikke bruges")))
        while len(records) + 1 < number:  # rows the file leaves out are empty
            records.append((len(records) + 1, []))
        if number <= len(records):  # a row number repeated or going back: never written by Excel
            raise _OverLimit(Issue(label, number, None, f"rækkerne står ikke i rækkefølge i filen: {_SAVE_XLSX}"))
        record = [""] * width
        for c in cells:
            record[c["column"] - 1] = cell_text(c["value"])
        if number == 1:
            header = [text.strip().lower() for text in record]
        records.append((number, record))
    for (row, column), formula in sorted(parser.uncalculated.items()):
        uncalculated.add((row, _column_name(header, column)))
        issues.append(Issue(label, row, _column_name(header, column),
                            f"formlen {formula} har ingen beregnet værdi (Excel har aldrig regnet den "
                            "ud): åbn projektmappen i Excel og gem den igen"))
    merged = parser.merged_cells.mergeCell if parser.merged_cells is not None else []
    for cells in sorted((CellRange(m.ref) for m in merged), key=lambda r: (r.min_row, r.min_col)):
        # Only a merged range's first cell holds a value; the others would read as empty.
        message = f"cellerne {cells.coord} er flettet: ophæv fletningen og udfyld hver celle"
        issues.append(Issue(label, cells.min_row, _column_name(header, cells.min_col), message))
        uncalculated.update((row, _column_name(header, col)) for row, col in cells.cells)
    return _table(label, records, issues, ragged_ok=True, reported=frozenset(uncalculated))


MAX_WORKBOOK_PART = 1 * MB  # xl/workbook.xml, read in this process for the sheet names alone


def sheet_names(path: Path) -> list[str]:
    """The names of the workbook's sheets, from its workbook part alone (no sheet is opened), for
    a caller that must know them before the workbook is read (an upload replaces the CSV files of
    the tables it has sheets for). [] when the workbook is refused by check_zip or unreadable: the
    loader reports why."""
    if check_zip(path) is not None:
        return []
    from openpyxl.reader.excel import ExcelReader, _find_workbook_part

    try:
        reader = ExcelReader(path, read_only=True)
        try:
            reader.read_manifest()
            part = _find_workbook_part(reader.package).PartName[1:]
            if reader.archive.getinfo(part).file_size > MAX_WORKBOOK_PART:
                return []
            reader.read_workbook()
            return [str(sheet.name) for sheet, _ in reader.parser.find_sheets()]
        finally:
            reader.archive.close()
    except Exception:  # noqa: BLE001 - any unreadable workbook is reported by the loader itself
        return []


def check_zip(path: Path) -> str | None:
    """Why the ZIP file at ``path`` must not be unpacked (too many entries, too large unpacked, an
    entry or the whole too compressed, DTDs in its XML), or None when it is safe to open. Only the
    ZIP directory is read for the sizes, before any entry is unpacked."""
    with contextlib.suppress(OSError), open(path, "rb") as fh:
        head = fh.read(_CFB_SCAN)
        if head.startswith(_CFB_MAGIC):
            if "EncryptedPackage".encode("utf-16-le") in head:
                return "er beskyttet med adgangskode: gem en kopi uden adgangskode"
            return 'er en gammel Excel 97-2003-projektmappe (.xls): gem den som "Excel-projektmappe (.xlsx)"'
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                return (
                    f"ligner ikke en Excel-projektmappe: den består af {len(entries)} dele (højst "
                    f"{MAX_ZIP_ENTRIES}); {_SAVE_XLSX}"
                )
            total = sum(e.file_size for e in entries)
            if total > MAX_ZIP_TOTAL:
                return (f"regnearket fylder udpakket {_megabytes(total)} MB; grænsen er {MAX_ZIP_TOTAL // MB} MB: "
                        "slet ark, rækker og formatering, der ikke bruges")
            for entry in entries:
                if entry.file_size > RATIO_MIN_SIZE and entry.file_size > MAX_ZIP_RATIO * max(
                    entry.compress_size, 1
                ):
                    return (
                        f'ligner ikke en Excel-projektmappe: delen "{entry.filename}" vokser fra '
                        f"{entry.compress_size} til {entry.file_size} byte, når den pakkes ud; {_SAVE_XLSX}"
                    )
            packed = sum(e.compress_size for e in entries)
            if total > RATIO_MIN_SIZE and total > MAX_ZIP_RATIO * max(packed, 1):
                return (f"ligner ikke en Excel-projektmappe: regnearket fylder udpakket {total // max(packed, 1)} "
                        f"gange så meget som pakket ({_megabytes(packed)} MB bliver til {_megabytes(total)} MB); "
                        f"grænsen er {MAX_ZIP_RATIO} gange; {_SAVE_XLSX}")
            for entry in entries:
                if _declares_dtd(archive, entry):
                    return _FORBIDDEN_XML
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return f"kan ikke læses som Excel-projektmappe (filen er ødelagt eller ikke en .xlsx-fil): {_SAVE_XLSX}"
    return None


def _megabytes(size: int) -> str:
    """``size`` in MB (MiB) for a message: whole above 10, else with one decimal ("0,5")."""
    value = size / MB
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}".replace(".", ",")


def _declares_dtd(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    """True if an XML entry contains a DOCTYPE or ENTITY declaration (never needed in XLSX)."""
    if not entry.filename.lower().endswith((".xml", ".rels", ".vml")):
        return False
    tail = b""
    with archive.open(entry) as stream:
        while chunk := stream.read(64 * 1024):
            window = (tail + chunk).upper()
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                return True
            tail = chunk[-16:]
    return False


def _column_name(header: list[str], column: int) -> str:
    """The header name of 1-based ``column``, or its spreadsheet letter when it has none."""
    from openpyxl.utils import get_column_letter

    name = header[column - 1] if column <= len(header) else ""
    return name or f"kolonne {get_column_letter(column)}"


def cell_text(value: object) -> str:
    """An XLSX cell value as the text a CSV export would hold: 59.3 -> "59.3", 50.0 -> "50",
    dates as ISO dates, booleans as true/false, empty as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _float_text(value: float) -> str:
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text
