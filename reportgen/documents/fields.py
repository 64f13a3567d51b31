"""The meaning of each ``{{ … }}`` field a text may use, read from letters/README.md's tables.

letters/README.md is the one place the fields are explained (in Danish, for the administrator who
edits the texts); this module reads its ``| felt | … |`` tables so the workbench's template editor
and the tests use the same words instead of a second copy.

Each text's section: the letters (``default.md`` and a committee's own letter) under "## Felter",
the other texts under their own heading (``## advice.md: …``). A first cell may name several fields
(``{{ underskrift.navn }}``, ``{{ underskrift.titel }}``) and shorten a repeated prefix
(``{{ barometer.navn }}``, ``.titel``); "som i brevene" takes the letters' meaning; a field named
only in another field's meaning (``{{ borgmester.navn }} … er det samme``) shares that meaning.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

README = Path("letters") / "README.md"
LETTER = "default.md"  # the letters' section; a committee's own letter uses it too
TEXTS = ("advice.md", "press.md", "annual.md", "case.md", "mail.md")
SAME_AS_LETTERS = "som i brevene"

_CODE = re.compile(r"`([^`]+)`")
_FIELD = re.compile(r"^\{\{\s*([a-z_][a-z0-9_.]*)\s*\}\}$|^(\.?[a-z_][a-z0-9_.]*)$")
_IN_TEXT = re.compile(r"`\{\{\s*([a-z_][a-z0-9_.]*)\s*\}\}`")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def _sections(readme: str) -> dict[str, str]:
    """Text name -> that text's part of the README (from its ``## `` heading to the next)."""
    parts = re.split(r"(?m)^(?=## )", readme)
    out: dict[str, str] = {}
    for part in parts:
        heading = part.split("\n", 1)[0]
        if heading.startswith("## Felter"):
            out[LETTER] = part
        for name in TEXTS:
            if heading.startswith(f"## {name}"):
                out[name] = part
    return out


def _names(cell: str) -> list[str]:
    """``{{ barometer.navn }}``, ``.titel`` -> ["barometer.navn", "barometer.titel"]."""
    names: list[str] = []
    root = ""
    for code in _CODE.findall(cell):
        m = _FIELD.match(code.strip())
        if m is None:
            continue
        name = m.group(1) or m.group(2)
        if name.startswith("."):
            if not root:
                continue
            name = root + name
        else:
            root = name.split(".", 1)[0] if "." in name else ""
        names.append(name)
    return names


def _clean(text: str) -> str:
    """A table cell as plain text: no backticks, ``\\|`` as ``|``."""
    return text.replace("\\|", "|").replace("`", "").strip()


def _table_rows(section: str) -> list[tuple[str, str]]:
    """(first cell, rest) of every row of the section's ``| felt | … |`` tables."""
    rows: list[tuple[str, str]] = []
    in_table = False
    for line in section.splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        body = line.strip().strip("|")
        first, rest = _split_first(body)
        if not in_table:
            in_table = first == "felt"
            continue
        if set(first) <= {"-", ":", " "}:
            continue
        rows.append((first, rest))
    return rows


def _split_first(body: str) -> tuple[str, str]:
    """The first cell and the rest of a row (the rest may hold a ``|`` inside code)."""
    cells = _CELL_SPLIT.split(body, maxsplit=1)
    return cells[0].strip(), (cells[1] if len(cells) > 1 else "").strip()


def parse(readme: str) -> dict[str, dict[str, str]]:
    """Text name -> {field: meaning}, in the README's order."""
    sections = _sections(readme)
    out: dict[str, dict[str, str]] = {}
    for text, section in sections.items():
        fields: dict[str, str] = {}
        for first, rest in _table_rows(section):
            meaning = _clean(rest)
            for name in _names(first):
                fields.setdefault(name, meaning)
            for other in _IN_TEXT.findall(rest):  # "{{ borgmester.navn }} … er det samme"
                fields.setdefault(other, meaning)
        out[text] = fields
    letters = out.get(LETTER, {})
    for fields in out.values():
        for name, meaning in fields.items():
            if meaning.startswith(SAME_AS_LETTERS) and name in letters:
                fields[name] = letters[name]
    return out


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> dict[str, dict[str, str]]:
    return parse(Path(path).read_text(encoding="utf-8"))


def meanings(project_dir: Path, text: str) -> dict[str, str]:
    """{field: meaning} for ``text`` (a file name in letters/; a committee's letter is ``default.md``'s).
    Empty for a text without fields (letters.toml, a text block)."""
    path = project_dir / README
    try:
        table = _cached(str(path), path.stat().st_mtime)
    except OSError:
        return {}
    return table.get(text if text in TEXTS else LETTER, {}) if text.endswith(".md") else {}
