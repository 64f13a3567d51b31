"""One minus sign: every negative number of every output is written with U+2212 by
reportgen/narrate/danish.py, never with the hyphen-minus (issue 20.7)."""
from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser

import pytest
from docx import Document as DocxDocument

from reportgen.documents.common import change_text
from reportgen.narrate import danish as da
from tests.barometer_builders import indicator

# A hyphen-minus standing where a minus sign is meant: at the start of a number, not joined to a
# word or figure before it. Periods and dates (2009-12, 2009-12-03), ranges (10-17 år, 2007-2010),
# case numbers (2009-161791) and compounds (16-64-årige) have a letter or digit before the hyphen.
HYPHEN_MINUS = re.compile(r"(?<![\w./\-])-\d")
MINUS = "\u2212"


def hyphen_minuses(text: str) -> list[str]:
    return [text[max(0, m.start() - 30):m.end() + 20] for m in HYPHEN_MINUS.finditer(text)]


class _Text(HTMLParser):
    """A page's visible text and the texts read aloud (alt, title, aria-label); no CSS or scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        self.parts.extend(v for k, v in attrs if k in ("alt", "title", "aria-label") and v)

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def docx_text(path) -> str:
    doc = DocxDocument(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


def test_the_pattern_tells_a_minus_from_periods_ranges_and_compounds():
    assert hyphen_minuses("Ændring -3,0 procentpoint") and hyphen_minuses("(-0,8)") and hyphen_minuses("z = -2")
    for fine in ("2009-12", "3. december 2009 (2009-12-03)", "10-17 år", "2007-2010", "sagsnr. 2009-161791",
                 "16-64-årige", "BES-1", "−3,0 procentpoint", "– 3"):
        assert not hyphen_minuses(fine), fine


@pytest.mark.parametrize(("value", "decimals", "plain", "with_sign"), [
    (-3.0, 1, "−3,0", "−3,0"), (3.0, 1, "3,0", "+3,0"), (-1874, 0, "−1.874", "−1.874"),
    (-0.04, 1, "0,0", "0,0"), (0.0, 2, "0,00", "0,00"), (-0.06, 2, "−0,06", "−0,06"),
])
def test_danish_numbers_use_the_minus_sign(value, decimals, plain, with_sign):
    assert da.number(value, decimals) == plain
    assert da.signed(value, decimals) == with_sign


def test_changes_in_text_and_tables_share_one_minus():
    pct, count = indicator(unit="percent", decimals=1), indicator(unit="count", decimals=0)
    assert change_text(pct, -3.0) == "−3,0 procentpoint"
    # a word joiner after the hyphen keeps "pct.-point" on one line in a narrow column
    assert change_text(pct, -3.0, short=True) == "−3,0 pct.-\u2060point"
    assert change_text(count, -1874) == "−1.874"
    assert change_text(count, 223, short=True) == "+223"
    assert change_text(pct, None) == "" and change_text(pct, None, short=True) == "–"


def test_no_hyphen_minus_in_the_site_pages(demo_build):
    pages = sorted((demo_build.out_dir / "site").rglob("*.html"))
    assert len(pages) > 10
    found = {p.name: hits for p in pages if (hits := hyphen_minuses(html_text(p.read_text(encoding="utf-8"))))}
    assert not found
    indicator_page = html_text((demo_build.out_dir / "site" / "indikator-BES1.html").read_text(encoding="utf-8"))
    assert f"{MINUS}3,0 procentpoint fra februar 2009 til august 2009" in indicator_page


def test_no_hyphen_minus_in_the_pdfs_text(demo_build):
    found = {}
    for path in sorted(demo_build.out_dir.rglob("*.pdf")):
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        if hits := hyphen_minuses(text):
            found[path.name] = hits
    assert not found


def test_no_hyphen_minus_in_the_docx_text(demo_build):
    paths = sorted(demo_build.out_dir.rglob("*.docx"))
    assert len(paths) >= 3
    found = {p.name: hits for p in paths if (hits := hyphen_minuses(docx_text(p)))}
    assert not found
