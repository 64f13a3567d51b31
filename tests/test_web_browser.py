"""The whole round in Debian's Chromium against the real server: log in with the token, a workbook
with one bad cell (located, nothing changed), the fixed one (new colours), an override with a
reason, one sentence of the letter changed, build, pack.zip downloaded and the sentence found in
the letter's DOCX; axe-core on every page."""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import urllib.request
import zipfile
from pathlib import Path

import docx
import openpyxl
import pypdfium2 as pdfium
import pytest
from web_helpers import make_workspace, running_server, workbook

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
MEASUREMENTS = """\
    indicator,period,value,se,n,district,update
    A1,2008-03,50.0,,,,2008-06
    A1,2008-09,{a1_2008},,,,2008-12
    A1,2009-03,{a1_2009},,,,2009-06
    B1,2007,0.50,,,,2008-06
    B1,2008,0.40,,,,2009-06
    """


ADDITION = "Tilføjelse fra arbejdsbænken: {{ udvalg.navn }} står som skrevet."


def _cells(book: bytes) -> dict:
    wb = openpyxl.load_workbook(io.BytesIO(book))
    return {s: [[c.value for c in row] for row in wb[s].iter_rows()] for s in wb.sheetnames}


def _changed(book: bytes, indicator: str, period: str, value: float) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(book))
    sheet = wb["measurements"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2)
               if r[header.index("indicator")].value == indicator and r[header.index("period")].value == period)
    row[header.index("value")].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.slow
def test_whole_round_in_chromium(tmp_path):
    assert CHROMIUM.exists(), "the browser tests need Debian's chromium at /usr/bin/chromium"
    node = shutil.which("node")
    assert node, "the browser tests need node"
    from test_site import _node_modules

    _node_modules()
    ws = make_workspace(tmp_path / "ws")
    bad = tmp_path / "bad" / "barometer.xlsx"
    good = tmp_path / "good" / "barometer.xlsx"
    for path, cells in ((bad, ("fem", "53.0")), (good, ("51.0", "53.0"))):
        path.parent.mkdir()
        path.write_bytes(workbook({"measurements.csv": MEASUREMENTS.format(a1_2008=cells[0], a1_2009=cells[1])}))
    letter = re.sub(r"\{#.*?#\}", "", (ROOT / "letters" / "default.md").read_text(encoding="utf-8"), flags=re.S)
    old = next(s for s in re.findall(r"(?m)(?<![{\w])[A-ZÆØÅ][^{}\n.#]{15,}\.", letter))
    new = "Denne sætning er skrevet om i arbejdsbænken."
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    (ws / "testrup" / "letters").mkdir(exist_ok=True)  # a sender, so that "Send brevene" lists the letters
    (ws / "testrup" / "letters" / "letters.toml").write_text(
        '[afsender]\nnavn = "Forvaltningen"\nadresse = "barometer@example.org"\n', encoding="utf-8")
    before = {p.name: p.read_bytes() for p in (ws / "testrup").iterdir() if p.is_file()}
    with running_server(ws) as (base, token):
        # What "Hent data som Excel" gives now, with one figure changed: the workbook the browser uploads.
        asked = urllib.request.Request(f"{base}/api/barometers/testrup/data.xlsx",
                                       headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(asked, timeout=60) as answer:
            current = answer.read()
        good.write_bytes(_changed(current, "A1", "2009-03", 60.0))
        shots = tmp_path / "screenshots"
        shots.mkdir()
        job = {"chromium": str(CHROMIUM), "userDataDir": str(tmp_path / "profile"), "downloadDir": str(downloads),
               "base": base, "token": token, "barometer": "testrup", "badWorkbook": str(bad),
               "goodWorkbook": str(good), "oldSentence": old, "newSentence": new, "overrideUpdate": "2009-06",
               "reason": "Karaktergabet er målt på en ny prøve.", "addition": ADDITION,
               "packName": "Testbarometer 2009-06 Samlet pakke.zip", "screenshotDir": str(shots)}
        (tmp_path / "job.json").write_text(json.dumps(job), encoding="utf-8")
        run = subprocess.run([node, str(ROOT / "tests" / "workbench_browser.js"), str(tmp_path / "job.json")],
                             cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout)
    steps = out["steps"]
    assert steps["afterLogin"] == {"url": f"{base}/", "h1": "Barometre"}
    assert "sig-red" in steps["statusBefore"]
    assert [x["text"].split(":")[0].split()[-1] for x in steps["legend"]] == ["Grøn", "Gul", "Rød", "Grå"]
    assert all(x["text"].split(":")[0][-1] != " " and abs(x["gap"]) < 1 for x in steps["legend"]), steps["legend"]
    assert ["barometer.xlsx", "measurements", "3", "value", "fem"] == steps["problems"][0][:5]
    assert steps["statusAfterBad"] == steps["statusBefore"]
    assert steps["filesAfterBad"] == sorted(n for n in before if n.endswith(".csv"))  # nothing changed
    assert steps["noVersionsAfterBad"]
    # The data as Excel: the same workbook the API gives; the review shows the one change and its colours.
    assert steps["dataXlsx"] and _cells(Path(steps["dataXlsx"]).read_bytes()) == _cells(current)
    assert steps["review"]["h1"] == "Tjek ændringerne"
    assert steps["review"]["lines"] == ["A1 (mar. 2009): 50,5 → 60,0"]
    assert any(c.startswith("A1 ") for c in steps["review"]["colours"]), steps["review"]
    assert "sig-green" in steps["afterGood"]["a1"] and "/status" in steps["afterGood"]["url"]
    assert steps["overrideForm"] == {"update": "2009-06", "target": "B1"}
    assert "sig-yellow" in steps["afterOverride"]["b1"]["signal"]
    assert job["reason"] in steps["afterOverride"]["b1"]["text"]
    b1 = steps["afterOverride"]["b1"]["text"]
    assert b1.count(job["reason"]) == 1 and "beregnet" in b1  # the reason once, the computed colour shown
    assert "tilsidesat" not in steps["afterRemove"] and job["reason"] not in steps["afterRemove"]
    assert "{{ udvalg.navn }}" in steps["additionPreview"] and steps["additionSaved"]
    assert steps["documents"] == ["Indstilling", "Bilag 1", "Bilag 2 Børne- og Ungdomsudvalget", "Bilag 3",
                                  "Pressemeddelelse", "Samlet pakke"]
    assert job["packName"] in steps["downloads"] and "barometer.xlsx" in steps["downloads"]
    assert steps["preview"]["replaced"] and steps["preview"]["frame"] and new in steps["preview"]["text"]
    assert steps["saved"] and steps["buildDone"] and steps["download"]
    with zipfile.ZipFile(steps["download"]) as z:
        name = next(n for n in z.namelist() if n.endswith("BUU.docx"))
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(z.read(name))).paragraphs)
    assert new in text and old not in text
    assert ADDITION in text  # the addition, its braces as written
    with zipfile.ZipFile(steps["download"]) as z:
        pdf = pdfium.PdfDocument(z.read(next(n for n in z.namelist() if n.endswith("BUU.pdf"))))
        pdf_text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "Tilføjelse fra arbejdsbænken" in " ".join(pdf_text.split())
    # The committees of the test barometer have no e-mail address: listed as problems, nothing to send.
    assert steps["mail"]["h1"] == "Send brevene" and steps["mail"]["letters"] >= 1
    assert "har ingen e-mailadresse" in steps["mail"]["text"]
    assert "Dan dokumenterne for juni 2009 igen" in steps["mail"]["text"]
    for word in ("Nye data", "Farve tilsidesat", "Tilsidesættelse fjernet", "Tilføjelse til brev", "Tekst ændret",
                 "Dokumenter dannet", "A1 (mar. 2009): 50,5 → 60,0"):
        assert word in steps["history"], word
    assert "UTC" not in steps["history"]
    assert "Logget ind med nøglen" in steps["workspaceHistory"] and "UTC" not in steps["workspaceHistory"]
    assert steps["restore"]["h1"] == "Gendan en tidligere version"
    assert any(r.startswith("udvalg.navn") and "Børne- og Ungdomsudvalget" in r for r in steps["fields"])
    # axe-core ran on the pages issue 27 added, wide and narrow.
    for page in ("review", "restore", "addition", "history", "workspaceHistory", "textFields", "data", "problems"):
        assert page in out["axe"] and f"narrow-{page}" in out["axe"], page
    # A phone: no page is wider than 390 px; the screenshots are kept for a person to look at.
    assert all(w <= 390 for w in out["widths"].values()), out["widths"]
    assert (shots / "status-390.png").stat().st_size > 10_000
    assert {p.stem for p in shots.glob("*-390.png")} == {f"{name}-390" for name in out["widths"]}
    for page, violations in out["axe"].items():
        assert violations == [], f"{page}: {violations}"
    # The page with the problem table answers 422 on purpose; Chromium logs that status, nothing else.
    assert out["notFound"] == []
    unexpected = [c for c in out["console"] if "status of 422" not in c]
    assert unexpected == [] and out["failed"] == []
