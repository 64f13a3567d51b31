"""Document -> DOCX with python-docx: blocks mapped to the named styles of reference.docx."""
from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from docx import Document as open_docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, RGBColor

from reportgen.document import (
    Document,
    Figure,
    Heading,
    KeyValue,
    ListBlock,
    Note,
    PageBreak,
    Paragraph,
    Run,
    Signature,
    Table,
)
from reportgen.errors import RenderError
from reportgen.render import ooxml
from reportgen.render.html import TEMPLATES_DIR

REFERENCE_DOCX = TEMPLATES_DIR / "docx" / "reference.docx"
TEXT_WIDTH_MM = 165.0  # A4 minus the reference's 25 mm + 20 mm side margins
TOC_TITLE = "Indhold"

_PARAGRAPH_STYLES = {"body": "Normal", "lead": "Lead", "small": "Small", "quote": "Quote"}
_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT,
          "center": WD_ALIGN_PARAGRAPH.CENTER}


def _created(meta_created: str) -> datetime:
    try:
        stamp = datetime.fromisoformat(meta_created)
    except ValueError as exc:
        raise RenderError(f"Ugyldigt tidspunkt for dokumentet: {meta_created!r}") from exc
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC).replace(tzinfo=None)
    return max(stamp, datetime(1980, 1, 1))  # the ZIP format starts in 1980


def _rgb(hex_colour: str | None) -> RGBColor | None:
    if hex_colour and len(hex_colour) == 7 and hex_colour.startswith("#"):
        try:
            return RGBColor.from_string(hex_colour[1:].upper())
        except ValueError:
            return None
    return None


class _Writer:
    """Appends blocks to a python-docx document opened on the reference file."""

    def __init__(self, docx, doc: Document):
        self.docx = docx
        self.doc = doc
        self.bookmark_id = 0
        # python-docx resolves a style by scanning every style on each assignment (seconds per
        # document); look the ids up once and set them in the XML directly.
        self.style_ids = {s.name: s.style_id for s in docx.styles}
        self.numbered_lists = 0

    def style_id(self, name: str) -> str:
        return self.style_ids[name]  # KeyError: the reference.docx lacks it (reported by render_docx)

    def set_style(self, paragraph, name: str) -> None:
        paragraph._p.get_or_add_pPr().style = self.style_id(name)

    def add_paragraph(self, text: str = "", style: str = "Normal"):
        paragraph = self.docx.add_paragraph(text)
        self.set_style(paragraph, style)
        return paragraph

    def set_table_style(self, table, name: str) -> None:
        table._tbl.tblStyle_val = self.style_id(name)

    # inline text
    def runs(self, paragraph, runs: tuple[Run, ...]) -> None:
        for r in runs:
            run = paragraph.add_run(r.text)
            if r.bold:
                run.bold = True
            if r.italic:
                run.italic = True

    def para(self, text: str, style: str):
        return self.add_paragraph(text, style)

    # title block, letterhead, header and footer
    def masthead(self) -> None:
        meta = self.doc.meta
        if meta.kind == "letter":
            self.para(meta.municipality, "Letterhead")
            self.para(meta.administration or "", "Sender")
            self.para(meta.label, "Label")
            if meta.recipient:
                self.para(meta.recipient, "Normal")
            if "Dato" not in dict(meta.header_pairs):  # the date stands once, in the Dato block
                self.para(meta.date_text, "Normal")
            if meta.header_pairs:
                self.key_value(meta.header_pairs)
            self.para(meta.subject or meta.title, "Subject")
            return
        self.para(meta.label, "Label")
        self.para(meta.title, "Title")
        admin = f"{meta.municipality} · {meta.administration}" if meta.administration else meta.municipality
        self.para(admin, "Subtitle")
        if meta.header_pairs:
            self.key_value(meta.header_pairs)

    def header_footer(self) -> None:
        meta = self.doc.meta
        section = self.docx.sections[0]
        section.different_first_page_header_footer = True  # page 1 carries the title block
        header = section.header.paragraphs[0]
        header.text = meta.running_header
        self.set_style(header, "Header")
        first = section.first_page_header.paragraphs[0]
        first.text = ""
        self.set_style(first, "Footer")  # the Header style's rule is not wanted above the title
        for footer in (section.footer, section.first_page_footer):
            p = footer.paragraphs[0]
            self.set_style(p, "Footer")
            p.text = ""
            p.add_run(f"{meta.label} · {meta.municipality}\tSide ")
            ooxml.add_simple_field(p, "PAGE", "1")
            p.add_run(" af ")
            ooxml.add_simple_field(p, "NUMPAGES", "1")

    def toc(self, bookmarks: list[tuple[Heading, str]]) -> None:
        """A TOC field whose result already lists the headings; Word refreshes page numbers."""
        if not bookmarks:
            return
        self.para(TOC_TITLE, "TOC Heading")
        paragraphs = []
        for heading, name in bookmarks:
            p = self.add_paragraph(style=f"toc {min(max(heading.level, 1), 3)}")
            paragraphs.append((p, heading, name))
        first = paragraphs[0][0]
        ooxml.field_begin(first, 'TOC \\o "1-3" \\h \\z \\u', dirty=True)
        for p, heading, name in paragraphs:
            ooxml.add_internal_link(p, name, heading.text)
        ooxml.field_end(paragraphs[-1][0])

    # blocks
    def heading(self, block: Heading, bookmark: str) -> None:
        level = min(max(block.level, 1), 3)
        p = self.add_paragraph(block.text, f"Heading {level}")
        self.bookmark_id += 1
        ooxml.add_bookmark(p, bookmark, self.bookmark_id)

    def paragraph(self, block: Paragraph) -> None:
        p = self.add_paragraph(style=_PARAGRAPH_STYLES.get(block.style, "Normal"))
        self.runs(p, block.runs)

    def list(self, block: ListBlock) -> None:
        style = "List Number" if block.ordered else "List Bullet"
        num_id = None
        if block.ordered:
            if self.numbered_lists:  # every numbered list after the first starts again at 1
                num_id = ooxml.restart_numbering(self.docx, self.style_id(style))
            self.numbered_lists += 1
        for item in block.items:
            paragraph = self.add_paragraph(style=style)
            if num_id is not None:
                ooxml.set_numbering(paragraph, num_id)
            self.runs(paragraph, item)

    def table(self, block: Table) -> None:
        if block.caption:
            self.para(block.caption, "Table Caption")
        n_cols = len(block.header) or max((len(r) for r in block.rows), default=1)
        has_header = bool(block.header)
        table = self.docx.add_table(rows=len(block.rows) + int(has_header), cols=n_cols)
        self.set_table_style(table, "Datatabel")
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        ooxml.set_table_look(table, first_row=has_header)
        widths = block.widths or tuple(1.0 for _ in range(n_cols))
        total = sum(widths[:n_cols]) or 1.0
        col_mm = [TEXT_WIDTH_MM * (widths[i] if i < len(widths) else 1.0) / total for i in range(n_cols)]
        col_align = block.align or ()
        if has_header:
            row = table.rows[0]
            ooxml.mark_header_row(row)
            ooxml.keep_row_together(row)
            for i, text in enumerate(block.header):
                cell = row.cells[i]
                cell.paragraphs[0].text = text
                if i < len(col_align):
                    cell.paragraphs[0].alignment = _ALIGN[col_align[i]]
        for r, cells in enumerate(block.rows):
            row = table.rows[r + int(has_header)]
            ooxml.keep_row_together(row)
            for i, data in enumerate(cells[:n_cols]):
                cell = row.cells[i]
                p = cell.paragraphs[0]
                run = p.add_run(data.text)
                if data.bold:
                    run.bold = True
                if colour := _rgb(data.color):
                    run.font.color.rgb = colour
                if data.fill and _rgb(data.fill):
                    ooxml.shade_cell(cell, data.fill[1:])
                p.alignment = _ALIGN[data.align]
        _set_widths(table, col_mm)
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    self.set_style(p, "Table Text")
        if block.note:
            self.para(block.note, "Table Note")
        else:
            self.para("", "Table Note")  # Word needs a paragraph between two tables

    def figure(self, block: Figure) -> None:
        p = self.add_paragraph(style="Figure")
        shape = p.add_run().add_picture(io.BytesIO(block.png), width=Mm(min(block.width_mm, TEXT_WIDTH_MM)))
        ooxml.set_alt_text(shape, block.alt_text, block.name)
        self.para(block.caption or "", "Caption")

    def note(self, block: Note) -> None:
        if block.title:
            self.add_paragraph(style="Note").add_run(block.title).bold = True
        self.runs(self.add_paragraph(style="Note"), block.runs)

    def key_value(self, pairs: tuple[tuple[str, str], ...]) -> None:
        table = self.docx.add_table(rows=len(pairs), cols=2)
        self.set_table_style(table, "Normal Table")
        table.autofit = False
        for row, (key, value) in zip(table.rows, pairs, strict=True):
            for cell, text in zip(row.cells, (key, value), strict=True):
                cell.paragraphs[0].text = text
                self.set_style(cell.paragraphs[0], "Key Value")
        _set_widths(table, [35.0, TEXT_WIDTH_MM - 35.0])
        self.para("", "Normal")

    def signature(self, block: Signature) -> None:
        """Closing, name and title, kept on one page with the paragraph (or table row) before them:
        keep-with-next on that and on every signature line but the last, so the closing never
        stands alone on a page."""
        self._keep_last_with_next()
        lines = [self.para(block.closing, "Closing"), self.para(block.name, "Signer"),
                 self.para(block.title, "Normal")]
        for line in lines[:-1]:
            line.paragraph_format.keep_with_next = True

    def _keep_last_with_next(self) -> None:
        from docx.table import Table as DocxTable
        from docx.text.paragraph import Paragraph as DocxParagraph

        items = list(self.docx.iter_inner_content())
        if not items:
            return
        last = items[-1]
        if isinstance(last, DocxParagraph):
            last.paragraph_format.keep_with_next = True
        elif isinstance(last, DocxTable):
            for cell in last.rows[-1].cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True


def _set_widths(table, widths_mm: list[float]) -> None:
    """Widths on the grid (LibreOffice reads these) and on every cell (Word reads these)."""
    for column, width in zip(table.columns, widths_mm, strict=False):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(width)


def _keep_with_next(elements) -> None:
    """Every paragraph of ``elements`` but the last kept with the next: Word moves them to the next
    page together (the document's kept tail)."""
    paragraphs = [e for e in elements if e.tag == qn("w:p")]
    for p in paragraphs[:-1]:
        p.get_or_add_pPr().keepNext_val = True


def _bookmark_names(doc: Document) -> list[tuple[Heading, str]]:
    return [(h, f"_Toc{i + 1:06d}") for i, h in enumerate(doc.headings)]


def _core_properties(docx, doc: Document, created: datetime) -> None:
    meta = doc.meta
    props = docx.core_properties
    props.title = meta.title
    props.subject = meta.label
    props.author = meta.author or meta.municipality
    props.last_modified_by = meta.author or meta.municipality
    props.language = "da-DK" if meta.language == "da" else meta.language
    props.comments = ""
    props.keywords = ""
    props.category = ""
    props.revision = 1
    props.created = created
    props.modified = created


def render_docx(doc: Document, *, reference_docx: Path | None = None) -> bytes:
    """Render ``doc`` as DOCX on the styles of ``reference_docx`` (``None``: templates/docx).

    The look lives in the reference file (a municipality restyles it in Word); this code only picks
    style names. The same document gives the same bytes: fixed timestamps, sorted ZIP members.
    """
    reference = Path(reference_docx) if reference_docx else REFERENCE_DOCX
    try:
        docx = open_docx(str(reference))
    except Exception as exc:  # python-docx raises several unrelated types for a broken file
        raise RenderError(f"Referencedokumentet {reference} kan ikke åbnes: {exc}") from exc
    body = docx.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)

    writer = _Writer(docx, doc)
    bookmarks = _bookmark_names(doc)
    names = iter(name for _, name in bookmarks)
    try:
        writer.header_footer()
        writer.masthead()
        if doc.meta.kind == "report":
            writer.toc(bookmarks)
        first_kept = max(0, len(doc.blocks) - doc.meta.keep_together_tail)
        kept_from = len(body)
        for index, block in enumerate(doc.blocks):
            if index == first_kept:  # the body ends in its sectPr: new blocks go before it
                kept_from = len(body) - (body[-1].tag == qn("w:sectPr"))
            if isinstance(block, Heading):
                writer.heading(block, next(names))
            elif isinstance(block, Paragraph):
                writer.paragraph(block)
            elif isinstance(block, ListBlock):
                writer.list(block)
            elif isinstance(block, Table):
                writer.table(block)
            elif isinstance(block, Figure):
                writer.figure(block)
            elif isinstance(block, Note):
                writer.note(block)
            elif isinstance(block, KeyValue):
                writer.key_value(block.pairs)
            elif isinstance(block, PageBreak):
                docx.add_page_break()
            elif isinstance(block, Signature):
                writer.signature(block)
            else:
                raise TypeError(f"Unknown block type {type(block).__name__}")
        if doc.meta.keep_together_tail:
            _keep_with_next(list(body)[kept_from:])
    except KeyError as exc:  # a style the reference.docx lacks
        raise RenderError(f"Referencedokumentet {reference} mangler typografien {exc}") from exc
    ooxml.set_update_fields(docx.settings)

    created = _created(doc.meta.created)
    _core_properties(docx, doc, created)
    buffer = io.BytesIO()
    docx.save(buffer)
    return ooxml.repack(buffer.getvalue(), created.timetuple()[:6])
