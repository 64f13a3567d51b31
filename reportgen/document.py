"""The format-neutral document model. Renderers (render/) read it; they know nothing of signals.

A Document is a title block plus a flat tuple of blocks. Builders for Bilag 1, 2 and 3 live in
``documents/`` and turn an assessment, its narrative and its charts into these blocks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Run:
    """A piece of text with inline emphasis."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1..3; the document title is not a Heading
    anchor: str | None = None  # stable id for links and bookmarks


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    style: Literal["body", "lead", "small", "quote"] = "body"

    @classmethod
    def of(cls, text: str, **kw) -> Paragraph:
        return cls((Run(text),), **kw)


@dataclass(frozen=True)
class ListBlock:
    items: tuple[tuple[Run, ...], ...]
    ordered: bool = False


@dataclass(frozen=True)
class Cell:
    """A table cell. ``fill`` is a background colour (#rrggbb) chosen by the builder; a cell that
    carries a colour must also carry its meaning in ``text`` (e.g. "● Rød"), never colour alone."""

    text: str
    fill: str | None = None
    color: str | None = None  # text colour for contrast on ``fill``
    align: Literal["left", "right", "center"] = "left"
    bold: bool = False


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str | None = None
    widths: tuple[float, ...] | None = None  # relative column widths
    note: str | None = None  # a line under the table (e.g. why a colour is what it is)
    align: tuple[Literal["left", "right", "center"], ...] | None = None  # per column, header too


@dataclass(frozen=True)
class Figure:
    """A chart or map. ``svg`` goes to PDF and HTML, ``png`` to DOCX; ``name`` is the file stem."""

    name: str
    svg: bytes
    png: bytes
    alt_text: str
    caption: str | None = None
    width_mm: float = 160.0
    # Print the raster (PNG) rather than the vector: for dense drawings such as hatched maps,
    # where vector costs seconds of PDF layout and gains nothing on paper.
    raster: bool = False


@dataclass(frozen=True)
class Note:
    """A boxed remark (method note, override reason)."""

    runs: tuple[Run, ...]
    title: str | None = None


@dataclass(frozen=True)
class KeyValue:
    """A small two-column block without borders: the Dato/Sagsnr. block, a letter's recipient."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Signature:
    """A letter's closing: greeting, name and title."""

    closing: str
    name: str
    title: str


Block = Heading | Paragraph | ListBlock | Table | Figure | Note | KeyValue | PageBreak | Signature


@dataclass(frozen=True)
class DocumentMeta:
    """Everything around the body: letterhead, header/footer, PDF/DOCX metadata."""

    label: str  # "Bilag 1"
    title: str  # "Orientering om status og udvikling på indikatorer i integrationsbarometret"
    municipality: str  # "Københavns Kommune"
    administration: str | None  # "Beskæftigelses- og Integrationsforvaltningen"
    date_text: str  # "3. december 2009"
    running_header: str  # "Beskæftigelses- og Integrationsudvalget · 3. december 2009 · December 2009"
    header_pairs: tuple[tuple[str, str], ...] = ()  # ("Dato", "3. december 2009"), ("Sagsnr.", ...)
    recipient: str | None = None  # letters: "Til Børne- og Ungdomsudvalget"
    subject: str | None = None  # letters: the bold subject line
    language: str = "da"
    author: str | None = None
    created: str = "2000-01-01T00:00:00+00:00"  # fixed per update for reproducible bytes
    kind: Literal["report", "letter", "case"] = "report"  # case: a report without a contents list
    # The last this-many blocks stand on one page, after a page break if need be (the case's Bilag
    # list, signature and decision): a div that is not broken inside in the PDF, keep-with-next in DOCX.
    keep_together_tail: int = 0


@dataclass(frozen=True)
class Document:
    """One output document. ``slug`` is the safe file stem (``bilag1``, ``BUU``)."""

    slug: str
    meta: DocumentMeta
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Figure))

    @property
    def headings(self) -> tuple[Heading, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Heading))
