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
(nothing missing, nothing extra, no path outside the folder, no links or devices, every database
whole), and only then renames it into place: a damaged or truncated file is refused and leaves nothing behind.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
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


def _sqlite_copy(path: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database by the online backup API."""
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _copy(path: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix in SQLITE_SUFFIXES:
        with open(path, "rb") as fh:
            if fh.read(16) == b"SQLite format 3\x00":
                return _sqlite_copy(path, target)
    shutil.copyfile(path, target)


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup(workspace: Path, out: Path) -> dict:
    """Write the backup of ``workspace`` to ``out`` (atomically: a temporary file renamed at the end)
    and return its manifest. Files are copied to a folder beside ``out`` first (not into memory)."""
    root = Path(workspace).resolve()
    if not root.is_dir():
        raise BackupError(f"{workspace}: arbejdsmappen findes ikke")
    if (root / "barometer.toml").is_file():
        raise BackupError(f"{workspace} er en barometermappe: tag sikkerhedskopi af arbejdsmappen over den")
    out = Path(out)
    if out.resolve().is_relative_to(root):
        raise BackupError(f"{out}: sikkerhedskopien må ikke ligge i arbejdsmappen selv")
    out.parent.mkdir(parents=True, exist_ok=True)
    builds = Path(STATE_DIR) / "builds"
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        copies = Path(tmp) / "copy"
        with change_lock(root, exclusive=True):
            names = [p.relative_to(root) for p in _files(root)]  # builds: those finished by now
            for rel in names:
                if not rel.is_relative_to(builds):
                    _copy(root / rel, copies / rel)
        for rel in names:  # a finished build no longer changes: copied without holding up the workbench
            if rel.is_relative_to(builds):
                _copy(root / rel, copies / rel)
        manifest = {"format": FORMAT, "version": 1, "reportgen": __version__,
                    "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "files": [{"path": rel.as_posix(), "size": (copies / rel).stat().st_size,
                               "sha256": _hash_file(copies / rel)} for rel in names]}
        packed = Path(tmp) / "backup.tar.gz"
        with tarfile.open(packed, mode="w:gz") as tar:
            for rel in names:
                tar.add(copies / rel, arcname=rel.as_posix(), recursive=False, filter=_plain)
            data = json.dumps(manifest, indent=1).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(data), 0o600
            tar.addfile(info, io.BytesIO(data))
        os.chmod(packed, 0o600)  # the municipality's data and the audit log: for the owner only
        with open(packed, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(packed, out)
    return manifest


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _damaged(why: str) -> BackupError:
    return BackupError(f"sikkerhedskopien er beskadiget eller ufuldstændig: {why}. Intet er gendannet.")


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _unpack(file: Path, into: Path) -> dict:
    """Unpack a backup into the empty folder ``into``, checking every file against the manifest;
    the manifest, or BackupError."""
    found: dict[str, tuple[int, str]] = {}
    manifest_data = None
    try:
        with tarfile.open(file, mode="r:gz") as tar:
            for member in tar:
                if not member.isfile() or not _safe_name(member.name) or member.name in found:
                    raise _damaged(f"{member.name} er ikke en almindelig fil i arbejdsmappen")
                handle = tar.extractfile(member)
                if member.name == MANIFEST:
                    manifest_data = handle.read(50_000_000)
                    continue
                target = into.joinpath(*PurePosixPath(member.name).parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest, size = hashlib.sha256(), 0
                with open(target, "wb") as fh:
                    for chunk in iter(functools.partial(handle.read, 1 << 20), b""):
                        digest.update(chunk)
                        size += len(chunk)
                        fh.write(chunk)
                found[member.name] = (size, digest.hexdigest())
    except FileNotFoundError:
        raise BackupError(f"{file}: filen findes ikke") from None
    except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
        raise _damaged(f"filen kan ikke læses til ende ({err})") from None
    if manifest_data is None:
        raise _damaged("indholdsfortegnelsen (MANIFEST.json) mangler")
    try:
        manifest = json.loads(manifest_data)
        listed = {f["path"]: (f["size"], f["sha256"]) for f in manifest["files"]}
        if manifest.get("format") != FORMAT:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise _damaged("indholdsfortegnelsen kan ikke læses") from None
    missing = sorted(set(listed) - set(found))
    extra = sorted(set(found) - set(listed))
    if missing or extra:
        names = f"filer mangler: {', '.join(missing[:5])}" if missing else f"ukendte filer: {', '.join(extra[:5])}"
        raise _damaged(names)
    for name, got in found.items():
        if got != listed[name]:
            raise _damaged(f"{name} svarer ikke til sin SHA-256 i indholdsfortegnelsen")
    return manifest


def restore(file: Path, to: Path) -> dict:
    """Unpack a checked backup into the new folder ``to`` (which must not exist or be empty)."""
    to = Path(to)
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise BackupError(f"{to}: mappen findes allerede og er ikke tom; gendan til en ny mappe")
    to.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{to.name}.restoring-", dir=to.parent))
    try:
        manifest = _unpack(Path(file), staging)
        for entry in manifest["files"]:
            if entry["path"].endswith(SQLITE_SUFFIXES):
                _check_sqlite(staging.joinpath(*PurePosixPath(entry["path"]).parts), entry["path"])
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
