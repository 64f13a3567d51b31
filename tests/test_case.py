"""The committee case (documents/case.py, letters/case.md): the demo against the seed part by part,
its PDF and DOCX read back, decisions.csv, and a small municipality with no case text of its own."""
from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile

import pikepdf
import pytest
from docx import Document as DocxDocument
from docx.oxml.ns import qn

from reportgen.document import ListBlock, Paragraph, Signature
from reportgen.documents.bilag3 import build_bilag3
from reportgen.documents.case import build_case, render_case_text
from reportgen.errors import DataValidationError, TemplateError
from reportgen.narrate import narrate
from reportgen.render.docx import render_docx
from reportgen.render.pdf import render_pdf
from reportgen.rounds.pipeline import build, read_barometer
from reportgen.signals.assess import assess_history
from tests.conftest import DEMO, ROOT

# The seed: the real Copenhagen committee case of 3 December 2009, as its PDF export reads.
SEED_TEXT = (ROOT / "tests" / "golden" / "seed_case_2009-12.txt").read_text(encoding="utf-8")


def normal(text: str) -> str:
    """One line, one kind of dash and quote, one spelling of the barometer (the seed writes both
    "barometret" and "barometeret")."""
    text = text.replace("–", "-").replace("”", '"').replace("“", '"').replace("»", '"').replace("«", '"')
    text = text.replace("barometeret", "barometret")
    return " ".join(text.split())


def seed_text() -> str:
    """The seed as running text: the list numbers its PDF export put at line ends ("om 1.",
    "til2.", "mål?-") are dropped. Its "er det nye målinger" is read as the "er der" it means."""
    lines = []
    for line in SEED_TEXT.splitlines():
        line = re.sub(r"(?<=[^\d\s])\s*\d\.$|(?<=\s)\d\.$|(?<=\?)-$", "", line.rstrip())
        lines.append(line)
    return normal("\n".join(lines)).replace("er det nye målinger", "er der nye målinger")


# (heading in the seed, heading in ours): the seed's parts in order. The seed prints two headings in
# capitals and its decision date as 03.12.2009; ours are sentences and "3. december 2009".
PARTS = [
    ("BESLUTNING", "Indstilling og beslutning"),
    ("Problemstilling", "Problemstilling"),
    ("Løsning", "Løsning"),
    ("1. Seneste målinger", "1. Seneste målinger"),
    ("Beskæftigelse (rød)", "Beskæftigelse (rød)"),
    ("Uddannelse (gul)", "Uddannelse (gul)"),
    ("Bolig (grøn)", "Bolig (grøn)"),
    ("Kultur og Fritid (gul)", "Kultur og fritid (gul)"),
    ("Sundhed (gul)", "Sundhed (gul)"),
    ("Tryghed (grønt)", "Tryghed (grøn)"),
    ("2. Historik", "2. Historik"),
    ("3. Temaer til drøftelse", "3. Temaer til drøftelse"),
    ("ØKONOMI", "Økonomi"),
    ("Videre proces", "Videre proces"),
    ("Bilag", "Bilag"),
    ("Beskæftigelses- og Integrationsudvalgets beslutning den 03.12.2009",
     "Beskæftigelses- og Integrationsudvalgets beslutning den 3. december 2009"),
]

# The key sentences of each part, as both the seed and the generated case write them.
KEY_SENTENCES: dict[str, tuple[str, ...]] = {
    "Indstilling og beslutning": (
        "Beskæftigelses- og Integrationsforvaltningen indstiller,",
        "At Beskæftigelses- og Integrationsudvalget tager den vedlagte orientering om seneste målinger i "
        "integrationsbarometret til efterretning.",
        "At Beskæftigelses- og Integrationsudvalget godkender vedlagte forslag til opfølgning til de relevante "
        "udvalg på de opdaterede målinger i barometret.",
        "At Beskæftigelses- og Integrationsudvalget drøfter de vigtigste erfaringer med barometret og "
        "videregiver bilag 3 til det nye",
    ),
    "Problemstilling": (
        "De seneste målinger på integrationsbarometrets indikatorer offentliggøres på barometrets hjemmeside",
        # the administration's block tidligere_beslutning
        "Udvalget har den 24. september 2009 besluttet, at der i forbindelse med barometeropdateringen skal "
        "være en kort temadrøftelse om de vigtigste erfaringer med barometret med henblik på videregivelse "
        "til det nye udvalg.",
    ),
    "1. Seneste målinger": (
        "markeres med signalfarverne grøn, gul og rød, der viser, om der er fremskridt, stilstand eller "
        "tilbagegang i forhold til",
        "Farven på et indsatsområde afhænger af en eller flere hovedindikatorers udvikling.",
        "Ved opdateringen i december 2009 er der nye målinger inden for tre indsatsområder: Beskæftigelse, "
        "Uddannelse og Bolig.",
        "Farven på de tre øvrige indsatsområder - Kultur og fritid, Sundhed og Tryghed - er overført fra "
        "opdateringen i maj 2009.",
    ),
    "Beskæftigelse (rød)": (
        "Der noteres tilbagegang på beskæftigelsesområdet.",
        "viser et fald på 3,0 procentpoint fra februar 2009 til august 2009. Der er 5,5 procentpoint til målet "
        "for december 2010 på 64,8 procent.",
        "Faldet skyldes utvivlsomt krisen.",
        "Beskæftigelses- og Integrationsforvaltningen vurderer, at der ikke længere er mulighed for at nå målet "
        "om en forøgelse af beskæftigelsesfrekvensen for indvandrere på 10 procentpoint inden udgangen af 2010.",
    ),
    "Uddannelse (gul)": (
        "Gabet mellem et- og tosprogede elevers karaktergennemsnit ved Folkeskolens Afgangsprøve",
        "0,78", "er ikke signifikant",
        "Ved første måling i 2006 var karaktergabet 0,47.",
        "Karaktergennemsnittet for 9. klasse i 2009 var for etsprogede elever på 5,96, mens det for tosprogede "
        "elever var på 5,20.",
    ),
    "Bolig (grøn)": (
        "Der er trods krisen registreret fremgang på boligområdet",  # block omraade_bol
        "0,8 procentpoint", "december 2008 til juni 2009",
        "antallet af udsatte områder i barometrets levetid er faldet fra 5 til 2 og antallet af boliger i "
        "udsatte områder er faldet fra 4.793 til 2.919.",
    ),
    "Kultur og fritid (gul)": (  # block omraade_kul
        "I perioden fra den sidste barometermåling i maj 2009 og til november 2009 er der ikke rapporteret "
        "data for hovedindikatorerne på indsatsområdet. Signalfarven gul fra opdateringen i maj fastholdes derfor.",
    ),
    "Sundhed (gul)": ("Ingen nye data.",),
    "Tryghed (grøn)": ("Ingen nye data.",),
    "2. Historik": (
        "gik i luften første gang i juni 2007",
        # the seed's "de 6 indsatsområder" is "de seks" by the number rule (docs/writing.md)
        "I dag måles der på 33 indikatorer fordelt på de",
        "indsatsområder i Integrationspolitikken",
        # the blocks baggrund, opfoelgning, modtagelse and udvikling
        "blev besluttet i juni 2006 i Borgerrepræsentationen i forbindelse med vedtagelsen af "
        "Integrationspolitikken 2007-2010.",
        "Udviklingen af barometret skete i samarbejde med Rambøll Management og de øvrige fagforvaltninger",
        "a) Opfølgningskadence: Med halvårlige målinger",
        "Således var barometret nomineret til KL",
        "Integrationsministeriet har planer om et",
        "BIU har bl.a. besluttet en inklusionsindikator",
    ),
    "3. Temaer til drøftelse": (
        "De sidste 4 år har givet en række erfaringer med barometret",  # the committee's term
        "som udvalget kan drøfte",
        "(1) Hvordan får vi de øvrige udvalg og fagforvaltninger til i højere grad",
        "(2) Hvordan sikres det, at barometret er tilstrækkeligt overskueligt?",
        "(3) Hvordan sikrer vi, at den politiske drøftelse handler om politik",
        "Har vi sat de rigtige mål?", "Bruger vi de rigtige ressourcer?", "Hvordan skaber vi fornyet fremdrift?",
    ),
    "Økonomi": ("Indstillingen har ingen økonomiske konsekvenser.",),
    "Videre proces": (
        "Under forudsætning af Beskæftigelses- og Integrationsudvalgets godkendelse sendes de vedlagte breve "
        "til fagudvalgene, og",
        "som tiltræder 1. januar 2010.",  # updates.csv new_committee
    ),
    "Bilag": (
        "Orientering om status og udvikling på indikatorer i integrationsbarometret",
        "Borgmesterbrev til fagudvalg",
        "Forslag til gode råd om integrationsbarometret til det nye Beskæftigelses- og Integrationsudvalg",
        "Morten Binder", "Kaj Ove Christiansen",
    ),
    "Beskæftigelses- og Integrationsudvalgets beslutning den 3. december 2009": (
        "1. at blev taget til efterretning", "2. at blev godkendt", "3. at blev drøftet",
        "Kontorchef Jacob Eberholst deltog under behandlingen af punktet.",  # block beslutning_note
    ),
}


def split_parts(text: str, headings: list[str]) -> dict[str, str]:
    """``text`` cut at each heading, found in order; a heading out of order fails the test."""
    found, start = [], 0
    for heading in headings:
        at = text.find(heading, start)
        assert at >= 0, f"heading {heading!r} missing or out of order"
        found.append(at)
        start = at + len(heading)
    ends = [*found[1:], len(text)]
    return {h: text[a + len(h):e] for h, a, e in zip(headings, found, ends, strict=True)}


@pytest.fixture(scope="module")
def demo():
    barometer = read_barometer(DEMO)
    history = assess_history(barometer)
    assessment = history[barometer.update("2009-12").index]
    return barometer, history, assessment, narrate(barometer, assessment, history)


@pytest.fixture(scope="module")
def case(demo):
    return build_case(*demo, project_dir=ROOT)


@pytest.fixture(scope="module")
def case_pdf(case) -> bytes:
    return render_pdf(case)


@pytest.fixture(scope="module")
def case_docx(case) -> bytes:
    return render_docx(case)


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in DocxDocument(io.BytesIO(data)).paragraphs)


# --------------------------------------------------------------------------------------------------
# The demo against the seed

def test_the_expected_parts_and_sentences_are_the_seeds_own():
    """Guards the test itself: every heading and key sentence below is in the seed, in its part."""
    parts = split_parts(seed_text(), [seed for seed, _ in PARTS])
    ours_to_seed = {ours: seed for seed, ours in PARTS}
    for ours, sentences in KEY_SENTENCES.items():
        for sentence in sentences:
            assert normal(sentence) in parts[ours_to_seed[ours]], (ours, sentence)


@pytest.mark.parametrize("reader", ["pdf", "docx"])
def test_demo_case_has_the_seeds_parts_in_order_and_its_key_sentences(reader, case_pdf, case_docx):
    text = normal(pdf_text(case_pdf) if reader == "pdf" else docx_text(case_docx))
    assert text.find("10. Integrationsbarometer - status og oplæg til drøftelse (2009-161791)") >= 0
    assert "Status på indsatsen med henvisning til de opdaterede målinger i integrationsbarometret" in text
    parts = split_parts(text, [ours for _, ours in PARTS])
    for heading, sentences in KEY_SENTENCES.items():
        for sentence in sentences:
            assert normal(sentence) in parts[heading], (heading, sentence)
    for bad in ("None", "nan", "True", "False", "{{", "[["):
        assert f" {bad} " not in f" {text} "


def test_demo_case_blocks_in_the_seeds_order(case):
    """Headings, the at-points as one numbered list of three, the appendices as another."""
    assert case.meta.label == "Indstilling" and case.meta.kind == "case"
    assert [h.text.replace("\u00a0", " ") for h in case.headings if h.level == 1] == [
        "Indstilling og beslutning", "Problemstilling", "Løsning", "Økonomi", "Videre proces", "Bilag",
        "Beskæftigelses- og Integrationsudvalgets beslutning den 3. december 2009"]
    assert [h.text for h in case.headings if h.level == 2] == [
        "1. Seneste målinger", "2. Historik", "3. Temaer til drøftelse – udfordringer og erfaringer"]
    lists = [b for b in case.blocks if isinstance(b, ListBlock) and b.ordered]
    assert len(lists[0].items) == 3 and all(item[0].text.startswith("At ") for item in lists[0].items)
    assert [item[0].text for item in lists[-1].items] == [
        "Orientering om status og udvikling på indikatorer i integrationsbarometret",
        "Borgmesterbrev til fagudvalgene",
        "Forslag til gode råd om integrationsbarometret til det nye Beskæftigelses- og Integrationsudvalg"]
    signature = next(b for b in case.blocks if isinstance(b, Signature))
    assert signature.name == "Morten Binder / Kaj Ove Christiansen"
    assert signature.title == "Beskæftigelses- og Integrationsforvaltningen"  # the administration signs


def test_area_paragraphs_are_bilag_1s_own_with_the_level_where_nothing_else_gives_it(case, demo):
    narrative = demo[3]
    paragraphs = ["".join(r.text for r in b.runs) for b in case.blocks if isinstance(b, Paragraph)]
    assert narrative.indicators["BES1"].paragraph in paragraphs  # the employment paragraph, unchanged
    assert narrative.areas["BES"].paragraphs[1] in paragraphs  # the administration's assessment
    grade = next(p for p in paragraphs if p.startswith("Hovedindikatoren »Gabet"))
    assert "er ikke signifikant. I 2009 var tallet 0,78. Der er 0,54 karakterpoint til målet for 2010 på 0,24" in grade


def test_carried_areas_say_no_new_data_and_the_case_never_points_at_a_table_it_lacks(case):
    text = " ".join("".join(r.text for r in b.runs) for b in case.blocks if isinstance(b, Paragraph))
    assert "felter i tabellen" not in text  # Bilag 3's wording; the case has no colour table
    assert "Af de 36 farver, indsatsområderne har fået ved de seks opdateringer, er elleve overført" in text


# --------------------------------------------------------------------------------------------------
# The PDF and the DOCX

def test_case_pdf_is_tagged_and_embeds_its_fonts(case_pdf):
    with pikepdf.open(io.BytesIO(case_pdf)) as pdf:
        assert "/StructTreeRoot" in pdf.Root and str(pdf.Root.Lang) == "da"
        assert 2 <= len(pdf.pages) <= 6
    fonts = subprocess.run(["pdffonts", "-"], input=case_pdf, capture_output=True, check=True).stdout.decode()
    assert "Carlito" in fonts and " no " not in fonts.split("\n", 2)[2].replace("yes no", "")


def test_case_docx_has_real_headings_a_numbered_list_and_no_text_boxes(case_docx):
    docx = DocxDocument(io.BytesIO(case_docx))
    headings = [(p.style.name, p.text) for p in docx.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:4] == [("Heading 1", "Indstilling og beslutning"), ("Heading 1", "Problemstilling"),
                            ("Heading 1", "Løsning"), ("Heading 2", "1. Seneste målinger")]
    assert ("Heading 3", "Beskæftigelse (rød)") in headings
    points = [p for p in docx.paragraphs if p.text.startswith("At Beskæftigelses- og Integrationsudvalget")]
    assert len(points) == 3
    numbering = docx.part.numbering_part.element
    for p in points:
        assert p.style.name == "List Number"
        num_pr = p._p.pPr.find(qn("w:numPr"))
        if num_pr is None:  # numbered through its style, as Word's own List Number is
            num_pr = p.style.element.pPr.find(qn("w:numPr"))
        num_id = num_pr.find(qn("w:numId")).get(qn("w:val"))
        num = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == num_id)
        abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
        abstract = next(a for a in numbering.findall(qn("w:abstractNum"))
                        if a.get(qn("w:abstractNumId")) == abstract_id)
        assert abstract.find(qn("w:lvl")).find(qn("w:numFmt")).get(qn("w:val")) == "decimal"
    body = docx.element.body
    for tag in ("w:txbxContent", "w:framePr", "wp:anchor", "w:pict"):
        assert not body.findall(".//" + qn(tag)), tag
    assert "AlternateContent" not in body.xml
    assert "TOC" not in docx.element.xml  # a case is pasted into the case system: no contents field


def test_the_signature_and_decision_stand_with_the_bilag_list(case, case_pdf, case_docx):
    """The Bilag list, the signature and the decision are kept on one page (the demo's used to leave
    the signature and decision alone on page 5): in the PDF one unbroken block, in Word each of their
    paragraphs kept with the next."""
    assert case.meta.keep_together_tail == 8  # Bilag, its list, signature, decision heading, 3 points, note
    pages = pdf_text(case_pdf).split("\f")
    signed = [i for i, page in enumerate(pages) if "Morten Binder / Kaj Ove Christiansen" in page]
    assert len(signed) == 1
    page = normal(pages[signed[0]])
    assert "\nBilag\n" in pages[signed[0]]
    for text in ("Borgmesterbrev til fagudvalgene", "beslutning den", "3. at blev drøftet",
                 "Kontorchef Jacob Eberholst deltog under behandlingen af punktet."):
        assert text in page, text
    paragraphs = DocxDocument(io.BytesIO(case_docx)).paragraphs
    start = max(i for i, p in enumerate(paragraphs) if p.text == "Bilag")
    kept = paragraphs[start:]
    assert kept[-1].text.startswith("Kontorchef") and not kept[-1].paragraph_format.keep_with_next
    assert all(p.paragraph_format.keep_with_next for p in kept[:-1]), [p.text for p in kept]
    assert not any(p.paragraph_format.keep_with_next for p in paragraphs[:start] if p.style.name == "Normal")


def test_libreoffice_converts_the_case_docx(case_docx, tmp_path):
    source = tmp_path / "sag.docx"
    source.write_bytes(case_docx)
    run = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "lo"), str(source)],
        capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    text = normal(subprocess.run(["pdftotext", str(tmp_path / "lo" / "sag.pdf"), "-"], capture_output=True,
                                 text=True, check=True).stdout)
    assert "Indstillingen har ingen økonomiske konsekvenser." in text
    assert "1. At Beskæftigelses- og Integrationsudvalget tager den vedlagte orientering" in text


def test_case_renders_the_same_bytes_twice(case, case_docx):
    assert render_docx(case) == case_docx


# --------------------------------------------------------------------------------------------------
# letters/case.md

def test_project_letters_stay_generic():
    for name in ("case.md", "letters.toml"):  # README.md shows the demo's values as examples
        text = (ROOT / "letters" / name).read_text(encoding="utf-8")
        for word in ("Morten Binder", "Kaj Ove", "2009-161791"):
            assert word not in text, (name, word)


def test_a_barometers_own_case_text_wins_and_errors_name_its_line(make_barometer):
    own = make_barometer({"letters/case.md": "Egen titel\n\n# Indstilling\n\n{{ forvaltning }} indstiller.\n"})
    doc = render_case_text(read_barometer(own), project_dir=ROOT)
    assert doc.meta.title == "Egen titel"
    assert [h.text for h in doc.headings] == ["Indstilling"]
    broken = make_barometer({"letters/case.md": "Titel\n\n# Indstilling\n\n{{ forvaltningen }}\n"})
    with pytest.raises(TemplateError, match=r"letters/case\.md:5: ukendt variabel 'forvaltningen'"):
        render_case_text(read_barometer(broken), project_dir=ROOT)


# --------------------------------------------------------------------------------------------------
# The administration's text blocks (tekster/)

def _paragraphs(doc) -> list[str]:
    return ["".join(r.text for r in b.runs) for b in doc.blocks if isinstance(b, Paragraph)]


def test_blocks_replace_the_computed_text_and_the_updates_own_wins(make_barometer):
    plain = _paragraphs(render_case_text(read_barometer(make_barometer()), project_dir=ROOT))
    assert any("gik i luften første gang" in p for p in plain)
    folder = make_barometer({
        "tekster/baggrund.md": "Barometret blev besluttet af byrådet.\n",
        "tekster/beslutning_note.md": "Fælles note.\n",
        "tekster/2009-06/beslutning_note.md": "Kontorchef A deltog.\n",
        "tekster/2009-06/udvikling.md": "",  # empty: nothing, the computed text stands
        "decisions.csv": "update,point,decision\n2009-06,1,blev taget til efterretning\n",
    })
    doc = render_case_text(read_barometer(folder), project_dir=ROOT)
    text = _paragraphs(doc)
    assert "Barometret blev besluttet af byrådet." in text
    assert not any("gik i luften første gang" in p for p in text)  # the block's place, not both
    assert text[-1] == "Kontorchef A deltog." and "Fælles note." not in text


def test_a_block_is_text_never_a_template(make_barometer):
    folder = make_barometer({"tekster/baggrund.md": "Se {{ kommune }} og {% if x %}.\n\n[[temaer]]\n"})
    text = _paragraphs(render_case_text(read_barometer(folder), project_dir=ROOT))
    assert "Se {{ kommune }} og {% if x %}." in text and "[[temaer]]" in text


def test_area_block_stands_in_place_of_the_summary(make_barometer):
    barometer = read_barometer(make_barometer())
    area = barometer.areas[0]
    folder = make_barometer({f"tekster/omraade_{area.id.lower()}.md": "Trods krisen går det fremad.\n"})
    doc = render_case_text(read_barometer(folder), project_dir=ROOT)
    blocks = list(doc.blocks)
    at = next(i for i, b in enumerate(blocks) if getattr(b, "text", "").startswith(area.name + " ("))
    assert "".join(r.text for r in blocks[at + 1].runs) == "Trods krisen går det fremad."


def test_check_warns_on_unknown_empty_and_template_blocks(make_barometer):
    from reportgen.rounds.preflight import warnings

    folder = make_barometer({"tekster/baggrnd.md": "x\n", "tekster/udvikling.md": "  \n",
                             "tekster/modtagelse.md": "a\nHej {{ navn }}\n", "tekster/1999-01/baggrund.md": "x\n"})
    lines = warnings(read_barometer(folder), project_dir=ROOT)
    assert any("tekster/baggrnd.md: ukendt tekstblok »baggrnd«" in w and "mente du »baggrund«" in w for w in lines)
    assert any("tekster/udvikling.md: filen er tom" in w for w in lines)
    assert any("tekster/modtagelse.md:2: tekstblokke kører ikke skabelonkode" in w for w in lines)
    assert any("tekster/1999-01/: ingen opdatering hedder 1999-01" in w for w in lines)
    assert not [w for w in warnings(read_barometer(DEMO), project_dir=ROOT) if "tekster" in w]


def test_the_new_committee_is_a_setting_of_the_update(make_barometer):
    """Without updates.csv's new_committee the case hands nothing over to "det nye … udvalg"."""
    doc = render_case_text(read_barometer(make_barometer()), project_dir=ROOT)
    text = " ".join(_paragraphs(doc)) + " ".join(
        "".join(r.text for r in item) for b in doc.blocks if isinstance(b, ListBlock) for item in b.items)
    assert "det nye" not in text and "udvalget kan drøfte" in text


# --------------------------------------------------------------------------------------------------
# decisions.csv

DECISIONS = """\
    update,point,decision,decided_on
    2008-12,1,blev taget til efterretning,
    2008-12,2,blev godkendt,
    2008-12,3,blev drøftet,2008-12-11
    """


def test_decisions_close_the_case_and_reach_the_next_update(make_barometer):
    barometer = read_barometer(make_barometer({"decisions.csv": DECISIONS}))
    assert [(d.point, d.text) for d in barometer.decisions_of("2008-12")] == [
        (1, "blev taget til efterretning"), (2, "blev godkendt"), (3, "blev drøftet")]
    december = render_case_text(barometer, project_dir=ROOT, update_id="2008-12")
    # the date is kept together with no-break spaces, so the heading never wraps inside it
    assert december.headings[-1].text == ("Beskæftigelses- og Integrationsudvalgets beslutning den "
                                          "1.\u00a0december\u00a02008")
    tail = ["".join(r.text for r in b.runs) for b in december.blocks[-3:]]
    assert tail == ["1. at blev taget til efterretning", "2. at blev godkendt", "3. at blev drøftet"]

    june = render_case_text(barometer, project_dir=ROOT, update_id="2009-06")
    text = " ".join("".join(r.text for r in b.runs) for b in june.blocks if isinstance(b, Paragraph))
    said = ("Udvalget besluttede den 1. december 2008 om opdateringen i december 2008: punkt 1 blev taget til "
            "efterretning og punkt 2 blev godkendt. Udvalget besluttede den 11. december 2008 om opdateringen i "
            "december 2008: punkt 3 blev drøftet.")
    assert said in text
    assert "beslutning den" not in " ".join(h.text for h in june.headings)  # nothing decided on June yet

    history = assess_history(barometer)
    assessment = history[2]
    bilag3 = build_bilag3(barometer, history, assessment, narrate(barometer, assessment, history),
                          project_dir=ROOT)
    assert said in " ".join("".join(r.text for r in b.runs) for b in bilag3.blocks if isinstance(b, Paragraph))


def test_a_new_barometer_folder_has_a_decisions_table(tmp_path):
    from reportgen.inputs.model import Decision
    from reportgen.rounds.init import init_barometer

    init_barometer(tmp_path / "ny", municipality="Aarhus Kommune")
    assert read_barometer(tmp_path / "ny").decisions == (Decision("2025-06", 1, "blev taget til efterretning"),)


def test_decisions_are_validated_with_located_errors(make_barometer):
    folder = make_barometer({"decisions.csv": """\
        update,point,decision
        2010-01,1,blev taget til efterretning
        2008-12,4,blev godkendt
        2008-12,1,
        2008-12,x,blev drøftet
        2008-12,2,blev godkendt
        2008-12,2,blev drøftet
        """})
    with pytest.raises(DataValidationError) as err:
        read_barometer(folder)
    lines = [str(i) for i in err.value.issues]
    assert lines[0].startswith('decisions.csv:2: update: ukendt opdatering "2010-01"'), lines
    assert lines[1] == ("decisions.csv:3: point: indstillingen har 3 at-punkter, så der er intet punkt 4: "
                        "skriv et tal fra 1 til 3")
    assert lines[2] == "decisions.csv:4: decision: skal udfyldes, men er tom"
    assert lines[3].startswith("decisions.csv:5: point:") and '"x"' in lines[3], lines
    assert lines[4].startswith("decisions.csv:7: point: beslutningen for opdatering 2008-12 og punkt 2 står der "
                               "to gange")
    assert len(lines) == 5


def test_a_broken_indicators_table_sets_off_no_follow_up_error_on_the_points(make_barometer):
    indicators = """\
        id,area,name,main,unit,direction,decimals,committee
        A1,A,Andel beskæftigede,yes,percent,up,1,BIU
        B1,B,Karaktergab,yes,value,down,2,BUX
        """
    folder = make_barometer({"indicators.csv": indicators,
                             "decisions.csv": "update,point,decision\n2008-12,3,blev drøftet\n"})
    with pytest.raises(DataValidationError) as err:
        read_barometer(folder)
    assert not [i for i in err.value.issues if i.file == "decisions.csv"]


def test_without_letters_the_case_has_two_at_points(make_barometer):
    """Every indicator under the owner: no letters, so no point on them and no Bilag 2."""
    indicators = """\
        id,area,name,main,unit,direction,decimals,committee
        A1,A,Andel beskæftigede,yes,percent,up,1,BIU
        B1,B,Karaktergab,yes,value,down,2,BIU
        """
    folder = make_barometer({"indicators.csv": indicators,
                             "decisions.csv": "update,point,decision\n2009-06,3,blev drøftet\n"})
    with pytest.raises(DataValidationError, match="indstillingen har 2 at-punkter, så der er intet punkt 3"):
        read_barometer(folder)
    barometer = read_barometer(make_barometer({"indicators.csv": indicators}))
    doc = render_case_text(barometer, project_dir=ROOT)
    lists = [b for b in doc.blocks if isinstance(b, ListBlock) and b.ordered]
    assert len(lists[0].items) == 2
    assert [item[0].text for item in lists[-1].items] == [
        "Orientering om status og udvikling på indikatorer i testbarometret",
        "Forslag til gode råd om testbarometret til Beskæftigelses- og Integrationsudvalget"]
    text = " ".join("".join(r.text for r in b.runs) for b in doc.blocks if isinstance(b, Paragraph))
    assert "breve" not in text


# --------------------------------------------------------------------------------------------------
# A small municipality with no case text of its own, built end to end

@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    from tests.conftest import write_barometer

    folder = write_barometer(tmp_path_factory.mktemp("small") / "testrup")
    return build(folder, out_root=tmp_path_factory.mktemp("out"), use_cache=False)


def test_small_municipality_gets_a_sensible_case(small_build):
    out = small_build.out_dir
    text = normal(pdf_text((out / "sag.pdf").read_bytes()))
    split_parts(text, ["Indstilling og beslutning", "Problemstilling", "Løsning", "1. Seneste målinger",
                       "2. Historik", "3. Temaer til drøftelse", "Økonomi", "Videre proces", "Bilag"])
    assert "Testbarometer - status og oplæg til drøftelse" in text
    assert "Testrup Kommune indstiller," in text
    assert ("1. At Beskæftigelses- og Integrationsudvalget tager den vedlagte orientering om seneste målinger i "
            "testbarometret til efterretning.") in text
    assert "Indstillingen har ingen økonomiske konsekvenser." in text
    assert "Orientering om status og udvikling på indikatorer i testbarometret" in text
    # signed by the administration (here the municipality, as barometer.toml names none): no names
    for copenhagen in ("Morten Binder", "Kaj Ove", "København", "2009-161791", "Jakob Hougaard"):
        assert copenhagen not in text
    docx = DocxDocument(out / "sag.docx")
    assert [p.text for p in docx.paragraphs if p.style.name == "Signer"] == ["Testrup Kommune"]


def test_pack_opens_with_the_case_and_every_list_has_it(small_build):
    out = small_build.out_dir
    with pikepdf.open(out / "pack.pdf") as pdf, pdf.open_outline() as outline:
        titles = [item.title for item in outline.root]
    assert titles[0] == "Forside og indhold"
    assert titles[1].startswith("Indstilling: Testbarometer – status og oplæg til drøftelse")
    assert titles[2].startswith("Bilag 1")
    contents = normal(subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(out / "pack.pdf"), "-"],
                                     capture_output=True, text=True, check=True).stdout)
    assert contents.index("Indstilling: Testbarometer") < contents.index("Bilag 1:")
    assert "Indstillingen har ingen økonomiske konsekvenser." in normal(subprocess.run(
        ["pdftotext", "-f", "3", "-l", "6", str(out / "pack.pdf"), "-"], capture_output=True, text=True,
        check=True).stdout)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = json.dumps(manifest)
    assert '"sag.pdf"' in listed and '"sag.docx"' in listed
    with zipfile.ZipFile(out / "pack.zip") as archive:
        assert {"sag.pdf", "sag.docx"} <= set(archive.namelist())
    index = (out / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="../sag.pdf"' in index and 'href="../sag.docx"' in index
