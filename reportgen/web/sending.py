"""Sending a finished build's letters from the workbench, through ``reportgen.rounds.mail`` unchanged.

A workbench build writes ``.workbench/builds/<build>/out/<update>/`` (what ``reportgen build --out``
writes), so ``mail.plan_mail(folder, out_root=<build>/out, update_id=<update>)`` reads it as the
CLI reads its own output. Every build has its own folder, though, and the send log must outlive
the build it was written beside, or a rebuild would send the letters again. So the log of a
barometer's update lives once, in ``.workbench/mail/<barometer>/<update>/sendelog.jsonl``, and each
build's ``mail/sendelog.jsonl`` is a link to it: every build of the same update reads and appends
the same log, and ``mail.mail_status`` sees what any of them sent.
"""
from __future__ import annotations

import logging
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataValidationError, Issue, ReportgenError
from ..rounds import mail
from .builds import Builds
from .workspace import Busy, NotFound, Workspace

log = logging.getLogger(__name__)

MAIL_STATE = "mail"
# reportgen.rounds.mail's lines and problems name the CLI's commands; the page names its own buttons.
WORDING = mail.Wording(held="sendes kun igen med »Send igen«", resend="brug »Send igen« nedenfor",
                       retry="hvad der mangler, står ovenfor. Send resten med knappen nedenfor.")
REMEDIES = {mail.BUILD: "dan dokumenterne igen", mail.REBUILD: "dan dokumenterne igen"}


def problem_text(issue: Issue) -> str:
    """A plan problem as the page shows it: a remedy in the workbench's words, the rest as the CLI has it."""
    return issue.worded(REMEDIES) if isinstance(issue, mail.MailIssue) else str(issue)



@dataclass(frozen=True)
class Planned:
    """The plan of one build's letters and where each stands, or why there is no plan."""

    build: dict
    plan: mail.MailPlan | None
    statuses: tuple[mail.MailStatus, ...]
    problems: tuple[str, ...]  # every problem, located, before anything goes

    @property
    def ready(self) -> bool:
        return self.plan is not None and not self.problems


class NotReady(ReportgenError):
    """Something stands in the way of sending (422); every problem is listed and nothing is sent."""

    def __init__(self, problems: tuple[str, ...]):
        self.problems = problems
        super().__init__("\n".join(problems))


class Sending:
    """Plans, drafts and sends of the workspace's builds; at most one send per barometer at a time."""

    def __init__(self, workspace: Workspace, builds: Builds, smtp: mail.SmtpSettings | None = None):
        self.ws = workspace
        self.builds = builds
        self.smtp = smtp
        self._guard = threading.Lock()
        self._link_lock = threading.Lock()
        self._sending: set[str] = set()

    def _finished(self, build_id: str) -> dict:
        info = self.builds.get(build_id)
        if info["state"] != "done":
            raise NotFound("dannelsen af dokumenterne er ikke færdig; brevene kan sendes, når den er")
        return info

    def log_path(self, barometer_id: str, update: str) -> Path:
        """The one send log of a barometer's update, shared by all its builds."""
        return self.ws.state / MAIL_STATE / barometer_id / update / mail.LOG_FILE

    def _link_log(self, info: dict) -> None:
        """Make the build's ``mail/sendelog.jsonl`` a link to the barometer's shared log (a log
        already written there, e.g. by ``reportgen send`` on the build's folder, is carried over)."""
        shared = self.log_path(info["barometer"], info["update"])
        here = self.builds.root / info["build"] / "out" / info["update"] / mail.MAIL_DIR / mail.LOG_FILE
        with self._link_lock:
            if here.is_symlink():
                return
            shared.parent.mkdir(parents=True, exist_ok=True)
            here.parent.mkdir(parents=True, exist_ok=True)
            if here.is_file():
                with open(shared, "ab") as fh:
                    fh.write(here.read_bytes())
                    fh.flush()
                    os.fsync(fh.fileno())
            link = here.with_name(f".{here.name}.{secrets.token_hex(4)}.link")
            link.symlink_to(shared)
            os.replace(link, here)

    def planned(self, build_id: str) -> Planned:
        """``mail.plan_mail`` and ``mail.mail_status`` for a finished build; problems as lines."""
        info = self._finished(build_id)
        folder = self.ws.folder(info["barometer"])
        self._link_log(info)
        try:
            plan = mail.plan_mail(folder, out_root=self.builds.root / build_id / "out", update_id=info["update"],
                                  project_dir=self.ws.project_dir, smtp=self.smtp)
        except DataValidationError as err:
            return Planned(info, None, (), tuple(problem_text(i) for i in err.issues))
        except ReportgenError as err:
            return Planned(info, None, (), (str(err),))
        statuses = mail_statuses(plan)
        return Planned(info, plan, statuses, tuple(problem_text(i) for i in plan.problems))

    def draft(self, build_id: str, stem: str) -> tuple[str, bytes]:
        """One letter's ``.eml`` draft: the bytes ``mail.write_drafts`` writes. ``stem`` is looked up
        among the plan's letters, never joined to a path."""
        p = self.planned(build_id)
        if not p.ready:
            raise NotFound("der er problemer, der skal løses, før brevene kan hentes som e-mails")
        assert p.plan is not None
        for m in p.plan.mails:
            if m.stem == stem:
                return f"{m.stem}.eml", p.plan.message_bytes(m)
        raise NotFound(f'intet brev "{stem}" i denne dannelse')

    def send(self, build_id: str, *, who: str, resend: bool = False) -> tuple[Planned, mail.SendResult]:
        """``mail.send_mail`` for a finished build: only what the server has not yet accepted goes;
        with ``resend`` also a letter whose files changed since it was sent (``mail.CHANGED``), as
        ``reportgen send --resend``. Busy (409) while the same barometer is being sent; the send is
        in the audit log (action ``mail``, or ``mail-resend``)."""
        if self.smtp is None:
            raise Busy("arbejdsbænken er startet uden --smtp; brevene kan hentes som kladder og sendes derfra")
        info = self._finished(build_id)
        barometer_id = info["barometer"]
        with self._guard:
            if barometer_id in self._sending:
                raise Busy("brevene til dette barometer er ved at blive sendt")
            self._sending.add(barometer_id)
        try:
            p = self.planned(build_id)
            if not p.ready:
                raise NotReady(p.problems)
            action = "mail-resend" if resend else "mail"
            changed = [s.mail.committee.name for s in p.statuses if s.state == mail.CHANGED] if resend else []
            again = f"; sendt igen til udvalg med en tidligere udgave: {', '.join(changed)}" if changed else ""
            try:
                result = mail.send_mail(p.plan, self.smtp, resend=resend)
            except mail.MailSendError as err:
                self.ws.audit.record(who=who, barometer=barometer_id, action=action,
                                     detail=f"dannelse {build_id}: {err}")
                raise
            lines = mail.result_lines(result, p.plan, wording=WORDING)
            self.ws.audit.record(who=who, barometer=barometer_id, action=action,
                                 detail=f"dannelse {build_id}, opdatering {p.plan.update}, "
                                        f"over {self.smtp.display}{again}",
                                 after="\n".join(line for line, _ in lines))
            return Planned(info, p.plan, mail_statuses(p.plan), ()), result
        finally:
            with self._guard:
                self._sending.discard(barometer_id)



def mail_statuses(plan: mail.MailPlan) -> tuple[mail.MailStatus, ...]:
    return mail.mail_status(plan)
