"""The CONTRACT workflow through the one service: Cao Bằng's three levels, recall, return,
corrections, who may act, required values, and two reviewers at once."""
from __future__ import annotations

from datetime import date

import pytest

from core.reporting import assignment, entry
from core.platform.extensions import db
from core.accounts.models import Account
from core.platform.models.audit import AuditEntry
from core.reporting.models import Notification, Report, Transition
from core.hierarchy.models import Unit
from tests import factories
from workflows import Conflict, Forbidden, Refused, transition
from workflows.service import CommentRequired

FILLED = {"households": "120", "population": "500", "poor_households": "20"}


@pytest.fixture
def cb(app):
    """Cao Bằng with unit accounts, and CB-DT01 assigned to every commune."""
    with app.app_context():
        factories.province()
        for code in ("04", "H01", "H02", "X011", "X012"):
            factories.issue(code)
        assignment.assign(db.session, date(2026, 12, 5))
        db.session.commit()
    return app


def _report(code: str) -> Report:
    return db.session.query(Report).join(Unit).filter(Unit.code == code).one()


def _actor(username: str) -> Account:
    return db.session.query(Account).filter_by(username=username).one()


def _act(code, action, username, comment=""):
    row = transition(db.session, _report(code), action, _actor(username), comment)
    db.session.commit()
    return row


def test_a_commune_report_climbs_district_then_board_in_cao_bang(cb):
    with cb.app_context():
        assert entry.save(db.session, _report("X011"), FILLED) == {}
        _act("X011", "submit", "x011")
        assert (_report("X011").state, _report("X011").level) == ("submitted", "district")
        with pytest.raises(Forbidden):
            transition(db.session, _report("X011"), "approve", _actor("04"))  # not the board's turn yet
        _act("X011", "approve", "h01")
        assert (_report("X011").state, _report("X011").level) == ("submitted", "province")
        with pytest.raises(Refused):
            transition(db.session, _report("X011"), "recall", _actor("x011"))  # a level has approved
        _act("X011", "approve", "04")
        report = _report("X011")
        assert (report.state, report.level) == ("approved", "province") and report.approved_at
        history = [(t.action, t.from_state, t.to_state, t.actor) for t in
                   db.session.query(Transition).filter_by(report_id=report.id).order_by(Transition.id)]
        assert history == [("submit", "draft", "submitted", "x011"), ("approve", "submitted", "submitted", "h01"),
                           ("approve", "submitted", "approved", "04")]
        assert db.session.query(AuditEntry).filter(AuditEntry.action.like("report.%")).count() >= 3
        with pytest.raises(entry.EntryRefused):  # approved reports are read-only
            entry.save(db.session, report, {"households": "121"})


def test_recall_before_approval_and_return_with_a_reason(cb):
    with cb.app_context():
        entry.save(db.session, _report("X011"), FILLED)
        _act("X011", "submit", "x011")
        _act("X011", "recall", "x011")
        assert (_report("X011").state, _report("X011").level) == ("draft", "commune")
        _act("X011", "submit", "x011")
        with pytest.raises(CommentRequired):
            transition(db.session, _report("X011"), "return", _actor("h01"))
        _act("X011", "return", "h01", "Thiếu số hộ cận nghèo")
        assert _report("X011").state == "returned"
        notes = [n.message for n in db.session.query(Notification).filter_by(unit_id=_report("X011").unit_id)]
        assert any("Báo cáo bị trả lại" in n and "Thiếu số hộ cận nghèo" in n for n in notes)
        _act("X011", "submit", "x011")
        assert _report("X011").state == "submitted"


def test_corrections_after_approval_go_to_the_final_approver(cb):
    with cb.app_context():
        entry.save(db.session, _report("X011"), FILLED)
        _act("X011", "submit", "x011")
        _act("X011", "approve", "h01")
        _act("X011", "approve", "04")
        with pytest.raises(CommentRequired):
            transition(db.session, _report("X011"), "request_correction", _actor("x011"))
        _act("X011", "request_correction", "x011", "Nhập nhầm số hộ nghèo")
        with pytest.raises(Forbidden):
            transition(db.session, _report("X011"), "reopen", _actor("h01"))  # only the final approver
        _act("X011", "reject_correction", "04", "Số liệu đã khớp với rà soát")
        assert _report("X011").state == "approved"
        _act("X011", "request_correction", "x011", "Vẫn xin điều chỉnh")
        _act("X011", "reopen", "04")
        assert (_report("X011").state, _report("X011").level) == ("draft", "commune")


def test_only_the_right_people_act_and_required_values_come_first(cb):
    with cb.app_context():
        with pytest.raises(Refused) as refused:
            transition(db.session, _report("X011"), "submit", _actor("x011"))
        assert "households" in refused.value.errors
        entry.save(db.session, _report("X011"), FILLED)
        with pytest.raises(Forbidden):
            transition(db.session, _report("X011"), "submit", _actor("x012"))  # another commune
        _act("X011", "submit", "x011")
        with pytest.raises(Forbidden):
            transition(db.session, _report("X011"), "approve", _actor("h02"))  # another district
        with pytest.raises(Refused):
            transition(db.session, _report("X011"), "reopen", _actor("04"))  # not possible from submitted


def test_two_reviewers_at_once_one_wins_one_is_told_to_reload(cb):
    with cb.app_context():
        entry.save(db.session, _report("X011"), FILLED)
        _act("X011", "submit", "x011")
        report = _report("X011")
        seen = report.lock_version
        transition(db.session, report, "approve", _actor("h01"), seen_version=seen)
        db.session.commit()
        with pytest.raises(Conflict):
            transition(db.session, _report("X011"), "approve", _actor("04"), seen_version=seen)
        db.session.rollback()
        assert db.session.query(Transition).filter_by(report_id=report.id, action="approve").count() == 1


def test_every_value_change_is_kept_with_who_and_in_which_state(cb):
    from core.reporting.models import ValueChange

    with cb.app_context():
        entry.save(db.session, _report("X011"), FILLED)
        _act("X011", "submit", "x011")
        _act("X011", "return", "h01", "Sai số hộ")
        entry.save(db.session, _report("X011"), {"households": "125"})
        db.session.commit()
        changes = [(c.field_code, c.old_number, c.new_number, c.state) for c in
                   db.session.query(ValueChange).filter_by(field_code="households").order_by(ValueChange.id)]
        assert [(f, o, float(n), st) for f, o, n, st in changes[:1]] == [("households", None, 120.0, "draft")]
        assert (float(changes[1][1]), float(changes[1][2]), changes[1][3]) == (120.0, 125.0, "returned")


@pytest.mark.calendar
@pytest.mark.at("2026-12-21T15:00:00+07:00")  # the day after the deadline
def test_an_admin_records_a_paper_report_after_an_outage(cb, admin):
    from datetime import datetime

    from workflows.backfill import backfill

    with cb.app_context():
        report = _report("X012")
        with pytest.raises(Forbidden):
            backfill(db.session, report, FILLED, datetime(2026, 12, 19, 9, 30), _actor("h01"), "mất điện")
        with pytest.raises(Refused):
            backfill(db.session, report, {"households": "1"}, datetime(2026, 12, 19, 9, 30), _actor("admin"),
                     "mất điện")
        db.session.rollback()
        backfill(db.session, _report("X012"), FILLED, datetime(2026, 12, 19, 9, 30), _actor("admin"),
                 "Hệ thống gián đoạn, xã gửi bản giấy")
        db.session.commit()
        report = _report("X012")
        assert (report.state, report.level, report.backfilled) == ("submitted", "district", True)
        assert report.submitted_at == datetime(2026, 12, 19, 9, 30) <= datetime(2026, 12, 20)  # on time
        row = db.session.query(Transition).filter_by(report_id=report.id).one()
        assert row.actor == "admin" and "19/12/2026 16:30" in row.comment  # as the province's clock showed
        _act("X012", "approve", "h01")  # the normal chain goes on
        assert _report("X012").level == "province"


def test_refusals_name_the_action_and_state_in_vietnamese_not_their_codes(cb):
    """S10: "Bạn không được thực hiện thao tác Duyệt …", not "… thao tác approve …"."""
    with cb.app_context():
        assert entry.save(db.session, _report("X011"), FILLED) == {}
        _act("X011", "submit", "x011")
        with pytest.raises(Forbidden) as forbidden:
            transition(db.session, _report("X011"), "approve", _actor("x011"))
        with pytest.raises(Refused) as refused:
            transition(db.session, _report("X011"), "submit", _actor("x011"))
        db.session.rollback()
    assert str(forbidden.value) == "Bạn không được thực hiện thao tác Duyệt với báo cáo này."
    assert str(refused.value) == "Không thể thực hiện thao tác Gửi báo cáo khi báo cáo đang ở trạng thái Đã gửi."
