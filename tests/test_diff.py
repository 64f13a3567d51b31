"""`reportgen diff` and the Bilag 1 changes section: hand-worked fixtures, the demo data, the CLI."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from lxml import html as lxml_html

from reportgen import palette
from reportgen.document import Document, DocumentMeta, Heading, Paragraph, Table
from reportgen.documents.changes import HEADING, changes_blocks
from reportgen.errors import ReportgenError
from reportgen.inputs import read_barometer
from reportgen.narrate import danish as da
from reportgen.narrate.diff import UpdateOrderError, diff, diff_json
from reportgen.render.html import render_html
from tests.barometer_builders import barometer, indicator, m, override
from tests.conftest import DEMO, ROOT


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "reportgen.cli", "diff", *args], capture_output=True,
                          env=env, cwd=ROOT, timeout=120)


@pytest.fixture(scope="module")
def demo():
    return read_barometer(DEMO)


def two_areas(*, overrides=()):
    """A1 (area A, up, target 60,0 in Dec. 2010) and B1 (area B, down), worked by hand:

    A1: 50,0 (2008-03) -> 52,0 (2008-09, +2,0: green; 8,0 left over 27 months, pace 2/6 >= 8/27:
    on track) -> 51,0 (2009-03, -1,0: red; 9,0 left, pace negative: off track).
    B1: 0,50 (2007) -> 0,40 (2008, down is good: green at 2008-12), nothing new at 2009-06: carried.
    A1 also has a district figure in 2009-06, which is not a whole-municipality figure.
    """
    return barometer(
        [indicator("A1", "A", target_value=60.0, target_period="2010-12", districts=True),
         indicator("B1", "B", unit="value", direction="down", decimals=2)],
        [m("A1", "2008-03", 50.0, "2008-06"), m("A1", "2008-09", 52.0, "2008-12"),
         m("A1", "2009-03", 51.0, "2009-06"), m("A1", "2009-03", 40.0, "2009-06", district="1"),
         m("B1", "2007", 0.50, "2008-06"), m("B1", "2008", 0.40, "2008-12")],
        areas=(("A", "Beskæftigelse"), ("B", "Uddannelse")), districts=("1",), overrides=overrides,
    )


def test_adjacent_updates_by_hand():
    d = diff(two_areas(), "2008-12", "2009-06")
    assert [(c.id, c.before, c.after) for c in d.area_changes] == [("A", "green", "red")]
    assert [(c.id, c.before, c.after, c.main) for c in d.indicator_changes] == [("A1", "green", "red", True)]
    assert [(f.indicator, str(f.period), f.value, f.update) for f in d.new_figures] == [
        ("A1", "2009-03", 51.0, "2009-06")]
    assert [(c.area, c.signal, c.carried_from) for c in d.carried_areas] == [("B", "green", "2008-12")]
    assert [(t.indicator, t.value, t.remaining, t.target_value) for t in d.targets_out_of_reach] == [
        ("A1", 51.0, 9.0, 60.0)]
    assert d.area_signals == (("A", "green", "red"), ("B", "green", "green"))


def test_distant_updates_collect_every_figure_published_in_between():
    d = diff(two_areas(), "2008-06", "2009-06")
    assert [(f.indicator, str(f.period)) for f in d.new_figures] == [
        ("A1", "2008-09"), ("A1", "2009-03"), ("B1", "2008")]
    # A1 had no previous figure at 2008-06, so on_track was null there: "not false" -> newly out of reach.
    assert [t.indicator for t in d.targets_out_of_reach] == ["A1"]
    # B1 was grey at 2008-06 (one figure, nothing to compare with) and is green, carried, at 2009-06.
    b1 = next(c for c in d.indicator_changes if c.id == "B1")
    assert (b1.before, b1.after, b1.carried_over) == ("grey", "green", True)


def test_a_target_already_off_track_is_not_newly_out_of_reach():
    b = barometer([indicator("A1", target_value=60.0, target_period="2010-12")],
                  [m("A1", "2008-03", 52.0, "2008-06"), m("A1", "2008-09", 51.0, "2008-12"),
                   m("A1", "2009-03", 50.0, "2009-06")])
    assert diff(b, "2008-12", "2009-06").targets_out_of_reach == ()


def test_an_override_on_a_carried_indicator_is_a_change_marked_as_such():
    d = diff(two_areas(overrides=(override("2009-06", "B1", "red"),)), "2008-12", "2009-06")
    b1 = next(c for c in d.indicator_changes if c.id == "B1")
    assert (b1.before, b1.after, b1.carried_over, b1.overridden) == ("green", "red", True, True)


def test_update_order_and_unknown_updates():
    b = two_areas()
    with pytest.raises(UpdateOrderError) as later:
        diff(b, "2009-06", "2008-12")
    assert later.value.exit_code == 2 and "tidligere opdatering" in str(later.value)
    with pytest.raises(UpdateOrderError):
        diff(b, "2009-06", "2009-06")
    with pytest.raises(ReportgenError) as unknown:
        diff(b, "2007-01", "2009-06")
    assert unknown.value.exit_code == 1
    assert str(unknown.value).startswith('--from: opdateringen "2007-01" findes ikke i updates.csv')


def test_history_gives_the_same_diff(demo):
    from reportgen.signals.assess import assess_history

    assert diff(demo, "2009-05", "2009-12", history=assess_history(demo)) == diff(demo, "2009-05", "2009-12")


# --- the demo data: December 2009 against May 2009 (the seed) -----------------------------------


def test_demo_employment_turns_red_and_three_areas_are_carried(demo):
    d = diff(demo, "2009-05", "2009-12")
    assert [(c.name, c.before, c.after) for c in d.area_changes] == [("Beskæftigelse", "green", "red")]
    assert ("BES1", "green", "red") in [(c.id, c.before, c.after) for c in d.indicator_changes]
    bes1 = [(str(f.period), f.value) for f in d.new_figures if f.indicator == "BES1"]
    assert bes1 == [("2009-08", 59.3)]
    assert all(f.update == "2009-12" for f in d.new_figures)
    assert [c.area for c in d.carried_areas] == ["KUL", "SUN", "TRY"]
    assert {c.carried_from for c in d.carried_areas} == {"2009-05"}


def test_demo_json_shape_and_utf8():
    done = run("data/copenhagen", "--from", "2009-05", "--to", "2009-12", "--json")
    assert done.returncode == 0, done.stderr.decode()
    assert "Beskæftigelse".encode() in done.stdout  # raw UTF-8, not \u escapes
    data = json.loads(done.stdout.decode("utf-8"))
    assert list(data) == ["from_update", "to_update", "areas", "indicators", "new_figures", "carried_areas",
                          "targets_out_of_reach"]
    assert (data["from_update"], data["to_update"]) == ("2009-05", "2009-12")
    assert data["areas"] == [{"id": "BES", "name": "Beskæftigelse", "from_signal": "green",
                              "to_signal": "red", "from_word": "grøn", "to_word": "rød",
                              "carried_over": False, "overridden": False}]
    assert list(data["indicators"][0]) == ["id", "name", "area", "main", "from_signal", "to_signal",
                                           "from_word", "to_word", "carried_over", "overridden"]
    assert {"indicator": "BES1", "name": "Andel beskæftigede indvandrere/efterkommere i København",
            "period": "2009-08", "value": 59.3, "update": "2009-12"} in data["new_figures"]
    assert [a["id"] for a in data["carried_areas"]] == ["KUL", "SUN", "TRY"]
    assert data["targets_out_of_reach"] == []


def test_json_numbers_follow_the_indicators_decimals():
    b = two_areas()
    data = diff_json(b, diff(b, "2008-06", "2009-06"))
    assert [f["value"] for f in data["new_figures"]] == [52.0, 51.0, 0.4]
    assert data["targets_out_of_reach"][0] == {
        "indicator": "A1", "name": "Indikator A1", "value": 51.0, "period": "2009-03", "target_value": 60.0,
        "target_period": "2010-12", "remaining": 9.0}
    json.dumps(data)  # serialisable as it stands


def test_terminal_table_shows_symbol_word_and_the_default_range():
    done = run("data/copenhagen")  # --to latest, --from the update before it
    out = done.stdout.decode("utf-8")
    assert done.returncode == 0, done.stderr.decode()
    assert "ændringer fra maj 2009 til december 2009" in out
    row = next(line for line in out.splitlines() if "Beskæftigelse" in line and "grøn" in line)
    assert row.index("↑ grøn") < row.index("↓ rød")
    assert "59,3 procent" in out and "aug. 2009" in out


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--from", "2019-12"), 1, '--from: opdateringen "2019-12" findes ikke'),
    (("--from", "2009-12", "--to", "2009-05"), 2, "--from (2009-12) skal være en tidligere opdatering"),
    (("--to", "2007-06"), 1, "er den første; der er intet at sammenligne med"),
])
def test_cli_errors_are_short_danish_and_print_nothing_on_stdout(args, code, message):
    done = run("data/copenhagen", *args, "--json")
    assert done.returncode == code
    assert done.stdout == b""
    assert message in done.stderr.decode("utf-8")


def test_help_has_an_example():
    done = run("--help")
    assert done.returncode == 0
    assert "Eksempel: reportgen diff data/copenhagen --from 2009-05 --to 2009-12" in done.stdout.decode()


# --- Bilag 1: "Ændringer siden sidste opdatering" -----------------------------------------------


def _texts(blocks) -> list[str]:
    return ["".join(r.text for r in b.runs) for b in blocks if isinstance(b, Paragraph)]


def test_changes_blocks_for_the_demo(demo):
    blocks = changes_blocks(demo, diff(demo, "2009-05", "2009-12"))
    assert blocks[0] == Heading(HEADING, 1, "aendringer")
    texts = _texts(blocks)
    assert texts[0] == ("Siden opdateringen i maj 2009 er Beskæftigelse gået fra grøn til rød; de øvrige fem "
                        "indsatsområder har samme farve som dengang.")
    fresh = len({m.indicator for m in demo.measurements if m.update == "2009-12" and m.district is None})
    assert texts[1] == (f"Der er nye tal for {da.number_word(fresh)} af barometrets 33 indikatorer, og tre "
                        "indikatorer har skiftet farve, heraf én hovedindikator.")
    assert texts[2] == ("Farven for Kultur og fritid, Sundhed og Tryghed er overført fra opdateringen i maj "
                        "2009, fordi der ikke er nye tal for områdernes hovedindikatorer.")
    table = next(b for b in blocks if isinstance(b, Table))
    first = table.rows[0]
    assert [c.text for c in first] == ["Beskæftigelse", "↑ Grøn", "↓ Rød"]
    assert first[1].fill == palette.style("green").tint and first[2].fill == palette.style("red").tint
    assert table.header == ("Indsatsområde / indikator", "Maj 2009", "December 2009")
    assert any(row[0].text == "Hovedindikator: Andel beskæftigede indvandrere/efterkommere i København"
               for row in table.rows)


def test_changes_blocks_name_a_target_out_of_reach_and_carried_area():
    b = two_areas()
    texts = _texts(changes_blocks(b, diff(b, "2008-12", "2009-06")))
    assert texts == [
        "Siden opdateringen i december 2008 er Beskæftigelse gået fra grøn til rød; det andet indsatsområde "
        "har samme farve som dengang.",
        "Der er nye tal for én af barometrets to indikatorer, og én indikator har skiftet farve, en "
        "hovedindikator.",
        "Farven for Uddannelse er overført fra opdateringen i december 2008, fordi der ikke er nye tal for "
        "områdets hovedindikator.",
        "For hovedindikatoren »Indikator A1« går udviklingen ikke længere hurtigt nok til at nå målet på "
        "60,0 procent i december 2010; der mangler 9,0 procentpoint.",
    ]


def test_no_changes_gives_no_table():
    rows = [m("A1", "2008-03", 50.0, "2008-06"), m("A1", "2008-09", 51.0, "2008-12"),
            m("A1", "2009-03", 52.0, "2009-06")]
    b = barometer([indicator("A1")], rows, areas=(("A", "Bolig"),))
    blocks = changes_blocks(b, diff(b, "2008-12", "2009-06"))
    assert not any(isinstance(x, Table) for x in blocks)
    assert _texts(blocks)[:2] == [
        "Siden opdateringen i december 2008 har ingen af indsatsområderne skiftet farve.",
        "Der er nye tal for barometrets indikator, og ingen indikatorer har skiftet farve.",
    ]


def test_changes_render_as_a_section_with_symbol_and_word(demo):
    blocks = changes_blocks(demo, diff(demo, "2009-05", "2009-12"))
    meta = DocumentMeta(label="Bilag 1", title="Test", municipality="Københavns Kommune", administration=None,
                        date_text="3. december 2009", running_header="x")
    page = lxml_html.fromstring(render_html(Document("bilag1", meta, blocks)))
    assert HEADING in [h.text_content().strip() for h in page.iter("h1", "h2")]
    cells = [td.text_content().strip() for td in page.iter("td")]
    assert cells[:3] == ["Beskæftigelse", "↑ Grøn", "↓ Rød"]
