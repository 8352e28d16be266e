"""The home page says what each role has to do (issue 15, item 13).

A commune sees its reports due with the days left and opens one in one click; a district its inbox
and the oldest report waiting, and the communes that have not sent; the system administrator what
needs attention, with the button that runs the restore test. The page costs the same few queries
for a province of 3 communes as for one of 60.
"""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.accounts.models import Account
from core.hierarchy.models import Unit
from core.operations.models.backup import BackupRun
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.reporting import entry
from core.reporting.models import Report
from tests import factories
from tests.conftest import ADMIN_PASSWORD, login
from workflows import transition

pytestmark = factories.ON_ASSIGNMENT_DAY
FILLED = {"households": "120", "population": "500", "poor_households": "20"}


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def province(app):
    """Cao Bằng, CB-DT01 due 20/12/2026 for every commune; every unit's officer signed in once."""
    with app.app_context():
        one_time, reports = factories.cao_bang_reports()
    clients = {}
    for username, password in one_time.items():
        clients[username] = app.test_client()
        factories.first_login(clients[username], username, password)
    return {"clients": clients, "reports": reports}


def _submit(app, code):
    with app.app_context():
        report = db.session.query(Report).join(Unit).filter(Unit.code == code).one()
        assert entry.save(db.session, report, FILLED) == {}
        transition(db.session, report, "submit", db.session.query(Account).filter_by(username=code.lower()).one())
        db.session.commit()
        return report.id


def test_a_commune_sees_its_report_due_with_the_days_left_and_opens_it_in_one_click(app, province, now):
    client, report_id = province["clients"]["x011"], province["reports"]["X011"]
    page = client.get("/").get_data(as_text=True)
    due = re.search(r'id="due".*?</section>', page, re.S).group(0)
    assert "Biểu DT01" in due and "20/12/2026" in _text(due) and "còn 15 ngày" in _text(due)
    link = re.search(r'href="([^"]+)" class="bc-due-link"', due).group(1)
    assert link == f"/reports/{report_id}/entry" and client.get(link).status_code == 200

    now.move_to("2026-12-22T08:00:00+07:00")  # two days after the deadline, in Vietnam
    assert login(client, "x011", factories.NEW_PASSWORD).status_code == 302
    due = _text(re.search(r'id="due".*?</section>', client.get("/").get_data(as_text=True), re.S).group(0))
    assert "quá hạn 2 ngày" in due and "bc-overdue" in client.get("/").get_data(as_text=True)

    _submit(app, "X011")
    page = client.get("/").get_data(as_text=True)
    assert 'id="due"' not in page, re.search(r'id="due".*?</section>', page, re.S).group(0)
    assert "Đơn vị không có báo cáo nào cần gửi lúc này" in page


def test_a_district_sees_its_inbox_the_oldest_waiting_and_the_communes_not_yet_sent(app, province, now):
    first = _submit(app, "X011")
    now.shift(timedelta(days=2))
    _submit(app, "X012")
    district, board = province["clients"]["h01"], province["clients"]["04"]
    for client, username in ((district, "h01"), (board, "04")):  # a new day, a new session
        assert login(client, username, factories.NEW_PASSWORD).status_code == 302
    page = district.get("/").get_data(as_text=True)
    inbox = re.search(r'id="inbox".*?</section>', page, re.S).group(0)
    assert re.search(r'id="inbox-count">2<', inbox)
    assert f'href="/reports/{first}/entry"' in inbox and "Xã Trường Hà" in inbox and "2 ngày trước" in _text(inbox)

    page = board.get("/").get_data(as_text=True)
    progress = _text(re.search(r'id="progress-CB-DT01".*?</section>', page, re.S).group(0))
    assert "Xã, phường, thị trấn 3 2 (67%) 0 1" in progress  # expected, sent, late, not sent
    assert "Đơn vị chưa nộp (1)" in progress and "X021 Xã Cô Ba" in progress and "X011" not in progress
    # The district sees only its own communes: both have sent.
    progress = _text(re.search(r'id="progress-CB-DT01".*?</section>',
                               district.get("/").get_data(as_text=True), re.S).group(0))
    assert "Xã, phường, thị trấn 2 2 (100%)" in progress and "Tất cả đơn vị đã nộp" in progress


def test_notifications_on_the_home_page_link_to_their_report(app, province):
    report_id = _submit(app, "X011")
    page = province["clients"]["h01"].get("/").get_data(as_text=True)
    box = re.search(r'id="notifications">(.*?)</ul>', page, re.S).group(1)
    assert f'<a href="/reports/{report_id}/entry">Báo cáo chờ duyệt: Biểu DT01' in box


def test_the_admin_sees_what_needs_attention_and_runs_the_restore_test_from_home(app, admin, tmp_path, province):
    client = app.test_client()
    login(client, "admin", ADMIN_PASSWORD)
    page = client.get("/").get_data(as_text=True)
    assert 'id="attention"' in page and 'id="run-restore-test"' in page
    assert "Chưa có lần phục hồi thử tự động nào" in page

    # Nobody else may start it.
    assert province["clients"]["04"].post("/restore-test").status_code == 403
    answer = client.post("/restore-test")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/")
    if not app.config.get("REDIS_URL"):  # inline: it ran (no backup yet: a failed test, shown as such)
        with app.app_context():
            run = db.session.execute(select(BackupRun).where(BackupRun.kind == "restore_test")).scalar_one()
            assert run.ok is False
        assert "gần nhất từ dữ liệu sao lưu không thành công" in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "backup.restore_test.requested")).scalar_one().actor == "admin"


def _queries(app, client) -> int:
    client.get("/")  # warm: the permission cache and the plugin set (their clocks are set to an hour below)
    return factories.statements(app, lambda: client.get("/").status_code == 200 or pytest.fail("home page"))


@pytest.mark.parametrize("role", ["04", "h01", "x011"])
def test_the_home_page_costs_the_same_queries_for_3_communes_as_for_60(app, province, role):
    """No query per unit or per report: a board of 3,000 communes opens its home page as fast."""
    client = province["clients"][role]
    app.config.update(PLUGIN_REFRESH_SECONDS=3600, PERMISSION_CACHE_SECONDS=3600)  # per-process clocks aside
    small = _queries(app, client)
    assert small <= 30
    with app.app_context():
        from core.hierarchy.units import import_units
        from core.reporting import assignment

        import_units(db.session, [factories.Row(f"X1{i:03d}", f"Xã số {i}", "commune", "H01") for i in range(57)],
                     source="test")
        db.session.commit()
        assignment.assign(db.session, factories.ASSIGNED_ON)
        db.session.commit()
    for code in ("X012", "X021"):
        _submit(app, code)
    assert _queries(app, client) == small
