"""Dates and times on the admin screens: typed in Vietnam time, stored in UTC, shown in Vietnam time.

FAB's date picker turned "2026-12-08 22:00" into a date without its time and the form answered
"Not a valid datetime value."; the fields are now a text box of "dd/mm/yyyy HH:MM" with a Vietnamese
picker (flatpickr), and the server also reads the ISO forms a script sends.
"""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from core.operations.models.backup import MaintenanceNotice
from core.operations.models.incident import Incident
from core.platform.datetimes import parse_local
from core.platform.extensions import db
from tests.conftest import ADMIN_PASSWORD, login

MESSAGE = "Nâng cấp máy chủ cơ sở dữ liệu"


@pytest.fixture
def client(app, admin):
    client = app.test_client()
    login(client, "admin", ADMIN_PASSWORD)
    return client


@pytest.mark.parametrize("typed", ["2026-12-08T22:00", "08/12/2026 22:00", "8/12/2026 22:00:00", "2026-12-08 22:00"])
def test_a_notice_typed_at_22_00_vietnam_time_is_stored_at_15_00_utc_and_shown_at_22_00(app, client, typed):
    resp = client.post("/maintenance/add", data={"starts_at": typed, "ends_at": "09/12/2026 01:30",
                                                 "message": MESSAGE})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.app_context():
        notice = db.session.execute(select(MaintenanceNotice)).scalar_one()
        assert (notice.starts_at, notice.ends_at) == (datetime(2026, 12, 8, 15, 0), datetime(2026, 12, 8, 18, 30))
        pk = notice.id
    assert "08/12/2026 22:00" in client.get("/maintenance/list/").get_data(as_text=True)
    edit = client.get(f"/maintenance/edit/{pk}").get_data(as_text=True)
    assert 'data-datetime="1"' in edit and 'value="08/12/2026 22:00"' in edit  # edited on the same clock


def test_an_unreadable_time_is_refused_in_vietnamese_and_what_was_typed_stays(app, client):
    page = client.post("/maintenance/add", data={"starts_at": "8 tháng 12", "ends_at": "09/12/2026 01:30",
                                                 "message": MESSAGE}).get_data(as_text=True)
    assert "Nhập ngày giờ theo dạng NN/TT/NNNN GG:PP" in page and "Not a valid datetime" not in page
    assert MESSAGE in page and 'value="09/12/2026 01:30"' in page
    with app.app_context():
        assert db.session.execute(select(MaintenanceNotice)).scalar() is None


def test_an_incident_is_recorded_in_vietnam_time(app, client):
    resp = client.post("/incidents/add", data={
        "occurred_at": "20/11/2026 07:30", "detected_at": "2026-11-20T07:45", "title": "Mất kết nối",
        "impact": "high", "category": "mạng", "description": "Đứt cáp quang", "actions_taken": "",
        "resolution": "", "resolved_at": "", "reported_by": "", "status": "open"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.app_context():
        incident = db.session.execute(select(Incident)).scalar_one()
        assert (incident.occurred_at, incident.detected_at) == (datetime(2026, 11, 20, 0, 30),
                                                                datetime(2026, 11, 20, 0, 45))
        assert incident.resolved_at is None
    assert "20/11/2026 07:30" in client.get("/incidents/list/").get_data(as_text=True)


def test_the_formats_a_person_types_are_read_and_nothing_else():
    assert parse_local("08/12/2026 22:00") == datetime(2026, 12, 8, 22, 0)
    assert parse_local(" 08/12/2026   22:00 ") == datetime(2026, 12, 8, 22, 0)
    assert parse_local("08/12/2026 22:00") == datetime(2026, 12, 8, 22, 0)
    for wrong in ("", "08/12/2026", "31/02/2026 10:00", "22:00", "2026-12-08T25:00", "12/08/2026 22:00 PM"):
        assert parse_local(wrong) is None, wrong
