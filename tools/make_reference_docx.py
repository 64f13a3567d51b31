"""Build templates/docx/reference.docx, the named styles of every DOCX, from python-docx's default."""
from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reportgen.render import ooxml  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "templates" / "docx" / "reference.docx"

# "Calibri", not "Carlito": Word has Calibri; LibreOffice substitutes the metric-compatible
# Carlito for it (fontconfig alias), so line breaks match in both and the PDF renderer's Carlito.
FONT = "Calibri"
INK = RGBColor(0x1B, 0x1E, 0x22)
ACCENT = RGBColor(0x1F, 0x3A, 0x5F)
GREY = RGBColor(0x4A, 0x4F, 0x55)
FIXED_TIME = datetime(2024, 1, 1, tzinfo=UTC)


def _paragraph_style(doc, name: str, *, base: str = "Normal"):
    styles = doc.styles
    if name in [s.name for s in styles]:
        return styles[name]
    style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles[base]
    style.quick_style = True
    return style


def _set(style, *, size=None, bold=None, italic=None, color=None, before=None, after=None,
         keep_next=None, line=None, left_indent=None) -> None:
    font = style.font
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic
    if color is not None:
        font.color.rgb = color
    pf = style.paragraph_format
    if before is not None:
        pf.space_before = Pt(before)
    if after is not None:
        pf.space_after = Pt(after)
    if keep_next is not None:
        pf.keep_with_next = keep_next
    if line is not None:
        pf.line_spacing = line
    if left_indent is not None:
        pf.left_indent = Mm(left_indent)


def build() -> bytes:
    doc = Document()  # python-docx's default template: Word's built-in style set
    styles = doc.styles
    ooxml.set_document_defaults(styles.element, font=FONT, lang="da-DK", size_half_points=21)
    for style in styles:
        ooxml.clear_theme_fonts(style.element.find(qn("w:rPr")))
        if style.type == WD_STYLE_TYPE.PARAGRAPH or style.type == WD_STYLE_TYPE.CHARACTER:
            style.font.color.rgb = None

    _set(styles["Normal"], color=INK, after=6, line=1.15)
    title = styles["Title"]
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    _set(title, size=19, bold=True, color=ACCENT, before=0, after=6, line=1.0)
    title.font.spacing = 0
    _set(styles["Subtitle"], size=10.5, italic=False, color=GREY, after=12)
    styles["Subtitle"].font.spacing = 0
    for level, size, before, after in ((1, 16, 18, 5), (2, 13, 14, 4), (3, 11, 10, 3)):
        _set(styles[f"Heading {level}"], size=size, bold=True, italic=False, color=ACCENT,
             before=before, after=after, keep_next=True, line=1.0)
    _set(styles["Caption"], size=9, bold=False, italic=False, color=GREY, before=3, after=10)
    _set(styles["Quote"], italic=True, color=INK, left_indent=6)
    for name in ("Header", "Footer"):
        _set(styles[name], size=8.5, color=GREY, after=0)
        tabs = styles[name].paragraph_format.tab_stops
        tabs.clear_all()
        tabs.add_tab_stop(Mm(165), WD_TAB_ALIGNMENT.RIGHT)  # right edge of the text column
    ooxml.paragraph_rule_below(styles["Header"].element.get_or_add_pPr(), colour_hex="9AA3AD")
    for name in ("List Bullet", "List Number"):
        _set(styles[name], after=3)
    _set(styles["TOC Heading"], size=13, before=12, after=6)

    _set(_paragraph_style(doc, "Lead"), size=11.5)
    _set(_paragraph_style(doc, "Small"), size=9, color=GREY)
    _set(_paragraph_style(doc, "Label"), size=11, bold=True, color=ACCENT, after=3)
    _set(_paragraph_style(doc, "Subject"), size=12, bold=True, before=6, after=12)
    _set(_paragraph_style(doc, "Letterhead"), size=14, bold=True, color=ACCENT, after=0)
    _set(_paragraph_style(doc, "Figure"), after=0, keep_next=True)
    _set(_paragraph_style(doc, "Table Caption", base="Caption"), size=10, bold=True, color=INK,
         before=6, after=3, keep_next=True)
    _set(_paragraph_style(doc, "Table Note", base="Small"), size=8.5, before=3, after=10)
    _set(_paragraph_style(doc, "Signer"), bold=True, after=0)
    # Cell text: a paragraph style wins over the table style's spacing, so cells get their own.
    _set(_paragraph_style(doc, "Table Text"), size=9.5, before=0, after=0, line=1.0)
    _set(_paragraph_style(doc, "Key Value"), size=10, before=0, after=0, line=1.1)
    _set(_paragraph_style(doc, "Closing"), before=12, after=30)
    note = _paragraph_style(doc, "Note")
    _set(note, size=9.5, before=6, after=8, left_indent=2)
    ooxml.paragraph_box(note.element.get_or_add_pPr(), border_hex="9AA3AD", accent_hex="1F3A5F",
                        fill_hex="F3F5F7")
    sender = _paragraph_style(doc, "Sender")
    _set(sender, color=GREY, after=24)
    ooxml.paragraph_rule_below(sender.element.get_or_add_pPr(), colour_hex="9AA3AD")
    for level in (1, 2, 3):
        toc = _paragraph_style(doc, f"toc {level}")
        _set(toc, after=2, left_indent=5 * (level - 1), bold=level == 1)

    styles.element.append(parse_xml(ooxml.data_table_style_xml(
        "Datatabel", "Datatabel", rule_hex="1B1E22", thin_hex="B9C0C7")))

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(27), Mm(22)
    section.left_margin, section.right_margin = Mm(25), Mm(20)
    section.header_distance, section.footer_distance = Mm(12), Mm(10)

    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)

    props = doc.core_properties
    props.title = "reportgen reference"
    props.author = "reportgen"
    props.last_modified_by = "reportgen"
    props.comments = ""
    props.language = "da-DK"
    props.revision = 1
    props.created = props.modified = FIXED_TIME.replace(tzinfo=None)

    package_rels = doc.part.package.rels  # the template's thumbnail shows python-docx's blank page
    for r_id in [r for r, rel in package_rels.items() if rel.reltype.endswith("/thumbnail")]:
        del package_rels[r_id]

    buffer = io.BytesIO()
    doc.save(buffer)
    return ooxml.repack(buffer.getvalue(), FIXED_TIME.timetuple()[:6])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(build())


if __name__ == "__main__":
    main()
