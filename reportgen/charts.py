"""Charts as bytes: trend, overview, district bars and district maps, drawn the same way every time."""
from __future__ import annotations

import functools
import io
import logging
import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

import matplotlib
from matplotlib import font_manager
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize, to_hex
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FixedLocator, Formatter, MaxNLocator

from . import geo, palette
from .assess import AreaResult, DistrictResult, IndicatorResult
from .chartcache import (  # noqa: F401 - re-exported: the cache lives apart so it imports no matplotlib
    CHART_VERSION,
    Chart,
    ChartCache,
    ChartKind,
    ChartSpec,
    render_chart_cached,
)
from .errors import RenderError
from .model import Area, District, Indicator, Measurement, Period, Update
from .narrate import danish

log = logging.getLogger(__name__)


CM = 1 / 2.54
WIDTH_CM = 16.0
PNG_DPI = 150
FONT_DIR = Path(__file__).resolve().parents[1] / "templates" / "fonts"
FAMILY = "Carlito"

_RC: dict[str, Any] = {
    # One family; palette symbols are chosen from glyphs Carlito has. The Noto faces only draw
    # scripts Carlito lacks (Arabic, Hebrew names in data); matplotlib falls back glyph by glyph.
    "font.family": [FAMILY, "Noto Sans Arabic", "Noto Sans Hebrew"],
    "font.size": 8.5,
    "text.parse_math": False,  # "$" in names and data is literal, never mathtext
    "text.color": palette.INK,
    "axes.edgecolor": palette.MUTED,
    "axes.labelcolor": palette.INK,
    "axes.linewidth": 0.6,
    "axes.titlesize": 9.5,
    "xtick.color": palette.MUTED,
    "ytick.color": palette.MUTED,
    "xtick.labelcolor": palette.INK,
    "ytick.labelcolor": palette.INK,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 3,
    "ytick.major.size": 0,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "hatch.linewidth": 0.6,
    "svg.fonttype": "none",  # text stays text: searchable, accessible; the CSS supplies Carlito
    "svg.hashsalt": "reportgen",  # stable ids in the SVG
    "svg.image_inline": True,
    "path.simplify": True,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


@functools.cache
def _register_fonts() -> None:
    """Add the project's Carlito faces to matplotlib once per process."""
    faces = sorted(FONT_DIR.glob("Carlito-*.ttf")) + sorted(FONT_DIR.glob("NotoSans*-*.ttf"))
    if not faces:
        raise RenderError(f"the chart font is missing: no Carlito-*.ttf in {FONT_DIR}")
    for face in faces:
        font_manager.fontManager.addfont(str(face))


def _drawing(func: Callable[..., Chart]) -> Callable[..., Chart]:
    """Run a chart function with the project's fonts and matplotlib settings, touching no globals."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Chart:
        _register_fonts()
        with matplotlib.rc_context(_RC):
            return func(*args, **kwargs)

    return wrapper


def _figure(height_cm: float) -> Figure:
    return Figure(figsize=(WIDTH_CM * CM, height_cm * CM), dpi=PNG_DPI)


def _finish(name: str, fig: Figure, alt_text: str) -> Chart:
    """Save SVG (with the alt text as its <title>) and PNG; both are byte-stable."""
    svg_buf, png_buf = io.BytesIO(), io.BytesIO()
    fig.savefig(svg_buf, format="svg", metadata={"Date": None})
    fig.savefig(png_buf, format="png", dpi=PNG_DPI, metadata={"Software": None})
    svg = svg_buf.getvalue().decode("utf-8")
    svg = re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1) + f"\n <title>{escape(alt_text)}</title>",
                 svg, count=1)
    return Chart(name, svg.encode("utf-8"), png_buf.getvalue(), alt_text)


class DanishFormatter(Formatter):
    """Tick labels with decimal comma and thousands point, with as few decimals as the ticks need."""

    def __init__(self, suffix: str = "") -> None:
        self.suffix = suffix
        self.decimals = 0

    def set_locs(self, locs: Sequence[float]) -> None:
        super().set_locs(locs)
        self.decimals = next((d for d in range(4) if all(abs(round(v, d) - v) < 1e-9 for v in locs)), 3)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return danish.number(x, self.decimals) + self.suffix


def value_text(value: float, indicator: Indicator) -> str:
    """A figure as charts and alt texts show it: ``59,3 %``, ``4.793``, ``0,78``."""
    text = danish.number(value, 0 if indicator.unit == "count" else indicator.decimals)
    return f"{text} %" if indicator.unit == "percent" else text


_NICE_STEPS = (1, 2, 2.5, 5, 10)  # tick steps a reader counts in; no 300s or 1,5s
_UNIT_LABEL = {"percent": "Procent", "count": "Antal", "value": "Værdi"}


def _style_axes(ax: Any, *, grid_axis: str) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis=grid_axis, color=palette.GRID, linewidth=0.5)
    ax.set_axisbelow(True)


# --- trend chart -------------------------------------------------------------------------------


def _known(measurements: Iterable[Measurement], indicator: Indicator,
           updates: Iterable[Update] | None) -> list[Measurement]:
    allowed = None if updates is None else {u.id for u in updates}
    rows = [m for m in measurements
            if m.indicator == indicator.id and m.district is None
            and (allowed is None or m.update in allowed)]
    return sorted(rows, key=lambda m: m.period)


def _tick_periods(periods: list[Period], most: int = 8) -> list[Period]:
    """At most ``most`` periods to label, always keeping the last (the newest figure or the target)."""
    periods = sorted(set(periods))
    if not periods:
        return []
    step = -(-len(periods) // most)
    return periods[::-1][::step][::-1]


def trend_alt_text(indicator: Indicator, rows: Sequence[Measurement], result: IndicatorResult | None,
                   place: str | None = None) -> str:
    """``Andel … i København faldt fra 62,3 % i februar 2009 til 59,3 % i august 2009; målet er …``."""
    subject = indicator.name + (f" i {place}" if place else "")
    if result is not None and result.value is not None and result.period is not None:
        cur = (result.value, result.period)
        ref = ((result.reference_value, result.reference_period)
               if result.reference_value is not None and result.reference_period is not None else None)
    elif rows:
        cur = (rows[-1].value, rows[-1].period)
        ref = (rows[0].value, rows[0].period) if len(rows) > 1 else None
    else:
        return f"{subject}: ingen offentliggjorte tal endnu."
    now = f"{value_text(cur[0], indicator)} i {danish.period(cur[1])}"
    if ref is None:
        text = f"{subject} var {now}"
    else:
        before = f"{value_text(ref[0], indicator)} i {danish.period(ref[1])}"
        shown_change = value_text(cur[0], indicator) != value_text(ref[0], indicator)
        verb = ("steg" if cur[0] > ref[0] else "faldt") if shown_change else "var uændret"
        text = f"{subject} {verb} fra {before} til {now}"
    if indicator.target_value is not None and indicator.target_period is not None:
        text += (f"; målet er {value_text(indicator.target_value, indicator)}"
                 f" i {danish.period(indicator.target_period)}")
    return text + "."


@_drawing
def trend_chart(indicator: Indicator, measurements: Iterable[Measurement], result: IndicatorResult | None,
                *, updates: Iterable[Update] | None = None, place: str | None = None) -> Chart:
    """Every published whole-municipality figure, the target and the straight line towards it.

    ``updates``: the updates whose figures may be shown (those up to the assessed one); None shows
    every figure given. ``place`` (e.g. "København") names the municipality in the alt text.
    """
    rows = _known(measurements, indicator, updates)
    fig = _figure(7.0)
    ax = fig.add_axes((0.09, 0.17, 0.88, 0.68))
    _style_axes(ax, grid_axis="y")
    xs = [m.period.ordinal for m in rows]
    ys = [m.value for m in rows]
    handles = []
    has_line = (indicator.baseline_period is not None and indicator.baseline_value is not None
                and indicator.target_period is not None and indicator.target_value is not None)
    if rows:
        handles += ax.plot(xs, ys, color=palette.SERIES, linewidth=1.4, marker="o", markersize=4,
                           markeredgewidth=0, label="Målt", gid="measured", zorder=3)
    if indicator.target_value is not None and indicator.target_period is not None:
        handles += ax.plot([indicator.target_period.ordinal], [indicator.target_value], linestyle="none",
                           marker="D", markersize=5.5, markerfacecolor="white",
                           markeredgecolor=palette.TARGET, markeredgewidth=1.1, label="Mål", gid="target",
                           zorder=4)
        ax.annotate(value_text(indicator.target_value, indicator),
                    (indicator.target_period.ordinal, indicator.target_value), xytext=(0, 7),
                    textcoords="offset points", ha="center", va="bottom", color=palette.INK)
    if has_line:
        handles += ax.plot([indicator.baseline_period.ordinal, indicator.target_period.ordinal],
                           [indicator.baseline_value, indicator.target_value], color=palette.MUTED,
                           linewidth=1.0, linestyle=(0, (4, 3)), label="Forventet udvikling mod målet",
                           gid="trajectory", zorder=2)
    if rows:
        last = rows[-1]
        ax.annotate(value_text(last.value, indicator), (last.period.ordinal, last.value), xytext=(0, -8)
                    if _label_below(rows) else (0, 7), textcoords="offset points", ha="center",
                    va="top" if _label_below(rows) else "bottom", fontweight="bold", color=palette.SERIES,
                    gid="latest-label")
    periods = [m.period for m in rows]
    if indicator.target_period is not None:
        periods.append(indicator.target_period)
    if has_line:
        periods.append(indicator.baseline_period)
    ticks = _tick_periods(periods)
    if ticks:
        ax.xaxis.set_major_locator(FixedLocator([p.ordinal for p in ticks]))
        ax.set_xticklabels([danish.period_short(p) for p in ticks])
        lo, hi = min(p.ordinal for p in periods), max(p.ordinal for p in periods)
        pad = max(1.5, (hi - lo) * 0.04)
        ax.set_xlim(lo - pad, hi + pad)
    values = ys + [v for v in (indicator.target_value, indicator.baseline_value if has_line else None)
                   if v is not None]
    if values:
        lo_v, hi_v = min(values), max(values)
        span = (hi_v - lo_v) or max(abs(hi_v) * 0.1, 1.0)
        ax.set_ylim(lo_v - span * 0.25, hi_v + span * 0.3)
    ax.yaxis.set_major_locator(MaxNLocator(5, steps=_NICE_STEPS))
    ax.yaxis.set_major_formatter(DanishFormatter())
    ax.set_ylabel(_UNIT_LABEL[indicator.unit], color=palette.MUTED)
    ax.set_xlabel("Måleperiode", color=palette.MUTED)
    if len(handles) > 1:  # a lone "Målt" explains nothing
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.02), ncol=len(handles),
                  borderaxespad=0, handlelength=2.4, columnspacing=1.6)
    return _finish(f"trend-{indicator.id}", fig, trend_alt_text(indicator, rows, result, place))


def _label_below(rows: Sequence[Measurement]) -> bool:
    """Put the newest figure's label under its point when the line comes down into it."""
    return len(rows) > 1 and rows[-1].value < rows[-2].value


# --- overview chart ------------------------------------------------------------------------------


def _update_text(update_id: str, updates: Iterable[Update] | None) -> str:
    """``maj 2009`` for update ``2009-05``: from the update's date, else from an id shaped as a period."""
    for u in updates or ():
        if u.id == update_id:
            return danish.period(Period(u.date.year, u.date.month))
    try:
        return danish.period(Period.parse(update_id))
    except ValueError:
        return update_id


def _notes(result: AreaResult, updates: Iterable[Update] | None) -> list[str]:
    notes = []
    if result.carried_over:
        notes.append(f"overført fra {_update_text(result.carried_from, updates)}" if result.carried_from
                     else "overført fra forrige opdatering")
    if result.overridden:
        reason = f": {result.override_reason}" if result.override_reason else ""
        notes.append(f"forvaltningens vurdering{reason}")
    return notes


def overview_alt_text(areas: Sequence[Area], results: dict[str, AreaResult],
                      updates: Iterable[Update] | None = None) -> str:
    parts = []
    for area in areas:
        r = results[area.id]
        s = palette.style(r.signal)
        parts.append(", ".join([f"{area.name} {s.word} ({s.meaning})", *_notes(r, updates)]))
    count = danish.plural(len(areas), "indsatsområde", "indsatsområder")
    return f"Signaler for {count}: " + "; ".join(parts) + "."


@_drawing
def overview_chart(areas: Sequence[Area], area_results: Iterable[AreaResult], *,
                   updates: Iterable[Update] | None = None) -> Chart:
    """One row per area: a coloured tile with the signal's symbol, the name, the colour in words,
    and whether the colour was carried over (``updates`` turns ``2009-05`` into ``maj 2009``)."""
    results = {r.area: r for r in area_results}
    missing = [a.id for a in areas if a.id not in results]
    if missing:
        raise RenderError(f"overview chart: no result for area {', '.join(missing)}")
    updates = tuple(updates or ())
    rows = []
    for area in areas:
        r = results[area.id]
        note = "; ".join(_notes(r, updates))
        rows.append((area, r, textwrap.wrap(note, 58) if note else []))
    row_h = [0.75 + 0.38 * max(0, len(lines) - 1) for _, _, lines in rows]
    margin = 0.25
    height = sum(row_h) + 2 * margin
    fig = _figure(height)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, WIDTH_CM)
    ax.set_ylim(height, 0)  # y runs downwards, in cm
    y = margin
    for (area, r, lines), h in zip(rows, row_h, strict=True):
        s = palette.style(r.signal)
        mid = y + 0.375
        ax.add_patch(FancyBboxPatch((0.1, mid - 0.26), 0.9, 0.52, boxstyle="round,pad=0,rounding_size=0.08",
                                    facecolor=s.fill,
                                    edgecolor=palette.MUTED if r.signal == "grey" else s.fill,
                                    linewidth=0.6, gid=f"tile-{_gid(area.id)}"))
        ax.text(0.55, mid, s.symbol, ha="center", va="center_baseline", color=s.text, fontsize=11,
                fontweight="bold")
        ax.text(1.35, mid, area.name, ha="left", va="center_baseline", fontsize=9.5, fontweight="bold")
        ax.text(6.3, mid, f"{s.word} ({s.meaning})", ha="left", va="center_baseline", fontsize=9)
        for i, line in enumerate(lines):
            ax.text(9.6, mid + 0.38 * i, line, ha="left", va="center_baseline", fontsize=8.5,
                    style="italic", color=palette.MUTED)
        y += h
        if y < height - margin - 0.01:
            ax.plot([0.1, WIDTH_CM - 0.1], [y, y], color=palette.GRID, linewidth=0.5)
    return _finish("overview", fig, overview_alt_text(areas, results, updates))


def _gid(ident: str) -> str:
    """An id from data made safe for an SVG id attribute."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", ident)


# --- district bar chart --------------------------------------------------------------------------


def _district_rows(districts: Sequence[District], district_results: Iterable[DistrictResult]
                   ) -> list[tuple[District, DistrictResult | None]]:
    results = {r.district: r for r in district_results}
    return [(d, results.get(d.id)) for d in districts]


def _signal_groups(rows: Sequence[tuple[District, DistrictResult | None]], indicator: Indicator,
                   *, with_values: bool) -> list[str]:
    """``grøn (fremskridt): Indre By 61,0 %, Østerbro 58,2 %`` per signal, then the suppressed."""
    groups: list[str] = []
    for signal in ("green", "yellow", "red", "grey"):
        members = [(d, r) for d, r in rows if r is not None and not r.suppressed and r.signal == signal]
        if members:
            s = palette.style(signal)
            names = [d.name + (f" {value_text(r.value, indicator)}" if with_values and r.value is not None
                               else "") for d, r in members]
            groups.append(f"{s.word} ({s.meaning}): {danish.join_list(names)}")
    suppressed = [d.name for d, r in rows if r is not None and r.suppressed]
    if suppressed:
        groups.append(f"{palette.SUPPRESSED_LABEL.lower()}: {danish.join_list(suppressed)}")
    absent = [d.name for d, r in rows if r is None]
    if absent:
        groups.append(f"ingen tal: {danish.join_list(absent)}")
    return groups


@_drawing
def district_bar_chart(indicator: Indicator, districts: Sequence[District],
                       district_results: Iterable[DistrictResult], *, word: str = "bydel") -> Chart:
    """A horizontal bar per district in districts.csv order, filled and hatched by its signal;
    a suppressed district gets the words "for få observationer" and no bar."""
    rows = _district_rows(districts, district_results)
    top, bottom, left, right = 1.0, 1.15, 4.6, 0.4
    height = top + bottom + 0.62 * len(rows)
    fig = _figure(height)
    ax = fig.add_axes(_cm_box(left, bottom, WIDTH_CM - left - right, height - top - bottom, height))
    _style_axes(ax, grid_axis="x")
    ax.spines["left"].set_visible(False)
    values = [r.value for _, r in rows if r is not None and not r.suppressed and r.value is not None]
    hi = max([0.0, *values])
    lo = min([0.0, *values])
    span = (hi - lo) or 1.0
    ax.set_xlim(lo, hi + span * 0.16)
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([d.name for d, _ in rows])
    for i, (d, r) in enumerate(rows):
        if r is None or r.value is None or r.suppressed:
            words = palette.SUPPRESSED_LABEL.lower() if r is not None and r.suppressed else "ingen tal"
            ax.text(lo + span * 0.01, i, words, va="center", ha="left", style="italic", color=palette.MUTED,
                    gid=f"note-{_gid(d.id)}")
            continue
        s = palette.style(r.signal)
        ax.barh(i, r.value, height=0.62, color=s.fill, hatch=s.hatch or None, hatchcolor=s.hatch_colour,
                edgecolor=palette.MUTED if r.signal == "grey" else s.fill, linewidth=0.5,
                gid=f"bar-{_gid(d.id)}")
        ax.text(r.value + span * 0.015 if r.value >= 0 else r.value - span * 0.015, i,
                f"{value_text(r.value, indicator)}  {s.symbol}", va="center",
                ha="left" if r.value >= 0 else "right")
    ax.xaxis.set_major_locator(MaxNLocator(5, steps=_NICE_STEPS))
    ax.xaxis.set_major_formatter(DanishFormatter())
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel(_UNIT_LABEL[indicator.unit], color=palette.MUTED)
    drawn = {r.signal for _, r in rows if r is not None and not r.suppressed and r.value is not None}
    shown = [s for s in ("green", "yellow", "red", "grey") if s in drawn]
    if shown:
        fig.legend(handles=[_legend_patch(s) for s in shown], loc="upper left",
                   bbox_to_anchor=(0.2 / WIDTH_CM, 1 - 0.1 / height), ncol=len(shown), borderaxespad=0,
                   handlelength=1.6, handleheight=1.0, columnspacing=1.4)
    alt = _sentences(f"{indicator.name} efter {word}", _signal_groups(rows, indicator, with_values=True))
    return _finish(f"districts-{indicator.id}", fig, alt)


def _sentences(*parts: str | list[str]) -> str:
    """Parts (or lists of parts) as capitalised sentences: ``A. B. C.``."""
    flat = [p for part in parts for p in ([part] if isinstance(part, str) else part)]
    return " ".join(danish.capitalize(p) + "." for p in flat)


def _legend_patch(signal: str) -> Rectangle:
    s = palette.style(signal)
    return Rectangle((0, 0), 1, 1, facecolor=s.fill, hatch=s.hatch or None, hatchcolor=s.hatch_colour,
                 edgecolor=palette.MUTED if signal == "grey" else s.fill, linewidth=0.5, label=s.label)


def _suppressed_patch() -> Rectangle:
    return Rectangle((0, 0), 1, 1, facecolor=palette.SUPPRESSED_FILL, hatch=palette.SUPPRESSED_HATCH,
                 hatchcolor=palette.SUPPRESSED_HATCH_COLOUR, edgecolor=palette.MUTED, linewidth=0.5,
                 label=palette.SUPPRESSED_LABEL)


# --- district map ---------------------------------------------------------------------------------


def _ring_codes(ring: geo.Ring, clockwise: bool) -> tuple[list[tuple[float, float]], list[int]]:
    pts = list(ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring)
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True))
    if (area < 0) != clockwise:
        pts.reverse()
    return pts + [pts[0]], [MplPath.MOVETO] + [MplPath.LINETO] * (len(pts) - 1) + [MplPath.CLOSEPOLY]


def _feature_path(feature: geo.GeoFeature) -> MplPath:
    """All polygons of a feature as one path: exteriors anticlockwise, holes clockwise (nonzero fill)."""
    vertices: list[tuple[float, float]] = []
    codes: list[int] = []
    for polygon in feature.polygons:
        for i, ring in enumerate(polygon):
            v, c = _ring_codes(ring, clockwise=i > 0)
            vertices += v
            codes += c
    return MplPath(vertices, codes)


@dataclass(frozen=True)
class _MapShape:
    key: str
    path: MplPath
    label_at: tuple[float, float]


@functools.lru_cache(maxsize=8)
def _map_shapes(path: Path, key: str, mtime_ns: int) -> tuple[tuple[_MapShape, ...], tuple[float, ...]]:
    """Projected outlines, label points and bounds, worked out once per file version (a build draws
    the same map for many indicators). ``mtime_ns`` is only part of the cache key."""
    features = geo.simplify_features(geo.project_features(geo.read_features(path, key)))
    shapes = tuple(_MapShape(f.key, _feature_path(f), geo.label_point(f)) for f in features)
    return shapes, geo.bounds(features)


MapStyle = Literal["signal", "value"]
MAP_KEY_MAX = 20  # up to this many districts, the map numbers them and names them in a key
_ROW_CM = 0.45  # one line of legend or key beside a map


@_drawing
def district_map(indicator: Indicator, geojson_path: Path, key: str, districts: Sequence[District],
                 district_results: Iterable[DistrictResult], *, style: MapStyle = "signal",
                 places: str = "bydelene") -> Chart:
    """The bydele coloured by signal with a hatch per signal (``style="signal"``) or shaded by value
    (``style="value"``); suppressed districts carry a cross hatch. Numbers label the districts and a
    key beside the map names them."""
    if style not in ("signal", "value"):
        raise ValueError(f"unknown map style {style!r}")
    path = Path(geojson_path)
    try:
        shapes, (x0, y0, x1, y1) = _map_shapes(path.resolve(), key, path.stat().st_mtime_ns)
    except OSError as exc:
        raise RenderError(f"{path.name}: cannot read the map: {exc}") from exc
    by_geo = {d.geo_id: d for d in districts if d.geo_id is not None}
    results = {r.district: r for r in district_results}
    rows = _district_rows(districts, results.values())
    values = [r.value for r in results.values() if not r.suppressed and r.value is not None]
    norm = None
    if style == "value" and values:
        lo, hi = min(values), max(values)
        norm = Normalize(lo, hi) if hi > lo else Normalize(lo - 1, hi + 1)
    cmap = matplotlib.colormaps[palette.SEQUENTIAL_CMAP]
    c0, c1 = palette.SEQUENTIAL_RANGE

    def shade(value: float) -> str:
        return to_hex(cmap(c0 + (c1 - c0) * float(norm(value))))

    map_w = 9.2
    pad = (x1 - x0) * 0.02
    map_h = map_w * (y1 - y0 + 2 * pad) / (x1 - x0 + 2 * pad)
    legend_rows = 5 if style == "signal" else 4
    # Many districts (a national map of 98 municipalities): no numbers on the map and no key beside
    # it, which would run to half a metre; the table under the map names them.
    compact = len(rows) > MAP_KEY_MAX
    side_h = (legend_rows + 0.8 + (0 if compact else len(rows))) * _ROW_CM
    height = max(map_h, side_h) + 0.5
    fig = _figure(height)
    ax = fig.add_axes(_cm_box(0.1, (height - map_h) / 2, map_w, map_h, height))
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    for shape in shapes:
        district = by_geo.get(shape.key)
        r = results.get(district.id) if district else None
        face, hatch, hatch_colour = palette.style("grey").fill, None, None
        if r is not None and r.suppressed:
            face, hatch, hatch_colour = (palette.SUPPRESSED_FILL, palette.SUPPRESSED_HATCH,
                                         palette.SUPPRESSED_HATCH_COLOUR)
        elif r is not None and style == "signal":
            s = palette.style(r.signal)
            face, hatch, hatch_colour = s.fill, s.hatch or None, s.hatch_colour
        elif r is not None and r.value is not None and norm is not None:
            face = shade(r.value)
        # add_artist, not add_patch: the limits are set above, and autoscaling walks every vertex.
        ax.add_artist(PathPatch(shape.path, facecolor=face, hatch=hatch, hatchcolor=hatch_colour,
                                edgecolor="white", linewidth=0.3 if compact else 0.9,
                                gid=f"district-{_gid(shape.key)}"))
        if district is not None and not compact:
            ax.text(*shape.label_at, _short_label(district), ha="center", va="center", fontsize=8,
                    fontweight="bold", bbox={"boxstyle": "circle,pad=0.25", "facecolor": "white",
                                             "edgecolor": palette.MUTED, "linewidth": 0.4})

    side_x, side_w = map_w + 0.6, WIDTH_CM - map_w - 0.8
    side = fig.add_axes(_cm_box(side_x, 0, side_w, height, height))
    side.set_axis_off()
    side.set_xlim(0, side_w)
    side.set_ylim(height, 0)  # cm from the top
    y = (height - side_h) / 2 + _ROW_CM / 2
    if style == "signal":
        entries = [_legend_patch(s) for s in ("green", "yellow", "red", "grey")]
    else:
        entries = []
        if norm is not None:
            bar = fig.add_axes(_cm_box(side_x, height - y - 0.35, side_w * 0.8, 0.35, height))
            ramp = ListedColormap([cmap(c0 + (c1 - c0) * i / 255) for i in range(256)])
            cb = fig.colorbar(ScalarMappable(norm=norm, cmap=ramp), cax=bar, orientation="horizontal")
            cb.outline.set_linewidth(0.4)
            cb.ax.tick_params(length=2, width=0.4)
            cb.ax.xaxis.set_major_locator(MaxNLocator(4, steps=_NICE_STEPS))
            cb.ax.xaxis.set_major_formatter(DanishFormatter(" %" if indicator.unit == "percent" else ""))
        y += 3 * _ROW_CM
    entries.append(_suppressed_patch())
    for patch in entries:
        patch.set_bounds(0, y - 0.15, 0.55, 0.3)
        side.add_patch(patch)
        side.text(0.75, y, patch.get_label(), va="center_baseline")
        y += _ROW_CM
    y += 0.8 * _ROW_CM
    for d, r in () if compact else rows:
        side.text(0, y, _short_label(d), va="center_baseline", fontweight="bold", fontsize=8)
        side.text(0.45, y, d.name, va="center_baseline", fontsize=8)
        side.text(side_w, y, _map_key_status(r, indicator, style), va="center_baseline", ha="right",
                  fontsize=8, color=palette.MUTED)
        y += _ROW_CM
    if style == "signal":
        alt = _sentences(f"Kort over {places}: {indicator.name}",
                         _signal_groups(rows, indicator, with_values=False))
    else:
        alt = _sentences(f"Kort over {places}: {indicator.name}, jo mørkere, desto højere",
                         _value_groups(rows, indicator))
    return _finish(f"map-{indicator.id}" + ("-value" if style == "value" else ""), fig, alt)


def _cm_box(left: float, bottom: float, width: float, height: float, fig_height: float
            ) -> tuple[float, float, float, float]:
    """An axes rectangle given in cm from the figure's bottom left, as figure fractions."""
    return (left / WIDTH_CM, bottom / fig_height, width / WIDTH_CM, height / fig_height)


def _value_groups(rows: Sequence[tuple[District, DistrictResult | None]], indicator: Indicator) -> list[str]:
    """``Indre By 66,1 %, …; højest i Østerbro, lavest i Bispebjerg`` then the suppressed and missing."""
    shown = [(d, r.value) for d, r in rows if r is not None and not r.suppressed and r.value is not None]
    groups = []
    if shown:
        top = max(shown, key=lambda dv: dv[1])
        bottom = min(shown, key=lambda dv: dv[1])
        groups.append(danish.join_list([f"{d.name} {value_text(v, indicator)}" for d, v in shown])
                      + f"; højest i {top[0].name}, lavest i {bottom[0].name}")
    suppressed = [d.name for d, r in rows if r is not None and r.suppressed]
    if suppressed:
        groups.append(f"{palette.SUPPRESSED_LABEL.lower()}: {danish.join_list(suppressed)}")
    absent = [d.name for d, r in rows if r is None or (not r.suppressed and r.value is None)]
    if absent:
        groups.append(f"ingen tal: {danish.join_list(absent)}")
    return groups


def _short_label(district: District) -> str:
    """The number on the map: the district's geo id (bydel_nr) when short, else its id."""
    label = district.geo_id or district.id
    return label if len(label) <= 3 else district.id[:3]


def _map_key_status(r: DistrictResult | None, indicator: Indicator, style: str) -> str:
    if r is None:
        return "ingen tal"
    if r.suppressed:
        return palette.SUPPRESSED_LABEL.lower()
    if style == "value" and r.value is not None:
        return value_text(r.value, indicator)
    s = palette.style(r.signal)
    return f"{s.symbol} {s.word}"


# --- content-addressed cache ----------------------------------------------------------------------

CHART_KINDS: dict[str, Callable[..., Chart]] = {
    "trend": trend_chart,
    "overview": overview_chart,
    "district_bar": district_bar_chart,
    "district_map": district_map,
}


