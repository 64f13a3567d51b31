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

def lead_text(doc) -> str:
    return "".join(r.text for r in next(b for b in doc.blocks if isinstance(b, Paragraph)).runs)


def test_december_2009_headline_and_lead_tell_the_news_with_the_crisis_and_the_good_news(december):
    _, doc = december
    assert doc.meta.title == ("Integrationsbarometret: Tilbagegang på beskæftigelsesområdet – "
                              "fremgang på boligområdet")
    lead = lead_text(doc)
    # The fall in plain words, the administration's own comment on it (comments.csv), the colour ...
    assert lead.startswith("Andelen af beskæftigede indvandrere/efterkommere i København er faldet med 3,0 "
                           "procentpoint fra februar 2009 til august 2009. Faldet skyldes utvivlsomt krisen. "
                           "Dermed skifter Beskæftigelse fra grøn til rød i integrationsbarometret, som "
                           "Københavns Kommune har opdateret den 3. december 2009.")
    # ... and the good news: five vulnerable housing areas became two.
    assert lead.endswith("Til gengæld går det frem på boligområdet: antallet af udsatte boligområder på "
                         "Indenrigs- og Velfærdsministeriets liste er faldet fra 5 til 2 siden januar 2007.")
    facts = next(b for b in doc.blocks if isinstance(b, ListBlock))
    items = ["".join(r.text for r in item) for item in facts.items]
    # Five computed facts and the administration's own words on housing (tekster/2009-12/omraade_bol.md).
    assert len(items) == 6
    assert items[0].startswith("Der er 5,5 procentpoint til målet for december 2010 på 64,8 procent.")
    assert items[1].startswith("Beskæftigelses- og Integrationsforvaltningen vurderer, at der ikke længere")
    assert "»Andel modtagere af overførselsindkomst i udsatte boligområder« viser et fald på 0,8" in items[2]
    assert items[3] == "Der er trods krisen registreret fremgang på boligområdet."
    assert "ét indsatsområde på rødt, tre på gult og to på grønt" in doc_text(doc)
    box = next(b for b in doc.blocks if isinstance(b, Note))
    assert "33 indikatorer fordelt på seks indsatsområder" in "".join(r.text for r in box.runs)


def test_december_2009_frame_embargo_with_time_draft_quote_fact_box_and_contact(december):
    _, doc = december
    # The demo has no quote yet: a visible draft with the placeholder.
    assert doc.meta.label == "Pressemeddelelse – UDKAST"
    assert ("Embargo", "Må ikke offentliggøres før 3. december 2009 kl. 17.00") in doc.meta.header_pairs
    text = doc_text(doc)
    assert QUOTE_PLACEHOLDER in text
    quote = next(b for b in doc.blocks if isinstance(b, Paragraph) and b.style == "quote")
    assert QUOTE_PLACEHOLDER in "".join(r.text for r in quote.runs if r.bold)
    box = next(b for b in doc.blocks if isinstance(b, Note))
    assert box.title == "Fakta om integrationsbarometret"
    # The demo's own letters.toml [presse]: the head of office who attended the meeting (the seed);
    # nothing of it in the project's letters/.
    assert ("Jacob Eberholst, kontorchef, Beskæftigelses- og Integrationsforvaltningen, "
            "telefon 33\u00a066\u00a033\u00a066") in text
    assert "presse" not in (ROOT / "letters" / "letters.toml").read_text(encoding="utf-8")


def test_may_2009_headline_puts_the_worse_change_first():
    barometer, doc = press_at(DEMO, "2009-05")
    # Sundhed went green -> yellow and Tryghed yellow -> green: the worse change leads, the better
    # one is the good news.
    assert doc.meta.title == "Integrationsbarometret: Stilstand på sundhedsområdet – fremgang på tryghedsområdet"
    assert "Dermed skifter Sundhed fra grøn til gul" in lead_text(doc)
    assert ("Embargo", "Må ikke offentliggøres før 28. maj 2009 kl. 17.00") in doc.meta.header_pairs


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
    # the chair of the owner committee signs and speaks: the placeholder asks the chair, not a mayor
    assert "Pressemeddelelse" in text and "»[Citat fra formanden]«, siger Anna Andersen, formand for" in text
    assert QUOTE_PLACEHOLDER not in text
    assert "Fakta om testbarometret" in text
    assert "Må ikke offentliggøres før 1. juni 2009 kl. 17.00" in text
    # No [presse] of its own and no administration in barometer.toml: the municipality and a visible
    # placeholder for the person, and the release is a draft.
    assert "Yderligere oplysninger: Testrup Kommune, [navn og telefon på pressekontakten]" in text
    assert text.count("UDKAST") == 2
    assert "Eberholst" not in text and "København" not in text
    assert not FOREIGN.search(text), FOREIGN.search(text)


def test_site_has_the_press_page_linked_from_every_page(fixture_build):
    site = fixture_build.out_dir / "site"
    page = (site / "presse.html").read_text(encoding="utf-8")
    assert "[Citat fra formanden]" in page and "Fakta om testbarometret" in page
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
    assert "Tilbagegang på beskæftigelsesområdet" in demo and QUOTE_PLACEHOLDER in demo
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
    assert "Integrationsbarometret: Tilbagegang på beskæftigelsesområdet – fremgang på boligområdet" in text
    assert "Faldet skyldes utvivlsomt krisen." in text and "faldet fra 5 til 2 siden januar 2007" in text
    # A draft says so in the heading and in the footer.
    assert text.startswith("Pressemeddelelse – UDKAST ") and "Pressemeddelelse – UDKAST · Københavns Kommune" in text
    assert "Må ikke offentliggøres før 3. december 2009 kl. 17.00" in text
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
    assert "Ida Test, telefon 11\u00a022\u00a033\u00a044" in doc_text(doc)
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


# --- a municipality with only its data: headline and lead ------------------------------------------

def test_fixture_headline_and_lead_name_the_setback_and_the_progress(tmp_path):
    from tests.conftest import write_barometer

    _, doc = press_at(write_barometer(tmp_path / "testrup"), "2009-06")
    assert doc.meta.title == "Testbarometret: Tilbagegang på beskæftigelsesområdet – fremgang på uddannelsesområdet"
    assert lead_text(doc) == (
        "Andelen af beskæftigede er faldet med 0,5 procentpoint fra september 2008 til marts 2009. "
        "Dermed skifter Beskæftigelse fra grøn til rød i testbarometret, som Testrup Kommune har opdateret "
        "den 1. juni 2009. Til gengæld går det frem på uddannelsesområdet: hovedindikatoren »Karaktergab« "
        "er faldet fra 0,50 til 0,40 siden 2007.")


def test_sparse_first_update_leads_with_its_largest_move_in_plain_words(tmp_path):
    from tests.conftest import write_barometer
    from tests.test_sparse import SPARSE_FILES

    folder = write_barometer(tmp_path / "sparse", SPARSE_FILES)
    _, doc = press_at(folder, read_barometer(folder).latest_update.id)
    assert doc.meta.title == "Andel med en ungdomsuddannelse stiger 6,4 procentpoint – tættere på målet"
    assert lead_text(doc) == ("Integrationsbarometret i Testrup Kommune er offentliggjort for første gang den "
                              "1. juni 2022. Andelen med en ungdomsuddannelse er steget med 6,4 procentpoint "
                              "fra 2012 til 2021.")


# --- the quote, the draft, the embargo's time and check's warnings ---------------------------------

def test_with_the_quote_and_a_contact_there_is_no_placeholder_and_no_draft(make_barometer, project, tmp_path):
    folder = make_barometer({"letters/letters.toml": (
        '[underskrift]\nnavn = "Ida Borgmester"\ntitel = "Borgmester"\n'
        '[presse]\nnavn = "Ida Test"\ntelefon = "11 22 33 44"\nembargo_kl = "9:30"\n'
        'citat = "Vi er på rette vej, men der er langt igen."\n')})
    _, doc = press_at(folder, "2009-06", project)
    assert doc.meta.label == "Pressemeddelelse" and "UDKAST" not in doc.meta.running_header
    text = doc_text(doc)
    assert QUOTE_PLACEHOLDER not in text and "[navn og telefon" not in text
    assert "»Vi er på rette vej, men der er langt igen«, siger borgmester Ida Borgmester." in text
    assert ("Embargo", "Må ikke offentliggøres før 1. juni 2009 kl. 09.30") in doc.meta.header_pairs
    pdf = flat(pdf_text(render_pdf(doc), tmp_path))
    assert "UDKAST" not in pdf and "[" not in pdf and "kl. 09.30" in pdf


def test_embargo_time_that_is_no_time_of_day_is_an_error(make_barometer, project):
    folder = make_barometer({"letters/letters.toml": '[presse]\nnavn = "Ida"\nembargo_kl = "om aftenen"\n'})
    with pytest.raises(TemplateError, match=r"\[presse\] embargo_kl skal være et klokkeslæt som \"17\.00\""):
        press_at(folder, "2009-06", project)


def test_check_warns_of_a_missing_quote_and_contact_but_does_not_refuse(make_barometer):
    run = [str(ROOT / ".venv" / "bin" / "python"), "-m", "reportgen.cli", "check"]
    done = subprocess.run([*run, str(DEMO)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "Data er gyldige." in done.stdout
    assert ("Advarsel: copenhagen/letters/letters.toml: [presse] citat mangler: pressemeddelelsen er et UDKAST"
            in done.stderr)
    assert "navn mangler" not in done.stderr and "telefon mangler" not in done.stderr
    bare = make_barometer()
    done = subprocess.run([*run, str(bare)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "[presse] navn mangler" in done.stderr and "[presse] telefon mangler" in done.stderr
    full = make_barometer({"letters/letters.toml": '[presse]\nnavn = "Ida"\ntelefon = "1"\ncitat = "Godt."\n'})
    done = subprocess.run([*run, str(full)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "[presse]" not in done.stderr and "Pressemeddelelse" not in done.stderr


# --- the administration's text blocks (tekster/) ---------------------------------------------------

def test_administrations_lead_replaces_the_computed_lead_and_area_blocks_join_the_facts(make_barometer, project):
    _, plain = press_at(make_barometer(), "2009-06", project)
    computed = lead_text(plain)
    plain_facts = ["".join(r.text for r in item)
                   for item in next(b for b in plain.blocks if isinstance(b, ListBlock)).items]
    folder = make_barometer({
        "tekster/2009-06/presse_indledning.md": "Krisen rammer *beskæftigelsen*, men uddannelse går frem.\n\n"
                                                 "Det viser barometret {{ i dag }}.\n",
        "tekster/2009-06/omraade_a.md": "Faldet skyldes krisen.\n",  # the story's area
        "tekster/2009-06/omraade_b.md": "Indsatsen i skolerne virker.\n",  # the good news' area
        "tekster/omraade_c.md": "",  # empty: nothing
    })
    _, doc = press_at(folder, "2009-06", project)
    lead = lead_text(doc)
    # The administration's own lead, its paragraphs as one, nothing run as a template; no computed lead.
    assert lead == "Krisen rammer beskæftigelsen, men uddannelse går frem. Det viser barometret {{ i dag }}."
    assert computed.split(". ")[0] not in doc_text(doc)
    facts = ["".join(r.text for r in item) for item in next(b for b in doc.blocks if isinstance(b, ListBlock)).items]
    # Each area's words after the computed facts on that area; every computed fact is kept.
    assert facts.index("Faldet skyldes krisen.") < facts.index("Indsatsen i skolerne virker.")
    assert facts.index("Indsatsen i skolerne virker.") == facts.index(
        "Hovedindikatoren »Karaktergab« viser et fald på 0,10 fra 2007 til 2008.") + 1
    # With its own lead, what the computed lead said is a fact: the development and the colour change
    # ("Dermed skifter …"), first; the computed facts follow (the last ones as room allows).
    assert facts[:3] == [
        "Hovedindikatoren »Andel beskæftigede« viser et fald på 0,5 procentpoint fra september 2008 til marts 2009.",
        "Siden opdateringen i december 2008 har to indsatsområder skiftet farve: Beskæftigelse fra grøn til rød "
        "og Uddannelse fra grå til grøn.",
        "Faldet skyldes krisen."]
    assert all(f in facts for f in plain_facts[:3]) and len(facts) == 7  # five computed, two blocks
    # An update without blocks keeps the computed lead.
    _, earlier = press_at(folder, "2008-12", project)
    assert "Krisen rammer" not in doc_text(earlier) and "Faldet skyldes krisen." not in doc_text(earlier)


def test_quote_without_underskrift_names_the_letters_signatory(make_barometer, project):
    # No [underskrift]: the owner committee's chair signs the letters, and says the quote.
    folder = make_barometer({"letters/letters.toml": '[presse]\nnavn = "Ida Test"\ntelefon = "1"\n'
                                                     'citat = "Vi holder fast i målet."\n'})
    _, doc = press_at(folder, "2009-06", project)
    quote = next(b for b in doc.blocks if isinstance(b, Paragraph) and b.style == "quote")
    assert "".join(r.text for r in quote.runs) == (
        "»Vi holder fast i målet«, siger Anna Andersen, formand for Beskæftigelses- og Integrationsudvalget.")
    # [underskrift] with a title that is no mayor's: the name first, the title after it.
    folder = make_barometer({"letters/letters.toml": '[underskrift]\nnavn = "Bo Berg"\n'
                                                     'titel = "Rådmand for Sociale Forhold"\n'})
    _, doc = press_at(folder, "2009-06", project)
    assert "siger Bo Berg, rådmand for Sociale Forhold." in doc_text(doc)
    # Nobody to name (no [underskrift], no chair): the quote stands without "siger", and check says so.
    folder = make_barometer({"committees.csv": "id,name,chair\nBIU,Beskæftigelses- og Integrationsudvalget,\n"
                                               "BUU,Børne- og Ungdomsudvalget,\n"})
    _, doc = press_at(folder, "2009-06", project)
    assert f"»{QUOTE_PLACEHOLDER}«." in doc_text(doc) and "siger" not in doc_text(doc)
    from reportgen.documents.press import press_warnings

    said = press_warnings(read_barometer(folder), project_dir=project)
    assert any("[underskrift] navn mangler" in w and "hvem der siger det" in w for w in said)
    assert not any("[underskrift]" in w for w in press_warnings(read_barometer(DEMO), project_dir=ROOT))


def test_may_2009_lead_says_the_fall_is_not_significant_with_danish_commas():
    _, doc = press_at(DEMO, "2009-05")
    lead = lead_text(doc)
    # the colour rests on a fall that is not significant: the reader is told so; a subject ending in
    # a relative clause takes its comma before the verb
    assert lead.startswith("Andelen af indvandrere og efterkommere, der vurderer eget helbred som godt eller "
                           "virkelig godt, er faldet med 0,8 procentpoint fra 2007 til 2008. Faldet er ikke "
                           "statistisk signifikant. Dermed skifter Sundhed fra grøn til gul")
    assert "der har oplevet diskrimination inden for det seneste år, er faldet fra 24,5 procent" in lead


def test_a_colour_the_administration_set_is_said_in_the_lead_with_its_reason(make_barometer, project):
    folder = make_barometer({"overrides.csv": "update,target,signal,reason\n2009-06,A,yellow,Faldet skyldes krisen\n"})
    _, doc = press_at(folder, "2009-06", project)
    assert doc.meta.title.startswith("Testbarometret: Stilstand på beskæftigelsesområdet")
    assert lead_text(doc).startswith(
        "Andelen af beskæftigede er faldet med 0,5 procentpoint fra september 2008 til marts 2009. Dermed skifter "
        "Beskæftigelse fra grøn til gul i testbarometret, som Testrup Kommune har opdateret den 1. juni 2009. "
        "Forvaltningen har vurderet signalet som gult (beregnet: rød): Faldet skyldes krisen.")


def test_the_lead_without_a_development_names_the_area_before_its_colours(make_barometer, project):
    # Only the colour changed (the administration's judgement, no new figures): "<area> skifter fra … til …"
    folder = make_barometer({"overrides.csv": "update,target,signal,reason\n2009-06,B,yellow,Vurderet lokalt\n",
                             "measurements.csv": "indicator,period,value,se,n,district,update\n"
                                                 "A1,2008-03,50.0,,,,2008-06\nA1,2008-09,51.0,,,,2008-12\n"
                                                 "B1,2007,0.50,,,,2008-06\nB1,2008,0.40,,,,2008-12\n"})
    _, doc = press_at(folder, "2009-06", project)
    lead = lead_text(doc)
    assert lead.startswith("Uddannelse skifter fra grøn til gul i testbarometret, som Testrup Kommune har "
                           "opdateret den 1. juni 2009."), lead
    assert "fra grøn til gul skifter" not in lead
