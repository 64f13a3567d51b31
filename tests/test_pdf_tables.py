"""PDF tables keep their text inside the cell: inner padding on both sides of every cell, read back
from the glyph boxes and rules of the demo's PDFs (issue 20.4)."""
from __future__ import annotations

import pytest
from pdf_cells import table_cells

GAP = 2.0  # points between a glyph and the end of the rule under its cell, at least


def pdfs(out_dir):
    """Every PDF of the build, with the pages to read: pack.pdf only for its own front (cover and
    contents); the rest of it is the same bytes as the separate PDFs."""
    for path in sorted(out_dir.rglob("*.pdf")):
        yield path, ([1, 2] if path.name == "pack.pdf" else None)


def test_demo_pdfs_have_ruled_tables_to_check(demo_build):
    cells = table_cells(demo_build.out_dir / "bilag1.pdf", [1])
    texts = [c.text for c in cells]
    assert "Hovedindikator(er)" in texts  # glyphs are joined without spaces
    assert any(t.endswith("iudsatteboligområder") for t in texts)  # its last word once touched the edge
    assert len(cells) >= 28  # the Dato/Sagsnr. block and the overview table


@pytest.mark.slow
def test_no_text_within_2pt_of_a_cells_rule_ends(demo_build):
    crowded = []
    checked = 0
    for path, pages in pdfs(demo_build.out_dir):
        for cell in table_cells(path, pages):
            checked += 1
            if cell.left_gap < GAP or cell.right_gap < GAP:
                crowded.append(f"{path.relative_to(demo_build.out_dir)} p. {cell.page}: {cell.text[:40]!r} "
                               f"left {cell.left_gap:.1f} pt, right {cell.right_gap:.1f} pt")
    assert checked > 1000
    assert not crowded, "\n".join(crowded[:20])
