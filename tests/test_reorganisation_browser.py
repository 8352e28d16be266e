"""*Sắp xếp đơn vị hành chính* in Chromium, at 390 px and on a desktop (issue 19): the Cao Bằng plugin
offers the 2025 move; the administrator prepares the draft, types the shares of a split, sees a wrong
sum refused in Vietnamese, previews what closes and moves, applies after a confirmation, and finds the
event read-only with its legal basis. A commune officer cannot open the screen."""
from __future__ import annotations

import pytest

from core.hierarchy import transition
from core.hierarchy.models import Reorganisation, Unit, UnitLineage
from core.platform.extensions import db
from tests import factories
from tests.test_admin_screens_browser import _page, _shot, _sign_in, chromium  # noqa: F401  (fixture)
from tests.test_browser import _serving, sync_api  # noqa: F401  (skips without Chromium)
from tests.test_reorganise_cli import FakeTransition

pytestmark = factories.ON_ASSIGNMENT_DAY
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(make_app, monkeypatch):
    monkeypatch.setattr(transition, "load", lambda province: FakeTransition())
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        factories.province()
        username, one_time = factories.issue("X012")
        sm = app.appbuilder.sm
        sm.add_user("quantri", "Quản trị", "hệ thống", "qt@example.vn", sm.find_role(sm.auth_role_admin),
                    password=factories.NEW_PASSWORD)
    with _serving(app) as url:
        yield {"url": url, "app": app, "officer": username, "one_time": one_time}


def _fits(page) -> None:
    """Nothing wider than the phone: wide tables scroll inside their own box, the page does not."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, width


def test_the_administrator_prepares_previews_and_applies_the_2025_move(site, chromium, tmp_path):
    outside: list[str] = []
    page = _page(chromium, site, outside)
    page.set_viewport_size(PHONE)
    _sign_in(page, site, "quantri", factories.NEW_PASSWORD)

    page.goto(site["url"] + "/reorganisations/")
    offer = page.locator("#reorganisation-offers tbody tr").first
    assert "01/07/2025" in offer.inner_text() and "2020" in offer.inner_text() and "2025" in offer.inner_text()
    assert "Nghị quyết 1657/NQ-UBTVQH15" in offer.inner_text()
    _fits(page)
    _shot(page, "reorganisations-phone", tmp=tmp_path)
    with page.expect_navigation():
        offer.locator("button[type=submit]").click()
    assert "Đã lập dự thảo" in page.inner_text(".alert-success")
    counts = {el.get_attribute("data-count"): int(el.inner_text()) for el in
              page.locator("#reorganisation-counts [data-count]").all()}
    assert counts == {"created": 1, "closed": 4, "moved": 1, "renamed": 1, "reports": 0, "accounts": 1}
    assert "Xã Lũng Nặm" in page.inner_text("#preview-closed") and "N100" in page.inner_text("#preview-created")
    _fits(page)
    _shot(page, "reorganisation-draft-phone", tmp=tmp_path)

    # a wrong sum is refused in Vietnamese, and there is nothing to apply until it is right
    page.fill('input[name="share-3-X011"]', "30")
    page.fill('input[name="share-3-N100"]', "60")
    with page.expect_navigation():
        page.click("#reorganisation-steps button[type=submit]")
    assert "tổng tỷ lệ chia tách X021 là 0.9000, không phải 1" in page.inner_text("#reorganisation-problems")
    assert page.locator("#reorganisation-apply").count() == 0
    page.fill('input[name="share-3-N100"]', "70")
    with page.expect_navigation():
        page.click("#reorganisation-steps button[type=submit]")
    assert "Đã lưu tỷ lệ" in page.inner_text(".alert-success")

    page.set_viewport_size({"width": 1366, "height": 768})
    page.locator("#reorganisation-apply button").click()
    dialog = page.locator("#modal-confirm")
    dialog.wait_for(state="visible")
    assert "không thể hoàn tác" in dialog.inner_text() and "Áp dụng" in dialog.inner_text()
    page.wait_for_timeout(400)
    _shot(page, "reorganisation-confirm", tmp=tmp_path)
    with page.expect_navigation():
        page.click("#modal-confirm-ok")
    assert "Đã áp dụng" in page.inner_text(".alert-success")
    facts = page.inner_text("#reorganisation-facts")
    assert "Đã áp dụng" in facts and "Nghị quyết 1657/NQ-UBTVQH15" in facts and "quantri" in facts
    assert page.locator("#reorganisation-steps input[type=text]").count() == 0  # history: read-only
    assert page.locator("#reorganisation-apply").count() == 0
    _shot(page, "reorganisation-applied", tmp=tmp_path)
    with site["app"].app_context():
        x021 = db.session.query(Unit).filter_by(code="X021").one()
        shares = sorted(str(r.share.normalize()) for r in db.session.query(UnitLineage).filter_by(unit_id=x021.id))
        assert shares == ["0.3", "0.7"] and db.session.query(Reorganisation).one().state == "applied"
    assert outside == [], outside


def test_a_commune_officer_cannot_open_the_screen(site, chromium):
    outside: list[str] = []
    page = _page(chromium, site, outside)
    _sign_in(page, site, site["officer"], site["one_time"])
    page.goto(site["url"] + "/reports/list/")  # the forced first change of password
    page.fill("input[name=old_password]", site["one_time"])
    page.fill("input[name=new_password]", factories.NEW_PASSWORD)
    page.fill("input[name=confirm_password]", factories.NEW_PASSWORD)
    with page.expect_navigation():
        page.click(factories.SUBMIT)
    for path in ("/reorganisations/", "/reorganisations/1"):
        response = page.goto(site["url"] + path)
        assert response.status == 403, path
    assert "Sắp xếp đơn vị hành chính" not in page.inner_text(".navbar")
