"""The workbench's pages speak to an administrator who has never seen a template (issue 27): no
developer words on the main pages once a round has been run through them (a change of data, an
override, a text saved, a letter addition, the documents made)."""
from __future__ import annotations

import html
import re
import time

import pytest
from web_helpers import BEARER, csrf_of, logged_in, make_client, make_workspace

# Words a developer uses and an administrator should not meet. "skabelon" alone stays: the blank
# Excel workbook is one ("Hent den tomme skabelon").
DEVELOPER_WORDS = ("hash", "sha-256", "sha256", "json", "template", "templates", "skabelonkode", "skabelonerne",
                   "skabeloner", "stage", "build", "builds", "bygning", "bygningen", "manifest", "slug", "none",
                   "null", "undefined", "true", "false", "error", "file", "files", "markdown", "reportgen check",
                   "reportgen send", "reportgen annual", "jinja", "utc", "default.md", "advice.md", "mail.md",
                   "tekster.baggrund.md")


@pytest.fixture(scope="module")
def round_(tmp_path_factory):
    root = make_workspace(tmp_path_factory.mktemp("words") / "ws")
    (root / "testrup" / "letters").mkdir(exist_ok=True)
    (root / "testrup" / "letters" / "letters.toml").write_text(
        '[afsender]\nnavn = "Forvaltningen"\nadresse = "barometer@example.org"\n', encoding="utf-8")
    client = logged_in(make_client(root))
    assert client.post("/api/barometers/testrup/overrides", headers=BEARER, json={
        "indicator": "B1", "update": "2009-06", "signal": "yellow", "reason": "Tallet er usikkert."}).status_code == 200
    page = client.get("/b/testrup/texts/default.md").text
    base = re.search(r'name="base" value="([0-9a-f]{64})"', page).group(1)
    text = re.search(r'<textarea[^>]*>\n?(.*?)</textarea>', page, re.S).group(1)
    saved = client.post("/b/testrup/texts/default.md", follow_redirects=False, data={
        "csrf": csrf_of(client, "/b/testrup/texts"), "base": base, "action": "save",
        "text": html.unescape(text) + "\nEn ny sætning.\n"})
    assert saved.status_code == 303, saved.text[-2000:]
    assert client.put("/api/barometers/testrup/letters/BUU/addition?update=2009-06", headers=BEARER,
                      content="Vi drøfter tallene.".encode()).status_code == 200
    build = client.post("/api/barometers/testrup/builds", headers=BEARER).json()["build"]
    end = time.monotonic() + 300
    while (info := client.get(f"/api/builds/{build}", headers=BEARER).json())["state"] == "running":
        assert time.monotonic() < end, "the build did not finish"
        time.sleep(0.5)
    assert info["state"] == "done", info
    return client, build


def _visible(page: str) -> str:
    page = re.sub(r"<(style|textarea|pre)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.parametrize("path", ["/", "/history", "/b/testrup", "/b/testrup/status", "/b/testrup/compare",
                                  "/b/testrup/diff", "/b/testrup/data", "/b/testrup/override", "/b/testrup/texts",
                                  "/b/testrup/letters/BUU", "/b/testrup/history", "/b/testrup/history?kind=text",
                                  "BUILD", "BUILD/mail"])
def test_main_pages_have_no_developer_words(round_, path):
    client, build = round_
    r = client.get(path.replace("BUILD", f"/builds/{build}"))
    assert r.status_code == 200, r.text[-1000:]
    text = _visible(r.text)
    found = [w for w in DEVELOPER_WORDS if re.search(r"(?<![\w.-])" + re.escape(w) + r"(?![\w-])", text, re.I)]
    assert found == [], (path, found)


def test_history_names_texts_and_updates_as_the_pages_do(round_):
    client, _ = round_
    text = _visible(client.get("/b/testrup/history").text)
    assert "Brevet til alle udvalg uden egen tekst: " in text and "linjer ændret" in text
    assert "B1 juni 2009: sat til gul (beregnet" in text
    assert "Tilføjelse til brevet til Børne- og Ungdomsudvalget for juni 2009" in text
    build = _visible(client.get(f"/builds/{round_[1]}").text)
    assert "opdateringen juni 2009" in build and "2009-06" not in build
