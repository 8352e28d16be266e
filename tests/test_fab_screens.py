"""FAB's own screens as the board's administrator and an officer meet them (issue 15, item 18).

A unit administrator at the board sees no security screen (users, roles, groups, permissions); the
system administrator finds them under "Quản trị"; the user list reads in words; the statistics
chart that drew from the internet is gone; every person has "Đổi mật khẩu" in its own menu; the
password rules are listed in full before typing, and every broken rule is said at once.
"""
from __future__ import annotations

import re

import pytest

from core.accounts import passwords
from core.hierarchy import roles
from core.platform.extensions import db
from tests import factories
from tests.conftest import change_password, login
from tests.test_dashboard import signed_in

SECURITY = ("/users/list/", "/roles/list/", "/groups/list/")


@pytest.fixture
def province(app):
    with app.app_context():
        factories.province()


def _menu(page: str) -> str:
    return page.split('class="navbar-collapse')[1].split('class="nav navbar-nav navbar-right')[0]


def test_a_board_unit_administrator_sees_no_security_screen(app, province):
    board_admin = signed_in(app, "qt.bandantoc", roles.UNIT_ADMIN, "04")
    page = board_admin.get("/").get_data(as_text=True)
    menu = _menu(page)
    assert "Tài khoản" in menu  # its own Accounts screen, under Quản trị
    for path in SECURITY + ("/permissions/list/", "/viewmenus/list/", "/permissionviews/list/"):
        assert path not in page
    for path in SECURITY:
        assert board_admin.get(path).status_code == 403
    for label in ("Bảo mật", "Danh sách vai trò", "Danh sách người dùng", "Quyền cơ sở", "Màn hình/Trình đơn"):
        assert label not in menu


def test_the_system_administrator_finds_users_and_roles_under_administration(app, admin):
    client = app.test_client()
    login(client, "admin", admin["password"])
    menu = _menu(client.get("/").get_data(as_text=True))
    administration = menu.split("Quản trị")[1]
    assert "/users/list/" in administration and "/roles/list/" in administration and "Bảo mật" not in menu
    for gone in ("/permissions/list/", "/viewmenus/list/", "/permissionviews/list/", "/users/userstats/"):
        assert client.get(gone).status_code == 404  # FAB internals and the CDN chart are not served
    assert "Trợ giúp và liên hệ" not in menu and "Đổi mật khẩu" not in menu  # in the person's own menu instead


def test_the_user_list_reads_in_words(app, admin, province):
    with app.app_context():
        factories.issue("X011")
    client = app.test_client()
    login(client, "admin", admin["password"])
    page = client.get("/users/list/").get_data(as_text=True)
    table = page[page.index("<table"):]
    row = re.search(r"<tr[^>]*>((?:(?!</tr>).)*x011@unit\.invalid.*?)</tr>", table, re.S).group(1)
    cells = [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert "Có" in cells and "Cán bộ báo cáo" in cells  # active; the role by its title
    assert "—" in cells  # never logged in: a dash, not "None"
    for raw in (">True<", ">False<", ">None<", "Reporter"):
        assert raw not in table


def test_every_person_has_change_password_in_its_own_menu(app, province):
    with app.app_context():
        username, one_time = factories.issue("X011")
    client = app.test_client()
    factories.first_login(client, username, one_time)
    page = client.get("/").get_data(as_text=True)
    right = page.split('class="nav navbar-nav navbar-right')[1]
    assert 'id="menu-change-password"' in right and "Đổi mật khẩu" in right and "/account/password/form" in right
    assert client.get("/account/password/form").status_code == 200


def test_the_password_rules_are_listed_before_typing_and_every_broken_one_is_said(app, province):
    with app.app_context():
        username, one_time = factories.issue("X011")
        rules = passwords.policy()
    client = app.test_client()
    login(client, username, one_time)
    form = client.get("/account/password/form").get_data(as_text=True)
    listed = form.split('id="password-rules"')[1].split("</div>\n</div>")[0]
    assert f"Ít nhất {rules.min_length} ký tự." in listed
    for rule in ("Có chữ hoa (A–Z).", "Có chữ thường (a–z).", "Có chữ số (0–9).", "Có ký tự đặc biệt",
                 "Không chứa tên đăng nhập.", f"Khác {rules.history} mật khẩu gần nhất."):
        assert rule in listed, rule
    assert form.index('id="password-rules"') < form.index('name="new_password"')  # before the box

    refused = change_password(client, one_time, "abc").get_data(as_text=True)
    for broken in ("ít nhất", "chữ hoa", "chữ số", "ký tự đặc biệt"):
        assert broken in refused.lower(), broken  # all at once, not one per attempt


def test_the_one_time_password_page_gives_the_rules_to_pass_on(app, admin, province):
    client = app.test_client()
    login(client, "admin", admin["password"])
    page = client.post("/accounts/issue", data={"unit": "X011", "full_name": "Nông Văn Dũng"}).get_data(as_text=True)
    assert 'id="otp-password"' in page and 'id="password-rules"' in page and "Không chứa tên đăng nhập." in page
    with app.app_context():
        db.session.remove()
