"""reportgen build end to end: every output of the outputs table, read back, reproducible."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile

import pikepdf
from docx import Document as DocxDocument

from reportgen.rounds.pipeline import build
from tests.conftest import ROOT


def pdf_text(path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_demo_build_writes_every_output(demo_build):
    names = {w.path for w in demo_build.files}
    for expected in ("sag.pdf", "sag.docx", "bilag1.pdf", "bilag1.docx", "bilag3.pdf", "bilag3.docx", "pack.pdf",
                     "pack.zip", "manifest.json", "bilag2/BUU.pdf", "bilag2/BUU.docx", "bilag2/TMU.pdf"):
        assert expected in names
    assert "bilag2/BIU.pdf" not in names  # the owner sends the letters
    assert demo_build.letters == 6


def test_bilag1_pdf_reads_as_the_seed(demo_build):
    text = " ".join(pdf_text(demo_build.out_dir / "bilag1.pdf").split())
    assert "Bilag 1" in text
    assert "Orientering om status og udvikling på indikatorer i integrationsbarometret" in text
    assert ("viser et fald på 3,0 procentpoint fra februar 2009 til august 2009. Der er 5,5 procentpoint "
            "til målet for december 2010 på 64,8 procent.") in text
    assert "Faldet skyldes utvivlsomt krisen." in text
    for word in ("Beskæftigelse (rød)", "Uddannelse (gul)", "Bolig (grøn)"):
        assert word in text
    for bad in ("None", "nan", "NaN", "True", "False"):
        assert f" {bad} " not in f" {text} "


def test_bilag1_is_laid_out_in_parts_with_one_page_numbering(demo_build):
    """Each area starts a page, so Bilag 1 is laid out in two parts (render/pdfparts.py); the joined
    PDF numbers its pages as one document and has the running header on all but the title page."""
    import re

    path = demo_build.out_dir / "bilag1.pdf"
    with pikepdf.open(path) as pdf:
        n = len(pdf.pages)
        regular = {str(o.BaseFont) for o in pdf.objects if isinstance(o, pikepdf.Dictionary)
                   and o.get("/Type") == "/Font" and str(o.get("/BaseFont", "")).endswith("+Carlito")}
        assert len(regular) == 2  # a subset of the regular face per part
        with pdf.open_outline() as outline:
            starts = {item.title: pdf.pages.index(pdf.pages.from_objgen(*item.destination[0].objgen))
                      for item in outline.root}
    pages = [pdf_text(path, i) for i in range(1, n + 1)]
    for i, text in enumerate(pages, start=1):
        assert re.search(rf"Side {i} af {n}\b", text), i
        assert ("Beskæftigelses- og Integrationsudvalget · 3. december 2009" in text) == (i > 1), i
    for area in ("Beskæftigelse (rød)", "Uddannelse (gul)", "Bolig (grøn)", "Datagrundlag"):
        first_line = next(line for line in pages[starts[area]].splitlines()[1:] if line.strip())
        assert first_line.strip() == area  # the section opens its page, under the running header


def test_bilag1_docx_has_headings_tables_and_the_same_sentences(demo_build):
    doc = DocxDocument(str(demo_build.out_dir / "bilag1.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Beskæftigelse (rød)" in headings and "Metode" in headings
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "fald på 3,0 procentpoint fra februar 2009 til august 2009" in body
    assert len(doc.tables) >= 8
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert any(c.endswith("Rød") for c in cells)


def test_letters_carry_only_their_committees_indicators(demo_build):
    text = pdf_text(demo_build.out_dir / "bilag2" / "TMU.pdf")
    assert "Til Teknik- og Miljøudvalget" in text
    assert "Med venlig hilsen" in text
    assert "Andel beskæftigede indvandrere/efterkommere" not in text  # BIU's indicator


def test_pack_pdf_has_every_part_and_bookmarks(demo_build):
    out = demo_build.out_dir
    with pikepdf.open(out / "pack.pdf") as pack:
        pages = len(pack.pages)
        with pack.open_outline() as outline:
            top = [item.title for item in outline.root]
            letters = next(i for i in outline.root if i.title.startswith("Bilag 2")).children
    parts = [out / "sag.pdf", out / "bilag1.pdf", *sorted((out / "bilag2").glob("*.pdf")), out / "bilag3.pdf"]
    assert pages > sum(len(pikepdf.open(p).pages) for p in parts)
    assert top[0] == "Forside og indhold" and top[1].startswith("Indstilling: 10. Integrationsbarometer")
    assert top[2].startswith("Bilag 1") and top[4].startswith("Bilag 3")
    assert len(letters) == 6
    assert "Indhold" in pdf_text(out / "pack.pdf").split("\f")[1]


def test_pack_pdf_stays_tagged_and_archivable(demo_build, tmp_path):
    """pack.pdf keeps its parts' tag trees and the PDF/A-3u and PDF/UA-1 identification; each part's
    bookmarks are folded under its entry and lead to the right page."""
    from tests.pdf_checks import reading_tree

    out = demo_build.out_dir
    with pikepdf.open(out / "pack.pdf") as pack:
        meta = pack.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance"), meta.get("pdfuaid:part")) == ("3", "U", "1")
        assert str(pack.Root.Lang) == "da" and pack.Root.MarkInfo.Marked and "/OutputIntents" in pack.Root
        assert len([o for o in pack.objects if isinstance(o, pikepdf.Dictionary)
                    and o.get("/Type") == "/StructTreeRoot"]) == 1
        subsets = [str(o.BaseFont) for o in pack.objects if isinstance(o, pikepdf.Dictionary)
                   and o.get("/Type") == "/Font" and "/FontDescriptor" in o]
        assert len(subsets) == len(set(subsets))  # different subsets, different tags
        for index, (margins, body, reachable) in enumerate(reading_tree(pack)):
            assert body and body <= reachable, index  # every page's text is in the tree
            assert not margins & reachable, index
        pages = {page.objgen: i for i, page in enumerate(pack.pages)}
        with pack.open_outline() as outline:
            bilag1 = next(i for i in outline.root if i.title.startswith("Bilag 1"))
            assert bilag1.is_closed
            area = next(c for c in bilag1.children if c.title == "Bolig (grøn)")
            page = pages[area.destination[0].objgen] + 1
    lines = [line.strip() for line in pdf_text(out / "pack.pdf", page).splitlines() if line.strip()]
    assert lines[1] == "Bolig (grøn)"  # under the running header
    path = tmp_path / "pack.pdf"
    path.write_bytes((out / "pack.pdf").read_bytes())
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_manifest_and_zip_match_the_files(demo_build):
    out = demo_build.out_dir
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["update"] == "2009-12"
    for rec in manifest["outputs"]:
        data = (out / rec["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == rec["sha256"] and len(data) == rec["size"]
    assert {r["path"] for r in manifest["inputs"]} >= {"measurements.csv", "indicators.csv", "bydele.geojson"}
    with zipfile.ZipFile(out / "pack.zip") as zf:
        names = set(zf.namelist())
        assert zf.read("manifest.json") == (out / "manifest.json").read_bytes()
    assert {"bilag1.pdf", "bilag1.docx", "manifest.json", "charts/overview.svg"} <= names


def test_two_builds_give_identical_bytes(make_barometer, tmp_path):
    folder = make_barometer()
    a = build(folder, out_root=tmp_path / "a", use_cache=False)
    b = build(folder, out_root=tmp_path / "b", use_cache=False)
    files_a = {w.path: w.sha256 for w in a.files}
    files_b = {w.path: w.sha256 for w in b.files}
    assert files_a == files_b
    assert "pack.zip" in files_a and "bilag1.pdf" in files_a


def test_second_build_reuses_rendered_documents(make_barometer, tmp_path):
    folder = make_barometer()
    first = build(folder, out_root=tmp_path)
    second = build(folder, out_root=tmp_path)
    assert first.rendered > 0 and second.rendered == 0 and second.reused >= first.rendered
    assert {w.sha256 for w in first.files} == {w.sha256 for w in second.files}


def test_cli_build_prints_a_summary_and_bad_data_writes_nothing(make_barometer, tmp_path):
    good = make_barometer()
    run = subprocess.run([sys.executable, "-m", "reportgen.cli", "build", str(good), "--out", str(tmp_path / "o")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1].startswith("Færdig: 2 indikatorer, 1 brev, ")
    bad = make_barometer({"measurements.csv": "indicator,period,value,update\nA1,2009-13,5,2009-06\n"})
    run = subprocess.run([sys.executable, "-m", "reportgen.cli", "build", str(bad), "--out", str(tmp_path / "x")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1
    assert "measurements.csv:2: period:" in run.stderr
    assert run.stdout == "" and not (tmp_path / "x" / "2009-06").exists()


def test_method_sensitivity_appendix_when_the_toml_asks(make_barometer, tmp_path):
    from tests.conftest import BASE_FILES

    toml = BASE_FILES["barometer.toml"] + "\n        [documents]\n        method_sensitivity = true\n"
    folder = make_barometer({"barometer.toml": toml})
    result = build(folder, out_root=tmp_path, use_cache=False)
    text = " ".join(pdf_text(result.out_dir / "bilag1.pdf").split())
    assert "Metodefølsomhed" in text
    plain = build(make_barometer(), out_root=tmp_path / "plain", use_cache=False)
    assert "Metodefølsomhed" not in pdf_text(plain.out_dir / "bilag1.pdf")


def test_libreoffice_opens_every_generated_docx(demo_build, tmp_path):
    """Word's stand-in here: LibreOffice converts each DOCX of the demo pack without complaint."""
    out = demo_build.out_dir
    docx_files = [out / "sag.docx", out / "bilag1.docx", out / "bilag3.docx", *sorted((out / "bilag2").glob("*.docx"))]
    run = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "lo"), *map(str, docx_files)],
        capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    for docx in docx_files:
        text = pdf_text(tmp_path / "lo" / f"{docx.stem}.pdf")
        assert "Side 1 af" in text and "Københavns Kommune" in text, docx.name
    assert "Beskæftigelse (rød)" in pdf_text(tmp_path / "lo" / "bilag1.pdf")


def test_demo_bilag1_page1_matches_the_reviewed_image(demo_build, tmp_path):
    """Page 1 of the December 2009 Bilag 1 against a render a person looked at (50 dpi, greyscale)."""
    from PIL import Image, ImageChops, ImageStat

    golden_path = ROOT / "tests" / "golden" / "demo_bilag1_page1.png"
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile",
                    str(demo_build.out_dir / "bilag1.pdf"), str(tmp_path / "page")], check=True)
    actual = Image.open(tmp_path / "page.png").convert("L")
    golden = Image.open(golden_path).convert("L")
    diff = sum(ImageStat.Stat(ImageChops.difference(actual, golden)).mean) if actual.size == golden.size else 255
    if diff > 1.5:
        actual.save(golden_path.with_name("demo_bilag1_page1.actual.png"))
    assert diff <= 1.5, f"page 1 differs from the reviewed image by {diff:.2f}"
