"""Account requests (A8, A9): filed with the signed letter by the unit or its superior, approved or refused
by the leader, carried out by the operator, each on a one-working-day clock; a security lock at once."""
from __future__ import annotations

import io
import json
from datetime import datetime

import pytest

from core.accounts import lifecycle
from core.accounts.models import Account, AccountRequest
from core.hierarchy.models import Unit, UnitHolder
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from tests import factories
from tests.conftest import login
from tests.pki import EXE, png_bytes

pytestmark = pytest.mark.calendar
CREATE = {"unit": "X012", "kind": "create", "full_name": "Nông Thị Hoa", "title": "Công chức Văn hóa - Xã hội",
          "department": "UBND xã Lũng Nặm", "phone": "0206 3852 111", "email": "hoa.lungnam@caobang.gov.vn",
          "reason": "Xã chưa có tài khoản báo cáo"}


@pytest.fixture
def people(app, admin):
    """Cao Bằng: accounts for the board, a district and a commune; the board's leader; the operator."""
    with app.app_context():
        factories.province()
        passwords = {code.lower(): factories.issue(code)[1] for code in ("04", "H01", "X011")}
        board = db.session.query(Unit).filter_by(code="04").one()
        leader, passwords["lanhdao"] = lifecycle.create_personal(
            db.session, "lanhdao", "Lãnh đạo", "Ban Dân tộc", "lanhdao@caobang.gov.vn", board, ["Viewer"])
        db.session.commit()
    return passwords


def _web(app, people, username: str):
    client = app.test_client()
    factories.first_login(client, username, people.pop(username))
    return client


def _signed_in(app, username: str, password: str = factories.NEW_PASSWORD):
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    return client


def _file(client, data: dict, letter: bytes | None = None, name: str = "de-nghi-cap-tai-khoan.png"):
    payload = dict(data)
    if letter is not None:
        payload["letter"] = (io.BytesIO(letter), name)
    return client.post("/account-requests/new", data=payload, content_type="multipart/form-data")


def _latest(app) -> AccountRequest:
    with app.app_context():
        item = db.session.query(AccountRequest).order_by(AccountRequest.id.desc()).first()
        db.session.expunge(item)
        return item


@pytest.mark.at("2026-12-08T09:00+07:00")
def test_a_district_asks_the_leader_approves_and_the_operator_creates_the_account(app, admin, people):
    district = _web(app, people, "h01")
    resp = _file(district, CREATE, png_bytes())
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    page = district.get(resp.headers["Location"]).get_data(as_text=True)
    assert "09/12/2026" in page and "Chờ phê duyệt" in page  # due one working day after receipt
    item = _latest(app)
    assert (item.kind, item.status, item.filed_by, str(item.due_on)) == ("create", "pending", "h01", "2026-12-09")
    assert district.get(f"/account-requests/{item.id}/letter").data == png_bytes()
    # The commune's own unit account cannot decide or carry it out.
    assert district.post(f"/account-requests/{item.id}/decide", data={"decision": "approve"}).status_code in (
        302, 403) and _latest(app).status == "pending"
    leader = _web(app, people, "lanhdao")
    assert "account-request-decide" in leader.get(f"/account-requests/{item.id}").get_data(as_text=True)
    leader.post(f"/account-requests/{item.id}/decide", data={"decision": "approve", "note": "Đồng ý"})
    assert (_latest(app).status, _latest(app).decided_by) == ("approved", "lanhdao")
    operator = _signed_in(app, admin["username"], admin["password"])
    done = operator.post(f"/account-requests/{item.id}/carry-out")
    assert done.status_code == 200 and 'id="otp-password"' in done.get_data(as_text=True)
    assert done.headers["Cache-Control"] == "no-store"
    with app.app_context():
        account = db.session.query(Account).filter_by(username="x012").one()
        holder = db.session.query(UnitHolder).filter_by(unit_id=account.unit_id, ended_at=None).one()
        assert (account.must_change_password, holder.full_name, holder.phone) == (True, "Nông Thị Hoa",
                                                                                    "0206 3852 111")
        trail = [e.action for e in db.session.query(AuditEntry).filter(
            AuditEntry.action.like("account%"), AuditEntry.action != "account.password_change").order_by(AuditEntry.id)]
        assert trail[-4:] == ["account_request.file", "account_request.approve", "account.create",
                              "account_request.done"]
        logged = " ".join(e.changes or "" for e in db.session.query(AuditEntry).filter(
            AuditEntry.object_type == "AccountRequest"))
        assert "0206 3852 111" not in logged and "hoa.lungnam" not in logged  # contact details stay out
    assert "Thực hiện đúng hạn" in operator.get(f"/account-requests/{item.id}").get_data(as_text=True)


@pytest.mark.at("2026-12-08T09:00+07:00")
def test_a_refusal_says_why_and_ends_the_request(app, people):
    district = _web(app, people, "h01")
    assert _file(district, CREATE, png_bytes()).status_code == 302
    item = _latest(app)
    leader = _web(app, people, "lanhdao")
    page = leader.get(leader.post(f"/account-requests/{item.id}/decide", data={"decision": "refuse"})
                      .headers["Location"]).get_data(as_text=True)
    assert "Nhập lý do từ chối." in page and _latest(app).status == "pending"
    leader.post(f"/account-requests/{item.id}/decide", data={"decision": "refuse", "note": "Thiếu quyết định phân công"})
    assert (_latest(app).status, _latest(app).decision_note) == ("refused", "Thiếu quyết định phân công")
    again = leader.post(f"/account-requests/{item.id}/decide", data={"decision": "approve"})
    assert "Đề nghị này đã được xử lý phê duyệt." in leader.get(again.headers["Location"]).get_data(as_text=True)


@pytest.mark.at("2026-12-08T09:00+07:00")
@pytest.mark.parametrize("data, letter, field, message", [
    (CREATE, None, "letter", "Đính kèm văn bản đề nghị đã ký"),
    (CREATE, EXE, "letter", "phải là tệp PDF, JPEG hoặc PNG"),
    ({**CREATE, "full_name": ""}, png_bytes(), "full_name", "Nhập họ và tên công chức."),
    ({**CREATE, "unit": "X011"}, png_bytes(), "kind", "đã có tài khoản"),
    ({**CREATE, "unit": "X021"}, png_bytes(), "unit", "Chọn đơn vị của mình hoặc một đơn vị trực thuộc."),
    ({**CREATE, "kind": "drop"}, png_bytes(), "kind", "Chọn nội dung đề nghị."),
    ({**CREATE, "unit": "X011", "kind": "revoke", "reason": ""}, png_bytes(), "reason", "Nhập lý do."),
    ({**CREATE, "title": "x" * 201}, png_bytes(), "title", "Tối đa 200 ký tự."),
])
def test_a_wrong_request_is_refused_field_by_field_and_nothing_is_kept(app, people, data, letter, field, message):
    district = _web(app, people, "h01")
    resp = _file(district, data, letter)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and f"error-{field}" in page and message in page, page[-3000:]
    with app.app_context():
        assert db.session.query(AccountRequest).count() == 0


@pytest.mark.at("2026-12-11T16:30+07:00")
def test_the_clock_highlights_an_overdue_request(app, admin, people, now):
    """Received on Friday afternoon: due Monday; still open on Tuesday it shows as overdue."""
    commune = _web(app, people, "x011")
    handover = {"unit": "X011", "kind": "handover", "full_name": "Lục Văn Bằng", "reason": "Chuyển công tác"}
    assert _file(commune, handover, png_bytes()).status_code == 302
    item = _latest(app)
    assert str(item.due_on) == "2026-12-14"
    now.move_to(datetime(2026, 12, 14, 9, 0))  # Monday 16:00 in Vietnam: due today, not overdue
    operator = _signed_in(app, admin["username"], admin["password"])
    assert 'data-clock="open"' in operator.get("/account-requests/").get_data(as_text=True)
    now.move_to(datetime(2026, 12, 15, 2, 0))  # Tuesday 09:00
    operator = _signed_in(app, admin["username"], admin["password"])
    page = operator.get("/account-requests/").get_data(as_text=True)
    assert f'id="account-request-{item.id}" class="danger" data-clock="overdue"' in page and "Quá hạn" in page
    operator.post(f"/account-requests/{item.id}/decide", data={"decision": "approve"})
    done = operator.post(f"/account-requests/{item.id}/carry-out")
    assert done.status_code == 200 and 'id="otp-password"' in done.get_data(as_text=True)
    page = operator.get(f"/account-requests/{item.id}").get_data(as_text=True)
    assert "Thực hiện muộn" in page and "Lục Văn Bằng" in page


@pytest.mark.at("2026-12-08T09:00+07:00")
def test_a_security_lock_is_done_at_once_and_logged_as_an_emergency(app, admin, people):
    commune = _web(app, people, "x011")
    operator = _signed_in(app, admin["username"], admin["password"])
    resp = operator.post("/account-requests/emergency-lock", data={"unit": "X011",
                                                                   "reason": "Đăng nhập bất thường từ nước ngoài"})
    assert resp.status_code == 302
    item = _latest(app)
    assert (item.kind, item.status, item.emergency, item.done_by) == ("lock", "done", True, "admin")
    with app.app_context():
        account = db.session.query(Account).filter_by(username="x011").one()
        assert account.locked
        entry = db.session.query(AuditEntry).filter_by(action="account_request.emergency_lock").one()
        assert json.loads(entry.changes)["emergency"] is True
    assert commune.get("/account-requests/").status_code == 302  # its sessions ended with the lock
    assert "/login/" in login(app.test_client(), "x011", factories.NEW_PASSWORD).headers["Location"]
    # Only the operator locks at once: a unit account has no such button and is refused.
    district = _web(app, people, "h01")
    assert "emergency-lock" not in district.get("/account-requests/").get_data(as_text=True)
    district.post("/account-requests/emergency-lock", data={"unit": "X011", "reason": "thử"})
    with app.app_context():
        assert db.session.query(AccountRequest).count() == 1
