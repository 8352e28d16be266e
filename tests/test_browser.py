"""A real browser (Debian's Chromium, driven by Playwright) against a real server, CSRF on.

A new commune officer logs in with the one-time password, is made to change it, fills the
report, saves the draft (the values survive a reload), attaches the signed scan and submits;
the district's officer, also on a first login, approves it from the review inbox.
Skipped only where Chromium is not installed; `.ci/run` installs it and sets
BAOCAO_BROWSER_TESTS=required so that CI never skips it.
"""
from __future__ import annotations

import os
import shutil
import threading
from datetime import date

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    if os.environ.get("BAOCAO_BROWSER_TESTS") == "required":
        raise RuntimeError("BAOCAO_BROWSER_TESTS=required but Chromium is not installed")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

from werkzeug.serving import make_server  # noqa: E402

from core import assignment  # noqa: E402
from core.extensions import db  # noqa: E402
from tests import factories  # noqa: E402


@pytest.fixture
def server(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        factories.province()
        assignment.assign(db.session, date(2026, 12, 5))
        username, one_time = factories.issue("X011")
        reviewer, reviewer_once = factories.issue("H01")
        db.session.commit()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{http.server_port}", "username": username, "one_time": one_time,
           "reviewer": reviewer, "reviewer_once": reviewer_once, "app": app}
    http.shutdown()


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    return browser.new_page(locale="vi-VN")


#: A real 1×1 PNG: the scan must be recognised by its content.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360"
                    "0002000000050001e226059b0000000049454e44ae426082")


def _first_login(page, url, username, one_time):
    page.goto(url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", one_time)
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    page.goto(url + "/reports/list/")
    assert "/account/password/form" in page.url  # forced change first (A3)
    assert page.is_visible("input[name=old_password]")
    page.fill("input[name=old_password]", one_time)
    page.fill("input[name=new_password]", factories.NEW_PASSWORD)
    page.fill("input[name=confirm_password]", factories.NEW_PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit], form input[type=submit]")
    assert "Đã đổi mật khẩu" in page.content()


def test_a_commune_fills_attaches_and_submits_and_its_district_approves(server, page, browser):
    _first_login(page, server["url"], server["username"], server["one_time"])

    page.goto(server["url"] + "/reports/list/")
    with page.expect_navigation():
        page.click("a[href*='/entry']")
    assert "Biểu DT01" in page.content() and "Tổng số hộ" in page.content()
    page.fill("#in-households", "120")
    page.fill("#in-population", "500")
    page.fill("#in-poor_households", "20")
    with page.expect_navigation():
        page.click("#entry-save")
    assert "Đã lưu bản nháp" in page.content() or "Đã lưu" in page.content()
    page.reload()
    assert page.input_value("#in-households") == "120"

    page.set_input_files("#attach-form input[name=file]",
                         files=[{"name": "bản scan.png", "mimeType": "image/png", "buffer": PNG}])
    with page.expect_navigation():
        page.click("#attach-submit")
    assert "bản scan.png" in page.inner_text("#attachment-list")
    with page.expect_navigation():
        page.click("#action-submit button")
    assert "Đã gửi" in page.content()

    reviewer = browser.new_page(locale="vi-VN")
    _first_login(reviewer, server["url"], server["reviewer"], server["reviewer_once"])
    reviewer.goto(server["url"] + "/review/")
    assert "Xã Trường Hà" in reviewer.content()
    reviewer.check("#review-bulk input[name=report]")
    with reviewer.expect_navigation():
        reviewer.click("#review-approve")
    with server["app"].app_context():
        from core.models import Report, Unit

        report = db.session.query(Report).join(Unit).filter(Unit.code == "X011").one()
        assert (report.state, report.level) == ("submitted", "province")  # on to the board (Cao Bằng)
