"""Automatic assignment (F7), ad-hoc and cascaded requests (F5, F8), reminders, Hà Nội's F4 dates."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest

from core.reporting import assignment
from core.platform import plugin_admin
from core.contracts import FieldSpec, FormSpec, ScheduleSpec, SectionSpec
from core.platform.extensions import db
from core.forms.definitions import sync_spec
from core.platform.models.audit import AuditEntry
from core.forms.models.form import Form
from core.reporting.models import Notification, Report, Request
from core.forms.models.period import Period
from core.hierarchy.models import Unit
from tests import factories
from tests.conftest import PG_URL


#: Periods open on a day, deadlines, reminders, requests due: the calendar of assignment.
pytestmark = pytest.mark.calendar


def _reports(form_code=None) -> dict[str, tuple]:
    query = db.session.query(Report).join(Unit)
    if form_code:
        query = query.join(Form).filter(Form.code == form_code)
    return {r.unit.code: (r.period.code, r.state, r.level, r.deadline) for r in query}


def test_a_yearly_commune_form_is_assigned_once_when_its_period_opens(app):
    with app.app_context():
        factories.province()  # enables cao_bang: its form CB-DT01 is due yearly from communes
        assert assignment.assign(db.session, date(2026, 11, 20)).created == 0  # window opens 1 December
        first = assignment.assign(db.session, date(2026, 12, 5))
        db.session.commit()
        assert first.created == 3 and first.periods == ["CB-DT01/2026"]
        assert _reports("CB-DT01") == {code: ("2026", "draft", "commune", date(2026, 12, 20))
                                       for code in ("X011", "X012", "X021")}
        period = db.session.query(Period).filter_by(code="2026").one()
        assert (period.start, period.end) == (date(2025, 12, 15), date(2026, 12, 14))
        assert assignment.assign(db.session, date(2026, 12, 6)).created == 0
        assert db.session.query(AuditEntry).filter_by(action="reports.assign").count() == 1


def test_ha_noi_reports_carry_the_f4_deadlines(app):
    with app.app_context():
        plugin_admin.set_enabled(db.session, "ha_noi", True)
        from core.hierarchy.units import import_units

        import_units(db.session, [factories.Row("01", "Thành phố Hà Nội", "board"),
                                  factories.Row("00004", "Phường Ba Đình", "commune", "01")], source="test")
        db.session.commit()
        assignment.assign(db.session, date(2026, 6, 3))
        half = db.session.query(Period).filter_by(code="2026S1").one()
        assert (half.start, half.end, half.deadline) == (date(2026, 1, 1), date(2026, 6, 14), date(2026, 6, 14))
        assert _reports("HN-DT01") == {"00004": ("2026S1", "draft", "commune", date(2026, 6, 14))}
        assignment.assign(db.session, date(2026, 12, 3))
        year = db.session.query(Period).filter_by(code="2026").one()
        assert (year.start, year.end, year.deadline) == (date(2026, 1, 1), date(2026, 12, 31), date(2026, 12, 14))


@pytest.mark.skipif(not PG_URL, reason="races need a server database")
def test_a_schedule_for_some_quarters_assigns_only_those(app):
    """Hà Nội's religion report is due for quý I and quý III, never for quý II or IV (Điều 10 khoản 3)."""
    with app.app_context():
        factories.province()
        spec = FormSpec("TG-Q13", "Biểu quý I, quý III", (SectionSpec("main", "Chung", (FieldSpec("n", "Số", min=0),)),),
                        schedules=(ScheduleSpec("quarterly", ("commune",), indexes=(3, 1)),))
        sync_spec(db.session, spec, source="board")
        db.session.commit()
        opened = {day: assignment.assign(db.session, day).periods
                  for day in (date(2026, 3, 5), date(2026, 6, 5), date(2026, 9, 5), date(2026, 12, 5))}
        db.session.commit()
        assert {day.month: sorted({p.split("/")[1] for p in got if p.startswith("TG-Q13/")})
                for day, got in opened.items()} == {3: ["2026Q1"], 6: [], 9: ["2026Q3"], 12: []}
        assert {code for code, in db.session.query(Period.code).join(Report).join(Form).filter(Form.code == "TG-Q13")
                } == {"2026Q1", "2026Q3"}


@pytest.mark.parametrize("period_type, indexes, problem", [
    ("quarterly", (5,), "quarterly indexes must be 1-4, not 5"),
    ("yearly", (1,), "yearly periods have no index within the year"),
])
def test_a_plugin_schedule_with_impossible_periods_is_refused_by_name(app, period_type, indexes, problem):
    from core.forms.definitions import FormError

    spec = FormSpec("BAD-Q", "Biểu sai", (SectionSpec("main", "Chung", (FieldSpec("n", "Số"),)),),
                    schedules=(ScheduleSpec(period_type, ("commune",), indexes=indexes),))
    with app.app_context(), pytest.raises(FormError) as refused:
        sync_spec(db.session, spec, source="plugin:x")
    assert f"form BAD-Q: schedule {period_type}: {problem}" in str(refused.value)


def test_two_runs_racing_create_each_report_once(app):
    with app.app_context():
        factories.province()
    errors, counts = [], []

    def run():
        try:
            with app.app_context():
                counts.append(assignment.assign(db.session, date(2026, 12, 5)).created)
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sum(counts) == 3
    with app.app_context():
        assert db.session.query(Report).count() == 3


def _board_form(levels: tuple[str, ...]) -> Form:
    spec = FormSpec("TEST01", "Biểu thử", (SectionSpec("main", "Chung", (FieldSpec("n", "Số lượng", min=0),)),),
                    schedules=(ScheduleSpec("quarterly", levels),))
    sync_spec(db.session, spec, source="board")
    return db.session.query(Form).filter_by(code="TEST01").one()


def _vietnam_today() -> date:
    """The day on a wall calendar in Vietnam (UTC+7), worked out here rather than asked of core."""
    return (datetime.now(timezone.utc) + timedelta(hours=7)).date()


@pytest.mark.calendar
def test_the_daily_job_assigns_the_months_open_today_in_vietnam(app):
    """National rule: a month's window opens on its 1st and closes at the end of the month after it, so on
    any day exactly this month's and last month's reports are open; the day is Vietnam's, not the server's."""
    with app.app_context():
        factories.province()
        spec = FormSpec("TEST12", "Biểu tháng", (SectionSpec("main", "Chung", (FieldSpec("n", "Số lượng"),)),),
                        schedules=(ScheduleSpec("monthly", ("district",)),))
        sync_spec(db.session, spec, source="board")
        assignment.assign(db.session)
        db.session.commit()
        today = _vietnam_today()
        last = today.replace(day=1) - timedelta(days=1)
        assert sorted(r.period.code for r in db.session.query(Report).join(Unit).filter(Unit.code == "H01")) == [
            f"{last:%Y%m}", f"{today:%Y%m}"]


@pytest.mark.calendar
def test_reminders_and_requests_go_by_the_day_in_vietnam(app):
    """Due today in Vietnam: reminded as due soon, and a request may still be due today; due yesterday:
    late, and no request may be due then."""
    with app.app_context():
        ids = factories.province()
        form = _board_form(("district",))
        board = db.session.get(Unit, ids["04"])
        today = _vietnam_today()
        due_today = assignment.request(db.session, form, "Hạn hôm nay", today, board, [ids["H01"]], by="admin")
        db.session.commit()
        with pytest.raises(assignment.AssignmentError):
            assignment.request(db.session, form, "Hạn hôm qua", today - timedelta(days=1), board, [ids["H02"]],
                               by="admin")
        db.session.rollback()
        assert db.session.query(Request).count() == 1
        overdue = db.session.query(Report).filter_by(request_id=due_today.id).one()
        overdue.deadline = today - timedelta(days=1)
        assignment.request(db.session, form, "Hạn hôm nay", today, board, [ids["H02"]], by="admin")
        assert assignment.remind(db.session) == {"due_soon": 1, "late": 1}
        db.session.commit()
        kinds = {n.unit_id: n.kind for n in db.session.query(Notification)}
        assert kinds == {ids["H01"]: "late", ids["H02"]: "due_soon"}


def test_an_ad_hoc_request_reaches_only_chosen_units_under_the_requester(app):
    with app.app_context():
        ids = factories.province()
        form = _board_form(("district",))
        board = db.session.get(Unit, ids["04"])
        req = assignment.request(db.session, form, "Rà soát đột xuất hộ nghèo", date(2030, 1, 15), board,
                                 [ids["X011"], ids["X021"]], by="admin")
        db.session.commit()
        reports = db.session.query(Report).filter_by(request_id=req.id).all()
        assert sorted(r.unit.code for r in reports) == ["X011", "X021"]
        assert {r.deadline for r in reports} == {date(2030, 1, 15)}
        assert reports[0].period.type == "adhoc" and reports[0].period.name == "Rà soát đột xuất hộ nghèo"
        district = db.session.get(Unit, ids["H01"])
        with pytest.raises(assignment.AssignmentError):
            assignment.request(db.session, form, "Ngoài phạm vi", date(2030, 1, 15), district, [ids["X021"]], "h01")
        db.session.rollback()
        assert db.session.query(Request).count() == 1


@pytest.mark.at("2027-03-05T09:00:00+07:00")  # quý I of 2027 is open, due 20/3/2027
def test_a_district_cascades_its_report_to_its_communes(app):
    with app.app_context():
        ids = factories.province()
        _board_form(("district",))
        assignment.assign(db.session, date(2027, 3, 5))
        own = db.session.query(Report).join(Unit).filter(Unit.code == "H01").one()
        child = assignment.cascade(db.session, own, [ids["X011"], ids["X012"]], own.deadline, by="h01")
        db.session.commit()
        subs = db.session.query(Report).filter_by(request_id=child.id).all()
        assert sorted(r.unit.code for r in subs) == ["X011", "X012"]
        assert {r.period_id for r in subs} == {own.period_id}
        assert child.parent_id == own.request_id and child.parent.from_unit_id == ids["04"]
        with pytest.raises(assignment.AssignmentError):
            assignment.cascade(db.session, own, [ids["X011"]], date(2099, 1, 1), by="h01")


def test_reminders_are_sent_once_before_the_deadline_and_once_when_late(app):
    with app.app_context():
        factories.province()
        assignment.assign(db.session, date(2026, 12, 5))
        assert assignment.remind(db.session, date(2026, 12, 10)) == {"due_soon": 0, "late": 0}
        assert assignment.remind(db.session, date(2026, 12, 18)) == {"due_soon": 3, "late": 0}
        assert assignment.remind(db.session, date(2026, 12, 19)) == {"due_soon": 0, "late": 0}
        report = db.session.query(Report).join(Unit).filter(Unit.code == "X011").one()
        report.state = "submitted"
        assert assignment.remind(db.session, date(2026, 12, 21)) == {"due_soon": 0, "late": 2}
        db.session.commit()
        notes = db.session.query(Notification).filter_by(kind="late").all()
        assert all("Quá hạn nộp báo cáo: Biểu DT01" in n.message for n in notes)


def test_a_district_sends_an_ad_hoc_request_from_the_screen(app):
    with app.app_context():
        ids = factories.province()
        username, one_time = factories.issue("H01")
    client = app.test_client()
    factories.first_login(client, username, one_time)
    with app.app_context():
        form_id = db.session.query(Form.id).filter_by(code="CB-DT01").scalar()
    page = client.get("/requests/new").get_data(as_text=True)
    assert "Xã Trường Hà" in page and "Xã Cô Ba" not in page  # only units under H01 are offered
    resp = client.post("/requests/new", data={"form": form_id, "title": "Rà soát đột xuất", "deadline": "2099-01-31",
                                              "levels": ["commune"]})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.app_context():
        req = db.session.query(Request).one()
        assert req.from_unit_id == ids["H01"] and req.created_by == "h01"
        assert sorted(r.unit.code for r in db.session.query(Report).filter_by(request_id=req.id)) == ["X011", "X012"]
    refused = client.post("/requests/new", data={"form": form_id, "title": "Sai", "deadline": "2099-01-31",
                                                 "units": [ids["X021"]]})
    assert refused.status_code == 200  # X021 is not a choice: the form does not validate
    with app.app_context():
        assert db.session.query(Request).count() == 1


def test_a_unit_sees_its_reminders_on_the_home_page_and_marks_them_read(app):
    with app.app_context():
        factories.province()
        assignment.assign(db.session, date(2026, 12, 5))
        assignment.remind(db.session, date(2026, 12, 18))
        db.session.commit()
        username, one_time = factories.issue("X011")
    client = app.test_client()
    factories.first_login(client, username, one_time)
    home = client.get("/").get_data(as_text=True)
    assert "1 thông báo chưa đọc" in home and "Sắp đến hạn nộp báo cáo: Biểu DT01" in home
    listed = client.get("/notifications/list/").get_data(as_text=True)
    assert "Xã Trường Hà" in listed and "Xã Cô Ba" not in listed
    assert client.post("/notifications/read").status_code == 302
    assert "thông báo chưa đọc" not in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Notification).filter(Notification.read_at.is_(None)).count() == 2  # others' stay


def test_the_cli_runs_the_daily_assignment_for_installations_without_a_worker(cli, app):
    with app.app_context():
        factories.province()
    first = cli("reports", "assign", "--date", "2026-12-18")
    assert first.exit_code == 0 and first.output.strip() == "3 report(s) assigned; reminders: 3 due soon, 0 late"
    again = cli("reports", "assign", "--date", "2026-12-18")
    assert again.output.strip() == "0 report(s) assigned; reminders: 0 due soon, 0 late"
    assert cli("reports", "assign", "--date", "18/12/2026").exit_code == 2


@pytest.mark.at("2027-03-05T09:00:00+07:00")  # quý I of 2027 is open, due 20/3/2027
def test_a_district_passes_its_report_on_from_the_entry_page(app):
    with app.app_context():
        ids = factories.province()
        _board_form(("district",))
        assignment.assign(db.session, date(2027, 3, 5))
        own = db.session.query(Report).join(Unit).filter(Unit.code == "H01").one()
        own_id, deadline = own.id, own.deadline
        username, one_time = factories.issue("H01")
    client = app.test_client()
    factories.first_login(client, username, one_time)
    page = client.get(f"/reports/{own_id}/entry").get_data(as_text=True)
    assert f"/requests/cascade/{own_id}" in page
    resp = client.post(f"/requests/cascade/{own_id}", data={"deadline": deadline.isoformat(),
                                                             "units": [ids["X011"], ids["X012"]]})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.app_context():
        child = db.session.query(Request).filter(Request.parent_id.is_not(None)).one()
        assert sorted(r.unit.code for r in db.session.query(Report).filter_by(request_id=child.id)) == ["X011", "X012"]


def test_reminders_reach_the_current_holder_by_e_mail_when_a_server_is_configured(make_app):
    """A real SMTP conversation with a local aiosmtpd server; each reminder is mailed once."""
    from aiosmtpd.controller import Controller

    from core.accounts import lifecycle as accounts
    from core.reporting import mailer

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
            self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port for the local server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        with app.app_context():
            factories.province()
            account = accounts.unit_account(db.session, db.session.query(Unit).filter_by(code="X011").one()) \
                or accounts.issue(db.session, "X011")[0]
            accounts.handover(db.session, account, "Lò Thị Mai", email="mai@xa-truongha.vn")
            assignment.assign(db.session, date(2026, 12, 5))
            assignment.remind(db.session, date(2026, 12, 18))
            db.session.commit()
            assert mailer.send_pending(db.session) == 1  # only X011 has a holder with an e-mail
            assert mailer.send_pending(db.session) == 0
    finally:
        controller.stop()
    (recipients, content), = inbox.messages
    assert recipients == ["mai@xa-truongha.vn"]
    import email
    from email import policy

    message = email.message_from_string(content, policy=policy.default)
    assert message["Subject"].startswith("Sắp đến hạn nộp báo cáo: Biểu DT01")
