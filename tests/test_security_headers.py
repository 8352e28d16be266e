"""Headers (docs/security.md): a Content-Security-Policy without 'unsafe-inline' whose nonce FAB's inline
scripts carry, nothing of ours inline, no caching of data, HSTS over https, no server banner.

The browser half — the main screens working in Chromium under this policy — is
``tests/test_browser.py::test_the_main_screens_work_under_the_content_security_policy``.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import flask_appbuilder
import pytest
import requests

from core.platform.security_headers import FAB_STYLE_ATTRIBUTES
from tests import factories, processes
from tests.conftest import ADMIN_PASSWORD, api_token, login

ROOT = Path(__file__).resolve().parent.parent
FAB_TEMPLATES = Path(flask_appbuilder.__file__).resolve().parent / "templates"
#: Rendered for WeasyPrint, never sent to a browser.
PDF_TEMPLATES = {"reporting/report_pdf/report.html", "analytics/exports/table.html"}
#: FAB's chart widgets (Google Charts from a CDN, which the policy refuses): no screen of ours uses them.
UNUSED_FAB = {"appbuilder/general/widgets/chart.html", "appbuilder/general/widgets/direct_chart.html",
              "appbuilder/general/widgets/multiple_chart.html"}


class _Inline(HTMLParser):
    """What a page runs or styles inline: scripts without ``src``, handlers, style attributes and elements."""

    def __init__(self):
        super().__init__()
        self.scripts, self.handlers, self.styles, self.style_elements = [], [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts.append(a)
        if tag == "style":
            self.style_elements.append(a)
        self.handlers += [f"{tag} {name}" for name in a if name.startswith("on")]
        if "style" in a:
            self.styles.append(a["style"] or "")


def _inline(html: str) -> _Inline:
    found = _Inline()
    found.feed(html)
    return found


def _nonce(response) -> str:
    return re.search(r"script-src 'self' 'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]


@pytest.fixture
def screens(app, admin):
    with app.app_context():
        factories.cao_bang_reports()
    client = app.test_client()
    login(client, "admin", admin["password"])
    return client


def test_the_policy_has_no_unsafe_inline_and_fabs_scripts_carry_the_nonce(screens):
    page = screens.get("/units/list/")
    policy = page.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    nonce = _nonce(page)
    found = _inline(page.get_data(as_text=True))
    assert found.scripts and all(s.get("nonce") == nonce for s in found.scripts)  # FAB's, through csp_nonce()
    assert _nonce(screens.get("/units/list/")) != nonce  # a new one every request


@pytest.mark.parametrize("path", ["/", "/login/", "/reports/list/", "/units/list/", "/units/tree/", "/review/",
                                  "/dashboard/", "/totals/", "/exports/", "/analysis/", "/usage/", "/audit/list/",
                                  "/incidents/list/", "/accounts/list/", "/forms/list/", "/help/"])
def test_a_screen_runs_and_styles_nothing_inline_the_policy_does_not_allow(screens, app, path):
    page = (app.test_client() if path == "/login/" else screens).get(path)
    assert page.status_code == 200
    found = _inline(page.get_data(as_text=True))
    nonce = _nonce(page)
    assert [s for s in found.scripts if "src" not in s and s.get("nonce") != nonce] == []
    assert [s["src"] for s in found.scripts if "src" in s and not s["src"].startswith("/")] == []  # no CDN
    assert found.handlers == []
    assert [s for s in found.styles if s not in FAB_STYLE_ATTRIBUTES] == []
    assert [s for s in found.style_elements if s.get("nonce") != nonce] == []


def _templates(root: Path):
    for path in sorted(root.rglob("*.html")):
        yield str(path.relative_to(root)), path.read_text(encoding="utf-8")


def test_our_templates_have_no_inline_script_handler_or_style_attribute():
    """Scripts and styles of ours live in core/static/baocao/; a template names a class, never style="…"."""
    roots = [ROOT / "core" / "templates"] + sorted(ROOT.glob("plugins/*/templates"))
    for root in roots:
        for name, text in _templates(root):
            if name in PDF_TEMPLATES:
                continue
            assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"{name}: an inline <script>"
            assert not re.search(r"\son[a-z]+\s*=", text), f"{name}: an inline event handler"
            assert not re.search(r"\sstyle\s*=", text), f"{name}: a style attribute (use a class of baocao.css)"
            assert "<style" not in text, f"{name}: a <style> element (use core/static/baocao/baocao.css)"


def test_every_style_attribute_fab_writes_is_allowed_by_hash():
    """FAB 5.3 writes a few fixed style attributes; a FAB upgrade writing another fails here (add it to
    FAB_STYLE_ATTRIBUTES after checking it is fixed text, never something a user typed)."""
    written = set()
    for name, text in _templates(FAB_TEMPLATES):
        if name in UNUSED_FAB:
            continue
        for value in re.findall(r'\sstyle="(\{\{.*?\}\}|[^"]*)"', text):
            if "{{" in value:  # show.html, edit.html: {{"display: none;" if not related_views else "" }}
                assert value == '{{"display: none;" if not related_views else "" }}', f"{name}: {value}"
                written |= {"display: none;", ""}
            else:
                written.add(value)
    assert written <= set(FAB_STYLE_ATTRIBUTES), written - set(FAB_STYLE_ATTRIBUTES)


def test_data_pages_downloads_and_api_answers_are_never_stored(screens, app, admin):
    for path in ("/reports/list/", "/units/export.csv", "/audit/list/"):
        assert screens.get(path).headers["Cache-Control"] == "no-store", path
    token = api_token(app.test_client(), "admin", admin["password"])
    answer = screens.get("/api/v1/report/", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert "no-store" not in screens.get("/static/baocao/baocao.css").headers.get("Cache-Control", "")


def test_hsts_only_when_the_site_is_served_over_https(make_app):
    plain = make_app().test_client().get("/login/")
    assert "Strict-Transport-Security" not in plain.headers
    secure = make_app(PREFERRED_URL_SCHEME="https").test_client().get("/login/")
    assert secure.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"


def test_gunicorn_does_not_announce_itself(tmp_path, db_url, admin):
    """``baocao serve`` as an operator starts it, behind a proxy that ends TLS: no ``Server`` header, HSTS on."""
    instance = tmp_path / "serve-instance"
    instance.mkdir()
    (instance / "config.py").write_text('PREFERRED_URL_SCHEME = "https"\nPROXY_COUNT = 1\n')
    port = processes.free_port()
    env = processes.baocao_env(DATABASE_URL=db_url, SECRET_KEY="test-secret", BAOCAO_INSTANCE=instance)
    server = processes.serve(port, env, tmp_path / "serve.log")
    try:
        page = requests.get(f"http://127.0.0.1:{port}/login/", headers={"X-Forwarded-Proto": "https"}, timeout=10)
        assert page.status_code == 200
        assert "Server" not in page.headers
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
        token = requests.post(f"http://127.0.0.1:{port}/api/v1/security/login", timeout=10, json={
            "username": "admin", "password": ADMIN_PASSWORD, "provider": "db"})
        assert "Server" not in token.headers and token.headers["Cache-Control"] == "no-store"
    finally:
        processes.stop(server)
    # its access log (core.wsgi_server.AccessLogger): one combined-log line per request
    assert '"GET /login/ HTTP/1.1" 200 ' in (tmp_path / "serve.log").read_text()



def test_api_answers_carry_the_data_policy_and_no_cookie(app, admin):
    """A token-only API call gets a policy under which nothing loads, and no session cookie: the API is
    not a browser session (FAB's locale selector used to store the locale in a fresh cookie on every call)."""
    client = app.test_client(use_cookies=False)
    token = api_token(client, "admin", admin["password"])
    answer = client.get("/api/v1/unit/", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "Set-Cookie" not in answer.headers
    page = client.get("/login/")
    assert "nonce-" in page.headers["Content-Security-Policy"]
