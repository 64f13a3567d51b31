"""The fields a text may use, for the template editor: each name with its meaning (letters/README.md,
through documents/fields.py) and the value it has now, taken from the context function the text's
builder uses, at the barometer's latest update (a letter: for its committee; default.md and mail.md:
for the first committee that gets a letter)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..documents import fields as readme
from ..documents import letters
from ..errors import ReportgenError
from ..narrate import danish as da
from .texts import ADVICE, ANNUAL, CASE, MAIL, PRESS, is_block
from .workspace import Workspace

_LONG = 240  # a value longer than this is cut, with "…"


@dataclass(frozen=True)
class Field:
    name: str  # as written in the text: ``udvalg.navn``; an item of a list: ``i.navn``
    meaning: str
    value: str


@dataclass(frozen=True)
class Fields:
    about: str = ""  # "opdateringen December 2009, brevet til Børne- og Ungdomsudvalget"
    rows: tuple[Field, ...] = ()
    error: str | None = None
    items: dict[str, str] = field(default_factory=dict)  # item prefix ("i") -> the list its example is from


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "sand" if value else "falsk"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return da.number(value, 0 if float(value).is_integer() else 1)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_shown(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, dict) for v in value):
            names = [str(v.get("navn") or v.get("titel") or v.get("label") or v.get("tekst") or "") for v in value]
            return f"{len(value)}: {da.join_list([n for n in names if n])}" if any(names) else str(len(value))
        return da.join_list([_shown(v) for v in value]) if value else "(tom)"
    text = str(value)
    return text if len(text) <= _LONG else text[:_LONG].rstrip() + " …"


def rows(context: dict[str, Any], meanings: dict[str, str]) -> tuple[list[Field], dict[str, str]]:
    """The context as the editor lists it: a dict whose parts the README names is listed part by
    part (``barometer.navn``); a list of dicts whose items the README names with a one-letter
    prefix (``i.navn``) is listed as a whole, and its first item's fields once, after it."""
    out: list[Field] = []
    prefixes = {n.split(".", 1)[0] for n in meanings if len(n.split(".", 1)[0]) == 1 and "." in n}
    items: dict[str, str] = {}
    for name, value in context.items():
        if isinstance(value, dict) and any(f"{name}.{k}" in meanings for k in value):
            out.extend(Field(f"{name}.{k}", meanings.get(f"{name}.{k}", ""), _shown(v)) for k, v in value.items())
            continue
        out.append(Field(name, meanings.get(name, ""), _shown(value)))
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for p in sorted(prefixes - set(items)):
                if any(f"{p}.{k}" in meanings for k in value[0]):
                    items[p] = name
                    out.extend(Field(f"{p}.{k}", meanings.get(f"{p}.{k}", ""), _shown(v))
                               for k, v in value[0].items())
    return out, items


def context(ws: Workspace, barometer_id: str, name: str) -> tuple[str, dict[str, Any]] | None:
    """(what the values are for, the context) for ``name``, from the function its builder uses;
    None for a text without fields (letters.toml, a text block)."""
    from ..documents.bilag2 import addressees, committee_stems, letter_context, subject_line
    from ..narrate import narrate
    from ..signals.assess import assess_history
    from ..signals.history import lifetime_facts

    if is_block(name) or not name.endswith(".md"):
        return None
    b = ws.barometer(barometer_id)
    history = ws.derived(barometer_id, "history", assess_history)
    assessment = history[-1]
    update = assessment.at
    when = f"opdateringen {update.label.lower()}"
    kw = {"barometer_dir": b.folder, "project_dir": ws.project_dir}
    if name == ADVICE:
        from ..documents.bilag3 import advice_context

        settings = letters.load_settings(**kw, title=b.config.title)
        return when, advice_context(b, assessment, lifetime_facts(b, history, update.id), settings)
    if name == CASE:
        from ..documents.case import case_context

        narrative = narrate(b, assessment, history)
        return when, case_context(b, assessment, narrative, lifetime_facts(b, history, update.id),
                                  letters.load_settings(**kw))
    if name == PRESS:
        from ..documents.press import newsworthy, press_context
        from ..narrate.diff import diff

        changes = None
        if assessment.previous_update:
            changes = diff(b, assessment.previous_update, assessment.update, history=history)
        item = newsworthy(b, assessment, changes)
        return when, press_context(b, assessment, narrate(b, assessment, history), item, letters.load_settings(**kw),
                                   letters.load_press_contact(**kw))
    if name == ANNUAL:
        from ..documents.annual import annual_context, year_of

        y = year_of(b, history, update.date.year)
        return f"året {y.year}", annual_context(b, y, letters.load_settings(**kw))
    receivers = addressees(b)[0]
    if not receivers:
        raise ReportgenError("ingen udvalg får et brev i denne opdatering")
    stems = committee_stems(b.committees)
    committee = next((c for c in receivers if f"{stems[c.id]}.md" == name), receivers[0])
    settings = letters.load_settings(**kw, title=b.config.title)
    when = f"{when}, brevet til {committee.name}"
    if name == MAIL:
        from ..documents.mailtext import mail_context
        from ..rounds.mail import load_sender

        sender, _ = load_sender(b.folder, project_dir=ws.project_dir)
        from ..documents.mailtext import example_attachments

        names = example_attachments(b, committee)
        return when, mail_context(b, update, committee, settings=settings, sender=sender,
                                  subject=subject_line(settings, update), attachments=names)
    return when, letter_context(b, assessment, narrate(b, assessment, history), committee, settings)


def text_fields(ws: Workspace, barometer_id: str, name: str) -> Fields | None:
    """The fields of ``name`` with meaning and value; None for a text without fields."""
    try:
        found = context(ws, barometer_id, name)
    except ReportgenError as err:  # invalid data, nobody to sign …: the names without values
        return Fields(error=str(err), rows=tuple(Field(n, m, "") for n, m in
                                                 readme.meanings(ws.project_dir, name).items()))
    if found is None:
        return None
    about, values = found
    listed, items = rows(values, readme.meanings(ws.project_dir, name))
    return Fields(about, tuple(listed), None, items)
