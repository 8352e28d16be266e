"""``GET|PUT /api/v1/report/<id>/workbook`` and the upload screen: status codes, errors naming sheet and
cell, who may download and who may upload (the reporting unit uploads; its superiors download read-only
copies; another district sees nothing)."""
from __future__ import annotations

import io
import json

from openpyxl import load_workbook

from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.reporting import entry
from core.reporting.models import Report
from tests import factories
from tests.test_report_api import auth, cb  # noqa: F401 (fixtures: CB-DT01 assigned, bearer headers)
from tests.test_workbook import _filled, _find, _save, _type

pytestmark = factories.ON_ASSIGNMENT_DAY
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _get(auth, user, pk):
    return auth.client.get(f"/api/v1/report/{pk}/workbook", headers=auth(user))


def _put(auth, user, pk, data: bytes, multipart: bool = False):
    if multipart:
        return auth.client.put(f"/api/v1/report/{pk}/workbook", headers=auth(user),
                               data={"file": (io.BytesIO(data), "bao-cao.xlsx")}, content_type="multipart/form-data")
    return auth.client.put(f"/api/v1/report/{pk}/workbook", headers=auth(user), data=data, content_type=XLSX)


def _stored(cb, pk):
    with cb["app"].app_context():
        return entry.values_of(db.session, db.session.get(Report, pk))


def test_the_unit_downloads_fills_and_puts_its_workbook(cb, auth):
    pk = cb["reports"]["X011"]
    got = _get(auth, "x011", pk)
    assert got.status_code == 200 and got.mimetype == XLSX
    assert "CB-DT01_2026_X011.xlsx" in got.headers["Content-Disposition"]
    data = _filled(got.data, households=120, population=500, poor_households=20, near_poor_households=5)

    saved = _put(auth, "x011", pk, data)
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert body["changed"] == 4 and body["state"] == "draft"
    assert (body["values"]["households"], body["values"]["near_poor_households"]) == (120, 5)
    assert _stored(cb, pk)[("population", "")] == 500
    # The same file again: the report was saved since it was downloaded, so it is outdated (409)
    again = _put(auth, "x011", pk, data, multipart=True)
    assert again.status_code == 409 and again.get_json()["errors"]["workbook"]
    # A fresh download carries what is stored, and goes up as a multipart form too
    fresh = _filled(_get(auth, "x011", pk).data, households=121)
    assert _put(auth, "x011", pk, fresh, multipart=True).status_code == 200
    assert _stored(cb, pk)[("households", "")] == 121


def test_problems_are_422_naming_sheet_and_cell_and_nothing_is_saved(cb, auth):
    pk = cb["reports"]["X011"]
    book = load_workbook(io.BytesIO(_get(auth, "x011", pk).data))
    where = _type(book, "households", "nhiều")
    cell = _type(book, "poor_by_ethnicity/01", 2.5)
    _type(book, "population", 40)
    resp = _put(auth, "x011", pk, _save(book))
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["message"] and set(body["errors"]) == {f"{where[0]}!{where[1]}", f"{cell[0]}!{cell[1]}"}
    assert {(p["sheet"], p["cell"], p["field"]) for p in body["problems"]} == {
        (*where, "Tổng số hộ"), (*cell, "Hộ nghèo chia theo dân tộc (Kinh)")}
    assert all(p["message"] for p in body["problems"])
    assert _stored(cb, pk) == {}
    with cb["app"].app_context():  # the refused upload leaves a trace, with why
        refused = db.session.query(AuditEntry).filter_by(action="report.workbook_refused").one()
        assert json.loads(refused.changes)["problems"] == 2 and refused.object_id == str(pk)


def test_who_may_download_and_who_may_put(cb, auth):
    x011, x021 = cb["reports"]["X011"], cb["reports"]["X021"]
    # The district and the board download a read-only copy of their commune's report
    for superior in ("h01", "04"):
        resp = _get(auth, superior, x011)
        assert resp.status_code == 200, superior
        ws, row = _find(load_workbook(io.BytesIO(resp.data)), "households")
        assert ws.cell(row, 4).protection.locked
    # ... but cannot put it: only the reporting unit enters its data
    mine = _filled(_get(auth, "x011", x011).data, households=1)
    assert _put(auth, "h01", x011, mine).status_code == 403
    # Out of scope: 404 whatever the method, nothing leaks
    assert _get(auth, "h02", x011).status_code == 404
    assert _put(auth, "h02", x011, mine).status_code == 404
    assert _get(auth, "x011", x021).status_code == 404
    assert _get(auth, "x011", 2623016422064).status_code == 404  # past a 32-bit id: not found, not a 500
    # X011's workbook sent by commune X021 onto its own report: 422 naming the workbook
    other = _put(auth, "x021", x021, mine)
    assert other.status_code == 422 and "khác" in other.get_json()["errors"]["workbook"][0]
    # Not a workbook at all: 422
    junk = _put(auth, "x011", x011, b"households;120\n")
    assert junk.status_code == 422 and junk.get_json()["errors"]["workbook"]
    assert _stored(cb, x011) == {}


def test_a_submitted_report_gives_read_only_copies_and_takes_no_workbook(cb, auth):
    pk = cb["reports"]["X011"]
    ready = _filled(_get(auth, "x011", pk).data, households=120, population=500, poor_households=20)
    assert _put(auth, "x011", pk, ready).status_code == 200
    before = _get(auth, "x011", pk).data
    assert auth.client.post(f"/api/v1/report/{pk}/transition", headers=auth("x011"),
                            json={"action": "submit"}).status_code == 200
    late = _put(auth, "x011", pk, _filled(before, households=121))
    assert late.status_code == 409 and late.get_json()["errors"]["state"] == ["submitted"]
    # The reviewer downloads the submitted report's workbook: every value, read-only
    copy = load_workbook(io.BytesIO(_get(auth, "h01", pk).data))
    ws, row = _find(copy, "households")
    assert ws.cell(row, 4).value == 120 and ws.cell(row, 4).protection.locked
    assert _stored(cb, pk)[("households", "")] == 120


# --- the screens ----------------------------------------------------------------------------------


def _screen(cb, username):
    client = cb["app"].test_client()
    factories.first_login(client, username, cb["one_time"][username])
    return client


def test_the_entry_page_and_my_reports_offer_the_workbook(cb):
    pk = cb["reports"]["X011"]
    commune = _screen(cb, "x011")
    page = commune.get(f"/reports/{pk}/entry").get_data(as_text=True)
    assert 'id="workbook-download"' in page and 'id="workbook-upload-form"' in page
    mine = commune.get("/my-reports/").get_data(as_text=True)
    assert f"/workbook/{pk}/download" in mine and f"/workbook/{pk}/upload" in mine
    district = _screen(cb, "h01")
    page = district.get(f"/reports/{pk}/entry").get_data(as_text=True)
    assert 'id="workbook-download"' in page and "workbook-upload-form" not in page
    assert district.get(f"/workbook/{pk}/download").status_code == 200
    assert district.post(f"/workbook/{pk}/upload", data={}).status_code == 403


def test_the_upload_screen_lists_each_problem_then_saves(cb):
    pk = cb["reports"]["X011"]
    commune = _screen(cb, "x011")
    blank = commune.get(f"/workbook/{pk}/download").data
    book = load_workbook(io.BytesIO(blank))
    _type(book, "households", "một trăm hai mươi")
    resp = commune.post(f"/workbook/{pk}/upload", data={"file": (io.BytesIO(_save(book)), "xa.xlsx")},
                        content_type="multipart/form-data")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="workbook-problems"' in page
    assert "1. Hộ và nhân khẩu" in page and "Tổng số hộ" in page and "Nhập một số" in page
    good = _filled(blank, households=120)
    resp = commune.post(f"/workbook/{pk}/upload", data={"file": (io.BytesIO(good), "xa.xlsx")},
                        content_type="multipart/form-data")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/reports/{pk}/entry")
    assert "Đã nhận bảng tính: 1 giá trị thay đổi." in commune.get(f"/reports/{pk}/entry").get_data(as_text=True)
    outdated = commune.post(f"/workbook/{pk}/upload", data={"file": (io.BytesIO(good), "xa.xlsx")},
                            content_type="multipart/form-data")
    assert outdated.status_code == 409 and 'id="workbook-refused"' in outdated.get_data(as_text=True)
    assert commune.post(f"/workbook/{pk}/upload", data={}).status_code == 422  # no file chosen
