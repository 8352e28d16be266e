"""In Chromium, as each role works: a sector department verifies on a 390 px phone (H3), a district files
an account request with its letter and the board's leader and operator see it through (A8, A9).

Screenshots go to the test's temporary folder (``BAOCAO_SCREENSHOTS`` to keep them elsewhere)."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from tests.test_browser import _first_login, _serving, browser  # noqa: F401 (the browser fixture)

from core.accounts import lifecycle  # noqa: E402
from core.contracts import FieldSpec, FormSpec, ScheduleSpec, SectionSpec  # noqa: E402
from core.hierarchy.models import Unit  # noqa: E402
from core.platform.extensions import db  # noqa: E402
from core.reporting import assignment, entry  # noqa: E402
from tests import factories  # noqa: E402
from tests.pki import pdf_bytes  # noqa: E402

PHONE = {"width": 390, "height": 844}


def _shots(tmp_path) -> Path:
    folder = Path(os.environ.get("BAOCAO_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def server(make_app):
    from core.accounts.models import Account
    from core.forms.definitions import sync_spec
    from core.reporting.models import Report
    from workflows import transition

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        factories.province()
        db.session.query(Unit).filter_by(code="SYT").one().sector = "y_te"
        sync_spec(db.session, FormSpec("YT01", "Biểu y tế xã", (SectionSpec("s", "Chung", (
            FieldSpec("tram_y_te", "Số trạm y tế", min=0),)),), sector="y_te",
            schedules=(ScheduleSpec("yearly", ("commune",)),)), source="board")
        assignment.assign(db.session, date(2026, 12, 5))
        db.session.commit()
        once = {code: factories.issue(code)[1] for code in ("X011", "H01", "04", "SYT")}
        report = (db.session.query(Report).join(Unit, Unit.id == Report.unit_id)
                  .filter(Unit.code == "X011", Report.form.has(code="YT01")).one())
        assert entry.save(db.session, report, {"tram_y_te": "1"}) == {}
        for action, username in (("submit", "x011"), ("approve", "h01"), ("approve", "04")):
            transition(db.session, report, action, db.session.query(Account).filter_by(username=username).one())
            db.session.commit()
        board = db.session.query(Unit).filter_by(code="04").one()
        _, once["lanhdao"] = lifecycle.create_personal(db.session, "lanhdao", "Lãnh đạo", "Ban", "ld@caobang.gov.vn",
                                                       board, ["Viewer"])
        db.session.commit()
        report_id = report.id
    with _serving(app) as url:
        yield {"url": url, "once": once, "report": report_id, "app": app}


def test_a_department_verifies_its_sectors_data_on_a_phone(server, browser, tmp_path):  # noqa: F811
    shots = _shots(tmp_path)
    phone = browser.new_page(locale="vi-VN", viewport=PHONE)
    _first_login(phone, server["url"], "syt", server["once"]["SYT"])
    phone.goto(server["url"] + "/verification/")
    row = f"#verify-{server['report']}"
    assert "Xã Trường Hà" in phone.inner_text(row)
    phone.check(f"{row} input[value=remark]")
    with phone.expect_navigation():
        phone.click(f"{row} button[type=submit]")
    assert "Ghi ý kiến về dữ liệu." in phone.content()  # the remark's text is required, said in Vietnamese
    phone.check(f"{row} input[value=remark]")
    phone.fill(f"{row} textarea[name=comment]", "Số trạm y tế chưa khớp báo cáo của Trung tâm Y tế huyện")
    with phone.expect_navigation():
        phone.click(f"{row} button[type=submit]")
    assert "Có ý kiến" in phone.inner_text(row) and "chưa khớp" in phone.inner_text(row)
    phone.screenshot(path=str(shots / "verification-phone.png"), full_page=True)
    board = browser.new_page(locale="vi-VN")
    _first_login(board, server["url"], "04", server["once"]["04"])
    board.goto(server["url"] + "/verification/")
    assert "YT01" in board.inner_text("#verification-progress")
    board.screenshot(path=str(shots / "verification-board.png"), full_page=True)


def test_a_district_files_an_account_request_the_leader_approves_the_operator_carries_it_out(
        server, browser, tmp_path):  # noqa: F811
    shots = _shots(tmp_path)
    district = browser.new_page(locale="vi-VN")
    _first_login(district, server["url"], "h01", server["once"]["H01"])
    district.goto(server["url"] + "/account-requests/new")
    district.fill("#ar-unit", "X012")
    district.select_option("#ar-kind", "create")
    district.fill("#ar-full_name", "Nông Thị Hoa")
    district.fill("#ar-title", "Công chức Văn hóa - Xã hội")
    district.set_input_files("#ar-letter", files=[{"name": "đề nghị.pdf", "mimeType": "application/pdf",
                                                   "buffer": pdf_bytes(b"De nghi cap tai khoan")}])
    with district.expect_navigation():
        district.click("#account-request-new button[type=submit]")
    assert "Chờ phê duyệt" in district.inner_text("#account-request-status")
    show = district.url
    district.screenshot(path=str(shots / "account-request-filed.png"), full_page=True)
    leader = browser.new_page(locale="vi-VN", viewport=PHONE)
    _first_login(leader, server["url"], "lanhdao", server["once"]["lanhdao"])
    leader.goto(show)
    with leader.expect_navigation():
        leader.click("#account-request-decide button[value=approve]")
    assert "Đã phê duyệt" in leader.inner_text("#account-request-status")
    leader.screenshot(path=str(shots / "account-request-leader-phone.png"), full_page=True)
    with server["app"].app_context():
        from core.hierarchy.roles import UNIT_ADMIN

        operator, operator_once = lifecycle.create_personal(
            db.session, "vanhanh", "Cán bộ", "vận hành", "vh@caobang.gov.vn",
            db.session.query(Unit).filter_by(code="04").one(), [UNIT_ADMIN])
        db.session.commit()
    operator = browser.new_page(locale="vi-VN")
    _first_login(operator, server["url"], "vanhanh", operator_once)
    operator.goto(show)
    with operator.expect_navigation():
        operator.click("#account-request-carry-out button")
    assert operator.inner_text("#otp-username") == "x012" and operator.inner_text("#otp-password")
    operator.goto(server["url"] + "/account-requests/")
    assert "Hoàn tất" in operator.inner_text("#account-request-table")
    operator.screenshot(path=str(shots / "account-requests-list.png"), full_page=True)


def test_the_administrator_adds_a_make_up_saturday_to_the_working_calendar(make_app, browser, tmp_path):  # noqa: F811
    from tests.conftest import ADMIN_PASSWORD

    shots = _shots(tmp_path)
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        sm = app.appbuilder.sm
        sm.add_user("admin", "Quản trị", "hệ thống", "admin@example.vn", sm.find_role(sm.auth_role_admin),
                    password=ADMIN_PASSWORD)
    with _serving(app) as url:
        admin = browser.new_page(locale="vi-VN")
        admin.goto(url + "/login/")
        admin.fill("input[name=username]", "admin")
        admin.fill("input[name=password]", ADMIN_PASSWORD)
        with admin.expect_navigation():
            admin.click(factories.SUBMIT)
        admin.goto(url + "/working-calendar/add")
        # FAB's date picker owns the field; the value goes in the way the picker writes it.
        admin.eval_on_selector("input[name=day]", "e => { e.value = '2026-12-05'; }")
        admin.select_option("select[name=working]", "1")
        admin.fill("input[name=name]", "Làm bù theo Thông báo 01/TB-UBND")
        with admin.expect_navigation():
            admin.click(factories.SUBMIT)
        admin.goto(url + "/working-calendar/list/?year=2026")
        year = admin.inner_text("#working-calendar-year")
        assert "05/12/2026" in year and "Làm bù theo Thông báo 01/TB-UBND" in year and "Giao thừa" in year
        admin.screenshot(path=str(shots / "working-calendar.png"), full_page=True)
