"""``/api/v1/report/``: the whole CONTRACT workflow of a Cao Bằng commune report through the REST API,
with JWT tokens as an integrator uses them: list, detail, values, transitions and their refusals."""
from __future__ import annotations


import prison
import pytest

from core.platform.extensions import db
from core.reporting.models import Report
from tests import factories
from tests.conftest import api_token

FILLED = {"households": 120, "population": "500", "poor_households": "20"}
#: Cao Bằng on the day its CB-DT01 is assigned (due 20/12/2026): nothing is late yet.
pytestmark = factories.ON_ASSIGNMENT_DAY


@pytest.fixture
def cb(app):
    """Cao Bằng with unit accounts (one-time passwords) and CB-DT01 assigned to every commune."""
    with app.app_context():
        one_time, ids = factories.cao_bang_reports()
    return {"app": app, "one_time": one_time, "reports": ids}


@pytest.fixture
def auth(cb):
    """``auth(username)``: headers with a token of the account, after its first password change."""
    client = cb["app"].test_client()
    cache: dict[str, dict] = {}

    def headers(username: str) -> dict:
        if username not in cache:
            first = {"Authorization": f"Bearer {api_token(client, username, cb['one_time'][username])}"}
            resp = client.post("/api/v1/me/password", headers=first, json={
                "old_password": cb["one_time"][username], "new_password": factories.NEW_PASSWORD})
            assert resp.status_code == 200, resp.get_json()
            # Tokens issued before a password change are refused: log in again.
            cache[username] = {"Authorization": f"Bearer {api_token(client, username, factories.NEW_PASSWORD)}"}
        return cache[username]

    headers.client = client
    return headers


def _put(auth, user, pk, values):
    return auth.client.put(f"/api/v1/report/{pk}/values", headers=auth(user), json={"values": values})


def _act(auth, user, pk, action, comment="", **extra):
    return auth.client.post(f"/api/v1/report/{pk}/transition", headers=auth(user),
                            json={"action": action, "comment": comment, **extra})


def _get(auth, user, pk):
    return auth.client.get(f"/api/v1/report/{pk}", headers=auth(user))


def test_the_whole_workflow_commune_district_board(cb, auth):
    pk = cb["reports"]["X011"]

    saved = _put(auth, "x011", pk, FILLED)
    assert saved.status_code == 200, saved.get_json()
    values = saved.get_json()["values"]
    assert {k: values[k] for k in FILLED} == {"households": 120, "population": 500, "poor_households": 20}
    assert values["notes"] is None and isinstance(values["poor_by_ethnicity"], dict)  # every field, empty as null

    # 422 names the field, and nothing is written
    bad = _put(auth, "x011", pk, {"households": "một trăm", "population": 501})
    assert bad.status_code == 422
    body = bad.get_json()
    assert set(body) >= {"message", "errors"} and "households" in body["errors"]
    assert _get(auth, "x011", pk).get_json()["result"]["values"]["population"] == 500

    detail = _get(auth, "x011", pk).get_json()["result"]
    assert detail["state"] == "draft" and detail["allowed_actions"] == ["submit"]
    submitted = _act(auth, "x011", pk, "submit")
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["state"] == "submitted" and submitted.get_json()["level"] == "district"

    seen = _get(auth, "h01", pk).get_json()["result"]
    assert seen["allowed_actions"] == ["approve", "return"] and seen["level"] == "district"
    stale = seen["lock_version"]
    first = _act(auth, "h01", pk, "approve", lock_version=stale)
    assert first.status_code == 200, first.get_json()
    assert (first.get_json()["state"], first.get_json()["level"]) == ("submitted", "province")
    assert first.get_json()["lock_version"] == stale + 1

    # The district acts again out of turn: 403; the board with what it read before: 409, reload
    assert _act(auth, "h01", pk, "approve").status_code == 403
    conflict = _act(auth, "04", pk, "approve", lock_version=stale)
    assert conflict.status_code == 409
    assert conflict.get_json()["errors"]["reasons"] and conflict.get_json()["message"]
    assert _get(auth, "04", pk).get_json()["result"]["state"] == "submitted"  # rolled back

    final = _act(auth, "04", pk, "approve", lock_version=stale + 1)
    assert final.status_code == 200 and final.get_json()["state"] == "approved"

    detail = _get(auth, "x011", pk).get_json()["result"]
    assert {k: detail["values"][k] for k in FILLED} == {"households": 120, "population": 500, "poor_households": 20}
    assert [(h["action"], h["from"], h["to"], h["actor"], h["unit"]) for h in detail["history"]] == [
        ("submit", "draft", "submitted", "x011", "X011"),
        ("approve", "submitted", "submitted", "h01", "H01"),
        ("approve", "submitted", "approved", "04", "04")]
    assert all(h["at"] for h in detail["history"]) and detail["attachments"] == []
    assert detail["allowed_actions"] == ["request_correction"]

    # Approved: values are read-only (409), and a second approval is refused by the workflow (409)
    late_put = _put(auth, "x011", pk, {"households": 121})
    assert late_put.status_code == 409 and late_put.get_json()["message"]
    assert _act(auth, "04", pk, "approve").status_code == 409


def test_refusals_403_404_422(cb, auth):
    x011, x012, x021 = cb["reports"]["X011"], cb["reports"]["X012"], cb["reports"]["X021"]

    # Out of scope: 404 whatever the method, and nothing changes
    assert _get(auth, "h02", x011).status_code == 404
    assert _put(auth, "h02", x011, FILLED).status_code == 404
    assert _act(auth, "h02", x011, "approve").status_code == 404
    assert _get(auth, "x011", x021).status_code == 404
    assert _act(auth, "x011", x021, "submit").status_code == 404

    # In scope but not the reporting unit: 403
    resp = _put(auth, "h01", x012, FILLED)
    assert resp.status_code == 403 and resp.get_json()["message"]
    assert _act(auth, "h01", x012, "submit").status_code == 403

    # Submitting with required values missing: 409 naming the fields
    missing = _act(auth, "x012", x012, "submit")
    assert missing.status_code == 409
    assert "households" in missing.get_json()["errors"] and missing.get_json()["errors"]["reasons"]

    assert _put(auth, "x012", x012, FILLED).status_code == 200
    assert _act(auth, "x012", x012, "submit").status_code == 200
    # Return needs a reason: 422 naming the comment
    no_reason = _act(auth, "h01", x012, "return")
    assert no_reason.status_code == 422 and "comment" in no_reason.get_json()["errors"]
    # A body the API does not understand: 422
    assert auth.client.post(f"/api/v1/report/{x012}/transition", headers=auth("h01"),
                            json={"action": "bless"}).status_code == 422
    assert auth.client.post(f"/api/v1/report/{x012}/transition", headers=auth("h01"),
                            data="not json").status_code == 422
    assert auth.client.put(f"/api/v1/report/{x012}/values", headers=auth("x012"),
                           json={"households": 1}).status_code in (409, 422)
    returned = _act(auth, "h01", x012, "return", "Thiếu số hộ cận nghèo")
    assert returned.status_code == 200 and returned.get_json()["state"] == "returned"
    history = _get(auth, "x012", x012).get_json()["result"]["history"]
    assert history[-1]["action"] == "return" and history[-1]["comment"] == "Thiếu số hộ cận nghèo"
    # Returned: the unit corrects and sends again
    assert _put(auth, "x012", x012, {"households": 121}).status_code == 200
    assert _act(auth, "x012", x012, "submit").status_code == 200


def test_grid_values_as_objects_or_field_cell_keys(cb, auth):
    """A disaggregated field takes ``{field: {cell: value}}`` or ``"field__cell"`` keys, like the screen."""
    pk = cb["reports"]["X011"]
    with cb["app"].app_context():
        from core.reporting import entry
        from core.forms.definitions import fields_of

        report = db.session.get(Report, pk)
        defn = report.version.definition
        grids = [(code, entry.cells_of(defn, f)) for code, f in fields_of(defn).items() if f.get("combo")]
    if not grids:
        pytest.skip("CB-DT01 has no disaggregated field")
    code, cells = grids[0]
    resp = _put(auth, "x011", pk, {code: {cells[0]: 7}, f"{code}__{cells[1]}": "8"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["values"][code][cells[0]] == 7 and resp.get_json()["values"][code][cells[1]] == 8
    bad = _put(auth, "x011", pk, {code: {"no-such-cell": 1}})
    assert bad.status_code == 422 and f"{code}[no-such-cell]" in bad.get_json()["errors"]


@pytest.mark.calendar
def test_list_filters_with_rison_and_flat_fields(cb, auth):
    x011, x012 = cb["reports"]["X011"], cb["reports"]["X012"]
    assert _put(auth, "x011", x011, FILLED).status_code == 200
    assert _act(auth, "x011", x011, "submit").status_code == 200

    def listed(user, **q):
        resp = auth.client.get("/api/v1/report/", headers=auth(user), query_string={"q": prison.dumps(q)} if q else {})
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["result"]

    rows = listed("h01")
    assert {r["unit_code"] for r in rows} == {"X011", "X012"}  # the district's subtree only
    row = next(r for r in rows if r["unit_code"] == "X011")
    assert set(row) >= {"id", "form_code", "period_code", "unit_code", "state", "level", "deadline",
                        "submitted_at", "late"}
    assert (row["id"], row["form_code"], row["state"], row["level"]) == (x011, "CB-DT01", "submitted", "district")
    assert row["late"] is False and row["submitted_at"]

    resp = auth.client.get("/api/v1/report/?q=(filters:!((col:state,opr:eq,value:submitted)))", headers=auth("h01"))
    assert [r["id"] for r in resp.get_json()["result"]] == [x011]
    assert [r["id"] for r in listed("04", filters=[{"col": "unit_code", "opr": "eq", "value": "X012"}])] == [x012]
    assert {r["unit_code"] for r in listed("04", filters=[{"col": "form_code", "opr": "eq", "value": "CB-DT01"}])} \
        == {"X011", "X012", "X021"}
    assert listed("04", filters=[{"col": "late", "opr": "eq", "value": True}]) == []
    assert listed("x011", filters=[{"col": "state", "opr": "eq", "value": "draft"}]) == []


@pytest.mark.calendar
def test_late_is_computed_against_the_deadline(cb, auth, now):
    """Not sent and the deadline past: late; sent before it: not late."""
    x011 = cb["reports"]["X011"]
    assert _put(auth, "x011", x011, FILLED).status_code == 200
    assert _act(auth, "x011", x011, "submit").status_code == 200
    with cb["app"].app_context():
        deadline = db.session.get(Report, x011).deadline
    from datetime import datetime, timedelta

    now.move_to(datetime.combine(deadline + timedelta(days=3), datetime.min.time()))
    rows = auth.client.get("/api/v1/report/?q=(filters:!((col:late,opr:eq,value:!t)))",
                           headers=auth("04")).get_json()["result"]
    assert {r["unit_code"] for r in rows} == {"X012", "X021"}  # X011 was sent on time


def test_viewer_reads_but_does_not_act(cb, auth):
    """Permissions: a reporter writes values; the access matrix of roles is in core.hierarchy.roles."""
    from core.hierarchy import roles

    assert roles.BY_NAME[roles.VIEWER].allows("can_get", "ReportApi")
    assert not roles.BY_NAME[roles.VIEWER].allows("can_post", "ReportApi")
    assert not roles.BY_NAME[roles.VIEWER].allows("can_put", "ReportApi")
    assert roles.BY_NAME[roles.REVIEWER].allows("can_post", "ReportApi")
    assert not roles.BY_NAME[roles.REVIEWER].allows("can_put", "ReportApi")
    assert roles.BY_NAME[roles.REPORTER].allows("can_put", "ReportApi")


def test_a_page_of_the_list_is_one_query_whatever_its_length(cb, auth):
    """The flat codes and ``late`` are columns of the page query: no query per row."""
    from sqlalchemy import event

    headers = auth("04")
    with cb["app"].app_context():
        engine = db.engine
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement.lower())

    event.listen(engine, "before_cursor_execute", count)
    try:
        resp = auth.client.get("/api/v1/report/?q=(page_size:100)", headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert resp.status_code == 200 and len(resp.get_json()["result"]) == 3
    on_reports = [s for s in statements if "from report" in s]
    assert len(on_reports) <= 2, on_reports  # FAB's count and the page itself
    for subquery in ("from form as rf", "from period as rp", "from unit as ru", "report.submitted_at"):
        assert subquery in on_reports[-1]
