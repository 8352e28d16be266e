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

from core.platform.extensions import db  # noqa: E402
from core.accounts.models import Account  # noqa: E402
from core.reporting import assignment, entry  # noqa: E402
from core.reporting.models import Report  # noqa: E402
from core.hierarchy.models import Unit  # noqa: E402
from tests import factories  # noqa: E402
from tests.conftest import ADMIN_PASSWORD  # noqa: E402
from workflows import transition  # noqa: E402

pytestmark = factories.ON_ASSIGNMENT_DAY
SHOTS = os.environ.get("BAOCAO_SCREENSHOTS")


def _act(code: str, action: str, username: str):
    """``username`` takes ``action`` on the unit's report, signed in (the audit log names the unit)."""
    from flask import current_app, g
    from flask_login import login_user

    account = db.session.query(Account).filter_by(username=username).one()
    with current_app.test_request_context():
        login_user(account)
        g.user = account
        report = db.session.query(Report).join(Unit).filter(Unit.code == code).one()
        transition(db.session, report, action, account)
        db.session.commit()


def approved_province():
    """Cao Bằng with X011 (ethnic-group cells filled) approved by the board and X012 by its district."""
    factories.province()
    for code in ("04", "H01", "X011", "X012"):
        factories.issue(code)
    db.session.query(Account).update({"must_change_password": False})
    assignment.assign(db.session, factories.ASSIGNED_ON)
    db.session.commit()
    for code, households in (("X011", "100"), ("X012", "50")):
        report = db.session.query(Report).join(Unit).filter(Unit.code == code).one()
        defn = report.version.definition
        raw = {"households": households, "population": "406", "poor_households": "10"}
        fld = entry.fields_of(defn)["population_by_ethnicity"]
        for i, cell in enumerate(entry.cells_of(defn, fld)[:4]):
            raw[entry.input_name("population_by_ethnicity", cell)] = str(100 + i)
        assert entry.save(db.session, report, raw) == {}
        db.session.commit()
        _act(code, "submit", code.lower())
        _act(code, "approve", "h01")
    _act("X011", "approve", "04")
    report = db.session.query(Report).join(Unit).filter(Unit.code == "X011").one()
    return report.form.code, report.period.code


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
