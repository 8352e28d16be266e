"""Maintenance notices scripted by operators (S3): `baocao maintenance add|list|cancel` and
`/api/v1/maintenance/`, with the screen's rules (lead time, end after start), one-line CLI refusals,
422s naming the field, the banner and header on at once, and every change in the audit log."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core.operations.models.backup import MaintenanceNotice
from core.platform import clock
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.testing import api_token
from tests.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.calendar
MESSAGE = "Nâng cấp máy chủ cơ sở dữ liệu"


def _province(hours: float) -> str:
    """The province's wall-clock time ``hours`` from now, as an operator types it (no offset)."""
    return (clock.utcnow() + timedelta(hours=hours + 7)).strftime("%Y-%m-%dT%H:%M")


def _rows(app) -> list[tuple]:
    with app.app_context():
        return [(n.message, n.emergency, n.created_by) for n in db.session.query(MaintenanceNotice).order_by("id")]


def test_the_cli_announces_lists_and_cancels_with_the_screens_rules(make_app, cli):
    app = make_app(PLUGIN_REFRESH_SECONDS=0)
    early = cli("maintenance", "add", "--start", _province(3), "--end", _province(5), "--message", MESSAGE)
    assert early.exit_code == 1
    assert early.output.strip().splitlines() == [
        "Error: starts_at: Việc bảo trì, nâng cấp theo kế hoạch phải được thông báo trước thời điểm bắt đầu ít nhất "
        "24 giờ. Đánh dấu là khẩn cấp để thông báo ngay."]
    backwards = cli("maintenance", "add", "--start", _province(30), "--end", _province(29), "--message", MESSAGE)
    assert backwards.exit_code == 1 and "ends_at: Thời điểm kết thúc bảo trì phải sau thời điểm bắt đầu." in backwards.output
    garbled = cli("maintenance", "add", "--start", "mai", "--end", _province(29), "--message", MESSAGE)
    assert garbled.exit_code == 1 and "--start: not a date and time" in garbled.output
    assert _rows(app) == []  # nothing half-written

    planned = cli("maintenance", "add", "--start", _province(30), "--end", _province(32), "--message", "Kế hoạch")
    urgent = cli("maintenance", "add", "--start", _province(1), "--end", _province(2), "--message", MESSAGE,
                 "--emergency")
    assert planned.exit_code == 0 and urgent.exit_code == 0, planned.output + urgent.output
    urgent_id = int(urgent.output.split("\t")[0])
    assert urgent.output.split("\t")[1] == _province(1) + "+07:00"  # typed as the province's time
    listed = [line.split("\t") for line in cli("maintenance", "list").output.splitlines()]
    assert listed[0] == ["id", "starts", "ends", "kind", "shown", "message"]
    assert [(row[3], row[4], row[5]) for row in listed[1:]] == [("emergency", "yes", MESSAGE), ("planned", "no", "Kế hoạch")]
    page = app.test_client().get("/login/").get_data(as_text=True)
    assert MESSAGE in page  # the banner, at once

    assert cli("maintenance", "cancel", str(urgent_id)).output.strip() == f"cancelled {urgent_id}"
    assert MESSAGE not in app.test_client().get("/login/").get_data(as_text=True)
    missing = cli("maintenance", "cancel", str(urgent_id))
    assert missing.exit_code == 1 and missing.output.strip() == f"Error: no maintenance notice {urgent_id}"
    with app.app_context():
        trail = [(e.action, e.actor) for e in db.session.query(AuditEntry).filter(
            AuditEntry.object_type == "MaintenanceNotice").order_by(AuditEntry.seq)]
    assert [action for action, _ in trail] == ["create", "create", "delete"]
    assert all(actor.startswith("cli:") for _, actor in trail)


def test_the_api_announces_lists_and_cancels_for_the_system_administrator_only(make_app, admin):
    app = make_app(PLUGIN_REFRESH_SECONDS=0)
    web = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(web, 'admin', ADMIN_PASSWORD)}"}
    url = "/api/v1/maintenance/"

    refused = web.post(url, headers=headers, json={"starts_at": _province(3), "ends_at": _province(5), "message": MESSAGE})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["starts_at"]
    assert "24 giờ" in refused.get_json()["errors"]["starts_at"][0]  # in the account's language
    for body, field in (({"starts_at": "hôm nay", "ends_at": _province(30), "message": MESSAGE}, "starts_at"),
                        ({"starts_at": _province(30), "ends_at": _province(31), "message": " "}, "message"),
                        ({"starts_at": _province(30), "ends_at": _province(31), "message": MESSAGE, "emergency": "có"},
                         "emergency"),
                        ({"starts_at": _province(30), "ends_at": 5, "message": MESSAGE}, "ends_at")):
        resp = web.post(url, headers=headers, json=body)
        assert resp.status_code == 422 and field in resp.get_json()["errors"], (body, resp.get_json())
    assert _rows(app) == []

    start = (clock.utcnow() + timedelta(hours=1)).replace(microsecond=0)
    made = web.post(url, headers=headers, json={"starts_at": start.isoformat() + "+00:00",
                                                "ends_at": (start + timedelta(hours=2)).isoformat() + "Z",
                                                "message": MESSAGE, "emergency": True})
    assert made.status_code == 201, made.get_json()
    notice = made.get_json()["result"]
    assert (notice["starts_at"], notice["shown_now"], notice["created_by"]) == (start.isoformat() + "Z", True, "admin")
    listing = web.get(url, headers=headers)
    assert [n["id"] for n in listing.get_json()["result"]] == [notice["id"]]
    assert listing.headers["X-Baocao-Maintenance"].startswith(start.isoformat() + "Z/")

    from core import testing

    officer = testing.officer(app, _a_commune(app))
    assert officer.client.get(url, headers=officer.headers).status_code == 403
    assert officer.client.delete(f"{url}{notice['id']}", headers=officer.headers).status_code == 403

    assert web.delete(f"{url}{notice['id']}", headers=headers).get_json()["result"]["id"] == notice["id"]
    assert web.delete(f"{url}{notice['id']}", headers=headers).status_code == 404
    assert web.get(url, headers=headers).get_json()["result"] == []
    assert "X-Baocao-Maintenance" not in web.get(url, headers=headers).headers



def _a_commune(app) -> str:
    from tests import factories

    with app.app_context():
        factories.province()
    return "X011"
