"""A small second municipality that has filled in only its data (issue 26, point 7): an override, an
area on the majority rule with a tie, a suppressed district, national and local sources. Bilag 1,
Bilag 3 and the charts speak of this barometer's own rules and data, not Copenhagen's."""
from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from reportgen.charts import draw as charts
from reportgen.rounds.pipeline import build, chart_specs, read_barometer
from reportgen.signals import assess
from tests.conftest import write_barometer

SVG = "{http://www.w3.org/2000/svg}"
LONG_AREA = "Beskæftigelse og selvforsørgelse blandt flygtninge og familiesammenførte"

FJORDBY: dict[str, str | None] = {
    "barometer.toml": """\
        title = "Integrationsbarometer"
        municipality = "Fjordby Kommune"
        policy = "Integrationspolitikken"
        owner = "BIU"
        language = "da"

        [assessment]
        aggregation = "worst"
        significance = 0.05
        min_n = 20
        """,
    "updates.csv": """\
        id,date,label
        2021-06,2021-06-01,Juni 2021
        2021-12,2021-12-01,December 2021
        """,
    "areas.csv": f"""\
        id,name,aggregation
        A,{LONG_AREA},majority
        B,Uddannelse,
        C,Tryghed,
        """,
    "committees.csv": """\
        id,name,chair
        BIU,Beskæftigelses- og Integrationsudvalget,
        """,
    "districts.csv": """\
        id,name,geo_id
        N,Nordby,
        S,Sydby,
        O,Fjordø,
        """,
    "indicators.csv": "\n".join([
        "id,area,name,main,unit,direction,decimals,rule,tolerance,baseline_value,baseline_period,"
        "target_value,target_period,committee,source,districts,source_type",
        "A1,A,Andel flygtninge i job,yes,percent,up,1,previous,0,,,,,BIU,Jobcentret,yes,local",
        "A2,A,Andel på offentlig forsørgelse,yes,percent,down,1,previous,0,,,,,BIU,Danmarks Statistik,no,national",
        "B1,B,Karaktergab ved afgangsprøven,yes,value,down,2,previous,0,,,0.40,2022-06,BIU,Skoleforvaltningen,no,local",
        "C1,C,Andel unge sigtet for vold,yes,percent,down,1,previous,0,,,,,BIU,Politiet,no,local",
        "",
    ]),
    "measurements.csv": """\
        indicator,period,value,se,n,district,update
        A1,2021-03,40.0,,,,2021-06
        A1,2021-09,42.0,,,,2021-12
        A1,2021-03,41.0,,200,N,2021-06
        A1,2021-03,39.0,,180,S,2021-06
        A1,2021-03,30.0,,8,O,2021-06
        A1,2021-09,43.0,,210,N,2021-12
        A1,2021-09,40.0,,170,S,2021-12
        A1,2021-09,35.0,,9,O,2021-12
        A2,2021-04,30.0,,,,2021-06
        A2,2021-10,31.0,,,,2021-12
        B1,2019-09,0.55,,,,2021-06
        B1,2020-09,0.60,,,,2021-06
        C1,2019,0.3,,,,2021-06
        C1,2020,0.3,,,,2021-06
        """,
    "overrides.csv": """\
        update,target,signal,reason
        2021-12,C,green,"Politiet vurderer, at tallet er stabilt lavt"
        """,
    "initiatives.csv": """\
        id,name,indicator,committee,status,description
        I1,Jobbro,A1,BIU,igang,Virksomhedspraktik for nyankomne flygtninge.
        """,
}


def pdf_text(path) -> str:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def fjordby(tmp_path_factory):
    folder = write_barometer(tmp_path_factory.mktemp("fjordby") / "barometer", FJORDBY)
    result = build(folder, out_root=tmp_path_factory.mktemp("fjordby-out"), use_cache=False)
    return folder, result.out_dir


def test_method_note_states_each_areas_own_rule(fjordby):
    _, out = fjordby
    text = pdf_text(out / "bilag1.pdf")
    assert (f"For {LONG_AREA} er indsatsområdets farve den hyppigste farve blandt hovedindikatorerne "
            "(ved stemmelighed den dårligste).") in text
    assert "Uddannelse og Tryghed har hver én hovedindikator og får dens farve." in text
    assert "Et indsatsområdes farve er den dårligste farve" not in text  # the toml default no area uses
    # and the tie really went to the worse colour: A1 green, A2 red -> red
    b = read_barometer(fjordby[0])
    area = assess.assess(b).area("A")
    assert sorted(s for _, s in area.main_signals) == ["green", "red"] and area.signal == "red"


def test_an_override_shows_the_computed_colour_in_neuter(fjordby):
    _, out = fjordby
    for doc in ("sag.pdf", "bilag1.pdf"):
        text = pdf_text(out / doc)
        assert ("Forvaltningen har vurderet signalet som grønt (beregnet: gul): Politiet vurderer, at tallet "
                "er stabilt lavt.") in text, doc
        assert "signalet som grøn " not in text and "signalet som grøn:" not in text
    # no new figures and a colour the administration set: never "Der noteres fremgang"
    bilag1 = pdf_text(out / "bilag1.pdf")
    assert ("Der er ikke nye tal for hovedindikatoren på tryghedsområdet; signalfarven grøn er "
            "forvaltningens vurdering.") in bilag1
    assert "Der noteres fremgang på tryghedsområdet" not in bilag1


def test_bilag3_counts_only_published_district_figures_and_argues_from_this_data(fjordby):
    _, out = fjordby
    text = pdf_text(out / "bilag3.pdf")
    # six district rows, two of them (Fjordø, n < 20) held back
    assert "offentliggjort otte tal for hele kommunen og fire tal for bydele." in text
    # national figures are the newer here (2 against 12 months): no "national figures are older" argument
    assert "ministerierne, er 2 måneder gammelt" in text
    assert "aktuelle tal ofte er på bekostning af mere sikre nationale" not in text
    assert "for den ene indikator med nationale kilder" in text
    assert "levetid på" not in text and "Projekt- og indsatsbanken" not in text


def test_bilag3_advice_comes_from_the_data(fjordby):
    _, out = fjordby
    text = pdf_text(out / "bilag3.pdf")
    assert "Opmærksomhedspunkter ved opdateringen i december 2021" in text
    assert ("Fristen for målet for »Karaktergab ved afgangsprøven« er juni 2022, om seks måneder, og der "
            "mangler 0,20.") in text
    assert ("Det nyeste tal er 15 måneder eller ældre for én indikator: »Karaktergab ved afgangsprøven« "
            "(september 2020, 15 måneder).") in text
    assert ("Fjordø har i begge målinger haft under 20 observationer (højst 9), så dens tal er aldrig "
            "offentliggjort") in text
    assert "nabobydel" in text
    # Nordby and Sydby are published: no such advice for them
    assert "Nordby har i alle" not in text and "Sydby har i alle" not in text


def test_no_raw_status_code_in_the_documents(fjordby):
    _, out = fjordby
    text = pdf_text(out / "pack.pdf")
    assert "Jobbro (igangværende)." in text
    assert "(igang)" not in text


def test_overview_wraps_a_long_area_name_and_axes_fit_small_shares(fjordby):
    folder, out = fjordby
    words = ["".join(t.itertext()) for t in ET.parse(out / "charts" / "overview.svg").getroot().iter(f"{SVG}text")]
    assert LONG_AREA not in words  # not one line running under the colour word
    lines = words[words.index("Beskæftigelse og"):words.index("rød (tilbagegang)")]
    assert " ".join(lines) == LONG_AREA and all(len(w) <= charts.NAME_WRAP for w in lines)
    b = read_barometer(folder)
    for (kind, ind_id), spec in chart_specs(b, assess.assess(b)).items():
        if kind == "trend" and ind_id == "C1":
            ind, rows, _ = spec.args
            lo, hi = charts.trend_layout(ind, rows, dict(spec.options).get("updates")).y_limits
            assert lo == 0.0 and 0.3 < hi <= 1.0, (lo, hi)  # 0,3 % on an axis of about 0-0,8, not 0-7
            break
    else:
        pytest.fail("no trend chart for C1")


def test_themes_speak_of_half_a_year_and_never_list_the_owner_among_the_others(fjordby):
    _, out = fjordby
    for name in ("sag.pdf", "bilag3.pdf"):
        text = pdf_text(out / name)
        # live since June 2021, the term's last year: not "De sidste 4 år" of experience
        assert "Det sidste halve år har givet en række erfaringer" in text, name
        assert "De sidste 4 år" not in text, name
        # the owner is the only committee: no list of "øvrige udvalg" naming it
        assert "følgende udvalg" not in text and "øvrige udvalg indikatorer" not in text, name


def test_press_leads_with_an_area_assessed_for_the_first_time_as_red(fjordby):
    _, out = fjordby
    text = pdf_text(out / "pressemeddelelse.pdf")
    # grey -> red outranks the administration's yellow -> green on Tryghed (docs/press.md)
    assert f"Pressemeddelelse – UDKAST {LONG_AREA} skifter fra grå til rød i integrationsbarometret" in text
    assert ("Andelen af flygtninge i job er steget med 2,0 procentpoint fra marts 2021 til september 2021. "
            "Andelen på offentlig forsørgelse er steget med 1,0 procentpoint fra april 2021 til oktober 2021. "
            f"Dermed skifter {LONG_AREA} fra grå til rød") in text
    # no target: the facts say why each main indicator has its colour
    assert "Andel på offentlig forsørgelse: Rød, fordi stigningen på 1,0 procentpoint" in text
    assert "fra gul til grøn skifter" not in text
    # one initiative: "the" initiative, not "ét initiativ" in an overview
    assert "Barometrets oversigt over det initiativ, der er knyttet til indikatorerne" in pdf_text(out / "sag.pdf")


def test_bilag3_names_the_one_committee_and_says_both_measurements(fjordby):
    _, out = fjordby
    text = pdf_text(out / "bilag3.pdf")
    assert ("Barometrets fire indikatorer hører alle under Beskæftigelses- og Integrationsudvalget. Ved "
            "opdateringen i december 2021 er to af dem røde.") in text
    assert "fordelt på ét udvalg" not in text
    assert "Fjordø har i begge målinger haft under 20 observationer" in text and "alle to" not in text


def test_bilag3_gives_one_indicator_its_age_not_a_typical_one(fjordby):
    _, out = fjordby
    text = pdf_text(out / "bilag3.pdf")
    assert ("mens det for den ene indikator med nationale kilder, fx Danmarks Statistik og ministerierne, er 2 "
            "måneder gammelt.") in text
    assert "typisk 12 måneder (1 år) gammelt" in text  # three local indicators: a typical age
