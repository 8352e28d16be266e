"""The dated tree and reorganisation events (issue 19): versions follow every change; an event merges,
splits, renames, re-parents and removes a level all or nothing, keeps every closed unit with its
reports, holders and audit trail, hands open work over through the workflow, locks the closed units'
accounts, and folds its edges into ``unit_lineage`` so that every old report counts exactly once."""
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.accounts.models import Account
from core.hierarchy import reorganisation as reorg_service
from core.hierarchy.models import Reorganisation, Unit, UnitHolder, UnitLineage, UnitSuccession, UnitVersion
from core.hierarchy.reorganisation import AlreadyApplied, ReorganisationError
from core.hierarchy.units import move
from core.hierarchy.versions import subtree_as_of, tree_as_of
from core.platform import clock
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.reporting.models import Report, Transition
from tests import factories

pytestmark = factories.ON_ASSIGNMENT_DAY

EFFECTIVE = date(2025, 7, 1)
BASIS = "Nghị quyết 1654/NQ-UBTVQH15"


def unit(code: str) -> Unit:
    return db.session.execute(select(Unit).where(Unit.code == code)).scalar_one()


def event(steps: list, effective: date = EFFECTIVE, open_reports: str = "move", name: str = "Sắp xếp 2025"):
    reorg = Reorganisation(name=name, legal_basis=BASIS, effective=effective, open_reports=open_reports,
                           steps=json.dumps(steps), source="nhập tay")
    db.session.add(reorg)
    db.session.commit()
    return reorg


def applied(steps: list, **kwargs):
    reorg = event(steps, **kwargs)
    result = reorg_service.apply(db.session, reorg)
    db.session.commit()
    return reorg, result


def lineage(code: str) -> dict:
    """``{(reported_from, reported_to): {current code: share}}`` of a unit."""
    current = {u.id: u.code for u in db.session.query(Unit)}
    out: dict = {}
    for row in db.session.query(UnitLineage).filter_by(unit_id=unit(code).id):
        out.setdefault((row.reported_from, row.reported_to), {})[current[row.current_unit_id]] = row.share
    return out


def versions_of(code: str) -> list[tuple]:
    return [(v.name, v.valid_from, v.valid_to) for v in db.session.query(UnitVersion)
            .filter_by(unit_id=unit(code).id).order_by(UnitVersion.id)]


def assert_lineage_sums_to_one():
    sums = reorg_service.lineage_sums(db.session)
    assert sums and all(Decimal(total) == 1 for _u, _to, total in sums), sums


# --- versions --------------------------------------------------------------------------------------------


def test_a_rename_and_a_move_close_the_version_and_open_one_from_today(app):
    with app.app_context():
        factories.province()
        today = clock.today()
        assert versions_of("X011") == [("Xã Trường Hà", None, None)]
        commune = unit("X011")
        commune.name = "Xã Trường Hà mới"
        db.session.commit()
        move(db.session, unit("H01"), unit("H02"))  # the district and its communes move
        db.session.commit()
        assert versions_of("X011") == [("Xã Trường Hà", None, today - timedelta(days=1)),
                                       ("Xã Trường Hà mới", today, None)]
        assert [v.path for v in db.session.query(UnitVersion).filter_by(unit_id=unit("X012").id)
                .order_by(UnitVersion.id)] == [f"/{unit('04').id}/{unit('H01').id}/{unit('X012').id}/",
                                               unit("X012").path]
        yesterday = {v.unit_id: v.path for v in tree_as_of(db.session, today - timedelta(days=1))}
        assert yesterday[unit("X012").id].count("/") == 4 and len(yesterday) == 7
        under_h02 = {v.unit_id for v in subtree_as_of(db.session, unit("H02"), today)}
        assert under_h02 == {unit(c).id for c in ("H02", "H01", "X011", "X012", "X021")}
        under_h02_before = {v.unit_id for v in subtree_as_of(db.session, unit("H02"), today - timedelta(days=1))}
        assert under_h02_before == {unit(c).id for c in ("H02", "X021")}


def test_a_deactivated_unit_ends_its_version_the_same_day(app):
    with app.app_context():
        factories.province()
        ward = unit("X021")
        ward.active, ward.valid_to = False, clock.today()  # what the Deactivate action of the unit list does
        db.session.commit()
        assert versions_of("X021") == [("Xã Cô Ba", None, clock.today())]
        assert ward.id not in {v.unit_id for v in tree_as_of(db.session, clock.today() + timedelta(days=1))}


# --- the service -----------------------------------------------------------------------------------------


def test_merge_into_a_continuing_unit_closes_the_others_and_keeps_them(app):
    with app.app_context():
        factories.province()
        reorg, result = applied([{"kind": "merge", "sources": ["X011", "X012"], "target": "X011",
                                  "name": "Xã Trường Hà (mới)"}])
        kept, gone = unit("X011"), unit("X012")
        assert (kept.active, kept.name, gone.active, gone.valid_to) == (True, "Xã Trường Hà (mới)", False,
                                                                        date(2025, 6, 30))
        assert versions_of("X012")[-1][2] == date(2025, 6, 30)
        assert versions_of("X011")[-1] == ("Xã Trường Hà (mới)", EFFECTIVE, None)
        assert lineage("X012") == {(None, date(2025, 6, 30)): {"X011": Decimal(1)}}
        assert lineage("X011") == {}  # a continuing unit of a merge counts for itself: no row
        assert reorg.state == "applied" and [c["code"] for c in result.closed] == ["X012"]


def test_merge_into_a_new_unit(app):
    with app.app_context():
        factories.province()
        applied([{"kind": "merge", "sources": ["X011", "X012", "X021"], "target": "N01", "name": "Xã Hòa Bình",
                  "parent": "04", "unit_kind": "commune"}])
        new = unit("N01")
        assert (new.name, new.parent.code, new.valid_from, new.level) == ("Xã Hòa Bình", "04", EFFECTIVE, "commune")
        assert versions_of("N01") == [("Xã Hòa Bình", EFFECTIVE, None)]
        assert {c: lineage(c) for c in ("X011", "X012", "X021")} == {
            c: {(None, date(2025, 6, 30)): {"N01": Decimal(1)}} for c in ("X011", "X012", "X021")}
        assert_lineage_sums_to_one()


def test_split_with_shares_and_a_continuing_part(app):
    with app.app_context():
        factories.province()
        applied([{"kind": "split", "source": "X011", "parts": [
            {"code": "X011", "share": "0.6"}, {"code": "X012", "share": "0.4"}]}])
        assert unit("X011").active and unit("X012").active  # X011 goes on; X012 receives a part
        assert lineage("X011") == {(None, date(2025, 6, 30)): {"X011": Decimal("0.6"), "X012": Decimal("0.4")}}
        assert_lineage_sums_to_one()


def test_shares_that_do_not_sum_to_one_are_refused_with_the_step(app):
    with app.app_context():
        factories.province()
        reorg = event([{"kind": "rename", "unit": "X021", "name": "Xã Cô Ba mới"},
                       {"kind": "split", "source": "X011", "parts": [
                           {"code": "N1", "name": "Xã A", "share": "0.5"}, {"code": "N2", "name": "Xã B",
                                                                          "share": "0.3"}]},
                       {"kind": "merge", "sources": ["X999"], "target": "X012"}])
        problems = reorg_service.validate(db.session, reorg)
        assert [n for n, _why in problems] == [2, 3]
        assert "0.8000" in str(problems[0][1]) and "X999" in str(problems[1][1])
        with pytest.raises(ReorganisationError):
            reorg_service.apply(db.session, reorg)
        db.session.rollback()
        # all or nothing: the rename of step 1 did not happen, the event is still a draft
        assert unit("X021").name == "Xã Cô Ba" and db.session.get(Reorganisation, reorg.id).state == "draft"
        assert db.session.query(UnitSuccession).count() == 0 and db.session.query(Unit).count() == 7


def test_rename_and_reparent(app):
    with app.app_context():
        factories.province()
        applied([{"kind": "rename", "unit": "X021", "name": "Xã Cô Ba (mới)"},
                 {"kind": "reparent", "unit": "X021", "parent": "H01"}])
        ward = unit("X021")
        assert (ward.name, ward.parent.code, ward.path) == ("Xã Cô Ba (mới)", "H01", unit("H01").path + f"{ward.id}/")
        assert versions_of("X021") == [("Xã Cô Ba", None, date(2025, 6, 30)), ("Xã Cô Ba (mới)", EFFECTIVE, None)]
        assert db.session.query(UnitLineage).count() == 0  # a rename or a move makes no succession edge
        before = {v.unit_id: v for v in tree_as_of(db.session, date(2025, 6, 30))}
        assert before[ward.id].parent_id == unit("H02").id


def test_remove_level_moves_children_up_and_passes_the_district_reports_to_the_province(app):
    with app.app_context():
        factories.province()
        applied([{"kind": "remove_level", "level": "district", "unit_kind": "district"}])
        board = unit("04")
        assert not unit("H01").active and not unit("H02").active and unit("SYT").active  # departments stay
        assert {unit(c).parent.code for c in ("X011", "X012", "X021")} == {"04"}
        assert unit("X011").path == f"{board.path}{unit('X011').id}/"
        assert lineage("H01") == {(None, date(2025, 6, 30)): {"04": Decimal(1)}}
        as_before = {v.unit_id: v.parent_id for v in tree_as_of(db.session, date(2025, 6, 30))}
        assert as_before[unit("X011").id] == unit("H01").id
        now = {v.unit_id for v in tree_as_of(db.session, EFFECTIVE)}
        assert unit("H01").id not in now and unit("X011").id in now


def test_lineage_over_two_events_multiplies_the_shares(app):
    with app.app_context():
        factories.province()
        applied([{"kind": "split", "source": "X011", "parts": [
            {"code": "X011", "share": "0.6"}, {"code": "X012", "share": "0.4"}]}])
        applied([{"kind": "merge", "sources": ["X011", "X021"], "target": "N09", "name": "Xã Chín",
                  "parent": "04", "unit_kind": "commune"}], effective=date(2026, 1, 1), name="Sáp nhập 2026")
        assert lineage("X011") == {
            (None, date(2025, 6, 30)): {"N09": Decimal("0.6"), "X012": Decimal("0.4")},
            (EFFECTIVE, date(2025, 12, 31)): {"N09": Decimal(1)}}
        assert lineage("X021") == {(None, date(2025, 12, 31)): {"N09": Decimal(1)}}
        assert lineage("X012") == {}
        assert_lineage_sums_to_one()


def test_applying_twice_is_refused(app):
    with app.app_context():
        factories.province()
        reorg, _ = applied([{"kind": "rename", "unit": "X021", "name": "Xã Cô Ba mới"}])
        with pytest.raises(AlreadyApplied) as refused:
            reorg_service.apply(db.session, reorg)
        db.session.rollback()
        assert "already" in str(refused.value) or "đã" in str(refused.value)


def test_an_event_before_a_later_change_is_refused(app):
    with app.app_context():
        factories.province()
        unit("X021").name = "Xã Cô Ba đổi tên hôm nay"
        db.session.commit()
        problems = reorg_service.validate(db.session, event([{"kind": "rename", "unit": "X021", "name": "Khác"}]))
        assert len(problems) == 1 and "X021" in str(problems[0][1])


def test_closed_units_keep_reports_holders_and_audit_and_their_accounts_are_locked(app):
    with app.app_context():
        _one_time, reports = factories.cao_bang_reports()
        x012 = unit("X012")
        db.session.add(UnitHolder(unit_id=x012.id, full_name="Nguyễn Văn A", started_at=clock.utcnow()))
        db.session.commit()
        entries_before = db.session.query(AuditEntry).count()
        reorg, result = applied([{"kind": "merge", "sources": ["X011", "X012"], "target": "X011"}])
        assert db.session.get(Report, reports["X012"]) is not None  # nothing deleted
        account = db.session.execute(select(Account).where(Account.unit_id == x012.id)).scalar_one()
        assert account.locked and "X011" in account.lock_reason
        holder = db.session.query(UnitHolder).filter_by(unit_id=x012.id).one()
        assert holder.ended_at is not None
        actions = [a for (a,) in db.session.query(AuditEntry.action).order_by(AuditEntry.id).offset(entries_before)]
        assert {"reorganisation.apply", "reorganisation.handover", "account.lock", "report.close"} <= set(actions)
        assert "update" not in actions, actions  # one clear entry per fact, no row-by-row diffs
        apply_entry = db.session.query(AuditEntry).filter_by(action="reorganisation.apply").one()
        details = json.loads(apply_entry.changes)
        assert (details["closed"], details["legal_basis"], details["accounts_locked"]) == (["X012"], BASIS, [account.username])
        assert [a["username"] for a in result.accounts] == [account.username]
        assert unit("X011").active and db.session.execute(
            select(Account).where(Account.unit_id == unit("X011").id)).scalar_one().locked is False


def test_open_reports_are_moved_to_the_largest_successor_through_the_workflow(app):
    with app.app_context():
        _one_time, reports = factories.cao_bang_reports()
        applied([{"kind": "split", "source": "X021", "parts": [
            {"code": "N1", "name": "Xã Một", "share": "0.3", "parent": "H02"},
            {"code": "N2", "name": "Xã Hai", "share": "0.7", "parent": "H02"}]}])
        report = db.session.get(Report, reports["X021"])
        assert (report.unit.code, report.state) == ("N2", "draft")
        step = db.session.query(Transition).filter_by(report_id=report.id).one()
        assert (step.action, step.from_state, step.to_state) == ("reassign", "draft", "draft")
        assert "X021" in step.comment and "N2" in step.comment


def test_an_open_report_whose_successor_has_its_own_is_closed_with_a_reason(app):
    with app.app_context():
        _one_time, reports = factories.cao_bang_reports()
        _reorg, result = applied([{"kind": "merge", "sources": ["X011", "X012"], "target": "X011"}])
        gone = db.session.get(Report, reports["X012"])
        kept = db.session.get(Report, reports["X011"])
        assert (gone.state, gone.unit.code, kept.state) == ("closed", "X012", "draft")
        assert [r["outcome"] for r in result.reports] == ["close"]
        step = db.session.query(Transition).filter_by(report_id=gone.id).one()
        assert step.action == "close" and BASIS in step.comment


def test_the_close_policy_closes_open_reports(app):
    with app.app_context():
        _one_time, reports = factories.cao_bang_reports()
        applied([{"kind": "merge", "sources": ["X021"], "target": "N5", "name": "Xã Năm", "parent": "H02"}],
                open_reports="close")
        assert db.session.get(Report, reports["X021"]).state == "closed"


def test_preview_writes_nothing(app):
    with app.app_context():
        _one_time, reports = factories.cao_bang_reports()
        reorg = event([{"kind": "merge", "sources": ["X011", "X012"], "target": "N1", "name": "Xã Mới",
                        "parent": "04", "unit_kind": "commune"},
                       {"kind": "remove_level", "level": "district", "unit_kind": "district"}])
        counts = (db.session.query(Unit).count(), db.session.query(UnitVersion).count())
        shown = reorg_service.preview(db.session, reorg)
        db.session.commit()
        assert (db.session.query(Unit).count(), db.session.query(UnitVersion).count()) == counts
        assert [c["code"] for c in shown.created] == ["N1"]
        assert sorted(c["code"] for c in shown.closed) == ["H01", "H02", "X011", "X012"]
        assert {m["code"] for m in shown.moved} == {"X021"}
        assert {(r["unit"], r["outcome"], r["to"]) for r in shown.reports} == {("X011", "move", "N1"),
                                                                                 ("X012", "close", None)}
        assert sorted(a["unit"] for a in shown.accounts) == ["H01", "H02", "X011", "X012"]
        assert shown.needs_accounts == ["N1"] and db.session.get(Reorganisation, reorg.id).state == "draft"


def test_a_failure_half_way_leaves_nothing(app, monkeypatch):
    """The units are already closed and the edges written when the workflow refuses an open report: the
    caller's rollback takes all of it back, the event stays a draft."""
    from workflows import service

    with app.app_context():
        factories.cao_bang_reports()

        def refuse(*args, **kwargs):
            raise service.Refused("từ chối")

        monkeypatch.setattr(service, "close", refuse)
        reorg = event([{"kind": "merge", "sources": ["X011", "X012"], "target": "X011"}])
        with pytest.raises(service.Refused):
            reorg_service.apply(db.session, reorg)
        db.session.rollback()
        assert unit("X012").active and versions_of("X012") == [("Xã Lũng Nặm", None, None)]
        assert db.session.query(UnitSuccession).count() == 0 and db.session.query(UnitLineage).count() == 0
        assert db.session.get(Reorganisation, reorg.id).state == "draft"
        assert db.session.query(AuditEntry).filter_by(action="reorganisation.apply").count() == 0


def test_cao_bang_and_dong_nai_each_offer_the_national_2025_move_under_their_own_resolution():
    import plugins.cao_bang
    import plugins.dong_nai

    offers = [*plugins.cao_bang.reorganisations(), *plugins.dong_nai.reorganisations()]
    assert [(o.province, o.runs, o.to, o.effective, o.steps) for o in offers] == [
        ("04", "2020", "2025", EFFECTIVE, ()), ("75", "2020", "2025", EFFECTIVE, ())]
    assert {o.name for o in offers} == {"Sắp xếp đơn vị hành chính cấp xã từ 01/07/2025"}
    assert [o.legal_basis for o in offers] == ["Nghị quyết 1657/NQ-UBTVQH15 ngày 16/6/2025",
                                               "Nghị quyết 1662/NQ-UBTVQH15 ngày 16/6/2025"]
