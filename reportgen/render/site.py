"""Site pages -> HTML bytes through autoescaped Jinja2 templates (templates/site), plus CSS and fonts."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from .. import palette
from ..templating import make_environment
from .html import TEMPLATES_DIR

SITE_TEMPLATES = TEMPLATES_DIR / "site"
FONT_DIR = TEMPLATES_DIR / "fonts"
# The faces the stylesheet uses, and the licence that must travel with them.
FONT_FILES = ("Carlito-Regular.ttf", "Carlito-Bold.ttf", "COPYRIGHT-Carlito.txt")
STYLESHEET = "site.css"


def render_site(pages: Mapping[str, tuple[str, dict]], *,
                template_dirs: Sequence[Path] = ()) -> dict[str, bytes]:
    """Render ``pages`` (site path -> (template name, context)) and add the stylesheet and fonts.

    ``template_dirs`` are searched before templates/site, so a municipality can override a page or
    the stylesheet without touching the shipped templates.
    """
    env = make_environment([*(Path(p) for p in template_dirs), SITE_TEMPLATES])
    files: dict[str, bytes] = {}
    for path, (template, context) in pages.items():
        html = env.get_template(template).render(**context, page_path=path)
        files[path] = html.encode("utf-8")
    styles = [palette.style(s) for s in ("green", "yellow", "red", "grey")]
    css = env.get_template(STYLESHEET).render(styles=styles, ink=palette.INK)
    files[STYLESHEET] = css.encode("utf-8")
    for name in FONT_FILES:
        files[f"fonts/{name}"] = (FONT_DIR / name).read_bytes()
    return files
