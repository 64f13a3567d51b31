"""Everything `build` would refuse, checked before a single chart is drawn.

`reportgen check` and `pipeline.build` call the same :func:`run`, so `check` refuses what `build`
refuses and `build` refuses it within a second instead of after drawing every chart. Checked:

- every editable text (letters/*.md, advice.md, letters.toml, the signature), rendered in the
  sandbox against the real data of the update, so syntax, unknown variables, forbidden names and
  unknown keys are found with the same ``letters/<file>.md:<line>`` as at build time;
- a barometer's own ``templates/html`` (and its ``print.css``) and ``templates/site``;
- the district map (GeoJSON) as the map drawing reads it.

A new text is one line in :data:`TEXT_CHECKS`: a label and a function of :class:`Subject` that
builds the text's document(s) exactly as the build does (without charts), raising TemplateError on
a fault, and returning the documents so that the barometer's own templates are tried on them.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import RenderError, ReportgenError, TemplateError
from ..inputs.model import Barometer

if TYPE_CHECKING:
    from ..document import Document
    from ..narrate import Narrative
    from ..signals.assess import Assessment

TEMPLATES_DIR = "templates"


@dataclass(frozen=True)
class Subject:
    """What every check gets: the barometer, its assessed history (one Assessment per update, as
    ``assess_history`` gives it), the update's assessment and narrative, and the project folder
    (whose letters/ the barometer's own override)."""

    barometer: Barometer
    history: Sequence[Assessment]
    assessment: Assessment
    narrative: Narrative
    project_dir: Path


# A text check: builds the text's documents from a Subject as the build does, charts left out;
# raises TemplateError (or any ReportgenError) naming file and line; returns the documents.
TextCheck = Callable[[Subject], Sequence["Document"]]


def _letters(s: Subject) -> Sequence[Document]:
    from ..documents.bilag2 import build_letters

    return tuple(build_letters(s.barometer, s.assessment, s.narrative, {}, project_dir=s.project_dir))


def _advice(s: Subject) -> Sequence[Document]:
    from ..documents.bilag3 import build_bilag3

    return (build_bilag3(s.barometer, s.history, s.assessment, s.narrative, project_dir=s.project_dir),)


# The editable texts, in the order their problems are reported. One line per text:
# (label, function building its documents as the build does, charts left out).
def _case(s: Subject) -> Sequence[Document]:
    from ..documents.case import build_case

    return (build_case(s.barometer, s.history, s.assessment, s.narrative, project_dir=s.project_dir),)


def _mail(s: Subject) -> Sequence[Document]:
    from .mail import check_mail_text

    check_mail_text(s.barometer, project_dir=s.project_dir)
    return ()


def _press(s: Subject) -> Sequence[Document]:
    from ..documents.press import build_press

    return (build_press(s.barometer, s.history, s.assessment, s.narrative, project_dir=s.project_dir),)


def _annual(s: Subject) -> Sequence[Document]:
    from ..documents.annual import framing_blocks, year_of

    update = s.assessment.at
    framing_blocks(s.barometer, year_of(s.barometer, s.history, update.date.year), project_dir=s.project_dir)
    return ()


TEXT_CHECKS: list[tuple[str, TextCheck]] = [
    ("breve (Bilag 2)", _letters),  # letters/<udvalg>.md, default.md, letters.toml, the signature
    ("temaer (Bilag 3, advice.md)", _advice),
    ("indstilling (case.md, [sag])", _case),
    ("pressemeddelelse (press.md, [presse])", _press),
    ("e-mail med brevene (mail.md, [afsender])", _mail),
    ("årlig statusrapport (annual.md)", _annual),
]


def warnings(barometer: Barometer, *, project_dir: Path, documents: Sequence[Document] = ()) -> list[str]:
    """What ``check`` warns about without refusing (the build goes ahead), the one place for it: the
    administration's text blocks (unknown name, empty file, template syntax), what would show as a gap
    in the case, a missing press contact or quote, and every placeholder (``[Citat …]``, ``[…]``)
    that stands in one of ``documents`` (those :func:`run` built)."""
    from ..documents import blocks, letters, press

    out = blocks.problems(barometer)
    if not barometer.config.administration:
        out.append("barometer.toml: administration mangler; indstillingen underskrives kun med kommunens navn "
                   f"({barometer.config.municipality}). Skriv forvaltningens navn: administration = \"…\"")
    signers = [letters.own_setting(barometer.folder, "sag", key) for key in ("direktoer", "chef")]
    if not any(signers):
        out.append(f"{letters.own_settings_path(barometer.folder)}: [sag] direktoer/chef mangler; indstillingen "
                   "underskrives uden navne")
    out.extend(press.press_warnings(barometer, project_dir=project_dir))  # quote and contact
    for placeholder, where in placeholders(documents).items():
        if not any(placeholder in line for line in out):  # said already, with what to write
            out.append(f"{', '.join(where)}: pladsholderen »{placeholder}« står i dokumentet; skriv teksten, "
                       "før det sendes")
    return out


# A placeholder a reader would see: text in square brackets ("[Citat fra borgmesteren]",
# "[telefonnummer]", "[…]"); a bracket around a single letter or number is left alone.
_PLACEHOLDER = re.compile(r"\[[^\[\]\n]{2,120}\]")


def placeholders(documents: Sequence[Document]) -> dict[str, list[str]]:
    """Each placeholder in ``documents`` with the documents (label, recipient) it stands in, in order."""
    found: dict[str, list[str]] = {}
    for doc in documents:
        name = doc.meta.label + (f" ({doc.meta.recipient})" if doc.meta.recipient else "")
        for text in _texts(doc):
            for hit in _PLACEHOLDER.findall(text):
                if name not in found.setdefault(hit, []):
                    found[hit].append(name)
    return found


def _texts(doc: Document):
    """Every piece of text a reader sees in ``doc``: title block, headings, runs, cells, notes."""
    from .. import document as d

    meta = doc.meta
    yield from (meta.title, meta.subject or "", meta.recipient or "", meta.running_header,
                *(v for _, v in meta.header_pairs))
    for b in doc.blocks:
        if isinstance(b, d.Heading):
            yield b.text
        elif isinstance(b, d.Paragraph | d.Note):
            yield "".join(r.text for r in b.runs)
            yield getattr(b, "title", None) or ""
        elif isinstance(b, d.ListBlock):
            yield from ("".join(r.text for r in item) for item in b.items)
        elif isinstance(b, d.Table):
            yield from (*b.header, b.caption or "", b.note or "", *(c.text for row in b.rows for c in row))
        elif isinstance(b, d.KeyValue):
            yield from (v for pair in b.pairs for v in pair)
        elif isinstance(b, d.Signature):
            yield from (b.closing, b.name, b.title)
        elif isinstance(b, d.Figure):
            yield b.caption or ""


class PreflightError(TemplateError):
    """Several problems found before the build; each is one located line in ``problems``."""

    def __init__(self, problems: Sequence[str]):
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


def run(barometer: Barometer, history: Sequence[Assessment], assessment: Assessment, narrative: Narrative, *,
        project_dir: Path) -> tuple[Document, ...]:
    """Run every check on one update; raise nothing when the build can go ahead, and return the
    documents the text checks built (without charts), e.g. for ``check`` to say who signs.

    One problem is raised as it is (a TemplateError or RenderError naming file and line); several
    as one :class:`PreflightError` listing them all, texts first, then templates, then the map.
    """
    subject = Subject(barometer, tuple(history), assessment, narrative, Path(project_dir))
    problems: list[ReportgenError] = []
    documents: list[Document] = []
    for _, check in TEXT_CHECKS:
        try:
            documents.extend(check(subject))
        except ReportgenError as err:
            problems.append(err)
    for check_more in (_html_templates, _site_templates):
        try:
            check_more(subject, documents)
        except ReportgenError as err:
            problems.append(err)
    try:
        check_map(barometer)
    except ReportgenError as err:
        problems.append(err)
    unique = list(dict.fromkeys(str(p) for p in problems))
    if len(unique) == 1:
        raise problems[0]
    if unique:
        raise PreflightError(unique)
    return tuple(documents)


def check_folder(barometer: Barometer, *, project_dir: Path, update_id: str | None = None) -> tuple[Document, ...]:
    """:func:`run` for ``reportgen check``: assesses and narrates the update (default: the latest)."""
    from ..narrate import narrate
    from ..signals.assess import assess_history

    history = assess_history(barometer)
    index = barometer.update(update_id).index if update_id else len(history) - 1
    assessment = history[index]
    return run(barometer, history, assessment, narrate(barometer, assessment, history), project_dir=project_dir)


# --------------------------------------------------------------------------------------------------
# The barometer's own templates

def _own(barometer: Barometer, kind: str) -> Path | None:
    folder = barometer.folder / TEMPLATES_DIR / kind
    return folder if folder.is_dir() else None


def _html_templates(s: Subject, documents: Sequence[Document]) -> None:
    """The barometer's templates/html: every document built above, plus one of every block kind,
    through its templates; then its print.css parsed as the PDF renderer does."""
    own = _own(s.barometer, "html")
    if own is None or not documents:
        return
    from ..render.html import render_html
    from ..render.pdf import warm_up

    for doc in (*documents, _specimen(documents[0])):
        render_html(doc, template_dirs=[own], for_print=True, image_src=lambda _: "")
    css = own / "print.css"
    try:
        warm_up((own,))
    except RenderError as err:
        where = f"{s.barometer.folder.name}/{css.relative_to(s.barometer.folder).as_posix()}"
        raise RenderError(f"{where}: {err}" if css.is_file() else str(err)) from err


def _specimen(doc: Document) -> Document:
    """``doc`` with one block of every kind appended, so a block template no text uses is tried too."""
    from .. import document as d

    svg = _StandIn.svg
    run = (d.Run("Prøve"),)
    extra = (d.Heading("Prøve", 2), d.Paragraph(run), d.ListBlock((run,)),
             d.Table(("A",), ((d.Cell("1"),),), caption="Prøve", note="Prøve"),
             d.Figure("proeve", svg, b"", "Prøve", caption="Prøve"), d.Note(run, title="Prøve"),
             d.KeyValue((("A", "1"),)), d.PageBreak(), d.Signature("Med venlig hilsen", "Prøve", "Prøve"))
    return dataclasses.replace(doc, blocks=(*doc.blocks, *extra))


@dataclass(frozen=True)
class _StandIn:
    """A chart's place on a page (name, image, alt text), so the pages' image branches are tried."""

    name: str
    svg: bytes = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    png: bytes = b""
    alt_text: str = "Prøve"


def _site_templates(s: Subject, documents: Sequence[Document]) -> None:  # noqa: ARG001
    """The barometer's templates/site: the website's pages rendered through them (without charts)."""
    own = _own(s.barometer, "site")
    if own is None:
        return
    from ..charts.cache import ChartSet
    from ..outputs.site import build_site
    from ..templating import TEMPLATE_FAILURES, template_error

    trends = {i.id: _StandIn(f"trend-{i.id}") for i in s.barometer.indicators}
    maps = {i.id: _StandIn(f"map-{i.id}") for i in s.barometer.indicators if i.districts}
    try:
        build_site(s.barometer, s.history, s.assessment, s.narrative,
                   ChartSet(_StandIn("overview"), trends, maps), downloads={"Bilag 1 (PDF)": "../bilag1.pdf"},
                   template_dirs=[own])
    except TEMPLATE_FAILURES as exc:
        raise template_error(exc, [own]) from exc


# --------------------------------------------------------------------------------------------------
# The district map

def check_map(barometer: Barometer) -> None:
    """Read the district map as the map charts do; RenderError naming the file if they would fail."""
    if barometer.map_path is None or not barometer.config.map_key:
        return
    from ..inputs import geo

    geo.bounds(geo.read_features(barometer.map_path, barometer.config.map_key))  # what can fail; the
    # projection and simplification that follow are arithmetic on the points read here
