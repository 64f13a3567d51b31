"""The barometer website: links, alt text, colours, figures, archive, escaping; axe-core in Chromium."""
from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import lxml.html
import pytest

from reportgen import palette
from reportgen.charts.cache import ChartSet
from reportgen.errors import ReportgenError
from reportgen.narrate import narrate
from reportgen.outputs.site import build_site
from reportgen.render.site import FONT_DIR
from reportgen.rounds import pipeline
from reportgen.signals.assess import assess_history
from tests.conftest import BASE_FILES, DEMO, ROOT

CHROMIUM = Path("/usr/bin/chromium")
DOWNLOADS = {"Bilag 1 (PDF)": "../bilag1.pdf", "Bilag 1 (Word)": "../bilag1.docx"}
NO_CHARTS = ChartSet(overview=None, trends={}, maps={})


def _site(folder: Path, update_id: str | None = None, charts=None, **kwargs) -> tuple[tuple, dict]:
    """(barometer, assessment, narrative) and the site's files for one update of ``folder``."""
    barometer = pipeline.read_barometer(folder)
    update_id = pipeline.resolve_update(barometer, update_id)
    history = assess_history(barometer)
    assessment = history[barometer.update(update_id).index]
    narrative = narrate(barometer, assessment, history)
    files = build_site(barometer, history, assessment, narrative, charts or NO_CHARTS,
                       downloads=kwargs.pop("downloads", DOWNLOADS), **kwargs)
    return (barometer, assessment, narrative), files


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The Copenhagen site at 2009-12 with real charts, written to disk as the pipeline would."""
    root = tmp_path_factory.mktemp("site")
    barometer = pipeline.read_barometer(DEMO)
    assessment = assess_history(barometer)[barometer.update("2009-12").index]
    charts = pipeline.make_charts(barometer, assessment, root / "chart-cache")
    (b, a, n), files = _site(DEMO, "2009-12", charts)
    site = root / "2009-12" / "site"
    for rel, data in files.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return {"barometer": b, "assessment": a, "narrative": n, "charts": charts, "files": files, "dir": site}


def _html(files: dict[str, bytes], name: str):
    return lxml.html.fromstring(files[name])


def _pages(files: dict[str, bytes]) -> list[str]:
    return sorted(name for name in files if name.endswith(".html"))


def _sel(el, selector: str) -> list:
    """A small CSS subset as XPath (``tag.class``, descendant and ``>``): lxml's cssselect is optional."""
    path, axis = ".", "//"
    for token in selector.split():
        if token == ">":
            axis = "/"
            continue
        tag, _, cls = token.partition(".")
        cond = f"[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]" if cls else ""
        path += f"{axis}{tag or '*'}{cond}"
        axis = "//"
    return el.xpath(path)


def _text(el) -> str:
    return " ".join(el.text_content().split())


# --- structure and links ---------------------------------------------------------------------------

def test_pages_exist_for_every_area_and_indicator(demo):
    b, files = demo["barometer"], demo["files"]
    pages = _pages(files)
    assert len(pages) == 2 + len(b.areas) + len(b.indicators)
    for area in b.areas:
        assert _html(files, f"omraade-{area.id}.html").findtext(".//h1") == area.name
    for ind in b.indicators:
        assert _html(files, f"indikator-{ind.id}.html").findtext(".//h1") == ind.name


def test_every_internal_link_and_image_resolves(demo):
    files = demo["files"]
    checked = 0
    for page in _pages(files):
        doc = _html(files, page)
        ids = {el.get("id") for el in doc.iter() if el.get("id")}
        refs = [(el.get("href"), el.tag) for el in doc.iter("a", "link")]
        refs += [(el.get("src"), "img") for el in doc.iter("img")]
        for ref, tag in refs:
            assert ref, f"{page}: <{tag}> without a target"
            parts = urlsplit(ref)
            assert not parts.scheme and not parts.netloc and not ref.startswith("/"), f"{page}: {ref}"
            if ref in DOWNLOADS.values():
                assert page == "index.html", f"{page}: download link {ref}"
                continue
            if ref.startswith("#"):
                assert ref[1:] in ids, f"{page}: no element with id {ref}"
                continue
            target = str(PurePosixPath(page).parent / parts.path).removeprefix("./")
            assert target in files, f"{page}: {ref} does not resolve"
            if parts.fragment:
                assert parts.fragment in {e.get("id") for e in _html(files, target).iter() if e.get("id")}
            checked += 1
    assert checked > 100
    front = _html(files, "index.html")
    downloads = {_text(a): a.get("href") for a in _sel(front, ".downloads a")}
    assert downloads == DOWNLOADS


def test_stylesheet_fonts_resolve_and_are_the_pdf_fonts(demo):
    files = demo["files"]
    css = files["site.css"].decode()
    fonts = [u.split('"')[0] for u in css.split('url("')[1:]]
    assert fonts == ["fonts/Carlito-Regular.ttf", "fonts/Carlito-Bold.ttf"]
    for rel in fonts:
        assert files[rel] == (FONT_DIR / PurePosixPath(rel).name).read_bytes()
    assert files["fonts/COPYRIGHT-Carlito.txt"] == (FONT_DIR / "COPYRIGHT-Carlito.txt").read_bytes()
    for s in ("green", "yellow", "red", "grey"):
        assert palette.style(s).fill in css


def test_every_image_has_alt_text_from_its_chart(demo):
    files, charts = demo["files"], demo["charts"]
    alts = {}
    for page in _pages(files):
        for img in _html(files, page).iter("img"):
            assert (img.get("alt") or "").strip(), f"{page}: {img.get('src')} has no alt text"
            alts[img.get("src")] = img.get("alt")
    assert alts["figurer/trend-BES1.svg"] == charts.trends["BES1"].alt_text
    assert alts["figurer/map-BES1.svg"] == charts.maps["BES1"].alt_text
    assert len(alts) == len(charts.trends) + len(charts.maps)


def test_chart_svgs_name_a_font_fallback(demo):
    svg = demo["files"]["figurer/trend-BES1.svg"]
    assert b"font-family: 'Carlito', Calibri, Arial, sans-serif" in svg
    assert svg.replace(b", Calibri, Arial, sans-serif", b"") == demo["charts"].trends["BES1"].svg


def test_accessible_page_structure(demo):
    files = demo["files"]
    for page in _pages(files):
        doc = _html(files, page)
        assert doc.get("lang") == "da"
        assert len(doc.findall(".//h1")) == 1, page
        for landmark in ("header", "nav", "main", "footer"):
            assert doc.find(f".//{landmark}") is not None, f"{page}: no <{landmark}>"
        skip = _sel(doc, "a.skip-link")[0]
        assert skip.get("href") == "#indhold" and doc.get_element_by_id("indhold").tag == "main"
        levels = [int(h.tag[1]) for h in doc.iter("h1", "h2", "h3", "h4")]
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), page
        for el in doc.iter():
            if el.get("aria-describedby"):
                assert doc.get_element_by_id(el.get("aria-describedby")) is not None


# --- content ----------------------------------------------------------------------------------------

# The committee case of 3 December 2009: Beskæftigelse red, Uddannelse yellow, Bolig green, and the
# colours of Kultur og fritid, Sundhed and Tryghed carried over from May 2009.
SEED_COLOURS = {"BES": ("Rød", False), "UDD": ("Gul", False), "BOL": ("Grøn", False),
                "KUL": ("Gul", True), "SUN": ("Gul", True), "TRY": ("Grøn", True)}


def test_area_pages_and_tiles_show_the_colour_in_words(demo):
    files = demo["files"]
    front = _html(files, "index.html")
    tiles = {a.get("href"): a for a in _sel(front, ".tile > a")}
    for area_id, (word, carried) in SEED_COLOURS.items():
        page = _html(files, f"omraade-{area_id}.html")
        status = _sel(page, "p.status .signal")[0]
        shown = _text(status)
        signal = demo["assessment"].area(area_id).signal
        assert f"sig-{signal}" in status.get("class").split()
        assert shown.startswith(f"{palette.style(signal).symbol} {word}")
        tile = _text(tiles[f"omraade-{area_id}.html"])
        assert word in tile
        assert ("Overført fra maj 2009" in tile) == carried
        assert ("Overført fra maj 2009" in _text(_sel(page, "p.status")[0])) == carried


def test_why_sentence_is_text_and_tooltip_on_the_signal(demo):
    files, narrative = demo["files"], demo["narrative"]
    why = narrative.indicators["BES1"].explanation
    page = _html(files, "indikator-BES1.html")
    assert _text(_sel(page, "p.why")[0]) == why
    signal = _sel(page, "p.status .signal")[0]
    assert signal.get("tabindex") == "0"
    tip = page.get_element_by_id(signal.get("aria-describedby"))
    assert tip.get("role") == "tooltip" and _text(tip) == why
    area = _html(files, "omraade-BES.html")
    rows = _sel(area, "table.data tbody tr")
    first = _sel(rows[0], ".signal")[0]
    assert _text(area.get_element_by_id(first.get("aria-describedby"))) == why
    assert why in _text(_sel(area, "ul.explanations")[0])


def test_employment_indicator_lists_every_figure_with_its_update(demo):
    b, files = demo["barometer"], demo["files"]
    page = _html(files, "indikator-BES1.html")
    table = page.get_element_by_id("tabel-tal").getparent()
    rows = {_text(tr.find("th")).removesuffix(" seneste"): [_text(td) for td in tr.findall("td")]
            for tr in _sel(table, "tbody tr")}
    assert rows["februar 2009"] == ["62,3 %", "Maj 2009"]
    assert rows["august 2009"] == ["59,3 %", "December 2009"]
    assert len(rows) == len(b.measurements_of("BES1"))
    assert "seneste" in _text(_sel(table, "tr.current th")[0])
    lead = _text(_sel(page, "p.lead")[0])
    assert "et fald på 3,0 procentpoint fra februar 2009 til august 2009" in lead


def test_indicator_page_has_district_map_table_and_initiatives(demo):
    b, files, a = demo["barometer"], demo["files"], demo["assessment"]
    page = _html(files, "indikator-BES1.html")
    assert page.xpath(".//section[h2[@id='bydele']]//figure/img")[0].get("src") == "figurer/map-BES1.svg"
    rows = _sel(page.get_element_by_id("tabel-bydele").getparent(), "tbody tr")
    assert [_text(r.find("th")) for r in rows] == [
        b.district(d.district).name for d in a.indicator("BES1").districts]
    first = _sel(rows[0], "td")
    assert first[0].get("data-label") == "Seneste tal" and _text(first[0]) == "63,9 %"
    names = [_text(li.find("strong")) for li in _sel(page, "ul.initiatives li")]
    assert names == [x.name for x in b.initiatives_of("BES1")] and names
    no_districts = _html(files, "indikator-BES4.html")
    assert not no_districts.xpath(".//*[@id='bydele']")


def test_archive_has_every_update_newest_first(demo):
    b, files, = demo["barometer"], demo["files"]
    page = _html(files, "arkiv.html")
    rows = _sel(page, "table.archive tbody tr")
    assert len(rows) == 6
    assert [_text(r.find("th")).split(" ")[0:2] for r in rows][0] == ["December", "2009"]
    labels = [r.find("th").text.strip() for r in rows]
    assert labels == [u.label for u in reversed(b.updates)]
    header = [_text(th) for th in _sel(page, "table.archive thead th")][1:]
    assert header == [area.name for area in b.areas]
    assert all(len(r.findall("td")) == len(b.areas) for r in rows)
    # December 2009's row is the current assessment, with the carried colours marked.
    current = [_text(td) for td in rows[0].findall("td")]
    assert current[0].startswith("↓ Rød") and "overført" not in current[0]
    assert "Gul (overført)" in current[3]


def test_site_at_an_earlier_update_shows_nothing_published_later():
    (b, _, _), files = _site(DEMO, "2009-05")
    assert len(_sel(_html(files, "arkiv.html"), "table.archive tbody tr")) == 5
    figures = _text(_html(files, "indikator-BES1.html").get_element_by_id("tabel-tal").getparent())
    assert "62,3 %" in figures and "59,3 %" not in figures


def test_hostile_names_are_escaped(make_barometer):
    hostile = "<script>alert(1)</script>"
    indicators = BASE_FILES["indicators.csv"].replace("Andel beskæftigede", hostile)
    areas = BASE_FILES["areas.csv"].replace("Uddannelse", '"Udd"" onmouseover=""x"')
    folder = make_barometer({"indicators.csv": indicators, "areas.csv": areas})
    _, files = _site(folder, downloads={'Bilag "1"': "../bilag1.pdf"})
    page = files["indikator-A1.html"].decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for name in _pages(files):
        doc = _html(files, name)
        assert not list(doc.iter("script")), name
        assert all(not key.startswith("on") for el in doc.iter() for key in el.attrib), name
    assert _html(files, "indikator-A1.html").findtext(".//h1") == hostile


def test_ids_that_give_one_file_name_are_refused(make_barometer):
    rename = {"A1,": "A-1,", "B1,": "A.1,"}
    files = {}
    for name in ("indicators.csv", "measurements.csv"):
        text = BASE_FILES[name]
        for old, new in rename.items():
            text = text.replace(old, new)
        files[name] = text
    folder = make_barometer(files)
    with pytest.raises(ReportgenError, match=r'"A-1" og "A\.1" .*\(indikator-A-1\.html\)'):
        _site(folder)


@pytest.mark.parametrize("href", ["/etc/passwd", "https://example.org/x.pdf", "C:\\x.pdf", "", "../", ".."])
def test_downloads_must_be_relative_file_links(href):
    with pytest.raises(ReportgenError, match="relativ sti"):
        _site(DEMO, downloads={"Bilag 1": href})


def test_same_inputs_give_the_same_bytes(demo):
    _, again = _site(DEMO, "2009-12", demo["charts"])
    assert again == demo["files"]
    assert list(again) == sorted(again)


# --- in a real browser -------------------------------------------------------------------------------

def _node_modules() -> Path:
    """The pinned npm packages; installed with ``npm ci`` from package-lock.json only if missing."""
    modules = ROOT / "node_modules"
    if not (modules / "puppeteer-core").is_dir() or not (modules / "axe-core").is_dir():
        npm = shutil.which("npm")
        assert npm, "npm is needed for the browser tests (Debian: nodejs, npm)"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True, timeout=600)
    return modules


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.mark.slow
def test_pages_pass_axe_and_render_in_chromium(demo, tmp_path):
    assert CHROMIUM.exists(), "the browser tests need Debian's chromium at /usr/bin/chromium"
    node = shutil.which("node")
    assert node, "the browser tests need node"
    _node_modules()
    site = demo["dir"]
    names = {"index": "index.html", "area": "omraade-BES.html", "indicator": "indikator-BES1.html",
             "archive": "arkiv.html"}
    job = {
        "chromium": str(CHROMIUM), "userDataDir": str(tmp_path / "profile"), "outDir": str(tmp_path),
        "widths": [1280, 375],
        "pages": [{"name": k, "url": (site / v).as_uri()} for k, v in names.items()],
    }
    (tmp_path / "job.json").write_text(json.dumps(job))
    run = subprocess.run([node, str(ROOT / "tests" / "site_browser.js"), str(tmp_path / "job.json")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    results = {r["name"]: r for r in json.loads(run.stdout)}
    assert set(results) == set(names)
    why = demo["narrative"]
    for name, r in results.items():
        serious = [v for v in r["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, f"{name}: {serious}"
        assert r["console"] == [] and r["failed"] == [], name
        for width, shot in r["widths"].items():
            assert shot["height"] > 300, (name, width)
            assert shot["scrollWidth"] <= int(width), f"{name} scrolls sideways at {width} px"
            assert _png_size(Path(shot["screenshot"])) == (int(width), shot["height"])
            faces = {(f["weight"], f["status"]) for f in shot["fonts"] if f["family"] == "Carlito"}
            assert faces == {("400", "loaded"), ("700", "loaded")}, (name, faces)
            assert all(img["width"] > 0 for img in shot["images"]), (name, shot["images"])
        assert r["tooltip"]["focused"] and r["tooltip"]["display"] == "block", name
    assert results["indicator"]["tooltip"]["text"] == why.indicators["BES1"].explanation
    assert results["index"]["tooltip"]["text"] == why.areas["BES"].explanation
    assert len(results["indicator"]["widths"]["1280"]["images"]) == 2
