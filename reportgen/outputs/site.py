"""The barometer website: front page, a page per area and per indicator, and the archive, as files."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .. import palette
from ..document import Document, ListBlock, Note, Paragraph, Run
from ..documents import common
from ..errors import ReportgenError
from ..inputs.model import Barometer, Indicator
from ..names import safe_stem
from ..narrate import Narrative, explain_area
from ..narrate import danish as da
from ..render.site import render_site
from ..signals.assess import Assessment, IndicatorResult

__all__ = ["SiteLayout", "build_site"]

# Charts name their font without a fallback; a visitor without Carlito would get the browser's
# default serif inside the <img>. An SVG shown as an image cannot load the site's web font, so
# the site's copies name the same family as the CSS, Calibri-metric fallbacks first.
_SVG_FONT = re.compile(rb"font-family: ?'Carlito'")
_SVG_FONT_STACK = b"font-family: 'Carlito', Calibri, Arial, sans-serif"

# Where `reportgen annual` writes a year's report: <out>/statusrapport-<year>/statusrapport.pdf|.docx
ANNUAL_FOLDER = "statusrapport-{year}"
ANNUAL_STEM = "statusrapport"
_ANNUAL_FOLDER_RE = re.compile(r"^statusrapport-(\d{4})$")


# --- what the templates get: ready-made Danish strings, nothing left to compute -----------------

@dataclass(frozen=True)
class SiteInfo:
    """What every page shows in its header and footer."""

    title: str
    municipality: str
    administration: str | None
    policy: str
    update: str  # the update's label, "December 2009"
    date: str  # "3. december 2009"
    legend: tuple[SignalView, ...]


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    current: bool = False


@dataclass(frozen=True)
class SignalView:
    """A colour shown as symbol and word; ``why`` is the why-sentence (text and tooltip)."""

    signal: str  # green/yellow/red/grey: selects the CSS class, never shown alone
    symbol: str
    word: str  # "Rød"
    meaning: str  # "tilbagegang"
    why: str
    carried: str | None = None  # "Overført fra maj 2009"


@dataclass(frozen=True)
class Image:
    src: str
    alt: str
    caption: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class MainChart:
    """A main indicator's trend chart on its area page, linking to the indicator's page."""

    name: str
    href: str
    image: Image


@dataclass(frozen=True)
class Tile:
    name: str
    href: str
    signal: SignalView
    summary: str


@dataclass(frozen=True)
class IndicatorRow:
    name: str
    href: str
    main: bool
    value: str
    period: str
    change: str
    target: str
    signal: SignalView


@dataclass(frozen=True)
class FigureRow:
    period: str
    value: str
    published: str
    n: str
    current: bool  # the figure the colour is based on


@dataclass(frozen=True)
class DistrictRow:
    name: str
    value: str
    period: str
    change: str
    signal: SignalView


@dataclass(frozen=True)
class Initiative:
    name: str
    status: str | None
    description: str | None


@dataclass(frozen=True)
class ArchiveRow:
    update: str
    date: str
    current: bool
    cells: tuple[SignalView, ...]


@dataclass(frozen=True)
class TextBlock:
    """A block of the press release as the press page shows it: a paragraph (``style`` body, lead,
    small or quote), a list (``items``) or a boxed note (``title``)."""

    kind: str  # "paragraph" | "list" | "box"
    runs: tuple[Run, ...] = ()
    items: tuple[tuple[Run, ...], ...] = ()
    title: str | None = None
    style: str = "body"


@dataclass(frozen=True)
class SiteLayout:
    """The file name of every page and chart; ids from data pass through ``safe_stem`` and are
    checked for collisions (also ignoring case, for Windows and macOS file systems)."""

    areas: dict[str, str]
    indicators: dict[str, str]
    charts: dict[str, str]  # chart name -> site path

    @classmethod
    def of(cls, barometer: Barometer, charts: Sequence[object]) -> SiteLayout:
        areas = _unique("indsatsområde", "omraade-{}.html", [a.id for a in barometer.areas])
        indicators = _unique("indikator", "indikator-{}.html", [i.id for i in barometer.indicators])
        names = _unique("figur", "figurer/{}.svg", [c.name for c in charts])
        return cls(areas, indicators, names)


def _unique(kind: str, pattern: str, ids: Sequence[str]) -> dict[str, str]:
    paths: dict[str, str] = {}
    seen: dict[str, str] = {}
    for ident in ids:
        path = pattern.format(safe_stem(ident))
        other = seen.get(path.casefold())
        if other is not None and other != ident:
            raise ReportgenError(
                f'{kind} "{other}" og "{ident}" ville få samme filnavn på hjemmesiden ({path}); '
                "giv dem id'er, der adskiller sig med bogstaver eller tal")
        seen[path.casefold()] = ident
        paths[ident] = path
    return paths


# --- the builder ----------------------------------------------------------------------------------

def annual_report_links(out_root: Path, upto_year: int) -> dict[str, str]:
    """The annual reports already in ``out_root`` up to ``upto_year``, newest first, as links from
    an update's ``site/`` folder: ``{"Statusrapport 2009 (PDF)": "../../statusrapport-2009/statusrapport.pdf"}``."""
    found: list[int] = []
    root = Path(out_root)
    if root.is_dir():
        for child in root.iterdir():
            m = _ANNUAL_FOLDER_RE.match(child.name)
            if m and int(m.group(1)) <= upto_year and (child / f"{ANNUAL_STEM}.pdf").is_file():
                found.append(int(m.group(1)))
    links: dict[str, str] = {}
    for year in sorted(found, reverse=True):
        folder = ANNUAL_FOLDER.format(year=year)
        links[f"Statusrapport {year} (PDF)"] = f"../../{folder}/{ANNUAL_STEM}.pdf"
        if (root / folder / f"{ANNUAL_STEM}.docx").is_file():
            links[f"Statusrapport {year} (Word)"] = f"../../{folder}/{ANNUAL_STEM}.docx"
    return links


def build_site(
    barometer: Barometer,
    history: Sequence[Assessment],
    assessment: Assessment,
    narrative: Narrative,
    charts,
    *,
    downloads: Mapping[str, str],
    template_dirs: Sequence[Path] = (),
    press: Document | None = None,
    archive_root: Path | None = None,
) -> dict[str, bytes]:
    """Every file of the static website, by path relative to ``site/``, in sorted order.

    ``charts`` is a ``charts.cache.ChartSet`` (trend chart per indicator id, district map per indicator
    id); ``history`` holds one Assessment per update (``assess_history``), of which the archive shows
    those up to ``assessment``. ``downloads`` maps a label to a relative link from ``site/``, e.g.
    ``{"Bilag 1 (PDF)": "../bilag1.pdf"}``. ``template_dirs`` are searched before templates/site.
    ``press`` (the update's press release) adds ``presse.html``; ``archive_root`` (the output folder)
    lists the annual status reports already written there up to this update's year on the archive page.
    """
    links = _check_downloads(downloads)
    year = assessment.at.date.year
    annual_reports = annual_report_links(archive_root, year) if archive_root is not None else {}
    used = [*charts.trends.values(), *charts.maps.values()]
    layout = SiteLayout.of(barometer, used)
    site = _SiteContext(barometer, assessment, narrative, layout, links, press is not None)

    pages: dict[str, tuple[str, dict]] = {"index.html": ("index.html", site.front())}
    for area in barometer.areas:
        pages[layout.areas[area.id]] = ("area.html", site.area_page(area.id, charts.trends))
    for ind in barometer.indicators:
        pages[layout.indicators[ind.id]] = ("indicator.html", site.indicator_page(ind, charts))
    pages["arkiv.html"] = ("archive.html", site.archive(history, _check_downloads(annual_reports)))
    if press is not None:
        pages["presse.html"] = ("press.html", site.press_page(press))

    files = render_site(pages, template_dirs=template_dirs)
    for chart in used:
        files[layout.charts[chart.name]] = _SVG_FONT.sub(_SVG_FONT_STACK, chart.svg)
    return dict(sorted(files.items()))


def _check_downloads(downloads: Mapping[str, str]) -> tuple[Link, ...]:
    """Download links must stay relative (the site is opened from disk and moved as a folder)."""
    links = []
    for label, href in downloads.items():
        absolute = PurePosixPath(href).is_absolute() or ":" in href or "\\" in href
        if absolute or href.split("/")[-1] in ("", ".", ".."):
            raise ReportgenError(f'hjemmesidens download "{label}" skal være en relativ sti til en fil, '
                                 f'ikke "{href}"')
        links.append(Link(label, href))
    return tuple(links)


def _svg_size(svg: bytes) -> tuple[int | None, int | None]:
    """Width and height in CSS pixels from the SVG root (matplotlib writes points)."""
    head = svg[:2000].decode("utf-8", "replace")
    out = []
    for attr in ("width", "height"):
        m = re.search(rf'<svg[^>]*\s{attr}="([0-9.]+)(pt|px)?"', head, re.S)
        if not m:
            return None, None
        value = float(m.group(1)) * (4 / 3 if m.group(2) == "pt" else 1)
        out.append(round(value))
    return out[0], out[1]


class _SiteContext:
    """Turns the assessment into the templates' views; one method per kind of page."""

    def __init__(self, barometer: Barometer, assessment: Assessment, narrative: Narrative,
                 layout: SiteLayout, downloads: tuple[Link, ...], press: bool = False):
        self.press = press
        self.b = barometer
        self.a = assessment
        self.n = narrative
        self.layout = layout
        self.downloads = downloads
        self.update = assessment.at
        cfg = barometer.config
        self.site = SiteInfo(cfg.title, cfg.municipality, cfg.administration, cfg.policy,
                             self.update.label, da.date(self.update.date), tuple(self._legend()))

    # -- shared pieces ----------------------------------------------------------------------
    def _legend(self) -> list[SignalView]:
        return [SignalView(s.signal, s.symbol, da.capitalize(s.word), s.meaning, "")
                for s in (palette.style(x) for x in ("green", "yellow", "red", "grey"))]

    def _nav(self, current: str) -> tuple[Link, ...]:
        items = [Link("Forside", "index.html", current == "index.html")]
        items += [Link(area.name, self.layout.areas[area.id], current == self.layout.areas[area.id])
                  for area in self.b.areas]
        items.append(Link("Arkiv", "arkiv.html", current == "arkiv.html"))
        if self.press:
            items.append(Link("Presse", "presse.html", current == "presse.html"))
        return tuple(items)

    def _page(self, path: str, title: str, **extra) -> dict:
        return {"site": self.site, "nav": self._nav(path), "page_title": title,
                "downloads": self.downloads, **extra}

    def _carried(self, carried_over: bool, carried_from: str | None) -> str | None:
        if not carried_over:
            return None
        if carried_from:
            return f"Overført fra {da.month_year(self.b.update(carried_from).date)}"
        return "Overført (ingen tal endnu)"

    def _signal(self, signal: str, why: str, carried: str | None = None) -> SignalView:
        s = palette.style(signal)
        return SignalView(signal, s.symbol, da.capitalize(s.word), s.meaning, why, carried)

    def _area_signal(self, area_id: str) -> SignalView:
        r = self.a.area(area_id)
        return self._signal(r.signal, self.n.areas[area_id].explanation,
                            self._carried(r.carried_over, r.carried_from))

    def _indicator_signal(self, ind: Indicator, r: IndicatorResult) -> SignalView:
        return self._signal(r.signal, self.n.indicators[ind.id].explanation,
                            self._carried(r.carried_over, r.carried_from))

    def _image(self, chart, caption: str | None = None) -> Image:
        width, height = _svg_size(chart.svg)
        return Image(self.layout.charts[chart.name], chart.alt_text, caption, width, height)

    # -- pages ------------------------------------------------------------------------------
    def front(self) -> dict:
        tiles = tuple(
            Tile(area.name, self.layout.areas[area.id], self._area_signal(area.id),
                 self.n.areas[area.id].summary)
            for area in self.b.areas)
        return self._page("index.html", f"Status {self.update.label.lower()}", tiles=tiles,
                          intro=self.n.intro)

    def area_page(self, area_id: str, trends: Mapping[str, object]) -> dict:
        area = self.b.area(area_id)
        text = self.n.areas[area_id]
        indicators = self.b.indicators_of_area(area_id)
        rows = tuple(self._indicator_row(ind) for ind in indicators)
        charts = tuple(MainChart(i.name, self.layout.indicators[i.id], self._image(trends[i.id]))
                       for i in indicators if i.main and i.id in trends)
        explanations = tuple((ind.name, self.layout.indicators[ind.id], self.n.indicators[ind.id].explanation)
                             for ind in indicators)
        return self._page(
            self.layout.areas[area_id], area.name, area=area, signal=self._area_signal(area_id),
            summary=text.summary, paragraphs=text.paragraphs, rows=rows, charts=charts,
            explanations=explanations, with_target=common.any_target(indicators))

    def _indicator_row(self, ind: Indicator) -> IndicatorRow:
        r = self.a.indicator(ind.id)
        return IndicatorRow(
            name=ind.name, href=self.layout.indicators[ind.id], main=ind.main,
            value=common.level_short(ind, r.value),
            period=da.period_short(r.period) if r.period else "–",
            change=common.change_text(ind, r.change, short=True),
            target=common.target_text(ind, r),
            signal=self._indicator_signal(ind, r),
        )

    def indicator_page(self, ind: Indicator, charts) -> dict:
        r = self.a.indicator(ind.id)
        text = self.n.indicators[ind.id]
        area = self.b.area(ind.area)
        try:
            committee = self.b.committee(ind.committee).name
        except KeyError:
            committee = ind.committee
        facts = [
            ("Seneste tal", common.level_text(ind, r.value) or "Ingen tal"),
            ("Periode", da.period(r.period) if r.period else "–"),
            ("Ændring", (f"{common.change_text(ind, r.change)} {da.period_span(r.reference_period, r.period)}"
                         if r.change is not None and r.reference_period and r.period else "–")),
            ("Signifikans", common.significance_text(r)),
            ("Mål", self._target(ind, r)),
            ("Udvalg", committee),
            ("Kilde", ind.source or "Ikke oplyst"),
        ]
        trend = charts.trends.get(ind.id)
        dmap = charts.maps.get(ind.id)
        return self._page(
            self.layout.indicators[ind.id], ind.name,
            ind=ind, area=Link(area.name, self.layout.areas[area.id]),
            signal=self._indicator_signal(ind, r), text=text, facts=tuple(facts),
            trend=self._image(trend) if trend is not None else None,
            figures=self._figures(ind, r),
            district_map=(self._image(dmap, f"{ind.name} fordelt på {self.b.config.district_plural}")
                          if dmap is not None else None),
            district_word=(self.b.config.district_singular, self.b.config.district_plural),
            districts=self._districts(ind, r),
            suppression=common.suppression_note(self.b),
            initiatives=tuple(Initiative(x.name, x.status, x.description)
                              for x in self.b.initiatives_of(ind.id)),
        )

    @staticmethod
    def _target(ind: Indicator, r: IndicatorResult) -> str:
        """``64,8 procent i december 2010``; ``Intet mål`` without one."""
        if r.target_value is None:
            return "Intet mål"
        when = f" i {da.period(r.target_period)}" if r.target_period else ""
        return (ind.target_text or common.level_text(ind, r.target_value)) + when

    def _figures(self, ind: Indicator, r: IndicatorResult) -> tuple[FigureRow, ...]:
        """Every municipal figure published up to this update, newest period first."""
        out = []
        for m in reversed(self.b.as_of(self.update).measurements_of(ind.id)):
            out.append(FigureRow(
                period=da.period(m.period), value=common.level_short(ind, m.value),
                published=self.b.update(m.update).label,
                n=da.number(m.n, 0) if m.n is not None else "–",
                current=(m.period == r.period and m.value == r.value)))
        return tuple(out)

    def _districts(self, ind: Indicator, r: IndicatorResult) -> tuple[DistrictRow, ...]:
        names = {d.id: d.name for d in self.b.districts}
        rows = []
        for d in r.districts:
            name = names.get(d.district, d.district)
            if d.suppressed:
                rows.append(DistrictRow(name, palette.SUPPRESSED_LABEL, "–", "–", self._signal("grey", "")))
            else:
                rows.append(DistrictRow(
                    name, common.level_short(ind, d.value),
                    da.period_short(d.period) if d.period else "–",
                    common.change_text(ind, d.change, short=True),
                    self._signal(d.signal, "")))
        return tuple(rows)

    def archive(self, history: Sequence[Assessment], reports: tuple[Link, ...] = ()) -> dict:
        """Every update up to this one, newest first, with each area's colour; then the annual
        status reports found in the output folder."""
        upto = self.update.index
        by_id = {h.update: h for h in history}
        rows = []
        for update in sorted((u for u in self.b.updates if u.index <= upto), key=lambda u: -u.index):
            h = by_id.get(update.id)
            if h is None:
                raise ReportgenError(f"arkivet mangler vurderingen af opdateringen {update.id}")
            cells = tuple(self._archive_cell(h, area.id) for area in self.b.areas)
            rows.append(ArchiveRow(update.label, da.date(update.date), update.index == upto, cells))
        return self._page("arkiv.html", "Arkiv", areas=self.b.areas, rows=tuple(rows), reports=reports)

    def press_page(self, press: Document) -> dict:
        """The press release as a page: headline, date and embargo, then its blocks as text."""
        blocks = []
        for b in press.blocks:
            if isinstance(b, Paragraph):
                blocks.append(TextBlock("paragraph", runs=b.runs, style=b.style))
            elif isinstance(b, ListBlock):
                blocks.append(TextBlock("list", items=b.items))
            elif isinstance(b, Note):
                blocks.append(TextBlock("box", runs=b.runs, title=b.title))
        return self._page("presse.html", press.meta.label, headline=press.meta.title,
                          pairs=press.meta.header_pairs, blocks=tuple(blocks))

    def _archive_cell(self, h: Assessment, area_id: str) -> SignalView:
        r = h.area(area_id)
        return self._signal(r.signal, explain_area(self.b, r), self._carried(r.carried_over, r.carried_from))
