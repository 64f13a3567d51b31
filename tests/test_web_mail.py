"""The workbench's "Send brevene" page (reportgen.rounds.mail unchanged): the plan, the drafts, and sending to a
real SMTP server on loopback, never twice; editable press/annual/mail texts; `check` on the barometer page."""
from __future__ import annotations

import email
import email.policy
import json
import os
import re
import shutil
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from test_mail import FILES, Handler, LoopbackController
from web_helpers import BASE, BEARER, TOKEN, logged_in, make_workspace, running_server

from reportgen.rounds import mail
from reportgen.web import security as sec
from reportgen.web.app import create_app
from reportgen.web.security import Security

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def client_for(ws: Path, *, smtp: mail.SmtpSettings | None = None, users=None) -> TestClient:
    security = Security.create(token=TOKEN, users=users, host="127.0.0.1")
    return TestClient(create_app(ws, security, smtp=smtp), base_url=BASE)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A workspace whose barometer has a sender and two letters, built once through the workbench."""
    ws = make_workspace(tmp_path_factory.mktemp("webmail") / "ws", files=FILES)
    client = client_for(ws)
    build_id = client.post("/api/barometers/testrup/builds", headers=BEARER).json()["build"]
    client.app.state.web.builds.wait(build_id, timeout=600)
    info = client.get(f"/api/builds/{build_id}", headers=BEARER).json()
    assert info["state"] == "done", info
    return ws, build_id


@pytest.fixture
def ws(built, tmp_path):
    """A private copy of the built workspace: (workspace, build id)."""
    source, build_id = built
    shutil.copytree(source, tmp_path / "ws", symlinks=True)
    return tmp_path / "ws", build_id


@pytest.fixture
def smtp():
    handler = Handler()
    controller = LoopbackController(handler)
    controller.start()
    handler.settings = mail.SmtpSettings("127.0.0.1", controller.port, timeout=10)
    yield handler
    controller.stop()


def csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text[-2000:]
    return _CSRF.search(page.text).group(1)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_send_page_sends_each_letter_once_and_the_send_is_audited(ws, smtp):
    root, build_id = ws
    client = logged_in(client_for(root, smtp=smtp.settings))
    assert 'href="/builds/' + build_id + '/mail"' in client.get(f"/builds/{build_id}").text
    page = client.get(f"/builds/{build_id}/mail")
    assert page.status_code == 200
    assert "<h1>Send brevene</h1>" in page.text and "<script" not in page.text
    shown = text_of(page.text)
    for expected in ("Børne- og Ungdomsudvalget", "buu@example.org", "buu-formand@example.org", "saeu@example.org",
                     "Ikke sendt", "Fra: Forvaltningen for Børn & Ældre",
                     "Send 2 e-mails", "127.0.0.1:"):
        assert expected in shown, expected
    assert "None" not in shown
    token = _CSRF.search(page.text).group(1)

    refused = client.post(f"/builds/{build_id}/mail", data={"action": "send"})
    assert refused.status_code == 403 and smtp.messages == []

    r = client.post(f"/builds/{build_id}/mail", data={"csrf": token, "action": "send"})
    assert r.status_code == 200, text_of(r.text)[-2000:]
    assert len(smtp.messages) == 2
    assert sorted(tuple(rcpts) for _, rcpts, _ in smtp.messages) == [
        ("buu@example.org", "buu-formand@example.org"), ("saeu@example.org",)]
    shown = text_of(r.text)
    assert "Sendt: Børne- og Ungdomsudvalget til buu@example.org, buu-formand@example.org" in shown
    assert "Færdig: 2 e-mails sendt." in shown
    assert "Send 2 e-mails" not in shown and "alle breve er sendt" in shown

    again = client.post(f"/builds/{build_id}/mail", data={"csrf": token, "action": "send"})
    assert again.status_code == 200 and len(smtp.messages) == 2
    assert "Allerede sendt: Børne- og Ungdomsudvalget" in text_of(again.text)

    events = [e for e in client.app.state.web.ws.audit.events("testrup") if e.action == "mail"]
    assert len(events) == 2 and events[0].who == "token"
    assert build_id in events[1].detail and "Færdig: 2 e-mails sendt." in events[1].after
    assert "Allerede sendt" in events[0].after
    history = text_of(client.get("/b/testrup/history").text)
    assert "Breve sendt" in history and "Færdig: 2 e-mails sendt." in history

    # The send log lives once per barometer and update; the build's mail/sendelog.jsonl links to it.
    shared = root / ".workbench" / "mail" / "testrup" / "2009-06" / "sendelog.jsonl"
    here = root / ".workbench" / "builds" / build_id / "out" / "2009-06" / "mail" / "sendelog.jsonl"
    assert here.is_symlink() and here.resolve() == shared.resolve()
    records = [json.loads(line) for line in shared.read_text("utf-8").splitlines()]
    assert [r["status"] for r in records] == ["accepted", "accepted"]


def test_a_rebuild_does_not_send_the_letters_again(ws, smtp):
    root, build_id = ws
    client = logged_in(client_for(root, smtp=smtp.settings))
    token = csrf(client, f"/builds/{build_id}/mail")
    assert client.post(f"/builds/{build_id}/mail", data={"csrf": token, "action": "send"}).status_code == 200
    assert len(smtp.messages) == 2
    again = client.post("/api/barometers/testrup/builds", headers=BEARER).json()["build"]
    client.app.state.web.builds.wait(again, timeout=600)
    page = text_of(client.get(f"/builds/{again}/mail").text)
    assert "Sendt" in page and "alle breve er sendt" in page and "Send 2 e-mails" not in page
    r = client.post(f"/api/builds/{again}/mail", headers=BEARER, json={"send": True})
    assert r.status_code == 200 and len(smtp.messages) == 2
    assert [line["text"] for line in r.json()["result"]["lines"]][-1] == "Intet at sende."


def test_the_api_plans_and_sends_with_a_bearer_token(ws, smtp):
    root, build_id = ws
    client = client_for(root, smtp=smtp.settings)
    plan = client.get(f"/api/builds/{build_id}/mail", headers=BEARER).json()
    assert plan["ready"] is True and plan["problems"] == [] and plan["pending"] == 2
    assert plan["sender"]["address"] == "barometer@example.org"
    buu = next(x for x in plan["letters"] if x["committee"] == "BUU")
    assert buu["pending"] == ["buu@example.org", "buu-formand@example.org"]
    assert [a["path"] for a in buu["attachments"]] == ["bilag2/BUU.pdf", "bilag2/BUU.docx"]
    assert client.post(f"/api/builds/{build_id}/mail", headers=BEARER, json={"send": False}).json() == plan
    assert smtp.messages == []
    r = client.post(f"/api/builds/{build_id}/mail", headers=BEARER, json={"send": True})
    assert r.status_code == 200 and r.json()["result"]["ok"] is True and len(smtp.messages) == 2
    assert {x["state"] for x in r.json()["letters"]} == {mail.SENT}
    assert client.post(f"/api/builds/{build_id}/mail", headers=BEARER, json={"send": "ja"}).status_code == 400


def test_a_reader_sees_the_plan_but_cannot_send(ws, smtp):
    root, build_id = ws
    users = {"bo": sec.UserRecord("bo", "reader", sec.hash_password("laeser-kode"))}
    client = client_for(root, smtp=smtp.settings, users=users)
    nonce = _CSRF.search(client.get("/login").text).group(1)
    client.post("/login", data={"csrf": nonce, "user": "bo", "password": "laeser-kode"})
    page = client.get(f"/builds/{build_id}/mail")
    assert page.status_code == 200 and "kun læseadgang" in page.text and 'value="send"' not in page.text
    token = _CSRF.search(page.text).group(1)  # the log-out form's
    r = client.post(f"/builds/{build_id}/mail", data={"csrf": token, "action": "send"})
    assert r.status_code == 403 and smtp.messages == []
    assert not any(e.action == "mail" for e in client.app.state.web.ws.audit.events("testrup"))


def test_without_smtp_the_drafts_download_and_nothing_can_be_sent(ws):
    root, build_id = ws
    client = logged_in(client_for(root))
    page = client.get(f"/builds/{build_id}/mail")
    assert "uden en mailserver" in page.text and 'value="send"' not in page.text
    assert f'href="/builds/{build_id}/mail/BUU.eml"' in page.text
    r = client.get(f"/builds/{build_id}/mail/BUU.eml")
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment")
    plan = mail.plan_mail(root / "testrup", out_root=root / ".workbench" / "builds" / build_id / "out")
    buu = next(m for m in plan.mails if m.stem == "BUU")
    assert r.content == plan.message_bytes(buu)  # the bytes write_drafts writes
    msg = email.message_from_bytes(r.content, policy=email.policy.default)
    assert msg["X-Unsent"] == "1" and "buu@example.org" in msg["To"]
    pdf = next(p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf")
    built_pdf = root / ".workbench" / "builds" / build_id / "out" / "2009-06" / "bilag2" / "BUU.pdf"
    assert pdf.get_content() == built_pdf.read_bytes()
    for bad in ("nope.eml", "BUU.pdf", "..%2f..%2fbarometer.toml"):
        assert client.get(f"/builds/{build_id}/mail/{bad}").status_code == 404
    token = _CSRF.search(page.text).group(1)
    assert client.post(f"/builds/{build_id}/mail", data={"csrf": token, "action": "send"}).status_code == 409


def test_every_problem_is_listed_before_anything_goes(ws, smtp):
    root, build_id = ws
    (root / "testrup" / "letters" / "letters.toml").write_text('[brev]\nemne = "Opfølgning"\n', encoding="utf-8")
    committees = root / "testrup" / "committees.csv"
    committees.write_text(committees.read_text("utf-8").replace(",saeu@example.org", ","), encoding="utf-8")
    client = logged_in(client_for(root, smtp=smtp.settings))
    page = client.get(f"/builds/{build_id}/mail")
    shown = text_of(page.text)
    assert "Det skal rettes, før noget kan sendes" in shown
    assert "[afsender]: mangler" in shown
    assert "SÆU (Sundheds- og Ældreudvalget) får et brev, men har ingen e-mailadresse" in shown
    assert "committees.csv er ændret); dan dokumenterne igen" in shown  # built from other data than now
    assert "kør reportgen" not in shown  # the page names its own button, not the CLI
    assert "/mail/BUU.eml" not in page.text and 'value="send"' not in page.text
    assert 'action="/b/testrup/builds"' in page.text and "Dan dokumenterne for juni 2009 igen" in page.text
    r = client.post(f"/api/builds/{build_id}/mail", headers=BEARER, json={"send": True})
    assert r.status_code == 422 and any("[afsender]" in p for p in r.json()["problems"])
    assert not any("kør reportgen" in p for p in r.json()["problems"])
    # The CLI still says its command: the same problem from reportgen.rounds.mail, worded by each caller.
    plan = mail.plan_mail(root / "testrup", out_root=root / ".workbench" / "builds" / build_id / "out")
    rebuild = next(i for i in plan.problems if isinstance(i, mail.MailIssue))
    assert rebuild.hint == mail.REBUILD and str(rebuild).endswith(f"kør reportgen build {root / 'testrup'} "
                                                                  "--update 2009-06 igen")
    assert rebuild.worded({mail.REBUILD: "byg igen"}).endswith("er ændret); byg igen")
    assert smtp.messages == [] and client.get(f"/builds/{build_id}/mail/BUU.eml").status_code == 404


def _as_if_sent_with_earlier_files(root: Path, committee: str = "BUU") -> None:
    """Rewrite the shared send log as if ``committee``'s letter had been sent with an earlier build's PDF."""
    shared = root / ".workbench" / "mail" / "testrup" / "2009-06" / "sendelog.jsonl"
    records = [json.loads(line) for line in shared.read_text("utf-8").splitlines()]
    for r in records:
        if r["committee"] == committee:
            r["attachments"][f"bilag2/{committee}.pdf"] = "0" * 64
    shared.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_a_changed_letter_is_sent_again_only_by_send_igen_with_confirmation(ws, smtp):
    root, build_id = ws
    client = logged_in(client_for(root, smtp=smtp.settings))
    token = csrf(client, f"/builds/{build_id}/mail")
    assert client.post(f"/builds/{build_id}/mail", data={"csrf": token, "action": "send"}).status_code == 200
    assert len(smtp.messages) == 2
    _as_if_sent_with_earlier_files(root)

    page = client.get(f"/builds/{build_id}/mail")
    shown = text_of(page.text)
    assert mail.CHANGED.capitalize() in shown
    assert ("Dette udvalg har allerede fået en tidligere udgave af brevet, men brevets filer er ændret siden "
            "afsendelsen: Børne- og Ungdomsudvalget") in shown
    assert "Send igen (1 e-mail)" in shown and 'value="resend"' in page.text and 'name="confirm"' in page.text
    assert "Send 1 e-mail" not in shown and "alle breve er sendt" not in shown

    # A plain send leaves the changed letter alone, in the page's words (not the CLI's --resend).
    r = client.post(f"/builds/{build_id}/mail", data={"csrf": token, "action": "send"})
    assert r.status_code == 200 and len(smtp.messages) == 2
    shown = text_of(r.text)
    assert ("Ikke sendt igen: Børne- og Ungdomsudvalget – brevets filer er ændret siden afsendelsen; "
            "brug »Send igen« nedenfor") in shown
    assert "--resend" not in shown and "sendes kun igen med »Send igen«" in shown  # the result and the plan

    # Without the tick in the confirmation box nothing goes.
    r = client.post(f"/builds/{build_id}/mail", data={"csrf": token, "action": "resend"})
    assert r.status_code == 422 and len(smtp.messages) == 2 and "Intet er sendt" in text_of(r.text)
    # Nor without the CSRF token.
    r = client.post(f"/builds/{build_id}/mail", data={"action": "resend", "confirm": "ja"})
    assert r.status_code == 403 and len(smtp.messages) == 2

    r = client.post(f"/builds/{build_id}/mail", data={"csrf": token, "action": "resend", "confirm": "ja"})
    assert r.status_code == 200, text_of(r.text)[-2000:]
    assert len(smtp.messages) == 3 and sorted(smtp.messages[2][1]) == sorted(["buu@example.org",
                                                                               "buu-formand@example.org"])
    shown = text_of(r.text)
    assert "Sendt: Børne- og Ungdomsudvalget til buu@example.org, buu-formand@example.org" in shown
    assert "Allerede sendt: Sundheds- og Ældreudvalget" in shown
    assert 'value="resend"' not in r.text and "alle breve er sendt" in shown

    events = [e for e in client.app.state.web.ws.audit.events("testrup") if e.action.startswith("mail")]
    assert [e.action for e in events] == ["mail-resend", "mail", "mail"]
    assert "tidligere udgave: Børne- og Ungdomsudvalget" in events[0].detail
    assert "Færdig: 1 e-mail sendt." in events[0].after
    assert "Breve sendt igen" in text_of(client.get("/b/testrup/history").text)


def test_the_api_sends_a_changed_letter_again_only_when_asked(ws, smtp):
    root, build_id = ws
    client = client_for(root, smtp=smtp.settings)
    assert client.post(f"/api/builds/{build_id}/mail", headers=BEARER, json={"send": True}).status_code == 200
    _as_if_sent_with_earlier_files(root)
    plan = client.get(f"/api/builds/{build_id}/mail", headers=BEARER).json()
    assert plan["changed"] == ["BUU"] and plan["pending"] == 0 and plan["resend_pending"] == 1
    r = client.post(f"/api/builds/{build_id}/mail", headers=BEARER, json={"send": True})
    assert r.status_code == 200 and len(smtp.messages) == 2
    for bad in ({"resend": True}, {"send": True, "resend": "ja"}):
        assert client.post(f"/api/builds/{build_id}/mail", headers=BEARER, json=bad).status_code == 400
    r = client.post(f"/api/builds/{build_id}/mail", headers=BEARER, json={"send": True, "resend": True})
    assert r.status_code == 200 and r.json()["result"]["ok"] is True and len(smtp.messages) == 3
    assert r.json()["changed"] == [] and {x["state"] for x in r.json()["letters"]} == {mail.SENT}
    assert client.app.state.web.ws.audit.events("testrup")[0].action == "mail-resend"


def test_a_reader_is_not_offered_send_igen(ws, smtp):
    root, build_id = ws
    mail.send_mail(mail.plan_mail(root / "testrup", out_root=root / ".workbench" / "builds" / build_id / "out"),
                   smtp.settings)
    users = {"bo": sec.UserRecord("bo", "reader", sec.hash_password("laeser-kode"))}
    client = client_for(root, smtp=smtp.settings, users=users)
    nonce = _CSRF.search(client.get("/login").text).group(1)
    client.post("/login", data={"csrf": nonce, "user": "bo", "password": "laeser-kode"})
    client.get(f"/builds/{build_id}/mail")  # links the build's log to the shared one
    _as_if_sent_with_earlier_files(root)
    page = client.get(f"/builds/{build_id}/mail")
    assert "kun læseadgang" in page.text and 'value="resend"' not in page.text
    token = _CSRF.search(page.text).group(1)
    r = client.post(f"/builds/{build_id}/mail", data={"csrf": token, "action": "resend", "confirm": "ja"})
    assert r.status_code == 403 and len(smtp.messages) == 2


# --------------------------------------------------------------------------------------------------
# The press release, the annual report's framing and the e-mail text are editable too

@pytest.mark.parametrize("name", ["press.md", "annual.md", "mail.md"])
def test_press_annual_and_mail_texts_are_edited_with_preview_and_errors_at_their_line(ws, name):
    root, _ = ws
    client = logged_in(client_for(root))
    assert f'href="/b/testrup/texts/{name}"' in client.get("/b/testrup/texts").text
    page = client.get(f"/b/testrup/texts/{name}")
    from reportgen.web.texts import OTHER_TEXTS

    assert page.status_code == 200 and f"<h1>{OTHER_TEXTS[name][0]}</h1>" in page.text
    assert ('value="pdf"' in page.text) == (name != "mail.md")
    token = _CSRF.search(page.text).group(1)
    base = re.search(r'name="base" value="([^"]+)"', page.text).group(1)
    original = unescape(re.search(r'<textarea[^>]*>\n(.*?)</textarea>', page.text, re.S).group(1))

    marker = "Denne sætning er tilføjet i arbejdsbænken."
    r = client.post(f"/b/testrup/texts/{name}", data={"csrf": token, "base": base, "action": "preview",
                                                      "text": original.rstrip("\n") + f"\n\n{marker}\n"})
    assert r.status_code == 200, text_of(r.text)[-1500:]
    frame = re.search(r'src="(/b/testrup/texts/[^"]+/preview/[^"]+)"', r.text).group(1)
    assert marker in client.get(frame).text

    broken = "Første linje.\n\n{{ findes_ikke }}\n"
    r = client.post(f"/b/testrup/texts/{name}", data={"csrf": token, "base": base, "action": "save",
                                                      "text": broken})
    assert r.status_code == 422 and f"letters/{name}:3" in r.text and 'class="bad-line"' in r.text
    assert not (root / "testrup" / "letters" / name).exists()

    r = client.post(f"/b/testrup/texts/{name}", data={"csrf": token, "base": base, "action": "save",
                                                      "text": original.rstrip("\n") + f"\n\n{marker}\n"},
                    follow_redirects=False)
    assert r.status_code == 303 and marker in (root / "testrup" / "letters" / name).read_text("utf-8")
    event = client.app.state.web.ws.audit.events("testrup")[0]
    assert (event.action, event.detail) == ("text", name) and marker in event.after


def test_the_saved_mail_text_is_the_body_of_the_drafts(ws):
    root, build_id = ws
    client = logged_in(client_for(root))
    (root / "testrup" / "letters" / "mail.md").write_text("Kære {{ udvalg.navn }}\n\nHer er brevet.\n", "utf-8")
    msg = email.message_from_bytes(client.get(f"/builds/{build_id}/mail/BUU.eml").content,
                                   policy=email.policy.default)
    assert "Kære Børne- og Ungdomsudvalget" in msg.get_body(("plain",)).get_content()


# --------------------------------------------------------------------------------------------------
# `reportgen check` on the barometer page

def test_the_barometer_page_shows_what_check_finds_before_a_build(ws):
    root, _ = ws
    client = logged_in(client_for(root))
    page = text_of(client.get("/b/testrup").text)
    assert "Ingen problemer. Alt, hvad der ville stoppe dannelsen af dokumenterne, er kontrolleret" in page
    # What would stand as a gap (check's "Advarsel" lines) is shown too, without stopping anything.
    assert "Det stopper ikke dannelsen, men disse" in page and "[presse] citat mangler" in page
    (root / "testrup" / "letters" / "press.md").write_text("# Overskrift\n\n{{ findes_ikke }}\n", "utf-8")
    (root / "testrup" / "letters" / "advice.md").write_text("{% if %}\n", "utf-8")
    page = text_of(client.get("/b/testrup").text)
    assert "Dokumenterne kan ikke dannes på grund af 2 problemer" in page
    assert "letters/press.md:3" in page and "letters/advice.md:1" in page
    cli = subprocess.run([sys.executable, "-m", "reportgen.cli", "check", str(root / "testrup")],
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 1
    for line in cli.stderr.splitlines():
        if "letters/" in line:
            assert line.split("letters/", 1)[1].strip() in page


def test_a_refused_recipient_is_shown_and_the_next_send_sends_only_to_it(ws, smtp):
    root, build_id = ws
    client = logged_in(client_for(root, smtp=smtp.settings))
    token = csrf(client, f"/builds/{build_id}/mail")
    smtp.refuse = {"saeu@example.org": "550 5.1.1 postkassen findes ikke"}
    r = client.post(f"/builds/{build_id}/mail", data={"csrf": token, "action": "send"})
    assert r.status_code == 502
    shown = text_of(r.text)
    assert "Afvist: Sundheds- og Ældreudvalget til saeu@example.org: 550 5.1.1 postkassen findes ikke" in shown
    assert "Send 1 e-mail" in shown and len(smtp.messages) == 1
    # In the page's words: no server path to the send log, no "run the command again".
    assert ("Fejl: ikke alle breve er sendt; hvad der mangler, står ovenfor. Send resten med knappen nedenfor."
            in shown) and "sendelog.jsonl" not in shown and "Kør kommandoen" not in shown
    smtp.refuse = {}
    r = client.post(f"/builds/{build_id}/mail", data={"csrf": token, "action": "send"})
    assert r.status_code == 200 and len(smtp.messages) == 2
    assert smtp.messages[1][1] == ["saeu@example.org"]
    assert "Allerede sendt: Børne- og Ungdomsudvalget" in text_of(r.text)


def test_serve_takes_smtp_settings_from_options_and_the_password_only_from_the_environment(ws):
    root, _ = ws
    env = {k: v for k, v in os.environ.items() if k != mail.PASSWORD_VARIABLE}
    cli = [sys.executable, "-m", "reportgen.cli", "serve", str(root), "--port", "0"]
    no_password = subprocess.run([*cli, "--smtp", "127.0.0.1:2525", "--smtp-user", "biu"], env=env,
                                 stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert no_password.returncode == 1 and mail.PASSWORD_VARIABLE in no_password.stderr
    assert "--smtp-user" in no_password.stderr
    without_server = subprocess.run([*cli, "--starttls"], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                    text=True, timeout=120)
    assert without_server.returncode == 2 and "--smtp" in without_server.stderr
    malformed = subprocess.run([*cli, "--smtp", "smtp.example.org"], env=env, stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=120)
    assert malformed.returncode == 2 and "VÆRT:PORT" in malformed.stderr


def test_a_server_that_cannot_be_reached_sends_nothing_and_says_so(ws):
    import socket

    root, build_id = ws
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = logged_in(client_for(root, smtp=mail.SmtpSettings("127.0.0.1", port, timeout=5)))
    token = csrf(client, f"/builds/{build_id}/mail")
    r = client.post(f"/builds/{build_id}/mail", data={"csrf": token, "action": "send"})
    assert r.status_code == 502
    assert f"kan ikke forbinde til 127.0.0.1:{port}" in text_of(r.text) and "Intet er sendt." in text_of(r.text)
    assert "Send 2 e-mails" in text_of(r.text)  # still to send
    event = client.app.state.web.ws.audit.events("testrup")[0]
    assert event.action == "mail" and "kan ikke forbinde" in event.detail


def test_a_log_written_by_reportgen_send_in_the_build_folder_is_carried_over(ws, smtp):
    root, build_id = ws
    out = root / ".workbench" / "builds" / build_id / "out"
    mail.send_mail(mail.plan_mail(root / "testrup", out_root=out), smtp.settings)  # as `reportgen send --out` would
    here = out / "2009-06" / "mail" / "sendelog.jsonl"
    assert len(smtp.messages) == 2 and here.is_file() and not here.is_symlink()
    client = client_for(root, smtp=smtp.settings)
    r = client.post(f"/api/builds/{build_id}/mail", headers=BEARER, json={"send": True})
    assert r.status_code == 200 and len(smtp.messages) == 2
    assert {x["state"] for x in r.json()["letters"]} == {mail.SENT}
    shared = root / ".workbench" / "mail" / "testrup" / "2009-06" / "sendelog.jsonl"
    assert here.is_symlink() and len(shared.read_text("utf-8").splitlines()) == 2


def test_the_real_server_started_with_smtp_sends_through_the_api_once(ws, smtp):
    import httpx2

    root, build_id = ws
    lines: list[str] = []
    with running_server(root, "--smtp", f"127.0.0.1:{smtp.settings.port}", banner=lines) as (base, token):
        assert f"Brevene sendes over SMTP til 127.0.0.1:{smtp.settings.port}" in "".join(lines)
        bearer = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 60  # the socket is bound before the banner; uvicorn listens a moment later
        while True:
            try:
                httpx2.get(f"{base}/api/health", timeout=10)
                break
            except httpx2.ConnectError:
                assert time.monotonic() < deadline, "the server did not start listening"
                time.sleep(0.2)
        plan = httpx2.get(f"{base}/api/builds/{build_id}/mail", headers=bearer, timeout=60).json()
        assert plan["smtp"] == f"127.0.0.1:{smtp.settings.port}" and plan["pending"] == 2
        for _ in range(2):
            r = httpx2.post(f"{base}/api/builds/{build_id}/mail", headers=bearer, json={"send": True}, timeout=120)
            assert r.status_code == 200, r.text
        assert len(smtp.messages) == 2
        assert r.json()["result"]["lines"][-1]["text"] == "Intet at sende."


def test_the_mayors_quote_is_written_in_the_workbench_and_the_release_is_no_longer_a_draft(ws):
    root, _ = ws
    client = logged_in(client_for(root))
    assert 'href="/b/testrup/texts/letters.toml"' in client.get("/b/testrup/texts").text
    page = client.get("/b/testrup/texts/letters.toml")
    assert page.status_code == 200
    token = _CSRF.search(page.text).group(1)
    base = re.search(r'name="base" value="([^"]+)"', page.text).group(1)
    original = unescape(re.search(r'<textarea[^>]*>\n(.*?)</textarea>', page.text, re.S).group(1))
    assert "[presse]" not in original
    own = root / "testrup" / "letters" / "letters.toml"
    before = own.read_bytes() if own.exists() else None
    text = original.rstrip("\n") + ('\n\n[presse]\nnavn = "Ida Test"\ntelefon = "11 22 33 44"\n'
                                    'citat = "Vi holder fast i målene."\n')
    r = client.post("/b/testrup/texts/letters.toml", data={"csrf": token, "base": base, "action": "preview",
                                                           "text": text})
    assert r.status_code == 200, text_of(r.text)[-1500:]
    frame = client.get(re.search(r'src="(/b/testrup/texts/[^"]+/preview/[^"]+)"', r.text).group(1)).text
    assert "»Vi holder fast i målene«" in frame and "UDKAST" not in frame
    r = client.post("/b/testrup/texts/letters.toml", data={"csrf": token, "base": base, "action": "save",
                                                           "text": text.replace('"11 22 33 44"', "11")})
    assert r.status_code == 422 and "[presse] telefon skal være en tekst" in r.text
    assert (own.read_bytes() if own.exists() else None) == before  # refused: nothing written
    r = client.post("/b/testrup/texts/letters.toml", data={"csrf": token, "base": base, "action": "save",
                                                           "text": text}, follow_redirects=False)
    assert r.status_code == 303
    assert 'citat = "Vi holder fast i målene."' in own.read_text("utf-8")
