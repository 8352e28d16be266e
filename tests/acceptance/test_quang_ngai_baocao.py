"""Acceptance walk of Quảng Ngãi's reporting information system, Quy chế ban hành kèm theo Quyết định
239/QĐ-UBND ngày 01/12/2025 (REQUIREMENTS "QN-R"), article by article.

The province is set up as ``baocao init --province quang_ngai_baocao`` sets it up (its real communes,
wards and special zone under Tỉnh Quảng Ngãi, the plugin's forms, the reports of 5/12/2026 assigned).
Officers work through ``/api/v1``; the administrator (Văn phòng UBND tỉnh) through its screens where
no API exists (accounts, maintenance notices, the help page).

Articles the software cannot meet are skipped with the reason: Điều 10 khoản 3 (yearly review of
the regimes), Điều 12 (archival law), Điều 14 khoản 1 / Điều 16 khoản 1 (24/7 operation), Điều 14
khoản 7 / Điều 15 (security level under Nghị định 85/2016), Điều 21 khoản 4 (handing the database
over to the provincial data centre).
"""
from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import datetime, timedelta

import pytest

from core.platform import clock
from core.reporting import entry
from core.platform.extensions import db
from tests.acceptance.conftest import FAST_HASH
from tests.acceptance.conftest import admin_on_api as _admin
from tests.conftest import ADMIN_PASSWORD, api_token, login
from tests.factories import NEW_PASSWORD
from tests.officers import (
    SIGNATURE_VI, VIETNAMESE, Officer, ok, set_up_province, sign_in, the_report, shown_one_time,
)
from tests.pki import make_pki, pdf_bytes, png_bytes, sign, tampered

PLUGIN = "quang_ngai_baocao"
#: Tỉnh Quảng Ngãi (Văn phòng UBND tỉnh reviews for it), Xã An Phú and Phường Cẩm Thành.
BOARD, COMMUNE, WARD = "51", "21034", "21025"
REPORT = {"revenue": 1250.5, "revenue_plan": 15000, "spending": 980, "jobs_created": 42, "poverty_rate": 4.0,
          "summary": "Thu ngân sách đạt tiến độ; giải quyết việc làm cho 42 lao động."}



@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def signed(pki):
    return sign(pki, pdf_bytes())


@pytest.fixture
def app(make_app, pki):
    return make_app(FAB_PASSWORD_HASH_METHOD=FAST_HASH, SIGNATURE_TRUST_ROOTS=[pki["root_pem"]],
                    PLUGIN_REFRESH_SECONDS=0,
                    NATIONAL_ENDPOINT="https://baocao.chinhphu.vn/api/datavaluesets")


@pytest.fixture
def qn(app):
    return set_up_province(app, PLUGIN)


def _admin_screen(app):
    """The administrator of Văn phòng UBND tỉnh, signed in to the screens."""
    _admin(app)
    return _web(app, "admin", ADMIN_PASSWORD)


def _shown(page: str) -> tuple[str, str]:
    """The username and one-time password the account screen shows once."""
    username = re.search(r'id="otp-username">([^<]*)<', page).group(1)
    return html.unescape(username), shown_one_time(page)


def _web(app, username: str, password: str = NEW_PASSWORD):
    client = app.test_client()
    resp = login(client, username, password)
    assert resp.status_code == 302 and "/login/" not in resp.headers["Location"]
    return client


def _own(officer: Officer, code: str) -> list[dict]:
    """The reports of unit ``code`` in the officer's list (filtered, as the report list screen filters)."""
    q = f"(filters:!((col:unit_code,opr:eq,value:'{code}')),page_size:500)"
    return ok(officer.client.get(f"/api/v1/report/?q={q}", headers=officer.headers))["result"]


def _report(officer: Officer, form: str, period: str, unit: str | None = None) -> int:
    found = [r["id"] for r in officer.reports() if r["form_code"] == form and r["period_code"] == period]
    if unit is not None:
        found = [r["id"] for r in _own(officer, unit) if r["form_code"] == form and r["period_code"] == period]
    assert len(found) == 1, found
    return found[0]


def _sent(officer: Officer, pk: int, signed: bytes, values: dict = REPORT) -> dict:
    ok(officer.put(pk, values))
    ok(officer.upload(pk, signed, "bao-cao-ky-so.pdf"), 201)
    return ok(officer.act(pk, "submit"))


def _units(officer: Officer) -> list[dict]:
    resp = officer.client.get("/api/v1/unit/?q=(page_size:500)", headers=officer.headers)
    return ok(resp)["result"]


# --- Chương I: đối tượng áp dụng -----------------------------------------------------------------


def test_dieu_2_khoan_1_so_nganh_va_xa_phuong_dac_khu_thuc_hien_bao_cao(qn):
    """Điều 2 khoản 1 (H1): các sở, ban, ngành và UBND các xã, phường, đặc khu dưới tỉnh; mỗi đơn vị là một đơn vị
    báo cáo."""
    units = _units(qn[BOARD])
    by_code = {u["code"]: u for u in units}
    assert by_code[BOARD]["level"] == "province" and by_code[BOARD]["parent_code"] in (None, "")
    departments = [u for u in units if u["kind"] == "department"]
    assert {u["name"] for u in departments} >= {"Sở Tài chính", "Sở Nội vụ", "Sở Y tế"}  # agency_units, at init
    assert {(u["level"], u["parent_code"]) for u in departments} == {("province", BOARD)}
    below = [u for u in units if u["code"] != BOARD and u["kind"] != "department"]
    assert len(below) > 90 and {u["level"] for u in below} == {"commune"}
    assert {u["parent_code"] for u in below} == {BOARD}
    names = [u["name"] for u in below]
    assert any(n.startswith("Xã ") for n in names) and any(n.startswith("Phường ") for n in names)
    assert any(n.startswith("Đặc khu ") for n in names), names
    assert by_code[COMMUNE]["name"] == "Xã An Phú" and by_code[WARD]["name"] == "Phường Cẩm Thành"


# --- Chương II: quản lý, vận hành và sử dụng -----------------------------------------------------


def test_dieu_5_khoan_1_giao_dien_tieng_viet(app, qn):
    """Điều 5 khoản 1 (S10): giao diện ngôn ngữ tiếng Việt, cả màn hình lẫn thông báo của API."""
    page = app.test_client().get("/login/").get_data(as_text=True)
    assert "Đăng nhập" in page and "Mật khẩu" in page
    commune = qn[COMMUNE]
    pk = the_report(commune, "QN-BC01")
    refusals = [commune.act(pk, "submit"), commune.put(pk, {"revenue": -5}), commune.act(pk, "approve")]
    for resp in refusals:
        assert resp.status_code in (403, 409, 422)
        message = resp.get_json()["message"]
        assert VIETNAMESE.intersection(message.lower()) and not {"submit", "approve"} & set(message.split()), message


def test_dieu_6_khoan_3_khoan_5_tai_khoan_duoc_cap_ngay_va_phai_doi_mat_khau(app, qn):
    """Điều 6 khoản 3, khoản 5 (A3, A8): Văn phòng UBND tỉnh tạo tài khoản cho đơn vị ngay khi được đề
    nghị; mật khẩu cấp lần đầu chỉ dùng để đổi mật khẩu."""
    admin = _admin_screen(app)
    resp = admin.post("/accounts/issue", data={"unit": WARD, "full_name": "Lê Thị Mai"})
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    username, one_time = _shown(page)
    client = app.test_client()
    first = {"Authorization": f"Bearer {api_token(client, username, one_time)}"}
    refused = client.get("/api/v1/report/", headers=first)
    assert refused.status_code == 403
    ward = sign_in(app, username, one_time)  # changes it through /api/v1/me/password, logs in again
    assert {r["unit_code"] for r in ward.reports()} == {WARD}


def test_dieu_6_khoan_4_nguoi_chuyen_cong_tac_tai_khoan_duoc_thay_doi_hoac_thu_hoi(app, qn):
    """Điều 6 khoản 4 (A15): người sử dụng chuyển công tác: tài khoản được bàn giao cho người mới (mật khẩu
    cũ hết hiệu lực) hoặc đóng lại; dữ liệu đã nhập vẫn còn."""
    from core.accounts.models import Account

    commune = qn[COMMUNE]
    pk = the_report(commune, "QN-BC01")
    ok(commune.put(pk, {"revenue": 900}))
    with app.app_context():
        account_id = db.session.query(Account).filter_by(username=commune.username).one().id
    admin = _admin_screen(app)
    resp = admin.post(f"/accounts/handover/{account_id}", data={
        "full_name": "Nguyễn Văn Bình", "title": "Công chức Văn phòng - Thống kê", "department": "Văn phòng HĐND và UBND xã",
        "phone": "0255 3822 123", "email": "binh.anphu@quangngai.gov.vn"})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    _, one_time = _shown(resp.get_data(as_text=True))
    assert app.test_client().post("/api/v1/security/login", json={
        "username": commune.username, "password": NEW_PASSWORD, "provider": "db"}).status_code == 401
    client = app.test_client()
    first = {"Authorization": f"Bearer {api_token(client, commune.username, one_time)}"}
    assert client.get(f"/api/v1/report/{pk}", headers=first).status_code == 403  # must change it first
    changed = client.post("/api/v1/me/password", headers=first,
                          json={"old_password": one_time, "new_password": "Người-Kế-Nhiệm-2026#"})
    assert changed.status_code == 200, changed.get_json()
    successor = {"Authorization": f"Bearer {api_token(client, commune.username, 'Người-Kế-Nhiệm-2026#')}"}
    assert ok(client.get(f"/api/v1/report/{pk}", headers=successor))["result"]["values"]["revenue"] == 900

    assert admin.post(f"/accounts/close/{account_id}", data={"reason": "Thôi việc theo quyết định"}).status_code == 302
    assert app.test_client().post("/api/v1/security/login", json={
        "username": commune.username, "password": "Người-Kế-Nhiệm-2026#", "provider": "db"}).status_code == 401


@pytest.mark.calendar
@pytest.mark.at("2026-12-11T16:45+07:00")
def test_dieu_6_khoan_5_khoi_tao_thu_hoi_thay_doi_tai_khoan_trong_01_ngay_lam_viec(app, qn, now):
    """Điều 6 khoản 4–5 (A8, A9): the ward's letter about a retiring officer reaches Văn phòng UBND tỉnh on a
    Friday afternoon; it is due on Monday, the next working day, and done then: the account is revoked
    (closed, its data kept). Every step is in the audit log."""
    from core.accounts.models import Account
    from core.platform.models.audit import AuditEntry

    ward = qn[WARD]
    pk = the_report(ward, "QN-BC01")
    ok(ward.put(pk, {"revenue": 700}))
    client = _web(app, ward.username)
    resp = client.post("/account-requests/new", content_type="multipart/form-data", data={
        "unit": WARD, "kind": "revoke", "full_name": "Trần Thị Lan", "reason": "Nghỉ hưu theo Quyết định 88/QĐ-UBND",
        "letter": (io.BytesIO(pdf_bytes(b"Cong van de nghi thu hoi tai khoan")), "cong-van-thu-hoi.pdf")})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-1500:]
    show = resp.headers["Location"]
    assert 'id="account-request-due">14/12/2026' in client.get(show).get_data(as_text=True)  # Monday, not Saturday
    refused = client.post("/account-requests/new", content_type="multipart/form-data", data={
        "unit": COMMUNE, "kind": "lock", "reason": "thử", "letter": (io.BytesIO(png_bytes()), "x.png")})
    assert refused.status_code == 422 and "Chọn đơn vị của mình" in refused.get_data(as_text=True)  # not its unit
    now.move_to(datetime(2026, 12, 14, 1, 30))  # Monday 08:30
    admin = _admin_screen(app)
    admin.post(f"{show}/decide", data={"decision": "approve", "note": "Văn phòng UBND tỉnh đồng ý"})
    assert admin.post(f"{show}/carry-out").status_code == 302
    page = admin.get(show).get_data(as_text=True)
    assert "Thực hiện đúng hạn" in page and "Đã thu hồi tài khoản" in page
    with app.app_context():
        account = db.session.query(Account).filter_by(username=ward.username).one()
        assert account.closed_at is not None and not account.active
        assert [e.action for e in db.session.query(AuditEntry).filter(AuditEntry.object_type == "AccountRequest")
                .order_by(AuditEntry.id)] == ["account_request.file", "account_request.approve",
                                              "account_request.done"]
    assert ok(qn[BOARD].get(pk))["result"]["values"]["revenue"] == 700  # the data stay


def test_dieu_7_khoan_1_diem_a_bieu_mau_tu_dong_giao_theo_ky_du_lieu(qn):
    """Điều 7 khoản 1 điểm a (F7): đề cương, biểu mẫu tự động giao cho cơ quan, đơn vị, địa phương theo kỳ."""
    for code in (COMMUNE, WARD, BOARD):
        mine = {(r["form_code"], r["period_code"]) for r in _own(qn[code], code)}
        assert {r["unit_code"] for r in _own(qn[code], code)} == {code}
        assert {("QN-BC01", "202611"), ("QN-BC02", "2026S2"), ("QN-BC02", "2026")} <= mine, (code, mine)
    report = qn[COMMUNE].report(_report(qn[COMMUNE], "QN-BC01", "202611"))
    assert (report["state"], report["level"]) == ("draft", "commune") and report["deadline"]


@pytest.mark.calendar
def test_dieu_7_khoan_1_diem_b_don_vi_giao_tiep_bao_cao_cho_cap_duoi(app, qn, signed):
    """Điều 7 khoản 1 điểm b, Điều 10 khoản 2 điểm c (F5, F8): Văn phòng UBND tỉnh giao báo cáo đột xuất cho
    một sở; sở giao tiếp cho phòng trực thuộc, hạn không muộn hơn hạn của sở."""
    from core.hierarchy.units import import_units
    from tests.factories import Row

    with app.app_context():  # the board adds the department and its division (units CSV import)
        import_units(db.session, [Row("STC", "Sở Tài chính", "department", BOARD),
                                  Row("STC-NS", "Phòng Quản lý ngân sách", "department", "STC")], source="csv")
        db.session.commit()
    board = qn[BOARD]
    units = {u["code"]: u["id"] for u in _units(board)}
    forms = {f["code"]: f["id"] for f in ok(board.client.get("/api/v1/form/", headers=board.headers))["result"]}
    today = clock.today()  # in the province
    department = qn["STC"]
    monthly = {r["id"] for r in department.reports()}  # its QN-BC01 of 11/2026 and 12/2026, due the 20th
    web = _web(app, board.username)
    title = "Báo cáo đột xuất tình hình thu ngân sách sau bão số 13"
    sent = web.post("/requests/new", data={"form": forms["QN-BC01"], "title": title,
                                           "deadline": (today + timedelta(days=10)).isoformat(),
                                           "units": [units["STC"]]})
    assert sent.status_code == 302, sent.get_data(as_text=True)[:800]
    adhoc = [r for r in department.reports() if r["id"] not in monthly]
    assert len(adhoc) == 1 and adhoc[0]["deadline"] == (today + timedelta(days=10)).isoformat()
    assert adhoc[0]["period_code"] not in ("202611", "202612")
    assert not [r for r in qn[COMMUNE].reports() if r["period_code"] == adhoc[0]["period_code"]]

    passed_on = _web(app, department.username)
    too_late = passed_on.post(f"/requests/cascade/{adhoc[0]['id']}", data={
        "deadline": (today + timedelta(days=20)).isoformat(), "units": [units["STC-NS"]]})
    assert too_late.status_code == 200  # refused: after the department's own deadline
    resp = passed_on.post(f"/requests/cascade/{adhoc[0]['id']}", data={
        "deadline": (today + timedelta(days=7)).isoformat(), "units": [units["STC-NS"]]})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:800]
    division = [r for r in qn["STC-NS"].reports() if r["period_code"] == adhoc[0]["period_code"]]
    assert len(division) == 1 and division[0]["deadline"] == (today + timedelta(days=7)).isoformat()
    assert _sent(qn["STC-NS"], division[0]["id"], signed)["state"] == "submitted"
    assert ok(department.act(division[0]["id"], "approve"))["state"] == "approved"  # the department reviews it


def test_dieu_7_khoan_2_diem_a_so_lieu_day_du_chinh_xac(qn):
    """Điều 7 khoản 2 điểm a, Điều 4 khoản 4 (F2, F9): số liệu đúng định dạng, đơn vị tính; sai thì bị từ chối."""
    commune = qn[COMMUNE]
    forms = ok(commune.client.get("/api/v1/form/", headers=commune.headers))["result"]
    form = next(f for f in forms if f["code"] == "QN-BC01")
    detail = ok(commune.client.get(f"/api/v1/form/{form['id']}", headers=commune.headers))["result"]
    fields = {f["code"]: f for f in detail["fields"]}
    assert fields["revenue"]["label"] == "Thu ngân sách trên địa bàn" and fields["revenue"]["required"]
    assert "triệu đồng" in json.dumps(fields["revenue"], ensure_ascii=False)
    pk = the_report(commune, "QN-BC01")
    bad = commune.put(pk, {"revenue": "một nghìn", "poverty_rate": 140, "jobs_created": -1})
    assert bad.status_code == 422 and {"revenue", "poverty_rate", "jobs_created"} <= set(bad.get_json()["errors"])
    assert commune.report(pk)["values"]["revenue"] is None
    missing = commune.act(pk, "submit")
    assert missing.status_code in (409, 422) and commune.report(pk)["state"] == "draft"
    too_much = commune.put(pk, {**REPORT, "revenue": 40000, "revenue_plan": 15000})
    assert too_much.status_code == 422
    assert any("Thu ngân sách vượt quá hai lần dự toán" in m for m in too_much.get_json()["errors"]["_rules"])
    assert commune.report(pk)["values"]["revenue"] is None and commune.report(pk)["state"] == "draft"


def test_dieu_7_khoan_2_diem_c_dieu_9_khoan_1_ky_so_truoc_khi_gui(qn, signed):
    """Điều 7 khoản 2 điểm c, Điều 9 khoản 1 (W3): báo cáo phải được ký số trước khi gửi."""
    commune = qn[COMMUNE]
    pk = the_report(commune, "QN-BC01")
    ok(commune.put(pk, REPORT))
    refused = commune.act(pk, "submit")
    assert refused.status_code == 409 and refused.get_json()["message"] == SIGNATURE_VI
    ok(commune.upload(pk, png_bytes(), "ban-chup.png"), 201)
    assert commune.act(pk, "submit").status_code == 409  # a picture is not a signature
    broken = commune.upload(pk, tampered(signed), "bao-cao-da-sua.pdf")
    assert broken.status_code == 422
    assert ok(commune.upload(pk, signed, "bao-cao-ky-so.pdf"), 201)["result"]["signature"]["valid"]
    sent = ok(commune.act(pk, "submit"))
    assert (sent["state"], sent["level"]) == ("submitted", "province")


def test_dieu_7_khoan_3_co_quan_chu_tri_duyet_hoac_tra_lai_de_dieu_chinh(qn, signed):
    """Điều 7 khoản 3, Điều 7 khoản 2 điểm b (W2): cơ quan chủ trì kiểm tra, duyệt; trả lại kèm lý do;
    đơn vị điều chỉnh, gửi lại."""
    commune, board, ward = qn[COMMUNE], qn[BOARD], qn[WARD]
    pk = the_report(commune, "QN-BC01")
    _sent(commune, pk, signed)
    assert board.report(pk)["allowed_actions"] == ["approve", "return"]
    assert ward.act(pk, "approve").status_code == 404  # another commune does not even see it
    assert commune.act(pk, "approve").status_code == 403
    no_reason = board.act(pk, "return")
    assert no_reason.status_code == 422 and "comment" in no_reason.get_json()["errors"]
    reason = "Chưa có số chi ngân sách lũy kế; đề nghị bổ sung."
    assert ok(board.act(pk, "return", reason))["state"] == "returned"
    assert commune.report(pk)["history"][-1]["comment"] == reason
    assert any(reason in n for n in commune.notices())
    assert ok(commune.put(pk, {"spending": 1020}))["values"]["spending"] == 1020
    assert ok(commune.act(pk, "submit"))["state"] == "submitted"
    assert ok(board.act(pk, "approve"))["state"] == "approved"
    assert commune.put(pk, {"spending": 1}).status_code == 409


def test_dieu_8_khoan_1_thu_hoi_bao_cao_da_gui_chua_duyet(qn, signed):
    """Điều 8 khoản 1 (W4): báo cáo đã gửi, chưa duyệt: đơn vị tự thu hồi và đính chính."""
    commune, board = qn[COMMUNE], qn[BOARD]
    pk = the_report(commune, "QN-BC01")
    _sent(commune, pk, signed)
    assert ok(commune.act(pk, "recall"))["state"] == "draft"
    assert ok(commune.put(pk, {"revenue": 1300}))["values"]["revenue"] == 1300
    ok(commune.act(pk, "submit"))
    ok(board.act(pk, "approve"))
    late = commune.act(pk, "recall")
    assert late.status_code == 409
    assert late.get_json()["message"] == "Không thể thực hiện thao tác Rút lại khi báo cáo đang ở trạng thái Đã duyệt."


def test_dieu_8_khoan_2_dinh_chinh_bao_cao_da_duyet(qn, signed):
    """Điều 8 khoản 2 (W5): báo cáo đã duyệt: đơn vị đề nghị, cơ quan chủ trì kiểm tra rồi từ chối đề nghị
    hoặc mở lại cho đơn vị đính chính."""
    commune, board = qn[COMMUNE], qn[BOARD]
    pk = the_report(commune, "QN-BC01")
    _sent(commune, pk, signed)
    ok(board.act(pk, "approve"))
    assert commune.act(pk, "request_correction").status_code == 422  # a reason is required
    ok(commune.act(pk, "request_correction", "Nhập nhầm số thu ngân sách tháng 11"))
    assert board.report(pk)["allowed_actions"] == ["reopen", "reject_correction"]
    assert any(n.startswith("Đơn vị đề nghị điều chỉnh") for n in board.notices())
    assert ok(board.act(pk, "reject_correction", "Số liệu khớp với Kho bạc"))["state"] == "approved"
    ok(commune.act(pk, "request_correction", "Có xác nhận mới của Kho bạc Nhà nước"))
    reopened = ok(board.act(pk, "reopen"))
    assert (reopened["state"], reopened["level"]) == ("draft", "commune")
    assert ok(commune.put(pk, {"revenue": 1180}))["values"]["revenue"] == 1180
    assert ok(commune.act(pk, "submit"))["state"] == "submitted"  # the signed PDF is still attached


def test_dieu_9_khoan_3_dieu_13_lien_thong_he_thong_bao_cao_chinh_phu(app, qn, signed):
    """Điều 9 khoản 3, Điều 13 (R3): báo cáo của tỉnh được duyệt thì gửi liên thông tới Hệ thống thông tin
    báo cáo Chính phủ; báo cáo của xã thì không."""
    from core.exchange.models import OutboxMessage

    board, commune = qn[BOARD], qn[COMMUNE]
    pk = the_report(commune, "QN-BC01")
    _sent(commune, pk, signed)
    ok(board.act(pk, "approve"))
    own = _report(board, "QN-BC02", "2026", unit=BOARD)
    _sent(board, own, signed, {"accounts": 120, "reports_due": 1400, "reports_sent": 1350, "reports_on_time": 1300})
    assert board.act(own, "approve").status_code == 403  # the province does not approve its own report
    assert ok(_admin(app).act(own, "approve"))["state"] == "approved"
    with app.app_context():
        queued = [(m.report_id, m.destination) for m in db.session.query(OutboxMessage)]
    assert queued == [(own, "https://baocao.chinhphu.vn/api/datavaluesets")]
    screen = _admin_screen(app)
    assert screen.get("/exchange/outbox/list/").status_code == 200


@pytest.mark.calendar
def test_dieu_9_khoan_4_nhap_bu_bao_cao_sau_su_co(app, qn, signed):
    """Điều 9 khoản 4 (W7): hệ thống gián đoạn, báo cáo gửi bằng văn bản điện tử; sau khi khắc phục thì
    cập nhật bổ sung lên Hệ thống với thời điểm nhận thực tế."""
    commune, board = qn[COMMUNE], qn[BOARD]
    pk = the_report(commune, "QN-BC01")
    received = (clock.utcnow() - timedelta(days=2)).replace(microsecond=0)
    form = {"values": json.dumps(REPORT), "received_at": received.isoformat() + "Z",
            "note": "Hệ thống gián đoạn; báo cáo nhận qua Hệ thống quản lý văn bản và điều hành"}

    def backfill(officer):
        return officer.client.post(f"/api/v1/report/{pk}/backfill", headers=officer.headers,
                                   data={**form, "file": (io.BytesIO(signed), "bao-cao-ky-so.pdf")},
                                   content_type="multipart/form-data")

    assert backfill(commune).status_code == 403
    done = ok(backfill(_admin(app)))
    assert done["state"] == "submitted"
    detail = board.report(pk)
    assert detail["values"]["revenue"] == REPORT["revenue"] and detail["state"] == "submitted"
    assert detail["submitted_at"].startswith(received.date().isoformat())
    assert ok(board.act(pk, "approve"))["state"] == "approved"


def test_dieu_10_khoan_2_cac_che_do_bao_cao_dinh_ky(app, qn):
    """Điều 10 khoản 1–2 (F1, F5): chế độ báo cáo định kỳ (tháng, 6 tháng, năm) được cấu hình sẵn trên Hệ
    thống (báo cáo đột xuất: xem Điều 7 khoản 1 điểm b)."""
    board = qn[BOARD]
    forms = {f["code"]: f for f in ok(board.client.get("/api/v1/form/", headers=board.headers))["result"]}
    assert forms["QN-BC01"]["name"] == "Báo cáo tình hình thực hiện nhiệm vụ kinh tế - xã hội hằng tháng"
    assert forms["QN-BC02"]["name"] == "Báo cáo tình hình sử dụng, khai thác Hệ thống thông tin báo cáo"
    periods = {p["code"]: p for p in ok(board.client.get("/api/v1/period/?q=(page_size:100)",
                                                         headers=board.headers))["result"]}
    assert {"202611", "2026S2", "2026"} <= set(periods)
    # Nghị định 09/2019/NĐ-CP Điều 12, which the Quy chế follows: a month's data runs from the 15th before.
    assert (periods["202611"]["start"], periods["202611"]["end"]) == ("2026-10-15", "2026-11-14")
    assert periods["2026"]["start"] == "2025-12-15" and periods["2026"]["deadline"] >= periods["2026"]["end"]


@pytest.mark.skip(reason="Yearly review of the regimes is an organisational duty; the designer's versioning is tested elsewhere")
def test_dieu_10_khoan_3_ra_soat_che_do_bao_cao_hang_nam():
    """Điều 10 khoản 3 (F6): rà soát chế độ báo cáo hằng năm hoặc khi chính sách thay đổi."""


def test_dieu_11_khoan_2_3_truc_quan_hoa_so_lieu_cho_lanh_dao(app, qn, signed):
    """Điều 11 khoản 2–3, Điều 4 khoản 4 (R2, H2): số liệu đã duyệt được tổng hợp thành thống kê, biểu đồ;
    tỷ lệ được tính bình quân, không cộng dồn."""
    commune, ward, board = qn[COMMUNE], qn[WARD], qn[BOARD]
    for officer, revenue, rate in ((commune, 1000, 4.0), (ward, 2500, 6.0)):
        pk = _report(officer, "QN-BC01", "202611")
        _sent(officer, pk, signed, {**REPORT, "revenue": revenue, "poverty_rate": rate})
        ok(board.act(pk, "approve"))
    totals = ok(board.client.get("/api/v1/aggregate/?form=QN-BC01&period=202611", headers=board.headers))
    assert totals["reports"] == 2
    assert totals["values"]["revenue"] == 3500 and totals["values"]["poverty_rate"] == 5
    chart = _web(app, board.username).get("/dashboard/data?form=QN-BC01&period=202611&unit=51&field=revenue")
    assert chart.status_code == 200 and "3500" in chart.get_data(as_text=True)


def test_dieu_11_khoan_4_phan_quyen_du_lieu_theo_pham_vi_don_vi(qn, signed):
    """Điều 11 khoản 4, Điều 14 khoản 4 (H5, A12): mỗi đơn vị chỉ thấy dữ liệu của mình; tỉnh thấy cả tỉnh."""
    commune, ward, board = qn[COMMUNE], qn[WARD], qn[BOARD]
    assert [u["code"] for u in _units(commune)] == [COMMUNE]
    pk = the_report(ward, "QN-BC01")
    assert commune.get(pk).status_code == 404
    assert {r["unit_code"] for r in commune.reports()} == {COMMUNE}
    assert board.report(pk)["unit_code"] == WARD
    other = commune.client.get(f"/api/v1/aggregate/?form=QN-BC01&period=202611&unit={WARD}", headers=commune.headers)
    assert other.status_code == 404


@pytest.mark.skip(reason="Retention under archival law is organisational; the software never deletes reports")
def test_dieu_12_luu_tru_bao_cao_theo_phap_luat_luu_tru():
    """Điều 12 (R11): lưu trữ báo cáo theo pháp luật về lưu trữ."""


def test_dieu_14_khoan_1_dieu_21_khoan_3_sao_luu_dinh_ky(app, qn):
    """Điều 14 khoản 1, Điều 21 khoản 3 (S2): định kỳ sao lưu dữ liệu và thử khôi phục."""
    from core.platform import plugin_admin

    with app.test_request_context():
        jobs = {j.name: j for answer in plugin_admin.registry().hook.scheduled_jobs() for j in answer}
    assert jobs["core.backup"].cron == "0 2 * * 2,5"
    assert "core.restore_test" in jobs and "core.usage_yearly" in jobs


@pytest.mark.skip(reason="24/7 operation is an infrastructure and staffing commitment, not a software feature")
def test_dieu_14_khoan_1_dieu_16_khoan_1_hoat_dong_lien_tuc_24_7():
    """Điều 14 khoản 1, Điều 16 khoản 1 (S1): hệ thống hoạt động liên tục 24 giờ/ngày, 7 ngày/tuần."""


def test_dieu_14_khoan_5_dieu_17_khoan_4_noi_bao_su_co_va_ho_tro(app, qn):
    """Điều 14 khoản 5, Điều 17 khoản 4, Điều 18 khoản 1 (S9): nơi tiếp nhận phản ánh, báo sự cố."""
    page = _web(app, qn[COMMUNE].username).get("/help/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Văn phòng Ủy ban nhân dân tỉnh Quảng Ngãi" in text and "Công an tỉnh Quảng Ngãi" in text
    assert "Điều 14 khoản 5" in text


def test_dieu_14_khoan_6_thong_bao_nang_cap_truoc_24_gio(app, qn, monkeypatch):
    """Điều 14 khoản 6 (S3): kế hoạch nâng cấp được thông báo tới các đơn vị chậm nhất 24 giờ trước."""
    from core.operations import maintenance
    from core.operations.models.backup import MaintenanceNotice

    now = clock.utcnow().replace(microsecond=0)
    starts = now + timedelta(hours=30)
    admin = _admin_screen(app)
    message = "Nâng cấp Hệ thống thông tin báo cáo lên phiên bản 3.2"
    with app.app_context():
        db.session.add(MaintenanceNotice(starts_at=starts, ends_at=starts + timedelta(hours=2), message=message,
                                         emergency=False, created_by="admin", created_at=now))
        db.session.commit()
    commune = qn[COMMUNE]

    def told(hours: float) -> bool:
        monkeypatch.setattr(clock, "utcnow", lambda: now + timedelta(hours=hours))
        maintenance.forget(app)
        header = commune.client.get("/api/v1/report/", headers=commune.headers).headers.get(maintenance.HEADER)
        return bool(header) and message in admin.get("/").get_data(as_text=True)

    assert not told(5)      # 25 hours before
    assert told(6.5)        # 23.5 hours before
    assert not told(32.5)   # over


@pytest.mark.skip(reason="The security level under Nghị định 85/2016 is certified by the authorities, not by software")
def test_dieu_14_khoan_7_dieu_15_an_toan_he_thong_theo_cap_do():
    """Điều 14 khoản 7, Điều 15 (S7): bảo đảm an toàn hệ thống thông tin theo cấp độ (Nghị định 85/2016)."""


def test_dieu_17_khoan_4_khoan_7_don_doc_thuc_hien_che_do_bao_cao(qn, signed):
    """Điều 17 khoản 4, khoản 7 (H4): Văn phòng UBND tỉnh kiểm tra, đôn đốc đơn vị chưa gửi báo cáo."""
    commune, ward, board = qn[COMMUNE], qn[WARD], qn[BOARD]
    _sent(commune, _report(commune, "QN-BC01", "202611"), signed)
    status = ok(board.client.get("/api/v1/completeness/?form=QN-BC01&period=202611", headers=board.headers))
    states = {u["unit_code"]: u["state"] for u in status["units"]}
    assert states[COMMUNE] == "submitted" and states[WARD] == "draft"
    urged = ok(board.client.post("/api/v1/completeness/urge?form=QN-BC01&period=202611", headers=board.headers))
    assert WARD in urged["reminded"] and COMMUNE not in urged["reminded"]
    urge = "Đôn đốc nộp báo cáo: Báo cáo tình hình thực hiện nhiệm vụ kinh tế - xã hội hằng tháng"
    assert any(n.startswith(urge) for n in ward.notices())
    assert not any(n.startswith(urge) for n in commune.notices())
    assert commune.client.post("/api/v1/completeness/urge?form=QN-BC01&period=202611",
                               headers=commune.headers).status_code == 403


def test_dieu_19_khoan_1_bao_cao_tinh_hinh_su_dung_he_thong(app, qn, signed):
    """Điều 19 khoản 1, Điều 17 khoản 7 (R10): đơn vị báo cáo tình hình sử dụng 6 tháng, năm; Văn phòng UBND
    tỉnh tổng hợp tình hình sử dụng của các đơn vị."""
    commune = qn[COMMUNE]
    pk = _report(commune, "QN-BC02", "2026S2")
    wrong = {"accounts": 3, "reports_due": 20, "reports_sent": 25, "reports_on_time": 18}
    resp = commune.put(pk, wrong)
    assert resp.status_code == 422
    assert any("Số báo cáo đã gửi không được lớn hơn số báo cáo phải thực hiện." in m
               for m in resp.get_json()["errors"]["_rules"])
    assert _sent(commune, pk, signed, {**wrong, "reports_sent": 19})["state"] == "submitted"
    year = entry.today().year  # the province's calendar
    usage = _admin_screen(app)
    rows = list(csv.reader(io.StringIO(usage.get(f"/usage/export.csv?start={year}-01-01&end={year}-12-31")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    mine = next(r for r in rows if r[0] == COMMUNE)
    assert int(mine[3]) >= 1 and int(mine[4]) == 1  # logins, submissions


def test_dieu_20_khoan_3_chiu_trach_nhiem_bang_tai_khoan_ca_nhan(app, qn, signed):
    """Điều 20 khoản 3, Điều 6 khoản 2 (S5, W9): mọi thao tác ghi lại người thực hiện; nhật ký chỉ quản trị xem."""
    commune, board = qn[COMMUNE], qn[BOARD]
    pk = the_report(commune, "QN-BC01")
    _sent(commune, pk, signed)
    ok(board.act(pk, "approve"))
    history = commune.report(pk)["history"]
    assert [(h["action"], h["actor"], h["unit"]) for h in history] == [
        ("submit", commune.username, COMMUNE), ("approve", board.username, BOARD)]
    assert commune.client.get("/api/v1/audit/", headers=commune.headers).status_code in (401, 403)
    admin = _admin(app)
    log = ok(admin.client.get("/api/v1/audit/?q=(page_size:100,order_column:id,order_direction:desc)",
                              headers=admin.headers))["result"]
    assert any(e.get("actor") == board.username for e in log), log[:3]


@pytest.mark.skip(reason="Handing the database over to the provincial data centre is an organisational act")
def test_dieu_21_khoan_4_ban_giao_co_so_du_lieu():
    """Điều 21 khoản 4 (S2, R11): định kỳ sao lưu, bàn giao cơ sở dữ liệu về cơ quan đầu mối của tỉnh."""


def test_dieu_2_dieu_7_khoan_1_baocao_init_demo_nap_don_vi_that_cua_quang_ngai(cli, make_app):
    """Điều 2, Điều 7 khoản 1 (H1, F7): ``baocao init --province quang_ngai_baocao --demo``."""
    result = cli("init", "--province", PLUGIN, "--demo")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert any(line.startswith("units of Tỉnh Quảng Ngãi (2025):") for line in lines)
    assert any("form QN-BC01 created" in line for line in lines) and any("form QN-BC02" in line for line in lines)
    accounts = [line.split("\t") for line in lines if "\t" in line]
    assert accounts[-1][0] == "admin" and len(accounts) == 3  # the province, a commune, admin
    again = cli("init", "--province", PLUGIN, "--demo")
    assert again.exit_code == 0 and again.output.strip().splitlines()[-1] == "already initialised: nothing changed"
