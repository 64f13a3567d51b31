"""`reportgen backup WORKSPACE --out FILE` and `reportgen restore FILE --to FOLDER` (docs/deploy.md).

A backup is a gzipped tar of the workspace – barometer folders (data, texts, letters), the
workbench's data versions, send logs and finished builds, and every SQLite database (the audit log)
copied by SQLite's online backup API – with ``MANIFEST.json`` last: the SHA-256 and size of every
file. It is consistent while the workbench runs: the workbench makes each change (data files, a
version and the audit entry; a text and its audit entry) holding ``.workbench/change.lock`` shared
(``Workspace.lock``), and the backup copies holding it exclusively, so it sees a change wholly or not
at all. Builds still
running, staging copies, the chart cache and the sessions (a restore logs everybody out) are left out.

A restore unpacks into a fresh folder beside the target, checks every file against the manifest
(nothing missing, nothing extra, no path outside the folder, no links or devices), and only then
renames it into place: a damaged or truncated file is refused and leaves nothing behind.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from .. import __version__
from ..errors import ReportgenError

STATE_DIR = ".workbench"
LOCK_FILE = "change.lock"
MANIFEST = "MANIFEST.json"
FORMAT = "reportgen-backup"
# Under .workbench: left out (rebuilt or not worth keeping) ...
SKIPPED_STATE = ("staging", "cache")
# ... and files never copied: the sessions (secrets of logged-in browsers) and SQLite's side files.
SKIPPED_FILES = ("sessions.sqlite", LOCK_FILE)
SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")


class BackupError(ReportgenError):
    """The backup cannot be made, or a backup file is damaged."""


@contextlib.contextmanager
def change_lock(workspace: Path, *, exclusive: bool) -> Iterator[None]:
    """The workspace's change lock (``fcntl.flock`` on ``.workbench/change.lock``): the workbench
    holds it shared while it applies a change, a backup exclusively while it copies."""
    state = Path(workspace) / STATE_DIR
    state.mkdir(exist_ok=True)
    fd = os.open(state / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _files(root: Path) -> Iterator[Path]:
    """Regular files to back up, sorted; no symlinks, nothing skipped, no build still running."""
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        rel = here.relative_to(root)
        keep = []
        for d in sorted(dirs):
            path = here / d
            if path.is_symlink():
                continue
            if rel == Path(STATE_DIR) and d in SKIPPED_STATE:
                continue
            if rel == Path(STATE_DIR) / "builds" and not _finished_build(path):
                continue
            if d.startswith(".staging-"):
                continue
            keep.append(d)
        dirs[:] = keep
        for name in sorted(names):
            path = here / name
            if path.is_symlink() or not path.is_file():
                continue
            if rel == Path(STATE_DIR) and name in SKIPPED_FILES:
                continue
            if name.endswith(("-wal", "-shm", "-journal")) or name == ".lock":
                continue
            yield path


def _finished_build(folder: Path) -> bool:
    try:
        return json.loads((folder / "build.json").read_text(encoding="utf-8")).get("state") in ("done", "failed")
    except (OSError, ValueError):
        return False


def _sqlite_copy(path: Path) -> bytes:
    """A consistent copy of a live SQLite database by the online backup API."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "copy.sqlite"
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return target.read_bytes()


def _read(path: Path) -> bytes:
    if path.suffix in SQLITE_SUFFIXES:
        with open(path, "rb") as fh:
            if fh.read(16) == b"SQLite format 3\x00":
                return _sqlite_copy(path)
    return path.read_bytes()


def backup(workspace: Path, out: Path) -> dict:
    """Write the backup of ``workspace`` to ``out`` (atomically: a temporary file renamed at the end)
    and return its manifest."""
    root = Path(workspace).resolve()
    if not root.is_dir():
        raise BackupError(f"{workspace}: arbejdsmappen findes ikke")
    if (root / "barometer.toml").is_file():
        raise BackupError(f"{workspace} er en barometermappe: tag sikkerhedskopi af arbejdsmappen over den")
    out = Path(out)
    if out.resolve().is_relative_to(root):
        raise BackupError(f"{out}: sikkerhedskopien må ikke ligge i arbejdsmappen selv")
    with change_lock(root, exclusive=True):
        contents = [(p.relative_to(root).as_posix(), _read(p)) for p in _files(root)]
    manifest = {"format": FORMAT, "version": 1, "reportgen": __version__,
                "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "files": [{"path": name, "size": len(data), "sha256": _sha256(data)} for name, data in contents]}
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            for name, data in [*contents, (MANIFEST, json.dumps(manifest, indent=1).encode("utf-8"))]:
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(data), 0o600, 0
                tar.addfile(info, io.BytesIO(data))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return manifest


def _damaged(why: str) -> BackupError:
    return BackupError(f"sikkerhedskopien er beskadiget eller ufuldstændig: {why}. Intet er gendannet.")


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def read_backup(file: Path) -> tuple[dict, dict[str, bytes]]:
    """The manifest and files of a backup, every file checked against the manifest; BackupError if not."""
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(file, mode="r:gz") as tar:
            for member in tar:
                if not member.isfile() or not _safe_name(member.name) or member.name in files:
                    raise _damaged(f"{member.name} er ikke en almindelig fil i arbejdsmappen")
                handle = tar.extractfile(member)
                files[member.name] = handle.read() if handle else b""
    except FileNotFoundError:
        raise BackupError(f"{file}: filen findes ikke") from None
    except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
        raise _damaged(f"filen kan ikke læses til ende ({err})") from None
    raw = files.pop(MANIFEST, None)
    if raw is None:
        raise _damaged("indholdsfortegnelsen (MANIFEST.json) mangler")
    try:
        manifest = json.loads(raw)
        listed = {f["path"]: f for f in manifest["files"]}
        if manifest.get("format") != FORMAT:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise _damaged("indholdsfortegnelsen kan ikke læses") from None
    missing = sorted(set(listed) - set(files))
    extra = sorted(set(files) - set(listed))
    if missing or extra:
        names = f"filer mangler: {', '.join(missing[:5])}" if missing else f"ukendte filer: {', '.join(extra[:5])}"
        raise _damaged(names)
    for name, data in files.items():
        if len(data) != listed[name]["size"] or _sha256(data) != listed[name]["sha256"]:
            raise _damaged(f"{name} svarer ikke til sin SHA-256 i indholdsfortegnelsen")
    return manifest, files


def restore(file: Path, to: Path) -> dict:
    """Unpack a checked backup into the new folder ``to`` (which must not exist or be empty)."""
    to = Path(to)
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise BackupError(f"{to}: mappen findes allerede og er ikke tom; gendan til en ny mappe")
    manifest, files = read_backup(file)
    to.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{to.name}.restoring-", dir=to.parent))
    try:
        for name, data in files.items():
            target = staging.joinpath(*PurePosixPath(name).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for name in files:
            if name.endswith(SQLITE_SUFFIXES):
                _check_sqlite(staging.joinpath(*PurePosixPath(name).parts), name)
        if to.exists():
            to.rmdir()
        os.replace(staging, to)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _check_sqlite(path: Path, name: str) -> None:
    db = sqlite3.connect(path)
    try:
        ok = db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        ok = False
    finally:
        db.close()
    if not ok:
        raise _damaged(f"databasen {name} er ikke hel")
