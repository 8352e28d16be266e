"""Maintenance notices (S3): announced on every page from the province's lead time before they start
(24 h by QN-R Đ14.6 and core, 48 h by HN Đ8.5), emergencies at once, gone after the end; API answers
carry the window in a header."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.platform import clock, plugin_admin
from core.operations import maintenance
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.operations.models.backup import MaintenanceNotice
from tests.conftest import ADMIN_PASSWORD, login

#: Lead times and windows in the province's time, from whatever day it is (across midnight, the year's end).
pytestmark = pytest.mark.calendar

MESSAGE = "Nâng cấp máy chủ cơ sở dữ liệu"
NOW = clock.utcnow().replace(microsecond=0)


@pytest.fixture
def fresh(make_app):
    """An app that re-reads plugins and notices at every request, as it does every two seconds."""
    return make_app(PLUGIN_REFRESH_SECONDS=0)


def _notice(app, starts_in: float, hours: float = 2, emergency: bool = False) -> MaintenanceNotice:
    with app.app_context():
        notice = MaintenanceNotice(starts_at=NOW + timedelta(hours=starts_in),
                                   ends_at=NOW + timedelta(hours=starts_in + hours), message=MESSAGE,
                                   emergency=emergency, created_by="admin", created_at=NOW)
        db.session.add(notice)
        db.session.commit()
        db.session.refresh(notice)
        db.session.expunge(notice)
        return notice


def _at(monkeypatch, hours: float) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: NOW + timedelta(hours=hours))


def _banner(app) -> bool:
    page = app.test_client().get("/login/").get_data(as_text=True)
    return MESSAGE in page


def _enable(app, name):
    with app.app_context():
        plugin_admin.set_enabled(db.session, name, True)
        db.session.commit()


def test_core_announces_24_hours_before_the_start(fresh, monkeypatch):
    _notice(fresh, starts_in=30)
    _at(monkeypatch, 0)
    assert not _banner(fresh)  # 30 h before: not yet
    _at(monkeypatch, 6.5)
    assert _banner(fresh)      # 23.5 h before


def test_ha_noi_announces_48_hours_before_the_start(fresh, monkeypatch):
    _enable(fresh, "ha_noi")
    _notice(fresh, starts_in=47)
    _at(monkeypatch, 0)
    assert _banner(fresh)
    _enable(fresh, "quang_ngai_baocao")  # Quảng Ngãi reporting: 24 h
    with fresh.app_context():
        plugin_admin.set_enabled(db.session, "ha_noi", False)
        db.session.commit()
    assert not _banner(fresh)


def test_an_emergency_shows_at_once_and_every_notice_goes_after_its_end(fresh, monkeypatch):
    _notice(fresh, starts_in=0.5, emergency=True)
    _at(monkeypatch, 0)
    page = fresh.test_client().get("/login/").get_data(as_text=True)
    assert MESSAGE in page and "alert-danger" in page
    _at(monkeypatch, 2.6)
    assert not _banner(fresh)


def test_api_answers_carry_the_window_in_a_header(fresh, monkeypatch):
    notice = _notice(fresh, starts_in=10)
    _at(monkeypatch, 0)
    client = fresh.test_client()
    resp = client.get("/api/v1/unit/")
    expected = f"{notice.starts_at.isoformat()}Z/{notice.ends_at.isoformat()}Z"
    assert resp.headers[maintenance.HEADER] == expected
    assert maintenance.HEADER not in client.get("/login/").headers  # pages show the banner instead
    _at(monkeypatch, 12.5)
    assert maintenance.HEADER not in client.get("/api/v1/unit/").headers


def test_each_process_rereads_notices_with_its_plugin_state_not_at_every_request(make_app, monkeypatch):
    app, admin_screen = make_app(PLUGIN_REFRESH_SECONDS=60), make_app()
    _at(monkeypatch, 0)
    assert not _banner(app)   # read now: nothing
    _notice(admin_screen, starts_in=1)
    assert not _banner(app)   # the cached answer, no query
    maintenance.forget(app)
    assert _banner(app)


def test_a_page_costs_the_same_statements_whether_or_not_the_notices_are_re_read(fresh, monkeypatch):
    from sqlalchemy import event

    _notice(fresh, starts_in=1)
    client = fresh.test_client()
    with fresh.app_context():
        engine = db.engine
    seen = []
    listener = lambda conn, cursor, sql, *args: seen.append(sql)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get("/login/")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert sum("from maintenance_notice" in s.lower() for s in seen) == 1  # with plugin_state, before the page
    assert sum("from plugin_state" in s.lower() for s in seen) == 1


def test_a_planned_notice_with_the_lead_time_is_accepted_unticked(app, admin):
    client = app.test_client()
    login(client, "admin", ADMIN_PASSWORD)
    start = clock.utcnow() + timedelta(hours=7 + 30)  # 30 h ahead, in province time
    resp = client.post("/maintenance/add", data={"starts_at": start.strftime("%Y-%m-%d %H:00:00"),
                                                 "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%d %H:00:00"),
                                                 "message": MESSAGE})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.app_context():
        notice = db.session.execute(select(MaintenanceNotice)).scalar_one()
        assert notice.emergency is False


def test_the_admin_announces_in_province_time_and_planned_work_needs_the_lead_time(app, admin):
    client = app.test_client()
    login(client, "admin", ADMIN_PASSWORD)
    soon = clock.utcnow() + timedelta(hours=10)
    local = (soon + timedelta(hours=7)).strftime("%Y-%m-%d %H:00:00")
    local_end = (soon + timedelta(hours=9)).strftime("%Y-%m-%d %H:00:00")
    form = {"starts_at": local, "ends_at": local_end, "message": MESSAGE}
    client.post("/maintenance/add", data=form)
    with app.app_context():
        assert db.session.execute(select(MaintenanceNotice)).scalar() is None  # 10 h < 24 h: refused
    client.post("/maintenance/add", data={**form, "emergency": "y"})
    with app.app_context():
        notice = db.session.execute(select(MaintenanceNotice)).scalar_one()
        assert notice.emergency and notice.created_by == "admin"
        assert notice.starts_at == soon.replace(minute=0, second=0, microsecond=0)  # stored in UTC
        assert db.session.execute(select(AuditEntry).where(AuditEntry.object_type == "MaintenanceNotice")).scalar()
    assert MESSAGE in client.get("/").get_data(as_text=True)
    listing = client.get("/maintenance/list/").get_data(as_text=True)
    assert (soon + timedelta(hours=7)).strftime("%d/%m/%Y %H:00") in listing
