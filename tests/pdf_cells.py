"""Table cells of a tagged PDF: each TH/TD of the tag tree, its glyph boxes, and the ends of the rule
drawn under it. pdfplumber reads the tag tree, the glyphs and the lines."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CellBox:
    page: int  # 1-based
    text: str
    rule_x0: float  # the ends of the rule under (or over) the cell: its left and right edge
    rule_x1: float
    left_gap: float  # from the rule's left end to the leftmost glyph
    right_gap: float  # from the rightmost glyph to the rule's right end


def _elements(nodes, kinds: tuple[str, ...]) -> Iterator[dict]:
    for node in nodes:
        if node.get("type") in kinds:
            yield node
        else:
            yield from _elements(node.get("children", ()), kinds)


def _mcids(node) -> set[int]:
    found = set(node.get("mcids") or ())
    for child in node.get("children", ()):
        found |= _mcids(child)
    return found


def table_cells(path: Path, pages: list[int] | None = None) -> list[CellBox]:
    """Every table cell with text on ``pages`` (1-based; default all). A cell's edges are those of
    the horizontal rule segment nearest above or below its glyphs that spans their middle
    (WeasyPrint draws each cell's border as its own segment; the rules carry no tag, so they are
    matched by position)."""
    import pdfplumber

    cells: list[CellBox] = []
    with pdfplumber.open(path, pages=pages) as pdf:
        for page in pdf.pages:
            number = page.page_number
            rules = [e for e in page.edges if e["orientation"] == "h" and e["x1"] - e["x0"] > 1]
            if not rules:
                continue
            by_mcid: dict[int, list[dict]] = {}
            for char in page.chars:
                if char.get("mcid") is not None and char["text"].strip():
                    by_mcid.setdefault(char["mcid"], []).append(char)
            for cell in _elements(page.structure_tree, ("TH", "TD")):
                chars = [c for mcid in sorted(_mcids(cell)) for c in by_mcid.get(mcid, ())]
                if not chars:
                    continue
                left, right = min(c["x0"] for c in chars), max(c["x1"] for c in chars)
                top, bottom = min(c["top"] for c in chars), max(c["bottom"] for c in chars)
                middle = (left + right) / 2
                spanning = [r for r in rules if r["x0"] <= middle <= r["x1"]]
                if not spanning:
                    continue
                rule = min(spanning, key=lambda r: min(abs(r["top"] - top), abs(r["top"] - bottom)))
                cells.append(CellBox(number, "".join(c["text"] for c in chars), rule["x0"], rule["x1"],
                                     left - rule["x0"], rule["x1"] - right))
    return cells
