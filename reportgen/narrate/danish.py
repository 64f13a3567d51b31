"""Danish number, date and period formats, signal words and plurals: the one place for each."""
from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal as _babel_decimal

from ..inputs.model import Period, Signal

# Danish local time (+0100 in winter, +0200 in summer): the workbench's times, the e-mails' Date.
TIME_ZONE = ZoneInfo("Europe/Copenhagen")

LOCALE = "da_DK"

MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
          "oktober", "november", "december")

SIGNAL_WORD: dict[str, str] = {"green": "grøn", "yellow": "gul", "red": "rød", "grey": "grå"}
# The neuter form, for "signalet er grønt"; the seed writes "Tryghed (grønt)".
SIGNAL_WORD_NEUTER: dict[str, str] = {"green": "grønt", "yellow": "gult", "red": "rødt", "grey": "gråt"}
SIGNAL_MEANING: dict[str, str] = {
    "green": "fremskridt", "yellow": "stilstand", "red": "tilbagegang", "grey": "kan ikke vurderes",
}


MINUS = "\u2212"  # the minus sign of every negative number we print: "−3,0", never the hyphen "-3,0"
# "pct.-point" with a word joiner (U+2060, no glyph, not extracted by pdftotext) after the hyphen: a narrow
# table column wraps "−3,0" / "pct.-point", never "−3,0 pct.-" / "point".
PCT_POINT = "pct.-\u2060point"


def number(value: float | int, decimals: int = 1) -> str:
    """``4793`` -> ``4.793``; ``3.0`` -> ``3,0``; ``-0.8`` -> ``−0,8`` (U+2212, not a hyphen).
    Rounds half away from zero."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"cannot format {value!r} as a Danish number")
    rounded = round_half_away(value, decimals)
    if rounded == 0:
        rounded = 0.0  # no "-0,0"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    # Babel writes the Danish locale's minus as a hyphen-minus; typeset it as a minus sign.
    return _babel_decimal(rounded, format=pattern, locale=LOCALE).replace("-", MINUS)


def signed(value: float | int, decimals: int = 1) -> str:
    """``+3,0``, ``−3,0``, ``0,0``: a difference whose sign says the direction."""
    text = number(value, decimals)
    return text if text.startswith(MINUS) or round_half_away(value, decimals) == 0 else "+" + text


def round_half_away(value: float, decimals: int) -> float:
    """Round as people do (2,25 -> 2,3), not banker's rounding, stable against binary noise."""
    factor = 10 ** decimals
    scaled = abs(value) * factor
    r = math.floor(scaled + 0.5 + 1e-9) / factor
    return math.copysign(r, value) if r else 0.0


def unit_suffix(unit: str) -> str:
    """The unit after a level: ``59,3 procent``; counts and values stand alone."""
    return " procent" if unit == "percent" else ""


def level(value: float, unit: str, decimals: int, label: str | None = None) -> str:
    """A level in running text: ``59,3 procent``, ``4.793``, ``0,78``; a count with its ``label``
    (the indicator's unit_text): ``2 boligområder``. A value's level stands bare, as the seed
    writes it ("karaktergabet var 0,78")."""
    text = number(value, 0 if unit == "count" else decimals)
    if unit == "count" and label:
        return f"{text} {unit_word(label, value)}"
    return text + unit_suffix(unit)


def unit_word(label: str, amount: float) -> str:
    """``boligområde|boligområder`` -> the singular for an amount of one, else the plural; a label
    without ``|`` (``karakterpoint``) is both."""
    singular, _, plural_form = label.partition("|")
    return singular.strip() if abs(amount) == 1 or not plural_form else plural_form.strip()


def change_amount(change: float, unit: str, decimals: int, label: str | None = None) -> str:
    """The size of a change, without sign: ``3,0 procentpoint``, ``1.874``, ``0,31``; with the
    indicator's ``label`` (unit_text) for a value or count: ``0,54 karakterpoint``, ``3 boligområder``."""
    text = number(abs(change), 0 if unit == "count" else decimals)
    if unit == "percent":
        return f"{text} procentpoint"
    return f"{text} {unit_word(label, round_half_away(abs(change), decimals))}" if label else text


def signed_change(change: float, unit: str, decimals: int, *, short: bool = False) -> str:
    """A change with its sign: ``−3,0 procentpoint`` (``−3,0 pct.-point`` when short), ``+223``."""
    text = signed(change, 0 if unit == "count" else decimals)
    return text + ((f" {PCT_POINT}" if short else " procentpoint") if unit == "percent" else "")


def date(d: dt.date) -> str:
    """``3. december 2009``."""
    return _babel_date(d, "d. MMMM y", locale=LOCALE)


def period(p: Period) -> str:
    """``februar 2009`` for a month, ``2009`` for a year."""
    return str(p.year) if p.is_year else f"{MONTHS[p.month - 1]} {p.year}"


def period_short(p: Period) -> str:
    """``feb. 2009`` / ``2009``: for table cells and chart axes."""
    if p.is_year:
        return str(p.year)
    name = MONTHS[p.month - 1]
    return f"{name if len(name) <= 4 else name[:3] + '.'} {p.year}"


def plural(n: int, singular: str, plural_form: str) -> str:
    """``1 indikator``, ``2 indikatorer`` (numbers under 1.000 need no separator)."""
    return f"{number(n, 0)} {singular if n == 1 else plural_form}"


# Nouns of neuter gender the texts count ("ét indsatsområde"); any other noun takes "én".
_NEUTER = ("område", "initiativ", "udvalg", "tal", "år", "barometer", "projekt", "signal", "mål")


def count(n: int, singular: str, plural_form: str) -> str:
    """``én indikator``, ``ét indsatsområde``, ``seks indsatsområder``, ``33 indikatorer``: a count in
    running text (words to twelve, the gender of ``én``/``ét`` from the noun)."""
    neuter = singular.split(" ")[-1].lower().endswith(_NEUTER)
    return f"{number_word(n, neuter=neuter)} {singular if n == 1 else plural_form}"


def signal_word(signal: Signal | str, *, neuter: bool = False) -> str:
    """``rød``/``gul``/``grøn``/``grå`` (``rødt`` … with neuter=True)."""
    return (SIGNAL_WORD_NEUTER if neuter else SIGNAL_WORD)[signal]


def definite_plural(word: str) -> str:
    """``bydele`` -> ``bydelene``, ``kommuner`` -> ``kommunerne`` (plurals in -e and -er)."""
    return word + "ne"


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def genitive(name: str) -> str:
    """``Beskæftigelses- og Integrationsudvalget`` -> ``…udvalgets``; ``Aarhus`` -> ``Aarhus'``."""
    name = name.strip()
    if not name:
        return name
    return name + ("'" if name[-1].lower() in "sxz" else "s")


def join_list(items: list[str]) -> str:
    """``a, b og c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]


def sort_key(text: str) -> tuple:
    """Danish alphabetical order: æ, ø, å after z (aa counts as å is not applied to names)."""
    order = {"æ": "{", "ø": "|", "å": "}", "Æ": "{", "Ø": "|", "Å": "}"}
    return tuple(order.get(ch, ch.lower()) for ch in text)


_NUMBER_WORDS = ("nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve", "tolv")


def number_word(n: int, *, neuter: bool = False) -> str:
    """Small counts in words as in running text (``tre indsatsområder``); 13 and up as digits."""
    if n == 1:
        return "ét" if neuter else "én"
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else number(n, 0)


def month_year(d: dt.date) -> str:
    """``maj 2009``: how an update is named in running text ("opdateringen i maj 2009")."""
    return f"{MONTHS[d.month - 1]} {d.year}"


def period_span(start: Period, end: Period) -> str:
    """``fra februar 2009 til august 2009``, ``fra 2008 til 2009``."""
    return f"fra {period(start)} til {period(end)}"


# Last parts of words that join with -s- in compounds (beskæftigelse-s-området, sundhed-s-området).
_S_JOINT = ("else", "hed", "tion", "ing", "dom", "skab", "tid")


def _compound_stem(word: str) -> str:
    word = word.lower()
    return word + "s" if word.endswith(_S_JOINT) else word


def area_domain(name: str) -> str:
    """``Beskæftigelse`` -> ``beskæftigelsesområdet``; ``Kultur og fritid`` -> ``kultur- og fritidsområdet``.

    Names that are not one word or "X og Y" stay as they are: ``indsatsområdet Ældre borgere``.
    """
    words = name.split()
    if len(words) == 1:
        return _compound_stem(words[0]) + "området"
    if len(words) == 3 and words[1] == "og":
        return f"{words[0].lower()}- og {_compound_stem(words[2])}området"
    return f"indsatsområdet {name}"


def sentence(text: str) -> str:
    """End a free text (a comment, an override reason) with a full stop if it has none."""
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


# Short status codes an administration types into initiatives.csv, as running text says them.
_STATUS_WORDS = {
    "igang": "igangværende", "i gang": "igangværende", "igangsat": "igangværende", "aktiv": "igangværende",
    "ongoing": "igangværende", "active": "igangværende",
    "planlagt": "planlagt", "planned": "planlagt", "plan": "planlagt",
    "afsluttet": "afsluttet", "slut": "afsluttet", "done": "afsluttet", "completed": "afsluttet",
    "ide": "på idéstadiet", "idé": "på idéstadiet", "idea": "på idéstadiet",
    "pause": "sat i bero", "paused": "sat i bero", "bero": "sat i bero",
}


def status_word(status: str) -> str:
    """An initiative's status in running text: ``igang`` -> ``igangværende``; a word already
    Danish (``Igangværende``) in lower case."""
    text = status.strip()
    return _STATUS_WORDS.get(text.lower(), text.lower())
