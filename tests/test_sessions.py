"""Sessions and API tokens can be taken back by the server (pen-test round two, items 3 and 4).

A browser session is a signed cookie and a JWT is a signed string: neither is stored, so
without a server-side check a copy outlives logout, a lock or a password change. Both carry
the account's session epoch; these tests keep copies and replay them, as an attacker would.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from core.accounts import lifecycle as accounts
from core.accounts.models import Account
from core.platform import clock
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from tests import factories
from tests.conftest import ADMIN_PASSWORD, change_password, login


@pytest.fixture
def commune(app):
    """X011's account after its holder's first login: (username, password)."""
    with app.app_context():
        factories.province()
        username, one_time = factories.issue("X011")
    factories.first_login(app.test_client(), username, one_time)
    return username, factories.NEW_PASSWORD


def signed_in(app, username, password):
    client = app.test_client()
    assert login(client, username, password).headers["Location"] == "/"
    assert client.get("/my-reports/").status_code == 200
    return client


def replay(app, cookie: str):
    """A new browser holding a copy of a session cookie."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def tokens(client, username, password) -> dict:
    resp = client.post("/api/v1/security/login",
                       json={"username": username, "password": password, "provider": "db", "refresh": True})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def works(client, pair: dict) -> tuple[bool, bool]:
    """(the access token opens /me/, the refresh token mints a new access token)."""
    me = client.get("/api/v1/me/", headers=bearer(pair["access_token"])).status_code
    fresh = client.post("/api/v1/security/refresh", headers=bearer(pair["refresh_token"])).status_code
    return me == 200, fresh == 200


def later(monkeypatch, **delta):
    now = clock.utcnow() + timedelta(**delta)
    monkeypatch.setattr(clock, "utcnow", lambda: now)


def account_of(app, username) -> Account:
    return db.session.query(Account).filter_by(username=username).one()


# --- item 3: browser sessions ---------------------------------------------------------------------


def test_a_cookie_saved_before_logout_no_longer_opens_the_pages(app, commune):
    client = signed_in(app, *commune)
    saved = client.get_cookie("session").value
    assert client.post("/logout/").status_code == 302
    stolen = replay(app, saved)
    resp = stolen.get("/my-reports/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="logout").count() == 1


def test_a_link_does_not_sign_out_the_menus_button_does(app, commune, make_app):
    """``GET /logout/`` (a link from any site) only asks; signing out is the user menu's POST. It needs no
    CSRF token, so a page open past its session can still sign out: the session cookie is SameSite=Lax,
    so another site's form arrives without it and signs no one out."""
    import re

    client = signed_in(app, *commune)
    page = client.get("/logout/")
    assert page.status_code == 200 and 'id="logout-confirm"' in page.get_data(as_text=True)
    menu = client.get("/my-reports/")
    assert menu.status_code == 200  # still signed in
    assert 'id="menu-logout"' in menu.get_data(as_text=True) and 'href="/logout/"' not in menu.get_data(as_text=True)

    protected = make_app(WTF_CSRF_ENABLED=True).test_client()
    form = protected.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    answer = protected.post("/login/", data={"username": commune[0], "password": commune[1], "csrf_token": token[1]})
    assert answer.status_code == 302 and "SameSite=Lax" in answer.headers["Set-Cookie"]
    assert protected.get("/my-reports/").status_code == 200
    assert protected.post("/logout/").status_code == 302  # no token: still signs out
    assert protected.get("/my-reports/").headers["Location"].startswith("/login")


def test_logout_signs_the_account_out_of_its_other_browsers_too(app, commune):
    here, there = signed_in(app, *commune), signed_in(app, *commune)
    here.post("/logout/")
    assert there.get("/my-reports/").headers["Location"].startswith("/login")
    again = signed_in(app, *commune)  # a new login is not affected by the old sign-out
    assert again.get("/my-reports/").status_code == 200


def test_an_own_password_change_keeps_this_session_and_ends_the_others(app, commune):
    username, password = commune
    mine, other = signed_in(app, username, password), signed_in(app, username, password)
    assert change_password(mine, password, "Mat-Khau-Khac-2027!").status_code == 302
    assert mine.get("/my-reports/").status_code == 200
    assert other.get("/my-reports/").headers["Location"].startswith("/login")


def test_a_busy_session_still_ends_12_hours_after_its_login(app, commune, monkeypatch):
    client = signed_in(app, *commune)
    for hours in range(11):
        later(monkeypatch, hours=1)
        with client.session_transaction() as session:
            session["_seen"] -= 0  # activity every hour: the idle timeout never fires
        assert client.get("/my-reports/").status_code == 200, hours
    later(monkeypatch, hours=1, minutes=1)
    resp = client.get("/my-reports/")
    assert resp.headers["Location"].startswith("/login")
    assert "đã hết thời hạn tối đa" in client.get("/login/").get_data(as_text=True)


def test_an_admin_signs_an_account_out_everywhere_from_the_accounts_screen(app, admin, commune):
    username, password = commune
    holder = signed_in(app, username, password)
    pair = tokens(app.test_client(), username, password)
    officer = signed_in(app, "admin", ADMIN_PASSWORD)
    with app.app_context():
        account_id = account_of(app, username).id
    page = officer.get(f"/accounts/show/{account_id}").get_data(as_text=True)
    assert f"/accounts/signout/{account_id}" in page and "Đăng xuất mọi nơi" in page
    resp = officer.post(f"/accounts/signout/{account_id}", data={"reason": "Mất điện thoại"})
    assert resp.status_code == 302
    assert "đã được đăng xuất khỏi mọi nơi" in officer.get(resp.headers["Location"]).get_data(as_text=True)

    assert holder.get("/my-reports/").headers["Location"].startswith("/login")
    assert works(app.test_client(), pair) == (False, False)
    assert officer.get("/accounts/list/").status_code == 200  # the admin's own session is untouched
    signed_in(app, username, password)  # the password still works
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(action="account.signout").one()
        assert entry.actor == "admin" and json.loads(entry.changes)["reason"] == "Mất điện thoại"


def test_the_cli_signs_an_account_out_everywhere(app, cli, commune):
    username, password = commune
    holder = signed_in(app, username, password)
    result = cli("accounts", "signout", username, "--reason", "sự cố")
    assert result.exit_code == 0, result.output
    assert holder.get("/my-reports/").headers["Location"].startswith("/login")


# --- item 4: API tokens ---------------------------------------------------------------------------


def test_tokens_issued_before_a_lock_stay_refused_after_the_unlock(app, commune):
    username, password = commune
    client = app.test_client()
    pair = tokens(client, username, password)
    assert works(client, pair) == (True, True)
    with app.app_context():
        accounts.lock(db.session, account_of(app, username), "nghi lộ mật khẩu")
        db.session.commit()
        accounts.unlock(db.session, account_of(app, username), "đã xác minh")
        db.session.commit()
    assert works(client, pair) == (False, False)
    refused = client.post("/api/v1/security/refresh", headers=bearer(pair["refresh_token"]))
    assert refused.status_code == 401 and refused.get_json()["errors"] == {"token": "revoked"}
    assert "đăng xuất" in refused.get_json()["message"]
    assert works(client, tokens(client, username, password)) == (True, True)


def test_api_logout_revokes_the_callers_refresh_token(app, commune):
    username, password = commune
    client = app.test_client()
    pair = tokens(client, username, password)
    resp = client.post("/api/v1/me/logout", headers=bearer(pair["access_token"]))
    assert resp.status_code == 200, resp.get_json()
    assert works(client, pair) == (False, False)
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="logout").count() == 1


def test_a_password_change_in_the_browser_revokes_the_tokens(app, commune):
    username, password = commune
    client = app.test_client()
    pair = tokens(client, username, password)
    browser = signed_in(app, username, password)
    assert change_password(browser, password, "Mat-Khau-Khac-2027!").status_code == 302
    assert works(client, pair) == (False, False)


def test_a_refresh_token_lives_12_hours_not_30_days(app, commune):
    import jwt

    pair = tokens(app.test_client(), *commune)
    claims = jwt.decode(pair["refresh_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 12 * 3600
