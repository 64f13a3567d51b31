"""``GET /api/health``: is the workbench ready to serve (docs/deploy.md)?"""
from __future__ import annotations

import sqlite3

from .workspace import Workspace


def readiness(ws: Workspace) -> dict[str, str]:
    checks = {"workspace": "ok", "audit": "ok"}
    try:
        ws.barometer_ids()
    except OSError:
        checks["workspace"] = "fejl: arbejdsmappen kan ikke læses"
    try:
        db = sqlite3.connect(ws.audit.path, timeout=2)
        try:
            db.execute("BEGIN IMMEDIATE")  # takes the write lock: the file and its folder are writable
            db.execute("SELECT COUNT(*) FROM events").fetchone()
            db.rollback()
        finally:
            db.close()
    except sqlite3.Error:
        checks["audit"] = "fejl: revisionsloggen kan ikke skrives"
    return checks
