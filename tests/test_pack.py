"""pack.pdf numbering and outline, reproducible ZIP, manifest."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pikepdf

from reportgen.outputs.pack import PackPart, build_manifest, build_pack_pdf, build_zip, toc_entries


def blank_pdf(pages: int) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True)
    return buf.getvalue()


PARTS = [
    PackPart("Bilag 1", blank_pdf(5)),
    PackPart("Til Børne- og Ungdomsudvalget", blank_pdf(2), group="Bilag 2"),
    PackPart("Til Socialudvalget", blank_pdf(3), group="Bilag 2"),
    PackPart("Bilag 3", blank_pdf(4)),
]


def test_toc_entries_count_pages_after_the_front():
    entries = toc_entries(PARTS, front_pages=2)
    assert [(e.title, e.page, e.level) for e in entries] == [
        ("Bilag 1", 3, 1),
        ("Bilag 2", 8, 1),
        ("Til Børne- og Ungdomsudvalget", 8, 2),
        ("Til Socialudvalget", 10, 2),
        ("Bilag 3", 13, 1),
    ]


def test_pack_pdf_has_all_pages_and_a_nested_outline():
    seen = []

    def front(entries):
        seen.append(entries)
        return blank_pdf(3)  # a front longer than first assumed: numbering must be redone

    data = build_pack_pdf(PARTS, front)
    assert seen[-1][0].page == 4
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 3 + 5 + 2 + 3 + 4
        with pdf.open_outline() as outline:
            titles = [(i.title, [c.title for c in i.children]) for i in outline.root]
    assert titles == [
        ("Forside og indhold", []),
        ("Bilag 1", []),
        ("Bilag 2", ["Til Børne- og Ungdomsudvalget", "Til Socialudvalget"]),
        ("Bilag 3", []),
    ]
    assert build_pack_pdf(PARTS, front) == data


def test_zip_is_byte_identical_whatever_the_insertion_order():
    a = build_zip({"b.pdf": b"2", "a.docx": b"1", "charts/x.svg": b"<svg/>"})
    b = build_zip({"charts/x.svg": b"<svg/>", "a.docx": b"1", "b.pdf": b"2"})
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as zf:
        assert zf.namelist() == ["a.docx", "b.pdf", "charts/x.svg"]
        assert {i.date_time for i in zf.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_manifest_lists_inputs_relative_and_outputs_with_hashes(tmp_path):
    (tmp_path / "updates.csv").write_bytes(b"id,date,label\n")
    data = build_manifest(update_id="2009-12", folder=tmp_path,
                          input_files=[tmp_path / "updates.csv"], outputs={"bilag1.pdf": b"abc"})
    m = json.loads(data)
    assert m["update"] == "2009-12"
    assert m["inputs"] == [{"path": "updates.csv", "size": 14,
                            "sha256": hashlib.sha256(b"id,date,label\n").hexdigest()}]
    assert m["outputs"][0]["sha256"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert "weasyprint" in m["dependencies"] and m["tool"]["name"] == "reportgen"


def test_contents_say_whose_page_numbers_they_give():
    """The parts keep their own 'Side 1 af 25' footers; the contents page says its numbers are the pack's."""
    from reportgen.document import Table
    from reportgen.documents.front import build_front
    from reportgen.inputs import read_barometer
    from reportgen.outputs.pack import TocEntry
    from reportgen.signals.assess import assess
    from tests.conftest import DEMO

    barometer = read_barometer(DEMO)
    front = build_front(barometer, assess(barometer), [TocEntry("Bilag 1: Orientering", 3)])
    contents = next(b for b in front.blocks if isinstance(b, Table) and b.header == ("Del", "Side"))
    assert contents.note.startswith("Sidetallene er det samlede materiales.")
    assert front.meta.title == "Integrationsbarometer – opdateringen i december 2009"


def test_cover_lead_names_only_the_parts_the_pack_holds():
    from reportgen.document import Paragraph
    from reportgen.documents.front import build_front
    from reportgen.inputs import read_barometer
    from reportgen.outputs.pack import TocEntry
    from reportgen.signals.assess import assess
    from tests.conftest import DEMO

    barometer = read_barometer(DEMO)
    entries = [TocEntry("Indstilling: 10. Integrationsbarometer", 3), TocEntry("Bilag 1: Orientering", 7),
               TocEntry("Bilag 3: Forslag til gode råd", 30)]
    front = build_front(barometer, assess(barometer), entries)
    lead = "".join(r.text for r in next(b for b in front.blocks if isinstance(b, Paragraph)).runs)
    assert lead.endswith(": indstillingen, orienteringen om status og udvikling på indikatorerne (Bilag 1) og "
                         "forslaget til gode råd om integrationsbarometret til det nye Beskæftigelses- og "
                         "Integrationsudvalg (Bilag 3).")  # Bilag 3's own title (new_committee is set)
    assert "Bilag 2" not in lead  # no letters in this pack
