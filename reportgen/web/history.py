"""The audit log in words: each event as a Danish sentence (and changed lines for a text), in
Danish local time; data changes as their figures ("BES1 (aug. 2009): 59,3 → 63,1")."""
from __future__ import annotations

import difflib
import json
import re
from typing import Any

from ..narrate import danish as da
from .wording import da_time, iso_local, who

KINDS = {"data": "Nye data", "restore": "Data gendannet", "override": "Farve tilsidesat",
         "override-removed": "Tilsidesættelse fjernet", "text": "Tekst ændret", "addition": "Tilføjelse til brev",
         "build": "Dokumenter dannet", "mail": "Breve sendt", "mail-resend": "Breve sendt igen",
         "version-pruned": "Gammel version slettet",
         "login": "Log ind"}
# The workspace's own events (audited with barometer ""): shown on the whole workspace's history only.
LOGIN = "login"
_LOGIN_WORDS = {"login": "Logget ind", "login-failed": "Forkert login", "login-throttled": "For mange forsøg",
                "login-norole": "Logget ind uden adgang til arbejdsbænken"}
_HOW = {"token": "med nøglen", "password": "med adgangskode", "oidc": "med kommunens login",
        "bearer": "med nøglen fra et program"}


def _json(text: str | None):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _files(detail: str) -> list[str]:
    start = detail.find("{")
    data = _json(detail[start:]) if start >= 0 else None
    files = data.get("files") if isinstance(data, dict) else None
    return sorted(files) if isinstance(files, dict) else []


def _signal(s: str | None) -> str:
    return da.signal_word(s) if s else "?"


class Names:
    """How the history names what an event names by id; the id itself where it knows no better."""

    def text(self, barometer: str, name: str) -> str:  # "Brevet til alle udvalg uden egen tekst"
        return name

    def update(self, barometer: str, update: str) -> str:  # "juni 2009"
        return update


def describe(e, names: Names | None = None) -> dict[str, Any]:
    """One event: {"summary": a sentence, "lines": detail lines}; ``names`` words a text as the texts
    page does and an update by its label."""
    names = names or Names()
    lines: list[str] = []
    after = _json(e.after)
    if e.action == "data":
        if isinstance(after, dict) and isinstance(after.get("changes"), list):
            lines = [str(x) for x in after["changes"]]
            summary = (f"Nye data: {da.count(len(lines), 'ændring', 'ændringer')}"
                       + (f" – {lines[0]}" if len(lines) == 1 else "")) if lines else "Nye data: ingen tal ændret"
        else:
            summary = "Nye data: " + (", ".join(_files(e.detail)) or "filerne er skiftet")
    elif e.action == "restore":
        summary = "En tidligere version af data er gendannet (" + (", ".join(_files(e.detail)) or "") + ")"
    elif e.action == "version-pruned":  # the oldest kept data version, deleted to keep the last N (issue 29)
        summary = ("En gammel version af data er slettet; et fingeraftryk af filerne står i loggen ("
                   + ", ".join(_files(e.detail)) + ")")
    elif e.action in ("override", "override-removed") and isinstance(after, dict):
        target, update = after.get("target", ""), names.update(e.barometer, after.get("update", ""))
        computed = after.get("computed")
        if e.action == "override-removed":
            summary = f"{target} {update}: tilsidesættelsen er fjernet (nu {_signal(computed)})" if computed else \
                f"{target} {update}: tilsidesættelsen er fjernet"
        else:
            summary = (f"{target} {update}: sat til {_signal(after.get('signal'))}"
                       + (f" (beregnet {_signal(computed)})" if computed else "") + f" – {after.get('reason', '')}")
    elif e.action == "text":
        diff = difflib.unified_diff((e.before or "").splitlines(), (e.after or "").splitlines(), lineterm="", n=0)
        lines = [d for d in diff if d[:1] in "+-" and not d.startswith(("+++", "---"))]
        name = names.text(e.barometer, e.detail)
        summary = f"{name}: {len(lines)} {'linje' if len(lines) == 1 else 'linjer'} ændret"
    elif e.action == "addition":
        committee, _, update = e.detail.rpartition(", ")  # "Børne- og Ungdomsudvalget, 2009-06"
        summary = (f"Tilføjelse til brevet til {committee} for {names.update(e.barometer, update)}" if committee
                   else f"Tilføjelse til brevet: {e.detail}")
        summary += "" if e.after else " (fjernet)"
        lines = (e.after or "").splitlines()[:10]
    elif e.action == "build":
        m = re.match(r"(start|done|failed) (\S+)(?:: (.*))?", e.detail)
        if m:
            summary = {"start": "Dannelsen af dokumenterne er startet", "done": "Dokumenterne er dannet",
                       "failed": "Dokumenterne kunne ikke dannes"}[m.group(1)]
            summary += f": {m.group(3)}" if m.group(3) else ""
        else:
            summary = e.detail
    elif e.action == LOGIN or e.action.startswith(LOGIN + "-"):
        how, _, rest = e.detail.partition(" ")
        summary = f"{_LOGIN_WORDS.get(e.action, e.action)} {_HOW.get(how, how)} {rest}".strip()
        summary = summary.replace(" fra ", " fra adressen ", 1).replace("; vent ", "; skal vente ")
    elif e.action.startswith("mail"):
        summary = ("Brevene er sendt igen" if e.action == "mail-resend" else "Brevene er sendt") + f" ({e.detail})"
        lines = (e.after or "").splitlines()
    else:
        summary = e.detail
    return {"summary": summary, "lines": lines}


def _kind_word(action: str) -> str:
    return KINDS.get(action) or KINDS.get(action.split("-", 1)[0], action)


def events(audit, barometer_id: str | None, *, kind: str | None = None, logins: bool = True,
           titles: dict[str, str] | None = None, names: Names | None = None) -> list[dict[str, Any]]:
    """The events of one barometer (``None``: the whole workspace, with its logins unless not
    ``logins``), newest first, each in words; ``titles`` maps a barometer id to its title."""
    out = []
    for e in audit.events(barometer_id, kind=kind, without=None if logins else LOGIN):
        d = describe(e, names)
        out.append({"time": iso_local(e.at), "when": da_time(e.at), "user": e.who, "who": who(e.who),
                    "action": e.action, "kind": _kind_word(e.action), "barometer": e.barometer,
                    "barometer_title": (titles or {}).get(e.barometer, e.barometer), **d})
    return out
