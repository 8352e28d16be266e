"""S4: every technical incident and its handling is recorded by the system administrator, classified by
impact, audited (S5), filtered on screen and exported to CSV for Excel."""
from __future__ import annotations

import csv
import io
import json

from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.operations.models.incident import Incident
from tests import factories
from tests.conftest import login

INCIDENT = {
    "occurred_at": "2026-11-20 07:30:00", "detected_at": "2026-11-20 07:45:00",
    "title": "Mất kết nối cơ sở dữ liệu", "description": "Máy chủ CSDL khởi động lại.",
    "impact": "high", "category": "hạ tầng", "actions_taken": "Khởi động lại dịch vụ.",
    "resolution": "", "resolved_at": "", "reported_by": "", "status": "open",
}


def _label(app, impact: str) -> str:
    """The impact's label in the interface language (Vietnamese: thấp … nghiêm trọng)."""
    from flask_babel import force_locale

    from core.operations.views.incidents import IMPACT_LABELS

    with app.test_request_context(), force_locale("vi"):
        return str(IMPACT_LABELS[impact])


def _admin(app, admin):
    client = app.test_client()
    assert login(client, "admin", admin["password"]).status_code == 302
    return client


def test_an_incident_is_recorded_classified_and_audited(app, admin):
    client = _admin(app, admin)
    resp = client.post("/incidents/add", data=INCIDENT)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    with app.app_context():
        incident = db.session.query(Incident).one()
        assert (incident.impact, incident.status, incident.reported_by) == ("high", "open", "admin")
        created = db.session.query(AuditEntry).filter_by(object_type="Incident", action="create").one()
        assert created.actor == "admin" and json.loads(created.changes)["title"] == INCIDENT["title"]
        pk = incident.id

    resp = client.post(f"/incidents/edit/{pk}", data={**INCIDENT, "status": "resolved",
                                                       "resolution": "Đã khắc phục."})
    assert resp.status_code == 302
    with app.app_context():
        incident = db.session.get(Incident, pk)
        assert incident.status == "resolved" and incident.resolved_at is not None
        update = db.session.query(AuditEntry).filter_by(object_type="Incident", action="update").one()
        assert json.loads(update.changes)["status"] == ["open", "resolved"]


def test_the_list_shows_impact_in_vietnamese_and_filters_by_impact(app, admin):
    client = _admin(app, admin)
    for title, impact in (("Sự cố nhẹ", "low"), ("Sự cố nghiêm trọng", "critical")):
        assert client.post("/incidents/add", data={**INCIDENT, "title": title, "impact": impact}).status_code == 302
    page = client.get("/incidents/list/").get_data(as_text=True)
    assert _label(app, "critical") in page and _label(app, "low") in page  # nghiêm trọng, thấp
    filtered = client.get("/incidents/list/?_flt_0_impact=critical").get_data(as_text=True)
    assert "Sự cố nghiêm trọng" in filtered and "Sự cố nhẹ" not in filtered


def test_csv_export_is_utf8_with_bom_and_keeps_the_filters(app, admin):
    client = _admin(app, admin)
    for title, impact in (("Sự cố nhẹ", "low"), ("Tấn công từ chối dịch vụ", "critical")):
        client.post("/incidents/add", data={**INCIDENT, "title": title, "impact": impact})
    resp = client.get("/incidents/export.csv?_flt_0_impact=critical")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][2] == "Tấn công từ chối dịch vụ" and rows[1][3] == _label(app, "critical")
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="incidents.export").count() == 1


def test_only_the_system_administrator_sees_the_incident_log(app, admin):
    with app.app_context():
        one_time, _ids = factories.cao_bang_reports(codes=("04",))
    client = app.test_client()
    factories.first_login(client, "04", one_time["04"])
    assert client.get("/incidents/list/").status_code in (302, 403)
    assert client.get("/incidents/export.csv").status_code in (302, 403)
    assert "incidents" not in client.get("/").get_data(as_text=True)
