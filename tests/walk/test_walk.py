"""Each role walks its screens in Chromium at 1366 px and on a 390 px phone (issue 15, "Done when").

Commune, district, board and system administrator sign in and open their home page and main
screens. Every page must: answer without a 5xx, show no English word of the interface and no raw
code (``01|male``, ``True``, ``None``) in its visible text (:mod:`tests.screen_text`, the checker
every screen test uses), and have
no serious or critical accessibility violation found by axe-core (the npm package, installed by
``make install``, injected into the page). The home page of each role is kept as a screenshot in
``docs/screens/home-<role>.png`` (1366 px) for the user guide; ``BAOCAO_SCREENS=update`` rewrites them.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.walk.conftest import AT, AXE, ROLES, WIDTHS
from tests.screen_text import assert_vietnamese

pytestmark = pytest.mark.at(AT)
SCREENS_DIR = Path(__file__).resolve().parents[2] / "docs" / "screens"

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v =>
    `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
}"""


def _entry(site, role):
    """The entry page of the report each role would open: the commune its own draft, reviewers one sent."""
    reports = site["reports"]
    if role == "commune":
        return f"/reports/{reports['X011'][0]}/entry"
    sent = next((rid for code, (rid, state) in reports.items() if state == "submitted"), reports["X012"][0])
    return f"/reports/{sent}/entry"


def _audit_entry(site, role):
    """The page of the newest workflow step in the audit log: its change in words, its details, its hashes."""
    from sqlalchemy import select

    from core.platform.extensions import db
    from core.platform.models.audit import AuditEntry

    with site["app"].app_context():
        pk = db.session.scalar(select(AuditEntry.id).where(AuditEntry.object_type == "Report",
                                                           AuditEntry.action.like("report.%"))
                               .order_by(AuditEntry.id.desc()).limit(1))
        db.session.remove()
    return f"/audit/show/{pk}"


#: (role, screen, path or a function of (site, role), marks).
WALK = [
    ("commune", "home", "/", ()),
    ("commune", "entry", _entry, ()),
    ("commune", "my reports", "/my-reports/", ()),
    ("commune", "totals", "/totals/", ()),
    ("district", "home", "/", ()),
    ("district", "inbox", "/review/", ()),
    ("district", "entry", _entry, ()),
    ("district", "totals", "/totals/", ()),
    ("district", "dashboard", "/dashboard/", ()),
    ("board", "home", "/", ()),
    ("board", "inbox", "/review/", ()),
    ("board", "totals", "/totals/", ()),
    ("board", "dashboard", "/dashboard/", ()),
    ("admin", "home", "/", ()),
    ("admin", "audit", "/audit/list/", ()),
    ("admin", "audit entry", _audit_entry, ()),
    ("admin", "access log", "/access-log/list/", ()),
    ("admin", "accounts", "/accounts/list/", ()),
    ("admin", "dashboard", "/dashboard/", ()),
]


def _cases():
    for role, screen, path, marks in WALK:
        for width in WIDTHS:
            yield pytest.param(role, screen, path, width, id=f"{role}-{screen}-{width}".replace(" ", "_"),
                               marks=marks)


def _check(one, where: str) -> None:
    page = one.page
    assert not one.errors, f"{where}: server errors {one.errors}"
    assert_vietnamese(page.inner_text("body"), where)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(AXE_RUN)
    assert violations == [], f"{where}: axe-core found\n" + "\n".join(violations)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_login_page(chromium, site, width):
    context = chromium.new_context(viewport={"width": WIDTHS[width], "height": 900}, locale="vi-VN",
                                   bypass_csp=True)
    try:
        page = context.new_page()
        answer = page.goto(site["url"] + "/login/")
        assert answer.status == 200
        assert page.is_visible("input[name=username]") and page.is_visible("input[name=password]")

        class One:
            errors: list = []
        One.page = page
        _check(One, f"login at {width}")
    finally:
        context.close()


@pytest.mark.parametrize("role, screen, path, width", list(_cases()))
def test_each_role_walks_its_screens(signed, site, role, screen, path, width, tmp_path):
    one = signed(role, width)
    target = path(site, role) if callable(path) else path
    page = one.open(target)
    where = f"{role} {screen} ({target}) at {WIDTHS[width]} px"
    assert "/login" not in page.url, f"{where}: sent back to the login page"
    if screen == "home" and width == "desktop":
        # docs/screens/ (the user guide's pictures) is rewritten on request only: BAOCAO_SCREENS=update.
        folder = SCREENS_DIR if os.environ.get("BAOCAO_SCREENS") == "update" else tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"home-{role}.png"), full_page=True)
    if screen == "home":
        assert page.is_visible("#home")
    _check(one, where)


def test_the_walk_covers_every_role_and_main_screen():
    """The four roles of the issue, and every screen axe-core must pass (a screen dropped from WALK fails here)."""
    assert {role for role, *_ in WALK} == set(ROLES)
    assert {screen for _, screen, *_ in WALK} >= {"home", "entry", "inbox", "totals", "dashboard", "audit", "accounts"}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_signing_out_is_the_menus_button_at_each_width(signed, width):
    """The user menu's "Đăng xuất" is a button posting the sign-out (a link from elsewhere cannot sign
    anyone out); it opens and works with the menu collapsed on a phone too."""
    one = signed("district", width)
    page = one.open("/")
    if width == "phone":
        page.click(".navbar-toggle")
    page.click("a.dropdown-toggle:has(.fa-user)")
    page.wait_for_selector("#menu-logout", state="visible", timeout=5000)  # the phone's menu slides open
    with page.expect_navigation():
        page.click("#menu-logout")
    assert page.locator("a.dropdown-toggle:has(.fa-user)").count() == 0  # signed out
    assert one.open("/my-reports/").url.split("?")[0].endswith("/login/")
