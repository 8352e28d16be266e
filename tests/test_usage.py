"""Usage and status reports (R10): logins, submissions and on-time rate per unit over a date range, on a
screen scoped to the leader's subtree with a CSV; the operator's yearly report written by a scheduled job."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest

from core.accounts import lifecycle as accounts
from core.reporting import entry
from core.platform import jobs, tabular
from core.hierarchy import roles
from core.analytics import usage
from core.platform.extensions import db
from core.accounts.models import Account
from tests import factories
from tests.conftest import ADMIN_PASSWORD, api_token, login
from tests.test_dashboard import PASSWORD, signed_in
from tests.test_rollup import VALUES, _act, _fill, _report, cb  # noqa: F401  (cb: fixture)

RANGE = "start=2026-01-01&end=2027-12-31"
#: Logins, submissions and the on-time rate over date ranges.
pytestmark = pytest.mark.calendar


def _rows(resp) -> dict[str, list[str]]:
    assert resp.status_code == 200 and resp.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mã", "Đơn vị", "Cấp"]
    return {r[0]: r[3:] for r in rows[1:]}


def _activity(app, now):
    """Real logins (form and API, one failed), X011 returned once and sent again, X012 sent two days late:
    in a test on the day CB-DT01 is assigned (``factories.ON_ASSIGNMENT_DAY``; due 20/12/2026)."""
    signed_in(app, "x011")
    signed_in(app, "h01")
    assert login(app.test_client(), "h01", PASSWORD).status_code == 302
    login(app.test_client(), "x011", "sai-mật-khẩu")  # a failed login is not a login
    with app.app_context():
        account = db.session.query(Account).filter_by(username="x012").one()
        accounts.set_password(db.session, account, PASSWORD, one_time=False)
        db.session.commit()
    api_token(app.test_client(), "x012", PASSWORD)
    with app.app_context():
        _fill("X011")
        _act_comment("X011", "return", "h01", "Thiếu số liệu")
        _act("X011", "submit", "x011")
        report = _report("X012")
        assert entry.save(db.session, report, VALUES["X012"]) == {}
        db.session.commit()
        back = datetime.now(timezone.utc)
        now.move_to(datetime.combine(report.deadline + timedelta(days=2), datetime.min.time()))
        _act("X012", "submit", "x012")
        now.move_to(back)


def _act_comment(code, action, username, comment):
    from workflows import transition

    transition(db.session, _report(code), action, db.session.query(Account).filter_by(username=username).one(),
               comment)
    db.session.commit()


@factories.ON_ASSIGNMENT_DAY
def test_usage_counts_logins_submissions_and_on_time_rate_per_unit(cb, now):
    _activity(cb, now)
    leader = signed_in(cb, "lanhdao-04", roles.VIEWER, "04")
    rows = _rows(leader.get(f"/usage/export.csv?{RANGE}"))
    # logins, submissions, reports sent, sent on time, on-time rate
    assert rows["X011"] == ["1", "2", "1", "1", "100.0"]
    assert rows["X012"] == ["1", "1", "1", "0", "0.0"]
    assert rows["H01"] == ["2", "0", "0", "0", ""]
    assert rows["04"][:2] == ["1", "0"]  # the leader's own login
    assert rows["X021"] == ["0", "0", "0", "0", ""]
    page = leader.get(f"/usage/?{RANGE}").get_data(as_text=True)
    assert "Xã Lũng Nặm" in page and "usage-yearly" not in page  # the yearly report is the admin's
    before = _rows(leader.get("/usage/export.csv?start=2025-01-01&end=2025-12-31"))
    assert before["X011"] == ["0", "0", "0", "0", ""]


@factories.ON_ASSIGNMENT_DAY
def test_a_leader_sees_only_the_usage_of_the_subtree(cb, now):
    _activity(cb, now)
    leader = signed_in(cb, "lanhdao-h01", roles.VIEWER, "H01")
    rows = _rows(leader.get(f"/usage/export.csv?{RANGE}"))
    assert set(rows) == {"H01", "X011", "X012"}
    assert leader.get(f"/usage/?unit=H02&{RANGE}").status_code == 404
    assert leader.get(f"/usage/export.csv?unit=04&{RANGE}").status_code == 404
    assert leader.post("/usage/yearly", data={"year": "2026"}).status_code in (302, 403)
    assert not usage_file(cb, 2026).exists()


def usage_file(app, year):
    with app.app_context():
        return usage.report_path(year)


@factories.ON_ASSIGNMENT_DAY
def test_the_yearly_report_is_written_whole_or_not_at_all(cb, now, monkeypatch):
    _activity(cb, now)
    target = usage_file(cb, 2026)
    real = tabular.write_xlsx

    def breaks_halfway(path, *args):
        with open(path, "wb") as half:
            half.write(b"PK\x03\x04 half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(tabular, "write_xlsx", breaks_halfway)
    with cb.app_context(), pytest.raises(OSError):
        usage.yearly_report(2026)
    assert not target.exists() and not list(target.parent.glob("*.tmp"))
    monkeypatch.setattr(tabular, "write_xlsx", real)

    client = cb.test_client()
    with cb.app_context():
        sm = cb.appbuilder.sm
        sm.add_user("admin", "Quản trị", "hệ thống", "admin@example.vn", sm.find_role(sm.auth_role_admin),
                    password=ADMIN_PASSWORD)
    assert login(client, "admin", ADMIN_PASSWORD).status_code == 302
    assert "usage-yearly" in client.get("/usage/").get_data(as_text=True)
    assert client.post("/usage/yearly", data={"year": "2026"}).status_code == 302
    if jobs.runner(cb).mode == "redis":  # queued: run it as `baocao worker --burst` would
        from core.platform.worker import AppSimpleWorker, make_worker

        make_worker(cb, AppSimpleWorker).work(burst=True)
    assert target.exists()
    sheet = openpyxl.load_workbook(target).active
    values = {r[0]: r for r in sheet.iter_rows(values_only=True)}
    assert values["Mã"][:3] == ("Mã", "Đơn vị", "Cấp")
    assert values["X011"][3:7] == (1, 2, 1, 1) and values["X012"][3:7] == (1, 1, 1, 0)
    download = client.get("/usage/yearly/2026")
    assert download.status_code == 200 and download.data == target.read_bytes()


def test_the_yearly_report_is_scheduled_for_15_december(cb):
    from croniter import croniter

    with cb.app_context():
        job = next(j for j in jobs.scheduled(cb) if j.name == "core.usage_yearly")
    assert job.func == "core.analytics.usage:yearly_report"
    assert croniter.match(job.cron, datetime(2026, 12, 15, 6, 0))
    assert not croniter.match(job.cron, datetime(2026, 12, 31, 6, 0))


def test_without_a_range_the_screen_shows_this_year_up_to_today_in_the_province(cb):
    today = (datetime.now(timezone.utc) + timedelta(hours=7)).date()  # Vietnam's wall calendar
    page = signed_in(cb, "lanhdao-04", roles.VIEWER, "04").get("/usage/").get_data(as_text=True)
    assert f'name="start" value="{today.year}-01-01"' in page and f'name="end" value="{today.isoformat()}"' in page
