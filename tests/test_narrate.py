"""Danish sentences: the seed's exact wording, every variant, and no leaked None/nan/English."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.inputs.model import Period
from reportgen.narrate import danish as da
from reportgen.narrate import explain, narrate
from reportgen.signals.assess import IndicatorResult, assess
from tests.barometer_builders import barometer, employment_seed, indicator, m, override

U1, U2, U3 = "2008-06", "2008-12", "2009-06"
SEED_NAME = "Andel beskæftigede indvandrere/efterkommere i København"


def texts(b, update=None):
    return narrate(b, assess(b, update))


def test_seed_employment_sentences_exactly():
    n = texts(employment_seed())
    t = n.indicators["B1"]
    assert f"{t.sentence} {t.target_sentence}" == (
        f"Hovedindikatoren »{SEED_NAME}« viser et fald på 3,0 procentpoint fra februar 2009 til august 2009. "
        "Der er 5,5 procentpoint til målet for december 2010 på 64,8 procent.")
    assert t.explanation == ("Rød, fordi faldet på 3,0 procentpoint fra februar 2009 til august 2009 "
                             "går den forkerte vej.")
    # a fall of 3,0 points away from a target above is the wrong way, not merely "ikke hurtigt nok"
    assert t.pace_sentence == "Udviklingen går den forkerte vej i forhold til målet inden december 2010."
    area = n.areas["BES"]
    assert area.heading == "Beskæftigelse (rød)"
    assert area.summary == "Der noteres tilbagegang på beskæftigelsesområdet."
    assert area.paragraphs[0] == (
        f"Hovedindikatoren »{SEED_NAME}« viser et fald på 3,0 procentpoint fra februar 2009 til august 2009. "
        "Der er 5,5 procentpoint til målet for december 2010 på 64,8 procent. "
        "Udviklingen går den forkerte vej i forhold til målet inden december 2010. "
        "Faldet skyldes utvivlsomt krisen.")


def _pair(old, new, **fields):
    return barometer([indicator(name="Andel i job", **fields)],
                     [m("A1", "2008-03", old, U1), m("A1", "2008-09", new, U2)], areas=(("A", "Bolig"),))


def test_rise_unchanged_and_first_figure():
    assert texts(_pair(50.0, 51.2), U2).indicators["A1"].sentence == (
        "Hovedindikatoren »Andel i job« viser en stigning på 1,2 procentpoint fra marts 2008 til september 2008.")
    assert texts(_pair(50.0, 50.0), U2).indicators["A1"].sentence == (
        "Hovedindikatoren »Andel i job« er uændret på 50,0 procent fra marts 2008 til september 2008.")
    t = texts(_pair(50.0, 50.0), U1).indicators["A1"]
    assert t.sentence == ("Hovedindikatoren »Andel i job« var 50,0 procent i marts 2008. "
                          "Der er endnu intet tidligere tal at sammenligne med.")
    assert t.explanation == "Grå, fordi der kun er ét tal og intet tidligere tal at sammenligne med."


def test_non_main_indicator_and_no_figures():
    b = barometer([indicator(name="Andel i job", main=False)], [m("A1", "2008-09", 1.0, U2)])
    t = texts(b, U1).indicators["A1"]
    assert t.sentence == "Der er endnu ingen tal for indikatoren »Andel i job«."
    assert t.explanation == "Grå, fordi der ikke er tal."


def test_counts_and_values():
    b = barometer([indicator(name="Boliger i udsatte områder", unit="count", decimals=0, direction="down")],
                  [m("A1", "2008", 4793, U1), m("A1", "2009", 2919, U2)])
    assert texts(b, U2).indicators["A1"].sentence == (
        "Hovedindikatoren »Boliger i udsatte områder« viser et fald på 1.874 fra 2008 til 2009.")


def test_not_significant_sentence_and_explanation():
    b = barometer([indicator(name="Karaktergab", unit="value", decimals=2, direction="down")],
                  [m("A1", "2008", 0.70, U1, se=0.06), m("A1", "2009", 0.78, U2, se=0.06)],
                  areas=(("A", "Uddannelse"),))
    n = texts(b, U2)
    t = n.indicators["A1"]
    assert t.sentence == ("Hovedindikatoren »Karaktergab« viser en stigning på 0,08 fra 2008 til 2009. "
                          "Ændringen er ikke signifikant.")
    assert t.explanation == ("Gul, fordi stigningen på 0,08 fra 2008 til 2009 ikke er statistisk signifikant "
                             "(z = 0,94).")
    assert n.areas["A"].heading == "Uddannelse (gul)"
    assert n.areas["A"].summary == "Der noteres stilstand på uddannelsesområdet."


def test_significant_and_green_summary():
    b = barometer([indicator(name="Tryghed i hverdagen")],
                  [m("A1", "2008", 70.0, U1, se=1.0), m("A1", "2009", 74.4, U2, se=1.0)],
                  areas=(("A", "Tryghed"),))
    n = texts(b, U2)
    assert n.indicators["A1"].sentence.endswith(" Ændringen er statistisk signifikant.")
    assert n.indicators["A1"].explanation == (
        "Grøn, fordi stigningen på 4,4 procentpoint fra 2008 til 2009 går den rigtige vej "
        "og er statistisk signifikant (z = 3,11).")
    assert n.areas["A"].summary == "Der noteres fremgang på tryghedsområdet."


def test_tolerance_explanation():
    t = texts(_pair(50.0, 50.3, tolerance=0.5), U2).indicators["A1"]
    assert t.explanation == ("Gul, fordi stigningen på 0,3 procentpoint fra marts 2008 til september 2008 "
                             "ligger inden for tolerancen på 0,5 procentpoint.")
    assert texts(_pair(50.0, 50.0), U2).indicators["A1"].explanation == (
        "Gul, fordi tallet er uændret fra marts 2008 til september 2008.")


def test_carried_over_sentences():
    b = barometer([indicator(name="Foreningsdeltagelse")],
                  [m("A1", "2008", 50.0, U1), m("A1", "2009", 50.5, U1)],
                  areas=(("A", "Kultur og fritid"),), updates=(U1, U2, U3), area_aggregation=None)
    b = replace(b, updates=tuple(replace(u, date=u.date.replace(month=5)) if u.id == U1 else u
                                 for u in b.updates))
    n = texts(b, U3)
    assert n.areas["A"].heading == "Kultur og fritid (grøn)"
    assert n.areas["A"].summary == ("Signalfarven grøn fra opdateringen i maj 2008 fastholdes, "
                                    "da der ikke er nye tal for hovedindikatoren.")
    t = n.indicators["A1"]
    assert t.explanation == "Grøn, overført fra opdateringen i maj 2008 (ingen nye tal)."
    assert t.sentence == ("Der er ingen nye tal for hovedindikatoren »Foreningsdeltagelse« siden opdateringen "
                          "i maj 2008. Seneste tal er 50,5 procent i 2009.")
    two = barometer([indicator("A1"), indicator("A2")], [m("A1", "2008", 1.0, U1), m("A2", "2008", 1.0, U1)],
                    areas=(("A", "Kultur og fritid"),))
    assert texts(two, U2).areas["A"].summary == (
        "Der er fortsat ingen tal for hovedindikatorerne på kultur- og fritidsområdet.")


def test_seed_carry_over_wording_with_several_main_indicators():
    b = barometer([indicator("A1"), indicator("A2")],
                  [m(i, p, 1.0, "2009-05") for i in ("A1", "A2") for p in ("2008-01", "2008-03")],
                  areas=(("A", "Sundhed"),), updates=("2009-05", "2009-12"))
    assert texts(b, "2009-12").areas["A"].summary == (
        "Signalfarven gul fra opdateringen i maj 2009 fastholdes, da der ikke er nye tal for hovedindikatorerne.")


def test_target_reached_and_on_track():
    b = _pair(50.0, 61.0, target_value=60.0, target_period="2010")
    t = texts(b, U2).indicators["A1"]
    assert t.target_sentence == "Målet for 2010 på 60,0 procent er nået."
    assert t.pace_sentence is None
    t = texts(_pair(50.0, 55.0, target_value=60.0, target_period="2010-12"), U2).indicators["A1"]
    assert t.target_sentence == "Der er 5,0 procentpoint til målet for december 2010 på 60,0 procent."
    assert t.pace_sentence == "Udviklingen går hurtigt nok til at nå målet inden december 2010."
    assert texts(_pair(50.0, 55.0), U2).indicators["A1"].target_sentence is None


def test_override_sentences():
    b = barometer([indicator()], [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 49.0, U2)],
                  areas=(("A", "Bolig"),),
                  overrides=(override(U2, "A1", "yellow", "Faldet skyldes en ny opgørelsesmetode"),
                             override(U2, "A", "yellow", "Se indikatoren.")))
    n = texts(b, U2)
    assert n.indicators["A1"].explanation == (
        "Gul efter forvaltningens vurdering (beregnet: rød): Faldet skyldes en ny opgørelsesmetode.")
    assert "Forvaltningen har vurderet signalet som gult: Se indikatoren." in n.areas["A"].paragraphs
    assert n.areas["A"].heading == "Bolig (gul)"
    # the summary says whose judgement the colour is, not "Der noteres stilstand"
    assert n.areas["A"].summary == "Forvaltningen vurderer, at der er stilstand på boligområdet."


def test_comments_are_woven_in():
    b = barometer([indicator()], [m("A1", "2008-03", 50.0, U1), m("A1", "2008-09", 49.0, U2)],
                  areas=(("A", "Bolig"),),
                  comments=((U2, "A1", "Faldet skyldes krisen"), (U2, "A", "Området følges tæt."),
                            (U1, "A", "Gammel kommentar.")))
    n = texts(b, U2)
    assert n.indicators["A1"].comments == ("Faldet skyldes krisen.",)
    assert n.areas["A"].paragraphs[-1] == "Området følges tæt."
    assert all("Gammel" not in p for p in n.areas["A"].paragraphs)


def test_trajectory_explanations():
    traj = dict(rule="trajectory", baseline_value=50.0, baseline_period="2008-01", target_value=62.0,
                target_period="2010-01")
    b = barometer([indicator(**traj)], [m("A1", "2008-07", 54.0, U1), m("A1", "2009-01", 55.0, U2)])
    assert texts(b, U2).indicators["A1"].explanation == (
        "Gul, fordi tallet ligger under den forventede udvikling (56,0 procent), selv om stigningen på "
        "1,0 procentpoint fra juli 2008 til januar 2009 går den rigtige vej.")
    b = barometer([indicator(**traj)], [m("A1", "2008-07", 56.0, U1), m("A1", "2009-01", 55.0, U2)])
    assert texts(b, U2).indicators["A1"].explanation == (
        "Rød, fordi tallet ligger under den forventede udvikling (56,0 procent), og faldet på "
        "1,0 procentpoint fra juli 2008 til januar 2009 går den forkerte vej.")
    b = barometer([indicator(**traj)], [m("A1", "2008-07", 56.0, U1), m("A1", "2009-01", 56.2, U2)])
    assert texts(b, U2).indicators["A1"].explanation == (
        "Grøn, fordi tallet (56,2 procent) ligger på eller over den forventede udvikling (56,0 procent).")


def test_intro_names_new_and_carried_areas_like_the_seed():
    names = ("Beskæftigelse", "Uddannelse", "Bolig", "Kultur og fritid", "Sundhed", "Tryghed")
    areas = tuple((f"X{k}", name) for k, name in enumerate(names))
    inds = [indicator(f"I{k}", f"X{k}") for k in range(6)]
    rows = [m(f"I{k}", "2009-01", 1.0, "2009-05") for k in range(6)] + [
        m(f"I{k}", "2009-06", 2.0, "2009-12") for k in range(3)]
    b = barometer(inds, rows, areas=areas, updates=("2009-05", "2009-12"))
    assert texts(b, "2009-12").intro == (
        "Ved opdateringen i december 2009 er der nye målinger inden for tre indsatsområder: "
        "Beskæftigelse, Uddannelse og Bolig. Farven på de tre øvrige indsatsområder – Kultur og fritid, "
        "Sundhed og Tryghed – er overført fra opdateringen i maj 2009.")


@pytest.mark.parametrize(("name", "domain"), [
    ("Beskæftigelse", "beskæftigelsesområdet"), ("Uddannelse", "uddannelsesområdet"),
    ("Bolig", "boligområdet"), ("Kultur og fritid", "kultur- og fritidsområdet"),
    ("Sundhed", "sundhedsområdet"), ("Tryghed", "tryghedsområdet"),
    ("Ældre borgere i byen", "indsatsområdet Ældre borgere i byen"),
])
def test_area_domain(name, domain):
    assert da.area_domain(name) == domain


# --- no leaks over generated results -------------------------------------------------------------

FORBIDDEN = re.compile(r"\b(None|nan|inf|True|False|null|green|yellow|red|grey|up|down)\b")

optional_float = st.one_of(st.none(), st.floats(-200, 200, allow_nan=False))
signals = st.sampled_from(("green", "yellow", "red", "grey"))
periods = st.one_of(st.none(), st.builds(Period, st.integers(2005, 2012), st.integers(1, 12), st.booleans()))


@st.composite
def results(draw):
    return IndicatorResult(
        indicator="A1", signal=draw(signals), carried_over=draw(st.booleans()),
        overridden=draw(st.booleans()), value=draw(optional_float), period=draw(periods),
        reference_value=draw(optional_float), reference_period=draw(periods), change=draw(optional_float),
        significant=draw(st.sampled_from((None, True, False))), target_value=draw(optional_float),
        target_period=draw(periods), remaining=draw(optional_float),
        on_track=draw(st.sampled_from((None, True, False))),
        rule=draw(st.sampled_from(("previous", "baseline", "trajectory", "national", "gauge"))),
        tolerance=draw(st.sampled_from((0.0, 0.5))), z=draw(st.floats(-5, 5)), z_crit=1.96,
        expected_value=draw(optional_float), carried_from=draw(st.sampled_from((None, U1, U2))),
        override_reason=draw(st.sampled_from((None, "Vurderet lokalt"))),
        computed_signal=draw(st.one_of(st.none(), signals)),
        gauge_ratio=draw(st.one_of(st.none(), st.floats(-2, 2))),
    )


def _consistent(r: IndicatorResult) -> IndicatorResult:
    """What assess guarantees: a value has a period, a change has a reference and a value."""
    if r.value is None:
        r = replace(r, period=None, change=None, reference_value=None, reference_period=None,
                    remaining=None, on_track=None, expected_value=None)
    elif r.period is None:
        r = replace(r, period=Period(2009, 8))
    if r.change is None or r.reference_period is None:
        r = replace(r, change=None, reference_period=None, significant=None)
    if r.overridden and r.override_reason is None:
        r = replace(r, override_reason="Vurderet lokalt")
    if r.remaining is not None and r.target_value is None:
        r = replace(r, target_value=60.0)
    return r


@settings(max_examples=300, deadline=None)
@given(results(), st.sampled_from(("percent", "count", "value")), st.sampled_from(("up", "down")),
       st.booleans())
def test_no_none_nan_or_english_in_any_sentence(r, unit, direction, main):
    r = _consistent(r)
    b = barometer([indicator(unit=unit, direction=direction, main=main, name="Andel i job")],
                  [m("A1", "2008-03", 1.0, U1)])
    n = narrate(b, assess(b, U1))
    from reportgen.narrate.sentences import indicator_text

    t = indicator_text(b, b.indicators[0], r)
    for text in (t.sentence, t.target_sentence, t.pace_sentence, t.explanation, explain(b, b.indicators[0], r),
                 n.intro, *n.areas["A"].paragraphs, n.areas["A"].summary):
        if text:
            assert not FORBIDDEN.search(text), text
            assert text.strip() == text and "  " not in text, text


def test_a_carried_grey_gives_the_reason_not_the_carry():
    b = barometer([indicator()], [m("A1", "2008-03", 50.0, U1)])
    assert texts(b, U3).indicators["A1"].explanation == (
        "Grå, fordi der kun er ét tal og intet tidligere tal at sammenligne med.")


def test_every_change_carries_its_unit_and_a_target_reads_as_the_policy_wrote_it():
    assert da.change_amount(0.54, "value", 2, "karakterpoint") == "0,54 karakterpoint"
    assert da.change_amount(-3, "count", 0, "boligområde|boligområder") == "3 boligområder"
    assert da.change_amount(1, "count", 0, "boligområde|boligområder") == "1 boligområde"
    assert da.change_amount(0.54, "value", 2) == "0,54" and da.change_amount(3, "percent", 1) == "3,0 procentpoint"
    assert da.level(2, "count", 0, "boligområde|boligområder") == "2 boligområder"
    assert da.level(0.78, "value", 2, "karakterpoint") == "0,78"  # a level as the seed writes it
    ind = indicator("B", unit="count", direction="down", decimals=0, target_value=5, target_period="2010-12",
                    baseline_value=5, baseline_period="2007-01", rule="previous",
                    target_text="ingen nye", unit_text="boligområde|boligområder")
    b = barometer([ind], [m("B", "2008-01", 5, "2008-12"), m("B", "2009-03", 2, "2009-06")])
    history = [assess(b, u.id) for u in b.updates]
    text = narrate(b, history[-1], history).indicators["B"]
    assert "et fald på 3 boligområder" in text.sentence
    assert text.target_sentence == "Målet »ingen nye« for december 2010 er nået."


def test_a_green_area_whose_main_figure_fell_is_not_said_to_progress():
    """Green by its target path though the figure fell since the previous one: say both."""
    ind = indicator("A1", rule="trajectory", baseline_value=50, baseline_period="2008-01",
                    target_value=60, target_period="2010-12")
    b = barometer([ind], [m("A1", "2008-03", 58, "2008-06"), m("A1", "2008-09", 57, "2008-12")])
    history = [assess(b, u.id) for u in b.updates[:2]]
    assert history[-1].area("A").signal == "green" and history[-1].indicator("A1").change < 0
    summary = narrate(b, history[-1], history).areas["A"].summary
    assert "fremgang" not in summary
    assert summary.startswith("Signalfarven er grøn på ")
    assert summary.endswith(", selv om hovedindikatoren »Indikator A1« er gået den forkerte vej siden forrige måling.")
    rose = barometer([ind], [m("A1", "2008-03", 56, "2008-06"), m("A1", "2008-09", 57, "2008-12")])
    again = [assess(rose, u.id) for u in rose.updates[:2]]
    assert narrate(rose, again[-1], again).areas["A"].summary.startswith("Der noteres fremgang")
