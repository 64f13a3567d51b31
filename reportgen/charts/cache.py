"""Charts by the hash of their inputs: specs, keys and the on-disk cache, without importing matplotlib.

A rebuild with nothing changed reads every chart from here and never loads the drawing code.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..errors import RenderError

log = logging.getLogger(__name__)

# Bump when the look of any chart changes: every cached chart is then drawn afresh.
CHART_VERSION = "6"  # 6: vector change maps with a diverging scale, wrapped overview names, narrower value axes

ChartKind = Literal["trend", "overview", "district_bar", "district_map"]
CHART_KIND_NAMES = ("trend", "overview", "district_bar", "district_map")


@dataclass(frozen=True)
class Chart:
    """One drawn chart: SVG for PDF and site, PNG for DOCX, and its Danish alt text."""

    name: str  # e.g. "trend-B1"; ids come from data, so the writer slugs it before using it as a path
    svg: bytes
    png: bytes
    alt_text: str


def _canonical(value: Any) -> Any:
    """Inputs as plain JSON, the same in every process: dataclasses by field, files by content."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)  # exact, and NaN/inf stay representable
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__type__": type(value).__name__,
                **{f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, Path):
        try:
            return {"__file__": hashlib.sha256(value.read_bytes()).hexdigest()}
        except OSError as exc:
            raise RenderError(f"{value.name}: filen til en figur kan ikke læses: filen kan ikke åbnes") from exc
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, set | frozenset):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    raise TypeError(f"cannot use {type(value).__name__} as a chart input")


@dataclass(frozen=True)
class ChartSpec:
    """What to draw: a chart kind and its inputs. ``key`` is stable across processes and machines."""

    kind: ChartKind
    args: tuple[Any, ...] = ()
    options: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, kind: ChartKind, *args: Any, **options: Any) -> ChartSpec:
        """``ChartSpec.of("trend", indicator, measurements, result, place="København")``."""
        if kind not in CHART_KIND_NAMES:
            raise ValueError(f"unknown chart kind {kind!r}")
        return cls(kind, tuple(tuple(a) if isinstance(a, list) else a for a in args),
                   tuple(sorted(options.items())))

    @property
    def key(self) -> str:
        payload = json.dumps([CHART_VERSION, self.kind, _canonical(self.args), _canonical(self.options)],
                             sort_keys=True, ensure_ascii=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode("ascii")).hexdigest()[:32]


class ChartCache:
    """Charts on disk by the hash of their inputs: ``<key>.svg``, ``<key>.png``, ``<key>.json``.

    A rebuild redraws only charts whose inputs (or CHART_VERSION) changed. Files are replaced
    atomically and the .json is written last, so a crashed build leaves no half entry behind.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.hits = 0
        self.misses = 0

    def get(self, spec: ChartSpec, draw: Callable[[ChartSpec], Chart]) -> Chart:
        """The cached chart, else ``draw(spec)`` stored (``charts.draw.render``: the cache itself
        never loads matplotlib)."""
        chart = self.lookup(spec)
        if chart is None:
            chart = draw(spec)
            self.store(spec, chart)
        return chart

    def _paths(self, spec: ChartSpec) -> tuple[Path, Path, Path]:
        key = spec.key
        return tuple(self.folder / f"{key}.{ext}" for ext in ("svg", "png", "json"))  # type: ignore[return-value]

    def lookup(self, spec: ChartSpec) -> Chart | None:
        """The cached chart, or None (counted as a miss: the caller draws and stores it)."""
        svg, png, meta = self._paths(spec)
        if meta.is_file() and svg.is_file() and png.is_file():
            try:
                info = json.loads(meta.read_text(encoding="utf-8"))
                chart = Chart(info["name"], svg.read_bytes(), png.read_bytes(), info["alt_text"])
            except (OSError, ValueError, KeyError) as exc:
                log.warning("chart cache entry %s unreadable, redrawing: %s", spec.key, exc)
            else:
                self.hits += 1
                return chart
        self.misses += 1
        return None

    def store(self, spec: ChartSpec, chart: Chart) -> None:
        svg, png, meta = self._paths(spec)
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(svg, chart.svg)
        _write_atomic(png, chart.png)
        _write_atomic(meta, json.dumps({"name": chart.name, "alt_text": chart.alt_text, "kind": spec.kind},
                                       ensure_ascii=False, sort_keys=True).encode("utf-8"))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@dataclass(frozen=True)
class ChartSet:
    """Every chart of one build, by role; names are unique file stems."""

    overview: object
    trends: dict[str, object]
    maps: dict[str, object]

    def all(self) -> list[object]:
        return [c for c in (self.overview, *self.trends.values(), *self.maps.values()) if c is not None]
