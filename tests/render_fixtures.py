"""A hand-made sample Document with every block type, for the renderer tests."""
from __future__ import annotations

import struct
import zlib

from reportgen.document import (
    Cell,
    Document,
    DocumentMeta,
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

RED, YELLOW, GREEN = "#c0392b", "#f1c40f", "#2e7d32"
SHADED_FILL = "C0392B"  # the fill of the "↓ Rød" cells, as OOXML writes it

SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="600" height="260" viewBox="0 0 600 260">
<rect x="0" y="0" width="600" height="260" fill="#ffffff"/>
<line x1="50" y1="220" x2="580" y2="220" stroke="#444" stroke-width="1"/>
<line x1="50" y1="20" x2="50" y2="220" stroke="#444" stroke-width="1"/>
<polyline points="50,180 160,150 270,160 380,120 490,100 580,90" fill="none" stroke="#1f3a5f" stroke-width="3"/>
<line x1="50" y1="70" x2="580" y2="70" stroke="#2e7d32" stroke-width="2" stroke-dasharray="8 6"/>
<rect x="100" y="230" width="80" height="12" fill="#c0392b"/>
</svg>"""


def make_png(width: int = 240, height: int = 120) -> bytes:
    """A deterministic RGB PNG (a blue bar chart on white), built with zlib only."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type None
        for x in range(width):
            bar = (x // 40) % 2 == 0 and y > height - 20 - (x // 40) * 15 and x % 40 > 8
            row += bytes((31, 58, 95)) if bar else bytes((255, 255, 255))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(
        b"IEND", b""
    )


HEADINGS = (
    "Samlet status for barometret",
    "Beskæftigelse og uddannelse",
    "Udvikling på hovedindikatoren",
    "Bydelstal for Østerbro og Nørrebro",
    "Metode og datagrundlag",
)
PARAGRAPHS = (
    "Hovedindikatoren for beskæftigelse viser et fald på 3,0 procentpoint fra februar 2009 til "
    "august 2009. Der er 5,5 procentpoint til målet for december 2010 på 64,8 procent.",
    "Forvaltningen bemærker, at udviklingen på Østerbro og i Sydhavnen følger byens øvrige bydele, "
    "og at målet for de unge på ungdomsuddannelse kræver en særlig indsats.",
)
FIGURE_ALT = (
    "Linjediagram: andel beskæftigede fra juni 2007 til december 2009, med målet 64,8 procent som "
    "stiplet linje.",
    "Søjlediagram: antal boliger i fire bydele, højest på Nørrebro med 4.793 boliger.",
)
LONG_TABLE_HEADER = ("Indikator", "Bydel", "Seneste værdi", "Ændring", "Signal")
LONG_TABLE_ROWS = 60

_BYDELE = ("Indre By", "Østerbro", "Nørrebro", "Vesterbro/Kongens Enghave", "Valby", "Vanløse",
           "Brønshøj-Husum", "Bispebjerg", "Amager Øst", "Amager Vest")
# Symbols from Carlito's own repertoire (it has ↑ → ↓ ● but not ▲ ■), so no fallback font is used.
_SIGNALS = (("↑ Grøn", GREEN, "#ffffff"), ("→ Gul", YELLOW, "#1b1e22"), ("↓ Rød", RED, "#ffffff"))


def _long_table() -> Table:
    rows = []
    for i in range(LONG_TABLE_ROWS):
        label, fill, color = _SIGNALS[i % 3]
        value = f"{40 + (i * 37 % 300) / 10:.1f}".replace(".", ",")
        change = f"{((i * 13) % 61 - 30) / 10:+.1f}".replace(".", ",").replace("-", "−")
        rows.append((
            Cell(f"Indikator {i + 1:02d}: andel på ungdomsuddannelse"),
            Cell(_BYDELE[i % len(_BYDELE)]),
            Cell(value + " pct.", align="right"),
            Cell(change + " pct.-point", align="right"),
            Cell(label, fill=fill, color=color),
        ))
    return Table(
        header=LONG_TABLE_HEADER,
        rows=tuple(rows),
        caption="Tabel 2. Alle indikatorer fordelt på bydele",
        widths=(4, 2.4, 1.5, 1.6, 1.1),
        align=("left", "left", "right", "right", "left"),
        note="Kilde: Danmarks Statistik og Københavns Kommune. Tallene for 2009 er foreløbige.",
    )


def sample_document(kind: str = "report") -> Document:
    """Every block type once or more; Danish text with æøå; a table longer than one page."""
    meta = DocumentMeta(
        label="Bilag 1" if kind == "report" else "Bilag 2",
        title="Orientering om status og udvikling på indikatorer i integrationsbarometret",
        municipality="Københavns Kommune",
        administration="Beskæftigelses- og Integrationsforvaltningen",
        date_text="3. december 2009",
        running_header="Beskæftigelses- og Integrationsudvalget · 3. december 2009 · December 2009",
        header_pairs=(("Dato", "3. december 2009"), ("Sagsnr.", "2009-123456"),
                      ("Dokumentnr.", "2009-987654")),
        recipient="Til Børne- og Ungdomsudvalget" if kind == "letter" else None,
        subject="Opfølgning på integrationsbarometret, december 2009" if kind == "letter" else None,
        author="Beskæftigelses- og Integrationsforvaltningen",
        created="2009-12-03T09:00:00+01:00",
        kind=kind,  # type: ignore[arg-type]
    )
    blocks = (
        Heading(HEADINGS[0], 1, anchor="samlet-status"),
        Paragraph((Run("Sammenfatning. ", bold=True), Run(PARAGRAPHS[0])), style="lead"),
        Paragraph.of(PARAGRAPHS[1]),
        Table(
            header=("Område", "Status", "Overført fra"),
            rows=(
                (Cell("Beskæftigelse"), Cell("↓ Rød", fill=RED, color="#ffffff"), Cell("Juni 2009")),
                (Cell("Uddannelse"), Cell("→ Gul", fill=YELLOW, color="#1b1e22"), Cell("–")),
                (Cell("Bolig"), Cell("↑ Grøn", fill=GREEN, color="#ffffff"), Cell("–")),
                (Cell("Tryghed", bold=True), Cell("→ Gul", fill=YELLOW, color="#1b1e22"), Cell("–")),
            ),
            caption="Tabel 1. Status på de seks områder",
            widths=(3, 2, 2),
            note="Farven er altid også angivet med tekst og symbol.",
        ),
        Heading(HEADINGS[1], 1),
        Heading(HEADINGS[2], 2),
        Figure("beskaeftigelse", SVG, make_png(), FIGURE_ALT[0],
               caption="Figur 1. Andel beskæftigede, juni 2007 – december 2009", width_mm=150),
        ListBlock((
            (Run("Flere unge i job: "), Run("4.793 flere end i 2008", bold=True)),
            (Run("Færre på overførselsindkomst, især i Sydhavnen"),),
        )),
        ListBlock((
            (Run("Drøft målene for området."),),
            (Run("Vurdér ressourcerne til indsatsen."),),
        ), ordered=True),
        Heading(HEADINGS[3], 3),
        Figure("boliger", SVG, make_png(200, 100), FIGURE_ALT[1], caption="Figur 2. Boliger i bydelene",
               width_mm=110),
        _long_table(),
        PageBreak(),
        Heading(HEADINGS[4], 1, anchor="metode"),
        Note((Run("Et område er "), Run("rødt", italic=True),
              Run(", når hovedindikatoren er gået tilbage siden sidste opgørelse.")),
             title="Sådan læses signalerne"),
        KeyValue((("Kontaktperson", "Søren Ærø Åberg"), ("Telefon", "33 17 00 00"))),
        Paragraph.of("Citat fra udvalgets beslutning: Barometret skal være overskueligt.", style="quote"),
        Paragraph.of("Kilde: Københavns Kommunes statistikbank, udtræk 1. november 2009.", style="small"),
        Signature("Med venlig hilsen", "Anna Ørsted", "Beskæftigelses- og Integrationsborgmester"),
    )
    return Document(slug="bilag1" if kind == "report" else "BUU", meta=meta, blocks=blocks)


def table_cell_texts(doc: Document) -> list[str]:
    return [c.text for b in doc.blocks if isinstance(b, Table) for row in b.rows for c in row]
