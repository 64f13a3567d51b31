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

    def events(self, barometer: str | None = None, *, limit: int = 500, kind: str | None = None,
               without: str | None = None) -> list[Event]:
        """Newest first; of one barometer or all (``""``: the workspace's own, such as logins). ``kind``
        keeps the actions ``kind`` and ``kind-…``; ``without`` leaves those out."""
        where, args = [], []
        if barometer is not None:
            where.append("barometer = ?")
            args.append(barometer)
        if kind:
            where.append("(action = ? OR substr(action, 1, ?) = ?)")
            args += [kind, len(kind) + 1, kind + "-"]
        if without:
            where.append("NOT (action = ? OR substr(action, 1, ?) = ?)")
            args += [without, len(without) + 1, without + "-"]
        sql = "SELECT * FROM events" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?"
        db = self._connect()
        try:
            rows = db.execute(sql, (*args, limit)).fetchall()
        finally:
            db.close()
        return [Event(*row) for row in rows]
