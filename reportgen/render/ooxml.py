"""The raw WordprocessingML python-docx has no API for: fields, shading, bookmarks, alt text, ZIP."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _el(tag: str, **attrs: str):
    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(key), value)
    return element


def _run_with(*children):
    run = _el("w:r")
    for child in children:
        run.append(child)
    return run


# Fields --------------------------------------------------------------------------------------

def field_begin(paragraph, instruction: str, *, dirty: bool = False) -> None:
    """Open a complex field in ``paragraph``; the text added next is its result until field_end."""
    begin = _el("w:fldChar", **{"w:fldCharType": "begin"})
    if dirty:
        begin.set(qn("w:dirty"), "true")  # Word recomputes it on open
    instr = _el("w:instrText")
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = f" {instruction} "
    paragraph._p.append(_run_with(begin))
    paragraph._p.append(_run_with(instr))
    paragraph._p.append(_run_with(_el("w:fldChar", **{"w:fldCharType": "separate"})))


def field_end(paragraph) -> None:
    paragraph._p.append(_run_with(_el("w:fldChar", **{"w:fldCharType": "end"})))


def add_simple_field(paragraph, instruction: str, result: str) -> None:
    """A field such as PAGE or NUMPAGES with a cached result shown until it is updated."""
    field_begin(paragraph, instruction)
    text = _el("w:t")
    text.text = result
    paragraph._p.append(_run_with(text))
    field_end(paragraph)


def add_internal_link(paragraph, anchor: str, text: str) -> None:
    """A hyperlink to bookmark ``anchor`` (the TOC entries' \\h switch)."""
    link = _el("w:hyperlink", **{"w:anchor": anchor, "w:history": "1"})
    t = _el("w:t")
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    link.append(_run_with(t))
    paragraph._p.append(link)


def set_update_fields(settings) -> None:
    """Ask Word to update all fields (TOC page numbers, NUMPAGES) when the file is opened."""
    root = settings.element
    for old in root.findall(qn("w:updateFields")):
        root.remove(old)
    root.append(_el("w:updateFields", **{"w:val": "true"}))


# Bookmarks -------------------------------------------------------------------------------------

def add_bookmark(paragraph, name: str, bookmark_id: int) -> None:
    """Wrap the paragraph's content in bookmark ``name`` (a TOC hyperlink target)."""
    p = paragraph._p
    start = _el("w:bookmarkStart", **{"w:id": str(bookmark_id), "w:name": name})
    end = _el("w:bookmarkEnd", **{"w:id": str(bookmark_id)})
    ppr = p.find(qn("w:pPr"))
    if ppr is not None:
        ppr.addnext(start)
    else:
        p.insert(0, start)
    p.append(end)


# Tables ----------------------------------------------------------------------------------------

def shade_cell(cell, fill_hex: str) -> None:
    """Solid background ``fill_hex`` (RRGGBB, no #) on a table cell (w:shd)."""
    tc_pr = cell._tc.get_or_add_tcPr()
    for old in tc_pr.findall(qn("w:shd")):
        tc_pr.remove(old)
    tc_pr.append(_el("w:shd", **{"w:val": "clear", "w:color": "auto", "w:fill": fill_hex.upper()}))


def mark_header_row(row) -> None:
    """Repeat the row at the top of every page the table runs onto (w:tblHeader)."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(_el("w:tblHeader", **{"w:val": "true"}))


def keep_row_together(row) -> None:
    row._tr.get_or_add_trPr().append(_el("w:cantSplit", **{"w:val": "true"}))


def set_table_look(table, *, first_row: bool) -> None:
    """Tell Word which conditional parts of the table style apply (header row, no banding)."""
    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblLook")):
        tbl_pr.remove(old)
    tbl_pr.append(_el(
        "w:tblLook",
        **{"w:val": "0420" if first_row else "0400", "w:firstRow": "1" if first_row else "0",
           "w:lastRow": "0", "w:firstColumn": "0", "w:lastColumn": "0", "w:noHBand": "1",
           "w:noVBand": "1"},
    ))


# Images ----------------------------------------------------------------------------------------

def set_alt_text(inline_shape, description: str, name: str) -> None:
    """Alt text read by screen readers and shown in Word's 'Alternativ tekst' (wp:docPr descr)."""
    doc_pr = inline_shape._inline.docPr
    doc_pr.set("descr", description)
    doc_pr.set("name", name)


# Styles ----------------------------------------------------------------------------------------

def set_document_defaults(styles_element, *, font: str, lang: str, size_half_points: int) -> None:
    """Font, size and language for every style that does not say otherwise (w:docDefaults)."""
    defaults = styles_element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    rpr = rpr_default.find(qn("w:rPr"))
    for child in list(rpr):
        rpr.remove(child)
    rpr.append(_el("w:rFonts", **{"w:ascii": font, "w:hAnsi": font, "w:eastAsia": font, "w:cs": font}))
    rpr.append(_el("w:sz", **{"w:val": str(size_half_points)}))
    rpr.append(_el("w:szCs", **{"w:val": str(size_half_points)}))
    rpr.append(_el("w:lang", **{"w:val": lang, "w:eastAsia": lang, "w:bidi": "ar-SA"}))


def clear_theme_fonts(rpr) -> None:
    """Drop theme font references (asciiTheme …) so the explicit family in docDefaults applies."""
    if rpr is None:
        return
    for fonts in rpr.findall(qn("w:rFonts")):
        rpr.remove(fonts)


def paragraph_box(ppr, *, border_hex: str, accent_hex: str, fill_hex: str) -> None:
    """A boxed paragraph (thin border, thicker left rule, light fill): the Note style."""
    borders = _el("w:pBdr")
    for side, size, colour in (("top", "4", border_hex), ("left", "16", accent_hex),
                               ("bottom", "4", border_hex), ("right", "4", border_hex)):
        borders.append(_el(f"w:{side}", **{"w:val": "single", "w:sz": size, "w:space": "6",
                                            "w:color": colour}))
    shd = _el("w:shd", **{"w:val": "clear", "w:color": "auto", "w:fill": fill_hex})
    _insert_in_order(ppr, borders, shd)


def paragraph_rule_below(ppr, *, colour_hex: str) -> None:
    borders = _el("w:pBdr")
    borders.append(_el("w:bottom", **{"w:val": "single", "w:sz": "4", "w:space": "4", "w:color": colour_hex}))
    _insert_in_order(ppr, borders)


_PPR_ORDER = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
              "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
              "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
              "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap",
              "jc", "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId",
              "cnfStyle", "rPr", "sectPr", "pPrChange")


def _insert_in_order(ppr, *new) -> None:
    """Insert children into w:pPr at their schema position (Word rejects out-of-order elements)."""
    for element in new:
        for old in ppr.findall(element.tag):
            ppr.remove(old)
        rank = _PPR_ORDER.index(element.tag.split("}")[1])
        for index, child in enumerate(ppr):
            name = child.tag.split("}")[1]
            if name in _PPR_ORDER and _PPR_ORDER.index(name) > rank:
                ppr.insert(index, element)
                break
        else:
            ppr.append(element)


def data_table_style_xml(style_id: str, name: str, *, rule_hex: str, thin_hex: str) -> str:
    """A table style with thin horizontal rules and a bold header row that repeats its rules."""
    return f"""<w:style xmlns:w="{W_NS}" w:type="table" w:customStyle="1" w:styleId="{style_id}">
  <w:name w:val="{name}"/>
  <w:basedOn w:val="TableNormal"/>
  <w:uiPriority w:val="40"/>
  <w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr><w:sz w:val="19"/><w:szCs w:val="19"/></w:rPr>
  <w:tblPr>
    <w:tblBorders>
      <w:top w:val="single" w:sz="6" w:space="0" w:color="{rule_hex}"/>
      <w:bottom w:val="single" w:sz="6" w:space="0" w:color="{rule_hex}"/>
      <w:insideH w:val="single" w:sz="2" w:space="0" w:color="{thin_hex}"/>
    </w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="45" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>
      <w:bottom w:w="45" w:type="dxa"/><w:right w:w="85" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:pPr><w:keepNext/></w:pPr>
    <w:rPr><w:b/><w:bCs/></w:rPr>
    <w:tblPr/>
    <w:tcPr>
      <w:tcBorders>
        <w:top w:val="single" w:sz="6" w:space="0" w:color="{rule_hex}"/>
        <w:bottom w:val="single" w:sz="6" w:space="0" w:color="{rule_hex}"/>
      </w:tcBorders>
      <w:vAlign w:val="bottom"/>
    </w:tcPr>
  </w:tblStylePr>
</w:style>"""


# Package ---------------------------------------------------------------------------------------

def repack(data: bytes, date_time: tuple[int, int, int, int, int, int], *,
           drop: Iterable[str] = ()) -> bytes:
    """Re-write a ZIP with sorted members, one fixed timestamp and fixed attributes, so the same
    content always gives the same bytes (python-docx stamps the current time on every member)."""
    dropped = set(drop)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in sorted(n for n in source.namelist() if n not in dropped):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, source.read(name), compresslevel=9)
    return out.getvalue()


def restart_numbering(document, style_id: str) -> int | None:
    """A new numbering instance of the list style ``style_id`` that starts again at 1; returns its
    numId (None if the style has no numbering). Word continues one numbering across every
    paragraph of a style, so each numbered list after the first needs its own instance."""
    style = document.styles.element.get_by_id(style_id)
    num_pr = style.pPr.numPr if style is not None and style.pPr is not None else None
    if num_pr is None or num_pr.numId is None:
        return None
    numbering = document.part.numbering_part.element
    base = next((n for n in numbering.num_lst if n.numId == num_pr.numId.val), None)
    if base is None:
        return None
    num = numbering.add_num(base.abstractNumId.val)
    num.add_lvlOverride(ilvl=0).add_startOverride(1)
    return num.numId


def set_numbering(paragraph, num_id: int) -> None:
    """Put ``paragraph`` in numbering instance ``num_id`` at the first level."""
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = 0
    num_pr.get_or_add_numId().val = num_id
