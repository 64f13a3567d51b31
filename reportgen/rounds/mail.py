"""Send the letters: each committee's letter as a ready e-mail (.eml) and, if asked, over SMTP, never twice.

``plan_mail`` checks everything and builds the messages in memory (nothing is written);
``write_drafts`` writes ``<out>/<update>/mail/<committee>.eml``; ``mail_status`` tells, from the send
log, what the server has already accepted; ``send_mail`` sends the rest and logs every answer.
The CLI (``reportgen send``) and the workbench call these same functions.
"""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import fcntl
import hashlib
import ipaddress
import json
import logging
import os
import smtplib
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from .. import PROJECT_DIR
from ..documents import letters
from ..documents.bilag2 import committee_stems, letter_date, letter_name, subject_line
from ..documents.mailtext import (  # noqa: F401 - the e-mail's text, re-exported for the send's callers
    MAIL_TEXT,
    SENDER_KEYS,
    SENDER_SECTION,
    Sender,
    _template_issue,
    check_mail_text,
    load_sender,
    mail_context,
    markdown_to_html,
    markdown_to_text,
    render_mail_body,
)
from ..errors import DataValidationError, Issue, ReportgenError, TemplateError
from ..inputs import read_barometer, resolve_update
from ..inputs.model import Barometer, Committee, Update
from ..narrate import danish as da
from ..outputs.pack import input_path
from ..outputs.writer import atomic_write, output_lock

log = logging.getLogger(__name__)

# Headers stored as text (the attachments' Content-Type, see _legacy_name) are written as they are.
_RAW_KEPT = policy.SMTP.clone(refold_source="none")
MAIL_DIR = "mail"
LOG_FILE = "sendelog.jsonl"
PASSWORD_VARIABLE = "REPORTGEN_SMTP_PASSWORD"
MIME_TYPES = {
    ".pdf": ("application", "pdf"),
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
_KIND = {".pdf": "PDF", ".docx": "Word"}
# Characters Windows does not allow in a file name: an attachment must save under its own name.
_UNSAFE_FILENAME = str.maketrans({c: "-" for c in '<>:"/\\|?*'})

# Status of a letter in the send log (shown to the user).
NEW, SENT, PARTLY, CHANGED = "ikke sendt", "sendt", "delvist sendt", "ændret siden afsendelse"


# The remedy a problem names (MailIssue.hint), for a caller that words it itself.
BUILD, REBUILD = "build", "rebuild"


@dataclass(frozen=True)
class MailIssue(Issue):
    """A problem whose remedy is to build the update (again): ``hint`` (BUILD, REBUILD) says so to a
    caller with words of its own (the workbench names its button); ``str()`` ends with ``remedy``,
    the CLI's command."""

    hint: str = ""
    remedy: str = ""

    def __str__(self) -> str:
        return self.worded({})

    def worded(self, remedies: Mapping[str, str]) -> str:
        """The located problem with its remedy in the caller's words (``remedies[hint]``), else the CLI's."""
        where = super().__str__()
        remedy = remedies.get(self.hint, self.remedy)
        return f"{where}; {remedy}" if remedy else where


@dataclass(frozen=True)
class Wording:
    """How ``plan_lines`` and ``result_lines`` name what the user can do: the CLI's options by
    default; the workbench passes the names of its own buttons."""

    held: str = "sendes ikke igen uden --resend"  # a changed letter, in the plan
    resend: str = "brug --resend"  # a changed letter, after a send
    retry: str = "se {log}. Kør kommandoen igen for at sende resten."  # after a failed send; {log}: the send log


CLI_WORDING = Wording()


class MailPlanError(DataValidationError):
    """Something stands in the way of sending; every problem is listed and nothing is written."""


class MailSendError(ReportgenError):
    """The server could not be reached or refused before anything was sent."""


# --------------------------------------------------------------------------------------------------
# What would be sent

@dataclass(frozen=True)
class Attachment:
    """One built file of a letter: ``path`` under the update folder, the name the recipient sees."""

    path: str
    filename: str
    data: bytes
    sha256: str

    @property
    def mime_type(self) -> str:
        return "/".join(MIME_TYPES[Path(self.path).suffix])


@dataclass(frozen=True)
class Mail:
    """The e-mail that carries one committee's letter."""

    committee: Committee
    stem: str
    recipients: tuple[str, ...]
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...]
    draft_date: dt.datetime

    @property
    def eml_path(self) -> str:
        return f"{MAIL_DIR}/{self.stem}.eml"

    @property
    def content_key(self) -> str:
        """SHA-256 over the update-independent content: the attachments. A letter whose files change
        gets a new key, and with it a new Message-ID."""
        h = hashlib.sha256()
        for a in self.attachments:
            h.update(f"{a.path}\0{a.sha256}\n".encode())
        return h.hexdigest()

    def hashes(self) -> dict[str, str]:
        return {a.path: a.sha256 for a in self.attachments}


@dataclass(frozen=True)
class MailPlan:
    """Everything ``send`` would do for one update, and every problem that stops it."""

    folder: Path
    update: str
    out_dir: Path
    sender: Sender | None
    mails: tuple[Mail, ...]
    problems: tuple[Issue, ...] = ()

    @property
    def log_path(self) -> Path:
        return self.out_dir / MAIL_DIR / LOG_FILE

    def check(self) -> None:
        """Raise MailPlanError listing every problem, if there is one."""
        if self.problems:
            raise MailPlanError(self.problems)

    def message_id(self, mail: Mail) -> str:
        """Stable: the same update, committee and files give the same Message-ID."""
        assert self.sender is not None
        key = hashlib.sha256(f"{self.update}\0{mail.committee.id}\0{mail.content_key}".encode()).hexdigest()
        return f"<{self.update}.{mail.stem}.{key[:20]}@{self.sender.domain}>"

    def message_bytes(self, mail: Mail, *, sent: dt.datetime | None = None) -> bytes:
        """The message as CRLF bytes. Without ``sent`` it is the draft (``X-Unsent: 1``: Outlook opens
        it ready to send), dated from the update so the same inputs give the same bytes."""
        assert self.sender is not None
        return _message(self, mail, self.sender, sent=sent).as_bytes(policy=_RAW_KEPT)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send. The password comes only from REPORTGEN_SMTP_PASSWORD."""

    host: str
    port: int
    starttls: bool = False
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    @property
    def display(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @classmethod
    def from_options(cls, server: str, *, starttls: bool = False, user: str | None = None,
                     environ: Mapping[str, str] | None = None, timeout: float = 30.0) -> SmtpSettings:
        """``HOST:PORT`` (``[::1]:25`` for IPv6) and the options of ``reportgen send``; ValueError
        for a malformed server."""
        host, port = parse_server(server)
        env = os.environ if environ is None else environ
        password = env.get(PASSWORD_VARIABLE) if user else None
        return cls(host, port, starttls=starttls, user=user or None, password=password or None, timeout=timeout)

    def problems(self) -> list[Issue]:
        out = []
        if self.user and not self.password:
            out.append(Issue("--user", None, None, f"adgangskoden mangler: sæt miljøvariablen "
                             f"{PASSWORD_VARIABLE} (aldrig på kommandolinjen)"))
        if self.user and not self.starttls and not _is_loopback(self.host):
            out.append(Issue("--user", None, None,
                             "kræver --starttls: adgangskoden må ikke sendes ukrypteret over netværket"))
        return out


def parse_server(text: str) -> tuple[str, int]:
    """``smtp.example.org:587`` -> (``smtp.example.org``, 587); ``[::1]:25`` -> (``::1``, 25)."""
    text = text.strip()
    host, sep, port = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f'"{text}" skal skrives VÆRT:PORT, fx smtp.example.org:587')
    return host, int(port)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plan_mail(
    folder: Path,
    *,
    out_root: Path,
    update_id: str | None = None,
    project_dir: Path = PROJECT_DIR,
    smtp: SmtpSettings | None = None,
) -> MailPlan:
    """Check everything ``send`` needs and build every message in memory; nothing is written.

    Raises DataValidationError for bad data (a malformed address in committees.csv) and
    ReportgenError for an unknown update. Every other problem is collected in ``problems``: no
    sender, a committee with a letter but no address, a letter missing from the build or changed
    since, a build from other data, a faulty letters/mail.md, a missing SMTP password.
    """
    barometer = read_barometer(folder)
    update_id = resolve_update(barometer, update_id)
    update = barometer.update(update_id)
    out_dir = Path(out_root) / update_id
    problems: list[Issue] = []
    sender, sender_problems = load_sender(barometer.folder, project_dir=project_dir)
    problems += sender_problems
    if smtp is not None:
        problems += smtp.problems()
    manifest, build_problems = _read_manifest(barometer, out_dir)
    problems += build_problems

    receivers = barometer.letter_committees
    stems = committee_stems(barometer.committees)
    try:
        settings = letters.load_settings(barometer_dir=barometer.folder, project_dir=project_dir,
                                          title=barometer.config.title)
    except TemplateError as err:
        problems.append(_template_issue(err))
        settings = letters.LetterSettings()
    subject = subject_line(settings, update)
    mails: list[Mail] = []
    for committee in receivers:
        stem = stems[committee.id]
        if not recipients(committee):
            problems.append(Issue("committees.csv", None, "email",
                                  f"{committee.id} ({committee.name}) får et brev, men har ingen e-mailadresse"))
        attachments = []
        name = letter_name(barometer, committee.name)  # "Borgmesterbrev til …" only when a mayor signs
        for suffix in (".pdf", ".docx"):
            attachment, issue = _attachment(out_dir, update, committee, f"bilag2/{stem}{suffix}", manifest, name)
            if issue is not None:
                problems.append(issue)
            elif attachment is not None:
                attachments.append(attachment)
        names = [a.filename for a in attachments]
        try:
            text, html = render_mail_body(barometer, update, committee, sender=sender, subject=subject,
                                          attachments=names, project_dir=project_dir, settings=settings)
        except TemplateError as err:
            problems.append(_template_issue(err))
            continue
        draft_date = dt.datetime.combine(letter_date(update), dt.time(9, 0), tzinfo=da.TIME_ZONE)
        mails.append(Mail(committee, stem, recipients(committee), subject, text, html, tuple(attachments),
                          draft_date))
    return MailPlan(barometer.folder, update_id, out_dir, sender, tuple(mails), tuple(_unique(problems)))


def _unique(issues: Sequence[Issue]) -> list[Issue]:
    return list(dict.fromkeys(issues))


# --------------------------------------------------------------------------------------------------
# The built letters

def _read_manifest(barometer: Barometer, out_dir: Path) -> tuple[dict[str, str] | None, list[Issue]]:
    """The output hashes of the build in ``out_dir``, and problems if it is missing or was built
    from other data than the barometer folder holds now."""
    path = out_dir / "manifest.json"
    where = f"{out_dir.name}/manifest.json"
    command = f"kør reportgen build {barometer.folder} --update {out_dir.name}"
    hint = {"hint": BUILD, "remedy": f"{command} først"}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        outputs = {r["path"]: r["sha256"] for r in manifest["outputs"]}
        inputs = {r["path"]: r["sha256"] for r in manifest["inputs"]}
    except FileNotFoundError:
        return None, [MailIssue(str(out_dir), None, None, "opdateringen er ikke bygget her", **hint)]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, [MailIssue(where, None, None, f"kan ikke læses ({exc})", **hint)]
    if manifest.get("update") != out_dir.name:
        return None, [MailIssue(where, None, None, f"hører til opdateringen {manifest.get('update')}", **hint)]
    now = {input_path(p, barometer.folder): _sha256(p.read_bytes()) for p in barometer.input_files}
    changed = sorted(p for p in now.keys() | inputs.keys() if now.get(p) != inputs.get(p))
    if changed:
        return outputs, [MailIssue(where, None, None, f"brevene er bygget ud fra andre data, end mappen har nu "
                                   f"({', '.join(changed)} er ændret)", hint=REBUILD, remedy=f"{command} igen")]
    return outputs, []


def _attachment(out_dir: Path, update: Update, committee: Committee, path: str,
                manifest: dict[str, str] | None, name: str) -> tuple[Attachment | None, Issue | None]:
    if manifest is None:
        return None, None  # the missing build is already reported once
    where = f"{out_dir.name}/{path}"
    again = {"hint": REBUILD, "remedy": "kør reportgen build igen"}
    if path not in manifest:
        return None, MailIssue(where, None, None, f"intet brev til {committee.name} i denne build", **again)
    try:
        data = (out_dir / path).read_bytes()
    except OSError as exc:
        return None, MailIssue(where, None, None, f"kan ikke læses ({exc.strerror})", **again)
    digest = _sha256(data)
    if digest != manifest[path]:
        return None, MailIssue(where, None, None, "er ændret efter build (passer ikke med manifest.json)", **again)
    stem = _one_line(f"{name}, {da.month_year(update.date)}").translate(_UNSAFE_FILENAME)
    return Attachment(path, stem + Path(path).suffix, data, digest), None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _message(plan: MailPlan, mail: Mail, sender: Sender, *, sent: dt.datetime | None) -> EmailMessage:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = _address(sender.name, sender.address)
    if sender.reply_to:
        msg["Reply-To"] = sender.reply_to
    msg["To"] = ", ".join(_address(display_name(mail.committee, a), a) for a in mail.recipients)
    msg["Subject"] = _one_line(mail.subject)
    msg["Date"] = format_datetime((sent or mail.draft_date).astimezone(da.TIME_ZONE))  # +0100 / +0200
    msg["Message-ID"] = plan.message_id(mail)
    if sent is None:
        msg["X-Unsent"] = "1"
    msg.set_content(mail.text, charset="utf-8", cte="quoted-printable")
    msg.add_alternative(mail.html, subtype="html", charset="utf-8", cte="quoted-printable")
    for a in mail.attachments:
        maintype, subtype = MIME_TYPES[Path(a.path).suffix]
        msg.add_attachment(a.data, maintype=maintype, subtype=subtype, filename=a.filename)
        _legacy_name(list(msg.iter_attachments())[-1], a.filename)
    # Fixed boundaries ("=_" never occurs in quoted-printable or base64): same content, same bytes.
    key = mail.content_key[:24]
    msg.set_boundary(f"=_reportgen_mixed_{key}")
    for part in msg.iter_parts():
        if part.is_multipart():
            part.set_boundary(f"=_reportgen_alt_{key}")
    return msg


def recipients(committee: Committee) -> tuple[str, ...]:
    """The committee's addresses (committees.csv ``email``), then its chair's (``chair_email``)
    unless it is one of them already."""
    chair = committee.chair_email
    if chair is None or chair.lower() in (a.lower() for a in committee.email):
        return committee.email
    return (*committee.email, chair)


def display_name(committee: Committee, address: str) -> str:
    """Each recipient's own name in To: the chair (committees.csv ``chair``) at ``chair_email``,
    the committee at its secretariat's addresses."""
    if committee.chair and committee.chair_email and address.lower() == committee.chair_email.lower():
        return committee.chair
    return committee.name


def _legacy_name(part: EmailMessage, filename: str) -> None:
    """Beside RFC 2231's ``filename*`` in Content-Disposition, the RFC 2047 encoded-word ``name=`` in
    Content-Type that Outlook and Exchange read (without it they show "ATT00001" or "Untitled
    attachment"; MimeKit #186, MailKit #1041). The email package would turn any ``name`` it folds
    into RFC 2231 again, so the header is stored already folded (one encoded word of at most 75
    characters a line) and written as it is (:data:`_RAW_KEPT`)."""
    words = Header(filename, "utf-8", maxlinelen=75).encode(splitchars="", maxlinelen=75).split()
    raw = f"{part.get_content_type()};\n name=\"" + "\n ".join(words) + '"'
    for index, (key, _) in enumerate(part._headers):  # noqa: SLF001 - the only way to keep raw text
        if key.lower() == "content-type":
            part._headers[index] = (key, raw)  # noqa: SLF001


def _address(name: str, address: str) -> str:
    """``"Teknik, Miljø" <tmu@example.org>``: the name always as a quoted string, which the email
    package encodes whole. (Python 3.11 mangles both a headerregistry.Address with æøå, writing
    <"x@example.org">, and formataddr's encoded word, whose ``,`` ``:`` ``@`` it writes back bare, so
    that "Teknik, Miljø" would become two addresses.)"""
    quoted = _one_line(name).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{address}>'


def _one_line(text: str) -> str:
    """A header value from data on one line: a line break there would start a new header."""
    return " ".join(text.split())


def write_drafts(plan: MailPlan) -> list[Path]:
    """Write every message as ``mail/<committee>.eml`` (atomically); raises MailPlanError first if
    the plan has problems. The drafts carry ``X-Unsent: 1`` and open ready to send."""
    plan.check()
    written = []
    with output_lock(plan.out_dir.parent):
        for mail in plan.mails:
            path = plan.out_dir / mail.eml_path
            atomic_write(path, plan.message_bytes(mail))
            written.append(path)
    return written


# --------------------------------------------------------------------------------------------------
# The send log: JSON lines in <out>/<update>/mail/sendelog.jsonl, one per answer from the server

def read_log(plan: MailPlan) -> list[dict[str, Any]]:
    """Every record of the send log (a line cut short by a crash is skipped with a warning)."""
    try:
        lines = plan.log_path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            log.warning("%s:%d: ulæselig linje springes over", plan.log_path, number)
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def _append_log(path: Path, record: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


@dataclass(frozen=True)
class MailStatus:
    """Where one letter stands: ``state`` (NEW, SENT, PARTLY, CHANGED), the recipients the server
    has accepted these very files for, and those still to send to (empty for CHANGED without resend)."""

    mail: Mail
    state: str
    accepted: tuple[str, ...]
    pending: tuple[str, ...]
    sent_at: str | None = None


def mail_status(plan: MailPlan, *, resend: bool = False) -> tuple[MailStatus, ...]:
    """Each letter's status from the send log; with ``resend`` a changed letter goes to everyone again."""
    records = read_log(plan)
    out = []
    for mail in plan.mails:
        mine = [r for r in records if r.get("committee") == mail.committee.id and r.get("update") == plan.update]
        same = [r for r in mine if r.get("attachments") == mail.hashes()]
        accepted = {a.lower(): r.get("time") for r in same for a in r.get("accepted", ())}
        done = tuple(a for a in mail.recipients if a.lower() in accepted)
        todo = tuple(a for a in mail.recipients if a.lower() not in accepted)
        sent_at = max((t for t in accepted.values() if t), default=None)
        if not mail.recipients:
            state = NEW  # no address: nothing has gone, and nothing can (plan_mail names the problem)
        elif not todo:
            state = SENT
        elif done:
            state = PARTLY
        elif any(r.get("accepted") for r in mine):
            state = CHANGED
            todo = todo if resend else ()
        else:
            state = NEW
        out.append(MailStatus(mail, state, done, todo, sent_at))
    return tuple(out)


# --------------------------------------------------------------------------------------------------
# Sending

@dataclass
class SendResult:
    """What one run of ``send_mail`` did: per letter the recipients accepted and refused."""

    sent: list[tuple[Mail, tuple[str, ...]]] = field(default_factory=list)
    refused: list[tuple[Mail, str, str]] = field(default_factory=list)  # (mail, address, server reply)
    already: list[Mail] = field(default_factory=list)
    changed: list[Mail] = field(default_factory=list)  # sent before with other files; not resent
    error: str | None = None  # the connection failed mid-way: the rest goes next run

    @property
    def ok(self) -> bool:
        return not self.refused and self.error is None


Connect = Callable[[SmtpSettings], smtplib.SMTP]


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)


def send_mail(
    plan: MailPlan,
    smtp: SmtpSettings,
    *,
    resend: bool = False,
    now: Callable[[], dt.datetime] | None = None,
    connect: Connect = _connect,
    progress: Callable[[Mail], None] | None = None,
) -> SendResult:
    """Write the drafts, then send every letter to the recipients the send log says the server has
    not yet accepted for these files; a letter sent before with other files goes again only with
    ``resend``. Each answer is logged before the next message. Raises MailPlanError (nothing
    written) or MailSendError (nothing sent: no connection, no STARTTLS, login refused); a failure
    mid-way is reported in ``SendResult.error`` and the log stays true, so the next run sends the rest.
    """
    plan.check()
    problems = smtp.problems()
    if problems:
        raise MailPlanError(problems)
    assert plan.sender is not None
    clock = now or (lambda: dt.datetime.now(dt.UTC).astimezone())
    result, todo = _triage(plan, resend=resend)
    write_drafts(plan)
    if not todo:
        return result
    with output_lock(plan.out_dir.parent), _log_lock(plan.log_path):
        # Who still needs a letter is read again under the locks: a send that ran in between (from
        # this build folder, or another build sharing the log) must not make this one send twice.
        result, todo = _triage(plan, resend=resend)
        if not todo:
            return result
        client = _open(smtp, connect)
        try:
            for status in todo:
                if progress is not None:
                    progress(status.mail)
                try:
                    _deliver(plan, client, status, clock(), result)
                except (smtplib.SMTPException, OSError) as exc:
                    result.error = (f"forbindelsen til {smtp.display} svigtede under brevet til "
                                    f"{status.mail.committee.name}: {_describe(exc)}")
                    _append_log(plan.log_path, _record(plan, status.mail, clock(), status="failed",
                                                       error=_describe(exc)))
                    break
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
    return result


@contextlib.contextmanager
def _log_lock(log_path: Path):
    """Hold the send log's own lock (beside the file the log resolves to, so builds that share one
    log through a link share its lock too); a second sender waits, then reads the log again."""
    target = log_path.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target.with_name(f".{target.name}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _triage(plan: MailPlan, *, resend: bool) -> tuple[SendResult, list[MailStatus]]:
    """From the send log: the letters already sent or held back (in the result) and those to send."""
    result, todo = SendResult(), []
    for status in mail_status(plan, resend=resend):
        if status.state == SENT:
            result.already.append(status.mail)
        elif status.state == CHANGED and not resend:
            result.changed.append(status.mail)
        else:
            todo.append(status)
    return result, todo


def _open(smtp: SmtpSettings, connect: Connect) -> smtplib.SMTP:
    where = smtp.display
    try:
        client = connect(smtp)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailSendError(f"kan ikke forbinde til {where}: {_describe(exc)}. Intet er sendt.") from exc
    try:
        client.ehlo()
        if smtp.starttls:
            if not client.has_extn("starttls"):
                raise MailSendError(f"serveren {where} tilbyder ikke STARTTLS, som --starttls kræver. "
                                    "Intet er sendt.")
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if smtp.user:
            _login(client, smtp.user, smtp.password or "")
    except smtplib.SMTPAuthenticationError as exc:
        client.close()
        raise MailSendError(f"serveren {where} afviste brugeren {smtp.user}: {_describe(exc)}. "
                            "Intet er sendt.") from exc
    except (OSError, smtplib.SMTPException) as exc:
        client.close()
        raise MailSendError(f"kan ikke tale med {where}: {_describe(exc)}. Intet er sendt.") from exc
    except BaseException:
        client.close()
        raise
    return client


def _login(client: smtplib.SMTP, user: str, password: str) -> None:
    """smtplib's login, or for a user name or password with æ, ø, å (which smtplib can only send as
    ASCII) AUTH PLAIN in UTF-8 as RFC 4616 has it."""
    if (user + password).isascii():
        client.login(user, password)
        return
    if not client.has_extn("auth") or "PLAIN" not in client.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPNotSupportedError("serveren tilbyder ikke AUTH PLAIN, som et brugernavn eller en "
                                            "adgangskode med æ, ø eller å kræver")
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, reply = client.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _deliver(plan: MailPlan, client: smtplib.SMTP, status: MailStatus, when: dt.datetime,
             result: SendResult) -> None:
    """One message to the pending recipients: MAIL, RCPT for each, DATA; the answer is logged."""
    assert plan.sender is not None
    mail = status.mail
    data = plan.message_bytes(mail, sent=when)
    code, reply = client.mail(plan.sender.address)
    if code != 250:
        client.rset()
        refused = {r: _reply(code, reply) for r in status.pending}
        return _refused(plan, mail, when, refused, result)
    accepted: list[str] = []
    refused: dict[str, str] = {}
    for rcpt in status.pending:
        code, reply = client.rcpt(rcpt)
        if code in (250, 251):
            accepted.append(rcpt)
        else:
            refused[rcpt] = _reply(code, reply)
    if not accepted:
        client.rset()
        return _refused(plan, mail, when, refused, result)
    code, reply = client.data(data)
    if code != 250:
        refused.update({r: _reply(code, reply) for r in accepted})
        return _refused(plan, mail, when, refused, result)
    _append_log(plan.log_path, _record(plan, mail, when, status="accepted", accepted=accepted, refused=refused,
                                       reply=_reply(code, reply)))
    result.sent.append((mail, tuple(accepted)))
    result.refused.extend((mail, r, why) for r, why in refused.items())


def _refused(plan: MailPlan, mail: Mail, when: dt.datetime, refused: dict[str, str], result: SendResult) -> None:
    _append_log(plan.log_path, _record(plan, mail, when, status="refused", refused=refused))
    result.refused.extend((mail, r, why) for r, why in refused.items())


def _record(plan: MailPlan, mail: Mail, when: dt.datetime, *, status: str, accepted: Sequence[str] = (),
            refused: Mapping[str, str] | None = None, reply: str = "", error: str = "") -> dict[str, Any]:
    record = {
        "time": when.isoformat(timespec="seconds"),
        "update": plan.update,
        "committee": mail.committee.id,
        "message_id": plan.message_id(mail),
        "status": status,
        "accepted": list(accepted),
        "refused": dict(refused or {}),
        "attachments": mail.hashes(),
        "reply": reply,
    }
    if error:
        record["error"] = error
    return record


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {text}".strip()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    return str(exc) or type(exc).__name__


# --------------------------------------------------------------------------------------------------
# Telling the user (the CLI prints these lines; the workbench may show them as they are)

def plan_lines(plan: MailPlan, statuses: Sequence[MailStatus], *, resend: bool = False,
               wording: Wording = CLI_WORDING) -> list[str]:
    """The dry run: sender, then per letter its status, recipients, subject and attachments."""
    assert plan.sender is not None
    sender = plan.sender
    lines = [f"Fra: {sender.name} <{sender.address}>" + (f", svar til {sender.reply_to}" if sender.reply_to else "")]
    for s in statuses:
        m = s.mail
        if s.pending:
            what = f"sendes til {', '.join(s.pending)}"
        elif s.state == CHANGED and not resend:
            what = wording.held
        else:
            what = "intet at sende"
        lines.append(f"{m.committee.id}: {m.committee.name} ({s.state}; {what})")
        lines.append(f"  Til: {'; '.join(m.recipients)}")
        lines.append(f"  Emne: {m.subject}")
        lines += [f"  Bilag: {a.filename} ({_KIND[Path(a.path).suffix]}, {a.path})" for a in m.attachments]
    n = sum(bool(s.pending) for s in statuses)
    lines.append(f"Prøvekørsel: {n} af {len(statuses)} e-mails ville blive sendt. Intet er skrevet eller sendt.")
    return lines


def result_lines(result: SendResult, plan: MailPlan, *, wording: Wording = CLI_WORDING) -> list[tuple[str, bool]]:
    """What a send did, as (line, is_error)."""
    lines = [(f"Sendt: {m.committee.name} til {', '.join(accepted)}", False) for m, accepted in result.sent]
    lines += [(f"Allerede sendt: {m.committee.name}", False) for m in result.already]
    lines += [(f"Ikke sendt igen: {m.committee.name} – brevets filer er ændret siden afsendelsen; {wording.resend}",
               False) for m in result.changed]
    lines += [(f"Afvist: {m.committee.name} til {address}: {reply}", True) for m, address, reply in result.refused]
    if result.error:
        lines.append((f"Fejl: {result.error}", True))
    if not result.ok:
        lines.append((f"Fejl: ikke alle breve er sendt; {wording.retry.format(log=plan.log_path)}", True))
    elif result.sent:
        lines.append((f"Færdig: {da.plural(len(result.sent), 'e-mail', 'e-mails')} sendt.", False))
    else:
        lines.append(("Intet at sende.", False))
    return lines
