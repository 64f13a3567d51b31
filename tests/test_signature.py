"""No barometer borrows another's signature (issue 22): a new municipality built end to end carries
none of the Copenhagen demo's people, name or case number, and its letters are signed by its own
owner committee's chair; without a chair or a signature of its own the build writes nothing."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from docx import Document as DocxDocument

from reportgen.rounds.pipeline import build
from tests.conftest import BASE_FILES, ROOT
from tests.test_letters import FIXTURE

# Everything that belongs to the demo and must never reach another barometer's documents.
DEMO_NAMES = ("Jakob Hougaard", "Morten Binder", "Kaj Ove Christiansen", "København", "Københavns",
              "Copenhagen", "2009-161791")
AARHUS_TOML = textwrap.dedent(BASE_FILES["barometer.toml"]).replace("Testrup Kommune", "Aarhus Kommune")


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def docx_text(path: Path) -> str:
    doc = DocxDocument(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    for section in doc.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            parts += [p.text for p in part.paragraphs]
    core = doc.core_properties
    parts += [core.author or "", core.title or "", core.subject or ""]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def aarhus(tmp_path_factory):
    """A small municipality written from the data contract, with no letters/ folder of its own."""
    from tests.conftest import write_barometer

    folder = write_barometer(tmp_path_factory.mktemp("new") / "aarhus", {**FIXTURE, "barometer.toml": AARHUS_TOML})
    assert not (folder / "letters").exists()
    return build(folder, out_root=tmp_path_factory.mktemp("out"), project_dir=ROOT, use_cache=False)


def texts(out_dir: Path) -> dict[str, str]:
    """Every PDF, DOCX and site page of a build as text, by path."""
    found: dict[str, str] = {}
    for path in sorted(out_dir.rglob("*")):
        rel = path.relative_to(out_dir).as_posix()
        if path.suffix == ".pdf":
            found[rel] = pdf_text(path)
        elif path.suffix == ".docx":
            found[rel] = docx_text(path)
        elif path.suffix in (".html", ".json", ".svg", ".css"):
            found[rel] = path.read_text(encoding="utf-8")
    return found


@pytest.mark.slow
def test_a_new_municipality_carries_none_of_the_demos_names(aarhus):
    found = texts(aarhus.out_dir)
    kinds = {Path(rel).suffix for rel in found}
    assert {".pdf", ".docx", ".html"} <= kinds
    assert any(rel.startswith("site/") for rel in found) and "pack.pdf" in found
    for rel, text in found.items():
        flat = " ".join(text.split())
        for name in DEMO_NAMES:
            assert name not in flat, f"{rel}: {name}"
    assert "Aarhus Kommune" in " ".join(found["bilag1.pdf"].split())


@pytest.mark.slow
def test_its_letters_are_signed_by_its_owner_committees_chair(aarhus):
    letters = sorted((aarhus.out_dir / "bilag2").iterdir())
    assert [p.name for p in letters] == ["BUU.docx", "BUU.pdf", "TMU.docx", "TMU.pdf"]
    for path in letters:
        text = " ".join((pdf_text(path) if path.suffix == ".pdf" else docx_text(path)).split())
        assert "Med venlig hilsen Anna Andersen Formand for Beskæftigelses- og Integrationsudvalget" in text, path
        assert "Opfølgning på testbarometret" in text  # from its own title, not the demo's subject
    pack = " ".join(pdf_text(aarhus.out_dir / "pack.pdf").split())
    assert pack.count("Anna Andersen Formand for Beskæftigelses- og Integrationsudvalget") == 2


def test_without_chair_or_signature_the_cli_build_writes_nothing(make_barometer, tmp_path):
    committees = FIXTURE["committees.csv"].replace("Anna Andersen", "")
    folder = make_barometer({**FIXTURE, "committees.csv": committees}, name="odense")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-m", "reportgen.cli", "build", str(folder), "--out", str(out)],
                            capture_output=True, text=True, encoding="utf-8", env=env, timeout=300)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Fejl: odense/letters/letters.toml: [underskrift] navn mangler: skriv navn og titel på den, der "
        "underskriver brevene (fx borgmesteren), under [underskrift], eller formandens navn for ejerudvalget "
        "BIU i committees.csv (kolonnen chair)"]
    written = [p for p in out.rglob("*") if p.is_file() and ".cache" not in p.relative_to(out).parts]
    assert written == []
