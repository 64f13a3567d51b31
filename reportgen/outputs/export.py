"""Cell values safe for CSV and XLSX exports: text a spreadsheet would run as a formula is neutralised."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence

# A spreadsheet treats text starting with these as a formula (or, for TAB and CR, as the start of
# one after its own trimming): "=HYPERLINK(...)", "+1+cmd|...", "-2+3", "@SUM(...)".
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

Value = str | int | float | dt.date | None


def neutralise_formula(text: str) -> str:
    """``=1+1`` -> ``'=1+1``: a leading apostrophe makes Excel and LibreOffice show the text as text.

    Text that does not start with ``= + - @``, TAB or CR is returned unchanged.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell_value(value: Value) -> Value:
    """What to write in a cell: numbers and dates stay as they are, text is neutralised, None stays empty."""
    if isinstance(value, str):
        return neutralise_formula(value)
    if isinstance(value, bool):
        raise TypeError("write yes/no as text (ja/nej), not as a boolean")
    return value


def csv_text(value: Value) -> str:
    """A cell as CSV text: numbers in their shortest form with a decimal point, ISO dates, empty for None."""
    value = cell_value(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same number: 72.4, 50.0
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Value]]) -> bytes:
    """A comma-separated UTF-8 file with a BOM (so Excel reads æ, ø and å right) and CRLF line ends."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralise_formula(h) for h in header])
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def fixed_time_xlsx(data: bytes, when: dt.datetime) -> bytes:
    """An XLSX (a ZIP) as saved by openpyxl, made byte-stable: the core properties' created and
    modified times set to ``when`` (openpyxl stamps "modified" with the clock when it saves) and the
    members re-packed sorted, with fixed ZIP dates and attributes."""
    from .pack import build_zip

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    members["docProps/core.xml"] = re.sub(
        rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)",
        rb"\g<1>" + stamp + rb"\g<2>", members["docProps/core.xml"])
    return build_zip(members)
