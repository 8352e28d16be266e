"""The account screens as administrators use them (A1, A2, A5, A6, A7, A10, A11, A13).

A system administrator and a unit administrator issue, reset, lock, close,
hand over and delete accounts; what they see (a one-time password shown
once, a refusal in Vietnamese, a 404 outside their units) and what the
holder then meets at login are checked here.
"""
from __future__ import annotations

import html
import json
import re

import pytest

from core.accounts import lifecycle as accounts
from core.hierarchy import roles
from core.platform.extensions import db
from core.accounts.models import Account
from core.platform.models.audit import AuditEntry
from core.hierarchy.models import Unit, UnitHolder
from core.hierarchy.units import import_units
from tests.conftest import api_token, change_password, login
from tests import factories
from tests.factories import Row

NEW_PASSWORD = "Doi-MatKhau-2026!"
#: The officer named when a unit's account is issued on the screen (the roster).
OFFICER = {"full_name": "Nguyễn Thị Hoa", "title": "Công chức Văn phòng - Thống kê", "phone": "0912 345 678",
           "email": "hoa@xa1.gov.vn"}
LOCK_REASON = "Nghi lộ mật khẩu, theo công văn số 12"


#: Two departments ("district A" and "district B" of the requirement), each with a commune.
TREE = [
    Row("04", "Tỉnh Thử Nghiệm", "board"),
    Row("SA", "Sở A", "department", "04"),
    Row("SB", "Sở B", "department", "04"),
    Row("XA1", "Xã A Một", "commune", "SA"),
    Row("XB1", "Xã B Một", "commune", "SB"),
]


@pytest.fixture
def units(app):
    with app.app_context():
        import_units(db.session, TREE, source="test")
        db.session.commit()
        return {u.code: u.id for u in db.session.query(Unit)}


@pytest.fixture
def admin_client(app, admin):
    client = app.test_client()
    assert accepted(login(client, "admin", admin["password"]))
    return client


def issue(app, code: str) -> tuple[int, str, str]:
    """The unit's account as `baocao accounts issue` makes it: (id, username, one-time password)."""
    with app.app_context():
        account, password, _ = accounts.issue(db.session, code)
        db.session.commit()
        return account.id, account.username, password


def first_login(app, username: str, one_time: str):
    """A new client that logs in with the one-time password and changes it, as a holder does."""
    client = app.test_client()
    assert login(client, username, one_time).status_code == 302
    assert change_password(client, one_time, NEW_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    return client


def shown_password(resp) -> tuple[str, str]:
    page = resp.get_data(as_text=True)
    username = re.search(r'id="otp-username">([^<]*)<', page).group(1)
    password = re.search(r'id="otp-password"[^>]*>([^<]*)<', page).group(1)
    return html.unescape(username), html.unescape(password)


def account(app, account_id: int) -> Account | None:
    with app.app_context():
        found = db.session.get(Account, account_id)
        if found is not None:
            db.session.expunge(found)
        return found


def actions(app, account_id: int) -> list[tuple[str, str, dict]]:
    with app.app_context():
        rows = db.session.query(AuditEntry).filter_by(object_type="Account", object_id=str(account_id)) \
            .order_by(AuditEntry.seq)
        return [(e.action, e.actor, json.loads(e.changes or "null")) for e in rows if e.action.startswith("account.")]


def refused(resp) -> bool:
    """A login (or any page) that sends the browser back to the login form."""
    return resp.status_code == 302 and "/login/" in resp.headers["Location"]


def accepted(resp) -> bool:
    return resp.status_code == 302 and "/login/" not in resp.headers["Location"]


# --- issue and the one-time password (A1, A3) -------------------------------------------------


def test_admin_issues_a_unit_account_and_sees_the_password_once(app, admin_client, units):
    form = admin_client.get("/accounts/issue").get_data(as_text=True)
    assert 'value="XA1"' in form and "Xã A Một" in form

    resp = admin_client.post("/accounts/issue", data={"unit": "XA1", **OFFICER})
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    username, password = shown_password(resp)
    assert username == "xa1" and len(password) >= 10

    # Never again: not on the account's page, the list, the flashes in the session cookie, or the log.
    with app.app_context():
        created = db.session.query(Account).filter_by(username="xa1").one()
        assert created.unit_account and created.must_change_password
        cookie = admin_client.get_cookie("session").value
        session = app.session_interface.get_signing_serializer(app).loads(cookie)
        assert password not in json.dumps(session, default=str)
        assert all(password not in (e.changes or "") for e in db.session.query(AuditEntry))
    for page in (f"/accounts/show/{created.id}", "/accounts/list/"):
        body = admin_client.get(page).get_data(as_text=True)
        assert "xa1" in body and password not in body and html.escape(password) not in body

    # The holder logs in with it and can do nothing before changing it.
    holder = app.test_client()
    assert login(holder, "xa1", password).status_code == 302
    assert holder.get("/").headers["Location"].endswith("/account/password/form")
    assert change_password(holder, password, NEW_PASSWORD).status_code == 302
    assert holder.get("/").status_code == 200
    assert [a for a, _, _ in actions(app, created.id)] == ["account.create", "account.password_change"]


def test_issuing_asks_for_the_officer_and_puts_them_on_the_roster(app, admin_client, units):
    form = admin_client.get("/accounts/issue").get_data(as_text=True)
    for name in ("full_name", "title", "phone", "email"):
        assert f'name="{name}"' in form
    nameless = admin_client.post("/accounts/issue", data={"unit": "XA1"})
    assert nameless.status_code == 200 and "otp-password" not in nameless.get_data(as_text=True)

    resp = admin_client.post("/accounts/issue", data={"unit": "XA1", **OFFICER})
    assert "Nguyễn Thị Hoa" in resp.get_data(as_text=True)
    with app.app_context():
        holder = db.session.query(UnitHolder).join(Unit).filter(Unit.code == "XA1").one()
        assert (holder.full_name, holder.title, holder.phone, holder.email) == (
            "Nguyễn Thị Hoa", "Công chức Văn phòng - Thống kê", "0912 345 678", "hoa@xa1.gov.vn")
        assert holder.ended_at is None
        created = db.session.query(Account).filter_by(username="xa1").one()
    (_, _, details), = [a for a in actions(app, created.id)]
    assert details["holder"] == "Nguyễn Thị Hoa" and "0912" not in json.dumps(details)  # contact not in clear


def test_a_unit_with_an_account_is_never_offered_and_never_silently_reset(app, admin_client, units):
    account_id, username, first = issue(app, "XA1")
    form = admin_client.get("/accounts/issue").get_data(as_text=True)
    assert 'value="XA1"' not in form and 'value="XB1"' in form
    first_option = re.search(r'<select[^>]*name="unit"[^>]*>\s*<option([^>]*)>', form).group(1)
    assert 'value=""' in first_option  # a browser shows the first option: no unit is chosen for the admin

    resp = admin_client.post("/accounts/issue", data={"unit": "XA1", **OFFICER})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/accounts/show/{account_id}")
    page = admin_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "đã có tài khoản" in page and "otp-password" not in page
    assert accepted(login(app.test_client(), username, first))  # the password still works
    assert [a for a, _, _ in actions(app, account_id)] == ["account.create"]

    # The explicit way: the account's "Reset password", which asks first.
    assert "Cấp mật khẩu dùng một lần mới" in admin_client.get(f"/accounts/reset/{account_id}").get_data(as_text=True)
    _, second = shown_password(admin_client.post(f"/accounts/reset/{account_id}"))
    assert second != first
    assert refused(login(app.test_client(), username, first))
    assert accepted(login(app.test_client(), username, second))


def test_a_closed_unit_account_is_offered_for_reopening(app, admin_client, units):
    account_id, username, first = issue(app, "XA1")
    assert admin_client.post(f"/accounts/close/{account_id}", data={"reason": "Sáp nhập"}).status_code == 302
    form = admin_client.get("/accounts/issue?unit=XA1").get_data(as_text=True)
    assert 'value="XA1"' in form and "mở lại" in form
    _, second = shown_password(admin_client.post("/accounts/issue", data={"unit": "XA1", **OFFICER}))
    assert accepted(login(app.test_client(), username, second))
    assert [a for a, _, _ in actions(app, account_id)][-1] == "account.issue"


def test_reset_gives_a_one_time_password_and_forces_a_change(app, admin_client, units):
    account_id, username, one_time = issue(app, "XA1")
    first_login(app, username, one_time)
    assert username in admin_client.get(f"/accounts/reset/{account_id}").get_data(as_text=True)
    resp = admin_client.post(f"/accounts/reset/{account_id}")
    assert resp.headers["Cache-Control"] == "no-store"
    _, password = shown_password(resp)
    assert refused(login(app.test_client(), username, NEW_PASSWORD))
    holder = app.test_client()
    login(holder, username, password)
    assert holder.get("/").headers["Location"].endswith("/account/password/form")
    assert ("account.reset", "admin") in [(a, who) for a, who, _ in actions(app, account_id)]


# --- lock and unlock (A10) --------------------------------------------------------------------


def test_lock_signs_the_holder_out_at_once_and_unlock_restores(app, admin_client, units):
    account_id, username, one_time = issue(app, "XA1")
    holder = first_login(app, username, one_time)

    resp = admin_client.post(f"/accounts/lock/{account_id}", data={"reason": LOCK_REASON})
    assert resp.status_code == 302
    page = admin_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert LOCK_REASON in page

    # The holder's next request ends its session; the right password no longer opens it.
    assert refused(holder.get("/"))
    assert refused(holder.get("/account/password/form"))
    assert refused(login(holder, username, NEW_PASSWORD))
    listed = admin_client.get("/accounts/list/?status=locked").get_data(as_text=True)
    assert f'data-account="{username}"' in listed

    assert admin_client.post(f"/accounts/unlock/{account_id}", data={"reason": "Đã đổi máy"}).status_code == 302
    assert accepted(login(holder, username, NEW_PASSWORD))
    assert holder.get("/").status_code == 200
    assert f'data-account="{username}"' not in admin_client.get("/accounts/list/?status=locked").get_data(as_text=True)

    done = [(a, who, details.get("reason")) for a, who, details in actions(app, account_id)]
    assert ("account.lock", "admin", LOCK_REASON) in done and ("account.unlock", "admin", "Đã đổi máy") in done


def test_a_lock_needs_a_reason(app, admin_client, units):
    account_id, _, _ = issue(app, "XA1")
    resp = admin_client.post(f"/accounts/lock/{account_id}", data={"reason": ""})
    assert resp.status_code == 200  # the form again, with the field's error
    assert not account(app, account_id).locked


def test_posting_without_the_csrf_token_changes_nothing(make_app, admin, units):
    app = make_app(WTF_CSRF_ENABLED=True)
    account_id, _, _ = issue(app, "XA1")
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login/", data={"username": "admin", "password": admin["password"], "csrf_token": token})
    form = client.get(f"/accounts/lock/{account_id}").get_data(as_text=True)
    assert 'name="csrf_token"' in form
    assert client.post(f"/accounts/lock/{account_id}", data={"reason": "x"}).status_code == 400
    assert not account(app, account_id).locked


# --- close and delete (A7, A15) ---------------------------------------------------------------


def test_close_keeps_the_account_listed_with_its_trail(app, admin_client, units):
    account_id, username, one_time = issue(app, "XA1")
    first_login(app, username, one_time)
    assert admin_client.post(f"/accounts/close/{account_id}", data={"reason": "Nghỉ hưu"}).status_code == 302

    assert f'data-account="{username}"' in admin_client.get("/accounts/list/").get_data(as_text=True)
    assert f'data-account="{username}"' in admin_client.get("/accounts/list/?status=closed").get_data(as_text=True)
    assert f'data-account="{username}"' not in admin_client.get("/accounts/list/?status=active").get_data(as_text=True)
    assert refused(login(app.test_client(), username, NEW_PASSWORD))
    done = [a for a, _, _ in actions(app, account_id)]
    assert done == ["account.create", "account.password_change", "account.close"]
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="login", actor_id=account_id).count() == 1


def test_deleting_an_account_that_logged_in_is_refused_in_vietnamese(app, admin_client, units):
    account_id, username, one_time = issue(app, "XA1")
    first_login(app, username, one_time)
    resp = admin_client.post(f"/accounts/delete/{account_id}", follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert f"Tài khoản {username} đã có dữ liệu hoặc nhật ký hoạt động nên không được xóa" in page
    assert account(app, account_id) is not None
    assert "account.delete" not in [a for a, _, _ in actions(app, account_id)]


def test_deleting_a_never_used_account_works(app, admin_client, units):
    account_id, username, _ = issue(app, "XB1")
    assert username in admin_client.get(f"/accounts/delete/{account_id}").get_data(as_text=True)
    resp = admin_client.post(f"/accounts/delete/{account_id}")
    assert resp.headers["Location"].endswith("/accounts/list/")
    assert account(app, account_id) is None
    assert actions(app, account_id)[-1][:2] == ("account.delete", "admin")
    assert f'data-account="{username}"' not in admin_client.get("/accounts/list/").get_data(as_text=True)


def test_an_admin_cannot_lock_close_or_delete_its_own_account(app, admin_client, admin):
    for action in ("lock", "close"):
        admin_client.post(f"/accounts/{action}/{admin['id']}", data={"reason": "thử"})
    admin_client.post(f"/accounts/delete/{admin['id']}")
    me = account(app, admin["id"])
    assert me is not None and not me.locked and me.closed_at is None


# --- handover (A2, A6) ------------------------------------------------------------------------


def test_handover_ends_the_previous_holder_adds_the_new_one_and_forces_a_new_password(app, admin_client, units):
    account_id, username, one_time = issue(app, "XA1")
    first_login(app, username, one_time)
    resp = admin_client.post(f"/accounts/handover/{account_id}", data={"full_name": "Trần Thị An"})
    assert resp.status_code == 200
    resp = admin_client.post(f"/accounts/handover/{account_id}", data={
        "full_name": "Nguyễn Văn Bình", "title": "Chuyên viên", "department": "Văn phòng",
        "phone": "0912345678", "email": "binh@xa-a-mot.gov.vn"})
    assert resp.headers["Cache-Control"] == "no-store"
    shown_user, password = shown_password(resp)
    assert shown_user == username and "Nguyễn Văn Bình" in resp.get_data(as_text=True)

    with app.app_context():
        rows = db.session.query(UnitHolder).filter_by(unit_id=units["XA1"]).order_by(UnitHolder.id).all()
        assert [(h.full_name, h.ended_at is None) for h in rows] == [("Trần Thị An", False), ("Nguyễn Văn Bình", True)]
        assert (rows[1].title, rows[1].phone) == ("Chuyên viên", "0912345678")
    page = admin_client.get(f"/accounts/show/{account_id}").get_data(as_text=True)
    assert page.index("Nguyễn Văn Bình") < page.index("Trần Thị An")  # newest first
    listed = admin_client.get("/accounts/list/").get_data(as_text=True)
    assert "Nguyễn Văn Bình" in listed and "Trần Thị An" not in listed

    # The previous password is gone; the new holder must change the one-time one.
    assert refused(login(app.test_client(), username, NEW_PASSWORD))
    holder = app.test_client()
    login(holder, username, password)
    assert holder.get("/").headers["Location"].endswith("/account/password/form")
    handovers = [d for a, _, d in actions(app, account_id) if a == "account.handover"]
    assert (handovers[-1]["from"], handovers[-1]["to"]) == ("Trần Thị An", "Nguyễn Văn Bình")
    with app.app_context():  # S6: the contact details stay in the encrypted roster, not in the log
        from core.platform.models.audit import AuditEntry

        logged = " ".join(e.changes or "" for e in db.session.query(AuditEntry))
    assert "0912345678" not in logged and "binh@xa-a-mot.gov.vn" not in logged


def test_a_personal_account_cannot_be_handed_over(app, admin_client, units):
    with app.app_context():
        person, _ = accounts.create_personal(db.session, "lanhdao", "Lãnh", "Đạo", "ld@example.vn",
                                             db.session.get(Unit, units["SA"]), [roles.VIEWER])
        db.session.commit()
        person_id = person.id
    resp = admin_client.post(f"/accounts/handover/{person_id}", data={"full_name": "Ai đó"}, follow_redirects=True)
    assert resp.status_code == 200
    with app.app_context():
        assert db.session.query(UnitHolder).count() == 0


# --- personal accounts and roles (A11, A13) ---------------------------------------------------


def test_admin_adds_a_personal_account_with_a_one_time_password(app, admin_client, units):
    resp = admin_client.post("/accounts/add", data={
        "username": "qt.sa", "first_name": "Lê", "last_name": "Quản Trị", "email": "qt.sa@example.vn",
        "unit": "SA", "roles": [roles.UNIT_ADMIN]})
    assert resp.headers["Cache-Control"] == "no-store"
    username, password = shown_password(resp)
    assert username == "qt.sa"
    with app.app_context():
        created = db.session.query(Account).filter_by(username="qt.sa").one()
        assert not created.unit_account and created.must_change_password
        assert [r.name for r in created.roles] == [roles.UNIT_ADMIN] and created.unit.code == "SA"
    client = app.test_client()
    login(client, username, password)
    assert client.get("/").headers["Location"].endswith("/account/password/form")


def test_a_personal_role_never_goes_to_a_units_shared_account(app, admin_client, units):
    account_id, _, _ = issue(app, "XA1")
    resp = admin_client.post(f"/accounts/edit/{account_id}", data={
        "first_name": "Xã A Một", "last_name": "", "email": "xa1@unit.invalid",
        "roles": [roles.REPORTER, roles.VIEWER]}, follow_redirects=True)
    assert resp.status_code == 200
    with app.app_context():
        shared = db.session.get(Account, account_id)
        assert [r.name for r in shared.roles] == [roles.REPORTER]
        with pytest.raises(accounts.AccountError, match="Viewer"):  # the service refuses it too
            accounts.update(db.session, shared, shared.first_name, "", shared.email, [roles.REPORTER, roles.VIEWER])
        db.session.rollback()
    assert "account.edit" not in [a for a, _, _ in actions(app, account_id)]

    admin_client.post(f"/accounts/edit/{account_id}", data={
        "first_name": "UBND Xã A Một", "last_name": "", "email": "xa1@unit.invalid", "roles": [roles.REPORTER]})
    edits = [d for a, _, d in actions(app, account_id) if a == "account.edit"]
    assert edits[-1]["changes"] == {"first_name": ["Xã A Một", "UBND Xã A Một"]}


@pytest.fixture
def unit_admin(app, units):
    """A unit administrator of Sở A ("district A"), signed in after its first password change."""
    with app.app_context():
        person, one_time = accounts.create_personal(db.session, "qt.sa", "Lê", "Quản Trị", "qt.sa@example.vn",
                                                    db.session.get(Unit, units["SA"]), [roles.UNIT_ADMIN])
        db.session.commit()
        person_id = person.id
    return person_id, first_login(app, "qt.sa", one_time)


def test_a_unit_admin_sees_and_manages_only_its_own_units(app, admin, unit_admin):
    own_id, own_name, _ = issue(app, "XA1")
    other_id, other_name, _ = issue(app, "XB1")
    _, client = unit_admin

    listed = client.get("/accounts/list/").get_data(as_text=True)
    assert f'data-account="{own_name}"' in listed
    assert f'data-account="{other_name}"' not in listed and 'data-account="admin"' not in listed

    for target in (other_id, admin["id"]):
        assert client.get(f"/accounts/show/{target}").status_code == 404
        assert client.get(f"/accounts/lock/{target}").status_code == 404
        assert client.post(f"/accounts/lock/{target}", data={"reason": "x"}).status_code == 404
        assert client.post(f"/accounts/reset/{target}").status_code == 404
        assert client.post(f"/accounts/delete/{target}").status_code == 404
    assert not account(app, other_id).locked and not account(app, admin["id"]).locked

    # Not another district's unit either, even by posting its code.
    assert 'value="XB1"' not in client.get("/accounts/issue").get_data(as_text=True)
    assert client.post("/accounts/issue", data={"unit": "XB1"}).status_code == 200
    assert "otp-password" not in client.post("/accounts/issue", data={"unit": "XB1"}).get_data(as_text=True)
    assert [a for a, _, _ in actions(app, other_id)] == ["account.create"]

    # Its own units' accounts it does manage.
    assert client.post(f"/accounts/lock/{own_id}", data={"reason": LOCK_REASON}).status_code == 302
    assert account(app, own_id).locked
    _, password = shown_password(client.post(f"/accounts/reset/{own_id}"))
    assert accepted(login(app.test_client(), own_name, password))
    assert [who for a, who, _ in actions(app, own_id) if a in ("account.lock", "account.reset")] == ["qt.sa", "qt.sa"]


def test_a_unit_admin_creates_only_leader_accounts_inside_its_units(app, unit_admin, units):
    _, client = unit_admin
    form = client.get("/accounts/add").get_data(as_text=True)
    assert f'value="{roles.VIEWER}"' in form
    assert f'value="{roles.SYSTEM_ADMIN}"' not in form and f'value="{roles.UNIT_ADMIN}"' not in form
    assert 'value="XA1"' in form and 'value="XB1"' not in form

    def add(username, unit, role):
        return client.post("/accounts/add", data={"username": username, "first_name": "Hoàng", "last_name": "Lan",
                                                   "email": f"{username}@example.vn", "unit": unit, "roles": [role]})

    for username, unit, role in (("x1", "XA1", roles.SYSTEM_ADMIN), ("x2", "XA1", roles.UNIT_ADMIN),
                                 ("x3", "XA1", roles.REPORTER), ("x4", "XB1", roles.VIEWER), ("x5", "", roles.VIEWER)):
        resp = add(username, unit, role)
        assert resp.status_code == 200 and "otp-password" not in resp.get_data(as_text=True), username
    username, _ = shown_password(add("lanhdao.xa1", "XA1", roles.VIEWER))
    with app.app_context():
        made = {a.username: [r.name for r in a.roles] for a in db.session.query(Account)}
    assert made["lanhdao.xa1"] == [roles.VIEWER]
    assert not {"x1", "x2", "x3", "x4", "x5"} & set(made)


def test_a_unit_admin_cannot_manage_another_administrator_nor_itself(app, unit_admin, units):
    own_id, client = unit_admin
    with app.app_context():
        peer, _ = accounts.create_personal(db.session, "qt.xa1", "Phó", "Quản Trị", "qt.xa1@example.vn",
                                           db.session.get(Unit, units["XA1"]), [roles.UNIT_ADMIN])
        db.session.commit()
        peer_id = peer.id
    for target in (peer_id, own_id):
        assert client.get(f"/accounts/show/{target}").status_code == 200  # in scope: visible
        assert client.post(f"/accounts/lock/{target}", data={"reason": "x"}).status_code == 302
        assert client.post(f"/accounts/edit/{target}", data={
            "first_name": "A", "last_name": "B", "email": "a@b.vn", "roles": [roles.VIEWER]}).status_code == 302
        assert not account(app, target).locked
    with app.app_context():
        peer = db.session.get(Account, peer_id)
        assert [r.name for r in peer.roles] == [roles.UNIT_ADMIN] and peer.first_name == "Phó"


def test_an_account_without_the_screen_permission_is_kept_out(app, units):
    account_id, username, one_time = issue(app, "XA1")
    client = first_login(app, username, one_time)
    assert client.get("/accounts/list/").status_code == 403
    assert client.post(f"/accounts/lock/{account_id}", data={"reason": "x"}).status_code == 403
    assert not account(app, account_id).locked


# --- the list ---------------------------------------------------------------------------------


def test_the_list_searches_by_username_and_unit(app, admin_client, units):
    issue(app, "XA1")
    issue(app, "XB1")
    by_name = admin_client.get("/accounts/list/?_flt_0_username=xa").get_data(as_text=True)
    assert 'data-account="xa1"' in by_name and 'data-account="xb1"' not in by_name
    by_unit = admin_client.get(f"/accounts/list/?_flt_0_unit={units['XB1']}").get_data(as_text=True)
    assert 'data-account="xb1"' in by_unit and 'data-account="xa1"' not in by_unit
    must = admin_client.get("/accounts/list/?status=must_change").get_data(as_text=True)
    assert 'data-account="xa1"' in must and 'data-account="admin"' not in must


def test_the_list_costs_the_same_queries_for_many_accounts(app, admin_client, units):
    def queries_for_list():
        admin_client.get("/accounts/list/")  # the per-process lookups, and the templates compiled
        return factories.statements(app, lambda: admin_client.get("/accounts/list/").status_code == 200
                                    or pytest.fail("account list"))

    issue(app, "XA1")
    few = queries_for_list()
    for code in ("04", "SA", "SB", "XB1"):
        issue(app, code)
    with app.app_context():
        for n in range(3):
            accounts.handover(db.session, db.session.query(Account).filter_by(username="sa").one(), f"Cán bộ {n}")
        db.session.commit()
    assert queries_for_list() == few


# --- FAB's own screens and APIs cannot bypass the service ---------------------------------------


def test_fab_user_and_role_screens_are_read_only(app, admin_client, admin):
    assert admin_client.get("/users/list/").status_code == 200
    assert admin_client.get(f"/users/show/{admin['id']}").status_code == 200
    assert admin_client.get("/users/userinfo/").status_code == 200
    assert admin_client.get("/roles/list/").status_code == 200
    for url in ("/users/add", f"/users/edit/{admin['id']}", f"/users/delete/{admin['id']}", "/roles/add",
                "/roles/edit/1", "/roles/delete/1", f"/users/action/resetpasswords/{admin['id']}"):
        assert admin_client.get(url).status_code == 404, url
        assert admin_client.post(url, data={"name": "x"}).status_code == 404, url
    assert admin_client.get("/resetmypassword/form").headers["Location"].endswith("/account/password/form")
    assert admin_client.post("/resetmypassword/form", data={"password": "Abcdef-12345!",
                                                            "conf_password": "Abcdef-12345!"}).status_code == 302
    assert accepted(login(app.test_client(), "admin", admin["password"]))
    assert admin_client.get(f"/resetpassword/form?pk={admin['id']}").headers["Location"].endswith(
        f"/accounts/reset/{admin['id']}")


def test_fab_security_crud_api_is_gone_and_the_login_api_stays(app, client, admin):
    token = api_token(client, "admin", admin["password"])
    auth = {"Authorization": f"Bearer {token}"}
    for url in ("/api/v1/security/users/", "/api/v1/security/roles/", "/api/v1/security/permissions/"):
        assert client.get(url, headers=auth).status_code == 404, url
    assert client.get("/api/v1/me/", headers=auth).status_code == 200
