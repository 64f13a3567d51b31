"""Bilag 2 letters: lookup chain, sandbox, literal data, Markdown blocks, one letter per committee."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reportgen.document import (
    Document,
    Figure,
    Heading,
    ListBlock,
    PageBreak,
    Paragraph,
    Run,
    Signature,
    Table,
)
from reportgen.documents import letters
from reportgen.documents.bilag2 import build_letters, committee_stems
from reportgen.errors import ReportgenError, TemplateError
from reportgen.inputs import read_barometer
from reportgen.inputs.model import Committee
from reportgen.narrate import narrate
from reportgen.signals.assess import assess
from tests.conftest import DEMO, ROOT

COMMITTEES = """\
    id,name,chair
    BIU,Beskæftigelses- og Integrationsudvalget,Anna Andersen
    BUU,Børne- og Ungdomsudvalget,
    KFU,Kultur- og Fritidsudvalget,
    TMU,Teknik- og Miljøudvalget,
    """
INDICATORS = """\
    id,area,name,main,unit,direction,decimals,rule,tolerance,baseline_value,baseline_period,target_value,target_period,committee,source,districts
    A1,A,Andel beskæftigede,yes,percent,up,1,previous,0,,,64.8,2010-12,BIU,Danmarks Statistik,no
    A2,A,Antal boliger i udsatte områder,no,count,down,0,previous,0,,,,,TMU,Ministeriet,no
    B1,B,Karaktergab,yes,value,down,2,previous,0,,,,,BUU,Undervisningsministeriet,no
    B2,B,Andel i dagtilbud,no,percent,up,1,previous,0,,,,,BUU,Kommunen,no
    """
MEASUREMENTS = """\
    indicator,period,value,se,n,district,update
    A1,2008-03,50.0,,,,2008-06
    A1,2008-09,51.0,,,,2008-12
    A1,2009-03,50.5,,,,2009-06
    A2,2008-03,4793,,,,2008-06
    A2,2009-03,2919,,,,2009-06
    B1,2007,0.50,,,,2008-06
    B1,2008,0.40,,,,2009-06
    B2,2008-03,80.0,,,,2008-06
    B2,2009-03,78.0,,,,2009-06
    """
INITIATIVES = """\
    id,name,indicator,committee,status,description
    I1,Sprogstimulering,B2,BUU,Igangværende,Pædagoger uddannes i sprog.
    I2,Boligsocial helhedsplan,A2,TMU,Planlagt,
    """
FIXTURE = {"committees.csv": COMMITTEES, "indicators.csv": INDICATORS,
           "measurements.csv": MEASUREMENTS, "initiatives.csv": INITIATIVES}
NAMES = {"A1": "Andel beskæftigede", "A2": "Antal boliger i udsatte områder",
         "B1": "Karaktergab", "B2": "Andel i dagtilbud"}




class FakeChart:
    """Stands in for reportgen.charts.draw.Chart: name, svg, png, alt_text."""

    def __init__(self, indicator_id: str):
        from tests.render_fixtures import SVG, make_png

        self.name = f"trend-{indicator_id}"
        self.svg = SVG
        self.png = make_png()
        self.alt_text = f"Udviklingen i {indicator_id}"


def text_of(doc: Document) -> str:
    """Every piece of text in a document, for 'appears / does not appear' checks."""
    parts = [doc.meta.title, doc.meta.subject or "", doc.meta.recipient or ""]
    for b in doc.blocks:
        if isinstance(b, Heading):
            parts.append(b.text)
        elif isinstance(b, Paragraph):
            parts.append("".join(r.text for r in b.runs))
        elif isinstance(b, ListBlock):
            parts.extend("".join(r.text for r in item) for item in b.items)
        elif isinstance(b, Table):
            parts.extend([*b.header, b.note or "", b.caption or ""])
            parts.extend(c.text for row in b.rows for c in row)
        elif isinstance(b, Figure):
            parts.extend([b.name, b.alt_text, b.caption or ""])
        elif isinstance(b, Signature):
            parts.extend([b.closing, b.name, b.title])
    return "\n".join(parts)


def table_of(doc: Document) -> Table:
    (table,) = [b for b in doc.blocks if isinstance(b, Table) and b.header[0] == "Indikator"]
    return table


@pytest.fixture
def project(tmp_path) -> Path:
    """A project folder with the shipped letters/ (default.md, letters.toml)."""
    folder = tmp_path / "project"
    shutil.copytree(ROOT / "letters", folder / "letters")
    return folder


@pytest.fixture
def build(make_barometer, project):
    """``build(files={...}, letters={...}, project_letters={...})`` -> Letters at the latest update."""

    def run(files=None, *, letters_files=None, project_letters=None, charts=None, **kw):
        extra = {f"letters/{k}": v for k, v in (letters_files or {}).items()}
        folder = make_barometer({**FIXTURE, **extra, **(files or {})})
        for name, text in (project_letters or {}).items():
            (project / "letters" / name).write_text(text, encoding="utf-8")
        barometer = read_barometer(folder)
        assessment = assess(barometer)
        return build_letters(barometer, assessment, narrate(barometer, assessment), charts or {},
                             project_dir=project, **kw)

    return run


def letter(result, slug: str) -> Document:
    return next(d for d in result.documents if d.slug == slug)


# --- one letter per committee ---------------------------------------------------------------------

def test_one_letter_per_committee_with_indicators_in_committee_order(build):
    result = build(include_owner=True)
    assert [d.slug for d in result.documents] == ["BIU", "BUU", "TMU"]
    skipped = [(s.committee.id, s.reason) for s in result.skipped]
    assert skipped == [("KFU", "har ingen indikatorer i barometret")]


def test_owner_sends_the_letters_and_gets_none_by_default(build):
    result = build()
    assert [d.slug for d in result.documents] == ["BUU", "TMU"]
    assert [s.committee.id for s in result.skipped] == ["BIU", "KFU"]
    assert list(result) == list(result.documents) and len(result) == 2


@pytest.mark.parametrize(("slug", "own"), [("BIU", {"A1"}), ("BUU", {"B1", "B2"}), ("TMU", {"A2"})])
def test_each_letter_has_exactly_its_committees_indicators(build, slug, own):
    doc = letter(build(include_owner=True), slug)
    assert [row[0].text for row in table_of(doc).rows] == [NAMES[i] for i in sorted(own)]
    text = text_of(doc)
    for other in set(NAMES) - own:
        assert NAMES[other] not in text


def test_letter_frame_follows_the_conventions(build):
    doc = letter(build(), "BUU")
    meta = doc.meta
    assert meta.kind == "letter" and meta.label == "Bilag 2"
    assert meta.recipient == "Til Børne- og Ungdomsudvalget"
    assert meta.municipality == "Testrup Kommune"
    assert meta.date_text == "1. juni 2009"
    assert meta.header_pairs[0] == ("Dato", "1. juni 2009")
    assert meta.subject == "Opfølgning på testbarometret, juni 2009"  # from the title, not the demo's
    assert "Kære" not in text_of(doc)
    assert isinstance(doc.blocks[0], Paragraph)  # opens directly, no salutation
    # no letters.toml of its own: signed by the owner committee's chair (committees.csv)
    assert doc.blocks[-1] == Signature("Med venlig hilsen", "Anna Andersen",
                                       "Formand for Beskæftigelses- og Integrationsudvalget")
    assert meta.author == "Anna Andersen"


def test_case_number_and_meeting_date_from_updates_csv(build):
    updates = """\
        id,date,label,meeting_date,case_number,document_number
        2008-06,2008-06-02,Juni 2008,,,
        2008-12,2008-12-01,December 2008,,,
        2009-06,2009-06-01,Juni 2009,2009-06-18,2009-161791,
        """
    meta = letter(build({"updates.csv": updates}), "BUU").meta
    assert meta.header_pairs == (("Dato", "18. juni 2009"), ("Sagsnr.", "2009-161791"))
    assert meta.date_text == "18. juni 2009"


def test_table_shows_signal_in_words_and_symbol_with_fill(build):
    from reportgen import palette

    table = table_of(letter(build(), "BUU"))
    # no indicator of the fixture has a target: no "Mål" column of dashes (issue 21)
    assert table.header == ("Indikator", "Signal", "Seneste tal", "Periode", "Ændring")
    gap, daycare = table.rows
    green, red = palette.style("green"), palette.style("red")
    assert gap[1].text == f"{green.symbol} Grøn" and gap[1].fill == green.tint
    assert [c.text for c in gap[2:]] == ["0,40", "2008", "−0,10"]
    assert daycare[1].text == f"{red.symbol} Rød" and daycare[1].fill == red.tint
    cells = [c.text.replace("\u00a0", " ").replace("\u2060", "") for c in daycare[2:5]]
    assert cells == ["78,0 %", "mar. 2009", "−2,0 pct.-point"]


def test_overridden_colour_is_marked_and_its_reason_printed(build):
    overrides = ("update,target,signal,reason\n"
                 "2009-06,B1,yellow,Nyt karaktersystem gør tallene usammenlignelige.\n")
    table = table_of(letter(build({"overrides.csv": overrides}), "BUU"))
    assert table.rows[0][1].text.endswith("Gul *")
    assert table.note == ("* Karaktergab: farven er fastsat af forvaltningen. "
                          "Nyt karaktersystem gør tallene usammenlignelige.")


def test_red_indicators_get_their_chart_others_not(build):
    charts = {i: FakeChart(i) for i in NAMES}
    doc = letter(build(charts=charts), "BUU")
    assert [f.name for f in doc.figures] == ["trend-B2"]  # B2 fell: red; B1 improved: green


def test_initiatives_of_the_committee_only(build):
    buu = text_of(letter(build(), "BUU"))
    assert "Sprogstimulering" in buu and "Boligsocial helhedsplan" not in buu


def test_default_letter_reads_in_the_register(build):
    text = text_of(letter(build(), "BUU"))
    assert "Beskæftigelses- og Integrationsudvalget behandlede på sit møde den 1. juni 2009" in text
    assert "måles der på to indikatorer" in text
    assert "én rød og én grøn" in text
    assert "anmodes om at orientere Beskæftigelses- og Integrationsudvalget" in text



def test_other_indicators_are_only_called_other_after_the_red_ones(build):
    """'øvrige' only when a section on the red indicators comes before it."""
    headings = {slug: [b.text for b in letter(build(), slug).blocks if isinstance(b, Heading)]
                for slug in ("BUU", "TMU")}
    assert "Indikatorer med tilbagegang" in headings["BUU"]  # B2 fell
    assert "Udviklingen på udvalgets øvrige indikatorer" in headings["BUU"]
    assert "Indikatorer med tilbagegang" not in headings["TMU"]  # A2 fell, the right way: green
    assert "Udviklingen på udvalgets indikatorer" in headings["TMU"]

# --- lookup chain ------------------------------------------------------------------------------------

def test_committee_file_in_project_replaces_default(build):
    result = build(project_letters={"BUU.md": "Særligt brev til {{ udvalg.navn }}.\n"})
    assert "Særligt brev til Børne- og Ungdomsudvalget." in text_of(letter(result, "BUU"))
    assert "Særligt brev" not in text_of(letter(result, "TMU"))


def test_barometer_letters_come_before_the_project(build):
    result = build(letters_files={"BUU.md": "Fra barometermappen.\n"},
                   project_letters={"BUU.md": "Fra projektet.\n"})
    assert "Fra barometermappen." in text_of(letter(result, "BUU"))


def test_barometer_default_beats_project_committee_file(build):
    result = build(letters_files={"default.md": "Barometrets standardbrev.\n"},
                   project_letters={"BUU.md": "Projektets BUU-brev.\n"})
    assert "Barometrets standardbrev." in text_of(letter(result, "BUU"))


def test_settings_from_barometer_override_project_key_by_key(build):
    toml = '[underskrift]\nnavn = "Bente Borg"\ntitel = "Borgmester"\n[brev]\nemne = "Status"\n'
    doc = letter(build(letters_files={"letters.toml": toml}), "BUU")
    assert doc.blocks[-1] == Signature("Med venlig hilsen", "Bente Borg", "Borgmester")
    assert doc.meta.subject == "Status, juni 2009"


NO_CHAIR = COMMITTEES.replace("Anna Andersen", "")


def test_without_chair_or_signature_one_error_names_the_file_and_key(build):
    with pytest.raises(TemplateError) as caught:
        build({"committees.csv": NO_CHAIR})
    message = str(caught.value)
    assert message.startswith("barometer0/letters/letters.toml: [underskrift] navn mangler: ")
    assert "committees.csv" in message and "BIU" in message
    assert "\n" not in message


def test_own_signature_wins_over_the_chair(build):
    toml = '[underskrift]\nnavn = "Bente Borg"\ntitel = "Rådmand"\n'
    result = build({"committees.csv": NO_CHAIR}, letters_files={"letters.toml": toml})
    assert {d.blocks[-1] for d in result.documents} == {Signature("Med venlig hilsen", "Bente Borg", "Rådmand")}


@pytest.mark.parametrize("value", ["Navn Navnesen", " navn navnesen "])
def test_inits_placeholder_never_signs(build, value):
    toml = f'[underskrift]\nnavn = "{value}"\ntitel = "Borgmester"\n'
    with pytest.raises(TemplateError, match=r"^barometer0/letters/letters.toml: \[underskrift\] navn: "
                                            r'"[Nn]avn [Nn]avnesen" er pladsholderen fra reportgen init'):
        build(letters_files={"letters.toml": toml})


def test_a_title_without_a_name_is_an_error_not_the_chair(build):
    with pytest.raises(TemplateError, match=r"letters.toml: \[underskrift\] navn mangler: titlen"):
        build(letters_files={"letters.toml": '[underskrift]\ntitel = "Borgmester"\n'})


@pytest.mark.parametrize("key", ["navn", "titel"])
def test_project_letters_toml_may_not_name_a_person(build, key):
    with pytest.raises(TemplateError, match=rf"^letters/letters.toml: \[underskrift\] {key} hører ikke til "
                                            "projektets fælles tekster"):
        build(project_letters={"letters.toml": f'[underskrift]\n{key} = "Jakob Hougaard"\n'})


def test_own_setting_reads_only_the_barometers_own_file(make_barometer, project):
    folder = make_barometer({"letters/letters.toml": '[underskrift]\nnavn = " Bente Borg "\ntitel = ""\n'})
    assert letters.own_setting(folder, "underskrift", "navn") == "Bente Borg"
    assert letters.own_setting(folder, "underskrift", "titel") is None  # empty is missing
    assert letters.own_setting(make_barometer(), "underskrift", "navn") is None
    assert letters.own_setting(None, "underskrift", "navn") is None
    err = letters.missing_setting(folder, "afsender", "email", "skriv afsenderens adresse")
    assert str(err) == f"{folder.name}/letters/letters.toml: [afsender] email mangler: skriv afsenderens adresse"


@pytest.mark.parametrize("section", sorted(letters.PERSON_KEYS))
def test_one_rule_keeps_every_person_section_out_of_the_project_letters_toml(make_barometer, tmp_path, section):
    """[underskrift], [sag], [presse] and [afsender] alike: refused in the project's file by build's
    settings and by the reader of the person sections, naming the file, the key and where it belongs."""
    key = letters.PERSON_KEYS[section][0]
    project = tmp_path / "project"
    (project / "letters").mkdir(parents=True)
    (project / "letters" / "letters.toml").write_text(f'[{section}]\n{key} = "Lånt Navn"\n', encoding="utf-8")
    folder = make_barometer(name="aarhus")
    # [underskrift] hilsen is shared, so its person keys are refused one by one; the others as a whole
    location = rf"\[{section}\] {key}" if section == "underskrift" else rf"\[{section}\]"
    message = (rf"^letters/letters.toml: {location} hører ikke til projektets fælles tekster; "
               r"skriv den i aarhus/letters/letters.toml$")
    with pytest.raises(TemplateError, match=message):
        letters.load_settings(barometer_dir=folder, project_dir=project)
    with pytest.raises(TemplateError, match=message):
        letters.own_section(folder, section, project_dir=project)


def test_person_sections_are_read_and_checked_alike(make_barometer):
    toml = '[presse]\nnavn = " Ida\\n Test "\ntelefon = ""\n[afsender]\nnavn = "Navn Navnesen"\n'
    folder = make_barometer({"letters/letters.toml": toml}, name="aarhus")
    assert letters.own_section(folder, "presse") == {"navn": "Ida Test"}  # folded; empty is missing
    with pytest.raises(TemplateError, match=r'^aarhus/letters/letters.toml: \[afsender\] navn: "Navn Navnesen" '
                                            "er pladsholderen fra reportgen init"):
        letters.own_section(folder, "afsender")
    problems: list[TemplateError] = []
    assert letters.own_section(folder, "afsender", problems=problems) == {}
    assert len(problems) == 1


@pytest.mark.parametrize(("name", "definite"), [
    ("Børne- og Ungdomsudvalget", "Børne- og Ungdomsudvalget"),
    ("Økonomiudvalg", "Økonomiudvalget"),
    ("Udvalget for Teknik og Miljø", "Udvalget for Teknik og Miljø"),
    ("Byrådet", "Byrådet"),
])
def test_chair_title_uses_the_committees_definite_name(name, definite):
    assert letters.committee_definite(name) == definite


def test_project_letters_hold_nothing_of_the_demo():
    """The project's letters/ is generic: no person, municipality or case number of Copenhagen."""
    demo = ("Jakob Hougaard", "Morten Binder", "Kaj Ove Christiansen", "København", "Copenhagen",
            "2009-161791", "indsatsbank", "Borgerrepræsentationen", "Eberholst")
    for path in sorted((ROOT / "letters").iterdir()):
        text = path.read_text(encoding="utf-8")
        for name in demo:
            assert name.lower() not in text.lower(), f"{path.name}: {name}"
    settings = (ROOT / "letters" / "letters.toml").read_text(encoding="utf-8")
    assert "integrationsbarometret" not in settings and "navn =" not in settings


def test_unknown_setting_is_an_error(build):
    with pytest.raises(TemplateError, match=r"letters/letters.toml: ukendt nøgle \[underskrift\] navnn"):
        build(letters_files={"letters.toml": '[underskrift]\nnavnn = "X"\n'})


# --- errors name file and line -------------------------------------------------------------------

def test_undefined_variable_names_file_line_and_variable(build):
    with pytest.raises(TemplateError) as err:
        build(project_letters={"BUU.md": "Til udvalget.\n\n{{ udvalg_navn }}\n"})
    assert "letters/BUU.md:3: ukendt variabel 'udvalg_navn'" in str(err.value)


def test_undefined_field_in_barometer_letter_is_named_with_the_folder(build):
    with pytest.raises(TemplateError, match=r"barometer\d+/letters/default.md:1: ukendt felt 'navnet'"):
        build(letters_files={"default.md": "{{ udvalg.navnet }}\n"})


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("{{ ''.__class__ }}", 2),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", 2),
        ("{{ cycler.__init__.__globals__ }}", 2),
        ("{{ udvalg.update({'navn': 'x'}) }}", 2),
        ("{% import 'os' as os %}", 2),
        ("{{ __import__('os').system('true') }}", 2),
        ("{% include '/etc/passwd' %}", 2),
        ("{% include '../../x' %}", 2),
        ("{% include '../default.md' %}", 2),
        ("{% include 'BUU.md' %}", 2),  # includes itself
        ("{{ 2 ** 1000000 }}", 2),
        ("{{ 'x' * 1000000000 }}", 2),
        ("{% for x in range(10**9) %}{% endfor %}", 2),
        ("{{ 1 / 0 }}", 2),
        ("{% if %}", 2),
        ("{{ udvalg.navn|ukendt }}", 2),
    ],
)
def test_sandbox_and_template_errors_are_located(build, source, line):
    with pytest.raises(TemplateError) as err:
        build(project_letters={"BUU.md": f"Første linje.\n{source}\n"})
    assert str(err.value).startswith(f"letters/BUU.md:{line}: ")
    assert "Traceback" not in str(err.value)


def test_symlink_out_of_letters_is_refused(build, project, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("hemmelig\n", encoding="utf-8")
    (project / "letters" / "part.md").symlink_to(secret)
    with pytest.raises(TemplateError, match="letters/BUU.md:1: filen 'part.md' findes ikke"):
        build(project_letters={"BUU.md": "{% include 'part.md' %}\n"})


def test_include_of_a_letters_file_works(build):
    result = build(project_letters={"BUU.md": "{% include 'afsnit.md' %}\n",
                                    "afsnit.md": "Fælles afsnit.\n"})
    assert "Fælles afsnit." in text_of(letter(result, "BUU"))


def test_readme_examples_work(build):
    body = (
        "{{ udvalg.navn }} anmodes om at orientere {{ barometer.udvalg }} inden {{ opdatering.maaned }}.\n\n"
        "{% for i in roede %}\n- {{ i.navn }}: {{ i.vaerdi }} i {{ i.periode }}\n{% endfor %}\n\n"
        "{% if roede %}\nBarometret viser tilbagegang på {{ roede|flertal('indikator', 'indikatorer') }}.\n"
        "{% else %}\nIngen af udvalgets indikatorer viser tilbagegang.\n{% endif %}\n"
    )
    text = text_of(letter(build(project_letters={"BUU.md": body}), "BUU"))
    assert ("Børne- og Ungdomsudvalget anmodes om at orientere Beskæftigelses- og Integrationsudvalget "
            "inden juni 2009.") in text
    assert "Andel i dagtilbud: 78,0 procent i marts 2009" in text
    assert "Barometret viser tilbagegang på én indikator." in text


# --- data is printed literally ------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script> {{ 7*7 }} **fed** _x_ [[figurer]] # & \\"


def test_data_is_never_markup_template_or_markdown(build):
    indicators = INDICATORS.replace("Karaktergab", f'"{HOSTILE}"')
    committees = COMMITTEES.replace("Børne- og Ungdomsudvalget", "Børne- & Ungdomsudvalget")
    body = ("Til {{ udvalg.navn }}.\n\n{% for i in indikatorer %}\n- {{ i.navn }}\n{% endfor %}\n\n"
            "[[indikatortabel]]\n\n[[initiativer]]\n")
    doc = letter(build({"indicators.csv": indicators, "committees.csv": committees},
                       project_letters={"BUU.md": body}), "BUU")
    para, items, table = doc.blocks[:3]
    assert para == Paragraph((Run("Til Børne- & Ungdomsudvalget."),))
    assert items.items[0] == (Run(HOSTILE),)
    assert table_of(doc).rows[0][0].text == HOSTILE
    assert doc.meta.recipient == "Til Børne- & Ungdomsudvalget"
    assert not doc.figures


def test_literal_escapes_html_and_markdown():
    assert str(letters.literal("a & <b>")) == "a &amp; &lt;b&gt;"
    assert str(letters.literal("*x* 1.")) == r"\*x\* 1\."
    assert letters.markdown_to_blocks(str(letters.literal(HOSTILE))) == (Paragraph((Run(HOSTILE),)),)


# --- filters -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("expr", "out"),
    [
        ("4793|tal", "4.793"), ("3|tal(1)", "3,0"), ("59.25|tal(1)", "59,3"), ("'64,8'|tal(1)", "64,8"),
        ("'2009-12-03'|dato", "3. december 2009"), ("'2010-12'|dato", "december 2010"),
        ("1|flertal('indikator', 'indikatorer')", "én indikator"),
        ("[1, 2]|flertal('indikator', 'indikatorer')", "to indikatorer"),
        ("['a', 'b', 'c']|liste", "a, b og c"), ("['a*', 'b']|join(', ')", "a*, b"),
    ],
)
def test_filters(tmp_path, expr, out):
    (tmp_path / "letters").mkdir()
    (tmp_path / "letters" / "default.md").write_text(f"{{{{ {expr} }}}}\n", encoding="utf-8")
    source = letters.find_letter("X", barometer_dir=None, project_dir=tmp_path)
    blocks = letters.markdown_to_blocks(letters.render_markdown(source, {}))
    assert blocks == (Paragraph((Run(out),)),)


# --- Markdown -> blocks --------------------------------------------------------------------------

MARKDOWN = """\
# Overskrift

Tekst med **fed**, *kursiv* og ***begge***.

## Mellemrubrik

- et
- to med **fed**

1. første
2. anden

| Indikator | Værdi |
|:--|--:|
| A | 1,0 |

> Et citat.

---

#### Dybt
"""


def test_markdown_features_become_blocks():
    blocks = letters.markdown_to_blocks(MARKDOWN)
    assert blocks == (
        Heading("Overskrift", level=1),
        Paragraph((Run("Tekst med "), Run("fed", bold=True), Run(", "), Run("kursiv", italic=True),
                   Run(" og "), Run("begge", bold=True, italic=True), Run("."))),
        Heading("Mellemrubrik", level=2),
        ListBlock(((Run("et"),), (Run("to med "), Run("fed", bold=True)))),
        ListBlock(((Run("første"),), (Run("anden"),)), ordered=True),
        Table(header=("Indikator", "Værdi"), rows=((letters.Cell("A"), letters.Cell("1,0", align="right")),),
              align=("left", "right")),
        Paragraph((Run("Et citat."),), style="quote"),
        PageBreak(),
        Heading("Dybt", level=3),
    )


def test_html_in_a_letter_is_text():
    assert letters.markdown_to_blocks("<b>x</b> &amp;") == (Paragraph((Run("<b>x</b> &"),)),)


def test_slots_place_parts_and_missing_ones_follow_the_first_paragraph():
    table, fig, init = Paragraph.of("T"), Paragraph.of("F"), Paragraph.of("I")
    parts = {"indikatortabel": (table,), "figurer": (fig,), "initiativer": (init,)}
    body = letters.markdown_to_blocks("# H\n\nEn.\n\nTo.\n\n[[figurer]]\n")
    assert letters.fill_slots(body, parts) == (
        Heading("H"), Paragraph.of("En."), table, init, Paragraph.of("To."), fig)


def test_unknown_slot_is_an_error():
    with pytest.raises(TemplateError, match=r"ukendt pladsholder \[\[tabel\]\]"):
        letters.markdown_to_blocks("[[tabel]]\n")


# --- file names --------------------------------------------------------------------------------

def test_slugs_are_safe_and_transliterated():
    stems = committee_stems([Committee("ØU", "Økonomiudvalget"), Committee("BUU", "B"),
                             Committee("../etc/x", "X"), Committee("Kultur å", "K")])
    assert stems == {"ØU": "OeU", "BUU": "BUU", "../etc/x": "etc-x", "Kultur å": "Kultur-aa"}


@pytest.mark.parametrize("ids", [("BUU", "buu"), ("Ø-U", "Oe-U"), ("A/B", "A-B")])
def test_slug_collisions_are_errors(ids):
    with pytest.raises(ReportgenError, match="samme filnavn"):
        committee_stems([Committee(i, i) for i in ids])


# --- the demo data -------------------------------------------------------------------------------

def test_copenhagen_december_2009_letters():
    barometer = read_barometer(DEMO)
    assessment = assess(barometer, "2009-12")
    result = build_letters(barometer, assessment, narrate(barometer, assessment), {}, project_dir=ROOT)
    owners = {c.id for c in barometer.committees if barometer.indicators_of_committee(c.id)}
    assert {d.slug for d in result.documents} == owners - {"BIU"}
    names = {i.id: i.name for i in barometer.indicators}
    for doc in result.documents:
        own = [i.name for i in barometer.indicators_of_committee(doc.slug)]
        assert [row[0].text for row in table_of(doc).rows] == own
        text = text_of(doc)
        assert all(n not in text for i, n in names.items() if n not in own and
                   not any(n in o for o in own))
        assert doc.meta.header_pairs == (("Dato", "3. december 2009"), ("Sagsnr.", "2009-161791"))
        assert doc.meta.subject == "Opfølgning på integrationsbarometret, december 2009"
        # the demo's own data/copenhagen/letters/letters.toml signs, as in the seed
        assert doc.blocks[-1] == Signature("Med venlig hilsen", "Jakob Hougaard",
                                           "Beskæftigelses- og Integrationsborgmester")


# --- through both formats --------------------------------------------------------------------------

@pytest.mark.slow
def test_letter_renders_to_pdf_and_docx(build, tmp_path):
    import subprocess

    import docx

    from reportgen.render.docx import render_docx
    from reportgen.render.pdf import render_pdf

    indicators = INDICATORS.replace("Karaktergab", '"<script>x</script> {{ 7*7 }}"')
    body = ("# Særlig overskrift\n\nTekst med **fed** og *kursiv*.\n\n- punkt et\n- punkt to\n\n"
            "[[indikatortabel]]\n")
    doc = letter(build({"indicators.csv": indicators}, project_letters={"BUU.md": body},
                       charts={i: FakeChart(i) for i in NAMES}), "BUU")
    pdf = tmp_path / "BUU.pdf"
    pdf.write_bytes(render_pdf(doc))
    pdf_text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
    word = docx.Document(str(_write(tmp_path / "BUU.docx", render_docx(doc))))
    docx_text = "\n".join([p.text for p in word.paragraphs]
                          + [c.text for t in word.tables for row in t.rows for c in row.cells])
    for text in (pdf_text, docx_text):
        for expected in ("Til Børne- og Ungdomsudvalget", "Særlig overskrift", "punkt to",
                         "<script>x</script> {{ 7*7 }}", "Med venlig hilsen", "Anna Andersen",
                         "Formand for Beskæftigelses- og Integrationsudvalget",
                         "Opfølgning på testbarometret, juni 2009"):
            assert expected in text, expected
    bold = [r.text for p in word.paragraphs for r in p.runs if r.bold]
    assert "fed" in bold


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- The compiled texts are kept, and never outlive an edit ------------------------------------------

def test_an_edited_or_overridden_text_is_rendered_anew(tmp_path):
    """Texts are compiled once per process (make_letter_environment is cached), yet an edit of the
    same length right after a render, a new include, and a barometer's own file made later all show
    at once: the workbench edits texts while the process runs."""
    project, barometer = tmp_path / "project", tmp_path / "aarhus"
    (project / "letters").mkdir(parents=True)
    (barometer / "letters").mkdir(parents=True)
    (project / "letters" / "default.md").write_text("Tekst A {% include 'del.md' %}\n", encoding="utf-8")
    (project / "letters" / "del.md").write_text("del 1\n", encoding="utf-8")

    def render() -> str:
        source = letters.find_letter("BUU", barometer_dir=barometer, project_dir=project)
        return letters.render_markdown(source, {}).strip()

    assert render() == "Tekst A del 1"
    assert render() == "Tekst A del 1"
    (project / "letters" / "default.md").write_text("Tekst B {% include 'del.md' %}\n", encoding="utf-8")
    assert render() == "Tekst B del 1"  # same size, written within the same clock tick
    (project / "letters" / "del.md").write_text("del 2\n", encoding="utf-8")
    assert render() == "Tekst B del 2"
    (barometer / "letters" / "default.md").write_text("Egen {% include 'del.md' %}\n", encoding="utf-8")
    assert render() == "Egen del 2"  # the barometer's own text, including the project's part
    (barometer / "letters" / "del.md").write_text("egen del\n", encoding="utf-8")
    assert render() == "Egen egen del"  # its own part now shadows the project's


# --- the closing never stands alone on a page (issue 26, point 5) ----------------------------------

CLOSING = ("Med venlig hilsen", "Jakob Hougaard", "Beskæftigelses- og Integrationsborgmester")


def test_every_demo_letter_ends_on_a_page_with_more_than_its_closing(demo_build):
    import subprocess

    letters_dir = demo_build.out_dir / "bilag2"
    pdfs = sorted(letters_dir.glob("*.pdf"))
    assert len(pdfs) == 6
    pages_of = {}
    for pdf in pdfs:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
        pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
        last = subprocess.run(["pdftotext", "-f", str(pages), "-l", str(pages), str(pdf), "-"],
                              capture_output=True, text=True, check=True, timeout=60).stdout
        assert all(part in last for part in CLOSING), pdf.name
        # Beyond the closing, the running header and the footer: a paragraph of the letter's own.
        body = last
        for frame in (*CLOSING, "Bilag 2 · Københavns Kommune", f"Side {pages} af {pages}"):
            body = body.replace(frame, "")
        body = "\n".join(line for line in body.splitlines() if not line.startswith("Til ") or "·" not in line)
        assert len(body.split()) >= 15, f"{pdf.name}: the closing stands almost alone on page {pages}"
        pages_of[pdf.stem] = pages
    # As short as the content allows: keeping the closing with its paragraph adds no page, and the
    # letters' narrower charts (bilag2.LETTER_CHART_MM) save one for BUU and SUU (4 and 3 before).
    assert pages_of == {"BUU": 3, "KFU": 2, "OEU": 2, "SOU": 3, "SUU": 2, "TMU": 3}


def test_docx_letters_keep_the_closing_with_the_paragraph_before_it(demo_build):
    from docx import Document as Docx

    for path in sorted((demo_build.out_dir / "bilag2").glob("*.docx")):
        paragraphs = Docx(str(path)).paragraphs
        at = next(i for i, p in enumerate(paragraphs) if p.text == CLOSING[0])
        before, closing, signer, title = paragraphs[at - 1], *paragraphs[at:at + 3]
        assert before.text.strip(), path.name  # the letter's last paragraph, not an empty one
        assert [p.paragraph_format.keep_with_next for p in (before, closing, signer)] == [True] * 3, path.name
        assert (signer.text, title.text) == CLOSING[1:]
