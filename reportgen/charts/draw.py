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

from .. import palette
from ..errors import RenderError
from ..inputs import geo
from ..inputs.model import Area, District, Indicator, Measurement, Period, Update
from ..narrate import danish
from ..signals import assess
from ..signals.assess import AreaResult, DistrictResult, IndicatorResult
from .cache import Chart, ChartCache, ChartSpec

log = logging.getLogger(__name__)


CM = 1 / 2.54
WIDTH_CM = 16.0
PNG_DPI = 150
FONT_DIR = Path(__file__).resolve().parents[2] / "templates" / "fonts"
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
        raise RenderError(f"skrifttypen til figurerne mangler: ingen Carlito-*.ttf i {FONT_DIR}")
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
        return _minus(danish.number(x, self.decimals)) + self.suffix


def _minus(text: str) -> str:
    """A typeset minus sign (U+2212) for a negative number, as in the documents' tables."""
    return "\u2212" + text[1:] if text.startswith("-") else text


def value_text(value: float, indicator: Indicator) -> str:
    """A figure as charts and alt texts show it: ``59,3 %``, ``4.793``, ``0,78``, ``−0,24``."""
    text = _minus(danish.number(value, 0 if indicator.unit == "count" else indicator.decimals))
    return f"{text} %" if indicator.unit == "percent" else text


def signed_value_text(value: float, indicator: Indicator) -> str:
    """A change with its sign: ``+1,2``, ``−2,8``, ``0,0``."""
    text = value_text(value, indicator)
    return "+" + text if value > 0 and any(c in "123456789" for c in text) else text


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


def unit_label(indicator: Indicator) -> str:
    """The value axis's title: ``Procent``; a count or value with its unit_text in the plural
    (``Karakterpoint``, ``Boligområder``); else ``Antal`` / ``Værdi``."""
    if indicator.unit != "percent" and indicator.unit_text:
        word = indicator.unit_text.partition("|")
        text = (word[2] or word[0]).strip()
        return text[:1].upper() + text[1:]
    return _UNIT_LABEL[indicator.unit]


def _tick_periods(periods: list[Period], most: int = 8) -> list[Period]:
    """At most ``most`` periods to label, always keeping the last (the newest figure or the target)."""
    periods = sorted(set(periods))
    if not periods:
        return []
    step = -(-len(periods) // most)
    return periods[::-1][::step][::-1]


# The narrowest value axis a chart gets, however close its figures lie: a single figure or a
# change of a tenth must not fill the height of the chart.
MIN_PERCENT_SPAN = 5.0  # percentage points
MIN_RELATIVE_SPAN = 0.1  # of the largest magnitude, for counts and other values
MIN_STEPS_SPAN = 5  # and at least five steps of the last decimal shown (5 for counts)


def min_value_span(unit: str, magnitude: float, decimals: int = 1) -> float:
    """The narrowest value axis that reads sensibly for a figure of this size and unit: five
    percentage points, but no more than twice the figure (shares of a few percent keep their
    scale: not 0–7 for 0,1–0,5 %); else a tenth of the figure; at least five steps of the last
    decimal shown (of a whole for a count)."""
    step = 10.0 ** -(0 if unit == "count" else decimals)
    if unit == "percent":
        return min(MIN_PERCENT_SPAN, max(2 * abs(magnitude), MIN_STEPS_SPAN * step))
    return max(abs(magnitude) * MIN_RELATIVE_SPAN, MIN_STEPS_SPAN * step)


def _decimals_of(values: Iterable[float]) -> int:
    """The fewest decimals (up to 3) that show every value exactly."""
    vals = list(values)
    return next((d for d in range(4) if all(abs(round(v, d) - v) < 1e-9 for v in vals)), 3)


def value_limits(values: Iterable[float], unit: str, *, decimals: int = 1, include_zero: bool = False,
                 pad_low: float = 0.25, pad_high: float = 0.3) -> tuple[float, float]:
    """The value axis of a trend or bar chart: every value (and 0 for bars), widened to the least
    span of :func:`min_value_span`, padded by ``pad_low``/``pad_high`` of the span; it runs below 0
    (or above 100 %) only when a value does, the window moving rather than shrinking."""
    vals = [float(v) for v in values] + ([0.0] if include_zero else [])
    if not vals:
        return 0.0, (100.0 if unit == "percent" else 1.0)
    lo, hi = min(vals), max(vals)
    # Figures finer than the unit's usual step (a count of 0,3 per 1.000) get the step they have.
    finer = _decimals_of(vals)
    if unit == "count" and finer:
        unit = "value"
    least = min_value_span(unit, max(abs(lo), abs(hi)), max(decimals, finer) if unit != "count" else 0)
    if hi - lo < least:
        extra = (least - (hi - lo)) / 2
        lo, hi = lo - extra, hi + extra
    span = hi - lo
    lo, hi = lo - span * pad_low, hi + span * pad_high
    if min(vals) >= 0 and lo < 0:
        lo, hi = 0.0, hi - lo
    if unit == "percent" and max(vals) <= 100 and hi > 100:
        lo, hi = max(0.0 if min(vals) >= 0 else lo, lo - (hi - 100)), 100.0
    return lo, hi


@dataclass(frozen=True)
class TrendLayout:
    """What a trend chart draws and where, worked out before drawing (and testable without it).

    Points are (period, value). ``baseline``, ``target`` and ``trajectory`` come from
    :mod:`reportgen.signals.assess`, the same the colour is judged against. Limits are in the axes' units:
    months since year 0 (:attr:`Period.ordinal`) and the indicator's unit.
    """

    measured: tuple[tuple[Period, float], ...]
    baseline: tuple[Period, float] | None
    target: tuple[Period, float] | None
    trajectory: tuple[tuple[Period, float], ...] | None  # assess.expected_path: two ends, or a curve
    x_ticks: tuple[Period, ...]
    x_limits: tuple[float, float] | None
    y_limits: tuple[float, float]
    x_minor: tuple[Period, ...] = ()  # unlabelled year marks, so years without a figure still count

    @property
    def x_tick_labels(self) -> tuple[str, ...]:
        return tuple(danish.period_short(p) for p in self.x_ticks)


def trend_layout(indicator: Indicator, measurements: Iterable[Measurement],
                 updates: Iterable[Update] | None = None) -> TrendLayout:
    """The points, lines and axis limits of :func:`trend_chart`: the time axis spans the baseline,
    the figures and the target; the value axis is :func:`value_limits` of all of them."""
    rows = _known(measurements, indicator, updates)
    measured = tuple((m.period, m.value) for m in rows)
    baseline, target = assess.baseline_point(indicator), assess.target_point(indicator)
    line = assess.expected_path(indicator)
    points = [*measured, *(p for p in (baseline, target) if p is not None)]
    periods = [p for p, _ in points]
    x_limits = None
    if periods:
        lo, hi = min(p.ordinal for p in periods), max(p.ordinal for p in periods)
        pad = max(1.5, (hi - lo) * 0.04)
        x_limits = (lo - pad, hi + pad)
    y_limits = value_limits([v for _, v in points], indicator.unit, decimals=indicator.decimals)
    ticks = tuple(_tick_periods(periods))
    minor: tuple[Period, ...] = ()
    if periods and all(p.is_year for p in periods):
        first, last = min(periods).year, max(periods).year
        minor = tuple(Period(y, 12, True) for y in range(first, last + 1) if Period(y, 12, True) not in ticks)
    return TrendLayout(measured, baseline, target, line, ticks, x_limits, y_limits, minor)


def trend_alt_text(indicator: Indicator, rows: Sequence[Measurement], result: IndicatorResult | None,
                   place: str | None = None) -> str:
    """``Andel … i København faldt fra 62,3 % i februar 2009 til 59,3 % i august 2009; målet er …``.

    A baseline the sentence does not already start from is named too (``udgangspunktet er …``)."""
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
    baseline = assess.baseline_point(indicator)
    said = [pt for pt in (ref, cur) if pt is not None]
    if baseline is not None and not any(
            p == baseline[0] and value_text(v, indicator) == value_text(baseline[1], indicator) for v, p in said):
        text += (f"; udgangspunktet var {value_text(baseline[1], indicator)}"
                 f" i {danish.period(baseline[0])}")
    target = assess.target_point(indicator)
    if target is not None:
        text += f"; målet er {value_text(target[1], indicator)} i {danish.period(target[0])}"
    return text + "."


@_drawing
def trend_chart(indicator: Indicator, measurements: Iterable[Measurement], result: IndicatorResult | None,
                *, updates: Iterable[Update] | None = None, place: str | None = None) -> Chart:
    """Every published whole-municipality figure, the baseline, the target and the straight line
    from the one to the other (:func:`trend_layout`).

    ``updates``: the updates whose figures may be shown (those up to the assessed one); None shows
    every figure given. ``place`` (e.g. "København") names the municipality in the alt text.
    """
    rows = _known(measurements, indicator, updates)
    layout = trend_layout(indicator, rows)
    fig = _figure(7.0)
    ax = fig.add_axes((0.09, 0.17, 0.88, 0.66))
    _style_axes(ax, grid_axis="y")
    handles = []
    if layout.measured:
        handles += ax.plot([p.ordinal for p, _ in layout.measured], [v for _, v in layout.measured],
                           color=palette.SERIES, linewidth=1.4, marker="o", markersize=4,
                           markeredgewidth=0, label="Målt", gid="measured", zorder=3)
    if layout.baseline is not None:
        (bp, bv) = layout.baseline
        handles += ax.plot([bp.ordinal], [bv], linestyle="none", marker="s", markersize=5.5,
                           markerfacecolor="none", markeredgecolor=palette.INK, markeredgewidth=1.1,
                           label=f"Udgangspunkt {danish.period_short(bp)}", gid="baseline", zorder=4)
        if not any(p == bp and value_text(v, indicator) == value_text(bv, indicator)
                   for p, v in layout.measured):
            _point_label(ax, layout.baseline, indicator, below=_below(layout.baseline, _after(layout, bp)),
                         gid="baseline-label")
    if layout.target is not None:
        handles += ax.plot([layout.target[0].ordinal], [layout.target[1]], linestyle="none",
                           marker="D", markersize=5.5, markerfacecolor="white",
                           markeredgecolor=palette.TARGET, markeredgewidth=1.1, label="Mål", gid="target",
                           zorder=4)
        _point_label(ax, layout.target, indicator,
                     below=_below(layout.target, _before(layout, layout.target[0], via_trajectory=True)),
                     gid="target-label")
    if layout.trajectory is not None:
        handles += ax.plot([p.ordinal for p, _ in layout.trajectory], [v for _, v in layout.trajectory],
                           color=palette.MUTED,
                           linewidth=1.0, linestyle=(0, (4, 3)), label="Forventet udvikling mod målet",
                           gid="trajectory", zorder=2)
    if layout.measured:
        last = layout.measured[-1]
        _point_label(ax, last, indicator, below=_latest_below(layout), gid="latest-label",
                     fontweight="bold", color=palette.SERIES)
    if layout.x_ticks:
        ax.xaxis.set_major_locator(FixedLocator([p.ordinal for p in layout.x_ticks]))
        ax.set_xticklabels(layout.x_tick_labels)
        ax.set_xlim(*layout.x_limits)
        if layout.x_minor:
            ax.xaxis.set_minor_locator(FixedLocator([p.ordinal for p in layout.x_minor]))
            ax.tick_params(axis="x", which="minor", length=2, width=0.5)
    ax.set_ylim(*layout.y_limits)
    ax.yaxis.set_major_locator(MaxNLocator(5, steps=_NICE_STEPS))
    ax.yaxis.set_major_formatter(DanishFormatter())
    ax.set_ylabel(unit_label(indicator), color=palette.MUTED)
    ax.set_xlabel("Måleperiode", color=palette.MUTED)
    if len(handles) > 1:  # a lone "Målt" explains nothing
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.03), ncol=len(handles),
                  borderaxespad=0, handlelength=2.4, columnspacing=1.4, handletextpad=0.5)
    return _finish(f"trend-{indicator.id}", fig, trend_alt_text(indicator, rows, result, place))


_Point = tuple[Period, float]


def _before(layout: TrendLayout, period: Period, *, via_trajectory: bool = False) -> _Point | None:
    """The point drawn just before ``period``: a figure, else the baseline."""
    points = [pt for pt in layout.measured if pt[0] < period]
    if not points and layout.baseline is not None and layout.baseline[0] < period:
        points = [layout.baseline]
    if via_trajectory and layout.trajectory is not None:
        points = [layout.trajectory[-2]]  # the target is reached along the line
    return points[-1] if points else None


def _after(layout: TrendLayout, period: Period) -> _Point | None:
    """The point drawn just after ``period``: a figure, else the target."""
    later = [pt for pt in layout.measured if pt[0] > period]
    if later:
        return later[0]
    return layout.target if layout.target is not None and layout.target[0] > period else None


def _below(point: _Point, neighbour: _Point | None) -> bool:
    """Label a point under it when the line from its neighbour comes from above."""
    return neighbour is not None and neighbour[1] > point[1]


def _latest_below(layout: TrendLayout) -> bool:
    """The newest figure's label goes under it when the line towards the target passes above it,
    else when the measured line comes down into it."""
    last = layout.measured[-1]
    path = layout.trajectory or ()
    for (p0, v0), (p1, v1) in zip(path, path[1:], strict=False):
        if p0 <= last[0] <= p1:
            return v0 + (v1 - v0) * p0.months_to(last[0]) / p0.months_to(p1) > last[1]
    return _below(last, _before(layout, last[0]))


def _point_label(ax: Any, point: _Point, indicator: Indicator, *, below: bool, gid: str, **style: Any) -> None:
    """A value beside its point, on a white ground so grid and dashed lines do not run through it."""
    ax.annotate(value_text(point[1], indicator), (point[0].ordinal, point[1]),
                xytext=(0, -8) if below else (0, 7), textcoords="offset points", ha="center",
                va="top" if below else "bottom", gid=gid, zorder=5,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
                **{"color": palette.INK, **style})


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
        raise RenderError(f"oversigtsfiguren: ingen vurdering af indsatsområde {', '.join(missing)}")
    updates = tuple(updates or ())
    rows = []
    for area in areas:
        r = results[area.id]
        note = "; ".join(_notes(r, updates))
        rows.append((area, r, textwrap.wrap(note, 58) if note else [], textwrap.wrap(area.name, NAME_WRAP)))
    row_h = [0.75 + 0.38 * max(0, len(lines) - 1, len(names) - 1) for _, _, lines, names in rows]
    margin = 0.25
    height = sum(row_h) + 2 * margin
    fig = _figure(height)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, WIDTH_CM)
    ax.set_ylim(height, 0)  # y runs downwards, in cm
    y = margin
    for (area, r, lines, names), h in zip(rows, row_h, strict=True):
        s = palette.style(r.signal)
        mid = y + 0.375
        ax.add_patch(FancyBboxPatch((0.1, mid - 0.26), 0.9, 0.52, boxstyle="round,pad=0,rounding_size=0.08",
                                    facecolor=s.fill,
                                    edgecolor=palette.MUTED if r.signal == "grey" else s.fill,
                                    linewidth=0.6, gid=f"tile-{_gid(area.id)}"))
        ax.text(0.55, mid, s.symbol, ha="center", va="center_baseline", color=s.text, fontsize=11,
                fontweight="bold")
        for i, line in enumerate(names):  # a long name wraps within its column, never under the colour
            ax.text(1.35, mid + 0.38 * i, line, ha="left", va="center_baseline", fontsize=9.5, fontweight="bold")
        ax.text(6.3, mid, f"{s.word} ({s.meaning})", ha="left", va="center_baseline", fontsize=9)
        for i, line in enumerate(lines):
            ax.text(9.6, mid + 0.38 * i, line, ha="left", va="center_baseline", fontsize=8.5,
                    style="italic", color=palette.MUTED)
        y += h
        if y < height - margin - 0.01:
            ax.plot([0.1, WIDTH_CM - 0.1], [y, y], color=palette.GRID, linewidth=0.5)
    return _finish("overview", fig, overview_alt_text(areas, results, updates))


NAME_WRAP = 27  # characters of a bold 9,5 pt area name that fit the 4,9 cm before the colour word


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


def district_bar_limits(indicator: Indicator, values: Iterable[float]) -> tuple[float, float]:
    """The bar chart's value axis: :func:`value_limits` from 0 (a bar's length is its value), with
    room for the value labels beyond the bars' ends."""
    values = list(values)
    return value_limits(values, indicator.unit, decimals=indicator.decimals, include_zero=True,
                        pad_low=0.2 if any(v < 0 for v in values) else 0.0, pad_high=0.2)


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
    lo, hi = district_bar_limits(indicator, values)
    span = hi - lo
    ax.set_xlim(lo, hi)
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
    ax.set_xlabel(unit_label(indicator), color=palette.MUTED)
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


MapStyle = Literal["signal", "value", "change"]
MAP_KEY_MAX = 20  # up to this many districts, the map numbers them and names them in a key
_ROW_CM = 0.45  # one line of legend or key beside a map


@_drawing
def district_map(indicator: Indicator, geojson_path: Path, key: str, districts: Sequence[District],
                 district_results: Iterable[DistrictResult], *, style: MapStyle = "signal",
                 places: str = "bydelene", legend_title: str | None = None) -> Chart:
    """The bydele coloured by signal with a hatch per signal (``style="signal"``), shaded by value
    (``style="value"``) or by a change on a diverging scale centred on zero (``style="change"``:
    ``value`` is the change; blue the indicator's good direction, red the wrong way, white no
    change); suppressed districts carry a cross hatch. Numbers label the districts and a key beside
    the map names them. ``legend_title`` heads the colour bar (the quantity and its unit)."""
    if style not in ("signal", "value", "change"):
        raise ValueError(f"unknown map style {style!r}")
    path = Path(geojson_path)
    try:
        shapes, (x0, y0, x1, y1) = _map_shapes(path.resolve(), key, path.stat().st_mtime_ns)
    except OSError as exc:
        raise RenderError(f"{path.name}: kortet kan ikke læses: filen kan ikke åbnes") from exc
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
    if style == "change":
        # Centred on zero and symmetric, so equal shades mean equal changes either way; the blue
        # end is the indicator's good direction (a fall is blue where lower is better).
        reach = max((abs(v) for v in values), default=0.0) or 1.0
        norm = Normalize(-reach, reach)
        cmap = matplotlib.colormaps[palette.DIVERGING_CMAP]
        if indicator.direction == "down":
            cmap = cmap.reversed()
        c0, c1 = palette.DIVERGING_RANGE

    def shade(value: float) -> str:
        return to_hex(cmap(c0 + (c1 - c0) * float(norm(value))))

    map_w = 9.2
    pad = (x1 - x0) * 0.02
    map_h = map_w * (y1 - y0 + 2 * pad) / (x1 - x0 + 2 * pad)
    legend_rows = {"signal": 5, "value": 4, "change": 6}[style]
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
    elif style == "change":
        entries = []
        if legend_title:
            side.text(0, y, legend_title, va="center_baseline", fontweight="bold", fontsize=8)
        y += _ROW_CM
        bar = fig.add_axes(_cm_box(side_x, height - y - 0.35, side_w * 0.8, 0.35, height))
        ramp = ListedColormap([cmap(c0 + (c1 - c0) * i / 255) for i in range(256)])
        cb = fig.colorbar(ScalarMappable(norm=norm, cmap=ramp), cax=bar, orientation="horizontal")
        cb.solids.set_rasterized(False)  # matplotlib rasterizes bars of 50+ colours; the PDF stays vector
        cb.outline.set_linewidth(0.4)
        cb.ax.tick_params(length=2, width=0.4, labelsize=8)
        cb.ax.xaxis.set_major_locator(MaxNLocator(5, steps=_NICE_STEPS, symmetric=True))
        cb.ax.xaxis.set_major_formatter(_SignedFormatter())
        y += 2.2 * _ROW_CM
        worse, better = "forkerte vej", "rigtige vej"
        left, right = (worse, better) if indicator.direction == "up" else (better, worse)
        side.text(0, y, f"\u2190 {left}", va="center_baseline", fontsize=8, color=palette.MUTED)
        side.text(side_w * 0.8, y, f"{right} \u2192", va="center_baseline", ha="right", fontsize=8,
                  color=palette.MUTED)
        y += 1.8 * _ROW_CM
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
    elif style == "change":
        alt = _sentences(f"Kort over {places}: {indicator.name}; blå er gået den rigtige vej, rød den forkerte "
                         "vej, jo mørkere, desto større ændring", _value_groups(rows, indicator, signed=True))
    else:
        alt = _sentences(f"Kort over {places}: {indicator.name}, jo mørkere, desto højere",
                         _value_groups(rows, indicator))
    return _finish(f"map-{indicator.id}" + ("" if style == "signal" else f"-{style}"), fig, alt)


class _SignedFormatter(DanishFormatter):
    """Colour-bar ticks of a change: ``−2``, ``0``, ``+2``."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        text = super().__call__(x, pos)
        return "+" + text if x > 0 and text.strip("0,") else text


def _cm_box(left: float, bottom: float, width: float, height: float, fig_height: float
            ) -> tuple[float, float, float, float]:
    """An axes rectangle given in cm from the figure's bottom left, as figure fractions."""
    return (left / WIDTH_CM, bottom / fig_height, width / WIDTH_CM, height / fig_height)


def _value_groups(rows: Sequence[tuple[District, DistrictResult | None]], indicator: Indicator, *,
                  signed: bool = False) -> list[str]:
    """``Indre By 66,1 %, …; højest i Østerbro, lavest i Bispebjerg`` then the suppressed and missing."""
    shown = [(d, r.value) for d, r in rows if r is not None and not r.suppressed and r.value is not None]
    groups = []
    text = signed_value_text if signed else value_text
    if shown:
        top = max(shown, key=lambda dv: dv[1])
        bottom = min(shown, key=lambda dv: dv[1])
        groups.append(danish.join_list([f"{d.name} {text(v, indicator)}" for d, v in shown])
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
    if style == "change" and r.value is not None:
        return signed_value_text(r.value, indicator)
    s = palette.style(r.signal)
    return f"{s.symbol} {s.word}"


# --- content-addressed cache ----------------------------------------------------------------------

CHART_KINDS: dict[str, Callable[..., Chart]] = {
    "trend": trend_chart,
    "overview": overview_chart,
    "district_bar": district_bar_chart,
    "district_map": district_map,
}


def render(spec: ChartSpec) -> Chart:
    """Draw what ``spec`` describes."""
    return CHART_KINDS[spec.kind](*spec.args, **dict(spec.options))


def render_chart_cached(spec: ChartSpec, cache_dir: Path | None) -> Chart:
    """Draw ``spec``, or take it from ``cache_dir`` when drawn before; ``None`` means no cache."""
    return render(spec) if cache_dir is None else ChartCache(cache_dir).get(spec, render)
