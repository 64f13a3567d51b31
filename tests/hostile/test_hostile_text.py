"""Text from data that looks like markup, templates, formulas or mathtext comes out literally in the
PDF, the DOCX and the site; very long names wrap; right-to-left and zero-width characters survive."""
from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document as open_docx
from hostile_corpus import write_barometer
from test_hostile_data import run_in_process

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "copenhagen"
DEMO_UPDATE = "2009-12"

SCRIPT = "<script>alert('x')</script> & <b>fed</b>"
JINJA = "Mål {{ 7*7 }} og {% if x %}"
FORMULA = '=HYPERLINK("http://x","klik")'
MATH = r"Pris 5$ til $\frac{}$ 10$"
LONG = "Andel " + " ".join(["beskæftigede"] * 24)  # 300+ characters, no line break possible within a word
assert len(LONG) >= 300
RTL = "مرحبا بالعالم שלום עולם"
ZERO_WIDTH = "Ind\u200bsats\u200dord\u2060ning"


def edit_rows(path: Path, change) -> None:
    """Rewrite a CSV file of the demo through the csv module (quoting as needed)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    change(rows)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def pdf_text(path: Path) -> str:
    """pdftotext's reading of a PDF, with line breaks and hyphenation undone into single spaces."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          text=True, encoding="utf-8").stdout
    return " ".join(text.split())


def docx_text(path: Path) -> str:
    doc = open_docx(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split())


@pytest.fixture(scope="module")
def injected_demo(tmp_path_factory) -> tuple[Path, Path]:
    """data/copenhagen with markup, a template, a formula, mathtext and a 300-character name in
    indicator and area names and comments, built once."""
    root = tmp_path_factory.mktemp("injected")
    folder = root / "copenhagen"
    shutil.copytree(DEMO, folder)

    def indicators(rows):
        header = rows[0]
        name = header.index("name")
        rows[1][name] = SCRIPT
        rows[2][name] = MATH
        rows[3][name] = LONG

    def areas(rows):
        rows[1][1] = FORMULA

    def comments(rows):
        rows[1][2] = JINJA

    edit_rows(folder / "indicators.csv", indicators)
    edit_rows(folder / "areas.csv", areas)
    edit_rows(folder / "comments.csv", comments)
    out = root / "out"
    result = run_in_process("build", str(folder), "--out", str(out), "--update", DEMO_UPDATE)
    assert result.returncode == 0, result.stderr
    return folder, out / DEMO_UPDATE


@pytest.mark.parametrize("text", [SCRIPT, JINJA, FORMULA, MATH, LONG], ids=["script", "jinja", "formula",
                                                                            "mathtext", "long-name"])
def test_injected_text_is_literal_in_pdf_and_docx(injected_demo, text):
    _, update = injected_demo
    wanted = " ".join(text.split())
    pdf = pdf_text(update / "bilag1.pdf")
    docx = docx_text(update / "bilag1.docx")
    assert wanted in docx
    # pdftotext joins wrapped lines with spaces where the PDF broke them: compare without spaces
    assert wanted.replace(" ", "") in pdf.replace(" ", "")


def test_template_syntax_in_data_is_not_evaluated(injected_demo):
    _, update = injected_demo
    assert "Mål 49" not in pdf_text(update / "bilag1.pdf")
    assert "Mål 49" not in docx_text(update / "bilag1.docx")


def test_long_name_wraps_inside_the_page(injected_demo):
    """The 300-character name is broken over several lines, each within the text width."""
    _, update = injected_demo
    layout = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(update / "bilag1.pdf"), "-"],
                            capture_output=True, check=True, text=True, encoding="utf-8").stdout
    lines = [line for line in layout.splitlines() if "beskæftigede beskæftigede" in line]
    assert len(lines) >= 3
    assert max(len(line) for line in lines) < 200


def test_site_pages_escape_injected_text(injected_demo):
    """When the site export exists, its pages hold the markup escaped, never as live elements."""
    _, update = injected_demo
    pages = sorted((update / "site").glob("**/*.html"))
    if not pages:
        return  # the site export is not part of the build yet
    html = "\n".join(p.read_text(encoding="utf-8") for p in pages)
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(" in html


def test_right_to_left_and_zero_width_text_builds(tmp_path):
    """An area named in Arabic and Hebrew and an indicator name with zero-width characters: the build
    succeeds and the text is in the DOCX and the PDF."""
    folder = write_barometer(tmp_path / "b", {
        "areas.csv": f"id,name\nA,{RTL}\nB,Uddannelse\n",
        "indicators.csv": (
            "id,area,name,main,unit,direction,decimals,rule,tolerance,baseline_value,baseline_period,"
            "target_value,target_period,committee,source,districts\n"
            "A1,A,Andel beskæftigede,yes,percent,up,1,previous,0,,,,,BIU,Danmarks Statistik,no\n"
            f"B1,B,{ZERO_WIDTH},yes,value,down,2,previous,0,,,,,BUU,Undervisningsministeriet,no\n"),
    })
    result = run_in_process("build", str(folder), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    update = tmp_path / "out" / "2009-06"
    docx = docx_text(update / "bilag1.docx")
    assert RTL in docx and ZERO_WIDTH in docx
    assert re.search("مرحبا", pdf_text(update / "bilag1.pdf"))
