"""Accounts (A1, A3, A7, A11) through the service and `baocao accounts`; roles as data (A12)."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from core.accounts import lifecycle as accounts
from core.hierarchy import roles
from core.platform.extensions import db
from core.accounts.models import Account, PasswordHistory
from core.platform.models.audit import AuditEntry
from core.hierarchy.models import Unit
from tests import factories
from tests.conftest import api_token


@pytest.fixture
def units(app):
    with app.app_context():
        return factories.province()


def test_accounts_issue_prints_username_and_one_time_password_last(cli, app, units):
    first = cli("accounts", "issue", "X011")
    assert first.exit_code == 0, first.output
    username, password = first.output.strip().splitlines()[-1].split("\t")
    assert username == "x011" and len(password) >= 10
    again = cli("accounts", "issue", "X011")
    assert again.output.splitlines()[0].startswith("reissued")
    _, second_password = again.output.strip().splitlines()[-1].split("\t")
    assert second_password != password

    client = app.test_client()
    assert client.post("/api/v1/security/login", json={"username": username, "password": password,
                                                        "provider": "db"}).status_code == 401
    token = api_token(client, username, second_password)
    assert client.get("/api/v1/me/", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    with app.app_context():
        account = db.session.query(Account).filter_by(username="x011").one()
        assert account.unit_account and account.must_change_password
        assert [e.action for e in db.session.query(AuditEntry).filter_by(object_type="Account", object_id=str(account.id))
                .order_by(AuditEntry.id) if e.action.startswith("account.")] == ["account.create", "account.issue"]
        entries = " ".join(str(e.changes) for e in db.session.query(AuditEntry))
        assert password not in entries and second_password not in entries


@pytest.mark.parametrize("code, message", [
    ("NOPE", "Error: Không có đơn vị nào mang mã NOPE."),
])
def test_accounts_issue_refuses_with_one_line(cli, units, code, message):
    result = cli("accounts", "issue", code)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [message]


def test_an_inactive_unit_gets_no_account(cli, app, units):
    with app.app_context():
        db.session.get(Unit, units["X021"]).active = False
        db.session.commit()
    result = cli("accounts", "issue", "X021")
    assert result.exit_code == 1 and "không còn hoạt động" in result.output
    with app.app_context():
        assert db.session.query(Account).count() == 0


def test_one_account_per_unit_is_enforced_by_the_database(app, units):
    with app.app_context():
        factories.issue("X011")
        db.session.add(Account(username="x011-bis", first_name="x", last_name="", email="b@x.vn",
                               active=True, unit_id=units["X011"], unit_account=True))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        # A personal account (a leader's) may share the unit as its scope.
        db.session.add(Account(username="lanh-dao", first_name="x", last_name="", email="l@x.vn",
                               active=True, unit_id=units["X011"], unit_account=False))
        db.session.commit()


def test_a_district_account_reviews_and_a_commune_account_only_reports(app, units):
    with app.app_context():
        factories.issue("H01")
        factories.issue("X011")
        by_name = {a.username: sorted(r.name for r in a.roles) for a in db.session.query(Account)}
        assert by_name == {"h01": [roles.REPORTER, roles.REVIEWER], "x011": [roles.REPORTER]}


def test_a_unit_account_never_holds_a_personal_role(app, units):
    with app.app_context():
        factories.issue("H01")
        account = db.session.query(Account).filter_by(username="h01").one()
        for role in (roles.SYSTEM_ADMIN, roles.UNIT_ADMIN, roles.VIEWER):
            with pytest.raises(accounts.AccountError, match="dành cho cá nhân"):
                accounts.set_roles(db.session, account, [role])


def test_an_account_that_acted_is_closed_never_deleted(app, client, units):
    with app.app_context():
        factories.issue("X011")
        factories.issue("X012")
    factories.first_login(client, "x011", accounts_password(app, "x011"))
    with app.app_context():
        used = db.session.query(Account).filter_by(username="x011").one()
        with pytest.raises(accounts.AccountError, match="không được xóa"):
            accounts.delete(db.session, used)
        db.session.rollback()
        accounts.close(db.session, used, "chuyển công tác")
        unused = db.session.query(Account).filter_by(username="x012").one()
        accounts.delete(db.session, unused)
        db.session.commit()
        assert {a.username for a in db.session.query(Account)} == {"x011"}
        assert db.session.query(PasswordHistory).filter_by(account_id=used.id).count() == 3  # issue, reset, change
        assert {"account.close", "account.delete"} <= {e.action for e in db.session.query(AuditEntry)}
    assert client.get("/account/password/form").headers["Location"].startswith("/login")


def accounts_password(app, username):
    """Reissue to learn a password (the first one is only printed once)."""
    with app.app_context():
        account = db.session.query(Account).filter_by(username=username).one()
        password = accounts.reset(db.session, account)
        db.session.commit()
        return password


def test_lock_and_unlock_from_the_cli_need_a_reason(cli, app, units):
    cli("accounts", "issue", "X011")
    assert cli("accounts", "lock", "x011").exit_code == 2
    assert cli("accounts", "lock", "x011", "--reason", "tấn công dò mật khẩu").exit_code == 0
    with app.app_context():
        assert db.session.query(Account).filter_by(username="x011").one().locked
    assert cli("accounts", "unlock", "x011", "--reason", "đã xử lý").exit_code == 0
    missing = cli("accounts", "lock", "ghost", "--reason", "x")
    assert missing.exit_code == 1 and missing.output.strip() == "Error: no account named ghost"


def test_roles_are_data_and_the_sync_undoes_hand_edits(app):
    with app.app_context():
        sm = app.appbuilder.sm
        reporter = sm.find_role(roles.REPORTER)
        granted = {(pv.permission.name, pv.view_menu.name) for pv in reporter.permissions}
        assert ("can_this_form_post", "PasswordView") in granted
        assert not any(view in ("PluginsView", "AuditView", "AuditApi") for _, view in granted)
        toggle = sm.find_permission_view_menu("can_toggle", "PluginsView")
        reporter.permissions.append(toggle)
        db.session.commit()
        sm.sync_permissions()
        assert toggle not in sm.find_role(roles.REPORTER).permissions
        assert {r.name for r in sm.get_all_roles()} >= {spec.name for spec in roles.ROLES}
