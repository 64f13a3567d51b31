"""The press release: headline rule, facts, quote placeholder, fact box, embargo, contact, wiring."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from docx import Document as DocxDocument

from reportgen.document import ListBlock, Note, Paragraph
from reportgen.documents.press import QUOTE_PLACEHOLDER, build_press, check_press_text, newsworthy
from reportgen.errors import TemplateError
from reportgen.narrate import narrate
from reportgen.narrate.diff import diff
from reportgen.render.docx import render_docx
from reportgen.render.pdf import render_pdf
from reportgen.rounds.pipeline import build, read_barometer
from reportgen.signals.assess import assess_history
from tests.conftest import DEMO, ROOT

# Words that would betray English or a missing value in a Danish document.
FOREIGN = re.compile(r"\b(None|nan|NaN|null|the|and|of|with|Page|Figure|Table|Contact|Headline)\b")


def pdf_text(path_or_bytes, tmp_path: Path | None = None) -> str:
    if isinstance(path_or_bytes, bytes):
        path = tmp_path / "doc.pdf"
        path.write_bytes(path_or_bytes)
    else:
        path = path_or_bytes
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def press_at(folder: Path, update_id: str, project_dir: Path = ROOT):
    barometer = read_barometer(folder)
    history = assess_history(barometer)
    assessment = history[barometer.update(update_id).index]
    return barometer, build_press(barometer, history, assessment, narrate(barometer, assessment, history),
                                  project_dir=project_dir)


@pytest.fixture(scope="module")
def december():
    return press_at(DEMO, "2009-12")


def doc_text(doc) -> str:
    parts = [doc.meta.title, *(v for _, v in doc.meta.header_pairs)]
    for b in doc.blocks:
        if isinstance(b, Paragraph | Note):
            parts.append("".join(r.text for r in b.runs))
        elif isinstance(b, ListBlock):
            parts += ["".join(r.text for r in item) for item in b.items]
    return "\n".join(parts)


# --- the December 2009 release ------------------------------------------------------------------

def test_december_2009_leads_with_employment_turning_red(december):
    _, doc = december
    assert doc.meta.title == "Beskæftigelse skifter fra grøn til rød i integrationsbarometret"
    lead = next(b for b in doc.blocks if isinstance(b, Paragraph))
    assert "Beskæftigelse skifter fra grøn til rød" in "".join(r.text for r in lead.runs)
    assert "i Københavns Kommune er opdateret den 3. december 2009:" in "".join(r.text for r in lead.runs)
    facts = next(b for b in doc.blocks if isinstance(b, ListBlock))
    first = "".join(r.text for r in facts.items[0])
    assert "»Andel beskæftigede indvandrere/efterkommere i København«" in first
    assert "fald på 3,0 procentpoint fra februar 2009 til august 2009" in first
    assert 3 <= len(facts.items) <= 5
    text = doc_text(doc)
    assert "5,5 procentpoint til målet for december 2010 på 64,8 procent" in text
    assert "ét indsatsområde på rødt, tre på gult og to på grønt" in text


def test_december_2009_frame_embargo_quote_fact_box_and_contact(december):
    _, doc = december
    assert doc.meta.label == "Pressemeddelelse"
    assert ("Embargo", "Må ikke offentliggøres før 3. december 2009") in doc.meta.header_pairs
    text = doc_text(doc)
    assert QUOTE_PLACEHOLDER in text
    quote = next(b for b in doc.blocks if isinstance(b, Paragraph) and b.style == "quote")
    assert QUOTE_PLACEHOLDER in "".join(r.text for r in quote.runs if r.bold)
    box = next(b for b in doc.blocks if isinstance(b, Note))
    assert box.title == "Fakta om integrationsbarometret"
    assert "33 indikatorer fordelt på 6 indsatsområder" in "".join(r.text for r in box.runs)
    # The demo's own letters.toml [presse]; nothing of it in the project's letters/.
    assert "Mette Eksempel" in text and "telefon 33 66 00 00" in text
    assert "presse" not in (ROOT / "letters" / "letters.toml").read_text(encoding="utf-8")


def test_may_2009_headline_puts_the_worse_change_first():
    barometer, doc = press_at(DEMO, "2009-05")
    # Sundhed went green -> yellow and Tryghed yellow -> green: the worse change leads.
    assert doc.meta.title == "Sundhed skifter fra grøn til gul i integrationsbarometret"
    assert ("Embargo", "Må ikke offentliggøres før 28. maj 2009") in doc.meta.header_pairs


def test_without_a_colour_change_the_largest_move_against_the_target_leads(make_barometer):
    folder = make_barometer({
        "indicators.csv": """\
            id,area,name,main,unit,direction,decimals,rule,tolerance,baseline_value,baseline_period,target_value,target_period,committee,source,districts
            A1,A,Andel beskæftigede,yes,percent,up,1,previous,0,,,60.0,2010-12,BIU,Danmarks Statistik,no
            B1,B,Karaktergab,yes,value,down,2,previous,0,,,0.20,2010,BUU,Undervisningsministeriet,no
            """,
        "measurements.csv": """\
            indicator,period,value,se,n,district,update
            A1,2008-03,50.0,,,,2008-06
            A1,2008-09,51.0,,,,2008-12
            A1,2009-03,52.0,,,,2009-06
            B1,2007,0.50,,,,2008-06
            B1,2008,0.45,,,,2008-12
            B1,2009,0.30,,,,2009-06
            """,
    })
    barometer = read_barometer(folder)
    history = assess_history(barometer)
    item = newsworthy(barometer, history[2], diff(barometer, "2008-12", "2009-06", history=history))
    # A1 moved 1,0 of the 9,0 still missing (11 %); B1 0,15 of 0,25 (60 %): B1 leads.
    assert item.kind == "indicator" and item.indicator == "B1"
    assert item.headline == "Karaktergab falder 0,15 – tættere på målet"


# --- a small municipality without any text of its own ---------------------------------------------

@pytest.fixture(scope="module")
def fixture_build(tmp_path_factory):
    from tests.conftest import write_barometer

    root = tmp_path_factory.mktemp("press")
    folder = write_barometer(root / "testrup")
    return build(folder, out_root=root / "out")


def test_build_writes_the_release_into_zip_and_manifest_not_pack_pdf(fixture_build, tmp_path):
    out = fixture_build.out_dir
    assert (out / "pressemeddelelse.pdf").is_file() and (out / "pressemeddelelse.docx").is_file()
    with zipfile.ZipFile(out / "pack.zip") as z:
        assert {"pressemeddelelse.pdf", "pressemeddelelse.docx"} <= set(z.namelist())
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "pressemeddelelse.pdf" in json.dumps(manifest)
    assert "Pressemeddelelse" not in pdf_text(out / "pack.pdf")
    with pikepdf.open(out / "pressemeddelelse.pdf") as pdf:
        assert len(pdf.pages) == 1


def test_fixture_release_reads_as_danish_with_a_generic_contact(fixture_build):
    text = flat(pdf_text(fixture_build.out_dir / "pressemeddelelse.pdf"))
    assert "Pressemeddelelse" in text and QUOTE_PLACEHOLDER in text
    assert "Fakta om testbarometret" in text
    assert "Må ikke offentliggøres før 1. juni 2009" in text
    # No [presse] of its own and no administration in barometer.toml: the municipality answers.
    assert "Yderligere oplysninger: Testrup Kommune" in text
    assert "Mette Eksempel" not in text and "København" not in text
    assert not FOREIGN.search(text), FOREIGN.search(text)


def test_site_has_the_press_page_linked_from_every_page(fixture_build):
    site = fixture_build.out_dir / "site"
    page = (site / "presse.html").read_text(encoding="utf-8")
    assert "[Citat fra borgmesteren]" in page and "Fakta om testbarometret" in page
    assert 'href="presse.html"' in (site / "index.html").read_text(encoding="utf-8")
    assert 'href="../pressemeddelelse.pdf"' in (site / "index.html").read_text(encoding="utf-8")


def test_libreoffice_opens_the_release_docx(fixture_build, december, tmp_path):
    _, doc = december
    demo_docx = tmp_path / "demo-pressemeddelelse.docx"
    demo_docx.write_bytes(render_docx(doc))
    files = [fixture_build.out_dir / "pressemeddelelse.docx", demo_docx]
    run = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "lo"), *map(str, files)],
        capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    demo = flat(pdf_text(tmp_path / "lo" / "demo-pressemeddelelse.pdf"))
    assert "Beskæftigelse skifter fra grøn til rød" in demo and QUOTE_PLACEHOLDER in demo
    assert "Fakta om integrationsbarometret" in demo
    fixture = flat(pdf_text(tmp_path / "lo" / "pressemeddelelse.pdf"))
    assert "Testrup Kommune" in fixture and not FOREIGN.search(fixture)
    words = " ".join(p.text for p in DocxDocument(str(demo_docx)).paragraphs)
    assert "Embargo" in words or "Embargo" in " ".join(
        c.text for t in DocxDocument(str(demo_docx)).tables for row in t.rows for c in row.cells)


def test_demo_release_pdf_is_one_page_of_danish(december, tmp_path):
    _, doc = december
    data = render_pdf(doc)
    with pikepdf.open(__import__("io").BytesIO(data)) as pdf:
        assert len(pdf.pages) == 1
    text = flat(pdf_text(data, tmp_path))
    assert "Beskæftigelse skifter fra grøn til rød i integrationsbarometret" in text
    assert not FOREIGN.search(text), FOREIGN.search(text)


# --- texts and contact: editable, checked, never borrowed ------------------------------------------

@pytest.fixture
def project(tmp_path) -> Path:
    folder = tmp_path / "project"
    shutil.copytree(ROOT / "letters", folder / "letters")
    return folder


def test_barometer_press_text_wins_and_check_reports_errors_with_file_and_line(make_barometer, project):
    folder = make_barometer({"letters/press.md": "Egen tekst: {{ overskrift }}.\n\n[[fakta]]\n"})
    _, doc = press_at(folder, "2009-06", project)
    assert "Egen tekst:" in doc_text(doc)
    broken = make_barometer({"letters/press.md": "Linje et\n\n{{ ukendt_felt }}\n"})
    with pytest.raises(TemplateError, match=r"letters/press\.md:3: ukendt variabel 'ukendt_felt'"):
        check_press_text(read_barometer(broken), project_dir=project)
    check_press_text(read_barometer(make_barometer()), project_dir=project)  # the shipped text is fine


def test_press_contact_comes_only_from_the_barometers_own_letters_toml(make_barometer, project):
    own = make_barometer({"letters/letters.toml": '[presse]\nnavn = "Ida Test"\ntelefon = "11 22 33 44"\n'})
    _, doc = press_at(own, "2009-06", project)
    assert "Ida Test, telefon 11 22 33 44" in doc_text(doc)
    with open(project / "letters" / "letters.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[presse]\nnavn = "Lånt Navn"\n')
    with pytest.raises(TemplateError, match=r"^letters/letters\.toml: \[presse\] hører ikke til projektets fælles "
                                            r"tekster; skriv den i barometer\d+/letters/letters\.toml"):
        press_at(make_barometer(), "2009-06", project)


def test_unknown_press_key_is_an_error(make_barometer, project):
    folder = make_barometer({"letters/letters.toml": '[presse]\nnavn = "Ida"\nmobil = "1"\n'})
    with pytest.raises(TemplateError, match=r"ukendt nøgle \[presse\] mobil"):
        press_at(folder, "2009-06", project)


@pytest.mark.slow
def test_press_page_passes_axe_in_chromium(fixture_build, tmp_path):
    """presse.html through the site's browser check: no serious axe violation, no sideways scroll."""
    from tests.test_site import CHROMIUM, _node_modules

    node = shutil.which("node")
    assert CHROMIUM.exists() and node, "the browser tests need Debian's chromium and node"
    _node_modules()
    page = fixture_build.out_dir / "site" / "presse.html"
    job = {"chromium": str(CHROMIUM), "userDataDir": str(tmp_path / "profile"), "outDir": str(tmp_path),
           "widths": [1280, 375], "pages": [{"name": "press", "url": page.as_uri()}]}
    (tmp_path / "job.json").write_text(json.dumps(job))
    run = subprocess.run([node, str(ROOT / "tests" / "site_browser.js"), str(tmp_path / "job.json")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    (result,) = json.loads(run.stdout)
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, serious
    assert result["console"] == [] and result["failed"] == []
    for width, shot in result["widths"].items():
        assert shot["scrollWidth"] <= int(width), f"presse.html scrolls sideways at {width} px"
