"""The only place that knows stage order: load -> validate -> assess -> narrate -> charts -> documents
-> render -> pack -> write. Everything is gathered in memory before anything is written."""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ReportgenError
from .model import Barometer

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parents[1]
RENDER_VERSION = "1"

Progress = Callable[[str, int, int], None]


def read_barometer(folder: Path) -> Barometer:
    """Load and validate a barometer folder; raises DataValidationError listing every problem."""
    from . import load, validate

    raw = load.load_folder(Path(folder))
    return validate.validate(raw)


def resolve_update(barometer: Barometer, update_id: str | None) -> str:
    if update_id is None:
        return barometer.latest_update.id
    if update_id not in {u.id for u in barometer.updates}:
        known = ", ".join(u.id for u in barometer.updates)
        raise ReportgenError(f'opdateringen "{update_id}" findes ikke i updates.csv (kendte: {known})')
    return update_id


@dataclass(frozen=True)
class ChartSet:
    """Every chart of one build, by role; names are unique file stems."""

    overview: object
    trends: dict[str, object]
    maps: dict[str, object]

    def all(self) -> list[object]:
        return [self.overview, *self.trends.values(), *self.maps.values()]


@dataclass
class BuildResult:
    """What a build wrote and what it found, for the summary line and the tests."""

    out_dir: Path
    update: str
    files: tuple = ()
    signals: Counter = field(default_factory=Counter)
    letters: int = 0
    skipped_letters: tuple[str, ...] = ()
    indicators: int = 0
    seconds: float = 0.0
    rendered: int = 0
    reused: int = 0


def make_charts(barometer: Barometer, assessment, cache_dir: Path | None) -> ChartSet:
    """Trend charts for every indicator, a map per district indicator and the area overview.

    Charts not in the cache are drawn in parallel worker processes.
    """
    from . import chartcache as charts  # specs and cache only: matplotlib loads in _draw if needed
    from .narrate.danish import definite_plural
    from .parallel import run_all

    upto = barometer.update(assessment.update).index
    updates = tuple(u for u in barometer.updates if u.index <= upto)
    specs: dict[tuple[str, str], charts.ChartSpec] = {}
    for ind in barometer.indicators:
        r = assessment.indicator(ind.id)
        rows = tuple(m for m in barometer.measurements_of(ind.id) if barometer.update(m.update).index <= upto)
        specs[("trend", ind.id)] = charts.ChartSpec.of("trend", ind, rows, r, updates=updates)
        if r.districts and barometer.map_path is not None and barometer.config.map_key:
            specs[("map", ind.id)] = charts.ChartSpec.of(
                "district_map", ind, barometer.map_path, barometer.config.map_key, barometer.districts,
                r.districts, places=definite_plural(barometer.config.district_plural))
    specs[("overview", "")] = charts.ChartSpec.of("overview", barometer.areas, assessment.areas, updates=updates)

    cache = charts.ChartCache(cache_dir) if cache_dir is not None else None
    drawn: dict[tuple[str, str], object] = {}
    for role, spec in specs.items():
        hit = cache.lookup(spec) if cache is not None else None
        if hit is not None:
            drawn[role] = hit
    todo = [role for role in specs if role not in drawn]
    if todo:
        from . import charts as _charts  # noqa: F401 - load matplotlib once, before forking workers
    for role, chart in zip(todo, run_all(_draw, [(specs[role],) for role in todo]), strict=True):
        drawn[role] = chart
        if cache is not None:
            cache.store(specs[role], chart)
    return ChartSet(
        overview=drawn[("overview", "")],
        trends={k: v for (kind, k), v in drawn.items() if kind == "trend"},
        maps={k: v for (kind, k), v in drawn.items() if kind == "map"},
    )


def _draw(spec):
    return spec.render()


def build(
    folder: Path,
    *,
    out_root: Path,
    update_id: str | None = None,
    project_dir: Path = PROJECT_DIR,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> BuildResult:
    """Build every output of one update into ``out_root/<update>/``; nothing is written on error."""
    from . import pack
    from .assess import assess_history
    from .cache import RenderCache, tree_fingerprint
    from .documents.bilag1 import Bilag1Charts, build_bilag1
    from .documents.bilag2 import build_letters
    from .documents.bilag3 import build_bilag3
    from .documents.front import build_front
    from .narrate import narrate
    from .writer import OutputWriter, safe_stem

    started = time.perf_counter()
    say = progress or (lambda text, i, n: None)
    steps = 7
    say("Læser og validerer data", 1, steps)
    barometer = read_barometer(folder)
    update_id = resolve_update(barometer, update_id)
    history = assess_history(barometer)
    assessment = history[barometer.update(update_id).index]
    narrative = narrate(barometer, assessment, history)

    cache_root = Path(out_root) / ".cache" if use_cache else None
    say("Tegner figurer", 2, steps)
    chart_set = make_charts(barometer, assessment, cache_root / "charts" if cache_root else None)

    say("Sammensætter dokumenter", 3, steps)
    appendix = ()
    if barometer.config.method_sensitivity:
        from .compare import compare
        from .documents.sensitivity import sensitivity_blocks

        appendix = sensitivity_blocks(barometer, compare(barometer, update_id))
    changes = ()
    if assessment.previous_update:
        from .diff import diff
        from .documents.changes import changes_blocks

        changes = changes_blocks(barometer, diff(barometer, assessment.previous_update, update_id, history=history))
    bilag1 = build_bilag1(barometer, assessment, narrative,
                          Bilag1Charts(chart_set.overview, chart_set.trends, chart_set.maps),
                          changes=changes, appendix=appendix)
    letters = build_letters(barometer, assessment, narrative, chart_set.trends, project_dir=project_dir)
    bilag3 = build_bilag3(barometer, history, assessment, narrative, project_dir=project_dir,
                          charts=chart_set.trends)
    documents = [("bilag1", bilag1), *((f"bilag2/{doc.slug}", doc) for doc in letters), ("bilag3", bilag3)]

    say("Opsætter PDF og DOCX", 4, steps)
    user_templates = [p for p in [barometer.folder / "templates" / "html"] if p.is_dir()]
    templates_key = tree_fingerprint([project_dir / "templates", *user_templates])
    renders = RenderCache(cache_root / "documents" if cache_root else None)
    jobs = [(f"{stem}.{fmt}", fmt, doc) for stem, doc in documents for fmt in ("pdf", "docx")]
    outputs: dict[str, bytes] = render_documents(jobs, renders, templates_key, tuple(user_templates))
    pdfs = {stem: outputs[f"{stem}.pdf"] for stem, _ in documents}

    say("Samler pakken", 5, steps)
    parts = [pack.PackPart(f"Bilag 1: {bilag1.meta.title}", pdfs["bilag1"])]
    parts += [pack.PackPart(doc.meta.recipient or doc.meta.title, pdfs[f"bilag2/{doc.slug}"],
                            group="Bilag 2: Borgmesterbrev til fagudvalgene") for doc in letters]
    parts.append(pack.PackPart(f"Bilag 3: {bilag3.meta.title}", pdfs["bilag3"]))

    def front(entries):
        doc = build_front(barometer, assessment, entries)
        return render_documents([("front", "pdf", doc)], renders, templates_key, tuple(user_templates))["front"]

    outputs["pack.pdf"] = pack.build_pack_pdf(parts, front)
    for chart in chart_set.all():
        stem = safe_stem(chart.name)
        outputs[f"charts/{stem}.svg"] = chart.svg
        outputs[f"charts/{stem}.png"] = chart.png
    say("Bygger hjemmesiden", 6, steps)
    from .site import build_site

    site_templates = [p for p in [barometer.folder / "templates" / "site"] if p.is_dir()]
    downloads = {
        "Bilag 1 (PDF)": "../bilag1.pdf", "Bilag 1 (Word)": "../bilag1.docx",
        **{f"Bilag 2: {d.meta.recipient or d.slug} (PDF)": f"../bilag2/{d.slug}.pdf" for d in letters},
        "Bilag 3 (PDF)": "../bilag3.pdf", "Bilag 3 (Word)": "../bilag3.docx",
        "Samlet materiale (PDF)": "../pack.pdf", "Alle filer (ZIP)": "../pack.zip",
    }
    site = build_site(barometer, history, assessment, narrative, chart_set, downloads=downloads,
                      template_dirs=site_templates)
    outputs.update({f"site/{rel}": data for rel, data in site.items()})
    manifest_outputs = dict(outputs)
    outputs["manifest.json"] = pack.build_manifest(
        update_id=update_id, folder=barometer.folder, input_files=barometer.input_files,
        outputs=manifest_outputs)
    outputs["pack.zip"] = pack.build_zip({k: v for k, v in outputs.items() if not k.startswith("site/")})

    say("Skriver filer", 7, steps)
    with OutputWriter(Path(out_root), update_id) as writer:
        for name in sorted(outputs):
            writer.write(name, outputs[name])
        target = writer.publish()
        files = writer.written

    return BuildResult(
        out_dir=target,
        update=update_id,
        files=files,
        signals=Counter(r.signal for r in assessment.indicators),
        letters=len(letters),
        skipped_letters=tuple(f"{s.committee.name} ({s.reason})" for s in letters.skipped),
        indicators=len(barometer.indicators),
        seconds=time.perf_counter() - started,
        rendered=renders.misses,
        reused=renders.hits,
    )


def _render_one(fmt: str, doc, template_dirs: tuple[Path, ...]) -> bytes:
    if fmt == "pdf":
        from .render.pdf import render_pdf

        return render_pdf(doc, template_dirs=list(template_dirs))
    from .render.docx import render_docx

    return render_docx(doc)


def render_documents(jobs, renders, templates_key: str, template_dirs: tuple[Path, ...]) -> dict[str, bytes]:
    """Render ``(name, "pdf"|"docx", Document)`` jobs: cached ones are read, the rest run in parallel."""
    from .cache import fingerprint
    from .parallel import run_all

    out: dict[str, bytes] = {}
    todo = []
    for name, fmt, doc in jobs:
        key = fingerprint(RENDER_VERSION, templates_key, fmt, doc)
        cached = renders.lookup(key, "." + fmt)
        if cached is not None:
            out[name] = cached
        else:
            todo.append((name, fmt, doc, key))
    if todo:  # import the renderers once, before forking workers, and only if something changed
        from .render import docx as _docx  # noqa: F401
    results = run_all(_render_one, [(fmt, doc, template_dirs) for _, fmt, doc, _ in todo])
    for (name, fmt, _, key), data in zip(todo, results, strict=True):
        renders.store(key, "." + fmt, data)
        out[name] = data
    return out
