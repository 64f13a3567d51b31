"""Fuzzing load+validate (random bytes, CSV-ish text, XLSX cells) and the signal engine over random
valid barometers: the only exception allowed out of load+validate is DataValidationError."""
from __future__ import annotations

import datetime as dt
import io
import tempfile
import textwrap
from pathlib import Path

from conftest import BASE_FILES, write_barometer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reportgen.errors import DataValidationError
from reportgen.inputs import read_barometer
from reportgen.inputs.model import SIGNALS, Barometer
from reportgen.signals.assess import assess_history

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADER_M = "indicator,period,value,se,n,district,update\n"
HEADER_I = textwrap.dedent(BASE_FILES["indicators.csv"]).split("\n", 1)[0] + "\n"
TABLES = ("updates", "areas", "committees", "indicators", "measurements")


def read(files: dict[str, str | bytes | None]) -> Barometer | None:
    """load+validate a small barometer changed by ``files``; None when refused with located issues."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            return read_barometer(write_barometer(Path(tmp) / "b", files))
        except DataValidationError as err:
            assert err.issues
            for issue in err.issues:
                assert str(issue).startswith(issue.file)
                assert "Traceback" not in issue.message
            return None


# Pieces that real exports are made of, so random text often gets past the first checks.
TOKENS = st.sampled_from([
    ",", ";", "\t", '"', '""', "\n", "\r\n", "\r", " ", "A1", "B1", "a1", "Z9", "2008-03", "2008-06", "2008-12",
    "2009-06", "2009", "2009-13", "09-2009", "50.0", "50,0", "1.234,5", "4,793", "-1", "\u22120.4", "1e308",
    "NaN", "inf", "%", "#DIV/0!", "yes", "nej", "percent", "count", "value", "up", "down", "previous",
    "trajectory", "BIU", "BUU", "A", "B", "æøå", "Ã¸", "\ufeff", "\x00", "\u200b", "=1+1", "x" * 50,
])
CSVISH = st.lists(TOKENS, max_size=60).map("".join)


@FUZZ
@given(st.binary(max_size=400))
@example(b'indicator,period\n"')  # an unclosed quote at the end of the file
@example(b"\xff\xfe\x00")  # a UTF-16 BOM with an odd byte
@example(b"indicator,period,value,update\nA1,2008-03,1\x00,2008-06\n")  # a stray NUL is not UTF-16
def test_random_bytes_as_measurements(data):
    read({"measurements.csv": data})


@FUZZ
@given(CSVISH)
@example('A1,2008-03,"50.0,,,,2008-06\n')  # unclosed quote: located at row 2, column value
@example("indicator|period|value|update\n")  # one-column header
@example("A1,2009-06-01,50,,,,2008-06\n")  # a date where a period belongs
def test_csvish_measurements(text):
    read({"measurements.csv": HEADER_M + text})


@FUZZ
@given(CSVISH)
@example("a1,A,x,yes,percent,up,1,previous,0,,,,,BIU,DS,no\n")  # id differing only in case from A1
@example("A1,A,x,yes,percent,up,7,previous,0,,,,,BIU,DS,no\n")
def test_csvish_indicators(text):
    read({"indicators.csv": textwrap.dedent(BASE_FILES["indicators.csv"]) + text})


@FUZZ
@given(st.text(max_size=300))
def test_random_unicode_header_and_rows(text):
    read({"measurements.csv": text, "indicators.csv": HEADER_I + text})


CELLS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.sampled_from(["A1", "B1", "2008-03", "2009", "2008-06", "2009-06", "=1/0", "#N/A", "50,5"]),
)


def _workbook(rows: list[list[object]]) -> bytes:
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in TABLES:
        sheet = book.create_sheet(name)
        for line in textwrap.dedent(BASE_FILES[f"{name}.csv"]).splitlines():
            sheet.append(line.split(","))
    sheet = book["measurements"]
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELLS, max_size=9), max_size=6))
@example([["A1", "2008-03", float("nan"), None, None, None, "2008-06"]])
@example([["A1", dt.datetime(2008, 3, 1), 50.0, None, None, None, "2008-06"]])  # Excel's date for a period
def test_random_xlsx_cells(rows):
    files: dict[str, str | bytes | None] = {f"{n}.csv": None for n in TABLES}
    read({**files, "barometer.xlsx": _workbook(rows)})


# --- the signal engine over random valid barometers, read from CSV like a user's -----------------

UPDATES = (("2008-06", "2008-06-02"), ("2008-12", "2008-12-01"), ("2009-06", "2009-06-01"),
           ("2009-12", "2009-12-03"))
PERIODS = ("2007", "2008-01", "2008-03", "2008-06", "2008-09", "2008-11", "2009-02", "2009-05", "2009-10")


@st.composite
def valid_barometers(draw) -> dict[str, str]:
    indicators = [HEADER_I.rstrip("\n")]
    rows = [HEADER_M.rstrip("\n")]
    for k, area in enumerate(("A", "B")):
        for j in range(draw(st.integers(1, 3))):
            ident = f"{area}{j + 1}"
            rule = draw(st.sampled_from(("previous", "baseline", "trajectory")))
            baseline = f"{draw(st.integers(0, 100))},2007-12" if rule != "previous" else ","
            target = f"{draw(st.integers(0, 100))},2010-12" if rule == "trajectory" else ","
            indicators.append(",".join((
                ident, area, f"Indikator {ident}", "yes" if j == 0 else draw(st.sampled_from(("yes", "no"))),
                draw(st.sampled_from(("percent", "count", "value"))), draw(st.sampled_from(("up", "down"))),
                str(draw(st.integers(0, 3))), rule, draw(st.sampled_from(("0", "0.5", "2"))), baseline, target,
                ("BIU", "BUU")[k], "Danmarks Statistik", "no")))
            # The first indicator has at least one figure: a barometer without any is (rightly) refused.
            least = 1 if (k, j) == (0, 0) else 0
            for period in draw(st.lists(st.sampled_from(PERIODS), unique=True, min_size=least, max_size=5)):
                first_day = period + ("-01-01" if len(period) == 4 else "-01")
                allowed = [u for u, date in UPDATES if date >= first_day]
                if not allowed:
                    continue
                value = draw(st.floats(-1000, 1000, allow_nan=False).map(lambda x: round(x, 3)))
                se = draw(st.one_of(st.just(""), st.floats(0, 10).map(lambda x: str(round(x, 3)))))
                rows.append(f"{ident},{period},{value},{se},,,{draw(st.sampled_from(allowed))}")
    updates = "id,date,label\n" + "".join(f"{u},{d},Runde {u}\n" for u, d in UPDATES)
    overrides = "update,target,signal,reason\n"
    if draw(st.booleans()):
        overrides += f"{draw(st.sampled_from([u for u, _ in UPDATES]))},A,{draw(st.sampled_from(SIGNALS))},Skøn\n"
    return {"updates.csv": updates, "indicators.csv": "\n".join(indicators) + "\n",
            "measurements.csv": "\n".join(rows) + "\n", "overrides.csv": overrides}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_barometers())
def test_assess_never_raises_on_valid_barometers(files):
    with tempfile.TemporaryDirectory() as tmp:
        try:
            barometer = read_barometer(write_barometer(Path(tmp) / "b", files))
        except DataValidationError as err:  # the strategy builds only valid barometers: every one is read
            raise AssertionError(f"a valid barometer was refused: {[str(i) for i in err.issues]}") from err
    history = assess_history(barometer)
    assert len(history) == len(barometer.updates)
    for assessment in history:
        assert [r.indicator for r in assessment.indicators] == [i.id for i in barometer.indicators]
        for result in (*assessment.indicators, *assessment.areas):
            assert result.signal in SIGNALS
