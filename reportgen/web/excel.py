"""The barometer's current data as one barometer.xlsx in the upload format: the same sheets, headers,
help and drop-downs as ``reportgen init``'s template (rounds/init.py writes both)."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ..inputs.load import load_folder
from ..rounds.init import SCHEMA, workbook_bytes

_INT = re.compile(r"[-+]?\d+")


def _typed(text: str, kind: str, decimal_comma: bool):
    """A raw cell as Excel should hold it: numbers as numbers, ISO dates as dates, the rest as text."""
    text = text.strip()
    if not text:
        return None
    if kind == "number":
        plain = text.replace(".", "").replace(",", ".") if decimal_comma else text
        try:
            return int(plain) if _INT.fullmatch(plain) else float(plain)
        except ValueError:
            return text
    if kind == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    return text


# Set and removed from the status page, kept in overrides.csv: a workbook that held them would take
# them over (a table may be in one place only) and the workbench could no longer change them.
WORKBENCH_TABLES = frozenset({"overrides"})


def data_workbook(folder: Path, *, title: str) -> bytes:
    """The tables of ``folder`` (from CSV files or its workbook) as one workbook in the upload format:
    every sheet of ``init``'s template but the overrides, which the workbench keeps in overrides.csv
    (when the folder's own workbook holds them, they stay in the workbook)."""
    raw = load_folder(folder)
    overrides = raw.tables.get("overrides")
    in_workbook = overrides is not None and overrides.file.startswith("barometer.xlsx")
    skip = frozenset() if in_workbook else WORKBENCH_TABLES
    tables = {}
    for name, columns in SCHEMA.items():
        table = raw.tables.get(name)
        if table is None:
            continue
        tables[name] = tuple(tuple(_typed(r.cells.get(c.name, ""), c.kind, table.decimal_comma) for c in columns)
                             for r in table.rows)
    return workbook_bytes(title=title, tables=tables, skip=skip)


def template_workbook(*, title: str) -> bytes:
    """The blank template, as ``reportgen init`` writes it."""
    return workbook_bytes(title=title)
