"""A sandboxed, strict Jinja2 environment over template folders searched in order (user first)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment


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
