"""Sector verification (H3): a department verifies the final data of its sector's forms across the
province, and nothing else; the board reads how much is verified; totals can be limited to it."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest

from core.contracts import FieldSpec, FormSpec, ScheduleSpec, SectionSpec
from core.forms.definitions import sync_spec
from core.hierarchy.models import Unit
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.reporting import assignment, entry
from core.reporting.models import Report
from tests import factories
from tests.conftest import api_token, login
from workflows import transition

ROWS = factories.PROVINCE + [factories.Row("SGD", "Sở Giáo dục và Đào tạo", "department", "04")]


def _report(form: str, unit: str) -> Report:
    return (db.session.query(Report).join(Unit, Unit.id == Report.unit_id)
            .filter(Unit.code == unit, Report.form.has(code=form)).one())


def _act(form: str, unit: str, action: str, username: str, comment: str = "") -> None:
    from core.accounts.models import Account

    actor = db.session.query(Account).filter_by(username=username).one()
    transition(db.session, _report(form, unit), action, actor, comment)
    db.session.commit()


def _approve(form: str, unit: str, values: dict) -> int:
    """The commune fills and sends it; its district, then the board approve (Cao Bằng's chain)."""
    assert entry.save(db.session, _report(form, unit), values) == {}
    _act(form, unit, "submit", unit.lower())
    _act(form, unit, "approve", "h01")
    _act(form, unit, "approve", "04")
    return _report(form, unit).id


@pytest.fixture
def province(app):
    with app.app_context():
        factories.province(rows=ROWS)
        db.session.query(Unit).filter_by(code="SYT").one().sector = "y_te"
        db.session.query(Unit).filter_by(code="SGD").one().sector = "giao_duc"
        sync_spec(db.session, FormSpec("YT01", "Biểu y tế xã", (SectionSpec("s", "Chung", (
            FieldSpec("tram_y_te", "Số trạm y tế", min=0), FieldSpec("bac_si", "Số bác sĩ", min=0))),),
            sector="y_te", schedules=(ScheduleSpec("yearly", ("commune",)),)), source="board")
        assignment.assign(db.session, date(2026, 12, 5))
        db.session.commit()
        passwords = {code: factories.issue(code)[1] for code in ("04", "H01", "X011", "X012", "SYT", "SGD")}
        ids = {"approved": _approve("YT01", "X011", {"tram_y_te": "1", "bac_si": "3"}),
               "draft": _report("YT01", "X012").id, "other_form": _report("CB-DT01", "X011").id}
    return passwords, ids


def _api(app, province, code: str):
    passwords, _ = province
    client = app.test_client()
    with app.app_context():
        factories.first_login(app.test_client(), code.lower(), passwords[code])
    headers = {"Authorization": f"Bearer {api_token(client, code.lower(), factories.NEW_PASSWORD)}"}
    return client, headers


def test_a_department_reads_only_its_sectors_approved_reports(app, province):
    _, ids = province
    client, headers = _api(app, province, "SYT")
    listed = {r["id"] for r in client.get("/api/v1/report/?q=(page_size:100)", headers=headers).get_json()["result"]}
    own = {r for r in listed if r not in (ids["approved"], ids["draft"], ids["other_form"])}
    assert ids["approved"] in listed and ids["draft"] not in listed and ids["other_form"] not in listed
    with app.app_context():  # what else it lists is its own unit's reports
        assert {db.session.get(Report, r).unit.code for r in own} <= {"SYT"}
    assert client.get(f"/api/v1/report/{ids['draft']}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/report/{ids['approved']}", headers=headers).status_code == 200


def test_a_department_of_another_sector_sees_and_verifies_nothing(app, province):
    _, ids = province
    client, headers = _api(app, province, "SGD")
    assert client.get(f"/api/v1/report/{ids['approved']}", headers=headers).status_code == 404
    resp = client.post(f"/api/v1/report/{ids['approved']}/verify", headers=headers, json={"result": "verified"})
    assert resp.status_code == 404
    # A district sees the report in its subtree but is no department of the sector: 403.
    client, headers = _api(app, province, "H01")
    resp = client.post(f"/api/v1/report/{ids['approved']}/verify", headers=headers, json={"result": "verified"})
    assert resp.status_code == 403 and "ngành" in resp.get_json()["message"]


def test_verifying_is_an_audited_annotation_that_leaves_the_workflow_alone(app, province):
    _, ids = province
    client, headers = _api(app, province, "SYT")
    url = f"/api/v1/report/{ids['approved']}/verify"
    bad = client.post(url, headers=headers, json={"result": "remark"})
    assert bad.status_code == 422 and "comment" in bad.get_json()["errors"]
    bad = client.post(url, headers=headers, json={"result": "ok"})
    assert bad.status_code == 422 and "result" in bad.get_json()["errors"]
    assert client.post(url, headers=headers, data="[]", content_type="application/json").status_code == 422
    done = client.post(url, headers=headers, json={"result": "remark", "comment": "Số bác sĩ cao bất thường"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["state"] == "approved" and done.get_json()["result"] == "remark"
    done = client.post(url, headers=headers, json={"result": "verified", "comment": ""})
    assert done.get_json()["result"] == "verified"
    with app.app_context():
        entries = db.session.query(AuditEntry).filter_by(action="report.verify").order_by(AuditEntry.id).all()
        assert [(e.actor, json.loads(e.changes)["result"]) for e in entries] == [("syt", "remark"), ("syt", "verified")]
        assert db.session.get(Report, ids["approved"]).state == "approved"
    # Not yet approved: nothing to verify.
    with app.app_context():
        _report("YT01", "X012")  # still a draft
    resp = client.post(f"/api/v1/report/{ids['draft']}/verify", headers=headers, json={"result": "verified"})
    assert resp.status_code == 404


def test_the_board_sees_how_much_is_verified_and_totals_can_be_limited_to_it(app, province):
    _, ids = province
    with app.app_context():
        _approve("YT01", "X012", {"tram_y_te": "2", "bac_si": "5"})
    syt, syt_headers = _api(app, province, "SYT")
    assert syt.post(f"/api/v1/report/{ids['approved']}/verify", headers=syt_headers,
                    json={"result": "verified"}).status_code == 200
    board, headers = _api(app, province, "04")
    rows = board.get("/api/v1/verification/?form=YT01", headers=headers).get_json()["result"]
    assert [(r["form_code"], r["period_code"], r["approved"], r["verified"], r["pending"]) for r in rows] == [
        ("YT01", "2026", 2, 1, 1)]
    every = board.get("/api/v1/aggregate/?form=YT01&period=2026&unit=04", headers=headers).get_json()
    verified = board.get("/api/v1/aggregate/?form=YT01&period=2026&unit=04&verified=1", headers=headers).get_json()
    assert (every["reports"], every["values"]["bac_si"]) == (2, 8)
    assert (verified["reports"], verified["values"]["bac_si"], verified["verified_only"]) == (1, 3, True)
    bad = board.get("/api/v1/aggregate/?form=YT01&period=2026&unit=04&verified=yes", headers=headers)
    assert bad.status_code == 422 and "verified" in bad.get_json()["errors"]
    # The export of the verified data alone: one commune's row, its total.
    csv_text = board.get("/api/v1/export/?form=YT01&period=2026&unit=04&format=csv&verified=1",
                         headers=headers).get_data().decode("utf-8-sig")
    assert "Xã Trường Hà" in csv_text and "Xã Lũng Nặm" not in csv_text
    full = board.get("/api/v1/export/?form=YT01&period=2026&unit=04&format=csv", headers=headers)
    assert "Xã Lũng Nặm" in full.get_data().decode("utf-8-sig")
    assert board.get("/api/v1/export/?form=YT01&period=2026&unit=04&format=csv&verified=2",
                     headers=headers).status_code == 422
    # The totals screen takes the same parameter.
    web = app.test_client()
    assert login(web, "04", factories.NEW_PASSWORD).status_code == 302
    for query, reports in (("", "2"), ("&verified=1", "1")):
        page = web.get(f"/totals/?form=YT01&period=2026&unit=04{query}").get_data(as_text=True)
        assert f": {reports})</small>" in page, page[-2000:]


def test_a_report_approved_again_must_be_verified_again(app, province):
    _, ids = province
    syt, headers = _api(app, province, "SYT")
    assert syt.post(f"/api/v1/report/{ids['approved']}/verify", headers=headers,
                    json={"result": "verified"}).status_code == 200
    with app.app_context():
        _act("YT01", "X011", "request_correction", "x011", "Nhập nhầm số bác sĩ")
        _act("YT01", "X011", "reopen", "04")
        assert entry.save(db.session, _report("YT01", "X011"), {"bac_si": "4"}) == {}
        _act("YT01", "X011", "submit", "x011")
        _act("YT01", "X011", "approve", "h01")
        _act("YT01", "X011", "approve", "04")
    rows = syt.get("/api/v1/verification/?form=YT01&period=2026", headers=headers).get_json()["result"]
    assert (rows[0]["approved"], rows[0]["verified"]) == (1, 0)


def test_the_verification_screen_for_the_department_and_for_the_board(app, province):
    passwords, ids = province
    web = app.test_client()
    factories.first_login(web, "syt", passwords["SYT"])
    page = web.get("/verification/").get_data(as_text=True)
    assert f'id="verify-{ids["approved"]}"' in page and f'id="verify-{ids["draft"]}"' not in page
    assert "Xác thực" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = web.post(f"/verification/{ids['approved']}", data={"csrf_token": token, "result": "remark", "comment": ""})
    assert resp.status_code == 302
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Ghi ý kiến" in page or "ý kiến" in page  # the remark's text is required, said in Vietnamese
    web.post(f"/verification/{ids['approved']}", data={"csrf_token": token, "result": "verified"})
    page = web.get("/verification/?status=verified").get_data(as_text=True)
    assert f'id="verify-{ids["approved"]}"' in page
    assert web.post(f"/verification/{ids['other_form']}", data={"csrf_token": token, "result": "verified"}
                    ).status_code == 404
    board = app.test_client()
    factories.first_login(board, "04", passwords["04"])
    page = board.get("/verification/").get_data(as_text=True)
    row = re.search(r'<tr data-form="YT01" data-period="2026">(.*?)</tr>', page, re.S).group(1)
    assert '<td class="verified">1</td>' in row and 'id="verification-inbox"' not in page
