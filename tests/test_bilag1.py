"""Bilag 1 as a document model: sections, tables and texts built from the demo's December 2009."""
from __future__ import annotations

import pytest

from reportgen.document import Heading, ListBlock, Table
from reportgen.documents.bilag1 import Bilag1Charts, build_bilag1
from reportgen.inputs import read_barometer
from reportgen.inputs.model import Period
from reportgen.narrate import danish as da
from reportgen.narrate import narrate
from reportgen.signals.assess import assess_history
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def doc():
    b = read_barometer(DEMO)
    history = assess_history(b)
    a = history[-1]
    return build_bilag1(b, a, narrate(b, a, history), Bilag1Charts(None, {}, {}))


def _texts(block) -> str:
    if isinstance(block, Table):
        return " | ".join(c.text for row in block.rows for c in row)
    if isinstance(block, ListBlock):
        return " ".join("".join(r.text for r in item) for item in block.items)
    return "".join(r.text for r in getattr(block, "runs", ()))


def test_header_block_names_committee_date_and_case(doc):
    assert doc.meta.label == "Bilag 1"
    assert doc.meta.title == "Orientering om status og udvikling på indikatorer i integrationsbarometret"
    assert dict(doc.meta.header_pairs) == {
        "Udvalg": "Beskæftigelses- og Integrationsudvalget", "Dato": "3. december 2009",
        "Sagsnr.": "2009-161791", "Opdatering": "December 2009"}


def test_one_section_per_area_in_file_order_with_colour_in_words(doc):
    level1 = [h.text for h in doc.headings if h.level == 1]
    assert level1 == ["Sammenfatning", "Beskæftigelse (rød)", "Uddannelse (gul)", "Bolig (grøn)",
                      "Kultur og fritid (gul)", "Sundhed (gul)", "Tryghed (grøn)", "Datagrundlag", "Metode"]


def test_overview_table_marks_carried_areas_with_symbol_and_word(doc):
    overview = next(b for b in doc.blocks if isinstance(b, Table))
    rows = {row[0].text: (row[1].text, row[2].text) for row in overview.rows}
    assert rows["Beskæftigelse"] == ("↓ Rød", "Nye tal")
    assert rows["Tryghed"] == ("↑ Grøn", "Overført fra maj 2009")
    assert all(row[1].fill for row in overview.rows)


def test_every_indicator_explains_its_colour(doc):
    explained = " ".join(_texts(b) for b in doc.blocks if isinstance(b, ListBlock))
    assert "Rød, fordi faldet på 3,0 procentpoint fra februar 2009 til august 2009" in explained


def test_district_tables_suppress_small_counts(doc):
    district_tables = [b for b in doc.blocks if isinstance(b, Table) and b.header[0] == "Bydel"]
    assert len(district_tables) == 13
    text = " ".join(_texts(t) for t in district_tables)
    assert "For få observationer" in text


def test_method_note_lists_only_the_rules_in_use(doc):
    i = next(k for k, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.text == "Metode")
    text = " ".join(_texts(b) for b in doc.blocks[i:])
    assert "Forrige måling (32 indikatorer)" in text and "Målsti (én indikator)" in text
    assert "national" not in text.lower().replace("nationale", "")
    assert "ikke statistisk signifikant (signifikansniveau 5 procent)" in text


def test_district_words_come_from_barometer_toml():
    b = read_barometer(DEMO.parent / "danmark")
    assert (b.config.district_singular, b.config.district_plural) == ("kommune", "kommuner")
    history = assess_history(b)
    doc = build_bilag1(b, history[-1], narrate(b, history[-1], history), Bilag1Charts(None, {}, {}))
    headings = [h.text for h in doc.headings if h.level == 2]
    assert any(h.startswith("Tal pr. kommune: ") for h in headings)
    assert not any("bydel" in h.lower() for h in headings)
    tables = [t for t in doc.blocks if isinstance(t, Table) and t.header[0] == "Kommune"]
    assert tables and len(tables[0].rows) == 98


def test_data_table_gives_each_figures_age_at_the_update(doc):
    table = next(b for b in doc.blocks if isinstance(b, Table) and b.header[:2] == ("Indikator", "Kilde"))
    rows = {row[0].text: [c.text for c in row[1:]] for row in table.rows}
    employment = rows["Andel beskæftigede indvandrere/efterkommere i København"]
    assert employment[2:] == ["aug.\u00a02009", "4 måneder"]  # one line: a no-break space  # August to December 2009
    assert len(rows) == 33


def test_district_table_names_a_shared_period_once_in_its_header():
    import dataclasses

    from reportgen.documents.bilag1 import _district_part

    b = read_barometer(DEMO)
    a = assess_history(b)[-1]
    ind = next(i for i in b.indicators if a.indicator(i.id).districts)
    r = a.indicator(ind.id)
    charts = Bilag1Charts(None, {}, {})
    shared = next(t for t in _district_part(b, ind, r, charts) if isinstance(t, Table))
    periods = {d.period for d in r.districts if not d.suppressed}
    assert len(periods) == 1
    assert shared.header[1] == f"Seneste tal ({da.period_short(periods.pop())})"
    assert "Periode" not in shared.header and {len(row) for row in shared.rows} == {4}

    # Districts measured in different periods keep a period column.
    mixed = dataclasses.replace(r, districts=tuple(
        dataclasses.replace(d, period=Period.parse("2008")) if i == 0 else d for i, d in enumerate(r.districts)))
    table = next(t for t in _district_part(b, ind, mixed, charts) if isinstance(t, Table))
    assert table.header == ("Bydel", "Seneste tal", "Periode", "Ændring", "Signal")
    assert {len(row) for row in table.rows} == {5} and table.rows[0][2].text == "2008"


def _method_text(doc) -> str:
    i = next(k for k, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.text == "Metode")
    return " ".join(_texts(b) for b in doc.blocks[i:])


def _built(b):
    history = assess_history(b)
    return build_bilag1(b, history[-1], narrate(b, history[-1], history), Bilag1Charts(None, {}, {}))


def test_method_note_speaks_of_suppression_only_where_it_can_happen(doc):
    import dataclasses

    from tests.barometer_builders import barometer, indicator, m

    assert "Tal for bydele med under 20 observationer vises ikke og får ingen farve." in _method_text(doc)
    rows = [m("A1", "2008-03", 50.0, "2008-06"), m("A1", "2009-03", 51.0, "2009-06")]
    plain = barometer([indicator("A1")], rows)  # no districts, min_n 20
    assert "observationer" not in _method_text(_built(plain))
    with_districts = barometer([indicator("A1", districts=True)],
                               [*rows, m("A1", "2009-03", 40.0, "2009-06", n=30, district="1")], districts=("1",))
    named = dataclasses.replace(with_districts, config=dataclasses.replace(
        with_districts.config, district_singular="kommune", district_plural="kommuner"))
    assert "Tal for kommuner med under 20 observationer vises ikke og får ingen farve." in _method_text(_built(named))
    unsuppressed = dataclasses.replace(named, config=dataclasses.replace(named.config, min_n=0))
    doc0 = _built(unsuppressed)
    assert "observationer" not in _method_text(doc0)
    district_tables = [t for t in doc0.blocks if isinstance(t, Table) and t.header[0] == "Kommune"]
    assert district_tables and district_tables[0].note is None


def test_without_targets_no_target_column_and_no_target_sentence():
    from tests.barometer_builders import barometer, indicator, m

    b = barometer([indicator("A1", rule="national", baseline_value=26.0, baseline_period="2012")],
                  [m("A1", "2020", 20.0, "2009-06")], aggregation="majority", min_n=0)
    doc = _built(b)
    table = next(t for t in doc.blocks if isinstance(t, Table) and t.header[:2] == ("Indikator", "Seneste tal"))
    assert table.header == ("Indikator", "Seneste tal", "Periode", "Ændring", "Signifikans", "Signal")
    assert {len(row) for row in table.rows} == {6} and len(table.widths) == 6
    method = _method_text(doc)
    assert "Afstanden til målet" not in method and "observationer" not in method
    # no tolerance and no standard errors: yellow is not explained by them
    assert "Gul (stilstand): ingen ændring." in method
    assert "tolerance" not in method and "signifikant" not in method
    # one area with one main indicator: the majority rule never decides, so the note says what does
    assert "Hvert indsatsområde har én hovedindikator, og indsatsområdet får dens farve." in method
    assert "den hyppigste farve" not in method and "den dårligste farve" not in method


def test_initiative_headings_name_the_area_as_a_danish_compound(doc):
    """'boligområdet', 'kultur- og fritidsområdet' (da.area_domain), never 'boligsområdet'."""
    initiative_headings = [h.text for h in doc.headings if h.text.startswith("Initiativer")]
    assert "Initiativer på boligområdet" in initiative_headings
    assert "Initiativer på kultur- og fritidsområdet" in initiative_headings
    assert "Initiativer på beskæftigelsesområdet" in initiative_headings
    assert not any("sområdet" in h and h.endswith("gsområdet") for h in initiative_headings)


def test_overview_caption_names_the_update_in_running_text(doc):
    overview = next(b for b in doc.blocks if isinstance(b, Table))
    assert overview.caption == "Signalfarver ved opdateringen i december 2009"


def test_running_header_names_the_update_only_when_the_meeting_is_in_another_month(doc):
    # the meeting (3 December 2009) is in the update's month: no "· December 2009" after the date
    assert doc.meta.running_header == "Beskæftigelses- og Integrationsudvalget · 3. december 2009"


def test_data_note_gives_the_typical_ages_of_its_own_table(doc):
    """Computed medians (as Bilag 3's), not a fixed '1½-2 år' the table below may contradict."""
    i = next(k for k, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.text == "Datagrundlag")
    note = _texts(doc.blocks[i + 1])
    assert ("Det nyeste tal er typisk 18 måneder (1½ år) gammelt fra de nationale kilder, fx Danmarks Statistik "
            "og ministerierne, og 12 måneder (1 år) fra de lokale.") in note
    assert "1½-2 år" not in note


def test_a_target_worded_by_the_policy_stands_in_its_words_in_table_and_sentence(doc):
    """indicators.csv target_text: the housing-areas count's ceiling is "ingen nye" as in the seed,
    never "Mål 5" beside a value of 2; its sentence names the target the same way, with units."""
    text = "\n".join(_texts(b) for b in doc.blocks)
    assert "ingen nye (dec.\u00a02010)" in text
    rows = [row for b in doc.blocks if isinstance(b, Table) for row in b.rows
            if row[0].text.startswith("Antal udsatte boligområder")]
    assert rows and all("5\u00a0(dec." not in c.text and not c.text.startswith("5 ") for row in rows for c in row)
    assert "Der er 0,54 karakterpoint til målet for 2010 på 0,24." in text  # a value's change has its unit
    b = read_barometer(DEMO)
    history = assess_history(b)
    said = narrate(b, history[-1], history).indicators["BOL2"].paragraph  # as the letter to ØU says it
    assert "Seneste tal er 2 boligområder i marts 2009. Målet »ingen nye« for december 2010 er nået." in said


def test_no_figure_is_zero_months_old_and_counts_to_twelve_are_words(doc):
    table = next(b for b in doc.blocks if isinstance(b, Table) and b.header[:2] == ("Indikator", "Kilde"))
    ages = [row[-1].text for row in table.rows]
    assert "0 måneder" not in ages and "Under 1 måned" in ages  # the 2009 grade figures in December 2009
    text = "\n".join(_texts(b) for b in doc.blocks)
    assert "dens seks indsatsområder markeres" in text and "6 indsatsområder" not in text
