"""Nothing typed is lost, server side: submit with the values on the screen (API and screen), autosave of
changed cells (``PATCH /api/v1/report/<id>/values``), signing in again in place (``/api/v1/me/relogin``),
the Vietnamese page for a post whose session ended, and removing a wrongly attached file."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from core.accounts.models import Account
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.reporting.models import Attachment, Report, ReportValue, ValueChange
from tests import factories
from tests.conftest import PG_URL
from tests.test_entry import signed_in, stored, vi, world  # noqa: F401 (fixture)
from tests.test_report_api import FILLED, _act, _get, auth, cb  # noqa: F401 (fixtures)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360"
                    "0002000000050001e226059b0000000049454e44ae426082")


def _state(app, pk: int) -> str:
    with app.app_context():
        return db.session.get(Report, pk).state


# --- submit with values (CONTRACT) ---------------------------------------------------------------


@factories.ON_ASSIGNMENT_DAY
def test_submit_with_values_saves_and_submits_in_one_transaction(cb, auth):
    pk = cb["reports"]["X011"]
    resp = _act(auth, "x011", pk, "submit", values=FILLED)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["state"] == "submitted"
    values = _get(auth, "x011", pk).get_json()["result"]["values"]
    assert (values["households"], values["population"], values["poor_households"]) == (120, 500, 20)


@factories.ON_ASSIGNMENT_DAY
def test_submit_with_a_wrong_value_saves_nothing_and_names_the_field(cb, auth):
    pk = cb["reports"]["X011"]
    resp = _act(auth, "x011", pk, "submit", values={**FILLED, "households": "một trăm"})
    assert resp.status_code == 422 and "households" in resp.get_json()["errors"]
    assert _state(cb["app"], pk) == "draft"
    assert _get(auth, "x011", pk).get_json()["result"]["values"]["population"] is None  # not even the right ones


@factories.ON_ASSIGNMENT_DAY
def test_submit_refused_by_the_workflow_keeps_nothing_of_the_values(cb, auth):
    """Values right on their own but the submit refused (a required field missing): all or nothing."""
    pk = cb["reports"]["X011"]
    resp = _act(auth, "x011", pk, "submit", values={"households": 120})
    assert resp.status_code == 409 and "population" in resp.get_json()["errors"]
    assert _get(auth, "x011", pk).get_json()["result"]["values"]["households"] is None
    assert _state(cb["app"], pk) == "draft"


@factories.ON_ASSIGNMENT_DAY
def test_values_come_only_with_submit_and_as_an_object(cb, auth):
    pk = cb["reports"]["X011"]
    assert _act(auth, "x011", pk, "recall", values=FILLED).get_json()["errors"].keys() == {"values"}
    resp = _act(auth, "x011", pk, "submit", values=[1, 2])
    assert resp.status_code == 422 and "values" in resp.get_json()["errors"]
    stale = _act(auth, "x011", pk, "submit", values=FILLED, lock_version=99)
    assert stale.status_code == 409 and _state(cb["app"], pk) == "draft"
    # Another unit's officer (the district reviewer) cannot put values in with a submit.
    assert _act(auth, "h01", pk, "submit", values=FILLED).status_code in (403, 409)
    assert _get(auth, "x011", pk).get_json()["result"]["values"]["households"] is None


def test_the_screens_submit_sends_what_is_on_the_screen(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["own"]
    assert client.post(f"/reports/{rid}/entry", data={"households": "10"}).status_code == 302
    # An edit after the last save, and "Gửi" straight away: the edit is what goes up.
    resp = client.post(f"/reports/{rid}/entry", data={"households": "12", "_submit": "1"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    assert _state(app, rid) == "submitted"
    assert stored(app, rid)[("households", "")][0] == 12


def test_the_screens_submit_with_a_wrong_value_saves_nothing(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["own"]
    resp = client.post(f"/reports/{rid}/entry", data={"households": "10", "poor_households": "20", "_submit": "1"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Số hộ nghèo không được lớn hơn tổng số hộ." in page and "R1:" not in page
    assert 'value="20"' in page  # what was typed is still on the page
    assert stored(app, rid) == {} and _state(app, rid) == "draft"


# --- autosave ------------------------------------------------------------------------------------


def _patch(client, rid, values, as_typed=True):
    return client.patch(f"/api/v1/report/{rid}/values", json={"values": values, "as_typed": as_typed})


def test_autosave_stores_each_right_cell_and_refuses_the_wrong_ones(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["own"]
    resp = _patch(client, rid, {"area": "12,5", "households": "12,5", "poor_households": "-1",
                                "population__kinh|nu": "1.234"})
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["saved"] == ["area", "population__kinh|nu"]
    with app.test_request_context():
        assert body["errors"] == {"households": [vi("Enter a whole number.")],
                                  "poor_households": [vi("Enter at least %(min)s.", min="0")]}
        assert body["saved_at_text"].startswith(vi("Saved at %(time)s", time="")[:6])
    values = stored(app, rid)
    assert float(values[("area", "")][0]) == 12.5  # "12,5" in a decimal field is 12.5 ...
    assert ("households", "") not in values  # ... and in a whole-number field an error, never 125
    assert values[("population", "kinh|nu")][0] == 1234
    with app.app_context():
        changes = db.session.query(ValueChange).filter_by(report_id=rid).count()
        assert changes == 2  # W9: every changed cell leaves its old and new value
    # The same cell again: nothing written; a changed cell: one update.
    assert _patch(client, rid, {"area": "12,5"}).status_code == 200
    assert _patch(client, rid, {"area": "13"}).get_json()["saved"] == ["area"]
    with app.app_context():
        assert db.session.query(ValueChange).filter_by(report_id=rid).count() == 3
    # Cleared: the cell is deleted.
    assert _patch(client, rid, {"area": ""}).status_code == 200
    assert ("area", "") not in stored(app, rid)


def test_autosave_reads_machine_numbers_unless_told_they_are_typed(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["own"]
    assert _patch(client, rid, {"area": "12,5"}, as_typed=False).status_code == 422
    assert _patch(client, rid, {"area": 12.5}, as_typed=False).status_code == 200


def test_autosave_is_refused_on_a_sent_report_and_out_of_scope(app, world):
    client = signed_in(app, world)
    assert _patch(client, world["reports"]["sent"], {"households": "5"}).status_code == 409
    assert _patch(client, world["reports"]["other"], {"households": "5"}).status_code == 404
    assert client.patch(f"/api/v1/report/{world['reports']['own']}/values", json={"values": {}}).status_code == 422
    assert client.patch(f"/api/v1/report/{world['reports']['own']}/values", data="x").status_code in (400, 422)
    assert stored(app, world["reports"]["own"]) == {}


def test_autosave_without_a_session_is_401(app, world):
    resp = app.test_client().patch(f"/api/v1/report/{world['reports']['own']}/values",
                                   json={"values": {"households": "1"}, "as_typed": True})
    assert resp.status_code == 401
    assert stored(app, world["reports"]["own"]) == {}


def _autosave(auth, user, pk, values):
    return auth.client.patch(f"/api/v1/report/{pk}/values", headers=auth(user),
                             json={"values": values, "as_typed": True})


def _account(app, username, **columns):
    from core.accounts.models import Account

    with app.app_context():
        db.session.query(Account).filter_by(username=username).update(columns)
        db.session.commit()


@factories.ON_ASSIGNMENT_DAY
def test_autosave_with_a_token_obeys_every_check_of_the_account(cb, auth):
    """The autosave's light path (the account as one query, the report claimed by one UPDATE) refuses what
    the ordinary path refuses, and writes nothing when it does."""
    from datetime import datetime, timedelta

    from core.hierarchy.models import Unit

    app, pk = cb["app"], cb["reports"]["X011"]
    assert _autosave(auth, "x011", pk, {"households": "7"}).status_code == 200
    assert _autosave(auth, "h01", pk, {"households": "8"}).status_code == 403  # the district reads, never types
    assert _autosave(auth, "x011", cb["reports"]["X012"], {"households": "8"}).status_code == 404
    headers = auth("x011")
    _account(app, "x011", locked_until=datetime(2099, 1, 1))
    assert auth.client.patch(f"/api/v1/report/{pk}/values", headers=headers,
                             json={"values": {"households": "9"}, "as_typed": True}).status_code == 401
    _account(app, "x011", locked_until=None, must_change_password=True)
    refused = _autosave(auth, "x011", pk, {"households": "9"})
    assert refused.status_code == 403 and refused.get_json()["errors"] == {"password": "must_change"}
    _account(app, "x011", must_change_password=False)
    with app.app_context():
        db.session.query(Unit).filter_by(code="X011").update({"active": False})
        db.session.commit()
    assert _autosave(auth, "x011", pk, {"households": "9"}).status_code == 404  # a closed unit sees nothing
    with app.app_context():
        db.session.query(Unit).filter_by(code="X011").update({"active": True})
        db.session.commit()
    _account(app, "x011", closed_at=datetime(2026, 1, 1) + timedelta(days=1))
    assert _autosave(auth, "x011", pk, {"households": "9"}).status_code == 401
    _account(app, "x011", closed_at=None)
    assert _get(auth, "x011", pk).get_json()["result"]["values"]["households"] == 7


@factories.ON_ASSIGNMENT_DAY
def test_autosave_without_the_right_to_enter_is_403(cb, auth):
    """Roles are read with the account on every request, directly and through groups: taking them away
    takes the autosave away at once."""
    from flask_appbuilder.security.sqla.models import assoc_user_role

    from core.accounts.models import Account

    app, pk = cb["app"], cb["reports"]["X011"]
    assert _autosave(auth, "x011", pk, {"households": "7"}).status_code == 200
    with app.app_context():
        account = db.session.query(Account).filter_by(username="x011").one()
        db.session.execute(assoc_user_role.delete().where(assoc_user_role.c.user_id == account.id))
        db.session.commit()
    assert _autosave(auth, "x011", pk, {"households": "8"}).status_code == 403
    assert _get(auth, "h01", pk).get_json()["result"]["values"]["households"] == 7


@factories.ON_ASSIGNMENT_DAY
def test_a_role_held_through_a_group_enters_values_until_the_group_goes(cb, auth):
    """FAB's groups: the light account's one query folds the roles of the account's groups with its own
    (core/accounts/light.py), as FAB's ORM account does; leaving the group takes the right away at once."""
    from flask_appbuilder.security.sqla.models import Group, Role, assoc_group_role, assoc_user_group, assoc_user_role

    app, pk = cb["app"], cb["reports"]["X011"]
    assert _autosave(auth, "x011", pk, {"households": "1"}).status_code == 200
    with app.app_context():
        account = db.session.query(Account).filter_by(username="x011").one()
        role_ids = [r.id for r in account.roles]
        group = Group(name="xa-nhap-lieu", label="Xã nhập liệu")
        db.session.add(group)
        db.session.flush()
        db.session.execute(assoc_group_role.insert(), [{"group_id": group.id, "role_id": r} for r in role_ids])
        db.session.execute(assoc_user_role.delete().where(assoc_user_role.c.user_id == account.id))
        db.session.execute(assoc_user_group.insert().values(user_id=account.id, group_id=group.id))
        db.session.commit()
        account_id, group_id = account.id, group.id
        assert db.session.query(Role).filter(Role.id.in_(role_ids)).count() == len(role_ids)
    assert _autosave(auth, "x011", pk, {"households": "2"}).status_code == 200  # through the group
    with app.app_context():
        db.session.execute(assoc_user_group.delete().where(assoc_user_group.c.user_id == account_id,
                                                           assoc_user_group.c.group_id == group_id))
        db.session.commit()
    assert _autosave(auth, "x011", pk, {"households": "3"}).status_code == 403
    assert _get(auth, "h01", pk).get_json()["result"]["values"]["households"] == 2


@factories.ON_ASSIGNMENT_DAY
def test_an_autosave_costs_a_handful_of_statements(cb, auth):
    """bench/autosave.py's budget: the account, the claim of the report, the old value, the write and its
    value-change row; no ORM load of the account or the report."""
    app, pk = cb["app"], cb["reports"]["X011"]
    _autosave(auth, "x011", pk, {"households": "1"})
    count = factories.statements(app, lambda: _autosave(auth, "x011", pk, {"households": "2"}).status_code == 200
                                 or pytest.fail("autosave"))
    # PostgreSQL: the account's read also locks the report, then one statement writes cells, changes and
    # the save time. Elsewhere: the account, the claim, the old value, the write and its value-change row.
    # (Counted through the engine's events, which core/platform/hot_sql.py fires too: never 0.)
    # The ordinary path took 6, two of them ORM loads.
    assert 0 < count <= (2 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else 5), count


@factories.ON_ASSIGNMENT_DAY
def test_a_remembered_token_still_expires_and_is_still_revoked(cb, auth, now):
    """Workers remember a verified token (core/accounts/tokens.py), never past its expiry, never past a
    sign-out, and never for a token altered by one character."""
    from datetime import timedelta

    app, pk = cb["app"], cb["reports"]["X011"]
    headers = dict(auth("x011"))
    for n in (1, 2):
        assert _autosave(auth, "x011", pk, {"households": str(n)}).status_code == 200
    forged = {"Authorization": headers["Authorization"][:-2] + ("A" if headers["Authorization"][-2] != "A" else "B")
              + headers["Authorization"][-1]}
    assert auth.client.patch(f"/api/v1/report/{pk}/values", headers=forged,  # flask_jwt_extended: 422
                             json={"values": {"households": "3"}, "as_typed": True}).status_code in (401, 422)
    with app.app_context():
        epoch = db.session.execute(select(Account.session_epoch).where(Account.username == "x011")).scalar_one()
    _account(app, "x011", session_epoch=epoch + 1)  # signed out everywhere
    assert _autosave(auth, "x011", pk, {"households": "4"}).status_code == 401
    _account(app, "x011", session_epoch=epoch)
    assert _autosave(auth, "x011", pk, {"households": "5"}).status_code == 200
    now.shift(timedelta(minutes=16))  # JWT_ACCESS_TOKEN_EXPIRES is 15 minutes
    assert _autosave(auth, "x011", pk, {"households": "6"}).status_code == 401
    assert _get(auth, "h01", pk).get_json()["result"]["values"]["households"] != 6


# --- signing in again in place -------------------------------------------------------------------


def test_relogin_signs_the_browser_in_again_and_gives_a_fresh_token(app, world):
    username, _ = world["accounts"]["X011"]
    factories.first_login(app.test_client(), *world["accounts"]["X011"])
    client = app.test_client()
    wrong = client.post("/api/v1/me/relogin", json={"username": username, "password": "sai"})
    assert wrong.status_code == 401 and "password" in wrong.get_json()["errors"]
    resp = client.post("/api/v1/me/relogin", json={"username": username, "password": factories.NEW_PASSWORD})
    assert resp.status_code == 200 and resp.get_json()["csrf_token"]
    assert _patch(client, world["reports"]["own"], {"households": "9"}).status_code == 200
    assert client.get("/api/v1/me/csrf").get_json()["csrf_token"]
    with app.app_context():
        actions = [a for (a,) in db.session.execute(select(AuditEntry.action).where(
            AuditEntry.action.in_(("login", "login_failed"))).order_by(AuditEntry.id))]
        assert actions[-2:] == ["login_failed", "login"]
    # A form post is not a login: JSON only (a cross-site form cannot sign anybody in).
    assert client.post("/api/v1/me/relogin", data={"username": username, "password": "x"}).status_code == 422


def test_relogin_is_rate_limited_with_the_login_doors(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT_USER="3 per minute", LOGIN_RATE_LIMIT_IP="100 per minute")
    client = app.test_client()
    codes = [client.post("/api/v1/me/relogin", json={"username": "nobody", "password": "x"}).status_code
             for _ in range(3)]
    assert codes == [401, 401, 401]
    assert client.post("/api/v1/me/relogin", json={"username": "nobody", "password": "x"}).status_code == 429
    assert client.post("/login/", data={"username": "nobody", "password": "x"}).status_code == 429  # one budget


def test_relogin_obeys_the_lockout(app, world):
    username, _ = world["accounts"]["X011"]
    factories.first_login(app.test_client(), *world["accounts"]["X011"])
    client = app.test_client()
    for _ in range(5):
        assert client.post("/api/v1/me/relogin", json={"username": username, "password": "sai"}).status_code == 401
    right = client.post("/api/v1/me/relogin", json={"username": username, "password": factories.NEW_PASSWORD})
    assert right.status_code == 401  # this address waits, right password or not


# --- a post after the session ended ------------------------------------------------------------


def test_a_post_without_a_session_comes_back_in_vietnamese_with_the_values(app, world):
    rid = world["reports"]["own"]
    resp = app.test_client().post(f"/reports/{rid}/entry", data={"households": "150", "area": "12,5"})
    assert resp.status_code == 401
    page = resp.get_data(as_text=True)
    assert "Bad Request" not in page and "CSRF" not in page
    assert "Phiên làm việc đã hết hạn" in page
    assert 'value="150"' in page and 'value="12,5"' in page
    assert stored(app, rid) == {}


def test_a_post_after_30_idle_minutes_keeps_the_values(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["own"]
    with client.session_transaction() as session:
        session["_seen"] -= 31 * 60
    resp = client.post(f"/reports/{rid}/entry", data={"households": "77"})
    assert resp.status_code == 401 and 'value="77"' in resp.get_data(as_text=True)
    assert stored(app, rid) == {}


def test_a_post_with_a_stale_csrf_token_keeps_the_values(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from core.accounts.models import Account

        factories.province()
        username, one_time = factories.issue("X011")
        db.session.query(Account).filter_by(username=username).update({"must_change_password": False})
        db.session.commit()
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/login/", data={"username": username, "password": one_time,
                                        "csrf_token": token}).status_code == 302
    with app.app_context():
        from core.reporting import assignment

        from tests.factories import ASSIGNED_ON

        assignment.assign(db.session, ASSIGNED_ON)
        db.session.commit()
        rid = db.session.execute(select(Report.id)).scalars().first()
    resp = client.post(f"/reports/{rid}/entry", data={"households": "41", "csrf_token": "stale"})
    assert resp.status_code == 401
    text = resp.get_data(as_text=True)
    assert "Bad Request" not in text and 'value="41"' in text and "Phiên làm việc đã hết hạn" in text


# --- removing a wrongly attached file -----------------------------------------------------------


def test_a_file_is_removed_before_submit_with_an_audit_entry_and_not_after(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["own"]
    resp = client.post(f"/reports/{rid}/entry", data={"households": "33", "_attach": "1",
                                                      "file": (io.BytesIO(PNG), "nhầm.png")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    assert stored(app, rid)[("households", "")][0] == 33  # attaching saved the typed value first
    with app.app_context():
        aid = db.session.execute(select(Attachment.id).where(Attachment.report_id == rid)).scalar_one()
    resp = client.post(f"/reports/{rid}/entry", data={"households": "34", "_detach": str(aid)})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.query(Attachment).filter_by(report_id=rid).count() == 0
        entry = db.session.query(AuditEntry).filter_by(action="report.detach").one()
        assert json.loads(entry.changes)["filename"] == "nhầm.png"
    assert stored(app, rid)[("households", "")][0] == 34

    # Once sent, the files are part of what was sent: they stay.
    from core.reporting import attachments

    with app.app_context():
        report = db.session.get(Report, world["reports"]["sent"])
        row = Attachment(report_id=report.id, sha256="0" * 64, filename="gửi.png", content_type="image/png",
                         size=1, kind="scan", uploaded_by="x")
        db.session.add(row)
        db.session.commit()
        with pytest.raises(attachments.AttachmentError):
            attachments.remove(db.session, report, row.id, "x011")
        db.session.rollback()
        assert db.session.get(Attachment, row.id) is not None


def test_a_file_of_another_report_cannot_be_removed(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["own"]
    with app.app_context():
        row = Attachment(report_id=world["reports"]["other"], sha256="1" * 64, filename="khác.png",
                         content_type="image/png", size=1, kind="scan", uploaded_by="x")
        db.session.add(row)
        db.session.commit()
        aid = row.id
    resp = client.post(f"/reports/{rid}/entry", data={"households": "5", "_detach": str(aid)})
    assert resp.status_code == 422
    with app.app_context():
        assert db.session.get(Attachment, aid) is not None
    assert stored(app, rid) == {}  # all or nothing


def test_value_rows_are_one_per_cell(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["own"]
    for value in ("1", "2", "3"):
        assert _patch(client, rid, {"households": value}).status_code == 200
    with app.app_context():
        assert db.session.query(ReportValue).filter_by(report_id=rid).count() == 1


def test_the_screens_autosave_takes_the_light_path_too(app, world):
    """The entry screen autosaves with its session cookie, not a token: the same few statements."""
    client = signed_in(app, world)
    rid = world["reports"]["own"]
    _patch(client, rid, {"households": "1"})
    count = factories.statements(app, lambda: _patch(client, rid, {"households": "2"}).status_code == 200
                                 or pytest.fail("autosave"))
    assert 0 < count <= (2 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else 5), count
    assert stored(app, rid)[("households", "")][0] == 2


@pytest.mark.skipif(not PG_URL, reason="row locks need a server database")
@factories.ON_ASSIGNMENT_DAY
def test_an_autosave_waits_for_a_submit_in_flight_and_then_writes_nothing(cb, auth):
    """The autosave's claim rides with the account's read (core/accounts/light.py): a submit holding the
    report's row lock makes it wait, and once the report is sent the autosave is refused (409) and
    stores nothing, the state checked again under the lock."""
    import threading
    import time

    from sqlalchemy import create_engine, text

    from core import normalise_db_url

    pk = cb["reports"]["X011"]
    assert _autosave(auth, "x011", pk, {"households": "1"}).status_code == 200
    engine = create_engine(normalise_db_url(PG_URL))
    answers = []
    with engine.connect() as other:
        other.execute(text("SELECT id FROM report WHERE id = :id FOR UPDATE"), {"id": pk})  # a submit in flight
        saving = threading.Thread(target=lambda: answers.append(_autosave(auth, "x011", pk, {"households": "2"})))
        saving.start()
        time.sleep(0.5)
        assert saving.is_alive(), "the autosave did not wait for the row lock"
        other.execute(text("UPDATE report SET state = 'submitted' WHERE id = :id"), {"id": pk})
        other.commit()
    saving.join(timeout=30)
    engine.dispose()
    assert answers[0].status_code == 409, answers[0].get_json()
    assert _get(auth, "h01", pk).get_json()["result"]["values"]["households"] == 1
