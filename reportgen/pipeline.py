"""The only place that knows stage order: load -> validate -> assess -> narrate -> charts -> documents
-> render -> write."""
from __future__ import annotations

from pathlib import Path

from .model import Barometer


def read_barometer(folder: Path) -> Barometer:
    """Load and validate a barometer folder; raises DataValidationError listing every problem."""
    from . import load, validate

    raw = load.load_folder(Path(folder))
    return validate.validate(raw)
