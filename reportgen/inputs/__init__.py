"""Reading a barometer folder: located rows (load), the checked frozen model (validate, model), district maps (geo)."""
from __future__ import annotations

from pathlib import Path

from ..errors import DataValidationError, ReportgenError
from .model import Barometer


def read_barometer(folder: Path) -> Barometer:
    """Load and validate a barometer folder; raises DataValidationError listing every problem."""
    from . import load, validate

    raw = load.load_folder(Path(folder))
    try:
        return validate.validate(raw)
    except DataValidationError as err:
        err.raw = raw  # what the issues were found in, so callers can show cells without reading again
        raise


def resolve_update(barometer: Barometer, update_id: str | None) -> str:
    if update_id is None:
        return barometer.latest_update.id
    if update_id not in {u.id for u in barometer.updates}:
        known = ", ".join(u.id for u in barometer.updates)
        raise ReportgenError(f'opdateringen "{update_id}" findes ikke i updates.csv (kendte: {known})')
    return update_id
