"""Convert a RawBarometer's text cells into the frozen Barometer, collecting every located problem."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import Any, TypeVar

from ..errors import DataValidationError, Issue
from .load import TOML_FILE, RawBarometer, RawRow, RawTable
from .model import (
    AGGREGATIONS,
    DIRECTIONS,
    RULES,
    SIGNALS,
    UNITS,
    Area,
    Barometer,
    Comment,
    Committee,
    Config,
    Decision,
    District,
    Indicator,
    Initiative,
    Measurement,
    Override,
    Period,
    Update,
    case_points,
)

T = TypeVar("T")
BAD: Any = type("Bad", (), {"__repr__": lambda self: "BAD"})()
"""Sentinel for a cell that was invalid or a required cell that was empty (already reported)."""

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "updates": ("id", "date", "label"),
    "areas": ("id", "name"),
    "committees": ("id", "name"),
    "districts": ("id", "name"),
    "indicators": ("id", "area", "name", "main", "unit", "direction", "committee"),
    "measurements": ("indicator", "period", "value", "update"),
    "initiatives": ("id", "name", "indicator"),
    "overrides": ("update", "target", "signal", "reason"),
    "comments": ("update", "target", "text"),
    "decisions": ("update", "point", "decision"),
}
_NOT_EMPTY = {"updates": "én opdatering", "areas": "ét indsatsområde", "committees": "ét udvalg",
              "indicators": "én indikator", "measurements": "ét tal"}
NEEDS_BASELINE: tuple[str, ...] = ("baseline", "trajectory", "national", "gauge")
NEEDS_TARGET: tuple[str, ...] = ("trajectory", "gauge")
MAX_DECIMALS = 6
LANGUAGES: tuple[str, ...] = ("da", "en")
SOURCE_TYPES: tuple[str, ...] = ("local", "national")
_NATIONAL_SOURCE_WORDS = ("danmarks statistik", "ministeri", "styrelse", "nationale")
_BOOLS = {
    "yes": True,
    "ja": True,
    "true": True,
    "1": True,
    "no": False,
    "nej": False,
    "false": False,
    "0": False,
}
_DANISH_SIGNALS = {"grøn": "green", "gul": "yellow", "rød": "red", "grå": "grey"}

# --- cell parsers: text -> value, or ValueError with the message shown after "file:row: column: " --

_NON_FINITE = {"nan", "inf", "infinity"}
_EXCEL_ERRORS = {"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"}
_POINT_RE = re.compile(r"[+-]?\d+(?:\.\d+)?")
_LONE_COMMA_RE = re.compile(r"[+-]?\d+,\d+")
_THOUSANDS_LIKE_RE = re.compile(r"[+-]?[1-9]\d{0,2},\d{3}")
_DANISH_RE = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY_FIRST_RE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
NUMBER_HINT = "skriv et tal med komma, fx 59,3"


def parse_number(text: str, *, decimal_comma: bool = False) -> float:
    """A finite number. ``decimal_comma`` (Danish-locale ``;`` CSV): ``,`` is the decimal mark and ``.``
    groups thousands (``4.793`` = 4793, ``1.234,5``). Otherwise ``.`` is the decimal mark, a lone
    decimal comma is accepted (``59,3``) unless it could be a thousands group (``4,793``)."""
    s = text.strip().replace("\u2212", "-")
    if "%" in s:
        raise ValueError(f'"{text}" er ikke et tal: skriv det uden procenttegn, fx 59,3')
    if s.lstrip("+-").lower() in _NON_FINITE:
        raise ValueError(f'"{text}" er ikke et tal: {NUMBER_HINT}')
    if s.upper() in _EXCEL_ERRORS:
        raise ValueError(f'"{text}" er en fejl fra en formel i Excel, ikke et tal: ret formlen, eller {NUMBER_HINT}')
    value = float(_danish_number(text, s) if decimal_comma else _point_number(text, s))
    if not math.isfinite(value):
        raise ValueError(f'"{text}" er ikke et tal, som kan bruges (det er alt for stort): {NUMBER_HINT}')
    return value


def _danish_number(text: str, s: str) -> str:
    if _DANISH_RE.fullmatch(s):
        return s.replace(".", "").replace(",", ".")
    if _POINT_RE.fullmatch(s):
        raise ValueError(
            f'"{text}" er ikke et tal i denne fil: filen er adskilt med semikolon (;), så komma er '
            f"decimaltegn, og punktum står kun mellem tusinder; skriv {s.replace('.', ',')}"
        )
    raise ValueError(f'"{text}" er ikke et tal: {NUMBER_HINT}')


def _point_number(text: str, s: str) -> str:
    if _POINT_RE.fullmatch(s):
        return s
    if _THOUSANDS_LIKE_RE.fullmatch(s):
        whole, part = s.split(",")
        raise ValueError(
            f'"{text}" kan læses på to måder ({whole} komma {part} eller {s.replace(",", "")}): skriv '
            f'tallet uden tusindtalspunktum eller -komma, og med punktum som decimaltegn, fx {s.replace(",", "")} '
            f'eller {s.replace(",", ".")}'
        )
    if _LONE_COMMA_RE.fullmatch(s):
        return s.replace(",", ".")
    raise ValueError(f'"{text}" er ikke et tal: {NUMBER_HINT}')


def parse_bool(text: str) -> bool:
    """yes/no, ja/nej, true/false or 1/0, any case."""
    try:
        return _BOOLS[text.strip().lower()]
    except KeyError:
        raise ValueError(f'"{text}" er hverken ja eller nej: skriv ja eller nej '
                         "(også yes/no, true/false, 1/0)") from None


def parse_date(text: str) -> dt.date:
    """An ISO date ``YYYY-MM-DD`` and nothing else (no week dates, no day-first)."""
    if _DATE_RE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f'"{text}" er ikke en dato: skriv {_date_example(text)} (ÅÅÅÅ-MM-DD)')


def _date_example(text: str) -> str:
    """The ISO form of a day-first date such as ``2.6.2008`` (``2008-06-02``), else an example."""
    m = _DAY_FIRST_RE.fullmatch(text.strip())
    if m:
        try:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
        except ValueError:
            pass
    return "fx 2009-12-03"


def parse_period(text: str) -> Period:
    """``YYYY-MM`` or ``YYYY``; a full date (what Excel makes of a typed ``2008-09``) gets a hint."""
    if _DATE_RE.fullmatch(text.strip()):
        raise ValueError(
            f'"{text}" er en dato, ikke en periode: skriv {text.strip()[:7]} (ÅÅÅÅ-MM) eller {text.strip()[:4]} '
            "(ÅÅÅÅ); i Excel skal kolonnen først formateres som tekst"
        )
    return Period.parse(text)


def parse_decimals(text: str) -> int:
    if text.isascii() and text.isdigit() and int(text) <= MAX_DECIMALS:
        return int(text)
    raise ValueError(f'"{text}" er ikke et helt tal fra 0 til {MAX_DECIMALS}: skriv fx 1')


def choice(options: Iterable[str], aliases: dict[str, str] | None = None) -> Callable[[str], str]:
    """A parser accepting one of ``options`` (any case) or an alias of one."""
    allowed = tuple(options)
    table = {o: o for o in allowed} | (aliases or {})
    hint = f" (eller {', '.join(aliases)})" if aliases else ""

    def parse(text: str) -> str:
        try:
            return table[text.strip().lower()]
        except KeyError:
            raise ValueError(f'"{text}" kan ikke bruges her: skriv en af {", ".join(allowed)}{hint}') from None

    return parse


parse_signal = choice(SIGNALS, _DANISH_SIGNALS)


def default_source_type(source: str | None) -> str:
    """``national`` when the source names Danmarks Statistik, a ministry or an agency, else ``local``."""
    text = (source or "").lower()
    return "national" if any(word in text for word in _NATIONAL_SOURCE_WORDS) else "local"


_EMAIL_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_EMAIL_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
_EMAIL_RE = re.compile(f"{_EMAIL_LOCAL}@{_EMAIL_DOMAIN}")


def parse_emails(text: str) -> tuple[str, ...]:
    """One or more e-mail addresses separated by ``;`` (``a@example.org; b@example.org``), each a
    plain ASCII address without a display name; an empty piece (a trailing ``;``) is skipped."""
    pieces = [p.strip() for p in text.split(";")]
    out: list[str] = []
    for piece in (p for p in pieces if p):
        if "<" in piece or ">" in piece:
            raise ValueError(f'"{piece}": skriv kun adressen (navn@eksempel.dk), uden navn og <>')
        if "," in piece or " " in piece:
            raise ValueError(f'"{piece}" er ikke én adresse: adskil flere adresser med ";"')
        if not _EMAIL_RE.fullmatch(piece) or len(piece) > 254:
            raise ValueError(f'"{piece}" er ikke en e-mailadresse: skriv fx navn@eksempel.dk '
                             "(bogstaverne a-z, uden æ, ø og å)")
        if piece.lower() in (o.lower() for o in out):
            raise ValueError(f'"{piece}" står der to gange: skriv hver adresse én gang')
        out.append(piece)
    return tuple(out)


def parse_email(text: str) -> str:
    """Exactly one address, checked as :func:`parse_emails` checks each."""
    found = parse_emails(text)
    if len(found) != 1:
        raise ValueError(f'"{text.strip()}": skriv netop én e-mailadresse, fx navn@eksempel.dk')
    return found[0]


# --- located rows ---------------------------------------------------------------------------------


_INVISIBLE_RE = re.compile("[\\s\u200b-\u200f\u2060\ufeff]+")


def _loose(text: str) -> str:
    """An id without case, spaces and invisible characters: for "did you mean" hints only."""
    return _INVISIBLE_RE.sub("", text).casefold()


@dataclass(frozen=True)
class _Ids:
    """The ids of one table, for reference checks: ``ukendt indsatsområde "X" (findes ikke i areas.csv)``.
    ``known`` is False when the table could not be read: then every reference passes."""

    what: str
    file: str
    ids: frozenset[str]
    known: bool = True

    def check(self, text: str) -> str:
        if self.known and text not in self.ids:
            near = sorted(i for i in self.ids if _loose(i) == _loose(text))
            hint = f'; mente du "{near[0]}"? (id\'et skal skrives præcis ens)' if near else ""
            raise ValueError(f'ukendt {self.what} "{text}" (findes ikke i {self.file}){hint}')
        return text


@dataclass
class _Cells:
    """One raw row with converters that report problems located at file, row and column."""

    table: RawTable
    raw: RawRow
    issues: list[Issue]

    @property
    def row(self) -> int:
        return self.raw.row

    def issue(self, column: str | None, message: str) -> None:
        self.issues.append(Issue(self.table.file, self.raw.row, column, message))

    def text(self, column: str) -> str | None:
        """The stripped cell, None when empty ("not given")."""
        return self.raw.cells.get(column, "").strip() or None

    def get(self, column: str, parse: Callable[[str], Any] | None = None, *, required: bool = False) -> Any:
        """The converted cell; None when empty and optional; BAD when invalid or required and empty."""
        if (self.raw.row, column) in self.table.reported:
            return BAD
        text = self.text(column)
        if text is None:
            if not required:
                return None
            if column in self.table.columns:  # a missing column is reported once, on the header row
                self.issue(column, "skal udfyldes, men er tom")
            return BAD
        if parse is None:
            return text
        try:
            return parse(text)
        except ValueError as err:
            self.issue(column, str(err))
            return BAD

    def number(self, column: str, *, required: bool = False, non_negative: bool = False) -> Any:
        return self.get(column, lambda t: self._number(t, non_negative=non_negative), required=required)

    def whole(self, column: str) -> Any:
        """A non-negative whole number such as ``n``."""

        def parse(text: str) -> int:
            value = self._number(text, non_negative=True)
            if not value.is_integer():
                raise ValueError(f'"{text}" er ikke et helt tal: skriv fx 120')
            return int(value)

        return self.get(column, parse)

    def _number(self, text: str, *, non_negative: bool) -> float:
        value = parse_number(text, decimal_comma=self.table.decimal_comma)
        if non_negative and value < 0:
            raise ValueError(f'"{text}" er negativt: skriv et tal, der er 0 eller større')
        return value


def _build(cls: Callable[..., T], **fields: Any) -> T | None:
    """``cls(**fields)`` without the None fields (their defaults apply); None if any field is BAD."""
    if any(value is BAD for value in fields.values()):
        return None
    return cls(**{k: v for k, v in fields.items() if v is not None})


@dataclass
class _Validator:
    raw: RawBarometer
    issues: list[Issue] = field(default_factory=list)

    def table(self, name: str) -> RawTable | None:
        return self.raw.tables.get(name)

    def rows(self, name: str) -> list[_Cells]:
        table = self.table(name)
        return [_Cells(table, raw, self.issues) for raw in table.rows] if table else []

    def ids(self, name: str, what: str, column: str = "id") -> _Ids:
        table = self.table(name)
        raw_rows = (*table.rows, *table.broken) if table else ()
        ids = frozenset(row.cells.get(column, "").strip() for row in raw_rows) - {""}
        return _Ids(what, self.raw.label(name), ids, name not in self.raw.unreadable)

    def check_columns(self) -> None:
        for name, table in self.raw.tables.items():
            for column in REQUIRED_COLUMNS[name]:
                if column not in table.columns:
                    self.issues.append(Issue(table.file, 1, None, f'kolonnen "{column}" mangler: tilføj den '
                                             "i første række (overskriften)"))

    def unique(
        self,
        name: str,
        key: Callable[[_Cells], Any],
        message: Callable[[Any], str],
        column: str | None = None,
    ) -> None:
        """Report every row whose key (None = not checked) an earlier row already had."""
        first: dict[Any, int] = {}
        for cells in self.rows(name):
            k = key(cells)
            if k is None:
                continue
            if k in first:
                cells.issue(column, f"{message(k)} (også i række {first[k]})")
            else:
                first[k] = cells.row

    def unique_ids(self, name: str, column: str = "id") -> None:
        """Ids must be unique, also ignoring case: ``a1`` and ``A1`` would name the same output file
        on Windows and macOS."""
        self.unique(name, lambda c: c.text(column), lambda k: f'{column} "{k}" står der to gange', column)
        first: dict[str, tuple[str, int]] = {}
        reported: set[str] = set()
        for cells in self.rows(name):
            text = cells.text(column)
            if text is None:
                continue
            seen, row = first.setdefault(text.casefold(), (text, cells.row))
            if seen != text and text not in reported:
                cells.issue(column, f'{column} "{text}" adskiller sig kun ved store og små bogstaver fra '
                                    f'"{seen}" i række {row}: skriv det præcis ens, eller brug et andet {column}')
                reported.add(text)

    def not_empty(self, name: str, what: str) -> None:
        """A required table with only its header has nothing to report on."""
        table = self.table(name)
        if table is not None and not table.rows and not table.broken:
            message = f"har kun overskriftsrækken: tilføj mindst {what}"
            self.issues.append(Issue(table.file, None, None, message))


# --- barometer.toml -------------------------------------------------------------------------------


def _toml_repr(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "en sektion"
    return str(value)


@dataclass
class _Toml:
    data: dict[str, Any]
    issues: list[Issue]
    lines: dict[str, int] = field(default_factory=dict)  # where each key is written

    def issue(self, key: str, message: str) -> None:
        self.issues.append(Issue(TOML_FILE, self.lines.get(key), key, message))

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        if isinstance(value, dict):
            return value
        self.issue(name, f"skal være en sektion ([{name}]), ikke {_toml_repr(value)}")
        return {}

    def get(self, key: str, check: Callable[[Any], bool], expected: str, *, required: bool = False) -> Any:
        """The value at dotted ``key``; None when absent and optional, BAD when wrong."""
        *sections, last = key.split(".")
        table = self.data
        for name in sections:
            table = table.get(name, {}) if isinstance(table.get(name, {}), dict) else {}
        if last not in table:
            if required:
                self.issue(key, "mangler: tilføj den i barometer.toml")
                return BAD
            return None
        value = table[last]
        if check(value):
            return value
        self.issue(key, f"skal være {expected}, ikke {_toml_repr(value)}")
        return BAD

    def text(self, key: str, *, required: bool = False) -> Any:
        value = self.get(key, lambda v: isinstance(v, str), 'tekst i anførselstegn, fx "…"', required=required)
        if isinstance(value, str) and not value.strip():
            self.issue(key, "skal udfyldes, men er tom" if required else "må ikke være tom")
            return BAD
        return value.strip() if isinstance(value, str) else value

    def choice(self, key: str, options: tuple[str, ...]) -> Any:
        return self.get(key, lambda v: v in options, f"en af {', '.join(options)}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _config(v: _Validator, committees: _Ids) -> tuple[Config | None, Path | None]:
    """barometer.toml -> Config and the resolved map path; (None, None) when unreadable or invalid."""
    if v.raw.toml is None:
        return None, None
    t = _Toml(v.raw.toml, v.issues, v.raw.toml_lines)
    for name in ("assessment", "map", "documents", "districts"):
        t.section(name)
    owner = t.text("owner", required=True)
    if isinstance(owner, str):
        try:
            committees.check(owner)
        except ValueError as err:
            t.issue("owner", str(err))
            owner = BAD
    map_file, map_key, map_path = _map(v, t)
    config = _build(
        Config,
        title=t.text("title", required=True),
        municipality=t.text("municipality", required=True),
        policy=t.text("policy", required=True),
        owner=owner,
        language=t.choice("language", LANGUAGES),
        aggregation=t.choice("assessment.aggregation", AGGREGATIONS),
        significance=t.get(
            "assessment.significance", lambda x: _is_number(x) and 0 < x < 1,
            "et tal mellem 0 og 1 med punktum, fx 0.05"
        ),
        min_n=t.get(
            "assessment.min_n",
            lambda x: isinstance(x, int) and not isinstance(x, bool) and x >= 0,
            "et helt tal, 0 eller større, fx 30",
        ),
        map_file=map_file,
        map_key=map_key,
        administration=t.text("administration"),
        method_sensitivity=t.get(
            "documents.method_sensitivity", lambda x: isinstance(x, bool), "true eller false"
        ),
        district_singular=t.text("districts.singular"),
        district_plural=t.text("districts.plural"),
    )
    if config is not None:
        config = replace(config, significance=float(config.significance))
    return config, map_path


def _map(v: _Validator, t: _Toml) -> tuple[Any, Any, Path | None]:
    """[map] file and key; the file must be a regular file inside the barometer folder."""
    if not _has_map(v.raw):
        return None, None, None
    file = t.text("map.file", required=True)
    key = t.text("map.key", required=True)
    if not isinstance(file, str):
        return file, key, None
    try:
        return file, key, resolve_inside(v.raw.folder, file)
    except ValueError as err:
        t.issue("map.file", str(err))
        return BAD, key, None


def _has_map(raw: RawBarometer) -> bool:
    return isinstance((raw.toml or {}).get("map"), dict)


def resolve_inside(folder: Path, name: str) -> Path:
    """``folder/name`` resolved, refusing absolute paths, ``..`` and symlinks that leave the folder."""
    relative = PurePath(name)
    root = Path(folder).resolve()
    outside = f'"{name}" skal være en fil i barometermappen: skriv stien fra mappen med /, fx kort/bydele.geojson'
    if relative.is_absolute() or ".." in relative.parts or "\\" in name:
        raise ValueError(outside)
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise ValueError(outside)
    if not path.is_file():
        raise ValueError(f'"{name}" findes ikke i barometermappen: læg filen i mappen, eller ret navnet')
    return path


# --- the district map (GeoJSON) -------------------------------------------------------------------

MAX_MAP_BYTES = 20 * 1024 * 1024
MAX_MAP_VERTICES = 250_000  # Denmark's 98 municipalities, simplified for print, need about 40 000
_SIMPLIFY = "forenkl kortet, fx med mapshaper"
_EXPORT_AGAIN = "gem kortet igen som GeoJSON"


@dataclass
class _MapCheck:
    """Reads a GeoJSON map just enough to know every feature has the key and a closed, finite
    (Multi)Polygon outline, within size limits; problems are located as ``file: kortområde N: ...``.
    Whether the file is a FeatureCollection at all is left to the map reader (geo.py)."""

    v: _Validator
    file: str
    key: str
    vertices: int = 0

    def issue(self, where: str | None, message: str, line: int | None = None) -> None:
        self.v.issues.append(Issue(self.file, line, where, message))

    def run(self, path: Path) -> dict[str, int] | None:
        """The feature number of each key value, or None when the map could not be read."""
        size = path.stat().st_size
        if size > MAX_MAP_BYTES:
            self.issue(None, f"fylder {_megabytes(size)} MB (højst {_megabytes(MAX_MAP_BYTES)} MB): {_SIMPLIFY}")
            return None
        data = self.parse(path.read_bytes())
        if data is None:
            return None
        features = data.get("features") if isinstance(data, dict) else None
        if not isinstance(features, list):
            return None  # not a FeatureCollection: the map reader says so when it draws the map
        keys: dict[str, int] = {}
        for number, feature in enumerate(features, start=1):
            if not self.feature(f"kortområde {number}", feature, number, keys):
                return None
        return keys

    def parse(self, data: bytes) -> Any:
        def refuse(name: str) -> Any:
            raise ValueError(f'kortet indeholder "{name}", som ikke er et tal: alle koordinater skal være tal')

        try:
            return json.loads(data.decode("utf-8-sig"), parse_constant=refuse)
        except UnicodeDecodeError:
            self.issue(None, "er ikke gemt med tegnsættet UTF-8: gem filen som UTF-8")
        except json.JSONDecodeError as err:
            self.issue(None, f"er ikke en gyldig GeoJSON-fil (fejl ved tegn {err.colno} i linjen): {_EXPORT_AGAIN}",
                       err.lineno)
        except ValueError as err:
            self.issue(None, str(err))
        except RecursionError:
            self.issue(None, f"er ikke et kort: der er for mange lag inden i hinanden; {_EXPORT_AGAIN}")
        return None

    def feature(self, where: str, feature: Any, number: int, keys: dict[str, int]) -> bool:
        """Check one feature; False stops the check (vertex limit reached)."""
        from .geo import _key_text

        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            self.issue(where, f"er ikke et GeoJSON-område (Feature) med egenskaber (properties): {_EXPORT_AGAIN}")
            return True
        if props.get(self.key) in (None, ""):
            self.issue(where, f'mangler egenskaben "{self.key}" (nøglen fra barometer.toml [map] key): '
                              "giv hvert område sin nøgle")
        else:
            ident = _key_text(props[self.key])
            if ident in keys:
                self.issue(where, f'{self.key} {ident} er også nøglen for kortområde {keys[ident]}: '
                                  "hvert område skal have sin egen")
            keys.setdefault(ident, number)
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in ("Polygon", "MultiPolygon"):
            self.issue(where, f"formen er {json.dumps(kind)}, ikke en flade (Polygon eller MultiPolygon): "
                              "tegn området som en flade")
            return True
        coordinates = geometry.get("coordinates")
        polygons = [coordinates] if kind == "Polygon" else coordinates
        problem = self.polygons(polygons)
        if problem:
            self.issue(where, problem)
        if self.vertices > MAX_MAP_VERTICES:
            self.issue(None, f"har mere end {MAX_MAP_VERTICES} punkter: {_SIMPLIFY}")
            return False
        return True

    def polygons(self, polygons: Any) -> str | None:
        if not isinstance(polygons, list) or not polygons:
            return f"koordinaterne er ikke en liste af flader: {_EXPORT_AGAIN}"
        for polygon in polygons:
            if not isinstance(polygon, list) or not polygon:
                return f"en flade er ikke en liste af omrids: {_EXPORT_AGAIN}"
            for ring in polygon:
                problem = self.ring(ring)
                if problem:
                    return problem
        return None

    def ring(self, ring: Any) -> str | None:
        if not isinstance(ring, list) or len(ring) < 4:
            return "et omrids har færre end 4 punkter (et lukket omrids gentager sit første punkt til sidst)"
        self.vertices += len(ring)
        for point in ring:
            if (
                not isinstance(point, list)
                or len(point) not in (2, 3)
                or not all(_is_number(c) and math.isfinite(c) for c in point)
            ):
                return f"punktet {json.dumps(point)[:60]} er ikke [længdegrad, breddegrad]"
            if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
                return (f"punktet {json.dumps(point)} er ikke en længde- og breddegrad i grader: "
                        "gem kortet med længde- og breddegrader (WGS 84)")
        if ring[0][:2] != ring[-1][:2]:
            return (f"et omrids er ikke lukket: det begynder i {ring[0]} og slutter i {ring[-1]}; "
                    "det sidste punkt skal være det samme som det første")
        return None


def _megabytes(size: int) -> str:
    """``20971520`` -> ``"20"``, ``1572864`` -> ``"1,5"``: megabytes as a Danish number."""
    return f"{size / (1024 * 1024):.1f}".replace(".0", "").replace(".", ",")


def _check_map(
    v: _Validator, config: Config | None, map_path: Path | None, districts: Rows[District]
) -> None:
    """The map file is sound and has a feature for every district's geo_id. Checked once
    barometer.toml and districts.csv are sound, since it is read against them."""
    if config is None or map_path is None or not config.map_file or not config.map_key:
        return
    if any(issue.file in (TOML_FILE, v.raw.label("districts")) for issue in v.issues):
        return
    keys = _MapCheck(v, config.map_file, config.map_key).run(map_path)
    if keys is None:
        return
    for row, district in districts:
        if district.geo_id is not None and district.geo_id not in keys:
            v.issues.append(
                Issue(v.raw.label("districts"), row, "geo_id",
                      f'"{district.geo_id}" er ikke {config.map_key} for noget område i {config.map_file}: '
                      f"skriv en {config.map_key}, som kortet har")
            )


# --- tables ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Refs:
    """Every table's ids, taken from the raw cells so one bad row does not hide the others' references."""

    updates: _Ids
    areas: _Ids
    committees: _Ids
    districts: _Ids
    indicators: _Ids
    targets: _Ids


def _refs(v: _Validator) -> _Refs:
    indicators = v.ids("indicators", "indikator")
    areas = v.ids("areas", "indsatsområde")
    return _Refs(
        updates=v.ids("updates", "opdatering"),
        areas=areas,
        committees=v.ids("committees", "udvalg"),
        districts=v.ids("districts", "distrikt"),
        indicators=indicators,
        targets=_Ids(
            "indikator eller indsatsområde",
            f"{indicators.file} eller {areas.file}",
            indicators.ids | areas.ids,
            indicators.known and areas.known,
        ),
    )


Rows = list[tuple[int, T]]


def _collect(v: _Validator, name: str, make: Callable[[_Cells], T | None]) -> Rows[T]:
    """(row, object) for each row of table ``name`` that converted cleanly."""
    out = []
    for cells in v.rows(name):
        obj = make(cells)
        if obj is not None:
            out.append((cells.row, obj))
    return out


def _updates(v: _Validator) -> Rows[Update]:
    v.unique_ids("updates")
    rows = _collect(
        v,
        "updates",
        lambda c: _build(
            Update,
            id=c.get("id", required=True),
            date=c.get("date", parse_date, required=True),
            label=c.get("label", required=True),
            index=0,
            meeting_date=c.get("meeting_date", parse_date),
            case_number=c.get("case_number"),
            document_number=c.get("document_number"),
            agenda_item=c.get("agenda_item"),
            new_committee=c.get("new_committee", parse_date),
        ),
    )
    for (_, previous), (row, update) in zip(rows, rows[1:], strict=False):
        if update.date <= previous.date:
            v.issues.append(
                Issue(
                    v.raw.label("updates"),
                    row,
                    "date",
                    f"{update.date} er ikke efter {previous.date}, datoen for opdatering {previous.id}: "
                    "opdateringerne skal stå med den ældste først",
                )
            )
    return [(row, replace(u, index=i)) for i, (row, u) in enumerate(rows)]


def _areas(v: _Validator) -> Rows[Area]:
    v.unique_ids("areas")
    return _collect(
        v,
        "areas",
        lambda c: _build(
            Area,
            id=c.get("id", required=True),
            name=c.get("name", required=True),
            aggregation=c.get("aggregation", choice(AGGREGATIONS)),
        ),
    )


def _committees(v: _Validator) -> Rows[Committee]:
    v.unique_ids("committees")
    return _collect(
        v,
        "committees",
        lambda c: _build(
            Committee,
            id=c.get("id", required=True),
            name=c.get("name", required=True),
            chair=c.get("chair"),
            email=c.get("email", parse_emails),
            chair_email=c.get("chair_email", parse_email),
        ),
    )


def _districts(v: _Validator, *, has_map: bool) -> Rows[District]:
    v.unique_ids("districts")
    v.unique_ids("districts", "geo_id")
    return _collect(
        v,
        "districts",
        lambda c: _build(
            District,
            id=c.get("id", required=True),
            name=c.get("name", required=True),
            geo_id=_geo_id(c) if has_map else c.get("geo_id"),
        ),
    )


def _geo_id(cells: _Cells) -> Any:
    value = cells.text("geo_id")
    if value is None:
        cells.issue("geo_id", "skal udfyldes, når barometer.toml har et kort ([map])")
        return BAD
    return value


def _indicators(v: _Validator, refs: _Refs) -> Rows[Indicator]:
    v.unique_ids("indicators")
    has_districts = v.table("districts") is not None or "districts" in v.raw.unreadable
    return _collect(v, "indicators", lambda c: _indicator(c, refs, has_districts=has_districts))


def _indicator(c: _Cells, refs: _Refs, *, has_districts: bool) -> Indicator | None:
    rule = c.get("rule", choice(RULES))
    fields = {
        "baseline_value": c.number("baseline_value"),
        "baseline_period": c.get("baseline_period", parse_period),
        "target_value": c.number("target_value"),
        "target_period": c.get("target_period", parse_period),
    }
    _check_rule_needs(c, rule or "previous", fields)
    districts = c.get("districts", parse_bool)
    if districts is True and not has_districts:
        c.issue("districts", "er ja, men der er ingen districts.csv: skriv nej, eller tilføj districts.csv")
        districts = BAD
    source = c.get("source")
    return _build(
        Indicator,
        id=c.get("id", required=True),
        area=c.get("area", refs.areas.check, required=True),
        name=c.get("name", required=True),
        main=c.get("main", parse_bool, required=True),
        unit=c.get("unit", choice(UNITS), required=True),
        direction=c.get("direction", choice(DIRECTIONS), required=True),
        committee=c.get("committee", refs.committees.check, required=True),
        decimals=c.get("decimals", parse_decimals),
        rule=rule,
        tolerance=c.number("tolerance", non_negative=True),
        source=source,
        districts=districts,
        source_type=c.get("source_type", choice(SOURCE_TYPES)) or default_source_type(source),
        target_text=c.get("target_text"),
        unit_text=c.get("unit_text"),
        **fields,
    )


def _check_rule_needs(c: _Cells, rule: Any, fields: dict[str, Any]) -> None:
    """Baseline/target: required by some rules, and value and period always come as a pair."""
    for prefix, rules in (("baseline", NEEDS_BASELINE), ("target", NEEDS_TARGET)):
        value_col, period_col = f"{prefix}_value", f"{prefix}_period"
        for column, other in ((value_col, period_col), (period_col, value_col)):
            if fields[column] is not None:
                continue
            if rule in rules:
                c.issue(column, f'skal udfyldes, når rule er "{rule}"')
                fields[column] = BAD
            elif fields[other] is not None:
                c.issue(column, f"skal udfyldes, når {other} er udfyldt")
                fields[column] = BAD
    start, end = fields["baseline_period"], fields["target_period"]
    if rule in NEEDS_TARGET and isinstance(start, Period) and isinstance(end, Period) and end <= start:
        c.issue("target_period", f"skal ligge efter baseline_period ({start})")
        fields["target_period"] = BAD


def _measurements(
    v: _Validator, refs: _Refs, updates: Rows[Update], indicators: Rows[Indicator]
) -> Rows[Measurement]:
    dates = {u.id: u.date for _, u in updates}
    has_districts = {i.id: i.districts for _, i in indicators}
    rows = _collect(v, "measurements", lambda c: _measurement(c, refs, dates, has_districts))
    v.unique("measurements", _figure_key, _duplicate_figure)
    return rows


def _figure_key(c: _Cells) -> tuple[str, Period, str | None] | None:
    """(indicator, period, district) of a raw row; None when incomplete (reported elsewhere)."""
    indicator, period = c.text("indicator"), c.text("period")
    try:
        return (indicator, Period.parse(period), c.text("district")) if indicator and period else None
    except ValueError:
        return None


def _duplicate_figure(key: tuple[str, Period, str | None]) -> str:
    indicator, period, district = key
    where = "hele kommunen" if district is None else f"distrikt {district}"
    return f"tallet for indikator {indicator}, periode {period}, {where} står der to gange"


def _measurement(
    c: _Cells, refs: _Refs, dates: dict[str, dt.date], has_districts: dict[str, bool]
) -> Measurement | None:
    """One figure; its update must not be dated before its period begins, and a district figure
    needs an indicator with districts = yes."""
    indicator = c.get("indicator", refs.indicators.check, required=True)
    period = c.get("period", parse_period, required=True)
    update = c.get("update", refs.updates.check, required=True)
    district = c.get("district", refs.districts.check)
    date = dates.get(update) if isinstance(update, str) else None
    if isinstance(period, Period) and date is not None and date < period.first_day:
        c.issue(
            "update",
            f"opdatering {update} er dateret {date}, før perioden {period} begynder ({period.first_day}): "
            "ret perioden eller opdateringen",
        )
        update = BAD
    if isinstance(district, str) and has_districts.get(indicator) is False:
        c.issue("district", f"indikator {indicator} har ikke tal for distrikter (districts = nej): "
                            "lad district stå tom, eller skriv ja i districts for indikatoren")
        district = BAD
    return _build(
        Measurement,
        indicator=indicator,
        period=period,
        value=c.number("value", required=True),
        update=update,
        se=c.number("se", non_negative=True),
        n=c.whole("n"),
        district=district,
    )


def _check_main_indicators(v: _Validator) -> None:
    """Every area needs a main indicator; an unreadable ``main`` cell counts as one (reported already)."""
    if "indicators" in v.raw.unreadable:
        return
    with_main = {
        c.text("area")
        for c in v.rows("indicators")
        if (c.text("main") or "").lower() not in {k for k, val in _BOOLS.items() if not val}
    }
    for c in v.rows("areas"):
        area = c.text("id")
        if area and area not in with_main:
            c.issue(None, f'indsatsområde "{area}" har ingen hovedindikator: skriv ja i main for en af dets '
                          f'indikatorer i {v.raw.label("indicators")}')


def _initiatives(v: _Validator, refs: _Refs) -> Rows[Initiative]:
    v.unique_ids("initiatives")
    return _collect(
        v,
        "initiatives",
        lambda c: _build(
            Initiative,
            id=c.get("id", required=True),
            name=c.get("name", required=True),
            indicator=c.get("indicator", refs.indicators.check, required=True),
            committee=c.get("committee", refs.committees.check),
            status=c.get("status"),
            description=c.get("description"),
        ),
    )


def _overrides(v: _Validator, refs: _Refs) -> Rows[Override]:
    v.unique(
        "overrides",
        lambda c: (c.text("update"), c.text("target")) if c.text("target") else None,
        lambda k: f"tilsidesættelsen for opdatering {k[0]} og {k[1]} står der to gange",
    )
    return _collect(
        v,
        "overrides",
        lambda c: _build(
            Override,
            update=c.get("update", refs.updates.check, required=True),
            target=c.get("target", refs.targets.check, required=True),
            signal=c.get("signal", parse_signal, required=True),
            reason=c.get("reason", required=True),
        ),
    )


def _comments(v: _Validator, refs: _Refs) -> Rows[Comment]:
    return _collect(
        v,
        "comments",
        lambda c: _build(
            Comment,
            update=c.get("update", refs.updates.check, required=True),
            target=c.get("target", refs.targets.check, required=True),
            text=c.get("text", required=True),
        ),
    )


def _decisions(v: _Validator, refs: _Refs) -> Rows[Decision]:
    """The committee's decisions; whether a point exists is checked by ``_check_decision_points``,
    since the at-points depend on the committees and indicators."""
    v.unique(
        "decisions",
        lambda c: (c.text("update"), c.text("point")) if c.text("update") and c.text("point") else None,
        lambda k: f"beslutningen for opdatering {k[0]} og punkt {k[1]} står der to gange",
        "point",
    )

    def point(text: str) -> int:
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f'"{text}" er ikke nummeret på et at-punkt: skriv 1, 2, 3 …')
        return int(text)

    return _collect(
        v,
        "decisions",
        lambda c: _build(
            Decision,
            update=c.get("update", refs.updates.check, required=True),
            point=c.get("point", point, required=True),
            text=c.get("decision", required=True),
            decided_on=c.get("decided_on", parse_date),
        ),
    )


def _check_decision_points(v: _Validator, decisions: Rows[Decision], config: Config | None,
                           committees: Rows[Committee], indicators: Rows[Indicator]) -> None:
    """A point beyond the case's at-points (two without letters, else three) is an error; not
    checked while the committees or indicators have problems, whose rows would be missing."""
    tables = {v.raw.label("committees"), v.raw.label("indicators"), TOML_FILE}
    if config is None or any(issue.file in tables for issue in v.issues):
        return
    points = len(case_points(config, _objects(committees), _objects(indicators)))
    for row, d in decisions:
        if d.point > points:
            v.issues.append(Issue(v.raw.label("decisions"), row, "point",
                                  f"indstillingen har {points} at-punkter, så der er intet punkt {d.point}: "
                                  f"skriv et tal fra 1 til {points}"))


def _objects(rows: Rows[T]) -> tuple[T, ...]:
    return tuple(obj for _, obj in rows)


def _ordered(issues: list[Issue], raw: RawBarometer) -> list[Issue]:
    """Issues grouped by file (in order of first mention), then by row, then by column position."""
    files: dict[str, int] = {}
    for issue in issues:
        files.setdefault(issue.file, len(files))
    positions = {t.file: {c: i for i, c in enumerate(t.columns)} for t in raw.tables.values()}

    def key(issue: Issue) -> tuple[int, int, int]:
        column = -1 if issue.column is None else positions.get(issue.file, {}).get(issue.column, 1 << 30)
        return files[issue.file], issue.row or 0, column

    return sorted(issues, key=key)


def validate(raw: RawBarometer) -> Barometer:
    """The Barometer ``raw`` describes; raises DataValidationError once, listing every problem
    (loading problems first, then barometer.toml, then the tables in dependency order)."""
    v = _Validator(raw, list(raw.issues))
    v.check_columns()
    for name, what in _NOT_EMPTY.items():
        v.not_empty(name, what)
    refs = _refs(v)
    config, map_path = _config(v, refs.committees)
    updates = _updates(v)
    areas = _areas(v)
    committees = _committees(v)
    districts = _districts(v, has_map=_has_map(raw))
    _check_map(v, config, map_path, districts)
    indicators = _indicators(v, refs)
    _check_main_indicators(v)
    measurements = _measurements(v, refs, updates, indicators)
    initiatives, overrides, comments = _initiatives(v, refs), _overrides(v, refs), _comments(v, refs)
    decisions = _decisions(v, refs)
    _check_decision_points(v, decisions, config, committees, indicators)
    if v.issues or config is None:
        raise DataValidationError(_ordered(v.issues, raw))
    inputs = set(raw.input_files) | ({map_path} if map_path else set())
    return Barometer(
        folder=raw.folder,
        config=config,
        updates=_objects(updates),
        areas=_objects(areas),
        committees=_objects(committees),
        indicators=_objects(indicators),
        measurements=_objects(measurements),
        districts=_objects(districts),
        initiatives=_objects(initiatives),
        overrides=_objects(overrides),
        comments=_objects(comments),
        decisions=_objects(decisions),
        map_path=map_path,
        input_files=tuple(sorted(inputs)),
    )
