"""Uploads under abuse: cost linear and bounded, the problem list capped, one send at a time."""
from __future__ import annotations

import time

import pytest
from web_helpers import BEARER, csrf_of, logged_in, make_client, make_workspace

from reportgen.errors import MAX_LISTED

HEADER = "indicator,period,value,se,n,district,update\n"


def bad_rows(n: int) -> bytes:
    """``n`` measurement rows whose value is not a number (one problem each at least)."""
    return (HEADER + "".join(f"A1,2008-03,fem{i},,,,2008-06\n" for i in range(n))).encode()


@pytest.fixture
def ws(tmp_path):
    return make_workspace(tmp_path / "ws")


def test_20000_bad_rows_answer_fast_with_a_capped_counted_list(ws):
    client = make_client(ws)
    before = (ws / "testrup" / "measurements.csv").read_bytes()
    start = time.monotonic()
    r = client.post("/api/barometers/testrup/data", headers=BEARER,
                    files=[("files", ("measurements.csv", bad_rows(20_000), "text/csv"))])
    took = time.monotonic() - start
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert len(errors) == MAX_LISTED + 1
    assert errors[-1].startswith("… og ") and errors[-1].endswith(" flere problemer"), errors[-1]
    total = int(errors[-1].split()[2].replace(".", "")) + MAX_LISTED
    assert total >= 20_000
    assert "." in errors[-1].split()[2]  # Danish thousands: "19.000", not "19000"
    assert took < 30, took  # quadratic before: 32 s on a fast machine; now a few seconds
    assert (ws / "testrup" / "measurements.csv").read_bytes() == before


def test_the_workbench_page_shows_the_capped_list_with_the_cell_values(ws):
    client = logged_in(make_client(ws))
    r = client.post("/b/testrup/data", data={"csrf": csrf_of(client)},
                    files=[("files", ("measurements.csv", bad_rows(MAX_LISTED + 5), "text/csv"))])
    assert r.status_code == 422
    # two problems a row (not a number; a duplicate figure): the first MAX_LISTED cover half the rows
    assert "<code>fem0</code>" in r.text and f"<code>fem{MAX_LISTED // 2 - 1}</code>" in r.text
    assert f"<code>fem{MAX_LISTED // 2 + 1}</code>" not in r.text
    assert " flere problemer" in r.text


def test_problems_reads_the_rows_through_an_index(ws):
    """The value of each located problem is the cell of its own row, also for rows out of order."""
    from reportgen.errors import Issue
    from reportgen.web.workspace import problems

    folder = ws / "testrup"
    (folder / "measurements.csv").write_bytes(bad_rows(3))
    issues = [Issue("measurements.csv", r, "value", "x") for r in (4, 2, 3, 99)]
    out = problems(folder, issues)
    assert [p.value for p in out] == ["fem2", "fem0", "fem1", ""]
    many = problems(folder, [Issue("measurements.csv", 2, "value", "x")] * (MAX_LISTED + 1234))
    assert len(many) == MAX_LISTED + 1 and many[-1].text == "… og 1.234 flere problemer"


def test_check_cli_caps_the_list_and_counts_the_rest(ws):
    from test_check_cli import run_check

    folder = ws / "testrup"
    (folder / "measurements.csv").write_bytes(bad_rows(MAX_LISTED + 10))
    r = run_check(folder)
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert len([ln for ln in lines if ln.startswith("measurements.csv:")]) == MAX_LISTED
    assert any(ln.startswith("… og ") and ln.endswith("flere problemer") for ln in lines), lines[-3:]
