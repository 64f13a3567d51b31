"""Builds started from the workbench: ``pipeline.build`` in a background thread, one per barometer.

Each build writes through the pipeline's own atomic writer into
``.workbench/builds/<build>/out/<update>/`` (exactly what ``reportgen build FOLDER --out …``
writes); its state, stage and file list are kept in ``build.json`` beside it.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import threading
from pathlib import Path
from typing import Any

from ..errors import ReportgenError
from ..outputs.writer import atomic_write
from . import texts, warmup
from .workspace import Busy, NotFound, Workspace

log = logging.getLogger(__name__)

INFO = "build.json"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Builds:
    """The workspace's builds: start, follow, list, and the files of a finished one."""

    def __init__(self, workspace: Workspace):
        self.ws = workspace
        self.root = workspace.state / "builds"
        self._lock = threading.Lock()
        self._live: dict[str, dict[str, Any]] = {}  # build id -> info while running
        self._threads: dict[str, threading.Thread] = {}
        for path in self.root.glob(f"*/{INFO}"):  # a build the previous server never finished
            info = json.loads(path.read_text(encoding="utf-8"))
            if info.get("state") == "running":
                info.update(state="failed", error="afbrudt: serveren stoppede under dannelsen")
                atomic_write(path, _dump(info))

    def ids(self) -> list[str]:
        return sorted((p.parent.name for p in self.root.glob(f"*/{INFO}")), reverse=True)

    def start(self, barometer_id: str, *, update: str | None, who: str) -> str:
        """Start a build in the background and return its id; Busy (409) while one of it runs."""
        folder = self.ws.folder(barometer_id)
        with self._lock, self.ws.lock(barometer_id):
            if barometer_id in self.ws.busy:
                raise Busy("dokumenterne til dette barometer dannes allerede")
            self.ws.busy.add(barometer_id)
        try:
            build_id = self._prepare(barometer_id, update=update, who=who)
        except BaseException:
            self.ws.busy.discard(barometer_id)
            raise
        thread = threading.Thread(target=self._run, args=(build_id, folder, update), name=f"build-{build_id}",
                                  daemon=True)
        self._threads[build_id] = thread
        thread.start()
        self.ws.audit.record(who=who, barometer=barometer_id, action="build", detail=f"start {build_id}")
        return build_id

    def _prepare(self, barometer_id: str, *, update: str | None, who: str) -> str:
        """The build's folder, its out/ with the shared cache, and build.json saying it runs."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        build_id = f"{stamp}-{barometer_id}-{secrets.token_hex(3)}"
        place = self.root / build_id
        place.mkdir()
        cache = self.ws.state / "cache" / barometer_id
        cache.mkdir(parents=True, exist_ok=True)
        (place / "out").mkdir()
        (place / "out" / ".cache").symlink_to(cache, target_is_directory=True)  # charts and renders reused
        info = {"build": build_id, "barometer": barometer_id, "update": update, "state": "running",
                "who": who, "started": _now(), "finished": None, "stage": "Venter", "step": 0, "steps": 7,
                "error": None, "files": [], "out": None}
        atomic_write(place / INFO, _dump(info))
        self._live[build_id] = info
        return build_id

    def _run(self, build_id: str, folder: Path, update: str | None) -> None:
        from ..rounds.pipeline import build

        info = self._live[build_id]
        place = self.root / build_id

        def progress(text: str, i: int, n: int) -> None:
            info.update(stage=text, step=i, steps=n)

        try:
            warmup.wait()  # the build forks its workers: not while the warm-up holds a lock
            # Nor while another thread is inside WeasyPrint (a PDF preview, another barometer's build
            # rendering in this process): a worker forked then would inherit a held lock and hang.
            # So builds and PDF previews take turns on one lock.
            if not texts.PDF_LOCK.acquire(blocking=False):
                info.update(stage="Venter på en anden dannelse eller forhåndsvisning")
                texts.PDF_LOCK.acquire()
            try:
                result = build(folder, out_root=place / "out", update_id=update, progress=progress,
                               project_dir=self.ws.project_dir)
            finally:
                texts.PDF_LOCK.release()
            info.update(state="done", update=result.update, files=[w.path for w in result.files],
                        out=result.out_dir.relative_to(place).as_posix(), stage="Færdig", step=info["steps"])
        except ReportgenError as err:
            info.update(state="failed", error=str(err))
        except Exception as err:  # noqa: BLE001 - a crash must end the build, not the server
            log.exception("build %s failed", build_id)
            info.update(state="failed", error=f"intern fejl: {type(err).__name__}")
        finally:
            info["finished"] = _now()
            atomic_write(place / INFO, _dump(info))
            with self._lock:
                self._live.pop(build_id, None)
                self.ws.busy.discard(info["barometer"])
            self.ws.audit.record(who=info["who"], barometer=info["barometer"], action="build",
                                 detail=f"{info['state']} {build_id}" + (f": {info['error']}" if info["error"] else ""))

    def wait(self, build_id: str, timeout: float | None = None) -> None:
        """For tests and scripts in-process: wait for a build's thread."""
        thread = self._threads.get(build_id)
        if thread is not None:
            thread.join(timeout)

    def get(self, build_id: str) -> dict[str, Any]:
        """A build's info (live while running); NotFound unless the id is in the listing."""
        if build_id not in self.ids():
            raise NotFound(f'dannelsen "{build_id}" findes ikke')
        live = self._live.get(build_id)
        if live is not None:
            return dict(live)
        return json.loads((self.root / build_id / INFO).read_text(encoding="utf-8"))

    def of(self, barometer_id: str) -> list[dict[str, Any]]:
        """A barometer's builds, newest first."""
        self.ws.folder(barometer_id)
        out = []
        for build_id in self.ids():
            info = self.get(build_id)
            if info["barometer"] == barometer_id:
                out.append(info)
        return out

    def file(self, build_id: str, path: str) -> Path:
        """A file of a finished build: ``path`` must be in the build's written list (never joined raw)."""
        info = self.get(build_id)
        if info["state"] != "done" or path not in info["files"]:
            raise NotFound(f'filen "{path}" findes ikke i dannelsen')
        out = (self.root / build_id / info["out"]).resolve()
        target = (out / info["files"][info["files"].index(path)]).resolve()
        if not target.is_relative_to(out) or not target.is_file():
            raise NotFound(f'filen "{path}" findes ikke i dannelsen')
        return target

    def thumbnail(self, build_id: str, path: str) -> bytes:
        """A PNG of page 1 of one of the build's PDFs (PDFium), made once and kept beside the build."""
        import hashlib
        import io

        import pypdfium2 as pdfium

        if not path.endswith(".pdf"):
            raise NotFound(f'"{path}" er ikke en PDF i dannelsen')
        source = self.file(build_id, path)
        cached = self.root / build_id / "thumbs" / (hashlib.sha256(path.encode()).hexdigest()[:24] + ".png")
        if cached.is_file():
            return cached.read_bytes()
        document = pdfium.PdfDocument(source.read_bytes())
        try:
            page = document[0]
            image = page.render(scale=200 / page.get_width()).to_pil()
            page.close()
        finally:
            document.close()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        cached.parent.mkdir(exist_ok=True)
        atomic_write(cached, out.getvalue())
        return out.getvalue()

    def manifest(self, build_id: str) -> dict[str, Any] | None:
        try:
            return json.loads(self.file(build_id, "manifest.json").read_text(encoding="utf-8"))
        except NotFound:
            return None


def _dump(info: dict[str, Any]) -> bytes:
    return (json.dumps(info, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
