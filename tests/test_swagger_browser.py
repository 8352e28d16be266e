"""The Swagger UI (README: `/swagger/v1`) in a real Chromium: behind the login, it draws every endpoint
of `/api/v1/_openapi` under the Content-Security-Policy (the `browser` fixture fails on any refusal)."""
from __future__ import annotations

import os

from tests.test_browser import _serving, browser  # noqa: F401  (skips where Chromium is missing)
from tests.conftest import ADMIN_PASSWORD


def test_the_swagger_ui_shows_the_api_to_a_signed_in_administrator(make_app, admin, browser, tmp_path):  # noqa: F811
    app = make_app(WTF_CSRF_ENABLED=True)
    with _serving(app) as url:
        page = browser.new_page(locale="vi-VN")
        page.goto(url + "/swagger/v1")
        assert "/login/" in page.url  # behind the login
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", ADMIN_PASSWORD)
        with page.expect_navigation():
            page.click("input[type=submit], button[type=submit]")
        page.goto(url + "/swagger/v1")
        page.wait_for_selector(".opblock", timeout=30_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert any("/api/v1/report/{pk}/transition" in p for p in paths)
        assert any("/api/v1/maintenance/" in p for p in paths)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(os.environ.get("BAOCAO_SCREENSHOTS", tmp_path)) + "/swagger.png")
