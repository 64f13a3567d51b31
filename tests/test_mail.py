"""`reportgen send`: the letters as e-mails (.eml), sent to a real SMTP server on loopback, never twice."""
from __future__ import annotations

import email
import email.header
import email.policy
import hashlib
import json
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import BASE_FILES, DEMO, write_barometer
from typer.testing import CliRunner

from reportgen.cli import app
from reportgen.documents import letters
from reportgen.errors import DataValidationError
from reportgen.inputs.validate import parse_emails
from reportgen.outputs.writer import OutputWriter
from reportgen.rounds import mail
from reportgen.rounds.pipeline import build, read_barometer

SENDER_TOML = """\
    [brev]
    emne = "Opfølgning på sundhedsbarometret"

    [afsender]
    navn = "Forvaltningen for Børn & Ældre"
    adresse = "barometer@example.org"
    svar_til = "svar@example.org"
    """
FILES = {
    "committees.csv": """\
        id,name,chair,email,chair_email
        BIU,Beskæftigelses- og Integrationsudvalget,Anna Andersen,biu@example.org,
        BUU,Børne- og Ungdomsudvalget,Bo Ærø,buu@example.org,buu-formand@example.org
        SÆU,Sundheds- og Ældreudvalget,,saeu@example.org,
        """,
    "indicators.csv": textwrap.dedent(BASE_FILES["indicators.csv"]) + (
        "C1,B,Andel ældre med hjemmehjælp,no,percent,up,1,previous,0,,,,,SÆU,Kommunens egne data,no\n"),
    "measurements.csv": textwrap.dedent(BASE_FILES["measurements.csv"]) + (
        "C1,2008-03,20.0,,,,2008-06\nC1,2009-03,18.0,,,,2009-06\n"),
    "letters/letters.toml": SENDER_TOML,
}
BUU, SAEU = ("buu@example.org", "buu-formand@example.org"), ("saeu@example.org",)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One small build with two letters (BUU with two addresses, SÆU -> file stem SAeU), shared."""
    root = tmp_path_factory.mktemp("mailbuild")
    folder = write_barometer(root / "testrup", FILES)
    build(folder, out_root=root / "out", use_cache=False)
    return folder, root / "out"


@pytest.fixture
def case(built, tmp_path):
    """A private copy of the barometer folder and its built output: (folder, out root, update folder)."""
    folder, out = built
    shutil.copytree(folder, tmp_path / "testrup")
    shutil.copytree(out, tmp_path / "out")
    return tmp_path / "testrup", tmp_path / "out", tmp_path / "out" / "2009-06"


class Handler:
    """Accepts everything, except recipients in ``refuse`` (address -> reply) and, at the RCPT of
    ``drop_at``, the connection, which it drops."""

    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse: dict[str, str] = {}
        self.drop_at: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.drop_at:
            server.transport.close()
            return "250 OK"
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return f"250 OK queued as {len(self.messages)}"


class LoopbackController(Controller):
    """aiosmtpd on 127.0.0.1 and a port the system picks (port 0), read back once it listens."""

    def __init__(self, handler, **smtp_options):
        super().__init__(handler, hostname="127.0.0.1", port=0, **smtp_options)

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def smtp():
    handler = Handler()
    controller = LoopbackController(handler)
    controller.start()
    handler.address = f"127.0.0.1:{controller.port}"
    yield handler
    controller.stop()


@pytest.fixture
def smtp_with_login():
    """A server that offers AUTH and accepts only user "biu" with password "hemmelig æøå" (without
    TLS: reportgen allows that only on loopback)."""
    handler = Handler()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"biu", "hemmelig æøå".encode())
        return AuthResult(success=ok, handled=False)

    controller = LoopbackController(handler, authenticator=authenticator, auth_require_tls=False)
    controller.start()
    handler.address = f"127.0.0.1:{controller.port}"
    yield handler
    controller.stop()


def send(folder: Path, out: Path, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, ["send", str(folder), "--out", str(out), *args], env=env)


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


def log_records(update_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (update_dir / "mail" / "sendelog.jsonl").read_text("utf-8").splitlines()]


# --------------------------------------------------------------------------------------------------
# The drafts

def test_send_without_smtp_writes_one_ready_draft_per_letter(case):
    folder, out, update = case
    result = send(folder, out)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (update / "mail").iterdir()) == ["BUU.eml", "SAeU.eml"]  # BIU sends

    raw = (update / "mail" / "BUU.eml").read_bytes()
    assert raw.isascii() and b"\r\n" in raw  # wire format: every non-ASCII character encoded
    msg = parse(raw)
    assert msg["From"].addresses[0].display_name == "Forvaltningen for Børn & Ældre"
    assert msg["From"].addresses[0].addr_spec == "barometer@example.org"
    assert str(msg["Reply-To"]) == "svar@example.org"
    assert [a.addr_spec for a in msg["To"].addresses] == list(BUU)
    # Each recipient its own name: the chair's address (chair_email) shows the chair.
    assert [(a.display_name, a.addr_spec) for a in msg["To"].addresses] == [
        ("Børne- og Ungdomsudvalget", "buu@example.org"), ("Bo Ærø", "buu-formand@example.org")]
    assert msg["Subject"] == "Opfølgning på sundhedsbarometret, juni 2009"
    assert msg["Date"] == "Mon, 01 Jun 2009 09:00:00 +0200"  # Danish summer time
    assert msg["X-Unsent"] == "1"  # Outlook opens it as a message ready to send
    assert msg["Message-ID"].startswith("<2009-06.BUU.") and msg["Message-ID"].endswith("@example.org>")

    body = msg.get_body(("plain",)).get_content()
    assert "Til Børne- og Ungdomsudvalget" in body and "Beskæftigelses- og Integrationsudvalget" in body
    assert "Forvaltningen for Børn & Ældre" in body and "{{" not in body and "\\" not in body
    assert "<p>Til Børne- og Ungdomsudvalget</p>" in msg.get_body(("html",)).get_content()

    attachments = list(msg.iter_attachments())
    # The chair of the owner committee signs (no [underskrift]): no "Borgmesterbrev" (bilag2.letter_name).
    name = "Brev fra formanden for Beskæftigelses- og Integrationsudvalget til Børne- og Ungdomsudvalget, juni 2009"
    assert [(a.get_filename(), a.get_content_type()) for a in attachments] == [
        (f"{name}.pdf", "application/pdf"),
        (f"{name}.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ]
    assert b"filename*0*=utf-8''Brev%20fra%20formanden%20for%20Besk%C3%A6ftigelses" in raw  # RFC 2231
    # ... and beside it the RFC 2047 name= in Content-Type that Outlook and Exchange read: quoted,
    # encoded words of at most 75 characters, decoding to the same file name.
    headers = raw.decode("ascii").split("\r\n--")
    types = [re.search(r"\r\nContent-Type: (application/[^;]+);\r\n name=\"((?:[^\"]|\r\n )+)\"", "\r\n" + h)
             for h in headers if "Content-Disposition: attachment" in h]
    assert [t[1] for t in types] == ["application/pdf",
                                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    for t, a in zip(types, attachments, strict=True):
        words = t[2].split("\r\n ")
        assert all(w.startswith("=?utf-8?q?") and w.endswith("?=") and len(w) <= 75 for w in words)
        assert str(email.header.make_header(email.header.decode_header(" ".join(words)))) == a.get_filename()
        assert a.get_param("name") == a.get_filename()
    assert attachments[0].get_content() == (update / "bilag2" / "BUU.pdf").read_bytes()
    assert attachments[1].get_content() == (update / "bilag2" / "BUU.docx").read_bytes()

    saeu = parse((update / "mail" / "SAeU.eml").read_bytes())
    assert [a.get_filename() for a in saeu.iter_attachments()][0] == (
        "Brev fra formanden for Beskæftigelses- og Integrationsudvalget til Sundheds- og Ældreudvalget, juni 2009.pdf")

    # same inputs, same bytes
    first = {p.name: p.read_bytes() for p in (update / "mail").iterdir()}
    assert send(folder, out).exit_code == 0
    assert {p.name: p.read_bytes() for p in (update / "mail").iterdir()} == first


def test_dry_run_lists_recipients_and_attachments_and_writes_nothing(case, smtp):
    folder, out, update = case
    result = send(folder, out, "--smtp", smtp.address, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "Til: buu@example.org; buu-formand@example.org" in result.stdout
    assert ("Bilag: Brev fra formanden for Beskæftigelses- og Integrationsudvalget til Sundheds- og "
            "Ældreudvalget, juni 2009.docx") in result.stdout
    assert "Prøvekørsel: 2 af 2 e-mails ville blive sendt" in result.stdout
    assert not (update / "mail").exists() and smtp.messages == []


# --------------------------------------------------------------------------------------------------
# Sending

def test_sends_each_letter_once_and_a_second_run_sends_nothing(case, smtp):
    folder, out, update = case
    result = send(folder, out, "--smtp", smtp.address)
    assert result.exit_code == 0, result.stderr
    assert [(frm, rcpts) for frm, rcpts, _ in smtp.messages] == [
        ("barometer@example.org", list(BUU)), ("barometer@example.org", list(SAEU))]
    sent = parse(smtp.messages[0][2])
    draft = parse((update / "mail" / "BUU.eml").read_bytes())
    assert sent["Message-ID"] == draft["Message-ID"] and sent["Subject"] == draft["Subject"]
    assert sent["X-Unsent"] is None and sent["Date"] != draft["Date"]  # sent now, not a draft
    assert str(sent["Date"]).endswith((" +0100", " +0200"))  # the time of sending, in Danish time
    for a in sent.iter_attachments():
        built_file = update / "bilag2" / ("BUU" + Path(a.get_filename()).suffix)
        assert a.get_content() == built_file.read_bytes()

    records = log_records(update)
    assert [(r["committee"], r["status"], r["accepted"]) for r in records] == [
        ("BUU", "accepted", list(BUU)), ("SÆU", "accepted", list(SAEU))]
    assert records[0]["reply"] == "250 OK queued as 1"
    assert records[0]["message_id"] == draft["Message-ID"]
    assert records[0]["attachments"] == {
        "bilag2/BUU.pdf": hashlib.sha256((update / "bilag2" / "BUU.pdf").read_bytes()).hexdigest(),
        "bilag2/BUU.docx": hashlib.sha256((update / "bilag2" / "BUU.docx").read_bytes()).hexdigest()}

    again = send(folder, out, "--smtp", smtp.address)
    assert again.exit_code == 0, again.stderr
    assert len(smtp.messages) == 2
    assert "Allerede sendt: Børne- og Ungdomsudvalget" in again.stdout
    assert len(log_records(update)) == 2


@pytest.mark.parametrize("reply", ["550 5.1.1 Mailbox unavailable", "451 4.3.0 Try again later"])
def test_a_refused_recipient_is_logged_and_the_next_run_sends_only_to_it(case, smtp, reply):
    folder, out, update = case
    smtp.refuse["buu-formand@example.org"] = reply
    result = send(folder, out, "--smtp", smtp.address)
    assert result.exit_code == 1
    assert f"Afvist: Børne- og Ungdomsudvalget til buu-formand@example.org: {reply}" in result.stderr
    assert [rcpts for _, rcpts, _ in smtp.messages] == [["buu@example.org"], list(SAEU)]
    first = log_records(update)[0]
    assert first["accepted"] == ["buu@example.org"] and first["refused"] == {"buu-formand@example.org": reply}

    smtp.refuse.clear()
    status = {s.mail.stem: (s.state, s.pending) for s in mail.mail_status(
        mail.plan_mail(folder, out_root=out))}
    assert status == {"BUU": (mail.PARTLY, ("buu-formand@example.org",)), "SAeU": (mail.SENT, ())}
    result = send(folder, out, "--smtp", smtp.address)
    assert result.exit_code == 0, result.stderr
    assert [rcpts for _, rcpts, _ in smtp.messages[2:]] == [["buu-formand@example.org"]]
    assert parse(smtp.messages[2][2])["Message-ID"] == parse(smtp.messages[0][2])["Message-ID"]


def test_a_dropped_connection_leaves_a_true_log_and_the_next_run_sends_the_rest(case, smtp):
    folder, out, update = case
    smtp.drop_at = "saeu@example.org"
    result = send(folder, out, "--smtp", smtp.address)
    assert result.exit_code == 1
    assert "forbindelsen til" in result.stderr and "Sundheds- og Ældreudvalget" in result.stderr
    assert [rcpts for _, rcpts, _ in smtp.messages] == [list(BUU)]
    assert [(r["committee"], r["status"]) for r in log_records(update)] == [("BUU", "accepted"), ("SÆU", "failed")]

    smtp.drop_at = None
    result = send(folder, out, "--smtp", smtp.address)
    assert result.exit_code == 0, result.stderr
    assert [rcpts for _, rcpts, _ in smtp.messages] == [list(BUU), list(SAEU)]


def test_starttls_asked_of_a_server_without_it_sends_nothing(case, smtp):
    folder, out, update = case
    result = send(folder, out, "--smtp", smtp.address, "--starttls")
    assert result.exit_code == 1
    assert "tilbyder ikke STARTTLS" in result.stderr and "Intet er sendt" in result.stderr
    assert smtp.messages == [] and not (update / "mail" / "sendelog.jsonl").exists()


def test_login_takes_the_password_from_the_environment_only(case, smtp_with_login):
    folder, out, update = case
    server = smtp_with_login.address
    wrong = send(folder, out, "--smtp", server, "--user", "biu", env={mail.PASSWORD_VARIABLE: "forkert"})
    assert wrong.exit_code == 1 and "afviste brugeren biu" in wrong.stderr and "Intet er sendt" in wrong.stderr
    assert smtp_with_login.messages == [] and not (update / "mail" / "sendelog.jsonl").exists()

    result = send(folder, out, "--smtp", server, "--user", "biu", env={mail.PASSWORD_VARIABLE: "hemmelig æøå"})
    assert result.exit_code == 0, result.stderr
    assert len(smtp_with_login.messages) == 2
    assert "hemmelig" not in result.stdout + result.stderr
    assert "hemmelig" not in (update / "mail" / "sendelog.jsonl").read_text("utf-8")


def test_a_letter_whose_files_changed_since_it_was_sent_goes_again_only_with_resend(case, smtp):
    folder, out, update = case
    assert send(folder, out, "--smtp", smtp.address).exit_code == 0
    log_path = update / "mail" / "sendelog.jsonl"
    records = log_records(update)
    records[0]["attachments"]["bilag2/BUU.pdf"] = "0" * 64  # as if sent with an earlier build's PDF
    log_path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    result = send(folder, out, "--smtp", smtp.address)
    assert result.exit_code == 0, result.stderr
    assert "Ikke sendt igen: Børne- og Ungdomsudvalget" in result.stdout and "--resend" in result.stdout
    assert len(smtp.messages) == 2

    result = send(folder, out, "--smtp", smtp.address, "--resend")
    assert result.exit_code == 0, result.stderr
    assert [rcpts for _, rcpts, _ in smtp.messages[2:]] == [list(BUU)]


def test_a_rebuild_keeps_the_send_log(tmp_path):
    for round_ in range(2):
        with OutputWriter(tmp_path, "2009-12") as writer:
            writer.write("bilag1.pdf", b"PDF round %d" % round_)
            writer.publish()
        if round_ == 0:
            (tmp_path / "2009-12" / "mail").mkdir()
            (tmp_path / "2009-12" / "mail" / "sendelog.jsonl").write_text("{}\n")
            (tmp_path / "2009-12" / "mail" / "BUU.eml").write_text("the old letter")
    assert (tmp_path / "2009-12" / "bilag1.pdf").read_bytes() == b"PDF round 1"
    assert (tmp_path / "2009-12" / "mail" / "sendelog.jsonl").read_text() == "{}\n"
    assert not (tmp_path / "2009-12" / "mail" / "BUU.eml").exists()  # a draft of the old letters goes


# --------------------------------------------------------------------------------------------------
# Everything checked before anything goes

def test_every_problem_is_listed_and_nothing_is_written_or_sent(case, smtp):
    folder, out, update = case
    committees = (folder / "committees.csv").read_text("utf-8").replace("saeu@example.org", "")
    (folder / "committees.csv").write_text(committees, encoding="utf-8")
    (folder / "letters" / "letters.toml").write_text("[afsender]\nnavn = \"Forvaltningen\"\n", encoding="utf-8")
    (update / "bilag2" / "BUU.docx").write_bytes(b"edited by hand")
    result = send(folder, out, "--smtp", smtp.address, "--user", "biu", env={mail.PASSWORD_VARIABLE: ""})
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "testrup/letters/letters.toml: [afsender] adresse: mangler (afsenderens e-mailadresse)" in lines
    assert ("committees.csv: email: SÆU (Sundheds- og Ældreudvalget) får et brev, men har ingen e-mailadresse"
            in lines)
    assert any(line.startswith("2009-06/bilag2/BUU.docx: er ændret efter build") for line in lines)
    assert any("bygget ud fra andre data" in line and "committees.csv" in line for line in lines)
    assert any(line.startswith("--user: adgangskoden mangler: sæt miljøvariablen REPORTGEN_SMTP_PASSWORD")
               for line in lines)
    assert lines[-1] == "Fejl: 5 problemer. Intet er skrevet eller sendt."
    assert not (update / "mail").exists() and smtp.messages == []
    # The letter without an address is not "sent" in the status the workbench shows: it has not gone.
    status = {s.mail.stem: s.state for s in mail.mail_status(mail.plan_mail(folder, out_root=out))}
    assert status["SAeU"] == mail.NEW


def test_an_update_that_was_not_built_stops_send(case):
    folder, out, _ = case
    result = send(folder, out, "--update", "2008-12")
    assert result.exit_code == 1
    assert f"{out / '2008-12'}: opdateringen er ikke bygget her; kør reportgen build" in result.stderr


@pytest.mark.parametrize("name", ["Børne- og\nBcc: spion@example.org", "Teknik, Miljø", 'Børn "små" <x> (unge) \\ @'])
def test_a_committee_name_stays_one_display_name(case, name):
    """A line break cannot add a header, and , : @ < > " in a name with æøå cannot add an address."""
    folder, out, _ = case
    cell = '"' + name.replace('"', '""') + '"'
    committees = (folder / "committees.csv").read_text("utf-8").replace("Børne- og Ungdomsudvalget", cell)
    (folder / "committees.csv").write_text(committees, encoding="utf-8")
    plan = mail.plan_mail(folder, out_root=out)
    assert any("bygget ud fra andre data" in p.message for p in plan.problems)  # so it would not go
    msg = parse(plan.message_bytes(plan.mails[0]))
    assert msg["Bcc"] is None
    assert [(a.display_name, a.addr_spec) for a in msg["To"].addresses] == [
        (" ".join(name.split()), BUU[0]), ("Bo Ærø", BUU[1])]


def test_no_sender_table_is_a_located_error(case):
    folder, out, _ = case
    (folder / "letters" / "letters.toml").unlink()
    result = send(folder, out)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("testrup/letters/letters.toml: [afsender]: mangler")


def test_the_project_letters_may_not_name_a_sender(tmp_path):
    (tmp_path / "project" / "letters").mkdir(parents=True)
    (tmp_path / "project" / "letters" / "letters.toml").write_text(SENDER_TOML.replace("    ", ""), "utf-8")
    write_barometer(tmp_path / "b", {"letters/letters.toml": SENDER_TOML})
    sender, problems = mail.load_sender(tmp_path / "b", project_dir=tmp_path / "project")
    assert sender is not None and sender.reply_to == "svar@example.org"
    assert [str(p) for p in problems] == [
        "letters/letters.toml: [afsender] hører ikke til projektets fælles tekster; "
        "skriv den i b/letters/letters.toml"]


def test_the_sender_keys_are_the_person_keys_of_afsender():
    assert tuple(mail.SENDER_KEYS) == letters.PERSON_KEYS[mail.SENDER_SECTION]


def test_a_bad_sender_table_names_file_and_key(tmp_path):
    toml = '[afsender]\nnavn = "Forvaltningen"\nadresse = "barometer.example.org"\nsvar = "x@example.org"\n'
    write_barometer(tmp_path / "b", {"letters/letters.toml": toml})
    sender, problems = mail.load_sender(tmp_path / "b")
    assert sender is None
    assert [str(p) for p in problems] == [
        "b/letters/letters.toml: ukendt nøgle [afsender] svar; kendte nøgler: [afsender] navn, [afsender] adresse, "
        "[afsender] svar_til",
        'b/letters/letters.toml: [afsender] adresse: "barometer.example.org" er ikke én e-mailadresse '
        "(navn@example.org)"]


def test_the_barometers_own_mail_text_wins_and_its_errors_name_file_and_line(case):
    folder, out, update = case
    (folder / "letters" / "mail.md").write_text("Kære {{ udvalg.navn }}\n\n*Venlig* hilsen {{ afsender.navn }}\n",
                                                 encoding="utf-8")
    assert send(folder, out).exit_code == 0
    body = parse((update / "mail" / "BUU.eml").read_bytes()).get_body(("plain",)).get_content()
    assert body.replace("\r\n", "\n") == (
        "Kære Børne- og Ungdomsudvalget\n\nVenlig hilsen Forvaltningen for Børn & Ældre\n")

    (folder / "letters" / "mail.md").write_text("Hej\n{{ udvalg.navnet }}\n", encoding="utf-8")
    result = send(folder, out)
    assert result.exit_code == 1
    assert "testrup/letters/mail.md:2: ukendt felt 'navnet'" in result.stderr
    with pytest.raises(Exception, match="mail.md:2"):
        mail.check_mail_text(read_barometer(folder))


def test_smtp_server_option_must_be_host_and_port(case):
    folder, out, _ = case
    result = send(folder, out, "--smtp", "smtp.example.org")
    assert result.exit_code == 2 and "VÆRT:PORT" in result.stderr
    assert mail.parse_server("[::1]:2525") == ("::1", 2525)


# --------------------------------------------------------------------------------------------------
# committees.csv: email

def test_email_column_takes_several_addresses():
    assert parse_emails("a@example.org; b.c+d@sub.example.org;") == ("a@example.org", "b.c+d@sub.example.org")


@pytest.mark.parametrize("cell, message", [
    ("buu.example.org", "er ikke en e-mailadresse: skriv fx navn@eksempel.dk"),
    ("buu@example", "er ikke en e-mailadresse"),
    ("bø@example.org", "uden æ, ø og å"),
    ("BUU <buu@example.org>", "uden navn og <>"),
    ("a@example.org, b@example.org", 'adskil flere adresser med ";"'),
    ("a@example.org;A@example.org", "står der to gange"),
])
def test_a_malformed_address_is_a_located_error(make_barometer, cell, message):
    folder = make_barometer({"committees.csv": f"""\
        id,name,chair,email
        BIU,Beskæftigelses- og Integrationsudvalget,Anna Andersen,biu@example.org
        BUU,Børne- og Ungdomsudvalget,,"{cell}"
        """})
    with pytest.raises(DataValidationError) as err:
        read_barometer(folder)
    (issue,) = err.value.issues
    assert (issue.file, issue.row, issue.column) == ("committees.csv", 3, "email")
    assert message in issue.message


def test_chair_email_is_one_address_and_joins_the_recipients_once(make_barometer):
    folder = make_barometer({"committees.csv": """\
        id,name,chair,email,chair_email
        BIU,Beskæftigelses- og Integrationsudvalget,Anna Andersen,biu@example.org,BIU@example.org
        BUU,Børne- og Ungdomsudvalget,,buu@example.org,"a@example.org;b@example.org"
        """})
    with pytest.raises(DataValidationError) as err:
        read_barometer(folder)
    (issue,) = err.value.issues
    assert (issue.file, issue.row, issue.column) == ("committees.csv", 3, "chair_email")
    assert "skriv netop én e-mailadresse" in issue.message
    folder = make_barometer({"committees.csv": """\
        id,name,chair,email,chair_email
        BIU,Beskæftigelses- og Integrationsudvalget,Anna Andersen,biu@example.org,BIU@example.org
        BUU,Børne- og Ungdomsudvalget,,buu@example.org,
        """})
    biu = read_barometer(folder).committee("BIU")
    assert mail.recipients(biu) == ("biu@example.org",)  # the same address once, with the chair's name
    assert mail.display_name(biu, "biu@example.org") == "Anna Andersen"


def test_the_demo_has_illustrative_addresses_and_a_sender():
    b = read_barometer(DEMO)
    assert all(c.email and all(a.endswith("@example.org") for a in c.email) for c in b.committees)
    sender, problems = mail.load_sender(DEMO)
    assert problems == [] and sender is not None and sender.address.endswith("@example.org")
    mail.check_mail_text(b)


@pytest.fixture
def smtp_with_starttls(tmp_path, monkeypatch):
    """A server that requires STARTTLS (with a certificate made here for 127.0.0.1) before AUTH and
    mail; the client trusts that certificate through SSL_CERT_FILE, which Python's default context
    (the one reportgen uses) reads, so the certificate is verified as a real server's would be."""
    import ssl
    import subprocess

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    handler = Handler()
    handler.tls = []

    async def handle_DATA(server, session, envelope):
        handler.tls.append(session.ssl is not None)
        return await Handler.handle_DATA(handler, server, session, envelope)

    handler.handle_DATA = handle_DATA

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"biu", b"hemmelig")
        return AuthResult(success=ok)

    controller = LoopbackController(handler, tls_context=context, require_starttls=True, authenticator=authenticator,
                                    auth_required=True)
    controller.start()
    handler.address = f"127.0.0.1:{controller.port}"
    yield handler
    controller.stop()


def test_starttls_with_a_verified_certificate_sends_encrypted(case, smtp_with_starttls):
    folder, out, update = case
    result = send(folder, out, "--smtp", smtp_with_starttls.address, "--starttls", "--user", "biu",
                  env={mail.PASSWORD_VARIABLE: "hemmelig"})
    assert result.exit_code == 0, result.stderr
    assert len(smtp_with_starttls.messages) == 2 and smtp_with_starttls.tls == [True, True]
    assert {tuple(rcpts) for _, rcpts, _ in smtp_with_starttls.messages} == {BUU, SAEU}
