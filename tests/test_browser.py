"""A real browser (Debian's Chromium, driven by Playwright) against a real server, CSRF on.

A new commune officer logs in with the one-time password, is made to change it, fills the
report, saves the draft (the values survive a reload), attaches the signed scan and submits;
the district's officer, also on a first login, approves it from the review inbox. Đồng Nai: the
submit is refused, in Vietnamese, until the signed scan is attached. Quảng Ngãi: the page names
the signer of the attached digitally signed PDF; the province approves.
Skipped only where Chromium is not installed; `.ci/run` installs it and sets
BAOCAO_BROWSER_TESTS=required so that CI never skips it.
"""
from __future__ import annotations

import os
import shutil
import threading
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    if os.environ.get("BAOCAO_BROWSER_TESTS") == "required":
        raise RuntimeError("BAOCAO_BROWSER_TESTS=required but Chromium is not installed")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

from werkzeug.serving import make_server  # noqa: E402

from core.reporting import assignment  # noqa: E402
from core.platform.extensions import db  # noqa: E402
from tests import factories  # noqa: E402
from tests.pki import SIGNER, make_pki, pdf_bytes, sign  # noqa: E402


@contextmanager
def _serving(app):
    """The app on a real HTTP server in a thread; yields its base URL."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()


@dataclass
class Visit:
    """A signed-in Chromium page on a served app: what :func:`signed_in_page` yields."""

    page: object
    url: str
    errors: list[str] = field(default_factory=list)  # the page's uncaught script errors
    requested: list[str] = field(default_factory=list)  # every URL it asked for, the login page's too


@contextmanager
def signed_in_page(app, username: str, password: str, **page_options):
    """``app`` on a real server, and a Chromium page (``vi-VN``, ``page_options`` such as a viewport) logged
    in as ``username`` with a password that is not one-time; yields a :class:`Visit`. Import it inside the
    test: this module skips where Chromium is missing."""
    with _serving(app) as url, sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            visit = Visit(chromium.new_page(locale="vi-VN", **page_options), url)
            visit.page.on("request", lambda r: visit.requested.append(r.url))
            visit.page.on("pageerror", lambda e: visit.errors.append(str(e)))
            visit.page.goto(url + "/login/")
            visit.page.fill("input[name=username]", username)
            visit.page.fill("input[name=password]", password)
            with visit.page.expect_navigation():
                visit.page.click(factories.SUBMIT)
            yield visit
        finally:
            chromium.close()


@pytest.fixture
def server(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        factories.province()
        assignment.assign(db.session, date(2026, 12, 5))
        username, one_time = factories.issue("X011")
        reviewer, reviewer_once = factories.issue("H01")
        db.session.commit()
    with _serving(app) as url:
        yield {"url": url, "username": username, "one_time": one_time,
               "reviewer": reviewer, "reviewer_once": reviewer_once, "app": app}


@pytest.fixture
def province_server(make_app):
    """``province_server(plugin, reporting, reviewing, **config)``: a server over the province as
    ``baocao init`` loads it, with the accounts of a reporting and a reviewing unit."""
    with ExitStack() as running:
        def start(plugin: str, reporting: str, reviewing: str, **config) -> dict:
            app = make_app(WTF_CSRF_ENABLED=True, **config)
            with app.app_context():
                factories.real_province(plugin)
                username, one_time = factories.issue(reporting)
                reviewer, reviewer_once = factories.issue(reviewing)
            return {"url": running.enter_context(_serving(app)), "username": username, "one_time": one_time,
                    "reviewer": reviewer, "reviewer_once": reviewer_once, "app": app}

        yield start


class _Watched:
    """The browser, whose every page reports what the Content-Security-Policy refused (docs/security.md):
    a screen that needs an inline script or style the policy does not allow fails its test."""

    def __init__(self, chromium):
        self.chromium = chromium
        self.refused: list[str] = []

    def new_page(self, **options):
        page = self.chromium.new_page(**options)
        page.on("console", lambda message: self.refused.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text else None)
        return page


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        watched = _Watched(chromium)
        yield watched
        chromium.close()
        assert watched.refused == [], "\n".join(watched.refused)


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
        page.click(factories.SUBMIT)
    page.goto(url + "/reports/list/")
    assert "/account/password/form" in page.url  # forced change first (A3)
    assert page.is_visible("input[name=old_password]")
    page.fill("input[name=old_password]", one_time)
    page.fill("input[name=new_password]", factories.NEW_PASSWORD)
    page.fill("input[name=confirm_password]", factories.NEW_PASSWORD)
    with page.expect_navigation():
        page.click(factories.SUBMIT)
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
        from core.reporting.models import Report
        from core.hierarchy.models import Unit

        report = db.session.query(Report).join(Unit).filter(Unit.code == "X011").one()
        assert (report.state, report.level) == ("submitted", "province")  # on to the board (Cao Bằng)


def _state(app, unit_code: str) -> tuple[str, str]:
    with app.app_context():
        from core.reporting.models import Report
        from core.hierarchy.models import Unit

        report = db.session.query(Report).join(Unit).filter(Unit.code == unit_code, Report.state != "draft").one()
        return report.state, report.level


def _open_report(page, url, form: str = ""):
    """The first report of the list, or the first of ``form`` (its code shows in the Form column)."""
    page.goto(url + "/reports/list/")
    with page.expect_navigation():
        page.click(f"tr:has-text('({form})') a[href*='/entry']" if form else "a[href*='/entry']")


def _submit(page):
    with page.expect_navigation():
        page.click("#action-submit button")


def _approve_in_inbox(browser, server, unit_name: str):
    """The reviewer's first login, then the review inbox: tick the report and approve it."""
    reviewer = browser.new_page(locale="vi-VN")
    _first_login(reviewer, server["url"], server["reviewer"], server["reviewer_once"])
    reviewer.goto(server["url"] + "/review/")
    assert unit_name in reviewer.inner_text("#review-table")
    reviewer.check("#review-bulk input[name=report]")
    with reviewer.expect_navigation():
        reviewer.click("#review-approve")
    reviewer.goto(server["url"] + "/review/")
    assert reviewer.is_visible("#review-empty")  # nothing left waiting
    return reviewer


SCAN_VI = "Cần đính kèm bản scan báo cáo có chữ ký, đóng dấu trước khi gửi."


def test_dong_nai_submit_is_refused_until_the_signed_scan_is_attached(province_server, page, browser):
    server = province_server("dong_nai", "26383", "740")  # Xã An Phước; Huyện Long Thành reviews
    _first_login(page, server["url"], server["username"], server["one_time"])
    _open_report(page, server["url"], "DN-DT01")
    assert "Đồng Nai" in page.content() and "Xã An Phước" in page.inner_text("#entry-facts")
    page.fill("#in-households", "120")
    page.fill("#in-population", "500")
    page.fill("#in-poor_households", "20")
    with page.expect_navigation():
        page.click("#entry-save")

    _submit(page)
    assert page.get_by_text(SCAN_VI).is_visible()  # refused, and told why in Vietnamese
    assert page.is_visible("#action-submit")  # still a draft: the button is there

    page.set_input_files("#attach-form input[name=file]",
                         files=[{"name": "biên bản đã ký.png", "mimeType": "image/png", "buffer": PNG}])
    with page.expect_navigation():
        page.click("#attach-submit")
    assert "biên bản đã ký.png" in page.inner_text("#attachment-list")
    _submit(page)
    assert "Đã gửi" in page.inner_text("#entry-facts")
    assert not page.get_by_text(SCAN_VI).is_visible()

    _approve_in_inbox(browser, server, "Xã An Phước")
    assert _state(server["app"], "26383") == ("approved", "district")
    page.reload()
    assert "Đã duyệt" in page.inner_text("#entry-facts")


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """A test CA and a PDF it signed, made before Playwright's event loop runs (pyHanko runs its own)."""
    pki = make_pki(tmp_path_factory.mktemp("pki"))
    return {"root_pem": pki["root_pem"], "pdf": sign(pki, pdf_bytes())}


def test_quang_ngai_a_signed_pdf_shows_its_signer_and_the_province_approves(province_server, signed, page, browser):
    server = province_server("quang_ngai_baocao", "21034", "51",  # Xã An Phú; the province reviews
                             SIGNATURE_TRUST_ROOTS=[signed["root_pem"]])
    _first_login(page, server["url"], server["username"], server["one_time"])
    _open_report(page, server["url"], "QN-BC01")  # the monthly report, not the usage report QN-BC02
    assert "Xã An Phú" in page.inner_text("#entry-facts")
    page.fill("#in-revenue", "1.250,5")
    page.fill("#in-summary", "Thu ngân sách đạt tiến độ.")
    with page.expect_navigation():
        page.click("#entry-save")

    page.set_input_files("#attach-form input[name=file]", files=[
        {"name": "báo cáo ký số.pdf", "mimeType": "application/pdf", "buffer": signed["pdf"]}])
    with page.expect_navigation():
        page.click("#attach-submit")
    listed = page.inner_text("#attachment-list")
    assert "báo cáo ký số.pdf" in listed and f"ký số bởi {SIGNER}" in listed
    _submit(page)
    assert "Đã gửi" in page.inner_text("#entry-facts")

    _approve_in_inbox(browser, server, "Xã An Phú")
    assert _state(server["app"], "21034") == ("approved", "province")


#: The main screens of the board's administrator, each with what shows its scripts ran under the policy.
MAIN_SCREENS = [
    ("/", None),
    ("/reports/list/", "window.jQuery && jQuery('.my_select2').length === jQuery('.select2-container').length"),
    ("/review/", None), ("/units/list/", None), ("/units/tree/", None), ("/forms/list/", None),
    ("/totals/", None), ("/exports/", None), ("/analysis/", None), ("/usage/", None), ("/audit/list/", None),
    ("/incidents/list/", None), ("/accounts/list/", None), ("/plugins/", None), ("/help/", None),
    ("/dashboard/", "document.getElementById('dashboard-empty') || document.querySelector('#dashboard canvas, canvas')"),
    ("/units/add", "jQuery('.select2-container').length > 0"),
]


def test_the_main_screens_work_under_the_content_security_policy(server, page, browser):
    """Every main screen loads, its scripts run (FAB's with the page's nonce, ours from files) and the browser
    reports nothing refused; a script injected into the page does not run."""
    app = server["app"]
    with app.app_context():
        sm = app.appbuilder.sm
        sm.add_user("quantri", "Quản trị", "hệ thống", "qt@example.vn", sm.find_role(sm.auth_role_admin),
                    password=factories.NEW_PASSWORD)
    page.goto(server["url"] + "/login/")
    page.fill("input[name=username]", "quantri")
    page.fill("input[name=password]", factories.NEW_PASSWORD)
    with page.expect_navigation():
        page.click(factories.SUBMIT)
    with app.app_context():
        from core.hierarchy.models import Unit

        unit_id = db.session.query(Unit.id).filter(Unit.code == "X011").scalar()
    for path, ran in MAIN_SCREENS + [(f"/units/show/{unit_id}", None), (f"/units/edit/{unit_id}", None)]:
        response = page.goto(server["url"] + path)
        assert response.status == 200, path
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
        page.wait_for_load_state("networkidle")
        if ran:
            assert page.evaluate(ran), f"{path}: {ran}"
    assert browser.refused == [], "\n".join(browser.refused)
    injected = page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.injectedRan = true'; document.body.appendChild(s); return window.injectedRan === true; }""")
    assert injected is False
    assert any("Content Security Policy" in refused for refused in browser.refused)  # the watcher sees refusals
    browser.refused.clear()
