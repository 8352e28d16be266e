"""``/api/v1/unit/``: the units of the caller's subtree, flat ``parent_code``, 404 outside the scope."""
from __future__ import annotations

import prison

from core.accounts.lifecycle import issue
from core.platform.extensions import db
from tests import factories
from tests.conftest import api_token

NEW_PASSWORD = "Mật-khẩu-API-2026!"
FIELDS = {"id", "code", "name", "level", "kind", "sector", "parent_code", "active", "valid_from", "valid_to"}


def _province(app) -> dict[str, int]:
    with app.app_context():
        return factories.province()


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _unit_token(app, client, code: str) -> str:
    """The unit account's token after the forced first change of its one-time password."""
    with app.app_context():
        account, one_time, _ = issue(db.session, code)
        username = account.username
        db.session.commit()
    token = api_token(client, username, one_time)
    resp = client.post("/api/v1/me/password", headers=_bearer(token),
                       json={"old_password": one_time, "new_password": NEW_PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    return api_token(client, username, NEW_PASSWORD)


def _list(client, token: str, **query) -> dict:
    resp = client.get("/api/v1/unit/", headers=_bearer(token), query_string={"q": prison.dumps(query)} if query else None)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_a_commune_account_lists_only_its_own_unit(app, client):
    ids = _province(app)
    token = _unit_token(app, client, "X011")
    listed = _list(client, token, page_size=100)
    assert listed["count"] == 1
    assert [(u["code"], u["parent_code"]) for u in listed["result"]] == [("X011", "H01")]
    assert client.get(f"/api/v1/unit/{ids['X011']}", headers=_bearer(token)).status_code == 200
    for other in ("X012", "H01", "X021", "04"):
        resp = client.get(f"/api/v1/unit/{ids[other]}", headers=_bearer(token))
        assert resp.status_code == 404, other
        assert "Xã Lũng Nặm" not in resp.get_data(as_text=True)


def test_a_district_account_lists_its_subtree(app, client):
    _province(app)
    token = _unit_token(app, client, "H01")
    assert {u["code"] for u in _list(client, token)["result"]} == {"H01", "X011", "X012"}


def test_fields_are_flat_and_include_parent_code(app, client, admin):
    ids = _province(app)
    token = api_token(client, admin["username"], admin["password"])
    unit = client.get(f"/api/v1/unit/{ids['X012']}", headers=_bearer(token)).get_json()["result"]
    assert set(unit) == FIELDS
    assert unit["code"] == "X012" and unit["parent_code"] == "H01" and unit["level"] == "commune"
    assert unit["id"] == ids["X012"] and unit["active"] is True
    listed = _list(client, token, page_size=100)
    assert listed["count"] == 7 and all(set(u) == FIELDS for u in listed["result"])
    assert {u["code"]: u["parent_code"] for u in listed["result"]}["04"] is None


def test_filter_by_parent_code_lists_a_units_children(app, client, admin):
    _province(app)
    token = api_token(client, admin["username"], admin["password"])
    children = _list(client, token, filters=[{"col": "parent_code", "opr": "eq", "value": "H01"}])
    assert sorted(u["code"] for u in children["result"]) == ["X011", "X012"]


def test_the_api_is_read_only(app, client, admin):
    ids = _province(app)
    token = api_token(client, admin["username"], admin["password"])
    assert client.post("/api/v1/unit/", headers=_bearer(token), json={"code": "X9", "name": "X"}).status_code == 405
    assert client.put(f"/api/v1/unit/{ids['X011']}", headers=_bearer(token), json={"name": "X"}).status_code == 405
    assert client.delete(f"/api/v1/unit/{ids['X011']}", headers=_bearer(token)).status_code == 405
    assert client.get("/api/v1/unit/").status_code == 401
