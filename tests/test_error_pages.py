"""Error pages as an officer meets them: Vietnamese, inside the layout with its menu, saying what to do.

Each of 400, 403, 404, 405, 413, 429 and 500 is provoked the way a person would (a wrong address,
a page without the right, a file too large, a fault of ours); the API answers the same codes in JSON.
"""
from __future__ import annotations

import pytest

from core.platform.extensions import db
from tests import factories
from tests.conftest import login

MENU = 'class="navbar'  # FAB's navigation bar: the page is drawn inside the site layout


@pytest.fixture
def officer(app):
    """A commune's officer (reporter) after the first login."""
    with app.app_context():
        factories.province()
        username, one_time = factories.issue("X011")
    client = app.test_client()
    factories.first_login(client, username, one_time)
    return client


def _page(resp, status: int) -> str:
    page = resp.get_data(as_text=True)
    assert resp.status_code == status, page[:500]
    assert resp.mimetype == "text/html"
    assert f'data-status="{status}"' in page and MENU in page
    assert "Traceback" not in page and "Werkzeug" not in page
    return page


def test_a_missing_page_is_404_in_vietnamese_with_the_menu(officer):
    page = _page(officer.get("/no-such-page"), 404)
    assert "Không tìm thấy trang" in page and "Về trang chủ" in page
    assert "Not Found" not in page


def test_a_page_without_the_right_says_which_right_and_whom_to_ask(officer):
    page = _page(officer.get("/accounts/issue"), 403)
    assert "Bạn không có quyền mở trang này" in page
    right = page.split('id="error-right">')[1].split("<")[0]
    assert right == "Tài khoản: cấp tài khoản cho đơn vị"
    ask = page.split('id="error-ask">')[1].split("<")[0]
    assert "Huyện Hà Quảng" in ask  # the commune's superior unit
    assert "Forbidden" not in page


def test_an_account_at_the_top_is_sent_to_the_provincial_administrator(app):
    with app.app_context():
        factories.province()
        username, one_time = factories.issue("04")
    client = app.test_client()
    factories.first_login(client, username, one_time)
    page = _page(client.get("/plugins/"), 403)
    assert page.split('id="error-right">')[1].split("<")[0] == "Phân hệ: xem danh sách"
    assert "quản trị hệ thống cấp tỉnh" in page.split('id="error-ask">')[1].split("<")[0]


def test_a_wrong_method_is_405_in_vietnamese(officer):
    page = _page(officer.post("/"), 405)
    assert "Không thể thực hiện thao tác theo cách này" in page and "Method Not Allowed" not in page


def test_an_expired_form_is_400_saying_to_reload(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        factories.province()
        username, _ = factories.issue("X011")
    client = app.test_client()
    page = _page(client.post("/login/", data={"username": username, "password": "x"}), 400)
    assert "Yêu cầu không thực hiện được" in page and "tải lại trang" in page
    assert "CSRF" not in page


def test_a_body_too_large_is_413_in_vietnamese(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    page = _page(client.post("/login/", data={"username": "a", "password": "x" * 4000}), 413)
    assert "quá lớn" in page and "Request Entity Too Large" not in page


def test_too_many_logins_is_429_in_vietnamese(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    statuses = [login(client, "nobody", "wrong").status_code for _ in range(12)]
    assert 429 in statuses
    page = _page(login(client, "nobody", "wrong"), 429)
    assert "Quá nhiều" in page and "Too Many Requests" not in page


def test_a_fault_of_ours_is_500_without_a_traceback(officer, monkeypatch):
    from core.reporting.views import home

    def broken():
        raise RuntimeError("secret detail: password=hunter2")

    monkeypatch.setattr(home, "unread", broken)  # the home page's notifications query fails
    page = _page(officer.get("/"), 500)
    assert "Hệ thống gặp sự cố" in page and 'id="error-when"' in page
    assert "hunter2" not in page and "RuntimeError" not in page and "Internal Server Error" not in page


def test_the_api_keeps_json_errors(app, officer):
    with app.app_context():
        db.session.commit()
    resp = officer.get("/api/v1/no-such-thing/")
    assert resp.status_code == 404 and resp.is_json and resp.get_json()["message"]
    anonymous = app.test_client().get("/api/v1/report/")
    assert anonymous.status_code == 401 and anonymous.is_json
