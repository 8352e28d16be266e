"""Malformed input (docs/security.md): every case the penetration test found answers 400 or 422, with a
Vietnamese message on the screens and JSON on the API — never 500.

``tests/test_screen_fuzz.py`` and ``tests/test_api_fuzz.py`` look for new cases; this file keeps the
known ones, each named.
"""
from __future__ import annotations

import pytest
from sqlalchemy.exc import DataError

from tests import factories
from tests.conftest import api_token, login

VIETNAMESE = "Yêu cầu không thực hiện được"  # the bad-request page's heading


@pytest.fixture
def world(app, admin):
    with app.app_context():
        one_time, reports = factories.cao_bang_reports()
    return {"app": app, "one_time": one_time, "reports": reports, "admin": admin}


@pytest.fixture
def board(world):
    client = world["app"].test_client()
    login(client, "admin", world["admin"]["password"])
    return client


@pytest.fixture
def api(world):
    client = world["app"].test_client()
    token = api_token(client, "admin", world["admin"]["password"])
    client.headers = {"Authorization": f"Bearer {token}"}
    return client


@pytest.fixture
def commune(world):
    """X011's officer, after the first password change, on the API and on the screens."""
    client = world["app"].test_client()
    factories.first_login(client, "x011", world["one_time"]["x011"])
    token = api_token(client, "x011", factories.NEW_PASSWORD)
    client.headers = {"Authorization": f"Bearer {token}"}
    return client


def _refused_on_screen(resp, status=400):
    page = resp.get_data(as_text=True)
    assert resp.status_code == status, page[:300]
    assert VIETNAMESE in page and 'data-status="400"' in page


def _refused_on_api(resp, status=400):
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    body = resp.get_json()
    assert body["message"] and isinstance(body["errors"], dict)
    return body


@pytest.mark.parametrize("query", [
    "_oc_ReportsView=x&_od_ReportsView=asc", "_oc_ReportsView=unit&_od_ReportsView=desc", "psize_ReportsView=abc",
    "page_ReportsView=abc", "page_ReportsView=-1", "psize_ReportsView=100000000000000000000",
    "_flt_0_state=a%00b",
])
def test_the_report_list_refuses_malformed_list_arguments_in_vietnamese(board, query):
    _refused_on_screen(board.get(f"/reports/list/?{query}"))


@pytest.mark.parametrize("path", ["/maintenance/list/?_flt_0_emergency=x", "/roles/list/?_flt_1_user=x",
                                  "/exchange/outbox/list/?_flt_0_report_id=100000000000000000000",
                                  "/audit/list/?_flt_0_actor=%00"])
def test_filters_of_the_wrong_kind_are_refused_not_sent_to_the_database(board, path):
    _refused_on_screen(board.get(path))


def test_the_list_arguments_a_screen_sends_itself_still_work(board):
    assert board.get("/reports/list/?psize_ReportsView=100&page_ReportsView=0&_oc_ReportsView=state"
                     "&_od_ReportsView=desc&_flt_0_state=draft").status_code == 200
    assert board.get("/forms/schedules/list/?_flt_0_active=y").status_code in (200, 403)


def test_a_nul_byte_in_a_form_is_refused_on_the_screen_and_in_the_live_check(world, commune):
    pk = world["reports"]["X011"]
    _refused_on_screen(commune.post(f"/reports/{pk}/entry", data={"notes": "a\x00b", "households": "12"}))
    check = commune.post(f"/reports/{pk}/validate", data={"notes": "a\x00b"},
                         headers={"X-Requested-With": "XMLHttpRequest"})
    assert "notes" in _refused_on_api(check)["errors"]


@pytest.mark.parametrize("q", ["((((((((((", "'\\'", "(filters:!((col:late,opr:eq,value:'x')))",
                               "(filters:!((col:late,opr:eq,value:x)))", "(filters:!((col:state,opr:sw,value:5)))",
                               "(filters:!((col:id,opr:eq,value:100000000000000000000)))", "(page:-1,page_size:10)",
                               "(" * 40 + ")" * 40])
def test_the_api_refuses_unreadable_or_ill_typed_rison(api, q):
    _refused_on_api(api.get("/api/v1/report/", query_string={"q": q}, headers=api.headers))


def test_the_api_still_filters_by_what_each_column_holds(api):
    for q in ("(filters:!((col:late,opr:eq,value:!t)))", "(filters:!((col:state,opr:eq,value:draft)))",
              "(page:0,page_size:25,order_column:deadline,order_direction:asc)"):
        assert api.get("/api/v1/report/", query_string={"q": q}, headers=api.headers).status_code == 200, q


def test_json_nested_5000_deep_is_refused_before_python_recurses(world, commune, api):
    pk = world["reports"]["X011"]
    for body in ("[" * 5000 + "]" * 5000, '{"values":' + '{"a":' * 5000 + "1" + "}" * 5001):
        resp = commune.put(f"/api/v1/report/{pk}/values", data=body, content_type="application/json",
                           headers=commune.headers)
        _refused_on_api(resp)
    _refused_on_api(api.post("/api/v1/security/login", data="[" * 5000 + "]" * 5000, content_type="application/json"))


def test_a_nul_byte_in_json_text_or_a_query_is_refused(world, commune, api):
    pk = world["reports"]["X011"]
    body = _refused_on_api(commune.put(f"/api/v1/report/{pk}/values", json={"values": {"notes": "a\x00b"}},
                                       headers=commune.headers))
    assert list(body["errors"]) == ["values.notes"]
    _refused_on_api(api.get("/api/v1/aggregate/", query_string={"form": "a\x00", "period": "x", "unit": "y"},
                            headers=api.headers))
    _refused_on_api(api.post("/api/v1/security/login", json={"username": "a\x00", "password": "x", "provider": "db"}))


def test_messages_are_in_vietnamese_on_the_api_too(api):
    body = _refused_on_api(api.get("/api/v1/report/", query_string={"q": "(((("}, headers=api.headers))
    assert body["message"] != "The q argument is not valid Rison."  # translated, as every API message


def _too_long(*_args, **_kwargs):
    raise DataError("SELECT …", {}, Exception("value too long for type character varying(50)"))


def test_a_value_the_database_cannot_hold_is_a_400_on_the_api(world, api, monkeypatch):
    """The safety net behind the guard: a database "data exception" is the client's input, not our fault;
    FAB's ``@safe`` would have answered 500."""
    from core.reporting.api import reports

    monkeypatch.setattr(reports, "scoped_report", _too_long)
    _refused_on_api(api.get(f"/api/v1/report/{world['reports']['X011']}", headers=api.headers))


def test_a_value_the_database_cannot_hold_is_a_400_on_the_screens(make_app):
    app = make_app()
    app.add_url_rule("/__too-long", "too_long", _too_long)
    _refused_on_screen(app.test_client().get("/__too-long"))
