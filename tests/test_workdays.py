"""Working days (A8): weekends, Vietnam's holidays with lunar Tết, the government's make-up Saturdays,
a province plugin's own days and the administrator's entries, answered by one function."""
from __future__ import annotations

from datetime import date
from types import ModuleType

import pytest

from core.contracts import CalendarDay
from core.hookspecs import hookimpl
from core.platform import workdays
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.platform.models.calendar import WorkingCalendarDay
from tests import factories
from tests.conftest import login

pytestmark = pytest.mark.calendar


@pytest.mark.parametrize("received, due", [
    (date(2026, 2, 13), date(2026, 2, 23)),   # Friday before Tết Bính Ngọ: the break ends on Sunday 22/2
    (date(2026, 2, 14), date(2026, 2, 23)),   # a Saturday: the first working day
    (date(2026, 8, 21), date(2026, 8, 22)),   # Saturday 22/8/2026 is worked for the day off on 31/8
    (date(2026, 4, 24), date(2026, 4, 28)),   # Giỗ Tổ Hùng Vương on Sunday 26/4, observed on Monday 27/4
    (date(2026, 12, 31), date(2027, 1, 4)),   # New Year's Day across the year
    (date(2026, 11, 10), date(2026, 11, 11)),
])
def test_one_working_day_after(app, received, due):
    with app.app_context():
        assert workdays.add_working_days(db.session, received, 1) == due


def test_counting_several_days_and_between(app):
    with app.app_context():
        assert workdays.add_working_days(db.session, date(2026, 2, 12), 3) == date(2026, 2, 24)
        assert workdays.working_days_between(db.session, date(2026, 2, 13), date(2026, 2, 23)) == 1
        assert workdays.working_days_between(db.session, date(2026, 2, 23), date(2026, 2, 13)) == 0
        with pytest.raises(ValueError):
            workdays.add_working_days(db.session, date(2026, 2, 13), 0)


def test_a_province_plugin_adds_its_own_day_off(app):
    plugin = ModuleType("province_days")

    @hookimpl
    def calendar_days(year):
        return [CalendarDay(date(year, 3, 24), working=False, name="Ngày giải phóng tỉnh")]

    plugin.calendar_days = calendar_days
    with app.app_context():
        before = workdays.add_working_days(db.session, date(2026, 3, 23), 1)
        manager = app.extensions["baocao.plugins"]
        manager.pm.register(plugin, name="province_days")
        workdays._hook_cache.clear()
        try:
            assert (before, workdays.add_working_days(db.session, date(2026, 3, 23), 1)) == (
                date(2026, 3, 24), date(2026, 3, 25))
        finally:
            manager.pm.unregister(plugin)
            workdays._hook_cache.clear()


def test_the_administrator_enters_a_make_up_saturday_and_an_extra_day_off(app, admin):
    web = app.test_client()
    assert login(web, admin["username"], admin["password"]).status_code == 302
    page = web.get("/working-calendar/list/?year=2026").get_data(as_text=True)
    assert "Giao thừa Tết Nguyên Đán" in page and "16/02/2026" in page  # the national calendar, in Vietnamese
    assert web.get("/working-calendar/add").status_code == 200
    for day, working, name in (("2026-12-05", "1", "Làm bù theo Thông báo 01/TB-UBND"),
                               ("2026-12-07", "0", "Nghỉ bù ngày thành lập tỉnh")):
        resp = web.post("/working-calendar/add", data={"day": day, "working": working,
                                                       "name": name})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:800]
    with app.app_context():
        assert workdays.add_working_days(db.session, date(2026, 12, 4), 1) == date(2026, 12, 5)
        assert workdays.add_working_days(db.session, date(2026, 12, 5), 1) == date(2026, 12, 8)
        rows = db.session.query(WorkingCalendarDay).order_by(WorkingCalendarDay.day).all()
        assert [(r.working, r.created_by) for r in rows] == [(True, "admin"), (False, "admin")]
        assert db.session.query(AuditEntry).filter_by(object_type="WorkingCalendarDay").count() == 2
    page = web.get("/working-calendar/list/?year=2026").get_data(as_text=True)
    assert "05/12/2026" in page and "Ngày làm việc (làm bù)" in page
    bad = web.post("/working-calendar/add", data={"day": "2026-12-05", "working": "0",
                                                  "name": "lần hai"})
    assert bad.status_code in (200, 422)  # the same day twice: refused on the form, nothing written
    with app.app_context():
        assert db.session.query(WorkingCalendarDay).count() == 2


def test_only_the_system_administrator_edits_the_calendar(app):
    with app.app_context():
        factories.province()
        username, one_time = factories.issue("04")
    web = app.test_client()
    factories.first_login(web, username, one_time)
    assert web.get("/working-calendar/list/").status_code in (302, 403, 404)
    assert web.post("/working-calendar/add", data={"day": "2026-12-05", "working": "1", "name": "x"}).status_code \
        in (302, 400, 403, 404)
    with app.app_context():
        assert db.session.query(WorkingCalendarDay).count() == 0
