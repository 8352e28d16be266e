"""CSRF on the API through the browser session (pen-test round two, item 2).

With an administrator's session cookie and no token, another site's page could post to
``/api/…`` (``Content-Type: text/plain`` needs no preflight) and the call was accepted. A
state-changing call authenticated by the cookie now needs the CSRF token; JWT calls do not.
"""
from __future__ import annotations

import pytest

from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from tests.conftest import ADMIN_PASSWORD, api_token

#: The calls the pen test made with the cookie alone (report 1 need not exist: CSRF is refused first).
FORGED = [
    "/api/v1/exchange/datavaluesets?format=json",
    "/api/v1/completeness/urge",
    "/api/v1/report/1/attachments",
    "/api/v1/export/jobs",
    "/api/v1/me/logout",
]


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def token_of(client) -> str:
    page = client.get("/login/").get_data(as_text=True)
    return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


@pytest.fixture
def browser(csrf_app, admin):
    """The administrator's browser, signed in through the form; ``browser.token`` is its page token."""
    client = csrf_app.test_client()
    token = token_of(client)
    resp = client.post("/login/", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token})
    assert resp.status_code == 302 and "/login" not in resp.headers["Location"]
    client.token = token
    return client


@pytest.mark.parametrize("url", FORGED)
def test_a_forged_post_with_the_session_cookie_alone_is_refused(csrf_app, browser, url):
    resp = browser.post(url, data='{"dataValues": []}', content_type="text/plain")
    assert resp.status_code == 400
    body = resp.get_json()
    assert "csrf_token" in body["errors"] and "CSRF" in body["message"]
    assert browser.get("/plugins/").status_code == 200  # and the session is still there: nothing happened


def test_the_same_call_with_the_pages_token_goes_through(csrf_app, browser):
    resp = browser.post("/api/v1/me/logout", headers={"X-CSRFToken": browser.token})
    assert resp.status_code == 200, resp.get_json()
    with csrf_app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="logout").count() == 1
    # A token from another session is not this session's.
    other = csrf_app.test_client()
    resp = other.post("/login/", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token_of(other)})
    assert resp.status_code == 302
    assert other.post("/api/v1/me/logout", headers={"X-CSRFToken": "forged"}).status_code == 400


def test_jwt_calls_need_no_csrf_token(csrf_app, admin):
    client = csrf_app.test_client()
    with csrf_app.app_context():
        from core.accounts.models import Account

        db.session.get(Account, admin["id"]).must_change_password = False
        db.session.commit()
    headers = {"Authorization": f"Bearer {api_token(client, 'admin', ADMIN_PASSWORD)}"}
    resp = client.post("/api/v1/exchange/datavaluesets?format=json", data="{}", content_type="text/plain",
                       headers=headers)
    assert resp.status_code == 422  # the API read the body: no CSRF refusal
    assert client.post("/api/v1/me/logout", headers=headers).status_code == 200
