"""Lockout without denial of service (pen-test round two, items 7 and 11).

User names are the units' public codes: when five wrong passwords locked any account, one
address could keep about 90 accounts, the administrator's included, locked for good. Failures
now count per (account, address); only failures from many addresses lock the account, never
the last active system administrator; and a refusal reads like a wrong password.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from core.accounts import lifecycle as accounts
from core.accounts.lockout import address_of
from core.accounts.models import Account
from core.platform import clock
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from tests import factories
from tests.conftest import ADMIN_PASSWORD, login

ATTACKER = "203.0.113.66"
WRONG_PASSWORD = "Tên đăng nhập hoặc mật khẩu không đúng"


def api_login(client, username, password, ip):
    return client.post("/api/v1/security/login", environ_base={"REMOTE_ADDR": ip},
                       json={"username": username, "password": password, "provider": "db"}).status_code


def form_login(client, username, password, ip="198.51.100.7") -> str:
    """The message the login form shows after a failed attempt."""
    resp = client.post("/login/", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})
    assert resp.status_code == 302
    return client.get(resp.headers["Location"]).get_data(as_text=True)


def later(monkeypatch, **delta):
    now = clock.utcnow() + timedelta(**delta)
    monkeypatch.setattr(clock, "utcnow", lambda: now)


@pytest.fixture
def communes(app):
    """Every unit's account of the test province after its first login: {username: password}."""
    with app.app_context():
        codes = list(factories.province())
    found = {}
    for code in codes:
        with app.app_context():
            username, one_time = factories.issue(code)
        factories.first_login(app.test_client(), username, one_time)
        found[username] = factories.NEW_PASSWORD
    return found


def actions(app, name):
    with app.app_context():
        return [json.loads(e.changes) for e in db.session.query(AuditEntry).filter_by(action=name)]


def test_one_address_guessing_every_account_locks_none_of_them(app, admin, communes):
    client = app.test_client()
    targets = {"admin": ADMIN_PASSWORD, **communes}
    for username in targets:
        assert [api_login(client, username, f"doan-{i}", ATTACKER) for i in range(8)] == [401] * 8
    for username, password in targets.items():
        assert api_login(client, username, password, "192.0.2.10") == 200, username  # the holders get in
        assert api_login(client, username, password, ATTACKER) == 401, username  # the attacker waits
    assert actions(app, "account.lock") == []


def test_failures_from_many_addresses_lock_the_account_for_15_minutes(app, communes, monkeypatch):
    username = next(iter(communes))
    client = app.test_client()
    for i in range(9):
        assert api_login(client, username, "doan", f"198.51.100.{i}") == 401
    assert api_login(client, username, communes[username], "192.0.2.10") == 200  # nine addresses: not yet
    assert api_login(client, username, "doan", "198.51.100.9") == 401  # the tenth
    [lock] = actions(app, "account.lock")
    assert lock["reason"] == "failed_logins" and lock["addresses"] == 10
    assert api_login(client, username, communes[username], "192.0.2.10") == 401
    later(monkeypatch, minutes=16)
    assert api_login(client, username, communes[username], "192.0.2.10") == 200


def test_the_last_active_system_administrator_is_never_locked(app, admin, monkeypatch):
    client = app.test_client()
    for i in range(12):
        assert api_login(client, "admin", "doan", f"198.51.100.{i}") == 401
    assert api_login(client, "admin", ADMIN_PASSWORD, "192.0.2.10") == 200
    assert actions(app, "account.lock") == []
    assert actions(app, "account.lock_skipped")[0]["why"] == "last_active_system_administrator"

    with app.app_context():  # with a second administrator, the first one can be locked again
        sm = app.appbuilder.sm
        sm.add_user("admin2", "Quản trị", "hai", "admin2@example.vn", sm.find_role("Admin"), password=ADMIN_PASSWORD)
    assert api_login(client, "admin", "doan", "198.51.100.99") == 401
    assert actions(app, "account.lock")[0]["username"] == "admin"
    assert api_login(client, "admin", ADMIN_PASSWORD, "192.0.2.10") == 401


def test_the_cli_unlock_also_clears_the_waiting_addresses(app, cli, admin):
    client = app.test_client()
    for _ in range(5):
        api_login(client, "admin", "doan", ATTACKER)
    assert api_login(client, "admin", ADMIN_PASSWORD, ATTACKER) == 401
    assert cli("accounts", "unlock", "admin", "--reason", "đã xác minh").exit_code == 0
    assert api_login(client, "admin", ADMIN_PASSWORD, ATTACKER) == 200


def test_an_ipv6_64_counts_as_one_address():
    assert address_of("2001:db8:1:2::5") == address_of("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address_of("2001:db8:1:3::5") != address_of("2001:db8:1:2::5")
    assert address_of("::ffff:192.0.2.1") == "192.0.2.1" and address_of(None) == "unknown"


# --- item 11: what the login form says ---------------------------------------------------------


def test_a_locked_or_closed_account_reads_like_a_wrong_password(app, client, communes):
    username = next(iter(communes))
    wrong = form_login(client, username, "sai-mat-khau")
    assert WRONG_PASSWORD in wrong
    with app.app_context():
        accounts.lock(db.session, db.session.query(Account).filter_by(username=username).one(), "nghi lộ")
        db.session.commit()
    page = form_login(client, username, communes[username])
    assert WRONG_PASSWORD in page
    assert "khóa" not in page and "UTC" not in page
    with app.app_context():
        accounts.close(db.session, db.session.query(Account).filter_by(username=username).one(), "giải thể")
        db.session.commit()
    page = form_login(client, username, communes[username])
    assert WRONG_PASSWORD in page and "đóng" not in page
