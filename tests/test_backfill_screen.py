"""W7 on screen and over the API: after an outage the system administrator records a paper report as
received at its real time; it is submitted as of that time, flagged, and the normal review goes on.
Anything wrong is said next to its field, in the user's language, and nothing is saved."""
from __future__ import annotations

import html
import io
import json
from datetime import datetime

import pytest
from flask_babel import gettext

from core.platform.extensions import db
from core.reporting.models import Attachment, Report, ReportValue, Transition
from core.platform.models.audit import AuditEntry
from tests import factories
from tests.conftest import api_token, login

FILLED = {"households": "120", "population": "500", "poor_households": "20"}
#: The day after CB-DT01's deadline (20/12/2026), 15:00 in the province: the outage is over.
pytestmark = [pytest.mark.at("2026-12-21T15:00:00+07:00"), pytest.mark.calendar]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def cb(app, admin):
    with app.app_context():
        one_time, ids = factories.cao_bang_reports()
    return {"app": app, "one_time": one_time, "reports": ids, "admin": admin}


def _admin(cb):
    client = cb["app"].test_client()
    assert login(client, "admin", cb["admin"]["password"]).status_code == 302
    return client


def _unit(cb, username):
    client = cb["app"].test_client()
    factories.first_login(client, username, cb["one_time"][username])
    return client


def _text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def _said(cb, msgid: str) -> str:
    """The message as the app says it to a user (Vietnamese once the catalogue carries it)."""
    with cb["app"].test_request_context():
        return gettext(msgid)


def _post(client, pk, received="19/12/2026 09:30", note="Mất điện 3 ngày, xã gửi bản giấy có chữ ký",
          scan=True, **values):
    data = {"_received_at": received, "_note": note, **FILLED, **values}
    if scan:
        data["_scan"] = (io.BytesIO(PNG), "bien-ban.png")
    return client.post(f"/backfill/{pk}", data=data, content_type="multipart/form-data")


def _nothing_saved(cb, code="X011"):
    with cb["app"].app_context():
        report = db.session.get(Report, cb["reports"][code])
        assert (report.state, report.backfilled, report.received_at) == ("draft", False, None)
        assert db.session.query(Attachment).filter_by(report_id=report.id).count() == 0
        assert db.session.query(ReportValue).filter_by(report_id=report.id).count() == 0
        assert db.session.query(Transition).filter_by(report_id=report.id).count() == 0


def test_the_admin_finds_reports_not_yet_sent_by_unit_in_one_query(cb):
    from sqlalchemy import event

    client = _admin(cb)
    page = _text(client.get("/backfill/?unit=X011"))
    assert f"/backfill/{cb['reports']['X011']}" in page and f"/backfill/{cb['reports']['X012']}" not in page
    page = _text(client.get("/backfill/?unit=Lũng"))
    assert f"/backfill/{cb['reports']['X012']}" in page and f"/backfill/{cb['reports']['X011']}" not in page
    statements = []
    with cb["app"].app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        if "from report" in statement.lower():
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/backfill/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # the page (six open reports), and the form and period choices: none per row
    assert len(statements) == 3, statements


@pytest.mark.parametrize("change, field, msgid", [
    ({"received": "21/12/2026 16:00"}, "received_at", "The receipt time cannot be in the future."),
    ({"received": "19/12/2026"}, "received_at",
     "Enter the date and time as DD/MM/YYYY HH:MM, for example 19/12/2026 09:30."),
    ({"note": "  "}, "note", "Say why the report arrived outside the system."),
    ({"scan": False}, "scan", "Attach the signed scan of the paper report."),
    ({"households": "-5"}, "households", None),
])
def test_a_mistake_is_said_next_to_its_field_and_nothing_is_saved(cb, change, field, msgid):
    client = _admin(cb)
    pk = cb["reports"]["X011"]
    resp = _post(client, pk, **change)
    assert resp.status_code == 422
    page = _text(resp)
    box = page.split(f'id="field-{field.replace("_", "-")}"', 1)[1].split('<div class="form-group', 1)[0]
    assert "has-error" in page.split(f'id="field-{field.replace("_", "-")}"', 1)[0][-80:]
    if msgid:
        assert _said(cb, msgid) in box
    else:
        assert "help-block entry-msg" in box  # the entry page's own message for a value out of range
    assert 'name="csrf_token"' in page
    assert "Mất điện 3 ngày" in page or change.get("note")  # what was typed comes back
    assert 'value="500"' in page
    _nothing_saved(cb)


def test_a_broken_scan_is_refused_after_the_checks_and_nothing_is_saved(cb):
    client = _admin(cb)
    pk = cb["reports"]["X011"]
    resp = client.post(f"/backfill/{pk}", data={"_received_at": "19/12/2026 09:30", "_note": "Mất điện", **FILLED,
                                                "_scan": (io.BytesIO(b"not an image"), "x.txt")},
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    assert _said(cb, "Only PDF, JPEG and PNG files can be attached.") in _text(resp)
    _nothing_saved(cb)


def test_the_admin_records_a_paper_report_sent_as_of_its_receipt(cb):
    client = _admin(cb)
    pk = cb["reports"]["X011"]
    resp = _post(client, pk)
    assert resp.status_code == 302, _text(resp)
    assert resp.headers["Location"].endswith(f"/reports/{pk}/entry")
    received = datetime(2026, 12, 19, 2, 30)  # 09:30 in the province is 02:30 UTC
    with cb["app"].app_context():
        report = db.session.get(Report, pk)
        assert (report.state, report.level, report.backfilled) == ("submitted", "district", True)
        assert report.received_at == report.submitted_at == received
        assert report.late is False  # judged on the receipt (deadline 20/12), not on today (21/12)
        assert db.session.query(Attachment).filter_by(report_id=pk).count() == 1
        assert db.session.query(ReportValue).filter_by(report_id=pk).count() == 3
        entry_ = db.session.query(AuditEntry).filter_by(action="report.backfill", object_id=str(pk)).one()
        assert entry_.actor == "admin"
        row = db.session.query(Transition).filter_by(report_id=pk).one()
        assert row.action == "submit" and "19/12/2026 09:30" in row.comment and "Mất điện 3 ngày" in row.comment
    page = _text(client.get(f"/reports/{pk}/entry"))
    assert 'id="entry-backfilled"' in page and "history-backfilled" in page
    assert _said(cb, "Entered after an outage") in page
    assert _said(cb, "sent on time") in page
    # The report is gone from the list of reports still to be sent, and cannot be recorded twice.
    assert f"/backfill/{pk}\"" not in _text(client.get("/backfill/"))
    assert _post(client, pk).status_code == 302  # back to the entry page, with a warning
    with cb["app"].app_context():
        assert db.session.query(Transition).filter_by(report_id=pk).count() == 1


def test_a_late_paper_report_stays_late(cb, now):
    now.move_to("2026-12-28T15:00:00+07:00")
    client = _admin(cb)
    pk = cb["reports"]["X012"]
    assert _post(client, pk, received="23/12/2026 10:00").status_code == 302
    with cb["app"].app_context():
        report = db.session.get(Report, pk)
        assert report.late is True and report.submitted_at == datetime(2026, 12, 23, 3, 0)


@pytest.mark.parametrize("username", ["x011", "h01", "04"])
def test_only_the_system_administrator_reaches_the_backfill_screen(cb, username):
    client = _unit(cb, username)
    pk = cb["reports"]["X011"]
    for method, url in (("GET", "/backfill/"), ("GET", f"/backfill/{pk}"), ("POST", f"/backfill/{pk}")):
        resp = client.open(url, method=method, data={"_received_at": "19/12/2026 09:30", "_note": "x", **FILLED})
        assert resp.status_code in (302, 403, 404), (method, url, resp.status_code)
        assert "/login" in resp.headers.get("Location", "/login") or resp.status_code != 302
    _nothing_saved(cb)
    token = api_token(client, username, factories.NEW_PASSWORD)
    resp = client.post(f"/api/v1/report/{pk}/backfill", headers={"Authorization": f"Bearer {token}"},
                       data={"values": json.dumps(FILLED), "received_at": "2026-12-19T09:30:00+07:00",
                             "note": "x", "file": (io.BytesIO(PNG), "scan.png")},
                       content_type="multipart/form-data")
    assert resp.status_code in (403, 404)
    _nothing_saved(cb)


# --- the API -----------------------------------------------------------------------------------


def _api(cb):
    client = cb["app"].test_client()
    token = api_token(client, "admin", cb["admin"]["password"])
    return client, {"Authorization": f"Bearer {token}"}


def _api_post(client, headers, pk, scan=True, **parts):
    data = {"values": json.dumps(FILLED), "received_at": "2026-12-19T09:30:00+07:00",
            "note": "Mất điện, xã gửi bản giấy", **parts}
    if scan:
        data["file"] = (io.BytesIO(PNG), "scan.png")
    return client.post(f"/api/v1/report/{pk}/backfill", headers=headers, data=data,
                       content_type="multipart/form-data")


def test_an_integrator_records_a_paper_report_over_the_api(cb):
    client, headers = _api(cb)
    pk = cb["reports"]["X011"]
    resp = _api_post(client, headers, pk)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["state"], body["level"], body["backfilled"]) == ("submitted", "district", True)
    assert body["submitted_at"] == body["received_at"] == "2026-12-19T02:30:00"
    history = client.get(f"/api/v1/report/{pk}", headers=headers).get_json()["result"]["history"]
    assert [h["action"] for h in history] == ["submit"]
    assert _api_post(client, headers, pk).status_code == 409  # already sent


def test_the_api_names_every_wrong_part_and_saves_nothing(cb):
    client, headers = _api(cb)
    pk = cb["reports"]["X011"]
    resp = _api_post(client, headers, pk, scan=False, received_at="2026-12-22T09:00:00Z", note="",
                     values=json.dumps({**FILLED, "households": "-1"}))
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert set(errors) == {"received_at", "note", "file", "values"} and "households" in errors["values"]
    resp = _api_post(client, headers, pk, received_at="hôm qua", values="[1]")
    assert set(resp.get_json()["errors"]) == {"received_at", "values"}
    _nothing_saved(cb)
    assert _api_post(client, headers, 999999).status_code == 404
