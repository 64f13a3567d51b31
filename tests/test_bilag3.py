"""Bilag 3 on the Copenhagen demo at December 2009: computed facts, editable themes, PDF and DOCX."""
from __future__ import annotations

import dataclasses
import io
import re
import subprocess

import pytest

from reportgen import palette
from reportgen.document import Heading, ListBlock, Paragraph, Table
from reportgen.documents.bilag3 import NameList, build_bilag3, months_text, years_text
from reportgen.documents.common import committee_indefinite
from reportgen.errors import TemplateError
from reportgen.inputs import read_barometer
from reportgen.narrate import danish as da
from reportgen.narrate import narrate
from reportgen.render.docx import render_docx
from reportgen.render.pdf import render_pdf
from reportgen.signals.assess import assess_history
from tests.barometer_builders import barometer, indicator, m
from tests.conftest import DEMO, ROOT

UPDATE = "2009-12"
BES1 = "Andel beskæftigede indvandrere/efterkommere i København"
QUESTIONS = ("Har vi sat de rigtige mål?", "Bruger vi de rigtige ressourcer?",
             "Hvordan skaber vi fornyet fremdrift?")
TITLE = ("Forslag til gode råd om integrationsbarometret til det nye Beskæftigelses- og "
         "Integrationsudvalg")


@pytest.fixture(scope="module")
def demo():
    b = read_barometer(DEMO)
    history = assess_history(b)
    assessment = history[b.update(UPDATE).index]
    return b, history, assessment, narrate(b, assessment, history)


@pytest.fixture(scope="module")
def doc(demo):
    b, history, assessment, narrative = demo
    return build_bilag3(b, history, assessment, narrative, project_dir=ROOT)


def _text(block) -> str:
    if isinstance(block, Paragraph):
        return "".join(r.text for r in block.runs)
    if isinstance(block, ListBlock):
        return "\n".join("".join(r.text for r in item) for item in block.items)
    if isinstance(block, Heading):
        return block.text
    return ""


def _all_text(doc) -> str:
    parts = [_text(b) for b in doc.blocks]
    for t in (b for b in doc.blocks if isinstance(b, Table)):
        parts += [" ".join(t.header), *(" ".join(c.text for c in row) for row in t.rows), t.caption or "",
                  t.note or ""]
    return "\n".join(parts)


def _table(doc, first_header: str, second: str | None = None) -> Table:
    found = [b for b in doc.blocks if isinstance(b, Table) and b.header[0] == first_header
             and (second is None or b.header[1] == second)]
    assert len(found) == 1, [b.header for b in doc.blocks if isinstance(b, Table)]
    return found[0]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_label_title_and_header(doc):
    assert doc.slug == "bilag3"
    assert doc.meta.label == "Bilag 3"
    assert doc.meta.title == TITLE
    assert ("Dato", "3. december 2009") in doc.meta.header_pairs
    assert ("Sagsnr.", "2009-161791") in doc.meta.header_pairs


def test_lifetime_sentences(doc, demo):
    b = demo[0]
    text = _all_text(doc)
    # the administration's own origin (tekster/baggrund.md) in place of the computed start sentence
    assert "Integrationsbarometret gik i luften første gang i juni 2007." not in text
    assert "Integrationsbarometret blev besluttet i juni 2006 i Borgerrepræsentationen" in text
    assert "i alt seks opdateringer fra juni 2007 til december 2009" in text and len(b.updates) == 6
    assert "fordelt på de seks indsatsområder" in text and "Heraf er syv hovedindikatorer" in text
    assert ("I dag måles der på 33 indikatorer fordelt på de seks indsatsområder i "
            "Integrationspolitikken 2007-2010.") in text
    districts = sum(1 for i in b.indicators if i.districts)
    assert districts == 13 and f"og {districts} har tal pr. bydel" in text


def test_colour_grid_is_areas_by_updates(doc, demo):
    b, history, _, _ = demo
    grid = _table(doc, "Indsatsområde", "Juni 2007")
    assert grid.header[1:] == tuple(u.label for u in b.updates)
    assert len(grid.header) == 7 and len(grid.rows) == 6
    for area, row in zip(b.areas, grid.rows, strict=True):
        assert row[0].text == area.name
        for a, cell in zip(history, row[1:], strict=True):
            r = a.area(area.id)
            look = palette.style(r.signal)
            carried = " (overført)" if r.carried_over else ""
            assert cell.text == f"{look.symbol} {da.capitalize(look.word)}{carried}"
            assert cell.fill == look.tint
    bes = next(row for row in grid.rows if row[0].text == "Beskæftigelse")
    assert bes[-1].text == "↓ Rød" and bes[-2].text == "↑ Grøn"
    kul = next(row for row in grid.rows if row[0].text == "Kultur og fritid")
    assert kul[-1].text.endswith("(overført)")  # no new figures in December 2009, as the seed says
    assert "Overført" in grid.note and grid.caption


def test_colour_summary_names_red_and_changed_areas(doc):
    text = _all_text(doc)
    assert "Beskæftigelse (december 2009) og Uddannelse (december 2007 og maj 2008) har været røde." in text
    assert "dårligere for Beskæftigelse og Sundhed" in text


def test_carried_indicators_listed(doc, demo):
    b, history, _, _ = demo
    table = _table(doc, "Indikator", "Indsatsområde")
    def longest_run(ind_id: str) -> int:
        best = run = 0
        for a in history:
            run = run + 1 if a.indicator(ind_id).carried_over else 0
            best = max(best, run)
        return best

    expected = [i.name for i in b.indicators if longest_run(i.id) >= 2]
    assert [row[0].text for row in table.rows] == expected
    kul4 = table.rows[0]
    assert kul4[2].text == "5" and kul4[4].text == "juni 2007"


def test_employment_target_not_reachable(doc, demo):
    _, _, assessment, _ = demo
    table = _table(doc, "Indikator", "Seneste tal")
    # cells keep a value and its period on one line with no-break spaces
    rows = {row[0].text: [c.text.replace("\u00a0", " ").replace("\u2060", "") for c in row[1:]]
            for row in table.rows}
    assert rows[BES1] == ["59,3 % (aug. 2009)", "64,8 %", "5,5 pct.-point", "december 2010"]
    off = {r.indicator for r in assessment.indicators if r.on_track is False and r.remaining > 0}
    assert len(rows) == len(off)
    text = _all_text(doc)
    assert (f"{BES1}: Der er 5,5 procentpoint til målet for december 2010 på 64,8 procent. Udviklingen går "
            "den forkerte vej i forhold til målet inden december 2010.") in text


def test_data_age_split(doc, demo):
    b = demo[0]
    table = _table(doc, "Kilder")
    rows = {row[0].text: [c.text for c in row[1:]] for row in table.rows}
    locals_ = sum(1 for i in b.indicators if i.source_type == "local")
    assert rows["Lokale kilder"][0] == str(locals_)
    assert rows["Nationale kilder"][0] == str(len(b.indicators) - locals_)
    assert rows["Nationale kilder"][1] == "18 måneder (1½ år)"  # the seed: national data are 1½-2 years old
    assert "typisk 18 måneder (1½ år) gammelt" in _all_text(doc)


def test_committee_table_matches_assessment(doc, demo):
    b, _, assessment, _ = demo
    table = _table(doc, "Udvalg")
    assert table.header == ("Udvalg", "Indikatorer", "Røde")
    rows = {row[0].text: (row[1].text, row[2].text) for row in table.rows}
    for c in b.committees:
        own = b.indicators_of_committee(c.id)
        if own:
            red = sum(1 for i in own if assessment.indicator(i.id).signal == "red")
            assert rows.pop(c.name) == (str(len(own)), str(red))
    total_red = sum(1 for r in assessment.indicators if r.signal == "red")
    assert rows == {"I alt": (str(len(b.indicators)), str(total_red))}


def test_discussion_themes_from_advice_md(doc):
    text = _all_text(doc)
    headings = [h.text for h in doc.headings]
    assert "Temaer til drøftelse – udfordringer og erfaringer" in headings
    assert any(h.startswith("(1) Hvordan får vi de øvrige udvalg") for h in headings)
    assert any(h.startswith("(2) Hvordan sikres det, at barometret er tilstrækkeligt overskueligt")
               for h in headings)
    assert any(h.startswith("(3) Hvordan sikrer vi, at den politiske drøftelse handler om politik")
               for h in headings)
    lists = [b for b in doc.blocks if isinstance(b, ListBlock)]
    assert ["".join(r.text for r in item) for item in lists[-1].items] == list(QUESTIONS)
    assert "som udvalget kan drøfte" in text and "det nye Beskæftigelses- og Integrationsudvalg kan" not in text
    assert "De sidste 4 år har givet en række erfaringer" in text and "levetid på 2½ år" not in text
    assert "typisk 18 måneder (1½ år) gammelt mod 12 måneder (1 år) for de lokale kilder" in text
    assert f"nås målet ikke i det nuværende tempo for tre indikatorer: {BES1}," in text
    assert "går udviklingen ikke hurtigt nok" not in text  # two of them go the wrong way: no understatement


def test_advice_override_in_barometer_folder(demo, tmp_path):
    b, history, assessment, narrative = demo
    (tmp_path / "letters").mkdir()
    (tmp_path / "letters" / "advice.md").write_text(
        "# Egne råd\n\n{{ nyt_udvalg }}: {{ antal_indikatorer }} indikatorer. "
        "Røde udvalg: {{ roede_udvalg }}. "
        "Antal: {{ roede_udvalg|length }}.\n", encoding="utf-8")
    own = dataclasses.replace(b, folder=tmp_path)
    doc = build_bilag3(own, history, assessment, narrative, project_dir=ROOT)
    red = [c.name for c in b.committees
           if any(assessment.indicator(i.id).signal == "red" for i in b.indicators_of_committee(c.id))]
    assert doc.headings[-1].text == "Egne råd"
    assert _text(doc.blocks[-1]) == (
        f"det nye Beskæftigelses- og Integrationsudvalg: 33 indikatorer. Røde udvalg: {da.join_list(red)}. "
        f"Antal: {len(red)}.")
    assert "Temaer til drøftelse – udfordringer og erfaringer" not in _all_text(doc)


def test_advice_error_names_file_and_line(demo, tmp_path):
    b, history, assessment, narrative = demo
    (tmp_path / "letters").mkdir()
    (tmp_path / "letters" / "advice.md").write_text("Første linje.\n\n{{ antal_indikatorerne }}\n",
                                                    encoding="utf-8")
    own = dataclasses.replace(b, folder=tmp_path)
    with pytest.raises(TemplateError, match=r"letters/advice\.md:3: ukendt variabel 'antal_indikatorerne' "
                                            r"\(mente du 'antal_indikatorer'\?\)"):
        build_bilag3(own, history, assessment, narrative, project_dir=ROOT)


def test_small_barometer_without_carry_overs_or_misses():
    """Every section still says something when there is nothing to list."""
    b = barometer([indicator("A1", target_value=60.0, target_period="2010-12")],
                  [m("A1", "2008-03", 50.0, "2008-06"), m("A1", "2008-09", 55.0, "2008-12")],
                  updates=("2008-06", "2008-12"), areas=(("A", "Beskæftigelse"),))
    history = assess_history(b)
    doc = build_bilag3(b, history, history[-1], narrate(b, history[-1], history), project_dir=ROOT)
    text = _all_text(doc)
    assert doc.meta.title == "Forslag til gode råd om testbarometret til Beskæftigelses- og Integrationsudvalget"
    assert "Ingen indikator har været uden nye tal i to eller flere opdateringer i træk." in text
    assert ("Barometret har én indikator med et mål, og målet er inden for rækkevidde i det nuværende "
            "tempo.") in text
    assert "Intet indsatsområde har været rødt i barometrets levetid." in text
    # one committee, one indicator: named, and "den", never "ingen indikatorer … fordelt på ét udvalg"
    assert ("Barometrets indikator hører under Beskæftigelses- og Integrationsudvalget. Ved opdateringen i "
            "december 2008 er den ikke rød.") in text
    assert not any(isinstance(bl, Table) and bl.header[0] == "Indikator" for bl in doc.blocks)
    assert "går udviklingen ikke hurtigt nok" not in text
    assert "None" not in text and "nan" not in text.split()


@pytest.mark.parametrize(("name", "expected"), [
    ("Beskæftigelses- og Integrationsudvalget", "Beskæftigelses- og Integrationsudvalg"),
    ("Økonomiudvalget", "Økonomiudvalg"),
    ("Udvalget for Teknik og Miljø", "Udvalg for Teknik og Miljø"),
    ("Borgerrepræsentationen", None),
])
def test_committee_indefinite(name, expected):
    assert committee_indefinite(name) == expected


@pytest.mark.parametrize(("months", "years", "text"), [
    (30, "2½ år", "30 måneder (2½ år)"), (12, "1 år", "12 måneder (1 år)"), (4, "½ år", "4 måneder"),
    (1, "1 måned", "1 måned"), (10.5, "1 år", "10,5 måneder"),
])
def test_years_and_months_text(months, years, text):
    assert years_text(months) == years
    assert months_text(months) == text


def test_name_list_prints_as_danish_list():
    names = NameList(["A", "B", "C"])
    assert str(names) == "A, B og C" and len(names) == 3 and list(names) == ["A", "B", "C"]


def test_same_inputs_same_document(demo, doc):
    b, history, assessment, narrative = demo
    assert build_bilag3(b, history, assessment, narrative, project_dir=ROOT) == doc


# --- rendered ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdf_text(doc) -> str:
    pdf = render_pdf(doc)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


@pytest.fixture(scope="module")
def word(doc):
    import docx

    return docx.Document(io.BytesIO(render_docx(doc)))


def test_pdf_text(pdf_text):
    flat = _norm(pdf_text)
    assert TITLE in flat
    assert "Bilag 3" in flat
    assert "fra juni 2007 til december 2009" in flat
    for q in QUESTIONS:
        assert q in flat
    assert "↓ Rød" in flat and "(overført)" in flat
    assert "5,5 pct.-point" in flat
    assert not re.search(r"\bNone\b|\bnan\b", pdf_text)


def test_docx_grid_and_text(word, demo):
    b, history, _, _ = demo
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in word.tables]
    grid = next(t for t in tables if t[0][:2] == ["Indsatsområde", "Juni 2007"])
    assert grid[0] == ["Indsatsområde", *(u.label for u in b.updates)]
    assert len(grid) == 7
    bes = next(row for row in grid if row[0] == "Beskæftigelse")
    assert bes[-1] == "↓ Rød"
    committees = next(t for t in tables if t[0] == ["Udvalg", "Indikatorer", "Røde"])
    assert committees[-1][0] == "I alt"
    body = "\n".join(p.text for p in word.paragraphs)
    for q in QUESTIONS:
        assert q in body
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert "Barometrets levetid" in headings
    assert "Temaer til drøftelse – udfordringer og erfaringer" in headings
    everything = body + "\n".join(c for t in tables for row in t for c in row)
    assert not re.search(r"\bNone\b|\bnan\b", everything)


def test_readme_documents_every_advice_variable(demo):
    from reportgen.documents import fields, letters
    from reportgen.documents.bilag3 import advice_context
    from reportgen.signals.history import lifetime_facts

    b, history, assessment, _ = demo
    settings = letters.load_settings(barometer_dir=b.folder, project_dir=ROOT)
    context = advice_context(b, assessment, lifetime_facts(b, history, UPDATE), settings)
    documented = fields.meanings(ROOT, "advice.md")  # letters/README.md's tables, as the workbench shows them
    missing = [k for k in context if k not in documented and not any(d.startswith(f"{k}.") for d in documented)]
    assert missing == []
    assert all(documented.values())


def test_a_better_colour_is_never_said_alone_where_the_main_figure_worsened(doc):
    """Uddannelse's colour is better than at its first assessment, but the grade gap rose: both."""
    text = _all_text(doc)
    assert "er farven i dag bedre for Uddannelse og Tryghed" in text
    assert ("For Uddannelse er farven bedre, men hovedindikatoren »Gabet mellem et- og tosprogede elevers "
            "karaktergennemsnit ved Folkeskolens Afgangsprøve« er steget fra 0,62 i 2007 til 0,78 i 2009.") in text
    assert "For Tryghed er farven bedre, men" not in text  # its main figure rose, as it should


def test_counts_in_running_text_are_words_to_twelve_and_no_age_is_zero_months(doc):
    text = _all_text(doc)
    assert "hører under syv udvalg" in text and "er elleve overført" not in text  # table note says felter
    assert "I elleve af de 36 felter i tabellen" in text
    assert "I barometrets levetid har én indikator været uden nye tal" in text
    assert months_text(0) == "under én måned" and months_text(12) == "12 måneder (1 år)"
    ages = _table(doc, "Kilder")
    assert "under 1 måned" in [c.text for row in ages.rows for c in row]  # a table keeps digits
    assert not [c.text for row in ages.rows for c in row if c.text.startswith("0 ")]


def test_bilag3_places_the_administrations_blocks_and_keeps_the_computed_text_without_them(make_barometer):
    """``baggrund`` in place of the computed start sentence, ``gode_raad`` as its own part before the
    themes; without them the computed start sentence stands and there is no such part."""
    def built(folder):
        b = read_barometer(folder)
        history = assess_history(b)
        return build_bilag3(b, history, history[-1], narrate(b, history[-1], history), project_dir=ROOT)

    plain = built(make_barometer())
    assert "gik i luften første gang" in _all_text(plain)
    assert "Forvaltningens gode råd" not in [h.text for h in plain.headings]
    folder = make_barometer({"tekster/baggrund.md": "Barometret blev besluttet i byrådet i 2006.\n",
                             "tekster/gode_raad.md": "Hold fast i de få mål.\n\n- Spørg til kilderne.\n"})
    own = built(folder)
    assert len(read_barometer(folder).updates) > 1
    text = _all_text(own)
    assert "Barometret blev besluttet i byrådet i 2006." in text and "gik i luften første gang" not in text
    assert "Barometret blev besluttet i byrådet i 2006.\nMed opdateringen i " in text  # the count of updates stays
    headings = [h.text for h in own.headings]
    advice = headings.index("Forvaltningens gode råd")
    assert headings[advice + 1] == "Temaer til drøftelse – udfordringer og erfaringer"
    at = own.blocks.index(next(h for h in own.headings if h.text == "Forvaltningens gode råd"))
    assert _text(own.blocks[at + 1]) == "Hold fast i de få mål."
    assert isinstance(own.blocks[at + 2], ListBlock)


def test_attention_points_give_every_figure_its_unit(doc):
    text = _norm(_all_text(doc))
    # a value with unit_text ("karakterpoint") says it, like a percentage says "procentpoint"
    assert "(2010; mangler 0,54 karakterpoint)" in text
    assert "(december 2010; mangler 5,5 procentpoint)" in text
    assert not re.search(r"mangler \d+,\d+\)", text)


@pytest.mark.parametrize(("update", "lifetime", "phrase"), [
    ("2009-12-03", 30, "De sidste 4 år"),  # Copenhagen: live June 2007, in the 2006-2009 term's first half
    ("2021-12-01", 6, "Det sidste halve år"),  # live June 2021, the term's last year: its own life
    ("2021-12-01", 12, "Det sidste år"),
    ("2021-12-01", 18, "De sidste 1½ år"),
    ("2021-12-01", 2, "De sidste to måneder"),
])
def test_themes_speak_of_the_experience_the_barometer_can_have_given(update, lifetime, phrase):
    import datetime as dt

    from reportgen.documents.bilag3 import experience_months, experience_phrase
    from reportgen.inputs.model import Update

    u = Update(id=update[:7], date=dt.date.fromisoformat(update), label="x", index=0)
    assert experience_phrase(experience_months(u, lifetime)) == phrase


def test_the_theme_on_the_other_committees_names_only_the_others(doc):
    text = _norm(_all_text(doc))
    assert ("har følgende af de øvrige udvalg indikatorer, der viser tilbagegang: Børne- og Ungdomsudvalget, "
            "Teknik- og Miljøudvalget, Socialudvalget og Sundheds- og Omsorgsudvalget.") in text
