"""A sandboxed, strict Jinja2 environment over template folders searched in order (user first).

Shared by the document builders (letters, advice) and the renderers (HTML, site), so it sits
below both rather than inside render/."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import TemplateError


def make_environment(
    search_paths: Sequence[Path], *, autoescape: bool = True
) -> ImmutableSandboxedEnvironment:
    """Return an environment that loads from ``search_paths`` in order: the first folder that has a
    template wins, so a user's folder listed first overrides the shipped defaults.

    The sandbox keeps template authors from reaching Python internals (pitfalls.md: templates are
    code); ``StrictUndefined`` turns a misspelt placeholder into an error instead of empty text.
    ``autoescape`` applies to every template (HTML and Markdown letters alike), so data is escaped
    unless a caller deliberately marks it safe.
    """
    loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(str(Path(p)), encoding="utf-8") for p in search_paths]
    )
    return ImmutableSandboxedEnvironment(
        loader=loader,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def template_location(tb) -> tuple[str, int] | None:
    """The innermost template frame of a traceback: Jinja rewrites template frames to carry the
    template's file name and line (sandbox errors themselves carry no line number)."""
    found: tuple[str, int] | None = None
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def template_error(exc: BaseException, roots: Sequence[Path]) -> TemplateError:
    """A user-facing ``templates/html/base.html:3: …`` error for anything a template did wrong."""
    where: tuple[str, int | None] | None = None
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = (exc.filename or exc.name or "skabelon", exc.lineno)
    else:
        where = template_location(exc.__traceback__)
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f'skabelonen "{exc.name}" findes ikke i skabelonmappen (stier uden for den er ikke tilladt)'
    elif isinstance(exc, jinja2.exceptions.SecurityError):
        message = f"ikke tilladt i en skabelon: {exc}"
    elif isinstance(exc, jinja2.UndefinedError):
        message = f"ukendt variabel: {exc}"
    elif isinstance(exc, RecursionError):
        message = "skabelonen kalder sig selv i det uendelige"
    elif isinstance(exc, OverflowError):
        message = "et tal i skabelonen er for stort"
    else:
        message = str(exc) or type(exc).__name__
    if where is None:
        return TemplateError(message)
    return TemplateError(f"{_display(where[0], roots)}:{where[1]}: {message}" if where[1] else
                         f"{_display(where[0], roots)}: {message}")


def _display(filename: str, roots: Sequence[Path]) -> str:
    """A template path as the user knows it: relative to the folder above its template folder."""
    path = Path(filename)
    for root in roots:
        root = Path(root).resolve()
        try:
            return path.resolve().relative_to(root.parent.parent).as_posix()
        except ValueError:
            continue
    return path.name


TEMPLATE_FAILURES = (jinja2.TemplateError, RecursionError, OverflowError)
