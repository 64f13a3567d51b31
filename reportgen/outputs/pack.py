"""The briefing pack: pack.pdf (cover, contents, all parts, bookmarks), pack.zip and manifest.json."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pikepdf

from .. import __version__
from ..render import pdfjoin

# The libraries a build runs (their versions can change the output's bytes); pandas is not among
# them: only `reportgen export --xlsx` uses it.
DEPENDENCIES = ("Jinja2", "MarkupSafe", "markdown-it-py", "matplotlib", "weasyprint", "python-docx", "lxml",
                "babel", "pikepdf", "openpyxl", "defusedxml")


@dataclass(frozen=True)
class PackPart:
    """One document in the pack, with an optional group heading in the outline (``Bilag 2``)."""

    title: str
    pdf: bytes
    group: str | None = None


@dataclass(frozen=True)
class TocEntry:
    title: str
    page: int  # 1-based page in pack.pdf
    level: int = 1
    part: int | None = None  # index of the PackPart; None for a group heading


def page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def toc_entries(parts: Sequence[PackPart], front_pages: int) -> tuple[TocEntry, ...]:
    """Where each part starts once ``front_pages`` (cover and contents) stand before them."""
    entries: list[TocEntry] = []
    page = front_pages + 1
    seen_groups: set[str] = set()
    for index, part in enumerate(parts):
        if part.group and part.group not in seen_groups:
            seen_groups.add(part.group)
            entries.append(TocEntry(part.group, page, 1))
        entries.append(TocEntry(part.title, page, 2 if part.group else 1, index))
        page += page_count(part.pdf)
    return tuple(entries)


def build_pack_pdf(
    parts: Sequence[PackPart], render_front: Callable[[tuple[TocEntry, ...]], bytes]
) -> bytes:
    """Merge the parts behind a cover and contents page whose page numbers are exact.

    ``render_front(entries)`` renders cover + contents; it is called twice if the front's own
    length changes the numbering (a long contents list running onto a second page).
    """
    front_pages = 2
    for _ in range(3):
        entries = toc_entries(parts, front_pages)
        front = render_front(entries)
        actual = page_count(front)
        if actual == front_pages:
            break
        front_pages = actual
    # The parts stay tagged PDF/A-3u: the front's catalogue (metadata, output intent, language)
    # with every part's pages and tag tree (render/pdfjoin.py).
    with pdfjoin.join([front, *(p.pdf for p in parts)], outline=False, names=False) as out:
        with out.open_outline() as outline:
            outline.root.clear()
            outline.root.append(pikepdf.OutlineItem("Forside og indhold", 0))
            group_item: pikepdf.OutlineItem | None = None
            for entry in entries:
                item = pikepdf.OutlineItem(entry.title, entry.page - 1)
                if entry.part is not None:  # the part's own bookmarks, folded under it
                    item.children.extend(_outline_items(parts[entry.part].pdf, entry.page - 1))
                    item.is_closed = True
                if entry.level == 1:
                    outline.root.append(item)
                    group_item = item
                elif group_item is not None:
                    group_item.children.append(item)
                else:
                    outline.root.append(item)
        out.Root.PageMode = pikepdf.Name.UseOutlines
        buf = io.BytesIO()
        out.save(buf, deterministic_id=True, fix_metadata_version=False,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return buf.getvalue()


def _outline_items(pdf: bytes, first_page: int) -> list[pikepdf.OutlineItem]:
    """A part's bookmarks as items for pack.pdf, where the part starts at page index ``first_page``."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        pages = {page.objgen: i for i, page in enumerate(doc.pages)}

        def convert(item: pikepdf.OutlineItem) -> pikepdf.OutlineItem:
            dest = list(item.destination)
            page = first_page + pages[dest[0].objgen]
            if len(dest) == 5 and dest[1] == pikepdf.Name.XYZ:  # WeasyPrint's [page /XYZ left top 0]
                left, top, zoom = (float(x) for x in dest[2:])
                new = pikepdf.OutlineItem(item.title, page, "XYZ", left=left, top=top, zoom=zoom)
            else:
                new = pikepdf.OutlineItem(item.title, page)
            new.children.extend(convert(child) for child in item.children)
            return new

        with doc.open_outline() as outline:
            return [convert(item) for item in outline.root]


ZIP_DATE = (2000, 1, 1, 0, 0, 0)
# Already compressed inside: deflating them again costs time and saves nothing.
_STORED = (".pdf", ".png", ".docx", ".xlsx", ".zip")


def build_zip(files: dict[str, bytes], *, date_time: tuple[int, int, int, int, int, int] = ZIP_DATE) -> bytes:
    """A ZIP with sorted members, fixed times and attributes: same files, same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_STORED if name.endswith(_STORED) else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, files[name])
    return buf.getvalue()


def _file_record(path: str, data: bytes) -> dict:
    return {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def dependency_versions() -> dict[str, str]:
    versions = {}
    for name in DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "ikke installeret"
    return versions


def input_path(path: Path, folder: Path) -> str:
    """An input file's name in the manifest: relative to the barometer folder, also when the folder
    was given as a relative path (``data/copenhagen/areas.csv`` -> ``areas.csv``)."""
    try:
        return Path(path).resolve().relative_to(Path(folder).resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def build_manifest(
    *, update_id: str, folder: Path, input_files: Sequence[Path], outputs: dict[str, bytes]
) -> bytes:
    """manifest.json: inputs and outputs with SHA-256 and size, update id, tool and dependency versions.

    Paths are relative to the barometer folder (inputs) and the update folder (outputs), so
    the manifest is the same wherever the build ran.
    """
    inputs = [_file_record(input_path(path, folder), path.read_bytes()) for path in sorted(input_files)]
    manifest = {
        "update": update_id,
        "tool": {"name": "reportgen", "version": __version__},
        "dependencies": dependency_versions(),
        "inputs": inputs,
        "outputs": [_file_record(name, outputs[name]) for name in sorted(outputs)],
    }
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
