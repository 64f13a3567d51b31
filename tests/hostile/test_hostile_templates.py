"""User-edited templates (templates/html/, letters/) in a barometer folder cannot read local files,
reach the network or escape the sandbox: each attempt fails the build with a clear message and exit 1,
and the previous output stays byte-identical."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hostile_corpus import tree_hashes, write_barometer
from test_hostile_data import run_in_process

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_BASE = (ROOT / "templates" / "html" / "base.html").read_text(encoding="utf-8")
PARAGRAPH = "templates/html/blocks/paragraph.html"
REFUSED_FILE = "Fejl: Ressourcen 'file:///etc/passwd' er afvist: den ligger uden for skabelonmapperne"
REFUSED_URL = ("Fejl: Ressourcen 'http://example.com/x' er afvist: kun data:-URL'er og skabelonfiler er "
               "tilladt")


def in_head(markup: str) -> dict[str, str]:
    """The shipped base.html with ``markup`` added to <head>, as a user override."""
    assert "<head>\n" in SHIPPED_BASE
    return {"templates/html/base.html": SHIPPED_BASE.replace("<head>\n", f"<head>\n{markup}\n", 1)}


def paragraph(markup: str) -> dict[str, str]:
    return {PARAGRAPH: markup + "\n"}


def template_error(file: str, line: int) -> re.Pattern[str]:
    """What a broken user template must give: one ``Fejl:`` line naming the file and line."""
    return re.compile(rf"Fejl: .*{re.escape(file)}:{line}: .+")


HTML_CASES: dict[str, tuple[dict[str, str], str | re.Pattern[str]]] = {
    "img-file-url": (paragraph('<p><img src="file:///etc/passwd" alt=""></p>'), REFUSED_FILE),
    "img-relative-traversal": (paragraph('<p><img src="../../../../../../../../etc/passwd" alt=""></p>'),
                               REFUSED_FILE),
    "link-attachment": (in_head('<link rel="attachment" href="file:///etc/passwd">'), REFUSED_FILE),
    "css-url-in-style": (paragraph('<p style="background: url(http://example.com/x)">x</p>'), REFUSED_URL),
    "css-import-in-print-css": ({"templates/html/print.css": '@import url("http://example.com/x");\n'},
                                REFUSED_URL.replace("Fejl: ", "Fejl: b/templates/html/print.css: ")),
    "stylesheet-link": (in_head('<link rel="stylesheet" href="http://example.com/x">'), REFUSED_URL),
    "jinja-include-traversal": (paragraph('{% include "../../../../../../etc/passwd" %}'),
                                template_error(PARAGRAPH, 1)),
    "jinja-mro": (paragraph("<p>{{ ''.__class__.__mro__ }}</p>"), template_error(PARAGRAPH, 1)),
    "jinja-globals": (paragraph("<p>{{ view.__init__.__globals__ }}</p>"), template_error(PARAGRAPH, 1)),
}


@pytest.fixture(scope="module")
def previous(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A good build of the small barometer, and its hashes."""
    root = tmp_path_factory.mktemp("templates-good")
    out = root / "out"
    result = run_in_process("build", str(write_barometer(root / "b")), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out, tree_hashes(out)


def build_with(tmp_path: Path, previous: tuple[Path, dict[str, str]], files: dict[str, str]):
    good, hashes = previous
    out = tmp_path / "out"
    shutil.copytree(good, out)
    result = run_in_process("build", str(write_barometer(tmp_path / "b", files)), "--out", str(out),
                            "--no-cache")
    assert tree_hashes(out) == hashes
    assert not list(out.glob(".staging-*"))
    return result


def check_refused(result, expected: str | re.Pattern[str]) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "╭" not in result.stderr
    last = result.stderr.splitlines()[-1]
    if isinstance(expected, str):
        assert last == expected
    else:
        assert expected.fullmatch(last), last
    assert "root:x:0:0" not in result.stderr + result.stdout


@pytest.mark.parametrize("name", HTML_CASES)
def test_html_template_cannot_reach_files_urls_or_python(name, tmp_path, previous):
    files, expected = HTML_CASES[name]
    check_refused(build_with(tmp_path, previous, files), expected)


def test_symlinked_template_asset_is_refused(tmp_path, previous):
    """A file inside templates/html/ that is a symlink to /etc/passwd is outside the allowed folders."""
    logo = (tmp_path / "b" / "templates" / "html" / "logo.png").as_uri()
    folder = write_barometer(tmp_path / "b", paragraph(f'<p><img src="{logo}" alt=""></p>'))
    (folder / "templates" / "html" / "logo.png").symlink_to("/etc/passwd")
    good, hashes = previous
    out = tmp_path / "out"
    shutil.copytree(good, out)
    result = run_in_process("build", str(folder), "--out", str(out), "--no-cache")
    check_refused(result, re.compile(r"Fejl: Ressourcen '.*logo\.png' er afvist: den ligger uden for "
                                     r"skabelonmapperne"))
    assert tree_hashes(out) == hashes


LETTER_CASES: dict[str, tuple[str, str]] = {
    "mro": ("Kære udvalg\n\n{{ ''.__class__.__mro__ }}\n",
            "Fejl: b/letters/BUU.md:3: ikke tilladt i en brevtekst: adgang til '__class__'"),
    "globals": ("{{ cycler.__init__.__globals__.os.popen('id').read() }}\n", "Fejl: b/letters/BUU.md:1: "),
    "include-passwd": ('{% include "/etc/passwd" %}\n', "Fejl: b/letters/BUU.md:1: "),
    "include-traversal": ('{% include "../../../../etc/passwd" %}\n', "Fejl: b/letters/BUU.md:1: "),
    "huge-range": ("{% for i in range(10**12) %}x{% endfor %}\n", "Fejl: b/letters/BUU.md:1: "),
    "huge-string": ("{{ 'x' * 10**12 }}\n", "Fejl: b/letters/BUU.md:1: "),
    "self-include": ('{% include "BUU.md" %}\n', "Fejl: b/letters/BUU.md:1: "),
}


@pytest.mark.parametrize("name", LETTER_CASES)
def test_letter_cannot_escape_the_sandbox(name, tmp_path, previous):
    text, start = LETTER_CASES[name]
    result = build_with(tmp_path, previous, {"letters/BUU.md": text})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "╭" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(start), line
    assert len(line) > len("Fejl: b/letters/BUU.md:1: ") + 5  # a reason follows the location
    assert "root:x:0:0" not in line and "uid=" not in line
