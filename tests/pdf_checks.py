"""Reading a tagged PDF the way assistive technology does: through its structure tree."""
from __future__ import annotations

import pikepdf

# print.css: the page's top and bottom margins, where the running header and footer sit (pt)
TOP_MARGIN_PT = 27 / 25.4 * 72
BOTTOM_MARGIN_PT = 22 / 25.4 * 72


def _concat(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    """The PDF matrix m × n (m applied first)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _marked_text(pdf: pikepdf.Pdf, index: int) -> list[tuple[int, float]]:
    """(MCID, height above the page's bottom edge in pt) of each text drawn inside marked content
    on one page, through the transformations in force (SVG charts draw in their own)."""
    found, marks, ctm, saved, tm = [], [], (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), [], (1.0, 0, 0, 1.0, 0, 0)
    for operands, op in pikepdf.parse_content_stream(pdf.pages[index]):
        name = str(op)
        if name == "BDC":
            props = operands[1]
            marks.append(int(props.MCID) if isinstance(props, pikepdf.Dictionary) and "/MCID" in props else None)
        elif name == "BMC":
            marks.append(None)
        elif name == "EMC":
            marks.pop()
        elif name == "q":
            saved.append(ctm)
        elif name == "Q":
            ctm = saved.pop()
        elif name == "cm":
            ctm = _concat(tuple(float(x) for x in operands), ctm)
        elif name == "Tm":
            tm = tuple(float(x) for x in operands)
        elif name in ("Tj", "TJ") and marks and marks[-1] is not None:
            found.append((marks[-1], _concat(tm, ctm)[5]))
    return found


def _reachable_mcids(pdf: pikepdf.Pdf, index: int) -> set[int]:
    page = pdf.pages[index].objgen
    seen = set()

    def walk(elem, pg):
        if isinstance(elem, int):
            if pg == page:
                seen.add(int(elem))
            return
        if not isinstance(elem, pikepdf.Dictionary):
            return
        pg = elem.Pg.objgen if "/Pg" in elem else pg
        kids = elem.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            walk(kid, pg)

    walk(pdf.Root.StructTreeRoot.K[0], None)
    return seen


def reading_tree(pdf: pikepdf.Pdf) -> list[tuple[set[int], set[int], set[int]]]:
    """Per page: (MCIDs of text in the top and bottom margins, MCIDs of the other text, MCIDs the
    structure tree reaches from its document element)."""
    pages = []
    for index, page in enumerate(pdf.pages):
        height = float(page.mediabox[3])
        marked = _marked_text(pdf, index)
        margins = {m for m, y in marked if y > height - TOP_MARGIN_PT or y < BOTTOM_MARGIN_PT}
        pages.append((margins, {m for m, _ in marked} - margins, _reachable_mcids(pdf, index)))
    return pages
