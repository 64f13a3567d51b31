"""The only place that knows stage order: load -> validate -> assess -> narrate -> charts -> documents
-> render -> pack -> write. Everything is gathered in memory before anything is written."""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import PROJECT_DIR
from ..charts.cache import ChartSet
from ..inputs import read_barometer, resolve_update
from ..inputs.model import Barometer
from .parallel import _Done

log = logging.getLogger(__name__)

RENDER_VERSION = "1"

Progress = Callable[[str, int, int], None]


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


def chart_specs(barometer: Barometer, assessment) -> dict[tuple[str, str], object]:
    """What to draw, by role: ("trend", id) for every indicator, ("map", id) per district
    indicator, ("overview", "") for the areas."""
    from ..charts import cache as charts  # specs and cache only: matplotlib loads when drawing
    from ..narrate.danish import definite_plural

    now = barometer.as_of(assessment.at)
    specs: dict[tuple[str, str], charts.ChartSpec] = {}
    for ind in barometer.indicators:
        r = assessment.indicator(ind.id)
        specs[("trend", ind.id)] = charts.ChartSpec.of("trend", ind, now.measurements_of(ind.id), r,
                                                       updates=now.updates)
        if r.districts and barometer.map_path is not None and barometer.config.map_key:
            specs[("map", ind.id)] = charts.ChartSpec.of(
                "district_map", ind, barometer.map_path, barometer.config.map_key, barometer.districts,
                r.districts, places=definite_plural(barometer.config.district_plural))
    specs[("overview", "")] = charts.ChartSpec.of("overview", barometer.areas, assessment.areas, updates=now.updates)
    return specs


class _Charts:
    """Charts being drawn: cached ones at hand, the ones in ``first`` (what Bilag 1 needs)
    submitted to the workers at once, the rest by ``submit_rest`` after Bilag 1's own render job,
    so the longest job does not queue behind charts nobody waits for yet. ``get`` waits for one
    and stores it in the cache."""

    def __init__(self, specs: dict, cache, pool, first: list):
        self.specs, self.cache, self.pool = specs, cache, pool
        self.drawn: dict = {}
        if cache is not None:
            for role, spec in specs.items():
                hit = cache.lookup(spec)
                if hit is not None:
                    self.drawn[role] = hit
        if any(role not in self.drawn for role in specs):
            _warm_imports(charts=True)
        self.pending: dict = {}
        self._submit([r for r in first if r in specs])

    def _submit(self, roles) -> None:
        for role in roles:
            if role not in self.drawn and role not in self.pending:
                self.pending[role] = self.pool.submit(_draw, self.specs[role])

    def submit_rest(self) -> None:
        self._submit(list(self.specs))

    def get(self, role):
        if role not in self.drawn:
            self._submit([role])
            chart = self.pending.pop(role).result()
            if self.cache is not None:
                self.cache.store(self.specs[role], chart)
            self.drawn[role] = chart
        return self.drawn[role]

    def chart_set(self, roles=None) -> ChartSet:
        roles = list(self.specs) if roles is None else [r for r in roles if r in self.specs]
        got = {role: self.get(role) for role in roles}
        return ChartSet(
            overview=got.get(("overview", "")),
            trends={k: v for (kind, k), v in got.items() if kind == "trend"},
            maps={k: v for (kind, k), v in got.items() if kind == "map"},
        )


def make_charts(barometer: Barometer, assessment, cache_dir: Path | None) -> ChartSet:
    """Every chart of one update (see chart_specs), drawn in parallel where not cached."""
    from ..charts.cache import ChartCache
    from .parallel import Workers

    cache = ChartCache(cache_dir) if cache_dir is not None else None
    with Workers() as pool:
        return _Charts(chart_specs(barometer, assessment), cache, pool, []).chart_set()


def _draw(spec):
    from ..charts.draw import render

    return render(spec)


def _warm_imports(*, charts: bool = False) -> None:
    """Import the renderers (and matplotlib) in this process before the workers are forked, so
    each worker starts with them loaded instead of importing them itself."""
    from ..render import docx, pdf  # noqa: F401

    if charts:
        from ..charts import draw  # noqa: F401


class _Renders:
    """PDF/DOCX renders: cached ones read at once, the rest submitted to the workers."""

    def __init__(self, renders, templates_key: str, template_dirs: tuple[Path, ...], pool):
        self.renders, self.templates_key, self.template_dirs, self.pool = renders, templates_key, template_dirs, pool
        self.jobs: dict[str, tuple] = {}

    def submit(self, name: str, fmt: str, doc) -> None:
        from ..outputs.cache import fingerprint

        key = fingerprint(RENDER_VERSION, self.templates_key, fmt, doc)
        cached = self.renders.lookup(key, "." + fmt)
        if cached is not None:
            self.jobs[name] = (key, fmt, _Done(cached), True)
            return
        _warm_imports()

        self.jobs[name] = (key, fmt, self.pool.submit(render_one, fmt, doc, self.template_dirs), False)

    def result(self, name: str) -> bytes:
        key, fmt, future, cached = self.jobs[name]
        data = future.result()
        if not cached:
            self.renders.store(key, "." + fmt, data)
            self.jobs[name] = (key, fmt, _Done(data), True)
        return data


def build(
    folder: Path,
    *,
    out_root: Path,
    update_id: str | None = None,
    project_dir: Path = PROJECT_DIR,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> BuildResult:
    """Build every output of one update into ``out_root/<update>/``; nothing is written on error.

    The workers draw the charts Bilag 1 needs first and start on its PDF (the longest job) while
    the other charts, the letters and Bilag 3 follow; this process builds the website meanwhile.
    """
    from ..charts.cache import ChartCache
    from ..documents.bilag1 import Bilag1Charts, build_bilag1
    from ..documents.bilag2 import build_letters, letters_title
    from ..documents.bilag3 import build_bilag3
    from ..documents.case import build_case
    from ..documents.front import build_front
    from ..documents.press import build_press
    from ..narrate import narrate
    from ..outputs import pack
    from ..outputs.cache import RenderCache, tree_fingerprint
    from ..outputs.writer import OutputWriter, safe_stem
    from ..signals.assess import assess_history
    from . import preflight
    from .parallel import Workers

    started = time.perf_counter()
    say = progress or (lambda text, i, n: None)
    steps = 7
    say("Læser og validerer data", 1, steps)
    barometer = read_barometer(folder)
    update = barometer.update(resolve_update(barometer, update_id))  # resolved once; builders read assessment.at
    update_id = update.id
    history = assess_history(barometer)
    assessment = history[update.index]
    narrative = narrate(barometer, assessment, history)
    appendix = ()
    if barometer.config.method_sensitivity:
        from ..documents.sensitivity import sensitivity_blocks
        from ..narrate.compare import compare

        appendix = sensitivity_blocks(barometer, compare(barometer, update_id))
    changes = ()
    if assessment.previous_update:
        from ..documents.changes import changes_blocks
        from ..narrate.diff import diff

        changes = changes_blocks(barometer, diff(barometer, assessment.previous_update, update_id, history=history))
    preflight.run(barometer, history, assessment, narrative, project_dir=project_dir)  # what check checks

    cache_root = Path(out_root) / ".cache" if use_cache else None
    user_templates = [p for p in [barometer.folder / "templates" / "html"] if p.is_dir()]
    templates_key = tree_fingerprint([project_dir / "templates", *user_templates])
    renders = RenderCache(cache_root / "documents" if cache_root else None)
    bilag1_roles = [("overview", ""), *(("trend", i.id) for i in barometer.indicators if i.main),
                    *(("map", i.id) for i in barometer.indicators)]
    outputs: dict[str, bytes] = {}
    with Workers() as pool:
        say("Tegner figurer", 2, steps)
        charts = _Charts(chart_specs(barometer, assessment),
                         ChartCache(cache_root / "charts") if cache_root else None, pool, bilag1_roles)
        jobs = _Renders(renders, templates_key, tuple(user_templates), pool)

        say("Sætter Bilag 1 op", 3, steps)
        first = charts.chart_set(bilag1_roles)
        bilag1 = build_bilag1(barometer, assessment, narrative, Bilag1Charts(first.overview, first.trends, first.maps),
                              changes=changes, appendix=appendix)
        jobs.submit("bilag1.pdf", "pdf", bilag1)
        charts.submit_rest()
        jobs.submit("bilag1.docx", "docx", bilag1)

        say("Sætter breve og Bilag 3 op", 4, steps)
        chart_set = charts.chart_set()
        letters = build_letters(barometer, assessment, narrative, chart_set.trends, project_dir=project_dir)
        bilag3 = build_bilag3(barometer, history, assessment, narrative, project_dir=project_dir,
                              charts=chart_set.trends)
        press = build_press(barometer, history, assessment, narrative, project_dir=project_dir)
        case = build_case(barometer, history, assessment, narrative, project_dir=project_dir)
        documents = [("bilag1", bilag1), *((f"bilag2/{doc.slug}", doc) for doc in letters), ("bilag3", bilag3),
                     ("sag", case),
                     (press.slug, press)]  # the press release: in pack.zip and the manifest, not pack.pdf
        for stem, doc in documents[1:]:
            jobs.submit(f"{stem}.pdf", "pdf", doc)
            jobs.submit(f"{stem}.docx", "docx", doc)

        say("Laver hjemmesiden", 5, steps)
        from ..outputs.site import build_site

        site_templates = [p for p in [barometer.folder / "templates" / "site"] if p.is_dir()]
        downloads = {
            "Indstilling (PDF)": "../sag.pdf", "Indstilling (Word)": "../sag.docx",
            "Bilag 1 (PDF)": "../bilag1.pdf", "Bilag 1 (Word)": "../bilag1.docx",
            # the letter's title: "Borgmesterbrev til …" only when a mayor signs (bilag2.letter_name)
            **{f"Bilag 2: {d.meta.title} (PDF)": f"../bilag2/{d.slug}.pdf" for d in letters},
            "Bilag 3 (PDF)": "../bilag3.pdf", "Bilag 3 (Word)": "../bilag3.docx",
            "Samlet materiale (PDF)": "../pack.pdf", "Alle filer (ZIP)": "../pack.zip",
            "Pressemeddelelse (PDF)": f"../{press.slug}.pdf", "Pressemeddelelse (Word)": f"../{press.slug}.docx",
        }
        site = build_site(barometer, history, assessment, narrative, chart_set, downloads=downloads,
                          template_dirs=site_templates, press=press,
                          archive_root=Path(out_root))
        if not all(cached for *_, cached in jobs.jobs.values()):
            from ..render.pdf import warm_up

            warm_up(tuple(user_templates))  # fonts and CSS for the cover, while the workers finish

        say("Samler pakken", 6, steps)
        for stem, _ in documents:
            for fmt in ("pdf", "docx"):
                outputs[f"{stem}.{fmt}"] = jobs.result(f"{stem}.{fmt}")
    pdfs = {stem: outputs[f"{stem}.pdf"] for stem, _ in documents}
    parts = [pack.PackPart(f"{case.meta.label}: {case.meta.title}", pdfs["sag"]),
             pack.PackPart(f"Bilag 1: {bilag1.meta.title}", pdfs["bilag1"])]
    parts += [pack.PackPart(doc.meta.recipient or doc.meta.title, pdfs[f"bilag2/{doc.slug}"],
                            group=f"Bilag 2: {letters_title(barometer)}") for doc in letters]
    parts.append(pack.PackPart(f"Bilag 3: {bilag3.meta.title}", pdfs["bilag3"]))

    def front(entries):
        doc = build_front(barometer, assessment, entries)
        return render_documents([("front", "pdf", doc)], renders, templates_key, tuple(user_templates))["front"]

    outputs["pack.pdf"] = pack.build_pack_pdf(parts, front)
    for chart in chart_set.all():
        stem = safe_stem(chart.name)
        outputs[f"charts/{stem}.svg"] = chart.svg
        outputs[f"charts/{stem}.png"] = chart.png
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


def render_one(fmt: str, doc, template_dirs: tuple[Path, ...]) -> bytes:
    if fmt == "pdf":
        from ..render.pdf import render_pdf

        return render_pdf(doc, template_dirs=list(template_dirs))
    from ..render.docx import render_docx

    return render_docx(doc)


def render_documents(jobs, renders, templates_key: str, template_dirs: tuple[Path, ...]) -> dict[str, bytes]:
    """Render ``(name, "pdf"|"docx", Document)`` jobs: cached ones are read, the rest run in parallel."""
    from ..outputs.cache import fingerprint
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
        _warm_imports()
    results = run_all(render_one, [(fmt, doc, template_dirs) for _, fmt, doc, _ in todo])
    for (name, fmt, _, key), data in zip(todo, results, strict=True):
        renders.store(key, "." + fmt, data)
        out[name] = data
    return out
