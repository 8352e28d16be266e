"""A real browser (Debian's Chromium, driven by Playwright) against a real server, CSRF on.

The path of a new commune officer: log in with the one-time password, be made to change it,
open the report, fill it, save the draft, find the values still there after a reload.
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
        db.session.commit()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{http.server_port}", "username": username, "one_time": one_time}
    http.shutdown()


@pytest.fixture
def page():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser.new_page(locale="vi-VN")
        browser.close()


def test_a_new_officer_logs_in_changes_the_password_and_saves_a_draft(server, page):
    page.goto(server["url"] + "/login/")
    page.fill("input[name=username]", server["username"])
    page.fill("input[name=password]", server["one_time"])
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    page.goto(server["url"] + "/reports/list/")
    assert "/account/password/form" in page.url  # forced change first (A3)
    assert page.is_visible("input[name=old_password]")
    page.fill("input[name=old_password]", server["one_time"])
    page.fill("input[name=new_password]", factories.NEW_PASSWORD)
    page.fill("input[name=confirm_password]", factories.NEW_PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit], form input[type=submit]")
    assert "Đã đổi mật khẩu" in page.content()

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
