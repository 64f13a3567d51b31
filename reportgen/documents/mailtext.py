"""The e-mail that carries a letter: its sender (``[afsender]``), its body from letters/mail.md as
plain text and HTML. Composition only; ``rounds/mail.py`` plans, writes and sends the messages."""
from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape as html_escape
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .. import PROJECT_DIR
from ..errors import Issue, TemplateError
from ..inputs.model import Barometer, Committee, Update
from ..inputs.validate import parse_emails
from . import letters
from .bilag2 import frame_context, letter_name, subject_line

MAIL_TEXT = "mail.md"
SENDER_SECTION = "afsender"
SENDER_KEYS = {"navn": "afsenderens navn, fx forvaltningens", "adresse": "afsenderens e-mailadresse",
               "svar_til": "adressen, som svar skal gå til (valgfri)"}
_LINE_WIDTH = 72


@dataclass(frozen=True)
class Sender:
    """The ``[afsender]`` table of the barometer's own letters/letters.toml."""

    name: str
    address: str
    reply_to: str | None = None

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1].lower()


def _template_issue(err: TemplateError) -> Issue:
    where, _, message = str(err).partition(": ")
    return Issue(where, None, None, message or str(err))



# --------------------------------------------------------------------------------------------------
# The sender

def load_sender(barometer_dir: Path, *, project_dir: Path = PROJECT_DIR) -> tuple[Sender | None, list[Issue]]:
    """The ``[afsender]`` table of ``<barometer>/letters/letters.toml`` and the problems with it.

    Read by :func:`letters.own_section`: only the barometer's own file counts, the project's
    letters/ are shared by every barometer and must not name anyone's sender.
    """
    where = letters.own_settings_path(barometer_dir)
    errors: list[TemplateError] = []
    values = letters.own_section(barometer_dir, SENDER_SECTION, project_dir=project_dir, problems=errors)
    problems = [_template_issue(err) for err in errors]
    if not values:
        keys = ", ".join(SENDER_KEYS)
        problems.append(Issue(where, None, f"[{SENDER_SECTION}]",
                              f"mangler: brevene skal have en afsender ({keys}); se letters/README.md"))
        return None, problems
    for key in ("navn", "adresse"):
        if key not in values:
            problems.append(Issue(where, None, f"[{SENDER_SECTION}] {key}", f"mangler ({SENDER_KEYS[key]})"))
    for key in ("adresse", "svar_til"):
        if key in values:
            try:
                found = parse_emails(values[key])
            except ValueError:
                problems.append(Issue(where, None, f"[{SENDER_SECTION}] {key}",
                                      f'"{values[key]}" er ikke én e-mailadresse (navn@example.org)'))
                del values[key]
                continue
            if len(found) != 1:
                problems.append(Issue(where, None, f"[{SENDER_SECTION}] {key}", "skal være netop én adresse"))
                del values[key]
    if "navn" not in values or "adresse" not in values:
        return None, problems
    return Sender(values["navn"], values["adresse"], values.get("svar_til")), problems


# --------------------------------------------------------------------------------------------------
# The body text: letters/mail.md

def mail_context(barometer: Barometer, update: Update, committee: Committee, *, settings: letters.LetterSettings,
                 sender: Sender | None, subject: str, attachments: Sequence[str]) -> dict[str, Any]:
    """What ``{{ … }}`` can reach in letters/mail.md (documented in letters/README.md)."""
    signer = letters.signatory(barometer)  # who signed the letters: the same rule as Bilag 2
    return {
        **frame_context(barometer, update, committee, settings),
        "emne": subject,
        "afsender": {"navn": sender.name if sender else "", "adresse": sender.address if sender else ""},
        "bilag": list(attachments),
        "underskrift": {"navn": signer.name, "titel": signer.title},
        "borgmester": {"navn": signer.name, "titel": signer.title},  # the older name of underskrift
    }


def render_mail_body(barometer: Barometer, update: Update, committee: Committee, *, sender: Sender | None,
                     subject: str, attachments: Sequence[str], project_dir: Path = PROJECT_DIR,
                     settings: letters.LetterSettings | None = None) -> tuple[str, str]:
    """letters/mail.md (the barometer's own first) rendered for one committee in the letters' sandbox:
    (plain text, HTML). Raises TemplateError naming ``letters/mail.md:<line>``."""
    settings = settings or letters.load_settings(barometer_dir=barometer.folder, project_dir=project_dir,
                                          title=barometer.config.title)
    source = letters.find_text(MAIL_TEXT, barometer_dir=barometer.folder, project_dir=project_dir)
    context = mail_context(barometer, update, committee, settings=settings, sender=sender, subject=subject,
                           attachments=attachments)
    markdown = letters.render_markdown(source, context)
    return markdown_to_text(markdown), markdown_to_html(markdown, title=subject)


def check_mail_text(barometer: Barometer, *, project_dir: Path = PROJECT_DIR) -> None:
    """Render letters/mail.md for every committee that gets a letter at the latest update, with
    the barometer's sender if it has one; raises TemplateError for the first faulty text.
    For ``reportgen check``; a barometer that never sends e-mail needs no sender to pass."""
    sender, _ = load_sender(barometer.folder, project_dir=project_dir)
    settings = letters.load_settings(barometer_dir=barometer.folder, project_dir=project_dir,
                                          title=barometer.config.title)
    update = barometer.latest_update
    subject = subject_line(settings, update)
    for committee in barometer.letter_committees:
        render_mail_body(barometer, update, committee, sender=sender, subject=subject,
                         attachments=example_attachments(barometer, committee), project_dir=project_dir,
                         settings=settings)


def example_attachments(barometer: Barometer, committee: Committee) -> list[str]:
    """The letter's attachment names as a send names them (the PDF and the Word file), for a check or a
    preview before there is a build; the real ones come from the build (rounds/mail.py)."""
    return [f"{letter_name(barometer, committee.name)}{suffix}" for suffix in (".pdf", ".docx")]


_MARKDOWN_TEXT = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_MARKDOWN_HTML = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False,
                                           "breaks": True}).enable("table")


def markdown_to_text(markdown: str) -> str:
    """The plain-text body: Markdown marks removed, the author's line breaks kept, paragraphs
    separated by a blank line, lists as ``- `` lines, tables as ``a | b`` lines."""
    blocks: list[str] = []
    lists: list[list[Any]] = []  # [ordered, number]
    row: list[str] | None = None
    table: list[str] | None = None
    first_line_of_item = False
    joined = False  # the next block continues the last one (list items, table rows)
    for tok in _MARKDOWN_TEXT.parse(markdown):
        kind = tok.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = int(tok.attrs.get("start", 1) or 1) if kind == "ordered_list_open" else 1
            lists.append([kind == "ordered_list_open", start - 1])
            joined = len(lists) > 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            joined = bool(lists)
        elif kind == "list_item_open":
            lists[-1][1] += 1
            first_line_of_item = True
        elif kind == "table_open":
            table = []
        elif kind == "table_close":
            blocks.append("\n".join(table or []))
            table = None
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            (table if table is not None else blocks).append(" | ".join(row or []))
            row = None
        elif kind == "inline":
            text = _inline_text(tok)
            if row is not None:
                row.append(text)
                continue
            if lists:
                marker = f"{lists[-1][1]}. " if lists[-1][0] else "- "
                indent = "  " * (len(lists) - 1)
                lead = indent + (marker if first_line_of_item else " " * len(marker))
                rest = indent + " " * len(marker)
                text = "\n".join(_wrap(line, lead if n == 0 else rest, rest) for n, line in enumerate(text.split("\n")))
                first_line_of_item = False
                if joined and blocks:
                    blocks[-1] += "\n" + text
                else:
                    blocks.append(text)
                joined = True
                continue
            blocks.append("\n".join(_wrap(line, "", "") for line in text.split("\n")))
        elif kind in ("fence", "code_block"):
            blocks.append(tok.content.rstrip("\n"))
    return "\n\n".join(b for b in blocks if b.strip()) + "\n"


def _wrap(line: str, first: str, rest: str) -> str:
    return textwrap.fill(line, width=_LINE_WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or first.rstrip()


def _inline_text(inline: Token) -> str:
    parts: list[str] = []
    hrefs: list[str] = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "link_open":
            hrefs.append(str(child.attrs.get("href", "")))
        elif child.type == "link_close":
            href = hrefs.pop() if hrefs else ""
            if href and href not in "".join(parts):
                parts.append(f" ({href})")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def markdown_to_html(markdown: str, *, title: str) -> str:
    """The HTML alternative: the same Markdown as HTML (raw HTML in the text is shown as text)."""
    body = _MARKDOWN_HTML.render(markdown)
    return (f'<!DOCTYPE html>\n<html lang="da">\n<head>\n<meta charset="utf-8">\n<title>{html_escape(title)}</title>\n'
            f"</head>\n<body>\n{body}</body>\n</html>\n")


# --------------------------------------------------------------------------------------------------
# The message
