"""Document -> PDF: the HTML rendering laid out by WeasyPrint as tagged PDF/A-3u with Carlito."""
from __future__ import annotations

import functools
import hashlib
import threading
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportgen.document import Document, Figure
from reportgen.errors import RenderError
from reportgen.render import pdfjoin, pdfparts
from reportgen.render.fetcher import FIGURE_SCHEME, SafeFetcher, weasyprint_problems_fail
from reportgen.render.html import HTML_TEMPLATES, TEMPLATES_DIR, print_image, render_html_parts

PRINT_CSS = TEMPLATES_DIR / "pdf" / "print.css"
FONT_DIR = TEMPLATES_DIR / "fonts"
PDF_VARIANT = "pdf/a-3u"  # archivable; pdf_tags=True adds the structure tree (accessibility)
# WeasyPrint takes one variant: the PDF/UA-1 identification (what its own "pdf/ua-1" variant adds
# to the same tagged output) goes into the XMP packet with the PDF/A extension schema it needs.
PDF_UA_XMP = PRINT_CSS.parent / "pdfua.xmp"
# Added to print.css for the later parts of a document laid out in parts (render/pdfparts.py).
CONTINUED_CSS = PRINT_CSS.parent / "print-continued.css"
_FACES = (  # (file stem, weight, style): the one family used for everything
    ("Carlito-Regular", "normal", "normal"),
    ("Carlito-Bold", "bold", "normal"),
    ("Carlito-Italic", "normal", "italic"),
    ("Carlito-BoldItalic", "bold", "italic"),
)
# Scripts Carlito lacks, for names in data (an Arabic or Hebrew association name): Noto faces
# joined to the Carlito family for their Unicode ranges only, so Latin text never changes font.
ARABIC = "U+0600-06FF, U+0750-077F, U+08A0-08FF, U+FB50-FDFF, U+FE70-FEFF"
HEBREW = "U+0590-05FF, U+FB1D-FB4F"
_SCRIPT_FACES = (  # (file stem, family, weight, unicode-range); print.css lists the families after Carlito
    ("NotoSansArabic-Regular", "Noto Sans Arabic", "normal", ARABIC),
    ("NotoSansArabic-Bold", "Noto Sans Arabic", "bold", ARABIC),
    ("NotoSansHebrew-Regular", "Noto Sans Hebrew", "normal", HEBREW),
    ("NotoSansHebrew-Bold", "Noto Sans Hebrew", "bold", HEBREW),
)


@dataclass
class _Setup:
    """What is expensive to build and safe to share between documents of one process."""

    fetcher: SafeFetcher
    font_config: object
    stylesheets: list
    cache: dict
    glyphs: frozenset[int]  # code points every face of the family can draw
    continued: object  # CONTINUED_CSS, parsed


_SETUPS: dict[tuple, _Setup] = {}
_LOCK = threading.Lock()


def _font_face_css(font_dir: Path) -> str:
    # Only file URIs of our own font folder go in here: Path.as_uri() percent-encodes everything
    # that could end the CSS string, and no document data is involved.
    rules = []
    for stem, weight, style in _FACES:
        path = font_dir / f"{stem}.ttf"
        if not path.is_file():
            raise RenderError(f"Skrifttypen mangler: {path}")
        rules.append(
            f'@font-face {{ font-family: Carlito; src: url("{path.as_uri()}"); '
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    for stem, family, weight, ranges in _SCRIPT_FACES:
        path = font_dir / f"{stem}.ttf"
        if path.is_file():
            rules.append(
                f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); '
                f"font-weight: {weight}; unicode-range: {ranges}; }}"
            )
    return "\n".join(rules)


def _family_glyphs(font_dir: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    maps = []
    for stem, _, _ in _FACES:
        with TTFont(font_dir / f"{stem}.ttf", lazy=True) as font:
            maps.append(set(font.getBestCmap()))
    glyphs = set.intersection(*maps)
    for stem, _, weight, _ in _SCRIPT_FACES:
        path = font_dir / f"{stem}.ttf"
        if weight == "normal" and path.is_file():
            with TTFont(path, lazy=True) as font:
                glyphs |= {c for c in font.getBestCmap() if c > 0x7F}
    return frozenset(glyphs)


def _check_glyphs(html: str, glyphs: frozenset[int]) -> None:
    """Fail on characters the family cannot draw, instead of letting WeasyPrint silently embed a
    fallback font (a second family in the PDF, and a symbol that may look different in print)."""
    import lxml.html

    text = "".join(lxml.html.document_fromstring(html).xpath("//body//text()"))
    # Format characters (zero-width joiners, direction marks) draw nothing and need no glyph.
    missing = sorted({ch for ch in text if ord(ch) not in glyphs and not ch.isspace()
                      and unicodedata.category(ch) != "Cf"})
    if missing:
        shown = ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in missing)
        raise RenderError(
            f"Skrifttypen Carlito mangler tegnene {shown}; brug fx ↑ → ↓ ● ○ □ i stedet for ▲ ■"
        )


def _setup(template_dirs: tuple[Path, ...], font_dir: Path) -> _Setup:
    """Parse print.css and register the fonts once per (templates, fonts) combination.

    Reusing one FontConfiguration, the parsed stylesheets and one image cache across documents
    saves the font loading and 20-25 % of the layout time (pitfalls.md: speed).
    """
    css_path = next((d / "print.css" for d in template_dirs if (d / "print.css").is_file()), PRINT_CSS)
    key = (template_dirs, font_dir, css_path, css_path.stat().st_mtime_ns)
    with _LOCK:
        setup = _SETUPS.get(key)
        if setup is None:
            from weasyprint import CSS
            from weasyprint.text.fonts import FontConfiguration
            from weasyprint.urls import FatalURLFetchingError

            fetcher = SafeFetcher([TEMPLATES_DIR, font_dir, *template_dirs])
            font_config = FontConfiguration()
            try:
                with weasyprint_problems_fail():
                    fonts = CSS(string=_font_face_css(font_dir), font_config=font_config,
                                url_fetcher=fetcher, base_url=font_dir.as_uri() + "/")
                    print_css = CSS(filename=str(css_path), font_config=font_config, url_fetcher=fetcher)
                    continued = CSS(filename=str(CONTINUED_CSS), font_config=font_config, url_fetcher=fetcher)
            except FatalURLFetchingError as exc:  # print.css reaching outside the allowed folders
                cause = exc.__cause__
                raise RenderError(str(cause) if isinstance(cause, RenderError) else str(exc)) from exc
            setup = _Setup(fetcher, font_config, [fonts, print_css], {}, _family_glyphs(font_dir), continued)
            _SETUPS[key] = setup
        return setup


def warm_up(template_dirs: Sequence[Path] = ()) -> None:
    """Load the fonts and parse the CSS in this process ahead of its first render_pdf."""
    _setup(tuple(Path(d).resolve() for d in template_dirs), FONT_DIR)


def render_pdf(
    doc: Document,
    *,
    template_dirs: Sequence[Path] | None = None,
    font_dir: Path | None = None,
    extra_allowed_dirs: Sequence[Path] = (),
) -> bytes:
    """Render ``doc`` as a tagged PDF/A-3u with embedded Carlito; the same document gives the same
    bytes (creation date from ``meta.created``, content-derived file identifier).

    ``template_dirs`` are searched before templates/html for the HTML templates, and a
    ``print.css`` in one of them replaces templates/pdf/print.css; ``None`` means the shipped ones.
    ``font_dir`` holds the Carlito-*.ttf files; ``None`` means templates/fonts. Any resource outside
    the templates, the fonts and ``extra_allowed_dirs`` fails the render with RenderError.
    A long document with page breaks before its sections is laid out in two processes and joined
    (render/pdfparts.py): the same PDF, sooner.
    """
    roots = tuple(Path(d).resolve() for d in (template_dirs or ()))
    fonts = Path(font_dir).resolve() if font_dir else FONT_DIR
    setup = _setup(roots, fonts)
    if len(setup.cache) > 256:  # images are cached by URL; keep a long build's memory bounded
        setup.cache.clear()
    figures: dict[str, bytes] = {}
    # A long document is laid out in two parts at once (pdfparts.py); with the shipped templates
    # only, whose print.css the continuation stylesheet matches.
    cuts = pdfparts.cuts(doc) if not roots else ()
    htmls = render_html_parts(doc, cuts, template_dirs=roots, for_print=True,
                              image_src=lambda f: _figure_url(f, figures))
    fetcher = SafeFetcher([*setup.fetcher.allowed_dirs, *extra_allowed_dirs], figures)
    for html in htmls:
        _check_glyphs(html, setup.glyphs)
    pdfs = pdfparts.run([
        functools.partial(_render_part, html, setup, fetcher, continued=i > 0) for i, html in enumerate(htmls)
    ])
    return _finish(pdfs)


def _render_part(html: str, setup: _Setup, fetcher: SafeFetcher, resolve: pdfparts.Resolve | None, *,
                 continued: bool) -> bytes:
    """One part's PDF; ``resolve`` gives its page numbers (pdfparts.page_numbers)."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    stylesheets = [*setup.stylesheets, setup.continued] if continued else setup.stylesheets
    try:
        with weasyprint_problems_fail(), pdfparts.page_numbers(resolve):
            document = HTML(string=html, base_url=HTML_TEMPLATES.as_uri() + "/", url_fetcher=fetcher).render(
                font_config=setup.font_config,
                stylesheets=stylesheets,
                pdf_variant=PDF_VARIANT,
                pdf_tags=True,
                cache=setup.cache,
            )
            with warnings.catch_warnings():
                # WeasyPrint 70 opens its sRGB profile for PDF/A and never closes it.
                warnings.filterwarnings("ignore", message=r".*sRGB2014\.icc", category=ResourceWarning)
                return document.write_pdf(
                    pdf_variant=PDF_VARIANT,
                    pdf_tags=True,
                    pdf_identifier=None,  # the variant's default: an identifier hashed from the content
                    uncompressed_pdf=False,
                )
    except FatalURLFetchingError as exc:
        cause = exc.__cause__
        raise RenderError(str(cause) if isinstance(cause, RenderError) else str(exc)) from exc


def _figure_url(figure: Figure, figures: dict[str, bytes]) -> str:
    """A ``reportgen-figure:`` URL for the figure's print_image, named by content: WeasyPrint caches
    images by URL across documents."""
    data, suffix = print_image(figure)
    url = f"{FIGURE_SCHEME}:{hashlib.sha256(data).hexdigest()}{suffix}"
    figures[url] = data
    return url


def _finish(pdfs: Sequence[bytes]) -> bytes:
    """The parts joined (pdfjoin.join), declared PDF/UA-1 as well, saved with an identifier
    derived from the content."""
    import io

    import pikepdf

    with pdfjoin.join(pdfs) as doc:
        _declare_pdf_ua(doc)
        out = io.BytesIO()
        doc.save(out, deterministic_id=True, fix_metadata_version=False,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


def _declare_pdf_ua(doc) -> None:
    """Add the PDF/UA-1 identification (pdfuaid:part 1 and the PDF/A extension schema that
    describes it, from templates/pdf/pdfua.xmp) to the XMP packet's one rdf:RDF element.

    WeasyPrint writes either PDF/A or PDF/UA metadata; its "pdf/ua-1" variant adds exactly this
    identification to the same tagged output we make, so the document declares both.
    """
    import re

    fragment = PDF_UA_XMP.read_bytes()
    inner = re.search(rb"<rdf:RDF[^>]*>(.*)</rdf:RDF>", fragment, re.S).group(1)
    xmp = doc.Root.Metadata.read_bytes()
    if b"pdfuaid" not in xmp:
        xmp = xmp.replace(b"</rdf:RDF>", inner + b"</rdf:RDF>", 1)
        doc.Root.Metadata.write(xmp)
