"""The Plugins screen as a provincial administrator reads it: Vietnamese titles, what each plugin changes
(read from the plugin's own answers), a confirmation before each switch, and a warning when a feature of
a province that is off would change the rules the province in use follows."""
from __future__ import annotations

import html
import re

import pytest

from core.platform import plugin_admin
from core.platform.extensions import db
from tests.conftest import login


def _switch(app, *changes):
    with app.app_context():
        for name, on in changes:
            plugin_admin.set_enabled(db.session, name, on)
        db.session.commit()


@pytest.fixture
def screen(app, admin):
    client = app.test_client()
    login(client, "admin", admin["password"])

    def read() -> str:
        resp = client.get("/plugins/")
        assert resp.status_code == 200
        return resp.get_data(as_text=True)
    return read


def _row(page: str, name: str) -> str:
    return re.search(rf'<tr data-plugin="{re.escape(name)}"[^>]*>(.*?)</tr>', page, re.S).group(1)


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split()).replace(" :", ":")


def test_each_plugin_says_what_it_changes_from_its_own_answers(app, screen):
    _switch(app, ("cao_bang", True))
    page = screen()
    cao_bang = _text(_row(page, "cao_bang"))
    assert "Phần mềm hệ thống thông tin cơ sở dữ liệu về công tác dân tộc tỉnh Cao Bằng" in cao_bang
    assert "Có sẵn trong hệ thống" in cao_bang and "bundled" not in cao_bang
    # the levels, forms and password rules come from what the plugin answers, not from a text about it
    from plugins import cao_bang as plugin

    levels = " → ".join(level.name for level in plugin.hierarchy_levels())
    assert f"Các cấp hành chính: {levels}" in cao_bang
    forms = plugin.register_forms()
    assert f"Biểu mẫu báo cáo: {len(forms)} biểu mẫu: {forms[0].code} {forms[0].name}" in cao_bang
    policy = plugin.password_policy()
    assert f"Quy định mật khẩu: ít nhất {policy.min_length} ký tự" in cao_bang
    assert "Quy trình xét duyệt: những cấp xét duyệt báo cáo" in cao_bang
    deadlines = _text(_row(page, "ha_noi.deadlines"))
    assert "Kỳ báo cáo và thời hạn: mốc thời gian riêng cho kỳ: quý, 6 tháng, 9 tháng, năm" in deadlines
    assert "period_rules" not in deadlines.split("Lưu ý")[0].replace("ha_noi.deadlines", "")


def test_a_switch_asks_first_and_says_what_will_change(app, screen):
    _switch(app, ("cao_bang", True))
    page = screen()
    form = re.search(r'<form[^>]*action="/plugins/cao_bang/toggle"[^>]*>', _row(page, "cao_bang")).group(0)
    question = html.unescape(re.search(r'data-confirm="([^"]*)"', form).group(1))
    assert question.startswith('Tắt "Phần mềm hệ thống thông tin cơ sở dữ liệu về công tác dân tộc tỉnh Cao Bằng"?')
    assert "• Các cấp hành chính:" in question and 'data-confirm-ok="Tắt"' in form
    switch_on = re.search(r'<form[^>]*data-confirm="([^"]*)"', _row(page, "dong_nai")).group(1)
    assert html.unescape(switch_on).startswith('Bật "Hệ thống thông tin dữ liệu công tác dân tộc tỉnh Đồng Nai"?')


def test_a_feature_of_a_province_that_is_off_warns_before_changing_this_provinces_rules(app, screen):
    _switch(app, ("cao_bang", True))
    page = screen()
    deadlines = _text(_row(page, "ha_noi.deadlines"))
    assert 'Đây là tính năng của "Hệ thống thông tin dữ liệu về công tác dân tộc của thành phố Hà Nội" (đang tắt)' \
        in deadlines
    assert "thay thế quy định chung đang áp dụng: Kỳ báo cáo và thời hạn" in deadlines
    lead = _text(_row(page, "ha_noi.maintenance_notice"))
    assert "Thông báo bảo trì: thông báo trước ít nhất 48 giờ" in lead
    whole = _text(_row(page, "ha_noi"))  # the whole plugin would take over Cao Bằng's own rules
    assert 'thay thế Quy định mật khẩu do "Phần mềm hệ thống thông tin cơ sở dữ liệu về công tác dân tộc tỉnh ' \
        'Cao Bằng" đặt' in whole
    guards = _text(_row(page, "ha_noi.signed_scan"))
    assert "cộng thêm vào quy định đang áp dụng: Điều kiện trước khi chuyển báo cáo" in guards
    question = html.unescape(re.search(r'data-confirm="([^"]*)"', _row(page, "ha_noi.deadlines")).group(1))
    assert "Lưu ý: thay thế quy định chung đang áp dụng: Kỳ báo cáo và thời hạn." in question

    # the province's own plugin, switched on, warns of nothing; nor does a feature its whole plugin includes
    assert "bc-plugin-takeover" not in _row(page, "cao_bang")
    _switch(app, ("ha_noi", True))
    page = screen()
    assert "Đã có trong phân hệ đang bật" in _row(page, "ha_noi.deadlines")
    assert "bc-plugin-takeover" not in _row(page, "ha_noi.deadlines")


def test_switching_says_so_in_vietnamese(app, admin):
    client = app.test_client()
    login(client, "admin", admin["password"])
    resp = client.post("/plugins/ha_noi.deadlines/toggle", data={"enabled": "1"}, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert 'Đã bật "Hệ thống thông tin dữ liệu về công tác dân tộc của thành phố Hà Nội: Thời hạn báo cáo' in \
        html.unescape(page)
