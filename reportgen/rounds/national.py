"""``build-all``: a development report per district and one for the whole, in parallel, one manifest.

Each district's report treats its district rows as its own figures (:func:`barometer_for_district`);
the whole's report adds a colour table and a map per area of the districts' colours. Reports are
built in worker processes; one report's failure is recorded in ``fejl.txt`` and does not stop the
others. The successful reports, ``fejl.txt`` and ``manifest.json`` are published together, atomically,
into ``<out>/<update>-kommuner/`` (a folder of its own, so a normal ``build`` of the same update,
which replaces ``<out>/<update>/`` as a whole, never removes them).
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import ReportgenError
from ..inputs.model import Barometer, Indicator, Signal
from ..signals.assess import Assessment, DistrictResult, IndicatorResult, aggregate

log = logging.getLogger(__name__)

FOLDER_SUFFIX = "kommuner"
NATIONAL_STEM = "landet"
FAILURES_FILE = "fejl.txt"

Progress = Callable[[str, int, int], None]


# --- one district as a barometer of its own ---------------------------------------------------------

def barometer_for_district(barometer: Barometer, district_id: str) -> Barometer:
    """The district's rows as the municipality's own: other rows, districts, map, overrides and
    comments (they concern the whole) are dropped, and so are indicators without district figures
    and areas left without indicators. The municipality's name becomes the district's."""
    try:
        district = barometer.district(district_id)
    except KeyError:
        raise ReportgenError(f'"{district_id}" er ikke et distrikt i districts.csv') from None
    rows = tuple(replace(m, district=None) for m in barometer.measurements if m.district == district_id)
    with_rows = {m.indicator for m in rows}
    indicators = tuple(replace(i, districts=False) for i in barometer.indicators
                       if i.districts or i.id in with_rows)
    used_areas = {i.area for i in indicators}
    kept = {i.id for i in indicators}
    return replace(
        barometer,
        config=replace(barometer.config, municipality=district.name, map_file=None, map_key=None),
        areas=tuple(a for a in barometer.areas if a.id in used_areas),
        indicators=indicators,
        measurements=tuple(m for m in rows if m.indicator in kept),
        districts=(),
        initiatives=(),
        overrides=(),
        comments=(),
        map_path=None,
    )


@dataclass(frozen=True)
class Suppression:
    """Indicators of a district whose figures are too small to show: the newest figure
    (``current``) or the figure it is compared with (``reference``)."""

    current: tuple[str, ...] = ()
    reference: tuple[str, ...] = ()


def suppress_small(barometer: Barometer, assessment: Assessment) -> tuple[Assessment, Suppression]:
    """Apply ``min_n`` to a district barometer's results, as the contract does for district rows.

    A newest figure with n < min_n loses its value and colour (grey); one compared with such a
    figure keeps its value but no change or colour. Areas freshly aggregated are re-aggregated;
    carried-over and overridden areas keep their colour.
    """
    min_n = barometer.config.min_n
    small = {(m.indicator, m.period) for m in barometer.measurements if m.n is not None and m.n < min_n}
    current: list[str] = []
    reference: list[str] = []
    results: list[IndicatorResult] = []
    for r in assessment.indicators:
        if r.overridden or r.period is None:
            results.append(r)
            continue
        gone = dict(change=None, significant=None, z=None, z_crit=None, remaining=None, on_track=None,
                    expected_value=None, gauge_ratio=None, signal="grey")
        if (r.indicator, r.period) in small:
            current.append(r.indicator)
            r = replace(r, value=None, reference_value=None, reference_period=None, **gone)
        elif r.reference_period is not None and (r.indicator, r.reference_period) in small and r.rule != "baseline":
            reference.append(r.indicator)
            r = replace(r, **gone)
        results.append(r)
    signals = {r.indicator: r.signal for r in results}
    areas = []
    for a in assessment.areas:
        if not a.overridden and not a.carried_over and a.main_signals:
            pairs = tuple((i, signals[i]) for i, _ in a.main_signals)
            a = replace(a, main_signals=pairs, signal=aggregate((s for _, s in pairs), a.aggregation))
        areas.append(a)
    return (replace(assessment, indicators=tuple(results), areas=tuple(areas)),
            Suppression(tuple(current), tuple(reference)))


def narrate_district(barometer: Barometer, assessment: Assessment, suppression: Suppression):
    """The narrative, with the too-few-observations sentences for suppressed indicators."""
    from ..narrate import danish as da
    from ..narrate import narrate
    from ..narrate.sentences import area_text, level_text, subject

    narrative = narrate(barometer, assessment)
    if not suppression.current and not suppression.reference:
        return narrative
    few = f"for få observationer (under {da.number(barometer.config.min_n, 0)})"
    indicators = dict(narrative.indicators)
    for ind_id in suppression.current:
        ind, r = barometer.indicator(ind_id), assessment.indicator(ind_id)
        indicators[ind_id] = replace(
            indicators[ind_id],
            sentence=f"Tallet for {subject(ind, capital=False)} i {da.period(r.period)} bygger på {few} "
                     "og vises ikke.",
            target_sentence=None, pace_sentence=None,
            explanation=f"{da.capitalize(da.signal_word('grey'))}, fordi tallet bygger på {few}.")
    for ind_id in suppression.reference:
        ind, r = barometer.indicator(ind_id), assessment.indicator(ind_id)
        indicators[ind_id] = replace(
            indicators[ind_id],
            sentence=f"{subject(ind)} var {level_text(ind, r.value)} i {da.period(r.period)}. Det tidligere "
                     f"tal bygger på {few}, så udviklingen kan ikke vurderes.",
            pace_sentence=None,
            explanation=f"{da.capitalize(da.signal_word('grey'))}, fordi det tidligere tal bygger på {few}.")
    # A district barometer has no comments (barometer_for_district drops them).
    areas = {a.area: area_text(barometer, assessment, a, indicators, ()) for a in assessment.areas}
    return replace(narrative, indicators=indicators, areas=areas)


def district_assessment(barometer: Barometer, district_id: str, update_id: str
                        ) -> tuple[Barometer, Assessment, Suppression]:
    """The district's own barometer and its assessment at ``update_id``, min_n applied."""
    from ..signals.assess import assess

    own = barometer_for_district(barometer, district_id)
    assessment, suppression = suppress_small(own, assess(own, update_id))
    return own, assessment, suppression


# --- the run --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportFailure:
    """A report that could not be built: its file stem, the place's name and the error."""

    stem: str
    name: str
    message: str


@dataclass
class BuildAllResult:
    """What build-all wrote: the folder, the report count, the failures and every file."""

    out_dir: Path
    update: str
    reports: int
    failures: tuple[ReportFailure, ...]
    files: tuple = ()
    seconds: float = 0.0


@dataclass
class _Run:
    """Everything the report jobs read; set before the workers fork, so jobs pass only a stem."""

    barometer: Barometer
    update: str
    places: dict[str, tuple[Barometer, Assessment, Suppression]]  # by file stem
    ids: dict[str, str]  # file stem -> district id
    docx: bool
    cache_root: Path | None
    templates_key: str
    template_dirs: tuple[Path, ...]


_RUN: _Run | None = None


def build_all(
    folder: Path,
    *,
    out_root: Path,
    update_id: str | None = None,
    workers: int | None = None,
    only: Sequence[str] | None = None,
    docx: bool = False,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> BuildAllResult:
    """Build ``<stem>.pdf`` per district and ``landet.pdf`` into ``out_root/<update>-kommuner/``.

    ``only`` restricts the run to these district ids (and ``landet`` for the whole). Bad input
    raises before anything is built; a failing report is listed in the result and in ``fejl.txt``.
    """
    global _RUN
    from .. import PROJECT_DIR
    from ..inputs import read_barometer, resolve_update
    from ..outputs import pack
    from ..outputs.cache import tree_fingerprint
    from ..outputs.writer import OutputWriter, safe_stem

    started = time.perf_counter()
    say = progress or (lambda text, i, n: None)
    say("Læser og validerer data", 1, 1)
    barometer = read_barometer(folder)
    update_id = resolve_update(barometer, update_id)
    if not barometer.districts:
        raise ReportgenError("barometret har ingen distrikter (districts.csv); build-all laver én rapport pr. "
                             "distrikt")
    ids = {safe_stem(d.id): d.id for d in barometer.districts}
    if len(ids) != len(barometer.districts) or NATIONAL_STEM in ids:
        raise ReportgenError(f"to distrikter giver samme filnavn, eller et hedder {NATIONAL_STEM}; "
                             "ret id'erne i districts.csv")
    wanted = [*ids, NATIONAL_STEM]
    if only is not None:
        by_id = {d: s for s, d in ids.items()} | {NATIONAL_STEM: NATIONAL_STEM}
        unknown = [x for x in only if x not in by_id]
        if unknown:
            raise ReportgenError(f"ukendt i --only: {', '.join(unknown)} (brug id'er fra districts.csv "
                                 f"eller {NATIONAL_STEM})")
        chosen = {by_id[x] for x in only}
        wanted = [s for s in wanted if s in chosen]
    places = {stem: district_assessment(barometer, d, update_id) for stem, d in ids.items()}
    user_templates = tuple(p for p in [barometer.folder / "templates" / "html"] if p.is_dir())
    _RUN = _Run(barometer, update_id, places, ids, docx,
                Path(out_root) / ".cache" if use_cache else None,
                tree_fingerprint([PROJECT_DIR / "templates", *user_templates]), user_templates)
    outputs: dict[str, bytes] = {}
    failures: list[ReportFailure] = []

    def done(stem: str, result: dict[str, bytes] | None, error: str | None, count: int) -> None:
        if error is not None:
            failures.append(ReportFailure(stem, _place_name(barometer, ids, stem), error))
        else:
            outputs.update(result or {})
        say(f"Udviklingsrapporter ({count} af {len(wanted)})", count, len(wanted))

    try:
        _run_jobs(wanted, workers, done)
    finally:
        _RUN = None
    order = {s: i for i, s in enumerate(wanted)}
    failures.sort(key=lambda f: order[f.stem])
    if failures:
        outputs[FAILURES_FILE] = _failures_text(update_id, failures)
    outputs["manifest.json"] = pack.build_manifest(
        update_id=update_id, folder=barometer.folder, input_files=barometer.input_files, outputs=dict(outputs))
    say("Skriver filer", len(wanted), len(wanted))
    with OutputWriter(Path(out_root), f"{update_id}-{FOLDER_SUFFIX}") as writer:
        for name in sorted(outputs):
            writer.write(name, outputs[name])
        target = writer.publish()
        files = writer.written
    return BuildAllResult(target, update_id, len(wanted) - len(failures), tuple(failures), files,
                          time.perf_counter() - started)


def _place_name(barometer: Barometer, ids: dict[str, str], stem: str) -> str:
    return barometer.config.municipality if stem == NATIONAL_STEM else barometer.district(ids[stem]).name


def _failures_text(update_id: str, failures: Sequence[ReportFailure]) -> bytes:
    lines = [f"Disse rapporter kunne ikke bygges ved opdateringen {update_id}:", ""]
    lines += [f"{f.stem} ({f.name}): {f.message}" for f in failures]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _run_jobs(stems: Sequence[str], workers: int | None,
              done: Callable[[str, dict[str, bytes] | None, str | None, int], None]) -> None:
    """``_make_report`` for every stem, on ``workers`` forked processes; ``done`` as each finishes."""
    from ..render import docx as _docx  # noqa: F401 - imported before forking workers
    from ..render import pdf as _pdf  # noqa: F401
    from .parallel import Workers, workers_wanted

    n = workers if workers is not None else workers_wanted(len(stems))
    with Workers(min(n, len(stems)), defer_gc=False) as pool:  # ~50 reports per worker: usual GC
        for count, ((stem,), future) in enumerate(pool.as_completed(_make_report, [(s,) for s in stems]), 1):
            try:
                result, error = future.result()
            except Exception as exc:  # the worker process died (memory, signal)
                result, error = None, f"arbejdsprocessen stoppede: {exc}"
            done(stem, result, error, count)


def _make_report(stem: str) -> tuple[dict[str, bytes] | None, str | None]:
    """One report's files, or the error that stopped it (never raises)."""
    try:
        return _report_files(stem), None
    except ReportgenError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - one report's bug must not stop the others
        log.exception("report %s failed", stem)
        return None, f"{type(exc).__name__}: {exc}"


def _report_files(stem: str) -> dict[str, bytes]:
    from ..outputs.cache import RenderCache, fingerprint
    from .pipeline import RENDER_VERSION, render_one

    run = _RUN
    assert run is not None, "build_all sets the run before the jobs start"
    doc = national_document(run) if stem == NATIONAL_STEM else district_document(run, stem)
    renders = RenderCache(run.cache_root / "documents" if run.cache_root else None)
    files = {}
    for fmt in ("pdf", "docx") if run.docx else ("pdf",):
        key = fingerprint(RENDER_VERSION, run.templates_key, fmt, doc)
        data = renders.lookup(key, "." + fmt)
        if data is None:
            data = render_one(fmt, doc, run.template_dirs)
            renders.store(key, "." + fmt, data)
        files[f"{stem}.{fmt}"] = data
    _forget_images()
    return files


def _forget_images() -> None:
    """Drop WeasyPrint's per-process image cache: every report's charts are new, and the cache
    (emptied by render_pdf only above 256 entries) grew a worker by ~8 MiB per report."""
    from ..render import pdf

    for setup in pdf._SETUPS.values():
        setup.cache.clear()


def _draw(run: _Run, spec):
    from ..charts.draw import render_chart_cached

    return render_chart_cached(spec, run.cache_root / "charts" if run.cache_root else None)


def _overview(run: _Run, barometer: Barometer, assessment: Assessment):
    from ..charts.draw import ChartSpec

    updates = barometer.as_of(assessment.at).updates
    return _draw(run, ChartSpec.of("overview", barometer.areas, assessment.areas, updates=updates))


def district_document(run: _Run, stem: str):
    """The development report of one district (``stem`` is its file stem)."""
    from ..documents.municipal import build_development_report

    own, assessment, suppression = run.places[stem]
    narrative = narrate_district(own, assessment, suppression)
    return build_development_report(own, assessment, narrative, slug=stem,
                                    overview=_overview(run, own, assessment), suppressed=suppression.current)


def district_area_signals(run: _Run, area_id: str) -> dict[str, tuple[Signal, bool]]:
    """Each district's colour on an area, by district id: ``(signal, all main figures suppressed)``."""
    out = {}
    for stem, (own, assessment, suppression) in run.places.items():
        if area_id not in {a.id for a in own.areas}:
            continue
        a = assessment.area(area_id)
        mains = [i for i, _ in a.main_signals]
        out[run.ids[stem]] = (a.signal, bool(mains) and set(mains) <= set(suppression.current))
    return out


def national_document(run: _Run):
    """The whole's development report: its own figures, the districts' colour table and a map per area."""
    from ..charts.draw import ChartSpec
    from ..documents import common
    from ..documents.municipal import build_development_report, colour_grid
    from ..narrate import narrate
    from ..signals.assess import assess

    b = run.barometer
    assessment = assess(b, run.update)
    narrative = narrate(b, assessment)
    noun = b.config.district_singular
    per_area = {a.id: district_area_signals(run, a.id) for a in b.areas}
    extra = {}
    if b.map_path is not None and b.config.map_key:
        for area in b.areas:
            results = tuple(DistrictResult(d, s, None, None, sup) for d, (s, sup) in per_area[area.id].items())
            pseudo = Indicator(id=area.id, area=area.id, name=area.name, main=True, unit="percent",
                               direction="up", committee=b.config.owner)
            chart = _draw(run, ChartSpec.of("district_map", pseudo, b.map_path, b.config.map_key,
                                            b.districts, results, places=f"{b.config.district_plural}ne"))
            extra[area.id] = [common.figure_from(chart, caption=f"{area.name}: farven i hver {noun}",
                                                 width_mm=fit_width_mm(chart.svg), raster=True)]
    grey = ("grey", False)
    rows = [(d, [per_area[a.id].get(d.id, grey) for a in b.areas]) for d in b.districts]
    grid = colour_grid([(a.id, a.name) for a in b.areas], rows, min_n=b.config.min_n, noun=noun,
                       noun_plural=f"{b.config.district_plural}ne")
    return build_development_report(b, assessment, narrative, slug=NATIONAL_STEM,
                                    overview=_overview(run, b, assessment), extra=extra, appendix=grid)


_SVG_SIZE = re.compile(rb'<svg[^>]*?\bwidth="([\d.]+)pt"[^>]*?\bheight="([\d.]+)pt"')


def fit_width_mm(svg: bytes, *, width_mm: float = 160.0, max_height_mm: float = 230.0) -> float:
    """The width at which a chart is at most ``max_height_mm`` tall on the page (tall district keys)."""
    m = _SVG_SIZE.search(svg[:2000])
    if not m:
        return width_mm
    w, h = float(m.group(1)), float(m.group(2))
    return round(min(width_mm, max_height_mm * w / h), 1) if w > 0 and h > 0 else width_mm
