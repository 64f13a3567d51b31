"""The "Send brevene" page of a finished build: the plan, the drafts, and the send (reportgen.rounds.mail)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ...narrate import danish as da
from ...rounds import mail
from ..http import Web, change, field, is_api, page, require, web
from ..sending import WORDING, NotReady, Planned
from ..wording import update_label

KINDS = {".pdf": "PDF", ".docx": "Word"}
BAD_JSON = 'forventede JSON som {"send": true} eller {"send": true, "resend": true}'
STATE_CLASSES = {mail.SENT: "sent", mail.NEW: "new", mail.PARTLY: "new", mail.CHANGED: "held"}


def mail_data(w: Web, planned: Planned, *, result: mail.SendResult | None = None) -> dict[str, Any]:
    """What the page shows and the API answers: the plan, each letter's state, every problem."""
    info, plan = planned.build, planned.plan
    letters = []
    for s in planned.statuses:
        m = s.mail
        letters.append({
            "committee": m.committee.id, "name": m.committee.name, "state": s.state,
            "state_class": STATE_CLASSES.get(s.state, "new"),
            "recipients": list(m.recipients), "accepted": list(s.accepted), "pending": list(s.pending),
            "sent_at": s.sent_at, "sent_text": _when(s.sent_at), "subject": m.subject,
            "message_id": plan.message_id(m) if plan is not None and plan.sender is not None else None,
            "draft": f"{m.stem}.eml",
            "attachments": [{"filename": a.filename, "path": a.path, "kind": KINDS.get(Path(a.path).suffix, ""),
                             "sha256": a.sha256} for a in m.attachments],
        })
    changed = [x for x in letters if x["state"] == mail.CHANGED]
    # What "Send igen" would send: mail_status's own answer with resend (changed letters to everyone).
    again = mail.mail_status(plan, resend=True) if plan is not None and changed else ()
    sender = plan.sender if plan is not None else None
    lines = (mail.plan_lines(plan, planned.statuses, wording=WORDING)
             if plan is not None and sender is not None else [])
    data: dict[str, Any] = {
        "build": info, "barometer": w.ws.info(info["barometer"]), "update": info["update"],
        "update_label": update_label(w.ws, info["barometer"], info["update"]),
        "smtp": w.smtp.display if w.smtp is not None else None,
        "sender": {"name": sender.name, "address": sender.address, "reply_to": sender.reply_to} if sender else None,
        "problems": list(planned.problems), "ready": planned.ready, "letters": letters,
        "pending": sum(bool(x["pending"]) for x in letters), "plan_lines": lines,
        "changed": [x["committee"] for x in changed], "changed_names": [x["name"] for x in changed],
        "resend_pending": sum(bool(s.pending) for s in again), "result": None,
    }
    if result is not None and plan is not None:
        lines = [{"text": t, "error": e} for t, e in mail.result_lines(result, plan, wording=WORDING)]
        sent = [{"committee": m.committee.id, "to": list(to)} for m, to in result.sent]
        data["result"] = {"ok": result.ok, "lines": lines, "sent": sent}
    return data


def _when(stamp: str | None) -> str:
    """``2009-12-03T09:15:00+01:00`` -> ``3. december 2009 kl. 09.15`` (the send log's own time)."""
    if not stamp:
        return ""
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return f"{da.date(when.date())} kl. {when:%H.%M}"


def _api(data: dict[str, Any]) -> dict[str, Any]:
    keys = ("update", "smtp", "sender", "problems", "ready", "letters", "pending", "changed", "resend_pending",
            "result")
    return {k: data[k] for k in keys} | {
        "build": data["build"]["build"], "barometer": data["barometer"]["id"]}


def _respond(request: Request, data: dict[str, Any], *, auth, status: int = 200) -> Response:
    if is_api(request):
        return JSONResponse(_api(data), status_code=status)
    return page(request, "mail.html", data, auth=auth, status=status, title="Send brevene")


async def show(request: Request) -> Response:
    auth = require(request)
    w = web(request)
    planned = await run_in_threadpool(w.sending.planned, request.path_params["build"])
    return _respond(request, mail_data(w, planned), auth=auth)


async def submit(request: Request) -> Response:
    """Send (form field ``action=send``, or JSON ``{"send": true}``); send again, to the committees that
    already have an earlier version of their letter too (``action=resend`` with ``confirm=ja``, or
    JSON ``{"send": true, "resend": true}``); otherwise the plan again."""
    auth, form = await change(request)
    w = web(request)
    build_id = request.path_params["build"]
    action = field(form, "action")
    send, resend = action in ("send", "resend"), action == "resend"
    if is_api(request) and request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            raise HTTPException(400, BAD_JSON) from None
        if not isinstance(body, dict) or any(not isinstance(body.get(k, False), bool) for k in ("send", "resend")):
            raise HTTPException(400, BAD_JSON)
        send, resend = body.get("send", False), body.get("resend", False)
        if resend and not send:
            raise HTTPException(400, BAD_JSON)
    elif resend and field(form, "confirm") != "ja":
        planned = await run_in_threadpool(w.sending.planned, build_id)
        data = mail_data(w, planned)
        data["result"] = {"ok": False, "sent": [], "lines": [
            {"text": "Intet er sendt: sæt flueben ved, at udvalgene skal have brevet igen.", "error": True}]}
        return _respond(request, data, auth=auth, status=422)
    if not send:
        planned = await run_in_threadpool(w.sending.planned, build_id)
        return _respond(request, mail_data(w, planned), auth=auth)
    try:
        planned, result = await run_in_threadpool(w.sending.send, build_id, who=auth.user.name, resend=resend)
    except NotReady:
        planned = await run_in_threadpool(w.sending.planned, build_id)
        return _respond(request, mail_data(w, planned), auth=auth, status=422)
    except mail.MailSendError as err:
        planned = await run_in_threadpool(w.sending.planned, build_id)
        data = mail_data(w, planned)
        data["result"] = {"ok": False, "lines": [{"text": f"Fejl: {err}", "error": True}], "sent": []}
        return _respond(request, data, auth=auth, status=502)
    data = mail_data(w, planned, result=result)
    return _respond(request, data, auth=auth, status=200 if result.ok else 502)


async def draft(request: Request) -> Response:
    require(request)
    w = web(request)
    name = request.path_params["name"]
    if not name.endswith(".eml"):
        raise HTTPException(404, "kun .eml-kladder")
    filename, data = await run_in_threadpool(w.sending.draft, request.path_params["build"], name[:-4])
    return Response(data, media_type="message/rfc822",
                    headers={"content-disposition": f"attachment; filename*=utf-8''{quote(filename)}"})
