"""Editing a barometer's letter and advice texts: copy-on-write into its own ``letters/``, previewed
with the letters machinery (reportgen/documents/letters.py) before anything is saved, and optimistic
concurrency (a save names the hash of the text it started from)."""
from __future__ import annotations

import difflib
import re
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from ..documents import blocks as textblocks
from ..documents import letters
from ..errors import ReportgenError, TemplateError
from ..outputs.writer import atomic_write
from .workspace import NotFound, Workspace, sha256

ADVICE = "advice.md"
CASE = "case.md"  # the committee case (reportgen/documents/case.py), where this reportgen has it
PRESS = "press.md"  # the press release (reportgen/documents/press.py)
ANNUAL = "annual.md"  # the annual report's framing text (reportgen/documents/annual.py)
SETTINGS = letters.SETTINGS_FILE  # signature, press contact, the mayor's quote; previewed as the press release
MAIL = "mail.md"  # the e-mail that carries the letters (reportgen/rounds/mail.py); previewed as the e-mail, no PDF
_LINE = re.compile(r":(\d+): ")
# One PDF preview at a time in the server process: WeasyPrint's renders share one font
# configuration (render.pdf._setup), and two at once on a small server only slow both down.
PDF_LOCK = threading.Lock()


@dataclass(frozen=True)
class Text:
    name: str
    text: str
    hash: str
    own: bool  # the barometer's own file (else the project's default is shown)
    source: str  # how the letters machinery names the file it comes from


@dataclass(frozen=True)
class Preview:
    html: str | None
    error: str | None
    line: int | None
    title: str = ""


class Conflict(ReportgenError):
    """The text changed since the editor opened it; nothing was saved."""

    def __init__(self, current: Text, other_change: str):
        self.current, self.other_change = current, other_change
        super().__init__("teksten er ændret af en anden, siden du åbnede den")


def _stems(ws: Workspace, barometer_id: str) -> dict[str, str]:
    """Committee file stem -> committee name, for each committee that gets a letter (Bilag 2's
    ``addressees``, the one rule of who gets one): the letters it may have of its own."""
    from ..documents.bilag2 import addressees, committee_stems

    try:
        b = ws.barometer(barometer_id)
    except ReportgenError:
        return {}
    stems = committee_stems(b.committees)
    return {stems[c.id]: c.name for c in addressees(b)[0]}


# Texts beside the letters that a barometer may have its own of: file -> (description, the module that
# uses it). Listed only where the project has the file and this reportgen has the module.
OTHER_TEXTS = {
    ADVICE: ("Temaerne i Bilag 3 (råd til det nye udvalg)", "documents.bilag3"),
    CASE: ("Sagsfremstillingen til udvalget (indstillingen)", "documents.case"),
    PRESS: ("Pressemeddelelsen", "documents.press"),
    ANNUAL: ("Indledningen til den årlige statusrapport", "documents.annual"),
    MAIL: ("E-mailen, der følger brevene (Send brevene)", "documents.mailtext"),
    SETTINGS: ("Indstillingerne: underskrift, pressekontakt og borgmesterens citat til pressemeddelelsen "
               "([presse] citat)", "documents.press"),
}


def text_names(ws: Workspace, barometer_id: str) -> dict[str, str]:
    """Editable texts, file name -> description: default.md, advice.md, the case, the press release,
    the annual report's framing, the e-mail text, and one letter per committee."""
    import importlib.util

    package = __package__.rsplit(".", 1)[0]
    names = {letters.DEFAULT_LETTER: "Brevet til alle udvalg uden egen tekst"}
    for name, (about, module) in OTHER_TEXTS.items():
        if (ws.project_dir / letters.LETTERS_DIR / name).is_file() and importlib.util.find_spec(
                f"{package}.{module}") is not None:
            names[name] = about
    for stem, name in _stems(ws, barometer_id).items():
        names[f"{stem}.md"] = f"Brevet til {name}"
    return names


# --------------------------------------------------------------------------------------------------
# The administration's text blocks (documents/blocks.py): plain Markdown in <barometer>/tekster/, no
# template and no preview beyond the text as it will stand. Named here "tekster.<navn>.md" (the
# barometer's, every update) and "tekster.<opdatering>.<navn>.md" (one update's own, winning).

BLOCK_PREFIX = "tekster."


def block_names(ws: Workspace, barometer_id: str) -> dict[str, str]:
    """Editable text blocks, name -> description: each block for the barometer as a whole, then each
    for the latest update only. Empty for a folder whose data are not valid."""
    try:
        b = ws.barometer(barometer_id)
    except ReportgenError:
        return {}
    known = textblocks.known_names(b)
    latest = b.latest_update
    names = {f"{BLOCK_PREFIX}{name}.md": about for name, about in known.items()}
    names.update({f"{BLOCK_PREFIX}{latest.id}.{name}.md": f"{about} – kun opdateringen {latest.label}"
                  for name, about in known.items()})
    return names


def is_block(name: str) -> bool:
    return name.startswith(BLOCK_PREFIX) and name.endswith(".md")


def _block_path(ws: Workspace, barometer_id: str, name: str):
    """``tekster.2009-12.baggrund.md`` -> ``<folder>/tekster/2009-12/baggrund.md``."""
    update, _, block = name[len(BLOCK_PREFIX):-3].rpartition(".")
    return textblocks.block_path(ws.folder(barometer_id), block, update or None)


def block_list(ws: Workspace, barometer_id: str) -> list[dict]:
    """The blocks for the texts page: name, description, whether written."""
    return [{"name": n, "about": about, "own": _block_path(ws, barometer_id, n).is_file()}
            for n, about in block_names(ws, barometer_id).items()]


def _block_preview(ws: Workspace, barometer_id: str, name: str, text: str) -> Preview:
    """The block as it will stand in a document: its Markdown as paragraphs and lists, nothing run."""
    from ..document import Document, DocumentMeta
    from ..render.html import render_html

    b = ws.barometer(barometer_id)
    about = block_names(ws, barometer_id)[name]
    meta = DocumentMeta(label="Tekstblok", title=about, municipality=b.config.municipality,
                        administration=b.config.administration, date_text="", running_header="")
    shown = textblocks.to_blocks(text, display=name) if text.strip() else ()
    return Preview(render_html(Document("tekstblok", meta, shown), for_print=False), None, None, about)


def _save_block(ws: Workspace, barometer_id: str, name: str, text: str, *, base_hash: str, who: str) -> Text:
    """A block saved as ``save_text`` saves a text (stale-save refused with the other change, under
    the barometer's lock, audited); an empty text removes the file, so the computed text stands."""
    with ws.lock(barometer_id):
        current = read_text(ws, barometer_id, name)
        if current.hash != base_hash:
            raise Conflict(current, other_change(ws, barometer_id, name, base_hash, current.text, text))
        target = _block_path(ws, barometer_id, name)
        if text.strip():
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, text.encode("utf-8"))
        elif target.is_file():
            target.unlink()
        else:
            return current
        ws.audit.record(who=who, barometer=barometer_id, action="text", detail=current.name, before=current.text,
                        after=text)
    return read_text(ws, barometer_id, name)


def _checked(ws: Workspace, barometer_id: str, name: str) -> str:
    for known in (*text_names(ws, barometer_id), *(block_names(ws, barometer_id) if is_block(name) else ())):
        if known == name:
            return known
    raise NotFound(f'teksten "{name}" kan ikke redigeres her')


def read_text(ws: Workspace, barometer_id: str, name: str) -> Text:
    """The text the next build uses for ``name``: the barometer's own file, else the project's."""
    name = _checked(ws, barometer_id, name)
    folder = ws.folder(barometer_id)
    if is_block(name):  # not written yet: empty (the computed text stands)
        path = _block_path(ws, barometer_id, name)
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        return Text(name, text, sha256(text.encode("utf-8")), path.is_file(),
                    f"{folder.name}/{path.relative_to(folder).as_posix()}")
    kw = {"barometer_dir": folder, "project_dir": ws.project_dir}
    if name == letters.DEFAULT_LETTER or name in OTHER_TEXTS:
        source = letters.find_text(name, **kw)
    else:
        source = letters.find_letter(name[:-3], **kw)
    own_path = folder / letters.LETTERS_DIR / name
    text = source.path.read_text(encoding="utf-8")
    return Text(name, text, sha256(text.encode("utf-8")), own_path.is_file() and source.path == own_path,
                source.display)


@contextmanager
def _staged(ws: Workspace, barometer_id: str, name: str, text: str):
    """The barometer with ``text`` in place of ``letters/<name>``: a staging copy of its letters/ folder,
    named like the barometer so messages name the file as a build would. Removed afterwards."""
    import dataclasses
    import shutil

    folder = ws.folder(barometer_id)
    base = ws.state / "staging" / secrets.token_hex(8)
    copy = base / barometer_id
    try:
        own = folder / letters.LETTERS_DIR
        if own.is_dir() and not own.is_symlink():
            shutil.copytree(own, copy / letters.LETTERS_DIR, symlinks=True)
        (copy / letters.LETTERS_DIR).mkdir(parents=True, exist_ok=True)
        atomic_write(copy / letters.LETTERS_DIR / name, text.encode("utf-8"))
        yield dataclasses.replace(ws.barometer(barometer_id), folder=copy)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _document(ws: Workspace, barometer_id: str, name: str, text: str):
    """The document ``text`` belongs to, at the latest update, built by the document builders with
    ``text`` in place of the file (see ``_staged``). Raises TemplateError."""
    from ..documents.bilag2 import build_letters
    from ..narrate import narrate
    from ..signals.assess import assess_history

    name = _checked(ws, barometer_id, name)
    history = ws.derived(barometer_id, "history", assess_history)
    with _staged(ws, barometer_id, name, text) as b:
        assessment = history[-1]
        narrative = narrate(b, assessment, history)
        if name == ADVICE:
            from ..documents.bilag3 import build_bilag3

            return build_bilag3(b, history, assessment, narrative, project_dir=ws.project_dir, charts={})
        if name == CASE:
            from ..documents import case  # listed only where the module exists (text_names)

            return case.build_case(b, history, assessment, narrative, project_dir=ws.project_dir)
        if name in (PRESS, SETTINGS):
            from ..documents.press import build_press

            return build_press(b, history, assessment, narrative, project_dir=ws.project_dir)
        if name == ANNUAL:
            from ..documents.annual import build_annual

            year = assessment.at.date.year
            return build_annual(b, history, year, project_dir=ws.project_dir)
        docs = list(build_letters(b, assessment, narrative, {}, project_dir=ws.project_dir))
        if not docs:
            raise TemplateError("ingen udvalg får et brev i denne opdatering")
        return next((d for d in docs if d.slug == name[:-3]), docs[0])


def _mail_preview(ws: Workspace, barometer_id: str, text: str) -> Preview:
    """The e-mail to the first committee that gets a letter, as ``reportgen send`` renders it
    (reportgen.rounds.mail.render_mail_body with the barometer's own sender), in HTML."""
    from ..documents.bilag2 import addressees, subject_line
    from ..rounds import mail

    with _staged(ws, barometer_id, MAIL, text) as b:
        receivers = addressees(b)[0]
        if not receivers:
            raise TemplateError("ingen udvalg får et brev i denne opdatering")
        committee, update = receivers[0], b.latest_update
        settings = letters.load_settings(barometer_dir=b.folder, project_dir=ws.project_dir, title=b.config.title)
        sender, _ = mail.load_sender(b.folder, project_dir=ws.project_dir)
        subject = subject_line(settings, update)
        # Example attachment names, as `reportgen check` renders the text (mail.check_mail_text);
        # the real ones are on the build's "Send brevene" page and in its drafts.
        from ..documents.mailtext import example_attachments

        names = example_attachments(b, committee)
        _, html = mail.render_mail_body(b, update, committee, sender=sender, subject=subject, attachments=names,
                                        project_dir=ws.project_dir, settings=settings)
    return Preview(html, None, None, f"e-mailen til {committee.name}: {subject}")


def _failed(err: TemplateError) -> Preview:
    message = str(err)
    found = _LINE.search(message)
    return Preview(None, message, int(found.group(1)) if found else None)


def preview(ws: Workspace, barometer_id: str, name: str, text: str) -> Preview:
    """The document as HTML with ``text`` in place, or the template error with its file and line."""
    from ..render.html import render_html

    try:
        if is_block(_checked(ws, barometer_id, name)):
            return _block_preview(ws, barometer_id, name, text)
        if _checked(ws, barometer_id, name) == MAIL:
            return _mail_preview(ws, barometer_id, text)
        doc = _document(ws, barometer_id, name, text)
    except TemplateError as err:
        return _failed(err)
    return Preview(render_html(doc, for_print=False), None, None, doc.meta.recipient or doc.meta.title)


def preview_pdf(ws: Workspace, barometer_id: str, name: str, text: str) -> tuple[bytes | None, Preview]:
    """The document as the build's PDF renderer makes it (one letter), or the template error."""
    from ..rounds.pipeline import render_one

    if name == MAIL:
        return None, Preview(None, "e-mailen er ikke en PDF; brug Forhåndsvis", None)
    if is_block(name):
        return None, Preview(None, "en tekstblok er ikke et dokument for sig; brug Forhåndsvis", None)
    try:
        doc = _document(ws, barometer_id, name, text)
    except TemplateError as err:
        return None, _failed(err)
    with PDF_LOCK:
        pdf = render_one("pdf", doc, template_dirs(ws, barometer_id))
    return pdf, Preview(None, None, None, doc.meta.title)


def template_dirs(ws: Workspace, barometer_id: str) -> tuple:
    """The barometer's own HTML templates (and print.css), if it has them: as a build renders it."""
    own = ws.folder(barometer_id) / "templates" / "html"
    return (own,) if own.is_dir() else ()


def save_text(ws: Workspace, barometer_id: str, name: str, text: str, *, base_hash: str, who: str) -> Text:
    """Save ``text`` as the barometer's own file, if the text is still the one the editor started from
    (else Conflict, showing the other change) and it renders (else TemplateError). The check and the
    write happen under the barometer's lock, so of two saves from the same text only the first wins."""
    text = text.replace("\r\n", "\n")
    if is_block(_checked(ws, barometer_id, name)):
        return _save_block(ws, barometer_id, name, text, base_hash=base_hash, who=who)
    current = read_text(ws, barometer_id, name)
    if current.hash != base_hash:
        raise Conflict(current, other_change(ws, barometer_id, name, base_hash, current.text, text))
    result = preview(ws, barometer_id, name, text)
    if result.error:
        raise TemplateError(result.error)
    with ws.lock(barometer_id):
        current = read_text(ws, barometer_id, name)
        if current.hash != base_hash:  # saved by someone else while this text was being checked
            raise Conflict(current, other_change(ws, barometer_id, name, base_hash, current.text, text))
        target = ws.folder(barometer_id) / letters.LETTERS_DIR / current.name
        target.parent.mkdir(exist_ok=True)
        if not target.is_file():  # the first save copies the project's text: its header must not claim otherwise
            text = own_copy_header(text, ws.folder(barometer_id).name)
        atomic_write(target, text.encode("utf-8"))
        ws.audit.record(who=who, barometer=barometer_id, action="text", detail=current.name, before=current.text,
                        after=text)
    return read_text(ws, barometer_id, name)


def own_copy_header(text: str, barometer: str) -> str:
    """A first ``{# … #}`` comment saying the text is the shipped default (``Standardbrevet …``) is
    replaced by one saying this is the barometer's own copy."""
    import re

    m = re.match(r"\{#\s*Standard(.*?)#\}\n?", text, re.S)
    if m is None:
        return text
    note = (f"{{# Barometrets egen tekst i {barometer}/letters/, kopieret fra projektets standardtekst og\n"
            f"   rettet i arbejdsbænken. Den bruges i stedet for standardteksten. Se letters/README.md for de\n"
            f"   navne, der kan stå i {{{{ }}}}. #}}\n")
    return note + text[m.end():]


def other_change(ws: Workspace, barometer_id: str, name: str, base_hash: str, current: str, mine: str) -> str:
    """A unified diff of what someone else changed: from the text this editor started from (found in the
    audit log by its hash) to the text saved now; else from the saved text to this editor's text."""
    base = None
    for event in ws.audit.events(barometer_id):
        if event.action == "text" and event.detail == name:
            for candidate in (event.after, event.before):
                if candidate is not None and sha256(candidate.encode("utf-8")) == base_hash:
                    base = candidate
                    break
        if base is not None:
            break
    if base is None:
        lines = difflib.unified_diff(current.splitlines(), mine.splitlines(), "gemt nu", "din tekst", lineterm="")
    else:
        lines = difflib.unified_diff(base.splitlines(), current.splitlines(), "da du åbnede den", "gemt nu",
                                     lineterm="")
    return "\n".join(lines)


def numbered(text: str) -> list[tuple[int, str]]:
    return list(enumerate(text.split("\n"), start=1))
