"""The audit log: who changed what and when, in SQLite in the workspace (``.workbench/audit.sqlite``)."""
from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    barometer TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    before TEXT,
    after TEXT
)
"""


@dataclass(frozen=True)
class Event:
    id: int
    at: str
    who: str
    barometer: str
    action: str
    detail: str
    before: str | None
    after: str | None


class AuditLog:
    """Append-only: the workbench records, never updates or deletes."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def record(self, *, who: str, barometer: str, action: str, detail: str = "", before: str | None = None,
               after: str | None = None) -> None:
        at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._lock:
            db = self._connect()
            try:
                with db:
                    db.execute("INSERT INTO events (at, who, barometer, action, detail, before, after) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)", (at, who, barometer, action, detail, before, after))
            finally:
                db.close()

    def events(self, barometer: str | None = None, *, limit: int = 500) -> list[Event]:
        """Newest first; of one barometer or all."""
        db = self._connect()
        try:
            if barometer is None:
                rows = db.execute("SELECT * FROM events ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
            else:
                rows = db.execute("SELECT * FROM events WHERE barometer = ? ORDER BY id DESC LIMIT ?",
                                  (barometer, limit)).fetchall()
        finally:
            db.close()
        return [Event(*row) for row in rows]
