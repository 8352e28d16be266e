"""The totals screen and the audit log in Chromium, as the board's officer and the inspector read them.

Cao Bằng: two communes fill their report (one with its ethnic-group cells), their district approves,
the board approves one. The board's officer opens *Tổng hợp và tiến độ*; the administrator opens the
audit log. Both pages must read in Vietnamese with no raw codes (tests/screen_text.py), show the
disaggregation as a labelled grid, rates with %, and times in Vietnam time.
``BAOCAO_SCREENSHOTS=DIR`` keeps the screenshots (docs/screens/totals-after.png, audit-after.png).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_browser import _serving, browser, page  # noqa: F401 (fixtures)
from tests.screen_text import assert_vietnamese

from tests import factories  # noqa: E402
from tests.conftest import ADMIN_PASSWORD  # noqa: E402
from tests.test_labels import approved_province  # noqa: E402

pytestmark = factories.ON_ASSIGNMENT_DAY
SHOTS = os.environ.get("BAOCAO_SCREENSHOTS")


@pytest.fixture
def screens(make_app, admin):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        form, period = approved_province()
    with _serving(app) as url:
        yield {"url": url, "form": form, "period": period, "app": app}


def _login(tab, url, username, password):
    tab.goto(url + "/login/")
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", password)
    with tab.expect_navigation():
        tab.click("input[type=submit], button[type=submit]")


def _shot(tab, name: str):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def test_the_totals_screen_and_the_audit_log_read_in_vietnamese(screens, page):  # noqa: F811
    url = screens["url"]
    page.set_viewport_size({"width": 1366, "height": 900})
    _login(page, url, "admin", ADMIN_PASSWORD)
    page.goto(f"{url}/totals/?form={screens['form']}&period={screens['period']}&unit=04")
    _shot(page, os.environ.get("BAOCAO_SHOT_TOTALS", "totals-after.png"))
    totals = page.inner_text("#totals")
    page.goto(f"{url}/audit/list/")
    _shot(page, os.environ.get("BAOCAO_SHOT_AUDIT", "audit-after.png"))
    audit = page.inner_text("body")
    assert_vietnamese(totals, "totals")
    assert "%" in totals
    assert_vietnamese(audit, "audit log")
