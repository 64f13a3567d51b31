"""`check` refuses what `build` refuses, and `build` refuses it before drawing a single chart:
letter and advice texts rendered against the data, the signature, a barometer's own templates and
print.css, the district map (reportgen/rounds/preflight.py)."""
from __future__ import annotations

import json
import textwrap

import pytest

from reportgen import PROJECT_DIR
from reportgen.errors import ReportgenError, TemplateError
from reportgen.rounds import pipeline, preflight
from tests.conftest import BASE_FILES
from tests.test_check_cli import run_check

FORBIDDEN = 'Første afsnit.\n\n{{ "".__class__ }}\n'


class _NoCharts:
    def __init__(self, *args, **kwargs):
        raise AssertionError("a chart was about to be drawn")


def build_refuses(folder, tmp_path, monkeypatch) -> tuple[str, list[str]]:
    """Build ``folder`` in this process with chart drawing forbidden; the error and the steps reached."""
    monkeypatch.setattr(pipeline, "_Charts", _NoCharts)
    steps: list[str] = []
    out = tmp_path / "out"
    with pytest.raises(ReportgenError) as caught:
        pipeline.build(folder, out_root=out, progress=lambda text, i, n: steps.append(text), use_cache=False)
    assert not out.exists() or not any(p.name != ".cache" for p in out.iterdir())  # nothing written
    return str(caught.value), steps


def refused_by_both(folder, tmp_path, monkeypatch) -> str:
    """The one-line error check prints (exit 1, nothing on stdout), which build raises as well."""
    result = run_check(folder)
    assert result.returncode == 1, result.stdout
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Fejl: ")
    message, steps = build_refuses(folder, tmp_path, monkeypatch)
    assert steps == ["Læser og validerer data"]
    assert line == f"Fejl: {message}"
    return message


def test_forbidden_name_in_a_letter_is_refused_by_check_and_by_build_before_charts(
        make_barometer, tmp_path, monkeypatch):
    folder = make_barometer({"letters/default.md": FORBIDDEN}, name="aarhus")
    message = refused_by_both(folder, tmp_path, monkeypatch)
    assert message.startswith("aarhus/letters/default.md:3: ikke tilladt i en brevtekst")


def test_unknown_variable_in_advice_is_located(make_barometer, tmp_path, monkeypatch):
    folder = make_barometer({"letters/advice.md": "# Temaer\n\n{{ antal_indikatorrer }}\n"}, name="aarhus")
    message = refused_by_both(folder, tmp_path, monkeypatch)
    assert message == ("aarhus/letters/advice.md:3: ukendt variabel 'antal_indikatorrer' "
                       "(mente du 'antal_indikatorer'?)")


def test_syntax_error_in_a_committees_letter_is_located(make_barometer, tmp_path, monkeypatch):
    folder = make_barometer({"letters/BUU.md": "Tekst.\n\n{% if roede %}\nrødt\n"}, name="aarhus")
    message = refused_by_both(folder, tmp_path, monkeypatch)
    assert message.startswith("aarhus/letters/BUU.md:")
    assert "skrivefejl i skabelonen" in message


def test_inits_placeholder_signature_is_refused(make_barometer, tmp_path, monkeypatch):
    toml = '[underskrift]\nnavn = "Navn Navnesen"\ntitel = "Borgmester"\n'
    folder = make_barometer({"letters/letters.toml": toml}, name="aarhus")
    message = refused_by_both(folder, tmp_path, monkeypatch)
    assert message == ('aarhus/letters/letters.toml: [underskrift] navn: "Navn Navnesen" er pladsholderen '
                       "fra reportgen init; skriv det rigtige navn")


def test_no_signature_and_no_chair_is_one_located_error(make_barometer, tmp_path, monkeypatch):
    committees = BASE_FILES["committees.csv"].replace("Anna Andersen", "")
    folder = make_barometer({"committees.csv": committees}, name="aarhus")
    message = refused_by_both(folder, tmp_path, monkeypatch)
    assert message.startswith("aarhus/letters/letters.toml: [underskrift] navn mangler: ")
    assert "chair" in message and "BIU" in message


def test_several_problems_are_listed_together(make_barometer):
    folder = make_barometer({"letters/default.md": FORBIDDEN, "letters/advice.md": "{{ nej }}\n"}, name="aarhus")
    result = run_check(folder)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("aarhus/letters/default.md:3: ikke tilladt")
    assert lines[1].startswith("aarhus/letters/advice.md:1: ukendt variabel 'nej'")
    assert lines[-1] == "Fejl: 2 problemer i tekster, skabeloner eller kort. Intet er skrevet."


def test_own_html_template_is_rendered_by_check(make_barometer, tmp_path, monkeypatch):
    template = "<p>{{ view.runs }}{{ ukendt_felt }}</p>\n"
    folder = make_barometer({"templates/html/blocks/paragraph.html": template}, name="aarhus")
    message = refused_by_both(folder, tmp_path, monkeypatch)
    assert message.startswith("templates/html/blocks/paragraph.html:1: ukendt variabel")


def test_own_block_template_no_text_uses_is_tried_as_well(make_barometer, tmp_path, monkeypatch):
    folder = make_barometer({"templates/html/blocks/keyvalue.html": "{% for %}\n"}, name="aarhus")
    message = refused_by_both(folder, tmp_path, monkeypatch)
    assert message.startswith("templates/html/blocks/keyvalue.html:1:")


def test_own_print_css_is_parsed_by_check(make_barometer, tmp_path, monkeypatch):
    folder = make_barometer({"templates/html/print.css": "@page { size: A4 }\np { colour: red }\n"},
                            name="aarhus")
    result = run_check(folder)
    assert result.returncode == 1
    assert result.stderr.startswith("Fejl: aarhus/templates/html/print.css: PDF-opsætningen fejlede:")
    assert "colour" in result.stderr
    message, steps = build_refuses(folder, tmp_path, monkeypatch)
    assert steps == ["Læser og validerer data"] and message.startswith("aarhus/templates/html/print.css: ")


def test_print_css_reaching_outside_its_folders_is_refused(make_barometer):
    folder = make_barometer({"templates/html/print.css": '@import url("file:///etc/passwd");\n'}, name="aarhus")
    result = run_check(folder)
    assert result.returncode == 1
    assert result.stderr.startswith("Fejl: aarhus/templates/html/print.css: ")


def test_own_site_template_is_rendered_by_check(make_barometer, tmp_path, monkeypatch):
    folder = make_barometer({"templates/site/index.html": "{{ forside.ukendt }}\n"}, name="aarhus")
    message = refused_by_both(folder, tmp_path, monkeypatch)
    assert message.startswith("templates/site/index.html:1: ukendt variabel")


def test_a_map_the_map_drawing_would_refuse_is_refused_by_check(make_barometer, tmp_path, monkeypatch):
    toml = textwrap.dedent(BASE_FILES["barometer.toml"]) + '\n[map]\nfile = "bydele.geojson"\nkey = "nr"\n'
    folder = make_barometer({
        "barometer.toml": toml,
        "districts.csv": "id,name,geo_id\n1,Nord,1\n",
        "bydele.geojson": json.dumps({"type": "GeometryCollection", "geometries": []}),
    }, name="aarhus")
    message = refused_by_both(folder, tmp_path, monkeypatch)
    assert message == ("bydele.geojson: kortet er ikke en samling af områder (GeoJSON FeatureCollection): "
                       "gem kortet igen som GeoJSON")


def test_every_text_check_has_a_label():
    assert [label for label, _ in preflight.TEXT_CHECKS][:2] == ["breve (Bilag 2)", "temaer (Bilag 3, advice.md)"]
    assert all(callable(check) for _, check in preflight.TEXT_CHECKS)


def test_a_new_text_is_one_line_in_the_registry(make_barometer, monkeypatch):
    """What a helper adding letters/case.md does: one entry whose failure check then reports."""
    from reportgen.documents import letters

    def case(s: preflight.Subject):
        source = letters.find_text("case.md", barometer_dir=s.barometer.folder, project_dir=s.project_dir)
        letters.render_markdown(source, {"kommune": s.barometer.config.municipality})
        return ()

    monkeypatch.setattr(preflight, "TEXT_CHECKS", [*preflight.TEXT_CHECKS, ("sagen", case)])
    folder = make_barometer({"letters/case.md": "{{ kommune }} {{ kommunen }}\n"}, name="aarhus")
    b = pipeline.read_barometer(folder)
    with pytest.raises(TemplateError, match=r"^aarhus/letters/case.md:1: ukendt variabel 'kommunen'"):
        preflight.check_folder(b, project_dir=PROJECT_DIR)


def test_check_on_the_demo_passes_quickly():
    import time

    from tests.conftest import DEMO

    b = pipeline.read_barometer(DEMO)
    preflight.check_folder(b, project_dir=PROJECT_DIR)  # imports warmed
    started = time.process_time()  # CPU time: the other processes on a busy machine don't count
    preflight.check_folder(b, project_dir=PROJECT_DIR)
    assert time.process_time() - started < 0.5


def test_the_template_specimen_holds_one_block_of_every_kind():
    """A new kind of block in reportgen/document.py gets a template check without a second list."""
    from typing import get_args

    from reportgen.document import Block, Document, DocumentMeta

    doc = Document("x", DocumentMeta("T", "", "", None, "", ""), ())
    assert {type(b) for b in preflight._specimen(doc).blocks} == set(get_args(Block))


def test_check_warns_without_refusing_on_every_placeholder_a_document_would_show(make_barometer):
    """preflight.warnings is the one place: a "[…]" slot left in a letter, the press release's
    "[Citat …]" and a missing press contact are warnings naming the document; the build is not refused."""
    from reportgen.inputs import read_barometer
    from tests.conftest import DEMO, ROOT

    folder = make_barometer({"letters/default.md": "Kære udvalg.\n\n[Indsæt forvaltningens vurdering her]\n"})
    b = read_barometer(folder)
    documents = preflight.check_folder(b, project_dir=ROOT)  # no refusal
    lines = preflight.warnings(b, project_dir=ROOT, documents=documents)
    slot = [w for w in lines if "»[Indsæt forvaltningens vurdering her]«" in w]
    assert len(slot) == 1 and slot[0].startswith("Bilag 2 (Til ") and "skriv teksten, før det sendes" in slot[0]
    # the quote is not written (the chair signs and speaks here: the placeholder asks the chair)
    assert any("[Citat fra formanden]" in w for w in lines)
    assert any("[presse]" in w and "mangler" in w for w in lines)  # nor who answers the press
    assert preflight.placeholders(documents)["[Citat fra formanden]"] == ["Pressemeddelelse – UDKAST"]
    demo = read_barometer(DEMO)
    said = preflight.warnings(demo, project_dir=ROOT, documents=preflight.check_folder(demo, project_dir=ROOT))
    assert not [w for w in said if "[presse]" in w and "telefon" in w]  # the demo has its contact
    assert not [w for w in said if "Bilag 2" in w or "Indstilling" in w]  # its letters and case have no slot


def test_check_prints_the_placeholder_warnings_and_exits_0(make_barometer):
    folder = make_barometer({"letters/default.md": "Kære udvalg.\n\n[Indsæt forvaltningens vurdering her]\n"})
    result = run_check(folder)
    assert result.returncode == 0, result.stderr
    assert "pladsholderen »[Indsæt forvaltningens vurdering her]« står i dokumentet" in result.stdout + result.stderr
