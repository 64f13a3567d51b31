"""A finished build's documents as the administrator knows them: by title, in the pack's order
(Indstilling, Bilag 1, Bilag 2 per committee, Bilag 3, Pressemeddelelse, Samlet pakke), each
with its PDF and Word file, pages and size; and the name a download gets."""
from __future__ import annotations

import re
import threading
from pathlib import PurePosixPath
from typing import Any

from ..documents.press import SLUG as PRESS_SLUG
from ..narrate import danish as da

# Fixed documents: (file stem, title). Bilag 2 goes between Bilag 1 and Bilag 3.
_BEFORE = (("sag", "Indstilling"), ("bilag1", "Bilag 1"))
_AFTER = (("bilag3", "Bilag 3"), (PRESS_SLUG, "Pressemeddelelse"))

_PAGES: dict[tuple[str, str], int | None] = {}
_LOCK = threading.Lock()


def _pages(builds, build_id: str, path: str) -> int | None:
    with _LOCK:
        if (build_id, path) in _PAGES:
            return _PAGES[(build_id, path)]
    from ..outputs.pack import page_count

    try:
        pages: int | None = page_count(builds.file(build_id, path).read_bytes())
    except Exception:  # noqa: BLE001 - an unreadable PDF is shown without a page count
        pages = None
    with _LOCK:
        _PAGES[(build_id, path)] = pages
    return pages


def committee_names(ws, barometer_id: str) -> dict[str, str]:
    """Letter file stem -> committee name, from the barometer as it is now (empty if invalid)."""
    from ..documents.bilag2 import committee_stems

    try:
        b = ws.barometer(barometer_id)
        stems = committee_stems(b.committees)
    except Exception:  # noqa: BLE001 - an invalid folder: the letters keep their file names
        return {}
    return {stems[c.id]: c.name for c in b.committees}


def documents(ws, builds, info: dict[str, Any]) -> list[dict[str, Any]]:
    """``[{"title", "pdf", "docx", "pages", "pdf_size", "docx_size"}]`` in the pack's order."""
    if info.get("state") != "done":
        return []
    files = set(info.get("files", []))
    build_id = info["build"]
    names = committee_names(ws, info["barometer"])
    letters = sorted({PurePosixPath(f).stem for f in files if f.startswith("bilag2/")})
    # Bilag 2 in committees.csv order where known, else by file name.
    order = list(names)
    letters.sort(key=lambda s: (order.index(s) if s in order else len(order), s))
    stems = [*_BEFORE, *((f"bilag2/{s}", f"Bilag 2 {names.get(s, s)}") for s in letters), *_AFTER,
             ("pack", "Samlet pakke")]
    out = []
    for stem, title in stems:
        pdf, docx = f"{stem}.pdf", f"{stem}.docx" if stem != "pack" else "pack.zip"
        if pdf not in files and docx not in files:
            continue
        out.append({
            "title": title,
            "pdf": pdf if pdf in files else None,
            "docx": docx if docx in files else None,
            "pages": _pages(builds, build_id, pdf) if pdf in files else None,
            "pdf_size": _size(builds, build_id, pdf) if pdf in files else None,
            "docx_size": _size(builds, build_id, docx) if docx in files else None,
        })
    return out


def _size(builds, build_id: str, path: str) -> int | None:
    try:
        return builds.file(build_id, path).stat().st_size
    except Exception:  # noqa: BLE001
        return None


def size_text(size: int | None) -> str:
    """``8.214`` bytes -> ``8 kB``; ``1.532.110`` -> ``1,5 MB``."""
    if size is None:
        return ""
    if size < 1024 * 1024:
        return f"{da.number(max(1, round(size / 1024)), 0)} kB"
    return f"{da.number(size / (1024 * 1024), 1)} MB"


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def download_name(ws, info: dict[str, Any], path: str) -> str:
    """The name a person's download gets: barometer title, update and document, e.g.
    ``Integrationsbarometer 2009-12 Bilag 1.pdf``; files outside the documents keep their own name."""
    doc = next((d for d in documents_titles(ws, info) if path in (d["pdf"], d["docx"])), None)
    if doc is None:
        return PurePosixPath(path).name
    title = ws.info(info["barometer"])["title"]
    ext = PurePosixPath(path).suffix
    name = f"{title} {info.get('update') or ''} {doc['title']}".replace("  ", " ").strip()
    return _UNSAFE.sub(" ", name).strip() + ext


def documents_titles(ws, info: dict[str, Any]) -> list[dict[str, Any]]:
    """Titles and files only (no page counts): enough to name a download."""
    files = set(info.get("files", []))
    names = committee_names(ws, info["barometer"])
    out = [{"title": t, "pdf": f"{s}.pdf", "docx": f"{s}.docx"} for s, t in (*_BEFORE, *_AFTER)]
    out += [{"title": f"Bilag 2 {names.get(PurePosixPath(f).stem, PurePosixPath(f).stem)}",
             "pdf": f, "docx": f[:-4] + ".docx"} for f in files if f.startswith("bilag2/") and f.endswith(".pdf")]
    out.append({"title": "Samlet pakke", "pdf": "pack.pdf", "docx": "pack.zip"})
    return out
