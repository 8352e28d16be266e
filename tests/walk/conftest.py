"""One real server over a small province at work, and Chromium signed in as each role (tests/walk).

Built once for the module: Cao Bằng's shape (tests/factories.PROVINCE), CB-DT01 assigned on its
assignment day, and the demo's history (core/demo.py: three past years approved, a collection under
way), so that every screen has something to show. Skipped where Chromium is not installed, unless
BAOCAO_BROWSER_TESTS=required (as tests/test_browser.py).
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
REQUIRED = os.environ.get("BAOCAO_BROWSER_TESTS") == "required"
if not CHROMIUM or not AXE.exists():
    missing = "Chromium is not installed (apt-get install chromium)" if not CHROMIUM else \
        f"axe-core is not installed ({AXE}: run make install)"
    if REQUIRED:
        raise RuntimeError(f"BAOCAO_BROWSER_TESTS=required but {missing}")
    pytest.skip(missing, allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

from werkzeug.serving import make_server  # noqa: E402

from tests import conftest as base, factories  # noqa: E402

#: The walk happens on CB-DT01's assignment day: the yearly period 2026 is open, due 20/12/2026.
AT = "2026-12-05T09:00:00+07:00"
#: role: (username, what the role's officer works on)
ROLES = {"commune": "x011", "district": "h01", "board": "04", "admin": "admin"}
WIDTHS = {"desktop": 1366, "phone": 390}


def _build(app) -> dict:
    from sqlalchemy import select

    from core import demo
    from core.hierarchy.models import Unit
    from core.platform.extensions import db
    from core.reporting import assignment
    from core.reporting.models import Report

    with app.app_context():
        factories.province()
        sm = app.appbuilder.sm
        sm.add_user("admin", "Quản trị", "hệ thống", "admin@example.vn", sm.find_role(sm.auth_role_admin),
                    password=base.ADMIN_PASSWORD)
        one_time = {code.lower(): factories.issue(code)[1] for code in ("04", "H01", "X011")}
        assignment.assign(db.session, factories.ASSIGNED_ON)
        keep = list(db.session.execute(select(Unit.id).where(Unit.code.in_(["X011"]))).scalars())
        assert demo.history(db.session, sm.find_user(username="admin"), keep)
        db.session.commit()
        reports = {unit: (rid, state) for unit, rid, state in db.session.execute(
            select(Unit.code, Report.id, Report.state).join(Unit, Unit.id == Report.unit_id)
            .where(Report.request_id.is_(None)).order_by(Report.period_id))}
    for username, password in one_time.items():
        client = app.test_client()
        factories.first_login(client, username, password)
        if username == "x011":  # the access log's lines: a download of its report, a refused screen
            assert client.get(f"/reports/pdf/{reports['X011'][0]}").status_code == 200
            assert client.get("/audit/list/").status_code == 403
    return reports


@pytest.fixture(scope="module")
def site(database, tmp_path_factory):
    """``{"url", "reports": {unit code: (newest report id, state)}}``: the server, CSRF on."""
    from core import create_app
    from core.platform.extensions import db

    from datetime import datetime

    from datetime import timedelta

    # Built two hours before the walk: each test starts at AT again (the `now` fixture), and a session
    # opened before the password change it follows would be refused as stale.
    base._clock.move_to(datetime.fromisoformat(AT) - timedelta(hours=2), tick=True)
    folder = tmp_path_factory.mktemp("walk")
    url = database(folder)
    (folder / "instance").mkdir()
    config = base.base_config(folder / "instance", url)
    builder = create_app(config)  # signs the officers in through the test client (CSRF off), like a process
    reports = _build(builder)
    with builder.app_context():
        db.session.remove()
    app = create_app({**config, "WTF_CSRF_ENABLED": True})
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{http.server_port}", "reports": reports, "app": app}
    finally:
        http.shutdown()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def chromium():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


class Signed:
    """A browser context signed in as one role at one width; every response ≥ 500 is kept."""

    def __init__(self, chromium, site, role: str, width: int):
        # axe is injected as a script of its own: the site's Content-Security-Policy rightly refuses it.
        self.context = chromium.new_context(viewport={"width": width, "height": 900}, locale="vi-VN",
                                            bypass_csp=True)
        self.errors: list[str] = []
        self.context.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
        self.page = self.context.new_page()
        self.url = site["url"]
        username = ROLES[role]
        password = base.ADMIN_PASSWORD if role == "admin" else factories.NEW_PASSWORD
        self.page.goto(self.url + "/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.click(factories.SUBMIT)
        if "/login" in self.page.url:
            self.page.screenshot(path=f"/tmp/walk-login-{role}.png")
        assert "/login" not in self.page.url, f"{role} could not sign in: " + self.page.inner_text("body")[:600]

    def open(self, path: str):
        self.errors.clear()
        self.page.goto(self.url + path)
        self.page.wait_for_load_state("networkidle")
        return self.page


@pytest.fixture
def signed(chromium, site):
    """``signed(role, width)``: a fresh context signed in as the role at that width. One per test: each test
    starts at the same instant (the `now` fixture), and a session from a later moment would be refused."""
    made: list[Signed] = []

    def get(role: str, width: str) -> Signed:
        made.append(Signed(chromium, site, role, WIDTHS[width]))
        return made[-1]

    yield get
    for one in made:
        one.context.close()
