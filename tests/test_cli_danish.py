"""Danish wherever a person reads a problem: data problems with a hint what to write (CLI `check`,
the API's `errors`), the command-line library's own usage and error lines, and no English word in
any message template of the input stage."""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import BASE_FILES, ROOT
from typer.testing import CliRunner
from web_helpers import BEARER, make_client, make_workspace, workbook

from reportgen import clitext
from reportgen.cli import app

# Common English words that no Danish message needs; words inside "quotes" (the cell's own text)
# and the file's column names and allowed values are not counted.
ENGLISH = frozenset("""
    an the is are was be not no must should cannot can't does do has of with without only
    please missing required unknown duplicate invalid expected write save delete file row column
    number sheet workbook empty found given twice allowed header field fields characters error
    option options argument arguments usage try help show this message exit such parse nan enum
    utf-16 decoded encoding readable plausible entry entries limit bytes date period whole
    finite percent sign ambiguous separators twice also table line quote opens closed never
    feature geometry polygon point ring key property map folder inside path exist
""".split())
ALLOWED = frozenset("""
    id area name main unit direction committee measurements value period update district districts
    indicator rule baseline_value baseline_period target_value target_period source_type tolerance se n
    decimals geo_id point decision target signal reason text aggregation email label date
    yes no true false ja nej previous baseline trajectory national gauge up down percent count
    green yellow red grey worst majority local da en csv xlsx toml geojson excel unicode utf mapshaper
    wgs feature featurecollection properties polygon multipolygon xml map key title municipality
    policy owner language assessment significance min_n documents method_sensitivity administration
    bydel_nr
""".split())
_QUOTED = re.compile(r'"[^"]*"|\'[^\']*\'')


def english_words(message: str) -> set[str]:
    words = re.findall(r"[a-zA-Z][\w.'-]*[a-zA-Z]|[a-zA-Z]", _QUOTED.sub(" ", re.sub(r"--?[\w-]+", " ", message)))
    return {w.lower() for w in words} & (ENGLISH - ALLOWED)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``reportgen ARGS`` as a user types it: the console script beside this Python."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    script = Path(sys.executable).with_name("reportgen")
    assert script.is_file(), script
    return subprocess.run([str(script), *args], capture_output=True, text=True, encoding="utf-8", env=env,
                          timeout=120)


def edit(name: str, old: str, new: str) -> dict[str, str]:
    text = textwrap.dedent(BASE_FILES[name])
    assert old in text
    return {name: text.replace(old, new, 1)}


# --- data problems in Danish with a hint, through the CLI and the API ------------------------------

BAD = {
    **edit("updates.csv", "2008-06-02", "2.6.2008"),
    **{"measurements.csv": textwrap.dedent(BASE_FILES["measurements.csv"])
       .replace("A1,2008-03,50.0", "A1,09-2008,50.0", 1).replace("A1,2008-09,51.0", "A1,2008-09,abc", 1)},
    **edit("indicators.csv", ",yes,", ",måske,"),
}
EXPECTED = [
    'updates.csv:2: date: "2.6.2008" er ikke en dato: skriv 2008-06-02 (ÅÅÅÅ-MM-DD)',
    'indicators.csv:2: main: "måske" er hverken ja eller nej: skriv ja eller nej (også yes/no, true/false, 1/0)',
    'measurements.csv:2: period: "09-2008" er ikke en periode: skriv 2008-09 (ÅÅÅÅ-MM)',
    'measurements.csv:3: value: "abc" er ikke et tal: skriv et tal med komma, fx 59,3',
]


def test_check_prints_each_problem_in_danish_with_its_hint_and_exits_1(make_barometer):
    result = run_cli("check", str(make_barometer(BAD)))
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [*EXPECTED, "Fejl: 4 problemer i data. Intet er skrevet."]


def test_a_semicolon_file_gets_the_decimal_comma_hint(make_barometer):
    text = textwrap.dedent(BASE_FILES["measurements.csv"]).replace(",", ";").replace("50.0", "50,0")
    result = run_cli("check", str(make_barometer({"measurements.csv": text.replace("51.0", "51.5")})))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        'measurements.csv:3: value: "51.5" er ikke et tal i denne fil: filen er adskilt med semikolon (;), '
        "så komma er decimaltegn, og punktum står kun mellem tusinder; skriv 51,5")


def test_the_api_errors_are_the_same_danish_lines(tmp_path):
    ws = make_workspace(tmp_path)
    client = make_client(ws)
    files = [("files", (name, BAD[name].encode(), "text/csv")) for name in sorted(BAD)]
    r = client.post("/api/barometers/testrup/data", headers=BEARER, files=files)
    assert r.status_code == 422
    assert sorted(r.json()["errors"]) == sorted(EXPECTED)


def test_the_api_reports_a_bad_workbook_cell_in_danish(tmp_path):
    ws = make_workspace(tmp_path)
    client = make_client(ws)
    bad = workbook(edit("measurements.csv", "A1,2008-09,51.0", "A1,2008-09,fem"))
    r = client.post("/api/barometers/testrup/data", headers=BEARER,
                    files={"files": ("barometer.xlsx", bad, "application/octet-stream")})
    assert r.status_code == 422
    assert r.json()["errors"] == [
        'barometer.xlsx[measurements]:3: value: "fem" er ikke et tal: skriv et tal med komma, fx 59,3']


def test_the_workbench_page_shows_the_danish_message(tmp_path):
    from web_helpers import csrf_of, logged_in

    client = logged_in(make_client(make_workspace(tmp_path)))
    bad = workbook(edit("measurements.csv", "A1,2008-09,51.0", "A1,2008-09,fem"))
    r = client.post("/b/testrup/data", data={"csrf": csrf_of(client)},
                    files={"files": ("barometer.xlsx", bad, "application/octet-stream")})
    assert r.status_code == 422
    assert "er ikke et tal: skriv et tal med komma, fx 59,3" in r.text
    assert "is not a number" not in r.text


# --- the command-line library's own lines ----------------------------------------------------------

def test_usage_errors_are_danish_in_a_new_process():
    result = run_cli("check")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "Brug: reportgen check [TILVALG] {mappe}",
        "Skriv 'reportgen check --help' for at få hjælp.",
        "",
        "Fejl: Argumentet 'mappe' mangler: skriv det efter kommandoen",
    ]


@pytest.mark.parametrize("args, error", [
    (["check", "--foo", "x"], "Fejl: Tilvalget --foo findes ikke: se de mulige tilvalg med --help"),
    (["check", "--hep", "x"], "Fejl: Tilvalget --hep findes ikke (mulige tilvalg: --help)"),
    (["check", "a", "b"], "Fejl: Der er for mange argumenter: b kan ikke bruges her"),
    (["nosuch"], "Fejl: Kommandoen 'nosuch' findes ikke: se listen med reportgen --help."),
    (["status", "x", "-u"], "Fejl: Tilvalget '-u' skal have en værdi: skriv den efter '-u'"),
    (["annual", "x", "--year", "abc"], "Fejl: Ugyldig værdi for '--year' / '-y': skriv et helt tal, fx 2009"),
    (["serve", "x", "--port", "99999999"], "Fejl: Ugyldig værdi for '--port': skriv et tal, der højst er 65535"),
])
def test_each_usage_error_is_danish(args, error):
    result = CliRunner().invoke(app, args, prog_name="reportgen")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[-1] == error
    assert not english_words(result.stderr.replace("reportgen", "")), result.stderr


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["annual", "--help"], ["user", "--help"]])
def test_help_is_danish(args):
    result = CliRunner().invoke(app, args, prog_name="reportgen")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("Brug: reportgen")
    assert "--help" in out and "Vis denne hjælp og afslut." in out
    for english in ("Usage", "Show this message", "Options:", "Arguments:", "Commands:", "[required]",
                    "[OPTIONS]", "COMMAND", "<path>", "<str>", "<int>"):
        assert english not in out, english
    assert "Tilvalg:" in out


def test_unknown_library_messages_pass_through_unchanged():
    assert clitext.danish("Noget helt andet.") == "Noget helt andet."
    assert clitext.danish("Invalid value for '--smtp': skriv VÆRT:PORT") == (
        "Ugyldig værdi for '--smtp': skriv VÆRT:PORT")


# --- no English slips back into the message templates ----------------------------------------------

INPUT_MODULES = sorted((ROOT / "reportgen" / "inputs").glob("*.py"))
# Library texts that are matched (English on purpose), not shown.
LIBRARY_TEXT_TABLES = {"_TOML_REASONS"}


def message_templates(path: Path) -> list[tuple[int, str]]:
    """Every string literal of ``path`` that reads as a sentence (a space and letters): f-string parts
    joined with {} for the placeholders; docstrings (string statements), comparisons
    (``"x" in str(err)``), regular expressions and tables of library texts are left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip.add(id(node.value))
        if isinstance(node, ast.Compare):
            skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in {"compile", "fullmatch", "match",
                                                                               "search", "sub", "findall"}:
            skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) in LIBRARY_TEXT_TABLES for t in node.targets):
            skip.update(id(n.elts[0]) for n in ast.walk(node.value) if isinstance(n, ast.Tuple) and n.elts)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in {"debug", "info", "warning"}:
            skip.update(id(n) for n in ast.walk(node))
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            skip.update(id(v) for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if " " in text.strip() and re.search(r"[a-zA-ZæøåÆØÅ]{2}", text):
            out.append((node.lineno, text))
    return out


def test_the_scan_finds_messages_and_would_catch_english(tmp_path):
    templates = [t for path in INPUT_MODULES for _, t in message_templates(path)]
    assert len(templates) > 100
    assert any("er ikke et tal" in t for t in templates)
    english = tmp_path / "english.py"
    english.write_text('"""A docstring is no message."""\ndef f(x):\n    raise ValueError(f"{x} is not a number")\n')
    assert [english_words(t) for _, t in message_templates(english)] == [{"is", "not", "number"}]


@pytest.mark.parametrize("path", INPUT_MODULES, ids=lambda p: p.name)
def test_no_english_in_message_templates(path):
    found = [(line, text, sorted(english_words(text))) for line, text in message_templates(path)
             if english_words(text)]
    assert not found, "\n".join(f"{path.name}:{line}: {words}: {text!r}" for line, text, words in found)


def test_no_english_in_the_cli_library_texts():
    texts = [*clitext._GETTEXT.values(), *(d for _, d in clitext._MESSAGES), *(d for _, d in clitext._VALUE_PROBLEMS),
             clitext.HELP_OPTION, clitext.USAGE, clitext.ERROR, *clitext._USAGE_WORDS.values()]
    found = {t: english_words(re.sub(r"\\\d", "", t)) for t in texts}
    assert not {t: w for t, w in found.items() if w}
