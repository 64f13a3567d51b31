"""How the workbench words times and people for the administrator: Danish local time
(Europe/Copenhagen, summer and winter time), never a bare UTC stamp."""
from __future__ import annotations

import datetime as dt

from ..narrate import danish as da


def local(stamp: str | None) -> dt.datetime | None:
    """A stored UTC stamp (``2009-12-03T08:15:00Z``) as an aware datetime in Danish local time."""
    if not stamp:
        return None
    try:
        when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(da.TIME_ZONE)


def da_time(stamp: str | None) -> str:
    """``2009-12-03T08:15:00Z`` -> ``3. december 2009 kl. 09.15`` (Danish local time)."""
    when = local(stamp)
    if when is None:
        return stamp or ""
    return f"{da.date(when.date())} kl. {when:%H.%M}"


def iso_local(stamp: str | None) -> str | None:
    """ISO 8601 with the Danish offset: ``2009-12-03T09:15:00+01:00``."""
    when = local(stamp)
    return when.isoformat() if when is not None else stamp


def who(name: str) -> str:
    return "administrator (nøgle)" if name == "token" else name


def update_label(ws, barometer_id: str, update_id: str | None) -> str:
    """``2009-06`` -> ``juni 2009`` (the update's label in running text); the id itself where the
    barometer or the update cannot be read."""
    if not update_id:
        return ""
    try:
        return ws.barometer(barometer_id).update(update_id).label.lower()
    except Exception:  # noqa: BLE001 - an invalid folder or a removed update: the id is still true
        return update_id
