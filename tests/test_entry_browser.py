"""The commune's core task in a real Chromium against a real server (CSRF on): nothing typed is ever lost.

An edit followed straight by "Gửi" goes up with the edit; a file attached before saving keeps the typed
values; a session that ends mid-entry asks for the password in place and then saves; a post after the
session ended comes back in Vietnamese with the values; "12,5" is refused in a whole-number field and never
read as 125; a wrong file is removed before submitting; at 390 px the page has no cut-off columns and the
action bar stays in reach. Screenshots land in docs/screens/ (the user guide uses them) with
``BAOCAO_SCREENS=update``.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.test_browser import PNG, _first_login, browser, page, server  # noqa: F401 (fixtures)
from core.platform.extensions import db  # noqa: E402
from tests import factories  # noqa: E402

SCREENS = Path(__file__).resolve().parent.parent / "docs" / "screens"


def _report(app, unit: str = "X011"):
    from core.reporting.models import Report
    from core.hierarchy.models import Unit

    with app.app_context():
        report = db.session.query(Report).join(Unit).filter(Unit.code == unit).one()
        return report.id, report.state


def _stored(app, report_id: int) -> dict:
    from core.reporting import entry
    from core.reporting.models import Report

    with app.app_context():
        return entry.values_of(db.session, db.session.get(Report, report_id))


def _open(page, url: str) -> int:
    """From the report list to the entry page: one click."""
    page.goto(url + "/reports/list/")
    with page.expect_navigation():
        page.click("a[href*='/entry']")
    return int(page.url.split("/reports/")[1].split("/")[0])


def _until(page, expression: str, seconds: float = 15):
    """Poll ``expression`` in the page (wait_for_function would eval, which the CSP refuses)."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {expression}")


def _saved(page):
    """Autosave has confirmed every typed cell ("Đã lưu lúc …") and the browser's copy is gone."""
    _until(page, "document.getElementById('entry-saved').textContent.indexOf('Đã lưu lúc') === 0"
                 " && !localStorage.getItem('baocao.entry.' + document.getElementById('entry-form')"
                 ".getAttribute('data-report') + '.' + document.getElementById('entry-form')"
                 ".getAttribute('data-lock'))")


def _shot(page, name: str, full: bool = True):
    """Take the screenshot (it must render); docs/screens/ (the user guide's pictures) is rewritten only on
    request, ``BAOCAO_SCREENS=update``, as the role walk does: a test run leaves the tree clean."""
    if os.environ.get("BAOCAO_SCREENS") == "update":
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / name), full_page=full)
    else:
        assert page.screenshot(full_page=full).startswith(b"\x89PNG")


def test_an_edit_then_submit_at_once_sends_the_edit_and_attaching_first_loses_nothing(server, page):
    """The core task: open, fill, attach, submit. Counted clicks: open (1), attach (2), send (3)."""
    page.set_viewport_size({"width": 1366, "height": 900})
    _first_login(page, server["url"], server["username"], server["one_time"])
    pk = _open(page, server["url"])
    page.fill("#in-households", "120")
    page.fill("#in-population", "500")
    page.fill("#in-poor_households", "20")
    # Attach before anything was saved: the same post saves the typed values first.
    page.set_input_files("#attach-form input[type=file]",
                         files=[{"name": "bản scan.png", "mimeType": "image/png", "buffer": PNG}])
    with page.expect_navigation():
        page.click("#attach-submit")
    assert "bản scan.png" in page.inner_text("#attachment-list")
    assert page.input_value("#in-households") == "120" and page.input_value("#in-poor_households") == "20"
    assert _stored(server["app"], pk)[("households", "")] == 120

    # The page is usable: a sticky bar with the save state, a section index, empty ethnic rows folded.
    bar = page.locator("#entry-actionbar")
    assert bar.is_visible() and "Đã lưu lúc" in bar.inner_text()
    assert page.locator("#entry-index a").count() >= 2
    assert page.is_visible("text=Hiện tất cả")
    _shot(page, "entry-after.png", full=False)

    # An edit, and "Gửi" straight away (no save, no wait for the autosave): the edit goes up.
    page.fill("#in-households", "130")
    with page.expect_navigation():
        page.click("#entry-submit")
    assert _report(server["app"])[1] == "submitted"
    assert _stored(server["app"], pk)[("households", "")] == 130
    assert "Đã gửi" in page.inner_text("#entry-facts")


def test_autosave_saves_each_cell_and_keyboard_moves_between_cells(server, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    _first_login(page, server["url"], server["username"], server["one_time"])
    pk = _open(page, server["url"])
    page.click("#in-households")
    page.keyboard.type("45")
    page.keyboard.press("Enter")  # Enter moves on, it neither submits nor changes a number
    assert page.evaluate("document.activeElement.id") == "in-minority_households"
    page.keyboard.type("12,5")  # a whole-number field: refused with a sentence, never stored as 125
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.id") == "in-population"
    page.wait_for_selector("#field-minority_households .entry-autosave-msg")
    assert "số nguyên" in page.inner_text("#field-minority_households").lower()
    stored = _stored(server["app"], pk)
    assert stored[("households", "")] == 45 and ("minority_households", "") not in stored

    # The 54 ethnic groups fold away while empty; "Hiện tất cả" brings them back.
    rows = page.locator("table[data-field='population_by_ethnicity'] tbody tr")
    assert rows.count() == 54 and page.locator("table[data-field='population_by_ethnicity'] tbody tr:visible").count() == 0
    page.locator("#field-population_by_ethnicity .entry-show-all").click()
    assert page.locator("table[data-field='population_by_ethnicity'] tbody tr:visible").count() == 54
    # In a grid, the arrow keys walk the cells and leave the numbers alone; the total shows as you type.
    first = page.locator("table[data-field='population_by_ethnicity'] input").first
    name = first.get_attribute("name")
    first.fill("7")
    first.press("ArrowDown")
    below = page.evaluate("document.activeElement.name")
    assert below.startswith("population_by_ethnicity__") and below != name
    assert page.evaluate("document.activeElement.getAttribute('data-row')") == "1"
    assert first.input_value() == "7"
    page.keyboard.type("3")
    assert "10" in page.inner_text("#entry-live-total")
    page.fill("#in-minority_households", "12")
    _saved(page)
    assert _stored(server["app"], pk)[("minority_households", "")] == 12


def test_a_session_that_ends_mid_entry_asks_for_the_password_and_then_saves(server, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    _first_login(page, server["url"], server["username"], server["one_time"])
    pk = _open(page, server["url"])
    page.fill("#in-households", "200")
    _saved(page)
    page.context.clear_cookies()  # the 30-minute session is gone (its cookie with it)
    page.fill("#in-poor_households", "31")
    dialog = page.locator("#entry-relogin")
    dialog.wait_for(state="visible")
    assert "Đăng nhập lại" in dialog.inner_text()
    assert page.input_value("#in-poor_households") == "31"
    page.fill("#relogin-password", "wrong password")
    page.click("#entry-relogin-submit")
    page.wait_for_selector("#entry-relogin-error:has-text('Sai')")
    page.fill("#relogin-password", factories.NEW_PASSWORD)
    page.click("#entry-relogin-submit")
    dialog.wait_for(state="hidden")
    _saved(page)
    assert _stored(server["app"], pk)[("poor_households", "")] == 31  # typed once, saved after the password


def test_values_typed_while_the_server_is_away_come_back_after_a_reload(server, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.on("dialog", lambda d: d.accept())
    _first_login(page, server["url"], server["username"], server["one_time"])
    pk = _open(page, server["url"])
    page.route("**/api/v1/report/*/values", lambda route: route.abort())
    page.fill("#in-households", "77")
    _until(page, "document.getElementById('entry-saved').className.indexOf('entry-unsaved') >= 0"
                 " && !!localStorage.getItem('baocao.entry.' + document.getElementById('entry-form')"
                 ".getAttribute('data-report') + '.' + document.getElementById('entry-form').getAttribute('data-lock'))")
    page.unroute("**/api/v1/report/*/values")
    page.reload()
    assert page.input_value("#in-households") == "77"  # restored from this browser's copy
    _saved(page)
    assert _stored(server["app"], pk)[("households", "")] == 77


def test_a_post_after_the_session_ended_keeps_the_values_without_a_script(server, browser):
    context = browser.chromium.new_context(locale="vi-VN", java_script_enabled=False)
    page = context.new_page()
    _first_login(page, server["url"], server["username"], server["one_time"])
    pk = _open(page, server["url"])
    page.fill("#in-households", "150")
    page.fill("#in-population", "610")
    page.context.clear_cookies()
    page.click("#entry-save")
    text = page.inner_text("body")
    assert "Bad Request" not in text and "CSRF" not in text
    assert "Phiên làm việc đã hết hạn" in text
    assert page.input_value("#in-households") == "150" and page.input_value("#in-population") == "610"
    assert _stored(server["app"], pk) == {}
    # Sign in again in another tab, come back, press "Lưu": saved.
    other = context.new_page()
    other.goto(server["url"] + "/login/")
    other.fill("input[name=username]", server["username"])
    other.fill("input[name=password]", factories.NEW_PASSWORD)
    with other.expect_navigation():
        other.click(factories.SUBMIT)
    with page.expect_navigation():
        page.click("#entry-save")
    assert _stored(server["app"], pk)[("population", "")] == 610
    context.close()


def test_a_wrong_file_is_removed_before_submitting(server, page):
    from core.platform.audit import AuditEntry

    page.set_viewport_size({"width": 1366, "height": 900})
    _first_login(page, server["url"], server["username"], server["one_time"])
    pk = _open(page, server["url"])
    page.fill("#in-households", "90")
    page.set_input_files("#attach-form input[type=file]",
                         files=[{"name": "nhầm tệp.png", "mimeType": "image/png", "buffer": PNG}])
    with page.expect_navigation():
        page.click("#attach-submit")
    assert "nhầm tệp.png" in page.inner_text("#attachment-list")
    page.fill("#in-population", "400")
    with page.expect_navigation():
        page.click(".entry-detach")
    assert "nhầm tệp.png" not in page.inner_text("#attachments")
    assert page.input_value("#in-population") == "400"
    with server["app"].app_context():
        entry = db.session.query(AuditEntry).filter_by(action="report.detach").one()
        assert json.loads(entry.changes)["filename"] == "nhầm tệp.png"
    assert _stored(server["app"], pk)[("population", "")] == 400


def test_on_a_390px_phone_nothing_is_cut_off_and_the_task_works_by_touch(server, browser):
    phone = browser.new_page(locale="vi-VN", viewport={"width": 390, "height": 844}, has_touch=True,
                             is_mobile=True, device_scale_factor=2)
    _first_login(phone, server["url"], server["username"], server["one_time"])
    phone.goto(server["url"] + "/reports/list/")
    with phone.expect_navigation():
        phone.locator("a[href*='/entry']").first.tap()
    # The page itself never scrolls sideways: wide tables scroll inside their own box.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    for box in phone.locator(".entry-grid").all():
        holder = box.locator("xpath=..")
        assert holder.evaluate("e => e.clientWidth") <= 390
    phone.locator("#in-households").tap()
    phone.keyboard.type("64")
    phone.fill("#in-population", "300")
    phone.fill("#in-poor_households", "9")
    bar = phone.locator("#entry-actionbar").bounding_box()
    assert bar is not None and bar["y"] + bar["height"] <= 844 + 1 and bar["y"] >= 0  # in reach, not below
    _shot(phone, "entry-390.png", full=False)
    phone.set_input_files("#attach-form input[type=file]",
                          files=[{"name": "scan.png", "mimeType": "image/png", "buffer": PNG}])
    with phone.expect_navigation():
        phone.locator("#attach-submit").tap()
    with phone.expect_navigation():
        phone.locator("#entry-submit").tap()
    assert _report(server["app"])[1] == "submitted"
