"""A long document laid out in parts on several processes gives the PDF one process would give."""
from __future__ import annotations

import dataclasses
import io
import os
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops

from reportgen.document import Heading, PageBreak, Paragraph, Table
from reportgen.errors import RenderError
from reportgen.render import pdfparts
from reportgen.render.pdf import render_pdf
from tests.pdf_checks import reading_tree
from tests.render_fixtures import sample_document


def _text(pdf: bytes, page: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8", "-layout"] + (["-f", str(page), "-l", str(page)] if page else [])
    return subprocess.run([*args, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def _long_document():
    """The sample document with a third section, so that there is a choice of cut."""
    doc = sample_document()
    extra = (
        PageBreak(),
        Heading("Bolig og tryghed", 1, anchor="bolig"),
        Paragraph.of("Andelen af almene boliger med en høj andel ledige er faldet fra 5 til 2 områder."),
        next(b for b in doc.blocks if isinstance(b, Table) and len(b.rows) > 10),
    )
    return dataclasses.replace(doc, blocks=doc.blocks + extra)


@pytest.fixture(scope="module")
def renders():
    """(whole, parts): the long document rendered in one go and in two parts."""
    doc = _long_document()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdfparts, "PARTS", 1)
        whole = render_pdf(doc)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdfparts, "MIN_WEIGHT", 0)
        assert pdfparts.cuts(doc)
        parts = render_pdf(doc)
    return doc, whole, parts


# Where to cut -------------------------------------------------------------------------------------

def test_cuts_only_long_documents_at_a_page_break_before_a_top_heading(monkeypatch):
    doc = _long_document()
    breaks = [i for i, b in enumerate(doc.blocks) if isinstance(b, PageBreak)]
    assert len(breaks) == 2
    assert pdfparts.cuts(doc) == ()  # the sample is short: about a page of tables
    monkeypatch.setattr(pdfparts, "MIN_WEIGHT", 0)
    (cut,) = pdfparts.cuts(doc)
    assert cut in breaks
    weights = [pdfparts._weight(b) for b in doc.blocks]
    other = next(b for b in breaks if b != cut)
    # The chosen cut halves the work better than the other page break.
    assert abs(sum(weights[:cut]) - sum(weights[cut + 1:])) <= abs(sum(weights[:other]) - sum(weights[other + 1:]))
    # A page break that is not followed by a level-1 heading is never a cut.
    demoted = dataclasses.replace(doc, blocks=tuple(
        Heading(b.text, 2) if isinstance(b, Heading) and i - 1 in breaks else b for i, b in enumerate(doc.blocks)))
    assert pdfparts.cuts(demoted) == ()


def test_cut_depends_on_the_document_not_the_machine(monkeypatch):
    monkeypatch.setattr(pdfparts, "MIN_WEIGHT", 0)
    doc = _long_document()
    first = pdfparts.cuts(doc)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert pdfparts.cuts(doc) == first


# The joined PDF -----------------------------------------------------------------------------------

def test_parts_give_the_same_pages_text_and_numbers(renders):
    doc, whole, parts = renders
    with pikepdf.open(io.BytesIO(whole)) as a, pikepdf.open(io.BytesIO(parts)) as b:
        n = len(a.pages)
        assert len(b.pages) == n
    assert _text(parts) == _text(whole)
    running = doc.meta.running_header
    for page in range(1, n + 1):
        text = _text(parts, page)
        assert re.search(rf"Side {page} af {n}\b", text), page
        assert (running in text) == (page > 1), page  # the header on every page but the title page


def test_parts_look_the_same(renders, tmp_path):
    _, whole, parts = renders
    for name, data in (("whole", whole), ("parts", parts)):
        (tmp_path / f"{name}.pdf").write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "40", "-gray", "-png", str(tmp_path / f"{name}.pdf"),
                        str(tmp_path / name)], check=True)
    pages = sorted(p.name for p in tmp_path.glob("whole-*.png"))
    assert pages
    for page in pages:
        a = Image.open(tmp_path / page)
        b = Image.open(tmp_path / page.replace("whole", "parts"))
        diff = ImageChops.difference(a, b)
        # Only anti-aliasing may differ (the parts subset the fonts separately).
        assert diff.point(lambda v: 255 if v > 64 else 0).getbbox() is None, page


def _outline(pdf: pikepdf.Pdf) -> list[tuple]:
    pages = {p.objgen: i for i, p in enumerate(pdf.pages)}
    flat = []
    with pdf.open_outline() as outline:
        def walk(items, depth):
            for item in items:
                dest = item.destination
                flat.append((depth, item.title, pages[dest[0].objgen], [float(x) for x in list(dest)[2:]]))
                walk(item.children, depth + 1)
        walk(outline.root, 1)
    return flat


def _dests(pdf: pikepdf.Pdf) -> dict:
    pages = {p.objgen: i for i, p in enumerate(pdf.pages)}
    return {name: (pages[d[0].objgen], [float(x) for x in list(d)[2:]])
            for name, d in pikepdf.NameTree(pdf.Root.Names.Dests).items()}


def _tags(pdf: pikepdf.Pdf) -> list[tuple]:
    pages = {p.objgen: i for i, p in enumerate(pdf.pages)}
    flat = []

    def walk(elem, depth):
        if isinstance(elem, int):
            flat.append((depth, "MCID", int(elem)))
            return
        if elem.get("/Type") != "/StructElem":
            return
        page = pages[elem.Pg.objgen] if "/Pg" in elem else None
        flat.append((depth, str(elem.S), page, str(elem.get("/Alt", ""))))
        kids = elem.K
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            walk(kid, depth + 1)

    walk(pdf.Root.StructTreeRoot.K[0], 0)
    return flat


def test_parts_keep_the_outline_destinations_and_tag_tree(renders):
    doc, whole, parts = renders
    with pikepdf.open(io.BytesIO(whole)) as a, pikepdf.open(io.BytesIO(parts)) as b:
        assert _outline(b) == _outline(a)
        assert [(level, title) for level, title, *_ in _outline(b)] == [(h.level, h.text) for h in doc.headings]
        assert int(b.Root.Outlines.Count) == int(a.Root.Outlines.Count)
        assert _dests(b) == _dests(a)
        # The one difference: the empty element the page break leaves in the whole document.
        tags_a, tags_b = _tags(a), _tags(b)
        empty_div = [t for t in tags_a if t not in set(tags_b)]
        assert [t[1] for t in empty_div] == ["/Div"]
        assert [t for t in tags_a if t != empty_div[0]] == tags_b
        # One tree: nothing of the second part's own root is left in the file.
        roots = [o for o in b.objects if isinstance(o, pikepdf.Dictionary)
                 and (o.get("/Type") == "/StructTreeRoot" or o.get("/S") == "/Document")]
        assert len(roots) == 2
        # Every page's marked content maps back to elements on that page.
        nums = b.Root.StructTreeRoot.ParentTree.Nums
        tree = dict(zip((int(k) for k in nums[::2]), nums[1::2], strict=True))
        assert sorted(tree) == list(range(len(b.pages)))
        for i, page in enumerate(b.pages):
            assert int(page.obj.StructParents) == i
            assert all(elem.Pg.objgen == page.objgen for elem in tree[i])


def test_parts_keep_pdfa_metadata_and_give_font_subsets_tags_of_their_own(renders, tmp_path):
    doc, whole, parts = renders
    with pikepdf.open(io.BytesIO(parts)) as p:
        meta = p.open_metadata()
        assert meta.get("pdfaid:part") == "3" and meta.get("pdfuaid:part") == "1"
        assert meta.get("dc:title") == doc.meta.title
        assert str(p.Root.Lang) == "da" and p.Root.MarkInfo.Marked and "/OutputIntents" in p.Root
        fonts = [str(o.BaseFont) for o in p.objects
                 if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Font" and "/FontDescriptor" in o]
    assert len(fonts) == len(set(fonts))  # one subset, one tag
    assert len({f.split("+")[1] for f in fonts}) < len(fonts)  # ... though a face has a subset per part
    path = tmp_path / "parts.pdf"
    path.write_bytes(parts)
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_parts_are_byte_identical_across_renders(renders, monkeypatch):
    doc, _, parts = renders
    monkeypatch.setattr(pdfparts, "MIN_WEIGHT", 0)
    assert render_pdf(doc) == parts


def test_user_templates_are_not_cut(tmp_path, monkeypatch):
    """The continuation stylesheet matches the shipped print.css only."""
    monkeypatch.setattr(pdfparts, "MIN_WEIGHT", 0)
    calls = []
    monkeypatch.setattr(pdfparts, "run", lambda parts: calls.append(len(parts)) or [p(None) for p in parts])
    (tmp_path / "print.css").write_text("@page { size: A4; }")
    render_pdf(_long_document(), template_dirs=[tmp_path])
    assert calls == [1]


# Running the parts --------------------------------------------------------------------------------

@pytest.fixture
def forked(monkeypatch) -> list[int]:
    """The pids run() forks; afterwards each must be gone and reaped (other tests' processes aside)."""
    pids: list[int] = []
    fork = os.fork

    def recording_fork() -> int:
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recording_fork)
    return pids


def _reaped(pids: list[int]) -> bool:
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False  # still our child: running, or a zombie nobody waited for
    return bool(pids)


def _part(count: int):
    def part(resolve):
        offset, total = resolve(count)
        return f"{offset}/{total}".encode()
    return part


def test_run_gives_each_part_its_offset_and_the_total(forked):
    assert pdfparts.run([_part(3), _part(5), _part(2)]) == [b"0/10", b"3/10", b"8/10"]
    assert len(forked) == 2 and _reaped(forked)


def test_run_reports_a_failing_part_and_leaves_no_process(forked):
    def failing(resolve):
        raise RenderError("Skrifttypen mangler: Carlito")

    with pytest.raises(RenderError, match="Skrifttypen mangler"):
        pdfparts.run([_part(3), failing])
    assert _reaped(forked)

    def crashing(resolve):
        os._exit(3)

    forked.clear()
    with pytest.raises(RenderError, match="stoppede uventet"):
        pdfparts.run([_part(3), crashing])
    assert _reaped(forked)


def test_run_stops_the_other_parts_when_the_first_fails(forked):
    def first(resolve):
        raise ValueError("boom")

    def waiting(resolve):
        resolve(1)  # waits for the first part's count, which never comes
        return b""

    with pytest.raises(ValueError, match="boom"):
        pdfparts.run([first, waiting])
    assert _reaped(forked)


def test_page_numbers_apply_only_inside_their_block(renders):
    doc, whole, _ = renders
    with pytest.raises(ZeroDivisionError), pdfparts.page_numbers(lambda count: (7, 99)):
        raise ZeroDivisionError
    with pikepdf.open(io.BytesIO(whole)) as pdf:
        n = len(pdf.pages)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdfparts, "PARTS", 1)
        assert f"Side 1 af {n}" in _text(render_pdf(doc), 1)  # WeasyPrint's own numbers again
        with pdfparts.page_numbers(lambda count: (7, 99)):
            assert "Side 8 af 99" in _text(render_pdf(doc), 1)


KILLED_PARENT = """
import os, signal, sys, time
from pathlib import Path
from reportgen.render import pdfparts

marker = Path(sys.argv[1])

def first(resolve):
    while not marker.exists():
        time.sleep(0.01)
    os.kill(os.getpid(), signal.SIGKILL)  # the build worker killed while a part is being laid out

def slow(resolve):
    marker.write_text(str(os.getpid()))
    time.sleep(60)
    return b""

pdfparts.run([first, slow])
"""


def test_a_part_ends_with_its_killed_parent(tmp_path):
    import sys
    import time

    marker = tmp_path / "child.pid"
    result = subprocess.run([sys.executable, "-c", KILLED_PARENT, str(marker)], cwd=tmp_path, timeout=30,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert result.returncode == -9
    child = int(marker.read_text())

    def alive() -> bool:  # a zombie waiting for whoever adopted it counts as ended
        try:
            return Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 10
    while alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive()


def test_run_reports_a_refused_fork(monkeypatch):
    def refuse():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    with pytest.raises(RenderError, match="kunne ikke sættes i dele: Resource temporarily unavailable"):
        pdfparts.run([_part(1), _part(2)])


@pytest.mark.parametrize("which", ["whole", "parts"])
def test_running_header_and_footer_are_outside_the_reading_tree(renders, which):
    """WeasyPrint tags the margin boxes' text but keeps it out of the structure tree (reachable
    only through the parent tree), so a reader that follows the tree does not read the running
    header and the page number on every page; all other text is in the tree."""
    _, whole, parts = renders
    with pikepdf.open(io.BytesIO(whole if which == "whole" else parts)) as pdf:
        pages = reading_tree(pdf)
    for index, (margins, body, reachable) in enumerate(pages):
        assert len(margins) == (3 if index else 2), index  # header, footer, page number
        assert body and body <= reachable, index
        assert not margins & reachable, index
