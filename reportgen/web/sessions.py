"""Server-side sessions in the workspace's SQLite (``.workbench/sessions.sqlite``, beside the audit
log), so a restart of the workbench logs nobody out (docs/security.md, workbench promise 16).

Only a SHA-256 of each session id is stored: the file holds nothing a browser could present. A
session ends at logout (the row is deleted at once), after ``idle`` seconds without a request, and
``absolute`` seconds after login whatever happens."""
from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

IDLE_SECONDS = 2 * 3600
ABSOLUTE_SECONDS = 12 * 3600
_TOUCH_EVERY = 30  # seconds: last-seen is written at most this often per session

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    sid_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    via TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created REAL NOT NULL,
    seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class StoredSession:
    sid_hash: str
    user: str
    role: str
    via: str  # "token", "password", "oidc"
    csrf: str
    created: float
    seen: float


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


class SessionStore:
    """Sessions in one SQLite file; ``path=None`` keeps them in memory (one process, tests)."""

    def __init__(self, path: Path | None, *, idle: float = IDLE_SECONDS, absolute: float = ABSOLUTE_SECONDS,
                 clock: Callable[[], float] = time.time):
        self.path, self.idle, self.absolute, self.clock = path, idle, absolute, clock
        self._lock = threading.Lock()
        self._memory: sqlite3.Connection | None = None
        if path is None:
            self._memory = sqlite3.connect(":memory:", check_same_thread=False)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # readable by the service only
        with self._lock:
            db = self._connect()
            try:
                db.executescript(_SCHEMA)
                db.commit()
            finally:
                self._close(db)

    def _connect(self) -> sqlite3.Connection:
        if self._memory is not None:
            return self._memory
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def _close(self, db: sqlite3.Connection) -> None:
        if db is not self._memory:
            db.close()

    def _run(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            db = self._connect()
            try:
                with db:
                    return db.execute(sql, args).fetchall()
            finally:
                self._close(db)

    def create(self, *, user: str, role: str, via: str) -> tuple[str, StoredSession]:
        """A new session: its id (for the cookie, never stored) and what is stored."""
        sid = secrets.token_urlsafe(32)
        now = self.clock()
        stored = StoredSession(_hash(sid), user, role, via, secrets.token_urlsafe(32), now, now)
        self._run("DELETE FROM sessions WHERE seen < ? OR created < ?", (now - self.idle, now - self.absolute))
        self._run("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
                  (stored.sid_hash, user, role, via, stored.csrf, now, now))
        return sid, stored

    def get(self, sid: str | None) -> StoredSession | None:
        """The live session for ``sid`` (its idle clock restarts), or None. The lookup is by SHA-256 of
        the id, so its timing says nothing about the id itself."""
        if not sid:
            return None
        key = _hash(sid)
        rows = self._run("SELECT * FROM sessions WHERE sid_hash = ?", (key,))
        if not rows:
            return None
        stored = StoredSession(*rows[0])
        now = self.clock()
        if now - stored.seen > self.idle or now - stored.created > self.absolute:
            self.end(sid)
            return None
        if now - stored.seen > _TOUCH_EVERY:
            self._run("UPDATE sessions SET seen = ? WHERE sid_hash = ?", (now, key))
        return stored

    def end(self, sid: str | None) -> None:
        if sid:
            self._run("DELETE FROM sessions WHERE sid_hash = ?", (_hash(sid),))

    def count(self) -> int:
        return self._run("SELECT COUNT(*) FROM sessions")[0][0]

    def secret(self, name: str) -> str:
        """A random secret kept with the sessions (made on first use), e.g. for header-login CSRF tokens."""
        value = secrets.token_urlsafe(32)
        self._run("INSERT OR IGNORE INTO secrets VALUES (?, ?)", (name, value))
        return self._run("SELECT value FROM secrets WHERE name = ?", (name,))[0][0]
