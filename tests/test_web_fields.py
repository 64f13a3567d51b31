"""The template editor lists the fields a text may use: each with its meaning from letters/README.md
(read by documents/fields.py, not written twice) and the value it has now, from the context
function the text's builder uses (issue 27, point 6)."""
from __future__ import annotations

import html
import re

import pytest
from web_helpers import logged_in, make_client, make_workspace

from reportgen import PROJECT_DIR
from reportgen.documents import fields
from reportgen.web.fields import context, text_fields
from reportgen.web.texts import text_names

ROW = re.compile(r'<tr><th scope="row"><code>([^<]+)</code></th><td class="why" data-label="Forklaring">(.*?)</td>'
                 r'<td class="why" data-label="Værdi nu">(.*?)</td></tr>', re.S)


@pytest.fixture
def client(tmp_path):
    return logged_in(make_client(make_workspace(tmp_path / "ws")))


def _rows(client, name):
    r = client.get(f"/b/testrup/texts/{name}")
    assert r.status_code == 200, r.text
    return {n: (html.unescape(m), html.unescape(v)) for n, m, v in ROW.findall(r.text)}, r.text


def test_letter_editor_lists_fields_with_meaning_and_the_committees_value_now(client):
    rows, page = _rows(client, "BUU.md")
    assert "Felter, du kan bruge i teksten" in page
    assert "opdateringen juni 2009, brevet til Børne- og Ungdomsudvalget" in page
    assert rows["udvalg.navn"] == ("udvalgets navn, fx Børne- og Ungdomsudvalget", "Børne- og Ungdomsudvalget")
    assert rows["kommune"] == ("kommunens navn, fx Aarhus Kommune", "Testrup Kommune")
    assert rows["opdatering.id"][1] == "2009-06"
    assert rows["barometer.titel"][1] == "Testbarometer"
    # A list, and the fields of its items with the first item's values.
    assert rows["indikatorer"][0].startswith("udvalgets indikatorer")
    assert rows["i.navn"] == ("indikatorens navn, fx Andel tosprogede børn (3-5 år) i dagtilbud", "Karaktergab")
    assert rows["i.hovedindikator"][1] in ("sand", "falsk")
    assert rows["borgmester.navn"][0] == rows["underskrift.navn"][0] and rows["underskrift.navn"][1]
    assert "{% for i in indikatorer %}" in html.unescape(page)


@pytest.mark.parametrize("name", ["default.md", "advice.md", "case.md", "press.md", "annual.md", "mail.md",
                                  "BUU.md"])
def test_every_field_of_every_text_is_explained(client, name):
    """Every name the builder's context offers is listed, and letters/README.md explains each."""
    ws = client.app.state.web.ws
    assert name in text_names(ws, "testrup")
    found = text_fields(ws, "testrup", name)
    assert found is not None and found.error is None
    listed = {f.name: f for f in found.rows}
    _, values = context(ws, "testrup", name)
    for key in values:
        assert key in listed or any(n.startswith(f"{key}.") for n in listed), key
    unexplained = [f.name for f in found.rows if not f.meaning]
    assert unexplained == []
    rows, _ = _rows(client, name)
    assert set(rows) == set(listed)


def test_values_come_from_the_builders_context(client):
    rows, _ = _rows(client, "advice.md")
    assert rows["antal_indikatorer"][1] == str(len(client.app.state.web.ws.barometer("testrup").indicators))
    rows, _ = _rows(client, "mail.md")
    assert rows["emne"][1].endswith("juni 2009") and rows["emne"][1].startswith("Opfølgning på")
    # the testbarometer's letters are signed by the owner committee's chair: no "Borgmesterbrev"
    letter = "Brev fra formanden for Beskæftigelses- og Integrationsudvalget til Børne- og Ungdomsudvalget"
    assert rows["bilag"][1] == f"{letter}.pdf og {letter}.docx"
    rows, _ = _rows(client, "press.md")
    assert rows["udkast"] == ("sand, så længe meddelelsen er et udkast (citat, navn eller telefon på "
                              "pressekontakten mangler)", "sand")
    # "som i brevene" takes the letters' explanation.
    assert rows["kommune"][0] == "kommunens navn, fx Aarhus Kommune"


def test_texts_without_fields_list_none(client):
    assert text_fields(client.app.state.web.ws, "testrup", "letters.toml") is None
    assert "Felter, du kan bruge" not in client.get("/b/testrup/texts/letters.toml").text


def test_readme_tables_are_read_as_one_mapping():
    readme = """# x

## Felter: tekst

| felt | hvad det er |
|---|---|
| `{{ kommune }}` | kommunens navn |
| `{{ underskrift.navn }}`, `{{ underskrift.titel }}` | den, der underskriver; `{{ borgmester.navn }}` er det samme |
| `{{ barometer.navn }}`, `.titel` | barometret |

## mail.md: e-mailen

| felt | eksempel på indhold |
|---|---|
| `{{ kommune }}` | som i brevene |
| `{{ emne }}` | emnet med `a\\|b` og `|flertal` |

| du skriver | resultat |
|---|---|
| `{{ ikke_et_felt }}` | x |
"""
    table = fields.parse(readme)
    assert table["default.md"] == {"kommune": "kommunens navn",
                                   "underskrift.navn": "den, der underskriver; {{ borgmester.navn }} er det samme",
                                   "underskrift.titel": "den, der underskriver; {{ borgmester.navn }} er det samme",
                                   "borgmester.navn": "den, der underskriver; {{ borgmester.navn }} er det samme",
                                   "barometer.navn": "barometret", "barometer.titel": "barometret"}
    assert table["mail.md"] == {"kommune": "kommunens navn", "emne": "emnet med a|b og |flertal"}
    assert fields.meanings(PROJECT_DIR, "BUU.md") == fields.meanings(PROJECT_DIR, "default.md")
    assert fields.meanings(PROJECT_DIR, "letters.toml") == {}


def test_a_letter_nobody_can_sign_still_lists_its_fields_and_says_why_there_are_no_values(tmp_path):
    client = logged_in(make_client(make_workspace(tmp_path / "ws", files={"committees.csv": """\
        id,name,chair
        BIU,Beskæftigelses- og Integrationsudvalget,
        BUU,Børne- og Ungdomsudvalget,
        """})))
    r = client.get("/b/testrup/texts/BUU.md")
    assert r.status_code == 200
    assert "Felternes værdier kan ikke vises lige nu" in r.text and "[underskrift] navn mangler" in r.text
    rows = {n: (html.unescape(m), html.unescape(v)) for n, m, v in ROW.findall(r.text)}
    assert rows["udvalg.navn"] == ("udvalgets navn, fx Børne- og Ungdomsudvalget", "")


@pytest.mark.parametrize("name", ["default.md", "BUU.md", "advice.md", "case.md", "press.md", "annual.md",
                                  "mail.md"])
def test_the_values_are_those_the_builder_renders_the_text_with(client, monkeypatch, name):
    """The builder's own call of render_markdown is caught while the editor's preview runs it; its
    context shows exactly as the fields list shows it."""
    from reportgen.documents import letters
    from reportgen.web import fields as web_fields
    from reportgen.web.texts import preview, read_text

    ws = client.app.state.web.ws
    seen = []
    real = letters.render_markdown

    def catch(source, context):
        seen.append((source.display, context))
        return real(source, context)

    monkeypatch.setattr(letters, "render_markdown", catch)
    result = preview(ws, "testrup", name, read_text(ws, "testrup", name).text)
    assert result.error is None, result.error
    rendered = [c for display, c in seen if display.endswith(f"letters/{name}")]  # the text under preview
    if name == "default.md":  # one letter per committee: the one the list is for
        rendered = [c for c in rendered if c["udvalg"]["id"] == "BUU"]
    assert rendered, [d for d, _ in seen]
    _, values = web_fields.context(ws, "testrup", name)
    shown = {f.name: f.value for f in web_fields.rows(values, fields.meanings(PROJECT_DIR, name))[0]}
    built = {f.name: f.value for f in web_fields.rows(rendered[0], fields.meanings(PROJECT_DIR, name))[0]}
    assert shown == built
