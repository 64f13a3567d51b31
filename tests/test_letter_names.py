"""What the letters to the committees are called, by one rule (bilag2.letter_name): "Borgmesterbrev"
only when a mayor signs; otherwise the signer's title – in the case's Bilag list, the letters' own
titles, the pack's group and cover, the site's downloads and the e-mails' attachments (issue 26,
point 7)."""
from __future__ import annotations

import subprocess

import pikepdf
import pytest

from reportgen.document import Paragraph
from reportgen.documents import bilag2, case
from reportgen.documents.front import build_front
from reportgen.outputs.pack import TocEntry
from reportgen.rounds.pipeline import build, read_barometer
from reportgen.signals.assess import assess
from tests.conftest import write_barometer

CHAIR = "Brev fra formanden for Beskæftigelses- og Integrationsudvalget"


def pdf_text(path) -> str:
    return " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def outline(path) -> list[tuple[str, list[str]]]:
    with pikepdf.open(path) as pdf, pdf.open_outline() as tree:
        return [(i.title, [c.title for c in i.children]) for i in tree.root]


def cover_lead(barometer) -> str:
    front = build_front(barometer, assess(barometer), [TocEntry("Bilag 2: x", 3, 1)])
    return "".join(r.text for r in next(b for b in front.blocks if isinstance(b, Paragraph)).runs)


@pytest.mark.parametrize(("toml", "expected"), [
    ('[underskrift]\nnavn = "Ida Holm"\ntitel = "Borgmester"\n', "Borgmesterbrev til {to}"),
    ('[underskrift]\nnavn = "Ida Holm"\ntitel = "Beskæftigelses- og Integrationsborgmester"\n',
     "Borgmesterbrev til {to}"),
    ("", CHAIR + " til {to}"),  # no [underskrift]: the owner committee's chair signs
    ('[underskrift]\nnavn = "Bo Berg"\ntitel = "Rådmand for Sociale Forhold"\n',
     "Brev fra rådmand for Sociale Forhold til {to}"),
    ('[underskrift]\nnavn = "Bo Berg"\n', "Brev til {to}"),  # a name without a title
])
def test_one_rule_names_the_letters_everywhere(make_barometer, toml, expected):
    files = {"letters/letters.toml": toml} if toml else None
    barometer = read_barometer(make_barometer(files))
    assert bilag2.letter_name(barometer, "Børne- og Ungdomsudvalget") == expected.format(to="Børne- og Ungdomsudvalget")
    assert case.letters_title(barometer) == expected.format(to="fagudvalgene")
    assert dict(case.appendices(barometer))["Bilag 2"] == expected.format(to="fagudvalgene")
    plural = (expected.format(to="fagudvalgene").replace("Borgmesterbrev", "borgmesterbrevene")
              .replace("Brev", "brevene"))
    assert f"{plural} (Bilag 2)" in cover_lead(barometer)


def test_demo_signed_by_the_mayor_says_borgmesterbrev_in_pack_and_site(demo_build):
    out = demo_build.out_dir
    groups = dict(outline(out / "pack.pdf"))
    assert "Til Børne- og Ungdomsudvalget" in groups["Bilag 2: Borgmesterbrev til fagudvalgene"]
    index = (out / "site" / "index.html").read_text(encoding="utf-8")
    assert "Bilag 2: Borgmesterbrev til Børne- og Ungdomsudvalget (PDF)" in index
    assert "borgmesterbrevene til fagudvalgene (Bilag 2)" in pdf_text(out / "pack.pdf")


def test_chair_signed_build_never_says_borgmester(tmp_path):
    folder = write_barometer(tmp_path / "testrup")
    result = build(folder, out_root=tmp_path / "out", use_cache=False)
    out = result.out_dir
    groups = dict(outline(out / "pack.pdf"))
    assert groups[f"Bilag 2: {CHAIR} til fagudvalgene"] == ["Til Børne- og Ungdomsudvalget"]
    index = (out / "site" / "index.html").read_text(encoding="utf-8")
    assert f"Bilag 2: {CHAIR} til Børne- og Ungdomsudvalget (PDF)" in index
    pack_text = pdf_text(out / "pack.pdf")
    assert "brevene fra formanden for Beskæftigelses- og Integrationsudvalget til fagudvalgene (Bilag 2)" in pack_text
    for path in (out / "pack.pdf", out / "sag.pdf", out / "bilag2" / "BUU.pdf"):
        assert "orgmester" not in pdf_text(path), path
    # (nor the press page: its placeholder asks the chair, "[Citat fra formanden]")
    assert not [p for p in (out / "site").rglob("*.html") if "orgmester" in p.read_text(encoding="utf-8")]
