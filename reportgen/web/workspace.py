"""The workspace: a folder of barometer folders, and every change the workbench makes to one.

A barometer's id is its folder name, taken only from the listing of the workspace (a request's id
is looked up in that listing, never joined to a path). A change of data (upload, override,
restore) is made in a staging copy first, checked as a whole by the same loader and validator as
``reportgen check``, and applied only when valid; the files it replaces are kept as a version that
one click restores. The workbench's own state lives in ``WORKSPACE/.workbench/``.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import secrets
import shutil
import threading
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .. import PROJECT_DIR
from ..errors import MAX_LISTED, DataValidationError, ReportgenError, more_problems
from ..inputs import read_barometer
from ..inputs.load import TABLES, TOML_FILE, WORKBOOK_FILE
from ..outputs.writer import atomic_write
from ..rounds.backup import change_lock
from .audit import AuditLog

log = logging.getLogger(__name__)

STATE_DIR = ".workbench"
DATA_FILES = frozenset({WORKBOOK_FILE, *(f"{t}.csv" for t in TABLES)})
OVERRIDE_COLUMNS = ("update", "target", "signal", "reason")


class NotFound(ReportgenError):
    """An id in a request that the workspace does not list (404)."""


class Busy(ReportgenError):
    """The barometer is being built or changed (409)."""


@dataclass(frozen=True)
class Problem:
    """One located problem, split for the problem table: file, sheet, row, column, value, message."""

    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    message: str
    text: str  # the CLI's line: ``measurements.csv:3: value: ...``


class Rejected(ReportgenError):
    """A change that would leave the folder invalid; nothing was changed."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.text for p in problems))


@dataclass(frozen=True)
class Version:
    id: str
    when: str
    who: str
    action: str
    files: tuple[str, ...]


KEEP_VERSIONS = 20  # versions kept per barometer (reportgen serve --keep-versions)
VERSIONS_MB = 200  # and at most this many MB of them per barometer (--versions-mb); the newest always stays
UNCHANGED = "Ingen ændringer; der er ikke gemt en ny version"


class Hashes(dict):
    """The SHA-256 of a barometer's data files by name after a change; ``changed`` is False when the
    change was byte-identical to the data already there (then nothing was written or kept)."""

    changed = True


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Workspace:
    """The barometer folders under ``root`` and the workbench's state beside them."""

    def __init__(self, root: Path, *, project_dir: Path = PROJECT_DIR, keep_versions: int = KEEP_VERSIONS,
                 versions_mb: float = VERSIONS_MB):
        self.keep_versions = keep_versions
        self.versions_bytes = int(versions_mb * 1024 * 1024)
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise ReportgenError(f"{root}: arbejdsmappen findes ikke")
        self.project_dir = project_dir
        self.state = self.root / STATE_DIR
        for sub in ("builds", "versions", "staging", "cache"):
            (self.state / sub).mkdir(parents=True, exist_ok=True)
        self.audit = AuditLog(self.state / "audit.sqlite")
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.busy: set[str] = set()  # barometers with a running build (set by the build manager)
        self._derived: dict[tuple[str, str], tuple[tuple, object]] = {}

    def derived(self, barometer_id: str, what: str, compute):
        """``compute(barometer)`` for the folder as it is now, cached until one of its files changes
        (files are replaced atomically, so a change always gives a new size or mtime)."""
        folder = self.folder(barometer_id)
        key = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.iterdir()) if p.is_file())
        with self._guard:
            hit = self._derived.get((barometer_id, what))
        if hit is not None and hit[0] == key:
            if isinstance(hit[1], DataValidationError):
                raise _again(hit[1])
            return hit[1]
        try:
            value = compute(self.barometer(barometer_id)) if what != "barometer" else read_barometer(folder)
        except DataValidationError as err:
            if what != "barometer":
                raise
            value = err  # an invalid folder is remembered too: its page does not read it again
        with self._guard:
            self._derived[(barometer_id, what)] = (key, value)
        if isinstance(value, DataValidationError):
            raise _again(value)
        return value

    def barometer(self, barometer_id: str):
        """The validated barometer (DataValidationError if the folder is invalid), cached."""
        return self.derived(barometer_id, "barometer", None)

    def info(self, barometer_id: str) -> dict[str, str]:
        """Id, title and municipality from barometer.toml, without validating the folder."""
        import tomllib

        folder = self.folder(barometer_id)
        try:
            data = tomllib.loads((folder / TOML_FILE).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = {}
        title = data.get("title") if isinstance(data.get("title"), str) else barometer_id
        town = data.get("municipality") if isinstance(data.get("municipality"), str) else ""
        return {"id": barometer_id, "name": f"{title} – {town}" if town else title, "title": title,
                "municipality": town}

    # -- listing ------------------------------------------------------------------------------------
    def barometer_ids(self) -> list[str]:
        """Folder names under the root that hold a barometer.toml (no hidden folders, no symlinks)."""
        return sorted(p.name for p in self.root.iterdir()
                      if not p.name.startswith(".") and p.is_dir() and not p.is_symlink()
                      and (p / TOML_FILE).is_file())

    def folder(self, barometer_id: str) -> Path:
        """The folder of a listed barometer; NotFound for anything else (the id is never joined raw)."""
        for name in self.barometer_ids():
            if name == barometer_id:
                return self.root / name
        raise NotFound(f'barometret "{barometer_id}" findes ikke i arbejdsmappen')

    @contextmanager
    def lock(self, barometer_id: str):
        """One change at a time per barometer, and none while it is being built."""
        with self._guard:
            lock = self._locks.setdefault(barometer_id, threading.Lock())
        if barometer_id in self.busy or not lock.acquire(blocking=False):
            raise Busy("barometrets dokumenter dannes, eller dets data ændres lige nu; prøv igen om lidt")
        try:
            if barometer_id in self.busy:
                raise Busy("barometrets dokumenter dannes lige nu; prøv igen, når de er færdige")
            with change_lock(self.root, exclusive=False):  # a backup sees a change wholly or not at all
                yield
        finally:
            lock.release()

    @contextmanager
    def staging(self, barometer_id: str):
        """A throw-away copy of the barometer folder, named like it (so messages name it the same)."""
        base = self.state / "staging" / secrets.token_hex(8)
        copy = base / barometer_id
        try:
            shutil.copytree(self.folder(barometer_id), copy, symlinks=True)
            yield copy
        finally:
            shutil.rmtree(base, ignore_errors=True)

    @contextmanager
    def checked_copy(self, barometer_id: str, writes: Mapping[str, bytes], removes: set[str]):
        """The barometer folder with ``writes`` and without ``removes`` in a staging copy, read once
        and validated: yields ``(raw, barometer)``; Rejected with every problem (the problem table is
        made from the same read) if invalid. Nothing in the real folder changes."""
        from ..inputs import load, validate

        with self.staging(barometer_id) as copy:
            for name in removes:
                (copy / name).unlink(missing_ok=True)
            for name, data in writes.items():
                atomic_write(copy / name, data)
            raw = load.load_folder(copy)
            try:
                barometer = validate.validate(raw)
            except DataValidationError as err:
                raise Rejected(problems(raw, err.issues)) from None
            yield raw, barometer

    # -- data -----------------------------------------------------------------------------------------
    def data_files(self, barometer_id: str) -> dict[str, bytes]:
        folder = self.folder(barometer_id)
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
                if p.name in DATA_FILES and p.is_file() and not p.is_symlink()}

    def upload(self, barometer_id: str, files: Mapping[str, bytes], *, who: str) -> Hashes:
        """Replace tables by uploaded files: one barometer.xlsx, or CSV files named as in the contract.

        The whole folder is checked in a staging copy first; Rejected (nothing changed) if invalid.
        Returns the new files' SHA-256 by name."""
        writes, removes = self.plan_upload(files)
        return self._change(barometer_id, writes, removes, who=who, action="data")

    def plan_upload(self, files: Mapping[str, bytes]) -> tuple[dict[str, bytes], set[str]]:
        """The files an upload writes and removes (Rejected for a wrong name or mix); nothing changes."""
        files = {Path(n).name.lower(): data for n, data in files.items()}  # Excel on Windows: "Areas.CSV"
        names = list(files)
        problems = [Problem(n, "", None, "", "", "filnavnet skal være barometer.xlsx eller en af "
                            + ", ".join(sorted(f"{t}.csv" for t in TABLES)), f"{n}: ukendt filnavn")
                    for n in names if n not in DATA_FILES]
        if not files:
            problems.append(Problem("", "", None, "", "", "vælg mindst én fil", "ingen fil valgt"))
        elif WORKBOOK_FILE in names and len(names) > 1:
            problems.append(Problem(WORKBOOK_FILE, "", None, "", "", "send enten én barometer.xlsx eller CSV-filer",
                                    "barometer.xlsx sammen med andre filer"))
        if problems:
            raise Rejected(problems)
        writes = dict(files)
        removes: set[str] = set()
        if WORKBOOK_FILE in writes:  # the workbook's sheets replace the CSV files of the same tables
            removes = {f"{s}.csv" for s in _sheet_names(writes[WORKBOOK_FILE])} & DATA_FILES
        return writes, removes

    def set_override(self, barometer_id: str, *, update: str, target: str, signal: str, reason: str,
                     who: str, computed: str | None = None) -> dict[str, str]:
        """Add (or replace) the override of ``target`` at ``update`` in overrides.csv, checked as a whole.
        ``computed``: the colour the rules give, kept in the audit so the history can say it."""
        with self.lock(barometer_id):  # read and write overrides.csv under one lock: no lost update
            return self._set_override(barometer_id, update=update, target=target, signal=signal, reason=reason,
                                      who=who, computed=computed)

    def remove_override(self, barometer_id: str, *, update: str, target: str, who: str,
                        computed: str | None = None) -> dict[str, str]:
        """Remove the override of ``target`` at ``update``; NotFound if there is none."""
        with self.lock(barometer_id):
            return self._set_override(barometer_id, update=update, target=target, signal="", reason="", who=who,
                                      computed=computed, remove=True)

    def _set_override(self, barometer_id: str, *, update: str, target: str, signal: str, reason: str,
                      who: str, computed: str | None = None, remove: bool = False) -> dict[str, str]:
        from ..inputs.load import load_folder

        folder = self.folder(barometer_id)
        raw = load_folder(folder)
        table = raw.tables.get("overrides")
        if table is not None and not table.file.endswith(".csv"):
            raise Rejected([Problem(WORKBOOK_FILE, "overrides", None, "", "", "tilsidesættelserne står i "
                                    "barometer.xlsx; ret dem dér og send projektmappen",
                                    "overrides i barometer.xlsx")])
        rows = [] if table is None else [tuple(r.cells.get(c, "") for c in OVERRIDE_COLUMNS) for r in table.rows]
        before = [r for r in rows if (r[0], r[1]) == (update, target)]
        rows = [r for r in rows if (r[0], r[1]) != (update, target)]
        if remove and not before:
            raise NotFound(f"{target} har ingen tilsidesat farve i opdateringen {update}")
        if not remove:
            rows.append((update, target, signal, reason.strip()))
        after = {"update": update, "target": target, **({} if remove else {"signal": signal, "reason": reason.strip()}),
                 **({"computed": computed} if computed else {})}
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(OVERRIDE_COLUMNS)
        writer.writerows(rows)
        hashes = self._change_locked(barometer_id, {"overrides.csv": out.getvalue().encode("utf-8")}, set(),
                                     who=who, action="override-removed" if remove else "override", audit_extra={
                                  "before": json.dumps([dict(zip(OVERRIDE_COLUMNS, r, strict=True)) for r in before],
                                                       ensure_ascii=False),
                                  "after": json.dumps(after, ensure_ascii=False)})
        return hashes

    def versions(self, barometer_id: str) -> list[Version]:
        """Earlier data of a barometer, newest first."""
        self.folder(barometer_id)
        base = self.state / "versions" / barometer_id
        out = []
        for meta in sorted(base.glob("*/version.json"), reverse=True) if base.is_dir() else []:
            info = json.loads(meta.read_text(encoding="utf-8"))
            out.append(Version(meta.parent.name, info["when"], info["who"], info["action"], tuple(info["files"])))
        return out

    def restore(self, barometer_id: str, version_id: str, *, who: str) -> Hashes:
        """Put a kept version back (itself checked and kept, so a restore can be undone)."""
        version = next((v for v in self.versions(barometer_id) if v.id == version_id), None)
        if version is None:
            raise NotFound(f'versionen "{version_id}" findes ikke')
        source = self.state / "versions" / barometer_id / version.id
        writes = {name: (source / name).read_bytes() for name in version.files}
        with self.lock(barometer_id):
            removes = set(self.data_files(barometer_id)) - set(writes)
            return self._change_locked(barometer_id, writes, removes, who=who, action="restore",
                                       audit_extra={"detail": f"version {version.id}"})

    def _change(self, barometer_id: str, writes: Mapping[str, bytes], removes: set[str], *, who: str,
                action: str, audit_extra: Mapping[str, str] | None = None) -> Hashes:
        with self.lock(barometer_id):
            return self._change_locked(barometer_id, writes, removes, who=who, action=action,
                                       audit_extra=audit_extra)

    def _change_locked(self, barometer_id: str, writes: Mapping[str, bytes], removes: set[str], *, who: str,
                       action: str, audit_extra: Mapping[str, str] | None = None) -> Hashes:
        """Check the folder with ``writes`` and without ``removes`` in a staging copy; if valid, keep
        the current data as a version, apply, and record it. The caller holds the barometer's lock.

        A valid change that leaves every data file byte for byte as it is writes nothing, keeps no
        version and is not audited: the result's ``changed`` is False. (It is still checked, so
        sending the files of an invalid folder again lists their problems.)"""
        folder = self.folder(barometer_id)
        with self.checked_copy(barometer_id, writes, removes):
            pass  # valid: Rejected otherwise
        old = self.data_files(barometer_id)
        if all(old.get(n) == d for n, d in writes.items()) and not (set(removes) & set(old)):
            same = Hashes({n: sha256(d) for n, d in old.items()})
            same.changed = False
            return same
        self._keep_version(barometer_id, old, who=who, action=action)
        self._prune_versions(barometer_id, who=who)
        for name in sorted(removes):
            (folder / name).unlink(missing_ok=True)
        for name, data in sorted(writes.items()):
            atomic_write(folder / name, data)
        new = self.data_files(barometer_id)
        changed = sorted(n for n in set(old) | set(new) if old.get(n) != new.get(n))
        detail = {"files": {n: {"before": sha256(old[n]) if n in old else None,
                                "after": sha256(new[n]) if n in new else None} for n in changed}}
        extra = dict(audit_extra or {})
        note = extra.get("detail", "")
        self.audit.record(who=who, barometer=barometer_id, action=action,
                          detail=(note + " " if note else "") + json.dumps(detail, ensure_ascii=False),
                          before=extra.get("before"), after=extra.get("after"))
        return Hashes({n: sha256(d) for n, d in new.items()})

    def _keep_version(self, barometer_id: str, files: Mapping[str, bytes], *, who: str, action: str) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.state / "versions" / barometer_id / stamp
        target.mkdir(parents=True)
        for name, data in files.items():
            atomic_write(target / name, data)
        info = {"when": _now(), "who": who, "action": action, "files": sorted(files)}
        atomic_write(target / "version.json", json.dumps(info, ensure_ascii=False).encode("utf-8"))

    def _prune_versions(self, barometer_id: str, *, who: str) -> None:
        """Keep the newest ``keep_versions`` versions within ``versions_bytes`` (the newest one always);
        each deleted version leaves its files' SHA-256 in the audit ("version-pruned")."""
        base = self.state / "versions" / barometer_id
        kept = sorted((p for p in base.iterdir() if (p / "version.json").is_file()), reverse=True)
        total = 0
        for i, version in enumerate(kept):
            size = sum(f.stat().st_size for f in version.iterdir() if f.is_file())
            total += size
            if i == 0 or (i < self.keep_versions and total <= self.versions_bytes):
                continue
            info = json.loads((version / "version.json").read_text(encoding="utf-8"))
            hashes = {n: sha256((version / n).read_bytes()) for n in info.get("files", []) if (version / n).is_file()}
            shutil.rmtree(version)
            self.audit.record(who=who, barometer=barometer_id, action="version-pruned",
                              detail=f"version {version.name} " + json.dumps(
                                  {"when": info.get("when"), "who": info.get("who"), "files": hashes},
                                  ensure_ascii=False))


def _again(err: DataValidationError) -> DataValidationError:
    """A fresh copy of a remembered error (raising one object again and again grows its traceback)."""
    fresh = DataValidationError(err.issues)
    fresh.raw = getattr(err, "raw", None)
    return fresh


def _sheet_names(workbook: bytes) -> list[str]:
    """The sheet names of an uploaded workbook, from its workbook part alone and only after the
    loader's ZIP checks pass (load.sheet_names): no sheet is parsed here, the loader reads it once."""
    import tempfile

    from ..inputs.load import sheet_names

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / WORKBOOK_FILE
        path.write_bytes(workbook)
        return [str(n).strip().lower() for n in sheet_names(path)]


def problems(source, issues) -> list[Problem]:
    """Issues split into the problem table's columns, with the offending cell's value looked up.

    ``source`` is the RawBarometer the issues were found in (or its folder, read once here). Rows
    are looked up through an index built once per table, so the cost is linear in rows + issues.
    At most MAX_LISTED problems are listed; a last line says how many more there are."""
    from ..inputs.load import RawBarometer, load_folder

    issues = list(issues)
    shown = issues[:MAX_LISTED]
    raw = source if isinstance(source, RawBarometer) else load_folder(Path(source))
    by_label = {t.file: t for t in raw.tables.values()}
    wanted = {i.file for i in shown if i.row is not None and i.column}
    index: dict[str, dict[int, object]] = {}
    for label in wanted & set(by_label):
        table = by_label[label]
        rows: dict[int, object] = {}
        for row in (*table.rows, *table.broken):
            rows.setdefault(row.row, row)
        index[label] = rows
    out = []
    for issue in shown:
        file, sheet = issue.file, ""
        if file.endswith("]") and "[" in file:
            file, sheet = file[:-1].split("[", 1)
        value = ""
        if issue.row is not None and issue.column:
            row = index.get(issue.file, {}).get(issue.row)
            if row is not None:
                value = row.cells.get(issue.column.lower(), "")
        out.append(Problem(file, sheet, issue.row, issue.column or "", value, issue.message, str(issue)))
    if len(issues) > len(shown):
        more = more_problems(len(issues) - len(shown))
        out.append(Problem("", "", None, "", "", more, more))
    return out
