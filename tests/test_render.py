"""Renderers: one contract over HTML/PDF/DOCX, then structural read-back of each format."""
from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from reportgen.document import Figure, ListBlock, Paragraph, Run, Table
from reportgen.errors import RenderError
from reportgen.render.docx import render_docx
from reportgen.render.fetcher import SafeFetcher
from reportgen.render.html import TEMPLATES_DIR, render_html
from reportgen.render.pdf import render_pdf
from reportgen.templating import make_environment
from tests.render_fixtures import (
    FIGURE_ALT,
    HEADINGS,
    LONG_TABLE_HEADER,
    PARAGRAPHS,
    SHADED_FILL,
    sample_document,
    table_cell_texts,
)

GOLDEN = Path(__file__).parent / "golden" / "bilag1_page1.png"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pdftotext(pdf: bytes, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run([*args, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


@pytest.fixture(scope="module")
def doc():
    return sample_document()


@pytest.fixture(scope="module")
def pdf(doc) -> bytes:
    return render_pdf(doc)


@pytest.fixture(scope="module")
def docx_bytes(doc) -> bytes:
    return render_docx(doc)


def _pdf_alts(data: bytes) -> list[str]:
    import pikepdf

    alts: list[str] = []

    def walk(node) -> None:
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)
        elif isinstance(node, pikepdf.Dictionary):
            if "/Alt" in node:
                alts.append(str(node.Alt))
            if "/K" in node:
                walk(node.K)

    with pikepdf.open(io.BytesIO(data)) as pdf:
        walk(pdf.Root.StructTreeRoot)
    return alts


def _docx_xml(data: bytes, member: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read(member))


def _extract(fmt: str, doc, pdf: bytes, docx_bytes: bytes) -> tuple[str, list[str]]:
    """(all visible text, figure alt texts) as each format stores them."""
    if fmt == "html":
        tree = lxml_html.document_fromstring(render_html(doc))
        return tree.text_content(), [img.get("alt") for img in tree.iter("img")]
    if fmt == "pdf":
        return pdftotext(pdf), _pdf_alts(pdf)
    body = _docx_xml(docx_bytes, "word/document.xml")
    text = "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in body.iter(f"{W}p"))
    wp = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
    descr = [e.get("descr") for e in body.iter(f"{wp}docPr")]
    return text, descr


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_contract_every_format_carries_the_content(fmt, doc, pdf, docx_bytes):
    text, alts = _extract(fmt, doc, pdf, docx_bytes)
    flat = _norm(text)
    for heading in HEADINGS:
        assert heading in flat
    for paragraph in PARAGRAPHS:
        assert _norm(paragraph) in flat
    words = set(flat.split())
    for cell in table_cell_texts(doc):  # cells may wrap in PDF, so compare word by word
        assert set(cell.split()) <= words, cell
    assert alts == list(FIGURE_ALT)
    assert "Søren Ærø Åberg" in flat and "Med venlig hilsen" in flat


# HTML ------------------------------------------------------------------------------------------

def test_html_structure(doc):
    page = render_html(doc)
    tree = lxml_html.document_fromstring(page)
    assert tree.get("lang") == "da"
    assert tree.findtext(".//title") == doc.meta.title
    assert [h.text_content() for h in tree.xpath("//h1|//h2|//h3")] == list(HEADINGS)
    assert [h.tag for h in tree.xpath("//h1|//h2|//h3")] == ["h1", "h1", "h2", "h3", "h1"]
    ids = [h.get("id") for h in tree.xpath("//h1|//h2|//h3")]
    assert ids[0] == "samlet-status" and ids[1] == "h-beskaeftigelse-og-uddannelse" and len(set(ids)) == 5
    tables = tree.xpath("//table[contains(concat(' ', @class, ' '), ' data ')]")
    # Tables whose document gives every column a width are laid out from the widths alone.
    assert [t.get("class") for t in tables] == [
        "data fixed" if block.widths and len(block.widths) == len(block.header) else "data"
        for block in doc.blocks if isinstance(block, Table)
    ]
    long_table = tables[1]
    assert [th.text_content() for th in long_table.xpath("./thead/tr/th")] == list(LONG_TABLE_HEADER)
    shaded = tree.xpath("//td[contains(@style, 'background-color: #c0392b')]")
    assert shaded and "color: #ffffff" in shaded[0].get("style")
    assert long_table.getnext().get("class") == "table-note"
    assert tree.xpath("//td[contains(@class,'align-right')]")[0].text_content() == "40,0 pct."
    assert len(tree.xpath("//ul/li")) == 2 and len(tree.xpath("//ol/li")) == 2
    assert tree.xpath("//aside[@class='note']//strong")[0].text == "Sådan læses signalerne"
    assert len(tree.xpath("//div[@class='page-break']")) == 1
    assert tree.xpath("//img")[0].get("src").startswith("data:image/svg+xml;base64,")
    assert [td.text_content() for td in tree.xpath("//header//table//td")] == [
        "3. december 2009", "2009-123456", "2009-987654"]


def test_html_escapes_data_and_drops_bad_colours(doc):
    evil = dataclasses.replace(doc, blocks=(
        Paragraph((Run('<script>alert("x")</script> & æøå'),)),
        Table(header=("a",), rows=((dataclasses.replace(table_cell(), fill='red;" onload="x'),),)),
    ))
    page = render_html(evil)
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp; æøå" in page
    assert "onload" not in page


def test_only_tables_with_every_width_get_the_fixed_layout(doc):
    row = ((table_cell(), table_cell()),)
    tables = dataclasses.replace(doc, blocks=(
        Table(header=("a", "b"), rows=row, widths=(2, 1)),
        Table(header=("a", "b"), rows=row, widths=(2,)),
        Table(header=("a", "b"), rows=row),
    ))
    tree = lxml_html.document_fromstring(render_html(tables))
    assert [t.get("class") for t in tree.xpath("//table[not(ancestor::header)]")] == ["data fixed", "data", "data"]


def table_cell():
    from reportgen.document import Cell

    return Cell("x")


def test_html_letter_has_letterhead_and_screen_mode():
    letter = sample_document("letter")
    tree = lxml_html.document_fromstring(render_html(letter, for_print=False))
    assert tree.xpath("//p[@class='municipality']")[0].text == "Københavns Kommune"
    assert tree.xpath("//p[@class='recipient']")[0].text == "Til Børne- og Ungdomsudvalget"
    assert tree.xpath("//p[@class='subject']/strong")[0].text == letter.meta.subject
    assert tree.xpath("//head/style") and not tree.xpath("//div[@class='running-header']")


def test_the_kept_tail_is_one_unbroken_block_in_html_and_kept_with_next_in_docx(doc):
    """DocumentMeta.keep_together_tail: the last blocks in one div the PDF does not break inside
    (print.css), and in Word every paragraph of them but the last kept with the next."""
    kept = dataclasses.replace(doc, meta=dataclasses.replace(doc.meta, keep_together_tail=3))
    tree = lxml_html.document_fromstring(render_html(kept))
    (div,) = tree.xpath("//div[@class='keep-together']")
    assert [e.tag for e in div] == ["blockquote", "p", "div"]
    assert div.xpath("./blockquote") and div.xpath("./p[@class='small']") and div.xpath("./div[@class='signature']")
    assert not tree.xpath("//div[@class='keep-together']//aside")  # the block before the tail stays out
    assert not lxml_html.document_fromstring(render_html(doc)).xpath("//div[@class='keep-together']")
    assert ".keep-together { break-inside: avoid;" in (TEMPLATES_DIR / "pdf" / "print.css").read_text()
    from docx import Document as DocxDocument

    paragraphs = DocxDocument(io.BytesIO(render_docx(kept))).paragraphs
    quote = max(i for i, p in enumerate(paragraphs) if p.text.startswith("Citat fra udvalgets"))
    assert all(p.paragraph_format.keep_with_next for p in paragraphs[quote:-1])
    assert not paragraphs[-1].paragraph_format.keep_with_next
    assert not paragraphs[quote - 1].paragraph_format.keep_with_next


def test_template_dirs_override_in_order(tmp_path, doc):
    (tmp_path / "blocks").mkdir()
    (tmp_path / "blocks" / "pagebreak.html").write_text('<hr class="mine">', encoding="utf-8")
    page = render_html(doc, template_dirs=[tmp_path])
    assert '<hr class="mine">' in page and "page-break" not in page


def test_environment_is_strict_and_sandboxed(tmp_path):
    from jinja2.exceptions import SecurityError, UndefinedError

    (tmp_path / "a.html").write_text("{{ missing }}", encoding="utf-8")
    (tmp_path / "b.html").write_text("{{ ''.__class__.__mro__ }}", encoding="utf-8")
    (tmp_path / "c.html").write_text("{{ x }}", encoding="utf-8")
    env = make_environment([tmp_path])
    with pytest.raises(UndefinedError):
        env.get_template("a.html").render()
    with pytest.raises(SecurityError):
        env.get_template("b.html").render()
    assert env.get_template("c.html").render(x="<b>") == "&lt;b&gt;"


# PDF -------------------------------------------------------------------------------------------

def test_pdf_text_and_page_numbers(pdf):
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as p:
        n = len(p.pages)
    assert n >= 3
    first = _norm(pdftotext(pdf, 1))
    assert f"Side 1 af {n}" in first and "Bilag 1" in first and "Sagsnr. 2009-123456" in first
    assert doc_running_header() not in first  # no running header above the title block
    assert doc_running_header() in _norm(pdftotext(pdf, 2))
    assert f"Side {n} af {n}" in _norm(pdftotext(pdf, n))


def doc_running_header() -> str:
    return sample_document().meta.running_header


def test_pdf_fonts_are_embedded_carlito_only(pdf):
    out = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True)
    if out.returncode != 0:  # older pdffonts cannot read stdin
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(pdf)
            f.flush()
            out = subprocess.run(["pdffonts", f.name], capture_output=True, check=True)
    rows = out.stdout.decode().splitlines()[2:]
    assert rows
    for row in rows:
        name, emb = row.split()[0], row.split()[-5]
        assert re.fullmatch(r"[A-Z]{6}\+Carlito(-Bold|-Italic|-BoldItalic)?", name), name
        assert emb == "yes", row


def test_pdf_is_tagged_archivable_and_outlined(pdf, doc):
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as p:
        assert "/StructTreeRoot" in p.Root and p.Root.MarkInfo.Marked
        assert str(p.Root.Lang) == "da"
        meta = p.open_metadata()
        assert meta.get("pdfaid:part") == "3" and meta.get("pdfaid:conformance") == "U"
        assert meta.get("pdfuaid:part") == "1"  # PDF/UA-1 declared beside PDF/A-3u
        assert meta.get("dc:title") == doc.meta.title
        assert str(p.docinfo.Author) == doc.meta.author
        assert str(p.docinfo.CreationDate).startswith("D:20091203090000")
        assert "/OutputIntents" in p.Root
        with p.open_outline() as outline:
            flat = []

            def walk(items, depth):
                for item in items:
                    flat.append((depth, item.title))
                    walk(item.children, depth + 1)

            walk(outline.root, 1)
    assert flat == [(h.level, h.text) for h in doc.headings]


def test_pdf_passes_qpdf_check(pdf, tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_pdf_long_table_repeats_its_header(pdf):
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as p:
        n = len(p.pages)
    pages = [i for i in range(1, n + 1) if "Seneste værdi" in pdftotext(pdf, i)]
    assert len(pages) >= 2 and pages == list(range(pages[0], pages[0] + len(pages)))


def test_pdf_and_docx_are_byte_identical_across_renders(doc, pdf, docx_bytes):
    assert render_pdf(doc) == pdf
    assert render_docx(doc) == docx_bytes


def test_pdf_page1_matches_golden(pdf, tmp_path):
    from PIL import Image, ImageChops, ImageStat

    path = tmp_path / "x.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    actual = Image.open(tmp_path / "page.png").convert("L")
    golden = Image.open(GOLDEN).convert("L")
    diff = 255.0
    if actual.size == golden.size:
        diff = sum(ImageStat.Stat(ImageChops.difference(actual, golden)).mean)
    if diff > 1.5:
        actual.save(GOLDEN.with_name(GOLDEN.stem + ".actual.png"))
    assert diff <= 1.5, f"page 1 differs from the golden by {diff:.2f} (see {GOLDEN.stem}.actual.png)"


def test_pdf_refuses_glyphs_outside_the_family(doc):
    odd = dataclasses.replace(doc, blocks=(Paragraph.of("▲ Gul"),))
    with pytest.raises(RenderError, match="U\\+25B2"):
        render_pdf(odd)


# The fetcher -----------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://example.com/x.png",
    "https://example.com/x.css",
    (TEMPLATES_DIR / "html").as_uri() + "/../../../../../../etc/passwd",
    (TEMPLATES_DIR / "fonts").as_uri() + "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "ftp://example.com/x",
])
def test_fetcher_refuses(url):
    fetcher = SafeFetcher([TEMPLATES_DIR])
    with pytest.raises(RenderError):
        fetcher.fetch(url)


def test_fetcher_refuses_symlink_out_of_allowed_dir(tmp_path):
    (tmp_path / "link.css").symlink_to("/etc/passwd")
    with pytest.raises(RenderError, match="uden for"):
        SafeFetcher([tmp_path]).fetch((tmp_path / "link.css").as_uri())


def test_fetcher_serves_fonts_and_data_urls():
    fetcher = SafeFetcher([TEMPLATES_DIR])
    font = fetcher.fetch((TEMPLATES_DIR / "fonts" / "Carlito-Regular.ttf").as_uri())
    assert font.read()[:4] == b"\x00\x01\x00\x00"
    assert fetcher.fetch("data:text/plain;base64,w6bDuMOl").read().decode() == "æøå"


def test_fetcher_serves_only_the_documents_own_figures():
    fetcher = SafeFetcher([TEMPLATES_DIR], {"reportgen-figure:abc.svg": b"<svg/>"})
    response = fetcher.fetch("reportgen-figure:abc.svg")
    assert response.read() == b"<svg/>" and response.headers["Content-Type"] == "image/svg+xml"
    with pytest.raises(RenderError, match="findes ikke i dokumentet"):
        fetcher.fetch("reportgen-figure:other.svg")
    with pytest.raises(RenderError, match="findes ikke i dokumentet"):
        SafeFetcher([TEMPLATES_DIR]).fetch("reportgen-figure:abc.svg")


def test_pdf_figures_reach_weasyprint_by_content_named_urls(doc, tmp_path):
    """The PDF's HTML carries no base64 charts; the same chart in two documents is one URL."""
    from reportgen.render import pdf as pdf_module

    figures: dict[str, bytes] = {}
    page = render_html(doc, image_src=lambda f: pdf_module._figure_url(f, figures))
    assert "data:image" not in page
    chart = next(b for b in doc.blocks if isinstance(b, Figure))
    assert figures[pdf_module._figure_url(chart, {})] == chart.svg
    assert pdf_module._figure_url(chart, {}) in page
    # ... and the chart is drawn: its dark blue line is there, not there with an empty drawing.
    from PIL import Image

    def blue_pixels(figure: Figure) -> int:
        (tmp_path / "x.pdf").write_bytes(render_pdf(dataclasses.replace(doc, blocks=(figure,))))
        subprocess.run(["pdftoppm", "-png", "-r", "72", "-singlefile", str(tmp_path / "x.pdf"),
                        str(tmp_path / "page")], check=True)
        pixels = Image.open(tmp_path / "page.png").convert("RGB").get_flattened_data()
        return sum(1 for r, g, b in pixels if abs(r - 0x1F) < 12 and abs(g - 0x3A) < 12 and abs(b - 0x5F) < 12)

    empty = b'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="260" viewBox="0 0 600 260"/>'
    assert blue_pixels(chart) - blue_pixels(dataclasses.replace(chart, svg=empty)) > 200


@pytest.mark.parametrize("src", ["file:///etc/passwd", "http://example.com/x.png", "../../../etc/passwd"])
def test_pdf_render_fails_on_a_refused_resource(tmp_path, doc, src):
    (tmp_path / "blocks").mkdir()
    (tmp_path / "blocks" / "pagebreak.html").write_text(f'<img src="{src}" alt="x">', encoding="utf-8")
    with pytest.raises(RenderError, match=re.escape(src.lstrip("./")) if "://" in src else "etc/passwd"):
        render_pdf(doc, template_dirs=[tmp_path])


# DOCX ------------------------------------------------------------------------------------------

def test_docx_headings_tables_and_styles(docx_bytes, doc):
    import docx

    d = docx.Document(io.BytesIO(docx_bytes))
    headings = [(p.style.name, p.text) for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [(f"Heading {h.level}", h.text) for h in doc.headings]
    styles = {p.style.name for p in d.paragraphs}
    assert {"Title", "Label", "Lead", "Small", "Caption", "List Bullet", "List Number", "Note", "Quote",
            "Table Caption", "Table Note"} <= styles
    assert [p.text for p in d.paragraphs if p.style.name == "Title"] == [doc.meta.title]
    assert len(d.tables) == 4  # header pairs, overview, long table, contact KeyValue
    long_table = d.tables[2]
    assert long_table.style.name == "Datatabel"
    assert [c.text for c in long_table.rows[0].cells] == list(LONG_TABLE_HEADER)
    assert long_table.rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None
    assert long_table.rows[1]._tr.find(f"{W}trPr/{W}tblHeader") is None
    red = [c for c in d.tables[1].columns[1].cells if c.text == "↓ Rød"][0]
    assert red._tc.find(f"{W}tcPr/{W}shd").get(f"{W}fill") == SHADED_FILL
    assert red.paragraphs[0].runs[0].font.color.rgb == docx.shared.RGBColor(0xFF, 0xFF, 0xFF)
    assert long_table.rows[1].cells[2].paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    # no run carries its own font: the family comes from the styles
    assert not list(_docx_xml(docx_bytes, "word/document.xml").iter(f"{W}rFonts"))


def test_docx_toc_is_prefilled_and_updates_on_open(docx_bytes, doc):
    body = _docx_xml(docx_bytes, "word/document.xml")
    instr = [t.text for t in body.iter(f"{W}instrText")]
    assert any('TOC \\o "1-3" \\h \\z \\u' in i for i in instr)
    entries = ["".join(t.text for t in link.iter(f"{W}t")) for link in body.iter(f"{W}hyperlink")]
    assert entries == [h.text for h in doc.headings]
    anchors = {link.get(f"{W}anchor") for link in body.iter(f"{W}hyperlink")}
    assert anchors == {b.get(f"{W}name") for b in body.iter(f"{W}bookmarkStart")}
    begin = next(body.iter(f"{W}fldChar"))
    assert begin.get(f"{W}dirty") == "true"
    settings = _docx_xml(docx_bytes, "word/settings.xml")
    assert settings.find(f"{W}updateFields").get(f"{W}val") == "true"


def test_docx_images_footer_header_and_properties(docx_bytes, doc):
    import docx

    d = docx.Document(io.BytesIO(docx_bytes))
    assert len(d.inline_shapes) == 2
    section = d.sections[0]
    footer_xml = etree.tostring(section.footer._element).decode()
    assert " PAGE " in footer_xml and " NUMPAGES " in footer_xml and "Side " in footer_xml
    assert section.header.paragraphs[0].text == doc.meta.running_header
    props = d.core_properties
    assert props.title == doc.meta.title and props.language == "da-DK" and props.author == doc.meta.author
    assert props.created.isoformat() == "2009-12-03T08:00:00+00:00"
    styles = _docx_xml(docx_bytes, "word/styles.xml")
    assert styles.find(f"{W}docDefaults//{W}lang").get(f"{W}val") == "da-DK"
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        names = z.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in z.infolist()} == {(2009, 12, 3, 8, 0, 0)}
        assert not any(b"python-docx" in z.read(n) for n in names)


def test_docx_letter_has_letterhead_subject_and_signature():
    import docx

    letter = sample_document("letter")
    d = docx.Document(io.BytesIO(render_docx(letter)))
    by_style = [(p.style.name, p.text) for p in d.paragraphs]
    assert ("Letterhead", "Københavns Kommune") in by_style
    assert ("Normal", "Til Børne- og Ungdomsudvalget") in by_style
    assert ("Subject", letter.meta.subject) in by_style
    assert ("Closing", "Med venlig hilsen") in by_style and ("Signer", "Anna Ørsted") in by_style
    assert d.styles["Subject"].font.bold is True
    assert not any(p.style.name == "TOC Heading" for p in d.paragraphs)


def test_reference_docx_is_reproducible():
    from tools.make_reference_docx import build

    assert build() == (TEMPLATES_DIR / "docx" / "reference.docx").read_bytes()


@pytest.mark.slow
def test_docx_opens_in_libreoffice(docx_bytes, tmp_path, doc):
    source = tmp_path / "bilag1.docx"
    source.write_bytes(docx_bytes)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    text = _norm(pdftotext((tmp_path / "bilag1.pdf").read_bytes()))
    for heading in HEADINGS:
        assert heading in text
    assert "Side 1 af" in text and "Indhold" in text


def test_docx_numbered_lists_each_start_at_one(tmp_path):
    """Word numbers every paragraph of a list style as one list; the second list must restart."""
    items = ((Run("første punkt"),), (Run("andet punkt"),))
    doc = dataclasses.replace(sample_document(), blocks=(ListBlock(items, ordered=True), Paragraph.of("Imellem"),
                                                         ListBlock(items, ordered=True)))
    path = tmp_path / "lister.docx"
    path.write_bytes(render_docx(doc))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=300)
    text = subprocess.run(["pdftotext", str(tmp_path / "lister.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    numbers = re.findall(r"^\s*(\d+)\.\s*(?:første|andet) punkt", text, flags=re.M)
    assert numbers == ["1", "2", "1", "2"], text
