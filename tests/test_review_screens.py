"""Reviewing on screen: workflow buttons, the return reason and the history on the entry page,
the reviewer's inbox with bulk approval, and the unit's own reports by state."""
from __future__ import annotations

import html
import re

import pytest

from core.reporting import entry
from core.platform.extensions import db
from core.accounts.models import Account
from core.reporting.models import Report
from tests import factories
from workflows import transition

FILLED = {"households": "120", "population": "500", "poor_households": "20"}
#: Cao Bằng on the day its CB-DT01 is assigned (due 20/12/2026): nothing is late yet.
pytestmark = factories.ON_ASSIGNMENT_DAY


@pytest.fixture
def cb(app):
    with app.app_context():
        one_time, ids = factories.cao_bang_reports()
    return {"app": app, "one_time": one_time, "reports": ids}


def _client(cb, username):
    client = cb["app"].test_client()
    factories.first_login(client, username, cb["one_time"][username])
    return client


def _fill_and_submit(cb, *codes):
    with cb["app"].app_context():
        for code in codes:
            report = db.session.get(Report, cb["reports"][code])
            assert entry.save(db.session, report, FILLED) == {}
            actor = db.session.query(Account).filter_by(username=code.lower()).one()
            transition(db.session, report, "submit", actor)
            db.session.commit()


def _state(cb, code):
    with cb["app"].app_context():
        report = db.session.get(Report, cb["reports"][code])
        return report.state, report.level


def _text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def test_the_unit_submits_from_its_entry_page_and_sees_the_history(cb):
    x011 = _client(cb, "x011")
    pk = cb["reports"]["X011"]
    page = _text(x011.get(f"/reports/{pk}/entry"))
    assert 'id="action-submit"' in page and 'id="action-approve"' not in page
    assert 'id="workflow-history"' in page

    # Required values missing: refused, with the reasons flashed, and the state unchanged
    resp = x011.post(f"/reports/{pk}/transition", data={"action": "submit"}, follow_redirects=True)
    assert resp.status_code == 200
    assert "alert-danger" in resp.get_data(as_text=True) and _state(cb, "X011") == ("draft", "commune")

    assert x011.post(f"/reports/{pk}/entry", data=FILLED).status_code == 302
    resp = x011.post(f"/reports/{pk}/transition", data={"action": "submit"}, follow_redirects=True)
    assert resp.status_code == 200 and _state(cb, "X011") == ("submitted", "district")
    page = _text(resp)
    assert len(re.findall(r'class="history-row"', page)) == 1
    assert 'id="action-recall"' in page and 'id="action-submit"' not in page

    # Another district cannot act on it, nor see it
    h02 = _client(cb, "h02")
    assert h02.post(f"/reports/{pk}/transition", data={"action": "approve"}).status_code == 404
    assert _state(cb, "X011") == ("submitted", "district")


def test_return_needs_a_reason_and_the_unit_sees_it_prominently(cb):
    _fill_and_submit(cb, "X011")
    pk = cb["reports"]["X011"]
    h01 = _client(cb, "h01")
    page = _text(h01.get(f"/reports/{pk}/entry"))
    assert 'id="action-approve"' in page and 'id="action-return"' in page and 'name="comment"' in page

    resp = h01.post(f"/reports/{pk}/transition", data={"action": "return", "comment": " "}, follow_redirects=True)
    assert resp.status_code == 200 and _state(cb, "X011") == ("submitted", "district")
    reason = "Thiếu số hộ cận nghèo của thôn Nà Giàng"
    h01.post(f"/reports/{pk}/transition", data={"action": "return", "comment": reason})
    assert _state(cb, "X011") == ("returned", "commune")

    page = _text(_client(cb, "x011").get(f"/reports/{pk}/entry"))
    box = re.search(r'<div class="alert alert-warning" id="return-reason".*?</div>', page, re.S)
    assert box and reason in box.group(0) and "Huyện Hà Quảng" in box.group(0)  # who returned it, by unit name
    assert 'id="action-submit"' in page
    assert len(re.findall(r'class="history-row"', page)) == 2


def test_a_stale_page_is_told_to_reload(cb):
    _fill_and_submit(cb, "X011")
    pk = cb["reports"]["X011"]
    with cb["app"].app_context():
        seen = db.session.get(Report, pk).lock_version
    h01 = _client(cb, "h01")
    assert h01.post(f"/reports/{pk}/transition", data={"action": "approve", "lock_version": seen}).status_code == 302
    board = _client(cb, "04")
    resp = board.post(f"/reports/{pk}/transition", data={"action": "approve", "lock_version": seen},
                      follow_redirects=True)
    assert "alert-danger" in resp.get_data(as_text=True)
    assert _state(cb, "X011") == ("submitted", "province")


@pytest.mark.calendar
def test_the_inbox_shows_only_my_level_and_bulk_approve_moves_them(cb):
    _fill_and_submit(cb, "X011", "X012", "X021")
    x011, x012, x021 = (cb["reports"][c] for c in ("X011", "X012", "X021"))
    h01 = _client(cb, "h01")
    page = _text(h01.get("/review/"))
    shown = {int(i) for i in re.findall(r'name="report" value="(\d+):', page)}
    assert shown == {x011, x012}  # not the other district's commune

    board = _client(cb, "04")
    assert not re.findall(r'name="report" value="(\d+):', _text(board.get("/review/")))  # still at district level

    # Filters: unit and late
    filtered = _text(h01.get("/review/?unit=X012"))
    assert {int(i) for i in re.findall(r'name="report" value="(\d+):', filtered)} == {x012}
    assert not re.findall(r'name="report" value="(\d+):', _text(h01.get("/review/?late=1")))

    with cb["app"].app_context():
        versions = {r.id: r.lock_version for r in db.session.query(Report).filter(Report.id.in_([x011, x012]))}
    # One approval of X012 happens meanwhile: that row of the bulk fails, the other succeeds
    with cb["app"].app_context():
        report = db.session.get(Report, x012)
        transition(db.session, report, "approve", db.session.query(Account).filter_by(username="h01").one())
        db.session.commit()
    resp = h01.post("/review/approve", data={"report": [f"{x011}:{versions[x011]}", f"{x012}:{versions[x012]}",
                                                        f"{x021}:1"]}, follow_redirects=True)
    body = _text(resp)
    assert resp.status_code == 200
    failures = re.findall(r'alert-danger.*?</div>', body, re.S)
    assert any("Xã Lũng Nặm" in f for f in failures) and any(f"#{x021}" in f for f in failures)
    assert not any("Xã Trường Hà" in f for f in failures)
    assert _state(cb, "X011") == ("submitted", "province") and _state(cb, "X012") == ("submitted", "province")
    assert _state(cb, "X021") == ("submitted", "district")  # out of scope: not found, untouched

    page = _text(board.get("/review/"))
    assert {int(i) for i in re.findall(r'name="report" value="(\d+):', page)} == {x011, x012}
    with cb["app"].app_context():
        versions = {r.id: r.lock_version for r in db.session.query(Report).filter(Report.id.in_([x011, x012]))}
    board.post("/review/approve", data={"report": [f"{pk}:{v}" for pk, v in versions.items()]})
    assert _state(cb, "X011")[0] == "approved" and _state(cb, "X012")[0] == "approved"
    assert not re.findall(r'name="report" value="(\d+):', _text(board.get("/review/")))


def test_the_inbox_is_one_query_for_the_rows(cb):
    from sqlalchemy import event

    _fill_and_submit(cb, "X011", "X012")
    h01 = _client(cb, "h01")
    statements = []
    with cb["app"].app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        if "report" in statement.lower():
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert h01.get("/review/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # the page of reports and the filter choices; none per row
    assert len([s for s in statements if "from report" in s.lower()]) <= 2, statements


def test_my_reports_groups_by_state_with_days_left(cb):
    _fill_and_submit(cb, "X011")
    page = _text(_client(cb, "x011").get("/my-reports/"))
    assert 'id="state-submitted"' in page and 'id="state-draft"' not in page
    assert f'/reports/{cb["reports"]["X011"]}/entry' in page
    page = _text(_client(cb, "x012").get("/my-reports/"))
    assert 'id="state-draft"' in page and f'/reports/{cb["reports"]["X012"]}/entry' in page
    assert f'/reports/{cb["reports"]["X011"]}/entry' not in page


def test_who_gets_which_screen(cb):
    x011, h01 = _client(cb, "x011"), _client(cb, "h01")
    assert x011.get("/review/").status_code in (302, 403)  # a commune reviews nothing: access denied
    assert x011.post("/review/approve", data={"report": [f"{cb['reports']['X011']}:1"]}).status_code in (302, 403)
    assert _state(cb, "X011") == ("draft", "commune")
    assert h01.get("/review/").status_code == 200
    assert x011.get("/my-reports/").status_code == 200
