"""The audit log screen as an inspector reads it (issue 15, item 8).

Vietnamese action names, the acting unit's name, Vietnam time to the second, a change as
"trường: cũ → mới", filters by actor, unit, action and a range of days; bad filter input is a
Vietnamese message (never a 500); a page is the same few queries whatever its length.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from core.accounts.models import Account
from core.hierarchy.models import Unit
from core.platform import audit, clock, labels
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from tests import factories
from tests.conftest import login
from tests.screen_text import assert_vietnamese, visible_text


@pytest.fixture
def logged(app, admin, client):
    """Cao Bằng's units; the district H01 renames a unit (an update with a diff) as its own account."""
    with app.app_context():
        factories.province()
        factories.issue("H01")
        db.session.commit()
        h01 = db.session.query(Account).filter_by(username="h01").one()
        with app.test_request_context():
            from flask import g
            from flask_login import login_user

            login_user(h01)
            g.user = h01  # what FAB's before_request sets for a signed-in account
            unit = db.session.query(Unit).filter_by(code="X011").one()
            app.old_name, unit.name = unit.name, "Xã Trường Hà mới"
            audit.record("report.approve", "Report", 7, {"from": "submitted", "to": "submitted",
                                                          "level": "province", "form": "CB-DT01"})
            db.session.commit()
        app.district = db.session.query(Unit).filter_by(code="H01").one().name
    assert login(client, "admin", admin["password"]).status_code == 302
    return app


def _page(client, query: str = "") -> str:
    resp = client.get("/audit/list/" + query)
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def _rows(html: str) -> list[str]:
    table = html.split('id="audit-list"')[1].split("</table>")[0]
    return [visible_text(row) for row in table.split('class="audit-row"')[1:]]


def test_the_audit_log_names_actions_units_changes_and_vietnam_time(logged, client):
    html = _page(client, "?unit=H01")
    rows = _rows(html)
    with logged.app_context():
        entry = db.session.query(AuditEntry).filter_by(action="update", object_type="Unit").one()
        local = labels.local_time(entry.at, seconds=True)
    change = next(r for r in rows if "Sửa" in r)
    assert logged.district in change  # the acting unit by name
    assert local in change and len(local) == 19  # Vietnam time to the second
    assert f"tên: {logged.old_name} → Xã Trường Hà mới" in change
    approve = next(r for r in rows if "Duyệt báo cáo" in r)
    assert "trạng thái: Đã gửi → Chờ tỉnh duyệt" in approve
    assert_vietnamese(visible_text(html.split('id="audit-list"')[1]), "audit log")


def test_the_audit_log_filters_by_actor_unit_action_and_days(logged, client):
    assert all("Sửa" in r or "Duyệt" in r for r in _rows(_page(client, "?actor=h01")))
    assert len(_rows(_page(client, "?actor=h01"))) == 2
    assert [r for r in _rows(_page(client, "?action=report.approve"))] and all(
        "Duyệt báo cáo" in r for r in _rows(_page(client, "?action=report.approve")))
    assert _rows(_page(client, "?unit=X999")) == []
    today = clock.today()
    assert len(_rows(_page(client, f"?actor=h01&since={today:%Y-%m-%d}&until={today:%Y-%m-%d}"))) == 2
    assert _rows(_page(client, f"?actor=h01&since={today + timedelta(days=1):%d/%m/%Y}")) == []
    assert _rows(_page(client, f"?actor=h01&until={today - timedelta(days=1):%d/%m/%Y}")) == []


@pytest.mark.parametrize("query, message", [
    ("?since=31/02/2026", "Hãy nhập ngày đầu theo dạng"),
    ("?until=hôm-qua", "Hãy nhập ngày cuối theo dạng"),
    ("?since=2026-12-05&until=2026-12-01", "Ngày cuối đang trước ngày đầu."),
    ("?action=drop+table", "Hãy chọn một thao tác trong danh sách."),
    ("?page=-1", "Số trang không hợp lệ."),
    ("?page=abc", "Số trang không hợp lệ."),
    ("?actor=" + "x" * 500, "Tên tài khoản quá dài."),
    ("?unit=%00%ff", None),
])
def test_bad_filter_input_is_a_vietnamese_message_not_a_500(logged, client, query, message):
    resp = client.get("/audit/list/" + query)
    assert resp.status_code in (200, 400)
    if message is not None:
        assert resp.status_code == 200 and message in resp.get_data(as_text=True)


def test_a_page_of_the_audit_log_costs_the_same_queries_whatever_its_length(logged, client):
    def queries(n_entries: int) -> int:
        with logged.app_context():
            db.session.query(AuditEntry).delete()  # noqa: the table is the test's own
            for i in range(n_entries):
                audit.record("login", "Account", i, None, actor=audit.Actor(
                    name=f"u{i}", unit_code=("H01", "X011", "X012", "04")[i % 4]))
            db.session.commit()
        statements = []
        with logged.app_context():
            engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            _page(client)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements), len([s for s in statements if "audit_entry" in s or "FROM unit" in s])

    few, many = queries(3), queries(50)
    assert few[1] == many[1] == 2  # the page of entries and the names of their units, not one per row
    assert many[0] <= 8  # all told, with the sign-in's own reads


def _table(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"')[1].split("</table>")[0].split("<tbody>")[-1]
    return [[visible_text(cell) for cell in re.split(r"<t[hd][^>]*>", row)[1:]] for row in body.split("<tr>")[1:]]


def test_an_entry_page_shows_each_change_as_field_before_after_in_vietnamese(logged, client):
    """The entry's own page: the acting unit by name, each change in its own row "trường | trước | sau"
    (an edit, a workflow step, each value of a save), the other details in words; the stored JSON only
    under "Nội dung như đã lưu", beside the hashes."""
    with logged.app_context():
        audit.record("report.save", "Report", 7, {"form": "CB-DT01", "cells": {"households": [10, 12]}})
        db.session.commit()
        pk = {e.action: e.id for e in db.session.query(AuditEntry).filter(
            AuditEntry.object_type.in_(("Unit", "Report")),
            AuditEntry.action.in_(("update", "report.approve", "report.save")))}

    rename = client.get(f"/audit/show/{pk['update']}").get_data(as_text=True)
    assert _table(rename, "audit-changes") == [["tên", logged.old_name, "Xã Trường Hà mới"]]
    assert f"{logged.district} (H01)" in visible_text(rename.split('id="audit-entry"')[1].split("</table>")[0])
    shown = rename.split('id="audit-stored"')[0]
    assert '{"name"' not in visible_text(shown) and "Trước" in visible_text(shown)
    assert "name" in visible_text(rename.split('id="audit-stored"')[1])  # the stored text, for whoever checks it
    assert_vietnamese(visible_text(shown.split('id="audit-entry"')[1]), "audit entry")

    step = client.get(f"/audit/show/{pk['report.approve']}").get_data(as_text=True)
    assert _table(step, "audit-changes") == [["trạng thái", "Đã gửi", "Chờ tỉnh duyệt"]]
    assert ["cấp", "Cấp tỉnh"] in _table(step, "audit-facts")

    save = client.get(f"/audit/show/{pk['report.save']}").get_data(as_text=True)
    assert _table(save, "audit-changes") == [["households", "10", "12"]]
    assert client.get("/audit/show/999999").status_code == 404
