"""Document -> HTML through autoescaped Jinja2 templates (base.html + one partial per block type)."""
from __future__ import annotations

import base64
import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportgen.document import (
    Block,
    Cell,
    Document,
    Figure,
    Heading,
    KeyValue,
    ListBlock,
    Note,
    PageBreak,
    Paragraph,
    Signature,
    Table,
)
from reportgen.templating import TEMPLATE_FAILURES, make_environment, template_error

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
HTML_TEMPLATES = TEMPLATES_DIR / "html"

_PARTIALS: dict[type, str] = {
    Heading: "blocks/heading.html",
    Paragraph: "blocks/paragraph.html",
    ListBlock: "blocks/list.html",
    Table: "blocks/table.html",
    Figure: "blocks/figure.html",
    Note: "blocks/note.html",
    KeyValue: "blocks/keyvalue.html",
    PageBreak: "blocks/pagebreak.html",
    Signature: "blocks/signature.html",
}
_KEEP = "blocks/keep.html"
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class BlockView:
    """One block plus what the template needs and may not compute itself (ids, image src)."""

    partial: str
    block: Block
    anchor: str | None = None
    src: str | None = None
    columns: tuple[dict[str, str], ...] = ()
    children: tuple[BlockView, ...] = ()  # blocks/keep.html: the views kept on one page

    @property
    def fixed_layout(self) -> bool:
        """Every column has a width: the table can be laid out from the widths alone."""
        return bool(self.columns) and all(col["width"] for col in self.columns)


def slugify(text: str) -> str:
    """A stable ASCII id: ``Bolig og tryghed`` -> ``bolig-og-tryghed`` (æ→ae, ø→oe, å→aa)."""
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug or "afsnit"


def heading_ids(doc: Document) -> dict[int, str]:
    """Unique ids by block index: the heading's ``anchor`` if set, else its slug, de-duplicated."""
    ids: dict[int, str] = {}
    taken: set[str] = set()
    for i, block in enumerate(doc.blocks):
        if isinstance(block, Heading):
            base = block.anchor or "h-" + slugify(block.text)
            candidate, n = base, 2
            while candidate in taken:
                candidate, n = f"{base}-{n}", n + 1
            taken.add(candidate)
            ids[i] = candidate
    return ids


def print_image(figure: Figure) -> tuple[bytes, str]:
    """What a printed page shows of the figure, with its file suffix: the SVG, or the PNG when the
    figure asks to be printed as a raster."""
    return (figure.png, ".png") if figure.raster else (figure.svg, ".svg")


def svg_data_url(figure: Figure) -> str:
    """The figure's print_image as a base64 data: URL: served by the safe fetcher without touching disk."""
    data, suffix = print_image(figure)
    mime = "image/png" if suffix == ".png" else "image/svg+xml"
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def _colour(value: str | None) -> str | None:
    """Only ``#rrggbb`` reaches a style attribute; anything else is dropped, never interpolated."""
    return value if value and _HEX.fullmatch(value) else None


def _columns(table: Table) -> tuple[dict[str, str], ...]:
    n = len(table.header) or max((len(r) for r in table.rows), default=0)
    widths = table.widths or ()
    total = sum(widths) if widths else 0
    cols = []
    for i in range(n):
        col = {"align": table.align[i] if table.align and i < len(table.align) else "left", "width": ""}
        if total and i < len(widths):
            col["width"] = f"{100 * widths[i] / total:.2f}%"
        cols.append(col)
    return tuple(cols)


def _views(doc: Document, image_src: Callable[[Figure], str]) -> list[BlockView]:
    ids = heading_ids(doc)
    views = []
    for i, block in enumerate(doc.blocks):
        partial = _PARTIALS.get(type(block))
        if partial is None:
            raise TypeError(f"Unknown block type {type(block).__name__}")
        if isinstance(block, Figure):
            views.append(BlockView(partial, block, src=image_src(block)))
        elif isinstance(block, Table):
            views.append(BlockView(partial, block, columns=_columns(block)))
        else:
            views.append(BlockView(partial, block, anchor=ids.get(i)))
    return views


def _cell_style(cell: Cell) -> str:
    parts = []
    if fill := _colour(cell.fill):
        parts.append(f"background-color: {fill}")
    if color := _colour(cell.color):
        parts.append(f"color: {color}")
    return "; ".join(parts)


def render_html(
    doc: Document,
    *,
    template_dirs: Sequence[Path] | None = None,
    for_print: bool = True,
    image_src: Callable[[Figure], str] | None = None,
) -> str:
    """Render ``doc`` as one HTML page.

    ``template_dirs`` are searched before the shipped templates/html (a municipality's overrides).
    ``for_print=True`` gives the page the PDF renderer lays out with print.css (running header and
    footer elements, no screen styles); ``False`` embeds a small screen stylesheet for a browser.
    ``image_src`` maps a figure to its ``src``; ``None`` means an SVG data: URL.
    """
    return render_html_parts(doc, (), template_dirs=template_dirs, for_print=for_print, image_src=image_src)[0]


def render_html_parts(
    doc: Document,
    cuts: Sequence[int],
    *,
    template_dirs: Sequence[Path] | None = None,
    for_print: bool = True,
    image_src: Callable[[Figure], str] | None = None,
) -> list[str]:
    """``doc`` as one HTML page per part: the blocks are cut at the indices in ``cuts``, each of
    them a PageBreak that the cut replaces. Ids and image sources are those of the whole document;
    the parts after the first continue it (no title block, ``continued`` on the body).
    """
    roots = tuple(template_dirs or ())
    env = _environment(roots)
    meta = doc.meta
    views = _views(doc, image_src or svg_data_url)
    bounds = [-1, *sorted(cuts), len(views)]
    for cut in bounds[1:-1]:
        if not isinstance(doc.blocks[cut], PageBreak):
            raise ValueError(f"block {cut} is not a page break")
    try:
        template = env.get_template("base.html")
        return [
            template.render(
                doc=doc,
                meta=meta,
                author=meta.author or meta.municipality,
                views=_keep_tail(views, start + 1, end, len(views) - meta.keep_together_tail),
                for_print=for_print,
                continued=i > 0,
            )
            for i, (start, end) in enumerate(itertools.pairwise(bounds))
        ]
    except TEMPLATE_FAILURES as exc:
        raise template_error(exc, [*roots, HTML_TEMPLATES]) from exc


def _keep_tail(views: Sequence[BlockView], start: int, end: int, first_kept: int) -> list[BlockView]:
    """The views of blocks ``start:end``, those from ``first_kept`` on (the document's kept tail)
    joined into one view that the page does not break inside."""
    first_kept = max(first_kept, start)
    if first_kept >= end or first_kept >= len(views):
        return list(views[start:end])
    kept = tuple(views[first_kept:end])
    return [*views[start:first_kept], BlockView(_KEEP, kept[0].block, children=kept)]


_ENV_CACHE: dict[tuple[Path, ...], object] = {}


def _environment(extra: tuple[Path, ...]):
    key = tuple(Path(p).resolve() for p in extra)
    env = _ENV_CACHE.get(key)
    if env is None:
        env = make_environment([*key, HTML_TEMPLATES])
        env.filters["cell_style"] = _cell_style
        env.filters["safe_colour"] = _colour
        _ENV_CACHE[key] = env
    return env
