"""`reportgen check FOLDER` end to end: summary and exit 0, or located problems on stderr and exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import BASE_FILES, ROOT


def run_check(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "reportgen.cli", "check", str(folder)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )


def test_check_valid_folder_prints_summary(make_barometer):
    result = run_check(make_barometer())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Testbarometer – Testrup Kommune"
    assert "  Indikatorer:    2 (2 hovedindikatorer)" in lines
    assert "  Opdateringer:   3, seneste 2009-06 (Juni 2009)" in lines
    # who will sign the letters: no letters.toml of its own, so the owner committee's chair
    assert "  Underskriver:   Anna Andersen, Formand for Beskæftigelses- og Integrationsudvalget" in lines
    assert "    2008-06        2" in lines
    assert lines[-1] == "Data er gyldige."
    # Only warnings on stderr, for what the documents would show as gaps: the press release's quote and
    # contact (no [presse] of its own), the case's signers and administration.
    warnings = result.stderr.splitlines()
    assert [line.split(": [presse] ")[1].split(":")[0] for line in warnings if ": [presse] " in line] == [
        "citat mangler", "navn mangler", "telefon mangler"]
    assert any("administration mangler" in line for line in warnings)
    assert all(line.startswith("Advarsel: barometer") for line in warnings), warnings


def test_check_invalid_folder_lists_located_problems_on_stderr(make_barometer):
    measurements = textwrap.dedent(BASE_FILES["measurements.csv"]).replace("50.0", '"6,2,1"')
    updates = textwrap.dedent(BASE_FILES["updates.csv"]).replace("2008-06-02", "2.6.2008")
    folder = make_barometer({"measurements.csv": measurements, "updates.csv": updates})
    result = run_check(folder)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        'updates.csv:2: date: "2.6.2008" er ikke en dato: skriv 2008-06-02 (ÅÅÅÅ-MM-DD)',
        'measurements.csv:2: value: "6,2,1" er ikke et tal: skriv et tal med komma, fx 59,3',
        "Fejl: 2 problemer i data. Intet er skrevet.",
    ]


def test_check_missing_folder_exits_1(tmp_path):
    result = run_check(tmp_path / "nope")
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"{tmp_path / 'nope'}: er ikke en barometermappe (mappen findes ikke): ret stien" in result.stderr
