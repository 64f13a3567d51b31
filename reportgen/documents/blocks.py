"""The administration's own text blocks: named Danish paragraphs in plain Markdown, kept in the
barometer folder, that the builders place where the computed text has nothing to say (the earlier
decision, the barometer's origin, why an area keeps its colour, a note under the decision).

``<barometer>/tekster/<navn>.md`` holds a block for the barometer as a whole, and
``<barometer>/tekster/<opdatering>/<navn>.md`` one for a single update; the update's own wins. A
block is Markdown *without* template syntax: ``{{`` and ``{%`` are printed as they stand, never
run. An empty or missing block leaves the computed default in place.

The builders' API: :func:`load` gives the :class:`Texts` of one update; ``texts.has(name)`` says
whether a block is written, ``texts.blocks(name)`` gives its document blocks. :func:`problems`
lists what ``reportgen check`` warns about (unknown names, empty files, template syntax), each
with its file and line.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..document import Block, Heading, Paragraph
from ..errors import TemplateError
from ..inputs.model import Barometer

TEXTS_DIR = "tekster"
AREA_PREFIX = "omraade_"

# Every block name with what it holds and where it stands (Danish: shown by `check` and the workbench).
NAMES: dict[str, str] = {
    "tidligere_beslutning": "Udvalgets tidligere beslutning om sagen (indstillingen, Problemstilling; "
                            "i stedet for sætningen om temadrøftelsen)",
    "baggrund": "Barometrets baggrund: hvor og hvornår det blev besluttet, hvem der udviklede det "
                "(indstillingen, Historik, første afsnit; Bilag 3)",
    "opfoelgning": "Hvordan der er fulgt op på målingerne (indstillingen, Historik; i stedet for afsnittet "
                   "»Formålet med barometret …«)",
    "modtagelse": "Hvordan barometret er blevet modtaget: presse, priser, andre kommuner (indstillingen, Historik)",
    "udvikling": "Hvordan barometret er udviklet siden starten (indstillingen, Historik)",
    "beslutning_note": "En fri linje under udvalgets beslutning, fx »Kontorchef … deltog under behandlingen "
                       "af punktet.« (indstillingen)",
    "gode_raad": "Forvaltningens egne råd til udvalget (Bilag 3, før temaerne)",
    "presse_indledning": "Forvaltningens egen indledning til pressemeddelelsen (i stedet for den beregnede)",
    "aarsrapport_resume": "Forvaltningens egen sammenfatning af året (den årlige statusrapport: først på "
                          "sammenfatningssiden, de beregnede sætninger følger; i mappen for årets sidste opdatering)",
}
AREA_MEANING = ("Forvaltningens ord om indsatsområdet {name} (indstillingen: i stedet for »Der noteres …« "
                "eller »Ingen nye data.«; pressemeddelelsen: blandt fakta, når området er nyheden)")

_TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%|\{#")
_SLOT_START = re.compile(r"^(\s{0,3})\[\[", re.MULTILINE)


def area_name(area_id: str) -> str:
    """``omraade_bol`` for area ``BOL``: lower case, anything but a-z, 0-9 and æøå as ``_``."""
    return AREA_PREFIX + re.sub(r"[^a-z0-9æøå]", "_", area_id.lower())


def known_names(barometer: Barometer) -> dict[str, str]:
    """Every block name this barometer may use, with its meaning: the fixed ones and one per area."""
    names = dict(NAMES)
    for area in barometer.areas:
        names[area_name(area.id)] = AREA_MEANING.format(name=area.name)
    return names


@dataclass(frozen=True)
class TextBlock:
    name: str
    path: Path
    display: str  # ``copenhagen/tekster/2009-12/baggrund.md``: how messages name the file
    text: str


def _display(barometer_dir: Path, path: Path) -> str:
    return f"{barometer_dir.name}/{path.relative_to(barometer_dir).as_posix()}"


def _read(path: Path, display: str) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise TemplateError(f"{display}: filen er ikke gemt som UTF-8") from None


def _files(folder: Path) -> Iterable[Path]:
    """The ``.md`` files directly in ``folder`` that stay inside it (no symlink out)."""
    if not folder.is_dir():
        return ()
    return [p for p in sorted(folder.iterdir())
            if p.suffix.lower() == ".md" and p.is_file() and p.resolve().is_relative_to(folder.resolve())]


def block_path(barometer_dir: Path, name: str, update_id: str | None = None) -> Path:
    """Where block ``name`` is written: for the barometer as a whole, or for one update."""
    folder = Path(barometer_dir) / TEXTS_DIR
    return (folder / update_id if update_id else folder) / f"{name}.md"


def find(barometer_dir: Path, update_id: str | None) -> dict[str, TextBlock]:
    """The written (non-empty) blocks of one update: the barometer's, then the update's own over them.
    Names are compared in lower case; unknown names are kept (the builders only ask for known ones)."""
    barometer_dir = Path(barometer_dir)
    root = barometer_dir / TEXTS_DIR
    found: dict[str, TextBlock] = {}
    for folder in (root, root / update_id if update_id else None):
        if folder is None:
            continue
        for path in _files(folder):
            display = _display(barometer_dir, path)
            text = _read(path, display)
            if text.strip():
                name = path.stem.lower()
                found[name] = TextBlock(name, path, display, text)
    return found


def to_blocks(text: str, *, display: str = "teksten") -> tuple[Block, ...]:
    """A block's Markdown as document blocks: paragraphs, lists, tables, bold and italic. Nothing in it
    is run: ``{{ x }}`` and a line ``[[x]]`` are text. Headings become level 3 (a block stands inside
    a section)."""
    from .letters import Slot, markdown_to_blocks

    parsed = markdown_to_blocks(_SLOT_START.sub(r"\1\\[[", text), display=display, slots=())
    return tuple(Heading(b.text, level=3) if isinstance(b, Heading) else b
                 for b in parsed if not isinstance(b, Slot))


@dataclass(frozen=True)
class Texts:
    """The blocks of one update, by name."""

    found: Mapping[str, TextBlock]

    def has(self, name: str) -> bool:
        return name in self.found

    def markdown(self, name: str) -> str | None:
        block = self.found.get(name)
        return block.text if block else None

    def blocks(self, name: str) -> tuple[Block, ...]:
        block = self.found.get(name)
        return to_blocks(block.text, display=block.display) if block else ()

    def plain(self, name: str) -> str | None:
        """The block as one line of plain text (its paragraphs joined), for a sentence-sized place."""
        paragraphs = [b for b in self.blocks(name) if isinstance(b, Paragraph)]
        return " ".join("".join(r.text for r in p.runs) for p in paragraphs) or None


def load(barometer: Barometer, update_id: str | None) -> Texts:
    """The blocks the documents of ``update_id`` use (the barometer's own, the update's winning)."""
    return Texts(find(barometer.folder, update_id))


def problems(barometer: Barometer) -> list[str]:
    """What ``reportgen check`` warns about in ``tekster/``, one located line each (a warning: the
    build goes ahead, and the computed text stands where a block is left out)."""
    root = barometer.folder / TEXTS_DIR
    if not root.is_dir():
        return []
    names = known_names(barometer)
    updates = {u.id for u in barometer.updates}
    out: list[str] = []
    folders = [root]
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        if sub.name in updates:
            folders.append(sub)
        else:
            out.append(f"{_display(barometer.folder, sub)}/: ingen opdatering hedder {sub.name}; "
                       "teksterne i mappen bruges ikke")
    for folder in folders:
        for path in sorted(folder.iterdir()):
            display = _display(barometer.folder, path)
            if path.is_dir():
                continue
            if path.suffix.lower() != ".md":
                out.append(f"{display}: kun .md-filer bruges; filen springes over")
                continue
            if path.stem.lower() not in names:
                close = _close(path.stem.lower(), names)
                out.append(f"{display}: ukendt tekstblok »{path.stem}«; bruges ikke"
                           + (f" (mente du »{close}«?)" if close else f". Kendte: {', '.join(names)}"))
                continue
            try:
                text = _read(path, display)
            except TemplateError as err:
                out.append(str(err))
                continue
            if not text.strip():
                out.append(f"{display}: filen er tom og bruges ikke (den fælles blok eller den beregnede tekst står)")
                continue
            for number, line in enumerate(text.split("\n"), start=1):
                if _TEMPLATE_SYNTAX.search(line):
                    out.append(f"{display}:{number}: tekstblokke kører ikke skabelonkode; "
                               f"»{line.strip()[:40]}« vises, som det står")
    return out


def _close(name: str, names: Iterable[str]) -> str | None:
    import difflib

    match = difflib.get_close_matches(name, list(names), n=1, cutoff=0.75)
    return match[0] if match else None
