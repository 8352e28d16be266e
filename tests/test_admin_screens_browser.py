"""The administrator's screens in Chromium, as the provincial administrator and an officer use them.

* The menu bar of a system administrator fits one row at 1366 px; no page asks anything of the internet.
* Plugins: what each changes, a Vietnamese confirmation ("Hủy" / "Bật") before a switch, the warning of
  a feature of a province that is off.
* A maintenance notice typed with the browser's date-time picker at 22:00 Vietnam time is stored at
  15:00 UTC and shown at 22:00; FAB's delete confirmation says "Hủy" / "Đồng ý".
* A commune officer meets a 403 that names the right and whom to ask, has "Đổi mật khẩu" in its own
  menu, and sees every password rule before typing.

Screenshots of the Plugins screen and the 403 page are kept in docs/screens/ (the user guide uses them).
"""
from __future__ import annotations

import os
import tempfile

from datetime import datetime
from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, _serving, sync_api  # noqa: F401  (skips without Chromium)
from core.platform.extensions import db
from tests import factories

SCREENS = Path(__file__).resolve().parent.parent / "docs" / "screens"
WIDE = {"width": 1366, "height": 768}


@pytest.fixture
def site(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        factories.province()  # Cao Bằng in use
        username, one_time = factories.issue("X011")
        sm = app.appbuilder.sm
        sm.add_user("quantri", "Quản trị", "hệ thống", "qt@example.vn", sm.find_role(sm.auth_role_admin),
                    password=factories.NEW_PASSWORD)
    with _serving(app) as url:
        yield {"url": url, "app": app, "officer": username, "one_time": one_time}


@pytest.fixture
def chromium():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def _page(chromium, site, outside: list[str]):
    page = chromium.new_page(locale="vi-VN", viewport=WIDE)
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(site["url"]) and not request.url.startswith("data:") else None)
    page.on("console", lambda message: outside.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)  # refused by the policy: fails the walk too
    return page


def _sign_in(page, site, username, password):
    page.goto(site["url"] + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click(factories.SUBMIT)


def _shot(page, name: str, keep: bool = False, tmp: Path | None = None) -> Path:
    # The user guide's screenshots are rewritten only on request (BAOCAO_SCREENS=update), like the walk's:
    # a test run must not change tracked files.
    keep = keep and os.environ.get("BAOCAO_SCREENS") == "update"
    path = (SCREENS if keep else (tmp or Path(tempfile.gettempdir()))) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def test_the_administrator_switches_plugins_after_a_confirmation_in_vietnamese(site, chromium, tmp_path):
    outside: list[str] = []
    page = _page(chromium, site, outside)
    _sign_in(page, site, "quantri", factories.NEW_PASSWORD)

    # One row of menus at 1366 px: the bar is as high as one entry, every entry on the first's line.
    _shot(page, "admin-home", tmp=tmp_path)
    tops = page.eval_on_selector_all(".navbar-collapse > ul > li",
                                     "items => items.map(i => Math.round(i.getBoundingClientRect().top))")
    assert tops and len(set(tops)) == 1, tops
    assert page.inner_text(".navbar").count("Bảo mật") == 0  # FAB's Security folded into Quản trị

    page.goto(site["url"] + "/plugins/")
    row = page.locator('tr[data-plugin="ha_noi.deadlines"]')
    assert "tính năng của" in row.inner_text() and "đang tắt" in row.inner_text()
    _shot(page, "plugins", keep=True)

    row.locator("button[type=submit]").click()
    dialog = page.locator("#modal-confirm")
    dialog.wait_for(state="visible")
    text = dialog.inner_text()
    assert "Bật \"Hệ thống thông tin dữ liệu về công tác dân tộc của thành phố Hà Nội: Thời hạn báo cáo" in text
    assert "Kỳ báo cáo và thời hạn" in text and "Hủy" in text and "Bật" in text
    assert "Cancel" not in text and "OK" not in text.split()
    page.wait_for_timeout(400)  # Bootstrap's fade
    page.screenshot(path=str(tmp_path / "plugins-confirm.png"))  # the dialog as the screen shows it
    page.click("#modal-confirm-cancel")
    dialog.wait_for(state="hidden")
    assert page.locator('tr[data-plugin="ha_noi.deadlines"]').get_attribute("data-enabled") == "no"

    row.locator("button[type=submit]").click()
    dialog.wait_for(state="visible")
    with page.expect_navigation():
        page.click("#modal-confirm-ok")
    assert "Đã bật" in page.inner_text(".alert-success")
    assert page.locator('tr[data-plugin="ha_noi.deadlines"]').get_attribute("data-enabled") == "yes"

    page.goto(site["url"] + "/users/list/")
    row = page.locator("tr", has_text="qt@example.vn").inner_text()
    assert "Có" in row and "Quản trị hệ thống" in row  # active, and the role by its title
    listed = page.inner_text("body")
    assert "True" not in listed and "False" not in listed and "None" not in listed
    assert outside == [], outside  # nothing from the internet (no chart CDN, no fonts)


def _pick(page, selector, year, month, day, hour, minute, shots: Path | None = None):
    """Choose a date and time with the picker as a person does: open it, month and year, the day, the clock."""
    page.click(selector)
    calendar = page.locator(".flatpickr-calendar.open")
    calendar.wait_for(state="visible")
    assert "CN" in calendar.inner_text() and "T7" in calendar.inner_text()  # Vietnamese weekdays, week from Monday
    calendar.locator(".flatpickr-monthDropdown-months").select_option(str(month - 1))
    calendar.locator(".numInput.cur-year").fill(str(year))
    calendar.locator(".numInput.cur-year").press("Enter")
    month_shown = calendar.locator(".flatpickr-monthDropdown-months option:checked").inner_text()
    calendar.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)", has_text=str(day)).first.click()
    calendar.locator(".numInput.flatpickr-hour").fill(f"{hour:02d}")
    calendar.locator(".numInput.flatpickr-minute").fill(f"{minute:02d}")
    if shots is not None:
        page.screenshot(path=str(shots))
    calendar.locator(".numInput.flatpickr-minute").press("Enter")
    page.keyboard.press("Escape")
    return month_shown


def test_a_notice_picked_at_22_00_vietnam_time_is_stored_and_shown_at_22_00(site, chromium, tmp_path):
    outside: list[str] = []
    page = _page(chromium, site, outside)
    _sign_in(page, site, "quantri", factories.NEW_PASSWORD)
    page.goto(site["url"] + "/maintenance/add")
    assert _pick(page, "#starts_at", 2026, 12, 8, 22, 0, shots=tmp_path / "picker.png") == "Tháng mười hai"
    assert page.input_value("#starts_at") == "08/12/2026 22:00"
    page.fill("#ends_at", "09/12/2026 01:30")  # typed by hand works too
    page.keyboard.press("Escape")
    page.fill("#message", "Nâng cấp máy chủ cơ sở dữ liệu")
    with page.expect_navigation():
        page.click(factories.SUBMIT)
    with site["app"].app_context():
        from core.operations.models.backup import MaintenanceNotice

        notice = db.session.query(MaintenanceNotice).one()
        assert (notice.starts_at, notice.ends_at) == (datetime(2026, 12, 8, 15, 0), datetime(2026, 12, 8, 18, 30))
    page.goto(site["url"] + "/maintenance/list/")
    assert "08/12/2026 22:00" in page.inner_text("body")
    page.goto(site["url"] + f"/maintenance/edit/{notice.id}")
    assert page.input_value("#starts_at") == "08/12/2026 22:00"

    # FAB's own confirmation (delete) speaks Vietnamese.
    page.goto(site["url"] + "/maintenance/list/")
    page.click("a.confirm, button.confirm, [data-target='#modal-confirm']")
    dialog = page.locator("#modal-confirm")
    dialog.wait_for(state="visible")
    assert page.inner_text("#modal-confirm-cancel") == "Hủy" and page.inner_text("#modal-confirm-ok") == "Đồng ý"
    page.wait_for_timeout(400)
    _shot(page, "delete-confirm", tmp=tmp_path)
    listed = page.locator("tr", has_text="Nâng cấp máy chủ").inner_text()
    assert "Không" in listed and "False" not in listed  # "Khẩn cấp" in words
    assert outside == [], outside


def test_an_officer_meets_a_403_in_words_and_finds_change_password_in_its_menu(site, chromium, tmp_path):
    outside: list[str] = []
    page = _page(chromium, site, outside)
    _sign_in(page, site, site["officer"], site["one_time"])
    # the forced first change: every rule before typing
    page.goto(site["url"] + "/reports/list/")
    assert "/account/password/form" in page.url
    rules = page.inner_text("#password-rules")
    for rule in ("Ít nhất", "chữ hoa", "chữ thường", "chữ số", "ký tự đặc biệt", "Không chứa tên đăng nhập"):
        assert rule in rules, rule
    page.fill("input[name=old_password]", site["one_time"])
    page.fill("input[name=new_password]", factories.NEW_PASSWORD)
    page.fill("input[name=confirm_password]", factories.NEW_PASSWORD)
    with page.expect_navigation():
        page.click(factories.SUBMIT)

    response = page.goto(site["url"] + "/accounts/issue")
    assert response.status == 403
    assert page.inner_text("#error-right") == "Tài khoản: cấp tài khoản cho đơn vị"
    assert "Huyện Hà Quảng" in page.inner_text("#error-ask")
    assert page.is_visible(".navbar")  # inside the layout, with the menu
    _shot(page, "error-403", keep=True)

    page.click(".navbar-right .dropdown-toggle >> nth=-1")
    with page.expect_navigation():
        page.click("#menu-change-password")
    assert "/account/password/form" in page.url and page.is_visible("#password-rules")
    assert outside == [], outside
