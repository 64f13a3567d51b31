"""Letter additions from the workbench (issue 27, point 6): plain Markdown per committee and update,
never run as a template, placed where the letter names [[tilfoejelse]]; the raw editor under
"Avanceret"; a copied default letter says it is the barometer's own."""
from __future__ import annotations

import re

import pytest
from web_helpers import BEARER, csrf_of, logged_in, make_client, make_workspace

from reportgen import PROJECT_DIR
from reportgen.document import Heading, Paragraph
from reportgen.documents.bilag2 import build_letters
from reportgen.inputs import read_barometer
from reportgen.narrate.sentences import narrate
from reportgen.signals.assess import assess

ADDITION = ("## Til udvalget\n\nVi drøfter tallene på mødet den 4. februar. "
            "{{ udvalg.navn }} og {% if x %} står som skrevet.")


@pytest.fixture
def ws(tmp_path):
    return make_workspace(tmp_path / "ws")


def _letter_text(folder):
    b = read_barometer(folder)
    a = assess(b)
    doc = build_letters(b, a, narrate(b, a), {}, project_dir=PROJECT_DIR).documents[0]
    texts = []
    for block in doc.blocks:
        if isinstance(block, (Paragraph, Heading)):
            runs = getattr(block, "runs", None) or getattr(block, "text", "")
            texts.append("".join(r.text for r in runs) if not isinstance(runs, str) else runs)
    return texts


def test_addition_is_placed_after_the_table_and_shown_literally(ws):
    client = make_client(ws)
    r = client.put("/api/barometers/testrup/letters/BUU/addition?update=2009-06", headers=BEARER,
                   content=ADDITION.encode("utf-8"))
    assert r.status_code == 200, r.text
    texts = _letter_text(ws / "testrup")
    para = next(t for t in texts if t.startswith("Vi drøfter tallene"))
    assert "{{ udvalg.navn }} og {% if x %} står som skrevet." in para
    assert texts.index("Til udvalget") < texts.index("Udvalgets opfølgning")
    assert texts.index(para) < texts.index("Udvalgets opfølgning")
    # Another update's letter does not get it; an empty body removes it.
    assert client.put("/api/barometers/testrup/letters/BUU/addition?update=2009-06", headers=BEARER,
                      content=b"").status_code == 200
    assert not any(t.startswith("Vi drøfter") for t in _letter_text(ws / "testrup"))
    assert [e.action for e in client.app.state.web.ws.audit.events("testrup")][:2] == ["addition", "addition"]
    assert client.put("/api/barometers/testrup/letters/NOPE/addition", headers=BEARER,
                      content=b"x").status_code == 404


def test_addition_page_previews_and_saves(ws):
    client = logged_in(make_client(ws))
    texts = client.get("/b/testrup/texts").text
    assert 'href="/b/testrup/letters/BUU"' in texts and "Avanceret: ret hele teksten med felter" in texts
    page = client.get("/b/testrup/letters/BUU")
    assert page.status_code == 200 and "<h1>Brevet til Børne- og Ungdomsudvalget</h1>" in page.text
    csrf = csrf_of(client, "/b/testrup/letters/BUU")
    shown = client.post("/b/testrup/letters/BUU", data={"csrf": csrf, "update": "2009-06", "text": ADDITION,
                                                        "action": "preview"})
    assert "<h2>Til udvalget</h2>" in shown.text and "{{ udvalg.navn }}" in shown.text
    assert not (ws / "testrup" / "letters" / "tilfoejelser").exists()  # a preview saves nothing
    saved = client.post("/b/testrup/letters/BUU", data={"csrf": csrf, "update": "2009-06", "text": ADDITION,
                                                        "action": "save"})
    assert "Tilføjelsen er gemt." in saved.text
    stored = ws / "testrup" / "letters" / "tilfoejelser" / "2009-06" / "BUU.md"
    assert stored.read_text(encoding="utf-8") == ADDITION + "\n"


def test_a_copied_default_letter_does_not_claim_to_be_the_default(ws):
    client = logged_in(make_client(ws))
    page = client.get("/b/testrup/texts/default.md").text
    base = re.search(r'name="base" value="([0-9a-f]{64})"', page).group(1)
    text = (PROJECT_DIR / "letters" / "default.md").read_text(encoding="utf-8")
    assert text.startswith("{# Standardbrevet")
    r = client.post("/b/testrup/texts/default.md", follow_redirects=False, data={
        "csrf": csrf_of(client, "/b/testrup/texts"), "base": base, "action": "save", "text": text})
    assert r.status_code == 303
    own = (ws / "testrup" / "letters" / "default.md").read_text(encoding="utf-8")
    assert not own.startswith("{# Standardbrevet") and own.startswith("{# Barometrets egen tekst i testrup/letters/")
