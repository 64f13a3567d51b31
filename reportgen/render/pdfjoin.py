"""PDFs joined into one that stays tagged and archivable: pages, the tag tree with its parent tree
renumbered, font subsets with tags of their own, outline and named destinations.

Used for the parts of one document laid out at once (pdfparts.py) and for the pack (pack.py).
The first PDF gives the catalogue: metadata (XMP, PDF/A and PDF/UA identification), output
intent, language.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
from collections.abc import Iterator, Sequence

import pikepdf

from reportgen.errors import RenderError


@contextlib.contextmanager
def join(pdfs: Sequence[bytes], *, outline: bool = True, names: bool = True) -> Iterator[pikepdf.Pdf]:
    """The PDFs as one, to save inside the ``with`` block (the copied pages read their streams
    from the sources, which stay open until then): the first one's catalogue and metadata, every
    one's pages and tag tree; their outlines one after the other (``outline``) and their named
    destinations (``names``). The PDFs are all tagged or all untagged."""
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(pikepdf.open(io.BytesIO(pdfs[0])))
        taken = _font_tags(out)
        for index, data in enumerate(pdfs[1:], start=1):
            part = stack.enter_context(pikepdf.open(io.BytesIO(data)))
            _retag_fonts(part, index, taken)
            offset = len(out.pages)
            for page in part.pages:
                out.pages.append(page)
            _append_tags(out, part, offset)
            if outline and "/Outlines" in part.Root and "/First" in part.Root.Outlines:
                _append_outline(out, part)
            if names:
                _append_names(out, part)
        yield out


def _font_tags(pdf) -> set[str]:
    return {str(obj.BaseFont).split("+")[0] for obj in pdf.objects
            if _is_dict(obj) and obj.get("/Type") == "/Font" and "+" in str(obj.get("/BaseFont", ""))}


def _is_dict(obj) -> bool:
    return isinstance(obj, pikepdf.Dictionary)


def _retag_fonts(part, index: int, taken: set[str]) -> None:
    """Give the part's font subsets tags of their own: different subsets of one font in one file
    must have different six-letter tags (ISO 32000-1, 9.6.4)."""
    renamed: dict[str, str] = {}
    for obj in part.objects:
        if not _is_dict(obj):
            continue
        for key in ("/BaseFont", "/FontName"):
            name = str(obj.get(key, ""))
            if "+" not in name:
                continue
            tag, rest = name[1:].split("+", 1)
            if tag not in renamed:
                seed, new = f"{tag}:{index}", tag
                while new in taken or new == tag:
                    digest = hashlib.sha256(seed.encode()).digest()
                    new = "".join(chr(65 + b % 26) for b in digest[:6])
                    seed += "+"
                renamed[tag] = new
                taken.add(new)
            obj[key] = pikepdf.Name(f"/{renamed[tag]}+{rest}")


def _append_tags(out, part, offset: int) -> None:
    """The part's top-level elements join the document element; the parent tree maps each page's
    marked content, keyed by the page's /StructParents, which move up by ``offset``."""
    tagged = "/StructTreeRoot" in out.Root
    if tagged != ("/StructTreeRoot" in part.Root):
        raise RenderError("Et mærket og et umærket PDF-dokument kan ikke samles")
    if not tagged:
        return
    document = out.Root.StructTreeRoot.K[0]
    part_document = part.Root.StructTreeRoot.K[0]
    for kid in part_document.K:
        document.K.append(out.copy_foreign(kid))
    nums = out.Root.StructTreeRoot.ParentTree.Nums
    part_nums = part.Root.StructTreeRoot.ParentTree.Nums
    if len(nums) != 2 * offset or len(part_nums) != 2 * len(part.pages):
        raise RenderError("Dokumentet har links eller formularfelter og kan ikke samles med andre")
    for key, value in zip(part_nums[::2], part_nums[1::2], strict=True):
        nums.append(int(key) + offset)
        nums.append(out.copy_foreign(part.make_indirect(value)))
    # Every element whose parent was the part's document element now has the joined one, so
    # nothing of the part's own root is left: the kids above, and the margin boxes' elements,
    # which WeasyPrint keeps out of the tree (they are reached through the parent tree only).
    for obj in part.objects:
        if _is_dict(obj) and obj.get("/Type") == "/StructElem" and obj.get("/P") is not None \
                and obj.P.objgen == part_document.objgen:
            out.copy_foreign(obj).P = document
    for page in out.pages[offset:]:
        page.obj.StructParents = int(page.obj.StructParents) + offset


def _append_names(out, part) -> None:
    """Named destinations (heading ids); a name in both is an error."""
    if "/Names" not in part.Root or "/Dests" not in part.Root.Names:
        return
    if "/Names" not in out.Root:
        out.Root.Names = pikepdf.Dictionary()
    if "/Dests" not in out.Root.Names:
        out.Root.Names.Dests = pikepdf.NameTree.new(out).obj
    dests = pikepdf.NameTree(out.Root.Names.Dests)
    for name, dest in pikepdf.NameTree(part.Root.Names.Dests).items():
        if name in dests:
            raise RenderError(f"Ankeret {name!r} findes i begge dele af dokumentet")
        dests[name] = out.copy_foreign(part.make_indirect(dest))


def _append_outline(out, part) -> None:
    """The part's outline items after the ones already there, at the top level."""
    source = part.Root.Outlines
    items, item = [], source.First
    while True:
        items.append(out.copy_foreign(item))
        if item.objgen == source.Last.objgen:
            break
        item = item.Next
    if "/Outlines" not in out.Root:
        out.Root.Outlines = out.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines, Count=0))
    target = out.Root.Outlines
    for copied in items:
        copied.Parent = target
    if "/First" in target:
        target.Last.Next = items[0]
        items[0].Prev = target.Last
    else:
        target.First = items[0]
    target.Last = items[-1]
    target.Count = int(target.get("/Count", 0)) + int(source.get("/Count", 0))
