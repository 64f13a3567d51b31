"""Every hostile barometer in the corpus through the CLI: exit 1, its exact located errors, and the
previous output left byte-identical. All cases run through the Typer app in this process (a failing
build costs ~2 s of imports per new process on these machines); a sample runs as a new process too."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile_corpus import CORPUS, TOML, Case, base, run_cli, tree_hashes, write_barometer
from typer.testing import CliRunner

from reportgen.cli import app

ROOT = Path(__file__).resolve().parents[2]
SECURITY_DOC = ROOT / "docs" / "security.md"
SUMMARY_RE = re.compile(r"Fejl: (\d+) (problem|problemer) i data\. Intet er skrevet\.")


@dataclass(frozen=True)
class Outcome:
    result: subprocess.CompletedProcess[str]  # also for in-process runs, for one set of assertions
    before: dict[str, str]
    after: dict[str, str]
    out: Path


@pytest.fixture(scope="session")
def good_output(tmp_path_factory) -> Path:
    """A complete build of the small valid barometer: every hostile case starts from a copy of it."""
    root = tmp_path_factory.mktemp("good")
    out = root / "out"
    result = run_cli("build", str(write_barometer(root / "barometer")), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "2009-06" / "bilag1.pdf").read_bytes().startswith(b"%PDF-")
    return out


def run_in_process(*args: str) -> subprocess.CompletedProcess[str]:
    """The Typer app as ``reportgen ARGS`` runs it; an uncaught exception fails the test."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def build_case(root: Path, case: Case, good_output: Path, run=run_in_process) -> Outcome:
    """Make the case's folder, copy the good output into its out folder, build, hash again."""
    folder = write_barometer(root / case.name / "barometer", case.files(root))
    out = root / case.name / "out"
    shutil.copytree(good_output, out)
    before = tree_hashes(out)
    result = run("build", str(folder), "--out", str(out))
    return Outcome(result, before, tree_hashes(out), out)


def check_outcome(case: Case, outcome: Outcome) -> None:
    result = outcome.result
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    *problems, summary = lines
    assert len(problems) == len(case.expected), "\n".join(lines)
    for expected, line in zip(case.expected, problems, strict=True):
        assert _matches(expected, line), f"expected {expected!r}\n     got {line!r}"
    counted = SUMMARY_RE.fullmatch(summary)
    assert counted and int(counted.group(1)) == len(case.expected), summary
    assert outcome.after == outcome.before  # the previous output, byte for byte
    assert not list(outcome.out.glob(".staging-*"))


def _matches(expected: str | re.Pattern[str], line: str) -> bool:
    return expected == line if isinstance(expected, str) else expected.fullmatch(line) is not None


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_hostile_input_is_refused_with_located_errors_and_nothing_written(case: Case, good_output, tmp_path):
    check_outcome(case, build_case(tmp_path, case, good_output))


# One case of each kind, as a user runs it: a new `python -m reportgen.cli build` process.
PROCESS_SAMPLE = ("unterminated-quote", "utf8-with-one-cp1252-line", "unknown-area", "nan",
                  "published-before-period", "toml-syntax-error", "xlsx-zip-bomb", "xlsx-xxe", "map-huge")


def test_sample_in_new_processes(good_output, tmp_path):
    cases = [c for c in CORPUS if c.name in PROCESS_SAMPLE]
    assert len(cases) == len(PROCESS_SAMPLE)
    for case in cases:
        check_outcome(case, build_case(tmp_path, case, good_output, run=run_cli))


def test_corpus_is_as_large_as_docs_security_md_says():
    assert len(CORPUS) >= 40
    assert len({c.name for c in CORPUS}) == len(CORPUS)
    stated = re.search(r"corpus of (\d+) hostile barometer folders", SECURITY_DOC.read_text(encoding="utf-8"))
    assert stated and int(stated.group(1)) == len(CORPUS)


def test_unicode_minus_cp1252_and_bom_are_accepted(tmp_path):
    """Valid Excel-isms are not hostile: U+2212 minus, a cp1252 file with æøå, UTF-8 with BOM, CRLF."""
    measurements = base("measurements.csv").replace("B1,2008,0.40", "B1,2008,\u22120.40")
    areas = base("areas.csv").replace("Uddannelse", "Uddannelse på Østerbro").replace("\n", "\r\n")
    folder = write_barometer(tmp_path / "b", {
        "measurements.csv": "\ufeff" + measurements,
        "areas.csv": areas.encode("cp1252"),
        TOML: base(TOML).replace("Testrup Kommune", "Tårnby Kommune"),
    })
    result = run_in_process("status", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    b1 = next(i for i in status["indicators"] if i["id"] == "B1")
    assert (b1["value"], b1["reference_value"], b1["change"]) == (-0.4, 0.5, -0.9)
    assert [a["name"] for a in status["areas"]] == ["Beskæftigelse", "Uddannelse på Østerbro"]


def test_indicator_without_any_figures_builds(tmp_path):
    """Contract rule 1: an indicator with no figures is grey, not an error; its chart must not crash."""
    lines = base("measurements.csv").splitlines(keepends=True)
    measurements = "".join(line for line in lines if not line.startswith("B1"))
    folder = write_barometer(tmp_path / "b", {"measurements.csv": measurements})
    result = run_in_process("build", str(folder), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    status = json.loads(run_in_process("status", str(folder), "--json").stdout)
    assert [i["signal"] for i in status["indicators"] if i["id"] == "B1"] == ["grey"]
