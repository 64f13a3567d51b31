"""``reportgen annual``: the annual status report of one year, from load to the written folder.

Like ``pipeline.build`` for one update, this is the one place that knows the order for the year:
load -> validate -> assess -> charts -> documents/annual.py -> render -> writer. The report is
written to ``<out>/statusrapport-<year>/`` (statusrapport.pdf and .docx) atomically.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..outputs.site import ANNUAL_FOLDER as FOLDER
from ..outputs.site import ANNUAL_STEM as STEM
from ..outputs.writer import Written

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class AnnualResult:
    out_dir: Path
    year: int
    updates: tuple[str, ...]
    files: tuple[Written, ...]


def build_annual_report(folder: Path, year: int, *, out_root: Path, project_dir: Path | None = None,
                        use_cache: bool = True) -> AnnualResult:
    """Build and write the annual status report of ``year``; nothing is written on error
    (ReportgenError for bad data or a year without updates, TemplateError for annual.md)."""
    from .. import PROJECT_DIR
    from ..charts import cache as charts
    from ..documents.annual import (
        build_annual,
        change_legend_title,
        change_map_indicator,
        district_changes,
        district_indicators,
        year_of,
    )
    from ..inputs import read_barometer
    from ..narrate.danish import definite_plural
    from ..outputs.cache import RenderCache, tree_fingerprint
    from ..outputs.writer import OutputWriter
    from ..signals.assess import assess_history
    from .pipeline import render_documents

    project_dir = project_dir or PROJECT_DIR
    barometer = read_barometer(folder)
    history = assess_history(barometer)
    y = year_of(barometer, history, year)  # a year without updates fails here, before any drawing
    last = y.last
    now = barometer.as_of(last.at)
    specs: dict[tuple[str, str], charts.ChartSpec] = {}
    for ind in barometer.indicators:
        if not ind.main:
            continue
        specs[("trend", ind.id)] = charts.ChartSpec.of("trend", ind, now.measurements_of(ind.id),
                                                       last.indicator(ind.id), updates=now.updates)
    if barometer.map_path is not None and barometer.config.map_key:
        for ind in district_indicators(barometer, y):
            if ind.main:
                specs[("map", ind.id)] = charts.ChartSpec.of(
                    "district_map", change_map_indicator(barometer, y, ind), barometer.map_path,
                    barometer.config.map_key, barometer.districts, district_changes(barometer, y, ind),
                    style="change", places=definite_plural(barometer.config.district_plural),
                    legend_title=change_legend_title(ind))
    cache_root = Path(out_root) / ".cache" if use_cache else None
    from ..charts.draw import render_chart_cached

    drawn = {role: render_chart_cached(spec, cache_root / "charts" if cache_root else None)
             for role, spec in specs.items()}
    doc = build_annual(barometer, history, year, project_dir=project_dir,
                       trends={k: c for (kind, k), c in drawn.items() if kind == "trend"},
                       change_maps={k: c for (kind, k), c in drawn.items() if kind == "map"})

    user_templates = [p for p in [barometer.folder / "templates" / "html"] if p.is_dir()]
    templates_key = tree_fingerprint([project_dir / "templates", *user_templates])
    renders = RenderCache(cache_root / "documents" if cache_root else None)
    out = render_documents([(f"{STEM}.pdf", "pdf", doc), (f"{STEM}.docx", "docx", doc)], renders,
                           templates_key, tuple(user_templates))
    with OutputWriter(Path(out_root), FOLDER.format(year=year)) as writer:
        for name in sorted(out):
            writer.write(name, out[name])
        target = writer.publish()
        files = writer.written
    return AnnualResult(target, year, tuple(u.id for u in y.updates), files)
