"""File names from data: the one rule for turning a name or an id into a safe file stem."""
from __future__ import annotations

import re
import unicodedata

from .errors import ReportgenError

_TRANSLIT = {"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"}


def slug(text: str) -> str:
    """A file-name-safe stem: ``Børne- og Ungdomsudvalget`` -> ``boerne-og-ungdomsudvalget``."""
    text = "".join(_TRANSLIT.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def safe_stem(identifier: str) -> str:
    """A stem for an id from data (``BUU`` stays ``BUU``, ``Ø/U`` -> ``Oe-U``); never empty."""
    text = "".join(_TRANSLIT.get(ch, ch) for ch in identifier)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")
    if not stem:
        raise ReportgenError(f'"{identifier}" kan ikke bruges som filnavn')
    return stem
