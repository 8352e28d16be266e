"""In-app notifications on every transition, and an e-mail copy soon after when a mail server is set.

A real SMTP conversation with a local aiosmtpd server. Jobs run inline without
``REDIS_URL``; with it they wait in the queue until a burst worker runs them,
as ``baocao worker`` would.
"""
from __future__ import annotations

import email
import os
import socket
from email import policy

import pytest

from core.accounts import lifecycle as accounts
from core.reporting import entry
from core.platform import jobs
from core.reporting import mailer
from core.platform.extensions import db
from core.accounts.models import Account
from core.reporting.models import Notification, Report
from core.hierarchy.models import Unit
from tests import factories
from workflows import transition

FILLED = {"households": "120", "population": "500", "poor_households": "20"}
HOLDER = "lan@huyen-haquang.vn"


class Inbox:
    """An aiosmtpd handler keeping what it is given; it can refuse the first ``refuse`` messages (451)."""

    def __init__(self, refuse: int = 0):
        self.messages, self.refuse, self.attempts = [], refuse, 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.attempts += 1
        if self.attempts <= self.refuse:
            return "451 Try again later"
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    """Start a local SMTP server on a free port: ``start(inbox, port=None) -> port``."""
    from aiosmtpd.controller import Controller

    running = []

    def start(inbox: Inbox, port: int | None = None) -> int:
        port = port or _free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        running.append(controller)
        return port

    yield start
    for controller in running:
        controller.stop()


def _province(app):
    """Cao Bằng with CB-DT01 for every commune; district H01's current holder has an e-mail."""
    with app.app_context():
        factories.cao_bang_reports()
        h01 = accounts.unit_account(db.session, db.session.query(Unit).filter_by(code="H01").one())
        accounts.handover(db.session, h01, "Nông Thị Lan", email=HOLDER)
        db.session.commit()


def _submit(app, *codes):
    """Each commune fills in and submits its report, one transaction each; then the worker runs."""
    with app.app_context():
        for code in codes:
            report = db.session.query(Report).join(Unit).filter(Unit.code == code).one()
            assert entry.save(db.session, report, FILLED) == {}
            transition(db.session, report, "submit", db.session.query(Account).filter_by(
                username=code.lower()).one())
            db.session.commit()
    _run_jobs(app)


def _run_jobs(app):
    if os.environ.get("REDIS_URL"):
        from core.platform.worker import AppSimpleWorker, make_worker

        make_worker(app, AppSimpleWorker).work(burst=True)


def _subjects(inbox: Inbox) -> list[tuple[list[str], str]]:
    return [(to, email.message_from_string(content, policy=policy.default)["Subject"])
            for to, content in inbox.messages]


def _spy(app, monkeypatch) -> list[str]:
    """The job paths the app hands to its runner (inline or Redis)."""
    runner = jobs.runner(app)
    seen, dispatch = [], runner.dispatch

    def record(path, args, kwargs, key):
        seen.append(path)
        return dispatch(path, args, kwargs, key)

    monkeypatch.setattr(runner, "dispatch", record)
    return seen


def test_a_communes_submit_emails_the_districts_holder_once(make_app, smtp):
    inbox = Inbox()
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp(inbox))
    _province(app)
    _submit(app, "X011")
    assert _subjects(inbox) == [([HOLDER], "Báo cáo chờ duyệt: Biểu DT01: Hộ, nhân khẩu, hộ nghèo theo dân tộc "
                                           "(Cao Bằng) — Năm 2026 — Xã Trường Hà")]
    with app.app_context():
        assert mailer.send_pending_job() == 0  # already sent: running the job again sends nothing
        note = db.session.query(Notification).filter(Notification.kind.like("submit:%")).one()
        assert note.emailed_at is not None
    _run_jobs(app)
    assert len(inbox.messages) == 1


def test_a_burst_in_one_transaction_queues_one_job(make_app, smtp, monkeypatch):
    inbox = Inbox()
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp(inbox))
    _province(app)
    seen = _spy(app, monkeypatch)
    with app.app_context():
        for code in ("X011", "X012"):
            report = db.session.query(Report).join(Unit).filter(Unit.code == code).one()
            entry.save(db.session, report, FILLED)
            transition(db.session, report, "submit", db.session.query(Account).filter_by(
                username=code.lower()).one())
        db.session.commit()
    _run_jobs(app)
    assert seen == ["core.reporting.mailer:send_pending_job"]
    assert sorted(s for _to, s in _subjects(inbox)) == [
        f"Báo cáo chờ duyệt: Biểu DT01: Hộ, nhân khẩu, hộ nghèo theo dân tộc (Cao Bằng) — Năm 2026 — {name}"
        for name in ("Xã Lũng Nặm", "Xã Trường Hà")]


def test_without_a_mail_server_no_job_is_queued(make_app, monkeypatch):
    app = make_app(MAIL_SERVER=None)
    _province(app)
    seen = _spy(app, monkeypatch)
    _submit(app, "X011")
    assert seen == []
    with app.app_context():
        assert db.session.query(Notification).filter(Notification.kind.like("submit:%")).count() == 1
        if os.environ.get("REDIS_URL"):
            assert jobs.runner().queue.count == 0


def test_a_refusing_mail_server_does_not_fail_the_transition_and_the_job_is_retried(make_app, smtp):
    inbox = Inbox(refuse=1)
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp(inbox))
    _province(app)
    _submit(app, "X011")
    with app.app_context():
        assert db.session.query(Report).join(Unit).filter(Unit.code == "X011").one().state == "submitted"
    assert inbox.attempts == 2 and [to for to, _s in inbox.messages] == [[HOLDER]]


def test_a_mail_server_that_is_down_leaves_the_mail_for_later(make_app, smtp):
    port = _free_port()  # nothing listens there yet
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, JOB_RETRIES=1)
    _province(app)
    _submit(app, "X011")  # the job fails twice; the report is submitted all the same
    with app.app_context():
        assert db.session.query(Report).join(Unit).filter(Unit.code == "X011").one().state == "submitted"
        assert db.session.query(Notification).filter(Notification.emailed_at.is_not(None)).count() == 0
    inbox = Inbox()
    smtp(inbox, port)
    _submit(app, "X012")  # the next transition's job sends what waited too
    assert sorted(s.rsplit("— ", 1)[1] for _to, s in _subjects(inbox)) == ["Xã Lũng Nặm", "Xã Trường Hà"]
