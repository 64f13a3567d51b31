"""Never two sends at once: the send log is read again under the lock, so two sends that overlap
send each letter once (against aiosmtpd on loopback)."""
from __future__ import annotations

import shutil
import threading

from test_mail import FILES, built, case, smtp  # noqa: F401 - fixtures

from reportgen.rounds import mail


def _settings(handler) -> mail.SmtpSettings:
    host, port = handler.address.rsplit(":", 1)
    return mail.SmtpSettings(host, int(port), timeout=10)


def _plan(folder, out, settings):
    return mail.plan_mail(folder, out_root=out, update_id="2009-06", smtp=settings)


def _run_both(monkeypatch, plans, settings, *, second_waits_for_first: bool):
    """Both sends read the (empty) log before either takes the lock; with ``second_waits_for_first``
    the second goes on only once the first has finished (the window the race lived in)."""
    both_planned = threading.Barrier(len(plans), timeout=60)
    first_done = threading.Event()
    real = mail.write_drafts
    one_writer = threading.Lock()  # write_drafts takes the output lock itself: one at a time here

    def write_drafts(plan):
        with one_writer:
            out = real(plan)
        both_planned.wait()
        if second_waits_for_first and threading.current_thread().name == "second":
            assert first_done.wait(timeout=120)
        return out

    monkeypatch.setattr(mail, "write_drafts", write_drafts)
    results, errors = {}, []

    def run(name, plan):
        try:
            results[name] = mail.send_mail(plan, settings)
        except BaseException as err:  # noqa: BLE001 - reported by the test
            errors.append(err)
        finally:
            if name == "first":
                first_done.set()

    threads = [threading.Thread(target=run, args=(name, plan), name=name)
               for name, plan in zip(("first", "second"), plans, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
        assert not t.is_alive()
    assert not errors, errors
    return results


def test_a_send_that_read_the_log_before_another_finished_sends_nothing_again(case, smtp, monkeypatch):  # noqa: F811
    folder, out, _update = case
    settings = _settings(smtp)
    results = _run_both(monkeypatch, [_plan(folder, out, settings), _plan(folder, out, settings)], settings,
                        second_waits_for_first=True)
    assert len(smtp.messages) == 2  # each letter accepted once
    assert sorted(tuple(r) for _, r, _ in smtp.messages) == sorted(
        [("buu@example.org", "buu-formand@example.org"), ("saeu@example.org",)])
    assert len(results["first"].sent) == 2
    assert results["second"].sent == [] and len(results["second"].already) == 2


def test_two_builds_sharing_one_send_log_sending_at_once_send_each_letter_once(case, smtp, monkeypatch, tmp_path):  # noqa: F811
    """As in the workbench: two builds of one update link to one log; their output locks differ."""
    folder, out, update = case
    out2 = tmp_path / "out2"
    shutil.copytree(out, out2)
    log = update / mail.MAIL_DIR / mail.LOG_FILE
    log.parent.mkdir(parents=True, exist_ok=True)
    log.touch()
    other = out2 / "2009-06" / mail.MAIL_DIR / mail.LOG_FILE
    other.parent.mkdir(parents=True, exist_ok=True)
    other.unlink(missing_ok=True)
    other.symlink_to(log)
    settings = _settings(smtp)
    results = _run_both(monkeypatch, [_plan(folder, out, settings), _plan(folder, out2, settings)], settings,
                        second_waits_for_first=False)
    assert len(smtp.messages) == 2, [r for _, r, _ in smtp.messages]
    assert sum(len(r.sent) for r in results.values()) == 2
    assert sum(len(r.already) for r in results.values()) == 2


def test_the_workbench_answers_409_to_a_second_send_while_one_runs(tmp_path):
    """A real SMTP server that holds the first letter's DATA until released; meanwhile a second
    send of the same barometer is refused with 409, and in the end each letter went once."""
    import asyncio

    from test_mail import Handler, LoopbackController
    from test_web_mail import client_for
    from web_helpers import BEARER, make_workspace

    class Gate(Handler):
        def __init__(self):
            super().__init__()
            self.entered = threading.Event()
            self.release = threading.Event()

        async def handle_DATA(self, server, session, envelope):
            self.entered.set()
            for _ in range(1200):  # at most 60 s
                if self.release.is_set():
                    break
                await asyncio.sleep(0.05)
            return await super().handle_DATA(server, session, envelope)

    ws = make_workspace(tmp_path / "ws", files=FILES)
    handler = Gate()
    controller = LoopbackController(handler)
    controller.start()
    try:
        settings = mail.SmtpSettings("127.0.0.1", controller.port, timeout=90)
        client = client_for(ws, smtp=settings)
        build_id = client.post("/api/barometers/testrup/builds", headers=BEARER).json()["build"]
        client.app.state.web.builds.wait(build_id, timeout=600)
        assert client.get(f"/api/builds/{build_id}", headers=BEARER).json()["state"] == "done"
        first: dict = {}
        sender = threading.Thread(target=lambda: first.update(r=client.post(
            f"/api/builds/{build_id}/mail", headers=BEARER, json={"send": True})))
        sender.start()
        assert handler.entered.wait(timeout=120), "the first send never reached DATA"
        second = client.post(f"/api/builds/{build_id}/mail", headers=BEARER, json={"send": True})
        assert second.status_code == 409, second.text
        handler.release.set()
        sender.join(timeout=120)
        assert not sender.is_alive()
        assert first["r"].status_code == 200 and first["r"].json()["result"]["ok"] is True
        assert len(handler.messages) == 2
    finally:
        handler.release.set()
        controller.stop()
