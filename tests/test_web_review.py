"""The data round trip in Excel and the review before a change (issue 27, points 2 and 3)."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from web_helpers import BEARER, csrf_of, logged_in, make_client, make_workspace

from reportgen.rounds.init import workbook_bytes


@pytest.fixture
def ws(tmp_path):
    return make_workspace(tmp_path / "ws")


@pytest.fixture
def client(ws):
    return logged_in(make_client(ws))


def _data(ws):
    return {p.name: p.read_bytes() for p in (ws / "testrup").iterdir() if p.is_file()}


def _set(book: bytes, sheet: str, match: dict, column: str, value) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(book))
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        cells = dict(zip(header, row, strict=False))
        if all(cells[k].value == v for k, v in match.items()):
            cells[column].value = value
            break
    else:
        raise AssertionError(f"no row {match}")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_data_as_excel_has_the_templates_sheets_and_reviews_unchanged_as_no_changes(client, ws):
    r = client.get("/b/testrup/data.xlsx")
    assert r.status_code == 200 and r.headers["content-disposition"] == 'attachment; filename="barometer.xlsx"'
    got = openpyxl.load_workbook(io.BytesIO(r.content))
    template = openpyxl.load_workbook(io.BytesIO(workbook_bytes(title="x")))
    # The template's sheets, but the overrides: the workbench keeps them in overrides.csv.
    assert got.sheetnames == [s for s in template.sheetnames if s != "overrides"]
    for name in got.sheetnames[1:]:
        assert [c.value for c in got[name][1]] == [c.value for c in template[name][1]], name
    assert got["measurements"]["C3"].value == 51.0  # A1 2008-09 as a number, not text
    api = client.get("/api/barometers/testrup/data.xlsx", headers=BEARER)
    assert api.status_code == 200 and api.content[:2] == b"PK"
    blank = client.get("/b/testrup/template.xlsx")
    assert blank.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(blank.content)).sheetnames == template.sheetnames
    before = _data(ws)
    review = client.post("/api/barometers/testrup/data/review", headers=BEARER,
                         files={"files": ("barometer.xlsx", r.content)})
    assert review.status_code == 200, review.text
    assert review.json()["changes"] == [] and review.json()["colours"] == []
    assert _data(ws) == before
    page = client.post("/b/testrup/data/review", data={"csrf": csrf_of(client)},
                       files={"files": ("barometer.xlsx", r.content)})
    assert "Ingen ændringer." in page.text and "Brug de nye data" not in page.text


def test_one_changed_figure_is_reviewed_with_its_colour_and_applied_only_on_confirm(client, ws):
    book = client.get("/b/testrup/data.xlsx").content
    changed = _set(book, "measurements", {"indicator": "A1", "period": "2009-03"}, "value", 60.0)
    before = _data(ws)
    page = client.post("/b/testrup/data/review", data={"csrf": csrf_of(client)},
                       files={"files": ("barometer.xlsx", changed)})
    assert page.status_code == 200, page.text
    assert "A1 (mar. 2009): 50,5 → 60,0" in page.text and "<p>Én ændring:</p>" in page.text
    assert 'class="colour-change"' in page.text and "Tjek ændringerne" in page.text
    assert _data(ws) == before  # nothing changed yet
    api = client.post("/api/barometers/testrup/data/review", headers=BEARER,
                      files={"files": ("barometer.xlsx", changed)}).json()
    assert [(c["indicator"], c["period"], c["column"], c["before"], c["after"]) for c in api["changes"]] == [
        ("A1", "2009-03", "value", "50.5", "60")]
    assert {"id": "A1", "update": "2009-06", "before": "green", "after": "red"} in api["colours"] or api["colours"]
    action = re.search(r'action="(/b/testrup/data/review/[^"]+)"', page.text).group(1)
    done = client.post(action, data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/b/testrup/status?opdateret=data"
    assert _data(ws) != before and "barometer.xlsx" in _data(ws)
    assert client.post(action, data={"csrf": csrf_of(client)}).status_code == 404  # already applied
    history = client.get("/api/barometers/testrup/history", headers=BEARER).json()
    assert history[0]["action"] == "data" and "A1 (mar. 2009): 50,5 → 60,0" in history[0]["summary"]
    assert history[0]["summary"].startswith("Nye data: én ændring")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00", history[0]["time"])


def test_confirm_is_refused_when_the_data_changed_meanwhile(client, ws):
    book = client.get("/b/testrup/data.xlsx").content
    changed = _set(book, "measurements", {"indicator": "A1", "period": "2009-03"}, "value", 60.0)
    review = client.post("/api/barometers/testrup/data/review", headers=BEARER,
                         files={"files": ("barometer.xlsx", changed)}).json()["review"]
    other = _set(book, "measurements", {"indicator": "A1", "period": "2009-03"}, "value", 52.0)
    assert client.post("/api/barometers/testrup/data", headers=BEARER,
                       files={"files": ("barometer.xlsx", other)}).status_code == 200
    now = _data(ws)
    r = client.post(f"/api/barometers/testrup/data/review/{review}", headers=BEARER)
    assert r.status_code == 409 and _data(ws) == now
    assert client.post("/api/barometers/testrup/data/review/nope", headers=BEARER).status_code == 404


def test_a_bad_review_upload_lists_the_problems_and_warnings_flag_a_wild_jump(client, ws):
    book = client.get("/b/testrup/data.xlsx").content
    bad = _set(book, "measurements", {"indicator": "A1", "period": "2009-03"}, "value", "fem")
    r = client.post("/api/barometers/testrup/data/review", headers=BEARER, files={"files": ("barometer.xlsx", bad)})
    assert r.status_code == 422 and r.json()["errors"]
    wild = _set(book, "measurements", {"indicator": "A1", "period": "2009-03"}, "value", 95.0)
    r = client.post("/api/barometers/testrup/data/review", headers=BEARER, files={"files": ("barometer.xlsx", wild)})
    assert any("A1" in w and "spring" in w for w in r.json()["warnings"]), r.json()


def test_restore_asks_first(client, ws):
    book = client.get("/b/testrup/data.xlsx").content
    client.post("/api/barometers/testrup/data", headers=BEARER, files={"files": ("barometer.xlsx", book)})
    page = client.get("/b/testrup/data").text
    link = re.search(r'href="(/b/testrup/data/restore\?version=[^"]+)"', page).group(1)
    ask = client.get(link)
    assert ask.status_code == 200 and "Ja, gendan versionen" in ask.text
    assert "<h1>Gendan en tidligere version</h1>" in ask.text
