"""Editable letters: find a committee's Markdown text, render it in the sandbox, turn it into blocks."""
from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import string
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.sandbox import SecurityError
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape

from ..document import Block, Cell, Heading, ListBlock, PageBreak, Paragraph, Run, Table
from ..errors import TemplateError
from ..inputs.model import Barometer, Period
from ..narrate import danish
from ..templating import make_environment, template_location

LETTERS_DIR = "letters"
DEFAULT_LETTER = "default.md"
SETTINGS_FILE = "letters.toml"
SLOT_NAMES: tuple[str, ...] = ("indikatortabel", "figurer", "initiativer", "tilfoejelse")
ADDITIONS_DIR = "tilfoejelser"  # <barometer>/letters/tilfoejelser/<update>/<committee stem>.md

# Limits for arithmetic in templates: the sandbox guards attributes, not the size of results.
_MAX_EXPONENT = 100
_MAX_SEQUENCE = 100_000
_MAX_BITS = 100_000

# Markdown punctuation a value from data is protected against. & < > " ' are left to HTML escaping,
# which turns them into entities that the Markdown parser decodes back to the literal character.
_MD_PUNCT = "".join(ch for ch in string.punctuation if ch not in "&<>\"'")
_MD_ESCAPE = re.compile("([" + re.escape(_MD_PUNCT) + "])")
# A line break in data must not start a new Markdown block; a no-break space (U+00A0, U+202F) is
# kept, so a value can ask not to be broken ("3. december 2009" in a heading).
_WHITESPACE = re.compile(r"[^\S\u00a0\u202f]+")
_SLOT_LINE = re.compile(r"^\[\[\s*([a-zæøå0-9_]+)\s*\]\]$")


# --------------------------------------------------------------------------------------------------
# Finding the files

@dataclass(frozen=True)
class LetterSource:
    """The letter text chosen for one committee.

    ``search_dirs`` are the letters/ folders its includes may read, its own folder first;
    ``display`` is how messages name a file (``letters/BUU.md`` or ``copenhagen/letters/BUU.md``).
    """

    path: Path
    name: str
    search_dirs: tuple[Path, ...]
    roots: tuple[tuple[Path, str], ...]  # (letters folder, display prefix) for naming any file

    @property
    def display(self) -> str:
        return display_name(self.path, self.roots)


def letter_dirs(*, barometer_dir: Path | None, project_dir: Path) -> tuple[tuple[Path, str], ...]:
    """The letters/ folders in lookup order with their display prefix: the barometer's own first."""
    dirs: list[tuple[Path, str]] = []
    if barometer_dir is not None:
        dirs.append((Path(barometer_dir) / LETTERS_DIR, f"{Path(barometer_dir).name}/{LETTERS_DIR}"))
    dirs.append((Path(project_dir) / LETTERS_DIR, LETTERS_DIR))
    return tuple(dirs)


def display_name(path: Path | str, roots: Iterable[tuple[Path, str]]) -> str:
    """``letters/BUU.md`` for a file in a known letters folder, else the bare file name."""
    resolved = Path(path).resolve()
    for folder, prefix in roots:
        try:
            return f"{prefix}/{resolved.relative_to(folder.resolve()).as_posix()}"
        except ValueError:
            continue
    return Path(path).name


def _file_in(folder: Path, name: str) -> Path | None:
    """``name`` in ``folder``: an exact match, else a single case-insensitive one (a Windows user's
    ``buu.md``). Only regular files that stay inside the folder after resolving symlinks count."""
    if not folder.is_dir():
        return None
    exact = folder / name
    candidates = [exact] if exact.is_file() else [
        p for p in sorted(folder.iterdir()) if p.name.lower() == name.lower() and p.is_file()
    ]
    if len(candidates) > 1:
        raise TemplateError(
            f"{folder}: flere filer hedder {name} med forskellige store og små bogstaver: "
            + ", ".join(p.name for p in candidates)
        )
    if not candidates:
        return None
    path = candidates[0]
    if not path.resolve().is_relative_to(folder.resolve()):
        raise TemplateError(f"{folder / path.name}: peger uden for mappen {folder.name}/ og bruges ikke")
    return path


def find_letter(file_stem: str, *, barometer_dir: Path | None, project_dir: Path) -> LetterSource:
    """The letter for a committee whose safe file stem is ``file_stem``.

    Lookup order: ``<barometer>/letters/<stem>.md``, ``<barometer>/letters/default.md``,
    ``<project>/letters/<stem>.md``, ``<project>/letters/default.md``.
    """
    roots = letter_dirs(barometer_dir=barometer_dir, project_dir=project_dir)
    folders = tuple(folder for folder, _ in roots)
    own = () if file_stem.lower() == "readme" else (f"{file_stem}.md",)  # README.md is documentation
    for index, folder in enumerate(folders):
        for name in (*own, DEFAULT_LETTER):
            path = _file_in(folder, name)
            if path is not None:
                return LetterSource(path=path, name=path.name, search_dirs=folders[index:], roots=roots)
    raise TemplateError(
        f"Der findes ingen brevtekst til {file_stem}: læg {LETTERS_DIR}/{DEFAULT_LETTER} i projektet "
        "eller i barometermappen"
    )


def find_text(file_name: str, *, barometer_dir: Path | None, project_dir: Path) -> LetterSource:
    """A named text in letters/ (e.g. ``advice.md``), the barometer's own before the project's; no
    fallback to default.md. Raises TemplateError if neither folder has it."""
    roots = letter_dirs(barometer_dir=barometer_dir, project_dir=project_dir)
    folders = tuple(folder for folder, _ in roots)
    for index, folder in enumerate(folders):
        path = _file_in(folder, file_name)
        if path is not None:
            return LetterSource(path=path, name=path.name, search_dirs=folders[index:], roots=roots)
    raise TemplateError(
        f"Der findes ingen {LETTERS_DIR}/{file_name}: læg den i projektets eller barometermappens "
        f"{LETTERS_DIR}/"
    )


# --------------------------------------------------------------------------------------------------
# letters.toml: subject, closing and the people who sign, editable without touching code

@dataclass(frozen=True)
class LetterSettings:
    """The fixed, generic parts of every letter: defaults here, values from letters.toml.

    Who signs is not here: people are never shared between barometers (see :func:`signatory`).
    """

    subject: str = "Opfølgning på barometret"
    barometer_name: str = "barometret"  # the barometer in running text, definite form
    closing: str = "Med venlig hilsen"


_SETTINGS_KEYS: dict[tuple[str, str], str] = {
    ("brev", "emne"): "subject",
    ("brev", "barometer"): "barometer_name",
    ("underskrift", "hilsen"): "closing",
}

# Sections and keys of letters.toml that name a person (or their address or telephone): read only
# from the barometer's own letters/letters.toml, by :func:`own_section` (or :func:`own_setting`),
# never from the project's, so no barometer ever borrows another's people. The project's
# letters.toml may not hold them at all. A text that names a new kind of person adds its section here.
PERSON_KEYS: dict[str, tuple[str, ...]] = {
    "underskrift": ("navn", "titel"),
    "sag": ("direktoer", "chef"),  # the committee case's signatories (documents/case.py)
    # the press release's contact, the mayor's quote and the embargo's time of day (documents/press.py)
    "presse": ("navn", "titel", "telefon", "e-mail", "citat", "embargo_kl"),
    "afsender": ("navn", "adresse", "svar_til"),  # the e-mail sender (reportgen send, mail.py)
}

# What ``reportgen init`` writes where a name belongs; it must never reach a document.
PLACEHOLDER_NAME = "Navn Navnesen"


def load_settings(
    *, barometer_dir: Path | None, project_dir: Path, title: str | None = None
) -> LetterSettings:
    """Read letters.toml from the project, then the barometer's, whose values win key by key.

    With ``title`` (barometer.toml ``title``) the subject and the barometer's name in running text
    default to its definite form: ``Sundhedsbarometer`` gives ``Opfølgning på sundhedsbarometret``.
    Unknown sections or keys are errors (a misspelt key must not silently fall back to a default), as
    is a person's key (:data:`PERSON_KEYS`) in the project's letters.toml.
    """
    values: dict[str, str] = {}
    if title:
        from .common import barometer_definite

        name = barometer_definite(title)
        values = {"subject": f"Opfølgning på {name}", "barometer_name": name}
    roots = letter_dirs(barometer_dir=barometer_dir, project_dir=project_dir)
    for index in reversed(range(len(roots))):
        folder, prefix = roots[index]
        data = _read_settings(folder, prefix)
        if data is not None:
            own = barometer_dir is not None and index == 0
            values.update(_settings_values(data, f"{prefix}/{SETTINGS_FILE}", own=own,
                                           home=_home(barometer_dir)))
    return LetterSettings(**values)


def _read_settings(folder: Path, prefix: str) -> dict[str, Any] | None:
    path = _file_in(folder, SETTINGS_FILE)
    if path is None:
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{prefix}/{SETTINGS_FILE}: kan ikke læses: {exc}") from exc


def _settings_values(data: Mapping[str, Any], where: str, *, own: bool, home: str,
                     problems: list[TemplateError] | None = None) -> dict[str, str]:
    """The generic settings of one letters.toml (``where``), every key checked: an unknown section
    or key, a value that is not text, and in the project's file (not ``own``) any person's key,
    which belongs in ``home``, the barometer's own file. Each problem raises TemplateError, or with
    ``problems`` is appended there and its key passed over."""
    keys = [*_SETTINGS_KEYS, *((s, k) for s, ks in PERSON_KEYS.items() for k in ks)]
    generic_sections = {s for s, _ in _SETTINGS_KEYS}
    out: dict[str, str] = {}

    def fail(message: str) -> None:
        if problems is None:
            raise TemplateError(f"{where}: {message}")
        problems.append(TemplateError(f"{where}: {message}"))

    def refuse(location: str) -> None:
        fail(f"{location} hører ikke til projektets fælles tekster; skriv den i {home}")

    for section, table in data.items():
        own_keys = [(s, k) for s, k in keys if s == section]
        known = ", ".join(f"[{s}] {k}" for s, k in own_keys or keys)
        if not own and section in PERSON_KEYS and section not in generic_sections:
            refuse(f"[{section}]")  # a section that only names people: refused as a whole
            continue
        if not isinstance(table, dict):
            fail(f"'{section}' skal være en sektion; kendte nøgler: {known}")
            continue
        for key, value in table.items():
            if (section, key) not in keys:
                fail(f"ukendt nøgle [{section}] {key}; kendte nøgler: {known}")
            elif not isinstance(value, str):
                fail(f"[{section}] {key} skal være en tekst i anførselstegn")
            elif key in PERSON_KEYS.get(section, ()):
                if not own:
                    refuse(f"[{section}] {key}")
                # else: read by own_section
            else:
                out[_SETTINGS_KEYS[(section, key)]] = value.strip()
    return out


def _own_prefix(barometer_dir: Path | None) -> str:
    return f"{Path(barometer_dir).name}/{LETTERS_DIR}" if barometer_dir is not None else LETTERS_DIR


def own_settings_path(barometer_dir: Path | None) -> str:
    """How messages name the barometer's own letters.toml: ``aarhus/letters/letters.toml``."""
    return f"{_own_prefix(barometer_dir)}/{SETTINGS_FILE}"


def _home(barometer_dir: Path | None) -> str:
    """Where a person's key in the project's letters.toml belongs."""
    if barometer_dir is None:
        return f"barometermappens egen {LETTERS_DIR}/{SETTINGS_FILE}"
    return own_settings_path(barometer_dir)


def own_section(barometer_dir: Path | None, section: str, *, project_dir: Path | None = None,
                problems: list[TemplateError] | None = None) -> dict[str, str]:
    """The person section ``[section]`` (see :data:`PERSON_KEYS`) of the barometer's OWN
    ``letters/letters.toml``, never the project's: key -> text, white space folded, empty text left
    out (it counts as missing); ``{}`` without the file or the section.

    This is the one way to read a value that names a person (a signature, the case's signatories, a
    press contact, a sender): a barometer without the value must fall back on its own data or stop,
    never on another barometer's people. The whole file gets :func:`load_settings`'s checks, and
    with ``project_dir`` the project's letters.toml too (it may name nobody). Raises TemplateError
    naming file and key for an unreadable file, an unknown key, a value that is not text, or
    ``init``'s placeholder :data:`PLACEHOLDER_NAME` still standing; with ``problems`` every such
    error is appended there instead and only the sound values are returned.
    """
    if section not in PERSON_KEYS:
        raise ValueError(f"[{section}] is not a section of PERSON_KEYS")
    home = _home(barometer_dir)

    def read(folder: Path, prefix: str, own: bool) -> dict[str, Any]:
        try:
            data = _read_settings(folder, prefix)
        except TemplateError as err:
            if problems is None:
                raise
            problems.append(err)
            return {}
        if data is not None:
            _settings_values(data, f"{prefix}/{SETTINGS_FILE}", own=own, home=home, problems=problems)
        return data or {}

    if project_dir is not None:
        read(Path(project_dir) / LETTERS_DIR, LETTERS_DIR, own=False)
    if barometer_dir is None:
        return {}
    table = read(Path(barometer_dir) / LETTERS_DIR, _own_prefix(barometer_dir), own=True).get(section)
    values: dict[str, str] = {}
    for key, value in (table.items() if isinstance(table, dict) else ()):
        text = _WHITESPACE.sub(" ", value).strip() if isinstance(value, str) else ""
        if key not in PERSON_KEYS[section] or not text:
            continue  # an unknown key or a value that is not text is a problem reported above
        if text.casefold() == PLACEHOLDER_NAME.casefold():
            error = TemplateError(f'{own_settings_path(barometer_dir)}: [{section}] {key}: "{text}" er '
                                  "pladsholderen fra reportgen init; skriv det rigtige navn")
            if problems is None:
                raise error
            problems.append(error)
            continue
        values[key] = text
    return values


def own_setting(barometer_dir: Path | None, section: str, key: str) -> str | None:
    """``[section] key`` from the barometer's OWN ``letters/letters.toml`` (:func:`own_section`), or
    ``None`` when it has none."""
    return own_section(barometer_dir, section).get(key)


def missing_setting(barometer_dir: Path | None, section: str, key: str, hint: str) -> TemplateError:
    """The one located error for a person's value nobody gave, naming the file and key to fill in:
    ``aarhus/letters/letters.toml: [underskrift] navn mangler: …``."""
    return TemplateError(f"{own_settings_path(barometer_dir)}: [{section}] {key} mangler: {hint}")


@dataclass(frozen=True)
class Person:
    """Somebody a text names: the name and the title printed under it."""

    name: str
    title: str


def signatory(barometer: Barometer) -> Person:
    """Who signs the barometer's letters, by one rule:

    1. ``[underskrift] navn`` and ``titel`` in the barometer's own ``letters/letters.toml``;
    2. else the chair of the owner committee (barometer.toml ``owner``) from committees.csv,
       titled ``Formand for <udvalget>``;
    3. else a TemplateError naming the file and key to fill in.

    The project's letters/ never supplies a name. Raises TemplateError also for ``init``'s
    placeholder, and for a ``titel`` without a ``navn``.
    """
    folder = barometer.folder
    name = own_setting(folder, "underskrift", "navn")
    title = own_setting(folder, "underskrift", "titel")
    if name:
        return Person(name, title or "")
    if title:
        raise missing_setting(folder, "underskrift", "navn",
                              f'titlen "{title}" står der, men ikke navnet på den, der underskriver')
    owner = next((c for c in barometer.committees if c.id == barometer.config.owner), None)
    if owner is not None and owner.chair and owner.chair.strip():
        if owner.chair.strip().casefold() == PLACEHOLDER_NAME.casefold():
            raise TemplateError(f'committees.csv: chair: "{owner.chair.strip()}" for {owner.id} er en '
                                "pladsholder; skriv formandens navn")
        return Person(owner.chair.strip(), f"Formand for {committee_definite(owner.name)}")
    raise missing_setting(
        folder, "underskrift", "navn",
        "skriv navn og titel på den, der underskriver brevene (fx borgmesteren), under [underskrift], "
        f"eller formandens navn for ejerudvalget {barometer.config.owner} i committees.csv (kolonnen chair)")


def committee_definite(name: str) -> str:
    """A committee's name as it follows "Formand for": ``Børne- og Ungdomsudvalget`` as it is,
    ``Økonomiudvalg`` -> ``Økonomiudvalget``; a name with no word in -udvalg(et) is kept as written."""
    text = name.strip()
    words = text.split(" ")
    if any(w.lower().endswith("udvalget") for w in words):
        return text
    if words[-1].lower().endswith("udvalg"):
        return text + "et"
    return text


# --------------------------------------------------------------------------------------------------
# letters.toml [presse]: the press release's contact, from the barometer's own file only

PRESS_SECTION = "presse"
_PRESS_KEYS: dict[str, str] = {"navn": "name", "titel": "title", "telefon": "phone", "e-mail": "email",
                               "citat": "quote", "embargo_kl": "embargo_time"}
_CLOCK = re.compile(r"(\d{1,2})[.:](\d{2})")


@dataclass(frozen=True)
class PressContact:
    """Who answers the press about an update, the mayor's quote and the embargo's time of day
    (``[presse]`` in the barometer's letters.toml); empty: not given."""

    name: str = ""
    title: str = ""
    phone: str = ""
    email: str = ""
    quote: str = ""
    embargo_time: str = ""  # "17.00"


def load_press_contact(*, barometer_dir: Path | None, project_dir: Path) -> PressContact | None:
    """The ``[presse]`` table of ``<barometer>/letters/letters.toml`` (:func:`own_section`); None
    when it has none. A contact belongs to one municipality, so the project's letters.toml may not
    carry one. A missing name, telephone or quote is no error (``reportgen check`` warns, and the
    release is a draft); ``embargo_kl`` that is no time of day is."""
    values = own_section(barometer_dir, PRESS_SECTION, project_dir=project_dir)
    if not values:
        return None
    if "embargo_kl" in values:
        clock = _CLOCK.fullmatch(values["embargo_kl"])
        if clock is None or int(clock[1]) > 23 or int(clock[2]) > 59:
            raise TemplateError(f"{own_settings_path(barometer_dir)}: [presse] embargo_kl skal være et "
                                f'klokkeslæt som "17.00", ikke "{values["embargo_kl"]}"')
        values["embargo_kl"] = f"{int(clock[1]):02d}.{clock[2]}"
    return PressContact(**{_PRESS_KEYS[key]: value for key, value in values.items()})


# --------------------------------------------------------------------------------------------------
# Filters available to letter authors

# Filters return Markup already escaped by ``literal``: their text must never turn into Markdown, also
# when Jinja folds a constant expression (``{{ '2009-12-03'|dato }}``) and skips ``finalize``.

def tal(value: Any, decimals: int | None = None) -> Markup:
    """``{{ 4793|tal }}`` -> ``4.793``, ``{{ 3|tal(1) }}`` -> ``3,0``; integers default to 0 decimals."""
    number = _as_number(value)
    if decimals is None:
        decimals = 0 if float(number).is_integer() else 1
    return literal(danish.number(number, int(decimals)))


def dato(value: Any) -> Markup:
    """``2009-12-03`` -> ``3. december 2009``; ``2010-12`` -> ``december 2010``; ``2010`` -> ``2010``."""
    return literal(_date_text(value))


def _date_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return danish.date(value)
    if isinstance(value, Period):
        return danish.period(value)
    text = str(value).strip()
    try:
        return danish.date(dt.date.fromisoformat(text))
    except ValueError:
        pass
    try:
        return danish.period(Period.parse(text))
    except ValueError:
        raise ValueError(f"'{text}' er ikke en dato (ÅÅÅÅ-MM-DD) eller periode (ÅÅÅÅ-MM)") from None


def flertal(value: Any, singular: str, plural: str) -> Markup:
    """``{{ roede|flertal('indikator', 'indikatorer') }}`` -> ``to indikatorer``, ``én indikator``,
    ``33 indikatorer``: running text's style, words to twelve (a list counts its items)."""
    count = len(value) if isinstance(value, Sequence) and not isinstance(value, str) else _as_number(value)
    if not float(count).is_integer():
        raise ValueError(f"flertal skal have et helt tal, ikke {value!r}")
    return literal(danish.count(int(count), singular, plural))


def liste(value: Iterable[Any]) -> Markup:
    """``{{ roede|map(attribute='navn')|liste }}`` -> ``A, B og C``, each item kept literal."""
    return Markup(danish.join_list([str(literal(v)) for v in value]))


def _join(value: Iterable[Any], separator: str = "") -> Markup:
    """Jinja's ``join`` with every item kept literal (the built-in one would let Markdown through)."""
    return Markup(str(literal(separator)).join(str(literal(v)) for v in value))


def _as_number(value: Any) -> float | int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} er ikke et tal")
    if isinstance(value, int | float):
        return value
    try:
        return float(str(value).replace(".", "").replace(",", "."))
    except ValueError:
        raise ValueError(f"'{value}' er ikke et tal") from None


def genitiv(value: Any) -> Markup:
    """``{{ barometer.udvalg|genitiv }}`` -> ``Beskæftigelses- og Integrationsudvalgets``."""
    return Markup(str(literal(danish.genitive(str(value)))))


def ord_(value: Any, genus: str = "en") -> Markup:
    """``{{ 3|ord }}`` -> ``tre``, ``{{ 1|ord }}`` -> ``én``, ``{{ 1|ord('et') }}`` -> ``ét``,
    ``{{ 33|ord }}`` -> ``33``: a count in running text, one to twelve in words (a list counts its items)."""
    count = len(value) if isinstance(value, Sequence) and not isinstance(value, str) else _as_number(value)
    if not float(count).is_integer():
        raise ValueError(f"ord skal have et helt tal, ikke {value!r}")
    return literal(danish.number_word(int(count), neuter=genus == "et"))


FILTERS: dict[str, Any] = {
    "tal": tal, "dato": dato, "flertal": flertal, "liste": liste, "join": _join, "genitiv": genitiv, "ord": ord_,
}


# --------------------------------------------------------------------------------------------------
# Rendering in the sandbox

def literal(value: Any) -> Markup:
    """A value from data as Markdown that reads exactly as the value: HTML-escaped (the parser turns
    ``&amp;`` back into ``&``) and every Markdown mark backslash-escaped, on one line.

    Markup is passed through: it is text the template itself produced (``{% set %}``, ``|safe``).
    """
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    text = _WHITESPACE.sub(" ", str(value))
    return escape(_MD_ESCAPE.sub(r"\\\1", text))


def _call_binop(context: Any, operator: str, left: Any, right: Any) -> Any:
    """``**`` and ``*`` with a ceiling: ``{{ 9**9**9 }}`` or ``{{ 'x' * 10**9 }}`` must fail fast."""
    if operator == "**":
        if isinstance(right, int | float) and abs(right) > _MAX_EXPONENT and abs(left) > 1:
            raise OverflowError("tallet bliver for stort")
        if _bits(left) * max(int(right), 0) > _MAX_BITS:
            raise OverflowError("tallet bliver for stort")
        return left**right
    if _bits(left) + _bits(right) > _MAX_BITS:
        raise OverflowError("tallet bliver for stort")
    for seq, times in ((left, right), (right, left)):
        sized = isinstance(seq, str | list | tuple) and isinstance(times, int)
        if sized and len(seq) * times > _MAX_SEQUENCE:
            raise OverflowError("teksten bliver for lang")
    return left * right


def _bits(value: Any) -> int:
    return value.bit_length() if isinstance(value, int) else 0


class _ConfinedLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that refuses files whose real path (symlinks resolved) leaves its folders.

    A compiled text counts as up to date only while the file still holds the same text (compared by
    content: a modification time can stay the same across two quick saves)."""

    def get_source(self, environment: jinja2.Environment, template: str):
        source, filename, _ = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not any(real.is_relative_to(Path(p).resolve()) for p in self.searchpath):
            raise jinja2.TemplateNotFound(template)

        def uptodate() -> bool:
            try:
                return Path(filename).read_text(encoding="utf-8") == source
            except (OSError, UnicodeDecodeError):
                return False

        return source, filename, uptodate


class _ChoiceLoader(jinja2.ChoiceLoader):
    """The letters' folders in order (the barometer's own first). A text compiled from a later folder
    is out of date as soon as an earlier folder gets a file of that name (a text made the
    barometer's own), so the cached environment never keeps serving the project's copy."""

    def get_source(self, environment: jinja2.Environment, template: str):
        for index, loader in enumerate(self.loaders):
            try:
                source, filename, uptodate = loader.get_source(environment, template)
            except jinja2.TemplateNotFound:
                continue
            earlier = [Path(folder) / template for before in self.loaders[:index]
                       for folder in getattr(before, "searchpath", ())]

            def current(uptodate=uptodate, earlier=earlier) -> bool:
                return bool(uptodate()) and not any(path.is_file() for path in earlier)

            return source, filename, current
        raise jinja2.TemplateNotFound(template)

    # ChoiceLoader.load asks each folder's loader directly; compile through get_source above instead.
    load = jinja2.BaseLoader.load


def make_letter_environment(search_dirs: Sequence[Path]) -> jinja2.Environment:
    """The project's sandboxed, strict, autoescaping environment, set up for Markdown letters.

    One environment per list of folders, kept for the process: a text used for every committee
    (default.md) is compiled once, not once per letter. ``auto_reload`` makes it look at the file's
    modification time on each use, so a text edited in between (the workbench) is compiled anew.
    """
    return _letter_environment(tuple(str(Path(p)) for p in search_dirs))


@functools.lru_cache(maxsize=32)
def _letter_environment(search_dirs: tuple[str, ...]) -> jinja2.Environment:
    env = make_environment([Path(p) for p in search_dirs], autoescape=True)
    env.auto_reload = True
    env.loader = _ChoiceLoader([_ConfinedLoader(str(p), encoding="utf-8") for p in search_dirs])
    env.finalize = literal
    env.filters.update(FILTERS)
    env.intercepted_binops = frozenset({"*", "**"})  # type: ignore[attr-defined]
    env.call_binop = _call_binop  # type: ignore[method-assign]
    return env


def render_markdown(source: LetterSource, context: Mapping[str, Any]) -> str:
    """Render the letter's Jinja2 placeholders; every failure becomes one TemplateError naming
    file and line (``letters/BUU.md:3: ukendt variabel 'udvalg_navn'``), never a traceback."""
    env = make_letter_environment(source.search_dirs)
    try:
        template = env.get_template(source.name)
        return template.render(dict(context))
    except jinja2.TemplateSyntaxError as exc:
        where = _where(exc.filename or str(source.path), exc.lineno, source)
        raise TemplateError(f"{where}: {_syntax_message(exc)}") from None
    except Exception as exc:  # the template is code: anything it raises (RecursionError and
        # OverflowError included) is the author's to fix
        where = _where_from_traceback(exc.__traceback__, source)
        raise TemplateError(f"{where}: {_runtime_message(exc, context)}") from exc


def _where(filename: str, lineno: int | None, source: LetterSource) -> str:
    name = display_name(filename, source.roots)
    return f"{name}:{lineno}" if lineno else name


def _where_from_traceback(tb: TracebackType | None, source: LetterSource) -> str:
    """Where in the letter text the error is (see templating.template_location)."""
    found = template_location(tb)
    return _where(*found, source) if found else source.display


_UNDEFINED = re.compile(r"^'([^']+)' is undefined$")
_NO_ATTRIBUTE = re.compile(r"has no (?:attribute|element) '?([^']+?)'?$")
_UNSAFE_ATTRIBUTE = re.compile(r"access to attribute '([^']+)' of '([^']+)' object is unsafe")


def _runtime_message(exc: BaseException, context: Mapping[str, Any]) -> str:
    text = str(exc)
    if isinstance(exc, jinja2.UndefinedError):
        if m := _UNDEFINED.match(text):
            name = m.group(1)
            close = difflib.get_close_matches(name, list(context), n=1)
            hint = f" (mente du '{close[0]}'?)" if close else ""
            return f"ukendt variabel '{name}'{hint}"
        if m := _NO_ATTRIBUTE.search(text):
            return f"ukendt felt '{m.group(1)}'"
        return f"ukendt variabel: {text}"
    if isinstance(exc, SecurityError):
        if m := _UNSAFE_ATTRIBUTE.search(text):
            return f"ikke tilladt i en brevtekst: adgang til '{m.group(1)}'"
        return f"ikke tilladt i en brevtekst: {text}"
    if isinstance(exc, jinja2.TemplateNotFound):
        return (f"filen '{exc.name}' findes ikke i letters/ (en brevtekst kan kun indsætte andre filer "
                "fra letters/)")
    if isinstance(exc, RecursionError):
        return "skabelonen kalder sig selv i det uendelige (fx en include af sig selv)"
    if isinstance(exc, OverflowError | MemoryError):
        return f"beregningen giver et for stort resultat ({text})"
    return f"kan ikke beregnes: {text}"


_UNKNOWN_FILTER = re.compile(r"No (filter|test) named '([^']+)'")


def _syntax_message(exc: jinja2.TemplateSyntaxError) -> str:
    if m := _UNKNOWN_FILTER.search(exc.message or ""):
        kind = "filter" if m.group(1) == "filter" else "test"
        return f"ukendt {kind} '{m.group(2)}'"
    return f"skrivefejl i skabelonen: {exc.message}"


# --------------------------------------------------------------------------------------------------
# Markdown -> document blocks

@dataclass(frozen=True)
class Slot:
    """A line ``[[name]]`` in a letter: where the builder puts a generated part."""

    name: str


_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def markdown_to_blocks(text: str, *, display: str = "brevteksten",
                       slots: Sequence[str] = SLOT_NAMES) -> tuple[Block | Slot, ...]:
    """Parse Markdown (HTML switched off: tags show as text) into document blocks.

    Headings (``#`` = level 1, deeper than 3 become 3), paragraphs with bold/italic runs, bullet and
    numbered lists (nested items are flattened), GFM tables, block quotes (``style="quote"``), ``---``
    (page break). A paragraph that is exactly ``[[name]]`` in the *rendered source* becomes a Slot, so
    a value from data (which arrives backslash-escaped) can never become one. ``slots`` are the
    names a text may use (the letters' by default; the press release has its own).
    """
    tokens = _MARKDOWN.parse(text)
    blocks: list[Block | Slot] = []
    i = 0
    quote_depth = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            level = min(int(tok.tag[1]), 3)
            blocks.append(Heading(_plain(tokens[i + 1]), level=level))
            i += 3
        elif tok.type == "paragraph_open":
            inline = tokens[i + 1]
            blocks.append(_paragraph_or_slot(inline, quote_depth > 0, display, slots))
            i += 3
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            block, i = _list(tokens, i)
            blocks.append(block)
        elif tok.type == "table_open":
            block, i = _table(tokens, i)
            blocks.append(block)
        elif tok.type == "blockquote_open":
            quote_depth += 1
            i += 1
        elif tok.type == "blockquote_close":
            quote_depth -= 1
            i += 1
        elif tok.type in ("code_block", "fence"):
            for line in tok.content.rstrip("\n").split("\n\n"):
                blocks.append(Paragraph.of(line, style="quote" if quote_depth else "body"))
            i += 1
        elif tok.type == "hr":
            blocks.append(PageBreak())
            i += 1
        else:
            i += 1
    return tuple(blocks)


def _paragraph_or_slot(inline: Token, quoted: bool, display: str, slots: Sequence[str]) -> Paragraph | Slot:
    m = _SLOT_LINE.match(inline.content.strip())
    if m and not quoted and slots:  # without placeholders (an addition) the line is plain text
        name = m.group(1)
        if name not in slots:
            known = ", ".join(f"[[{s}]]" for s in slots) or "ingen"
            raise TemplateError(f"{display}: ukendt pladsholder [[{name}]]; kendte: {known}")
        return Slot(name)
    return Paragraph(_runs(inline), style="quote" if quoted else "body")


def _runs(inline: Token) -> tuple[Run, ...]:
    """Inline children -> runs, merging neighbours with the same emphasis."""
    runs: list[Run] = []
    bold = italic = 0
    link_href: list[str] = []

    def add(text: str) -> None:
        if not text:
            return
        run = Run(text, bold=bold > 0, italic=italic > 0)
        if runs and (runs[-1].bold, runs[-1].italic) == (run.bold, run.italic):
            runs[-1] = Run(runs[-1].text + text, bold=run.bold, italic=run.italic)
        else:
            runs.append(run)

    for child in inline.children or ():
        kind = child.type
        if kind in ("text", "code_inline"):
            add(child.content)
        elif kind in ("softbreak", "hardbreak"):
            add(" ")
        elif kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind == "em_open":
            italic += 1
        elif kind == "em_close":
            italic -= 1
        elif kind == "link_open":
            link_href.append(str(child.attrs.get("href", "")))
        elif kind == "link_close":
            href = link_href.pop() if link_href else ""
            if href and href not in "".join(r.text for r in runs):
                add(f" ({href})")
        elif kind == "image":
            add(child.content)
    return tuple(runs)


def _plain(inline: Token) -> str:
    return "".join(r.text for r in _runs(inline)).strip()


def _list(tokens: list[Token], start: int) -> tuple[ListBlock, int]:
    """One list, nested lists flattened into it; returns the index after its closing token."""
    ordered = tokens[start].type == "ordered_list_open"
    items: list[tuple[Run, ...]] = []
    depth = 0
    i = start
    current: list[Run] = []
    while True:
        tok = tokens[i]
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
            if depth == 0:
                return ListBlock(tuple(items), ordered=ordered), i + 1
        elif tok.type == "list_item_open":
            current = []
            items.append(())
            current_index = len(items) - 1
        elif tok.type == "inline":
            if current:
                current.append(Run(" "))
            current.extend(_runs(tok))
            items[current_index] = tuple(current)
        i += 1


def _table(tokens: list[Token], start: int) -> tuple[Table, int]:
    header: list[str] = []
    align: list[str] = []
    rows: list[tuple[Cell, ...]] = []
    row: list[Cell] = []
    in_head = False
    i = start
    while tokens[i].type != "table_close":
        tok = tokens[i]
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close" and not in_head:
            rows.append(tuple(row))
        elif tok.type == "th_open":
            style = str(tok.attrs.get("style", ""))
            align.append("right" if "right" in style else "center" if "center" in style else "left")
        elif tok.type == "inline":
            text = _plain(tok)
            if in_head:
                header.append(text)
            else:
                row.append(Cell(text, align=align[len(row)] if len(row) < len(align) else "left"))
        i += 1
    return Table(header=tuple(header), rows=tuple(rows), align=tuple(align)), i + 1  # type: ignore[arg-type]


def fill_slots(
    blocks: Sequence[Block | Slot], parts: Mapping[str, Sequence[Block]]
) -> tuple[Block, ...]:
    """Put each generated part where its ``[[name]]`` line stands. Parts without a line go, in the
    order of ``parts``, right after the letter's first paragraph (at the end if it has none)."""
    placed = {b.name for b in blocks if isinstance(b, Slot)}
    missing = [block for name, part in parts.items() if name not in placed for block in part]
    out: list[Block] = []
    pending = bool(missing)
    for block in blocks:
        if isinstance(block, Slot):
            out.extend(parts.get(block.name, ()))
            continue
        out.append(block)
        if pending and isinstance(block, Paragraph):
            out.extend(missing)
            pending = False
    if pending:
        out.extend(missing)
    return tuple(out)


# --------------------------------------------------------------------------------------------------
# Additions: plain Markdown per committee and update, written in the workbench

def addition_path(barometer_dir: Path, update_id: str, file_stem: str) -> Path:
    """Where the addition to one committee's letter at one update is kept, in the barometer folder."""
    return Path(barometer_dir) / LETTERS_DIR / ADDITIONS_DIR / update_id / f"{file_stem}.md"


def addition_blocks(barometer_dir: Path | None, update_id: str, file_stem: str) -> tuple[Block, ...]:
    """The addition as blocks: plain Markdown, never run as a template (``{{ }}`` and ``{% %}`` stay
    as written), and no placeholders of its own. Empty when there is none."""
    if barometer_dir is None:
        return ()
    path = addition_path(barometer_dir, update_id, file_stem)
    if not path.is_file() or path.is_symlink():
        return ()
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        return ()
    display = f"{LETTERS_DIR}/{ADDITIONS_DIR}/{update_id}/{file_stem}.md"
    return tuple(b for b in markdown_to_blocks(text, display=display, slots=()) if not isinstance(b, Slot))
