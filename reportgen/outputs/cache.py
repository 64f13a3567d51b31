"""Content-addressed cache of rendered bytes, so a rebuild re-renders only what changed."""
from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path

from .writer import atomic_write


def fingerprint(*parts: object) -> str:
    """A stable SHA-256 of frozen dataclasses, strings, bytes and numbers (pickled, not hashed by id)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(pickle.dumps(part, protocol=5))
    return h.hexdigest()


def tree_fingerprint(folders: Iterable[Path]) -> str:
    """Hash of every file below ``folders`` (templates, fonts): editing a template invalidates."""
    h = hashlib.sha256()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(path.relative_to(folder).as_posix().encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


class RenderCache:
    """``get_or_make(key, suffix, make)``: bytes from ``<dir>/<key><suffix>`` or from ``make()``.

    ``dir=None`` disables caching. Counts hits and misses for the build summary and tests.
    """

    def __init__(self, directory: Path | None):
        self.directory = directory
        self.hits = 0
        self.misses = 0

    def get_or_make(self, key: str, suffix: str, make: Callable[[], bytes]) -> bytes:
        data = self.lookup(key, suffix)
        if data is None:
            data = make()
            self.store(key, suffix, data)
        return data

    def lookup(self, key: str, suffix: str) -> bytes | None:
        """The cached bytes, or None (counted as a miss: the caller will make and store them)."""
        if self.directory is not None:
            path = self.directory / f"{key}{suffix}"
            if path.is_file():
                self.hits += 1
                return path.read_bytes()
        self.misses += 1
        return None

    def store(self, key: str, suffix: str, data: bytes) -> None:
        if self.directory is not None:
            atomic_write(self.directory / f"{key}{suffix}", data)
