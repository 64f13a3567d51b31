"""Danish number style in running text (docs/writing.md, issue 26 points 2 and 7): one to twelve in
words before a counted noun – in the PDF text of the demo's case, Bilag 3, press release and annual
report, and of a small municipality's. Tables keep digits. (Also a promise the annual report kept
only where a map is drawn, read from the same builds.)"""
from __future__ import annotations

import re
import subprocess

import pytest

from reportgen.documents.annual import _red_share
from reportgen.rounds.annual import build_annual_report
from reportgen.rounds.pipeline import build
from tests.conftest import DEMO, write_barometer
from tests.test_small_municipality import FJORDBY

NOUNS = "indikator|hovedindikator|opdatering|udvalg|indsatsområde|område|initiativ"
# A digit 1-12 (not part of a larger number, a decimal or a range) followed by one space and a
# counted noun: running text. Table cells stand apart by two or more spaces in pdftotext -layout.
DIGIT_COUNT = re.compile(rf"(?<![\d,.\-–])\b(?:[1-9]|1[0-2]) (?:{NOUNS})\w*")


def running_text(path) -> str:
    """The PDF's text with its lines joined (a count may break at a line's end), spacing kept."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return re.sub(r" *\n *", " ", text)


def digit_counts(path) -> list[str]:
    text = running_text(path)
    return [text[max(0, m.start() - 40):m.end() + 10] for m in DIGIT_COUNT.finditer(text)]


def test_the_scan_finds_a_digit_count_in_running_text_and_not_in_a_table():
    assert DIGIT_COUNT.search("Udvalget har 3 indikatorer i barometret.")
    assert DIGIT_COUNT.search("blandt 1 udvalg")
    assert not DIGIT_COUNT.search("Lokale kilder  21  12 måneder")  # a table row
    assert not DIGIT_COUNT.search("har 33 indikatorer")  # 13 and up in digits
    assert not DIGIT_COUNT.search("fra 0,5 indikator")


@pytest.fixture(scope="module")
def demo_annual(tmp_path_factory):
    return build_annual_report(DEMO, 2009, out_root=tmp_path_factory.mktemp("annual-words")).out_dir


@pytest.fixture(scope="module")
def fjordby(tmp_path_factory):
    folder = write_barometer(tmp_path_factory.mktemp("fjordby-words") / "barometer", FJORDBY)
    out = tmp_path_factory.mktemp("fjordby-words-out")
    built = build(folder, out_root=out, use_cache=False)
    return built.out_dir, build_annual_report(folder, 2021, out_root=out).out_dir


def test_demo_documents_count_in_words(demo_build, demo_annual):
    out = demo_build.out_dir
    for path in (out / "sag.pdf", out / "bilag3.pdf", out / "pressemeddelelse.pdf",
                 demo_annual / "statusrapport.pdf"):
        assert digit_counts(path) == [], path
    annual = running_text(demo_annual / "statusrapport.pdf")
    # the committee section, the district and initiative sections count in words
    assert "Udvalget har otte indikatorer i barometret" in annual
    assert re.search(r"Udvalget har tre indikatorer i barometret\. Ved opdateringen i december 2009 er "
                     r"(ingen af dem røde|én af dem rød|to af dem røde|de alle røde)\.", annual)
    assert "ti indikatorer har været røde ved mindst én af årets opdateringer" in annual.lower()
    assert "indsatsbanken" not in annual  # no Copenhagen project bank in the project's text


def test_small_municipality_documents_count_in_words(fjordby):
    out, annual = fjordby
    for path in (out / "sag.pdf", out / "bilag1.pdf", out / "bilag3.pdf", out / "pressemeddelelse.pdf",
                 annual / "statusrapport.pdf"):
        assert digit_counts(path) == [], path
    assert "Udvalget har fire indikatorer i barometret" in running_text(annual / "statusrapport.pdf")


def test_a_committees_red_share_reads_as_danish():
    assert _red_share(0, 3) == "ingen af dem røde."
    assert _red_share(1, 3) == "én af dem rød."
    assert _red_share(2, 3) == "to af dem røde."
    assert _red_share(3, 3) == "de alle røde."
    assert _red_share(2, 2) == "de begge røde."
    assert _red_share(1, 1) == "den rød." and _red_share(0, 1) == "den ikke rød."


def test_annual_report_promises_a_map_only_where_one_is_drawn(demo_annual, fjordby):
    _, annual = fjordby
    assert "Tal for bydele med under 20 observationer vises ikke." in running_text(annual / "statusrapport.pdf")
    assert "viser et kort" not in running_text(annual / "statusrapport.pdf")  # Fjordby has no district map
    assert "For hovedindikatorerne viser et kort ændringen i hver bydel." in running_text(
        demo_annual / "statusrapport.pdf")
