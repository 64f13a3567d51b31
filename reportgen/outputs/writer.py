"""The only code that writes under the output folder: staged, locked, atomic, recorded."""
from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildLockedError, ReportgenError
from ..names import safe_stem, slug  # noqa: F401 - re-exported: the writer names files by them

_SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


# Files of ``<out>/<update>/`` that a later step writes and a rebuild carries over: the send log
# must outlive a rebuild, or the letters would go out twice. (The .eml drafts beside it are not
# kept: they would carry the old letters; ``reportgen send`` writes them anew.)
KEEP: tuple[str, ...] = ("mail/sendelog.jsonl",)


@contextlib.contextmanager
def output_lock(out_root: Path):
    """Hold the output folder's lock (the one a build holds) for a step that writes into it."""
    Path(out_root).mkdir(parents=True, exist_ok=True)
    fd = _lock(Path(out_root))
    try:
        yield
    finally:
        _unlock(fd)


def _lock(out_root: Path) -> int:
    fd = os.open(out_root / ".reportgen.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        os.close(fd)
        if err.errno in (errno.EAGAIN, errno.EACCES):
            raise BuildLockedError(
                f"en anden kørsel bygger allerede i {out_root}; vent til den er færdig"
            ) from err
        raise
    return fd


def _unlock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


@dataclass(frozen=True)
class Written:
    """One published output file: path relative to the update folder, SHA-256, size."""

    path: str
    sha256: str
    size: int


class OutputWriter:
    """Writes one update's files into a staging folder beside ``<out>/<update>/`` and swaps it in.

    Used as a context manager: a lock file keeps two builds apart; if anything fails (or the
    process gets SIGINT/SIGTERM) the staging folder is removed and the previous output stays.
    """

    def __init__(self, out_root: Path, update_id: str):
        if not _SAFE_PART.match(update_id):
            raise ReportgenError(f'opdateringen "{update_id}" kan ikke bruges som mappenavn')
        self.out_root = Path(out_root)
        self.target = self.out_root / update_id
        self.staging = self.out_root / f".staging-{update_id}-{os.getpid()}"
        self._files: dict[str, Written] = {}
        self._lock_fd: int | None = None
        self._old_handlers: dict[int, object] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> OutputWriter:
        try:
            self.out_root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ReportgenError(f"kan ikke oprette outputmappen {self.out_root}: {err.strerror}") from err
        self._lock_fd = _lock(self.out_root)
        for sig in (signal.SIGTERM,):
            with contextlib.suppress(ValueError):  # not in the main thread
                self._old_handlers[sig] = signal.signal(sig, _raise_interrupt)
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            for sig, handler in self._old_handlers.items():
                signal.signal(sig, handler)  # type: ignore[arg-type]
            if self._lock_fd is not None:
                _unlock(self._lock_fd)
                self._lock_fd = None

    # -- writing -----------------------------------------------------------------------------
    def write(self, relpath: str, data: bytes) -> Written:
        """Stage ``data`` at ``relpath`` (``bilag2/BUU.pdf``); each part must be a safe name."""
        parts = relpath.split("/")
        if not parts or any(not _SAFE_PART.match(p) for p in parts):
            raise ReportgenError(f'"{relpath}" er ikke et sikkert filnavn')
        if relpath in self._files:
            raise ReportgenError(f"{relpath} ville blive skrevet to gange (to navne giver samme fil)")
        path = self.staging.joinpath(*parts)
        if self.staging.resolve() not in path.resolve().parents:
            raise ReportgenError(f'"{relpath}" peger uden for outputmappen')
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "wb") as fh:  # made durable all at once in publish()
                fh.write(data)
        except OSError as err:
            raise ReportgenError(f"kan ikke skrive {relpath}: {err.strerror}") from err
        record = Written(relpath, hashlib.sha256(data).hexdigest(), len(data))
        self._files[relpath] = record
        return record

    @property
    def written(self) -> tuple[Written, ...]:
        return tuple(sorted(self._files.values(), key=lambda w: w.path))

    def publish(self) -> Path:
        """Swap the staged folder in for ``<out>/<update>/``; the old one is removed only after."""
        _sync_tree(self.staging, [self.staging / w.path for w in self._files.values()])
        old = self.out_root / f".old-{self.target.name}-{os.getpid()}"
        had_old = self.target.exists()
        kept: list[str] = []
        try:
            for name in KEEP:  # same file system: a rename, and back again if the swap fails
                if (self.target / name).is_file() and not (self.staging / name).exists():
                    (self.staging / name).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(self.target / name, self.staging / name)
                    kept.append(name)
            if had_old:
                os.replace(self.target, old)
            os.replace(self.staging, self.target)
        except BaseException:
            if had_old and old.exists():
                os.replace(old, self.target)
            for name in kept:
                os.replace(self.staging / name, self.target / name)
            raise
        fsync_dir(self.out_root)
        if had_old:
            shutil.rmtree(old, ignore_errors=True)
        return self.target


def _raise_interrupt(signum, frame):  # noqa: ARG001 - signal handler signature
    raise KeyboardInterrupt(f"signal {signum}")


def _sync_tree(folder: Path, files: list[Path]) -> None:
    """Make the staged files durable before the rename: one syncfs(2) for the whole file system
    where the C library has it (one call instead of one fsync per file), else fsync each file."""
    libc = _libc()
    if libc is not None and hasattr(libc, "syncfs"):
        fd = os.open(folder, os.O_RDONLY)
        try:
            if libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fsync_dir(folder)


def _libc():
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True)  # the C library this process already has loaded
    except OSError:
        return None


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write one file outside a build (cache entries, ``init``): temp file, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
