"""reportgen annual: the year's updates in one status report, read back as PDF, DOCX and in LibreOffice."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from docx import Document as DocxDocument

from reportgen.documents.annual import check_annual_text, year_change, year_of
from reportgen.errors import ReportgenError, TemplateError
from reportgen.outputs.site import annual_report_links as report_links
from reportgen.rounds.annual import build_annual_report
from reportgen.rounds.pipeline import build, read_barometer
from reportgen.signals.assess import assess_history
from tests.conftest import DEMO, ROOT, write_barometer

FOREIGN = re.compile(r"\b(None|nan|NaN|null|the|and|of|with|Page|Figure|Table|Chapter)\b")


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def docx_text(path: Path) -> str:
    doc = DocxDocument(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return flat(" ".join([p.text for p in doc.paragraphs] + cells))


@pytest.fixture(scope="module")
def demo_2009(tmp_path_factory):
    out = tmp_path_factory.mktemp("annual")
    result = build_annual_report(DEMO, 2009, out_root=out)
    return result


def test_demo_2009_covers_may_and_december(demo_2009):
    assert demo_2009.out_dir.name == "statusrapport-2009"
    assert demo_2009.updates == ("2009-05", "2009-12")
    assert sorted(w.path for w in demo_2009.files) == ["statusrapport.docx", "statusrapport.pdf"]
    text = flat(pdf_text(demo_2009.out_dir / "statusrapport.pdf"))
    assert "Statusrapport 2009 for integrationsbarometret" in text
    assert "Opdateringen i maj 2009" in text and "Opdateringen i december 2009" in text
    assert "Opdateringer Maj 2009 og december 2009" in text


def test_demo_2009_names_employment_red_in_december_turning_from_green(demo_2009):
    text = flat(pdf_text(demo_2009.out_dir / "statusrapport.pdf"))
    assert "Beskæftigelse fra grøn til rød: Rød, fordi hovedindikatoren er rød." in text
    assert "Siden opdateringen i maj 2009 er Beskæftigelse gået fra grøn til rød" in text
    assert "Ved årets sidste opdatering har ét indsatsområde rødt signal (Beskæftigelse)" in text
    # The colour grid: December 2008 (where the year began), May and December 2009.
    assert re.search(r"Beskæftigelse ↑ Grøn ↑ Grøn ↓ Rød", text)


def test_demo_2009_has_the_employment_figures_of_the_year(demo_2009):
    text = flat(pdf_text(demo_2009.out_dir / "statusrapport.pdf"))
    assert "62,3 %" in text and "59,3 %" in text and "−3,0 pct.-point" in text
    docx = DocxDocument(str(demo_2009.out_dir / "statusrapport.docx"))
    rows = [[c.text.replace("\u00a0", " ").replace("\u2060", "") for c in row.cells] for t in docx.tables
            for row in t.rows]
    bes1 = next(r for r in rows if r[0] == "Andel beskæftigede indvandrere/efterkommere i København")
    assert bes1[1:4] == ["62,3 % (feb. 2009)", "59,3 % (aug. 2009)", "−3,0 pct.-point"]
    assert ("Hovedindikatoren »Andel beskæftigede indvandrere/efterkommere i København« viser et fald på 3,0 "
            "procentpoint fra februar 2009 til august 2009.") in text
    assert "Der er 5,5 procentpoint til målet for december 2010 på 64,8 procent." in text
    assert bes1[5:] == ["64,8 % (dec. 2010)", "Nås ikke i det nuværende tempo"]


def test_demo_2009_has_committees_districts_initiatives_data_and_method(demo_2009):
    text = flat(pdf_text(demo_2009.out_dir / "statusrapport.pdf"))
    for heading in ("Indikatorerne pr. udvalg", "Børne- og Ungdomsudvalget", "Udviklingen i bydelene i 2009",
                    "Initiativer på indikatorer, der har været røde", "Datagrundlag", "Metode"):
        assert heading in text, heading
    assert "Jobcenter København: Virksomhedsrettet aktivering" in text  # linked to the red BES1
    assert "Indre By 66,7 % 63,9 % −2,8 pct.-point" in text  # BES1's district change over the year
    assert not FOREIGN.search(text), FOREIGN.search(text)
    pdf = demo_2009.out_dir / "statusrapport.pdf"
    assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True).returncode == 0
    with pikepdf.open(pdf) as doc:
        assert str(doc.Root.Lang) == "da" and "/StructTreeRoot" in doc.Root
        assert len(doc.open_outline().root) >= 6  # one bookmark per section


def test_year_change_uses_the_years_first_and_last_figure():
    barometer = read_barometer(DEMO)
    y = year_of(barometer, assess_history(barometer), 2009)
    c = year_change(barometer, y, barometer.indicator("BES1"))
    assert (c.first.value, c.last.value, c.change, c.new_figures) == (62.3, 59.3, -3.0, 2)


def test_demo_docx_reads_the_same_and_libreoffice_opens_it(demo_2009, tmp_path):
    docx = demo_2009.out_dir / "statusrapport.docx"
    words = docx_text(docx)
    assert "Beskæftigelse fra grøn til rød" in words and "62,3 % (feb. 2009)" in words
    assert not FOREIGN.search(words), FOREIGN.search(words)
    run = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "lo"), str(docx)],
        capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    text = flat(pdf_text(tmp_path / "lo" / "statusrapport.pdf"))
    assert "Statusrapport 2009 for integrationsbarometret" in text and "Side 1 af" in text


# --- a small municipality without any text of its own ---------------------------------------------

def test_fixture_municipality_gets_a_reproducible_report_and_the_archive_lists_it(tmp_path):
    folder = write_barometer(tmp_path / "testrup")
    first = build_annual_report(folder, 2008, out_root=tmp_path / "a", use_cache=False)
    second = build_annual_report(folder, 2008, out_root=tmp_path / "b", use_cache=False)
    for name in ("statusrapport.pdf", "statusrapport.docx"):
        assert (first.out_dir / name).read_bytes() == (second.out_dir / name).read_bytes(), name
    text = flat(pdf_text(first.out_dir / "statusrapport.pdf"))
    assert "Statusrapport 2008 for testbarometret" in text
    assert "Opdateringen i juni 2008" in text and "Opdateringen i december 2008" in text
    assert "Testrup Kommune" in text and "København" not in text
    assert not FOREIGN.search(text), FOREIGN.search(text)
    assert "Bydel" not in text  # no district figures: no district section
    # An update of 2009 lists the 2008 report found in its output folder; an update of 2008 would too.
    built = build(folder, out_root=tmp_path / "a")
    archive = (built.out_dir / "site" / "arkiv.html").read_text(encoding="utf-8")
    assert 'href="../../statusrapport-2008/statusrapport.pdf"' in archive
    assert report_links(tmp_path / "a", 2007) == {}
    docx = first.out_dir / "statusrapport.docx"
    run = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "lo"), str(docx)],
        capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "testbarometret" in pdf_text(tmp_path / "lo" / "statusrapport.pdf")


def test_a_year_without_updates_is_an_error_and_writes_nothing(tmp_path):
    folder = write_barometer(tmp_path / "testrup")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "reportgen.cli", "annual", str(folder), "--year", "2011",
                          "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1
    assert "Fejl: updates.csv har ingen opdateringer i 2011; der er opdateringer i 2008 og 2009" in run.stderr
    assert not out.exists() or not any(out.glob("statusrapport-*"))
    with pytest.raises(ReportgenError):
        build_annual_report(folder, 2011, out_root=out)
    ok = subprocess.run([sys.executable, "-m", "reportgen.cli", "annual", str(folder), "--year", "2009",
                         "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    assert "statusrapport-2009" in ok.stdout and "2009-06" in ok.stdout
    assert sorted(p.name for p in (out / "statusrapport-2009").iterdir()) == ["statusrapport.docx",
                                                                             "statusrapport.pdf"]


def test_annual_text_of_the_barometer_wins_and_errors_name_file_and_line(tmp_path):
    folder = write_barometer(tmp_path / "own", {"letters/annual.md": "# Forord\n\nÅret {{ aar }}.\n\n{{ aarr }}\n"})
    with pytest.raises(TemplateError, match=r"own/letters/annual\.md:5: ukendt variabel 'aarr' \(mente du 'aar'\?\)"):
        check_annual_text(read_barometer(folder), project_dir=ROOT)
    check_annual_text(read_barometer(write_barometer(tmp_path / "plain")), project_dir=ROOT)


# --- a report, not a table dump (issue 26, point 4) ----------------------------------------------

def pdf_pages(path: Path) -> list[str]:
    return pdf_text(path).split("\f")[:-1]


def test_demo_2009_opens_with_a_summary_and_the_administrations_comments(demo_2009):
    pages = [flat(p) for p in pdf_pages(demo_2009.out_dir / "statusrapport.pdf")]
    first = pages[0]
    assert "Sammenfatning af 2009" in first and "Indledning" not in first
    assert "I 2009 blev integrationsbarometret opdateret to gange, i maj 2009 og december 2009." in first
    assert "I løbet af året skiftede Beskæftigelse fra grøn til rød i december 2009" in first
    assert "målene for Beskæftigelse, Uddannelse og Kultur og fritid nås ikke i det nuværende tempo" in first
    # comments.csv, the administration's own words, stand in the summary
    assert "Forvaltningens bemærkninger" in first
    assert "Andel beskæftigede indvandrere/efterkommere i København, december 2009: Faldet skyldes " \
           "utvivlsomt krisen." in first
    assert "ikke længere er mulighed for at nå målet" in first
    # one parenthesis per name at most: the update's month after a comma
    assert "(andel af arbejdsstyrken), maj 2009: Stigningen" in first and ") (maj 2009)" not in first
    assert pages[1].lstrip().split("\n")[0] != "" and "Indledning" in pages[1]


def test_demo_2009_charts_and_maps_are_vector(demo_2009):
    def images(resources, seen) -> int:
        count = 0
        xobjects = resources.get("/XObject") if resources is not None else None
        for _, xo in (xobjects.items() if xobjects is not None else ()):
            if xo.objgen in seen:
                continue
            seen.add(xo.objgen)
            if xo.get("/Subtype") == "/Image":
                count += 1
            elif xo.get("/Subtype") == "/Form":
                count += images(xo.get("/Resources"), seen)
        return count

    with pikepdf.open(demo_2009.out_dir / "statusrapport.pdf") as pdf:
        seen: set = set()
        assert sum(images(page.obj.get("/Resources"), seen) for page in pdf.pages) == 0
        assert len(seen) >= 12  # seven trend charts and five maps drawn as forms, not as pictures


def test_demo_2009_each_map_stands_on_the_page_of_its_table(demo_2009):
    pages = pdf_pages(demo_2009.out_dir / "statusrapport.pdf")
    caption = "Ændring fra december 2008 til december 2009 fordelt på bydele"
    with_map = [i for i, p in enumerate(pages) if caption in flat(p)]
    assert len(with_map) == 6  # one page per main indicator with district figures
    for i in with_map:
        text = flat(pages[i])
        assert text.count(caption) == 1, i
        assert "Ændring i procentpoint" in text or "Ændring" in text  # the map's legend
        after = text[text.index(caption):]
        # the table's header and all ten bydele follow the map on the same page
        assert re.search(r"Bydel December 2008 December 2009 Ændring", after), i
        assert "Indre By" in after and "Amager Vest" in after, i


def test_demo_2009_no_page_is_half_empty_except_before_a_chapter(demo_2009):
    path = demo_2009.out_dir / "statusrapport.pdf"
    with pikepdf.open(path) as pdf:
        chapters = [item.title for item in pdf.open_outline().root]
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    pages = re.findall(r"<page width=\"([\d.]+)\" height=\"([\d.]+)\">(.*?)</page>", xml, re.S)
    mm = 72 / 25.4
    top, bottom = 27 * mm, float(pages[0][1]) - 22 * mm  # the text area inside the page margins
    starts = []
    fills = []
    for _, _, body in pages:
        lines = [(float(y0), float(y1), re.sub(r"<[^>]+>|\s+", " ", words).strip()) for y0, y1, words in
                 re.findall(r'<line xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</line>',
                            body, re.S)]
        inside = sorted((y0, y1, t) for y0, y1, t in lines if y0 > top and y1 < bottom)
        first = re.sub(r"\s+", " ", inside[0][2]) if inside else ""
        starts.append(any(first.startswith(c[:30]) for c in chapters))
        fills.append((max(y1 for _, y1, _ in inside) - top) / (bottom - top) if inside else 0.0)
    assert sum(starts) >= 5, starts  # five chapters start a page (sanity of the measure)
    for i, fill in enumerate(fills[:-1]):
        if not starts[i + 1]:
            assert fill >= 0.5, f"page {i + 1} is {fill:.0%} full and the next page starts no chapter"


def test_demo_2009_names_z_values_only_in_the_method_section(demo_2009):
    text = flat(pdf_text(demo_2009.out_dir / "statusrapport.pdf"))
    method = text.index(" Metode Signalregler")
    for jargon in ("z =", "z-værdi", "z-test"):
        assert jargon not in text[:method], jargon
    assert "z-værdien er ændringen divideret med dens standardfejl" in text[method:]
    # the sentences keep their verdict, without the statistic
    assert "stigningen på 4,4 procentpoint fra 2007 til 2008 går den rigtige vej og er statistisk signifikant." \
        in text


def test_administrations_summary_opens_the_report_and_the_figures_follow(tmp_path):
    from reportgen.document import Heading, PageBreak, Paragraph
    from reportgen.documents.annual import build_annual

    def first_page(folder):
        barometer = read_barometer(folder)
        doc = build_annual(barometer, assess_history(barometer), 2009, project_dir=ROOT)
        blocks = list(doc.blocks)
        return blocks[:next(i for i, b in enumerate(blocks) if isinstance(b, PageBreak))]

    def text(b):
        return "".join(r.text for r in b.runs)

    plain = first_page(write_barometer(tmp_path / "plain"))
    assert [type(b).__name__ for b in plain[:2]] == ["Heading", "Paragraph"] and plain[1].style == "lead"
    computed = text(plain[1])
    assert computed.startswith("I 2009 blev testbarometret opdateret én gang, i juni 2009.")
    own = first_page(write_barometer(tmp_path / "own", {
        "tekster/2009-06/aarsrapport_resume.md": "Året bød på *krise* og fremgang.\n\nSkolerne løftede sig.\n",
        "tekster/2008-12/aarsrapport_resume.md": "Ikke dette år.\n",  # another year's update: not here
    }))
    assert own[0].text == "Sammenfatning af 2009"
    # The administration's paragraphs first, as the lead; the computed sentences kept under their heading.
    assert [text(b) for b in own[1:3]] == ["Året bød på krise og fremgang.", "Skolerne løftede sig."]
    assert all(isinstance(b, Paragraph) and b.style == "lead" for b in own[1:3])
    assert isinstance(own[3], Heading) and own[3].text == "Året i tal"
    assert isinstance(own[4], Paragraph) and own[4].style == "body" and text(own[4]) == computed
    assert not any("Ikke dette år." in text(b) for b in own if isinstance(b, Paragraph))
