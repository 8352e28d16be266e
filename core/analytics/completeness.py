"""Completeness and timeliness (H4, R1): who has sent a form for a period, on time, and who is missing.

Per unit of a subtree, one query over ``report`` (joined to its unit) gives
the state, when it was sent and whether on time; the summary by level is a
second grouped query, so a province of 3,321 communes is two statements.
"Sent" means the unit submitted it (submitted, approved, or approved with a
correction requested); on time means sent on or before the deadline day.
A report recorded after an outage (W7) counts from its real receipt time.
A report closed because a reorganisation closed its unit (issue 19) is neither sent nor missing: the
duty ended with the unit, so it leaves the expected count, the missing list and the reminders; the
per-unit list still shows it, in its ``closed`` state.

:func:`urge` (đôn đốc) reminds every unit of the subtree that has not sent:
an in-app notice once per unit and day, e-mailed when mail is configured.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, literal, select

from core.platform import audit, clock
from core.forms.models.form import Form
from core.reporting.models import Notification, Report
from core.forms.models.period import Period
from core.hierarchy.models import Unit
from core.analytics import tree as trees
from core.analytics.rollup import subtree

SENT_STATES = ("submitted", "approved", "correction_requested")
#: The state of a report whose unit a reorganisation closed: not expected any more.
CLOSED = "closed"


@dataclass(frozen=True)
class UnitStatus:
    unit_code: str
    unit_name: str
    level: str
    report_id: int
    state: str
    deadline: date
    submitted_at: datetime | None
    on_time: bool | None  # None: not sent
    #: Counted on today's tree through a lineage row (a predecessor's report).
    reconstructed: bool = False

    def as_json(self) -> dict:
        return {"unit_code": self.unit_code, "unit_name": self.unit_name, "level": self.level,
                "report_id": self.report_id, "state": self.state, "deadline": self.deadline.isoformat(),
                "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
                "on_time": self.on_time, "reconstructed": self.reconstructed}


@dataclass(frozen=True)
class LevelSummary:
    level: str
    expected: int
    submitted: int
    on_time: int
    late: int
    missing: int

    @property
    def rate(self) -> float:
        """Share sent, 0–100."""
        return round(100 * self.submitted / self.expected, 1) if self.expected else 0.0

    def as_json(self) -> dict:
        return {"level": self.level, "expected": self.expected, "submitted": self.submitted,
                "on_time": self.on_time, "late": self.late, "missing": self.missing, "rate": self.rate}


def _sent():
    return Report.state.in_(SENT_STATES)


def _due():
    """Still owed or sent: every report but a closed unit's."""
    return Report.state != CLOSED


def _on_time():
    return clock.local_date(Report.submitted_at) <= Report.deadline  # the day in Vietnam, as Report.late


def _where(form: Form, period: Period, unit: Unit):
    return and_(Report.form_id == form.id, Report.period_id == period.id, subtree(unit))


def _placed(session, query, form: Form, period: Period, unit: Unit, tree: str):
    """``(query, level, reconstructed)`` restricted to the reports that count in ``unit``'s subtree on
    ``tree``, or None when ``unit`` did not exist on the period's end (``as_reported``)."""
    where = and_(Report.form_id == form.id, Report.period_id == period.id)
    if tree == trees.CURRENT:
        counts, traced = trees.counts_in(unit, period.end, Report.unit_id)
        return query.where(where, counts), Unit.level, case((traced, 1), else_=0)
    exists_then, root_path = trees.version_on(session, unit, period.end)
    if not exists_then:
        return None
    placed = trees.place(query, tree, unit, period.end, Report.unit_id, root_path)
    return placed.query.where(where, placed.where), placed.level, literal(0)


def units(session, form: Form, period: Period, unit: Unit, missing_only: bool = False,
          tree: str = trees.AS_REPORTED) -> list[UnitStatus]:
    """Each report of the subtree on ``tree`` (:mod:`core.analytics.tree`): on ``current`` the reports of
    the predecessors of today's units too, each listed once under the unit that made it."""
    on_time = case((_sent(), _on_time()), else_=literal(None))
    base = (select(Unit.code, Unit.name, Report.id, Report.state, Report.deadline, Report.submitted_at, on_time)
            .select_from(Report).join(Unit, Unit.id == Report.unit_id))
    found = _placed(session, base, form, period, unit, tree)
    if found is None:
        return []
    query, level, traced = found
    query = query.add_columns(level, traced).order_by(Unit.path)
    if missing_only:
        query = query.where(~_sent(), _due())
    return [UnitStatus(code, name, level, rid, state, deadline, submitted_at if state in SENT_STATES else None,
                       None if ok is None else bool(ok), bool(used))
            for code, name, rid, state, deadline, submitted_at, ok, level, used in session.execute(query)]


def summary(session, form: Form, period: Period, unit: Unit, tree: str = trees.AS_REPORTED) -> list[LevelSummary]:
    sent = case((_sent(), 1), else_=0)
    in_time = case((and_(_sent(), _on_time()), 1), else_=0)
    base = (select(func.count(Report.id), func.sum(sent), func.sum(in_time))
            .select_from(Report).join(Unit, Unit.id == Report.unit_id))
    found = _placed(session, base, form, period, unit, tree)
    if found is None:
        return []
    query, level, _traced = found
    rows = session.execute(query.add_columns(level).where(_due()).group_by(level))
    out = [LevelSummary(level, total, int(done or 0), int(ok or 0), int(done or 0) - int(ok or 0),
                        total - int(done or 0)) for total, done, ok, level in rows]
    return sorted(out, key=lambda s: s.level)


def urge(session, form: Form, period: Period, unit: Unit, by: str | None = None) -> list[str]:
    """Remind the subtree's units that have not sent: one notice per report and day, written by one
    INSERT … SELECT (a province's 3,000 missing communes are one statement). Returns the unit codes
    reminded now; the caller commits."""
    from core.reporting.assignment import _insert

    kind = f"urge:{clock.today().isoformat()}"
    message = literal(f"Đôn đốc nộp báo cáo: {form.name} — {period.name}, hạn {period.deadline:%d/%m/%Y}"[:500])
    source = (select(Report.unit_id, Report.id, literal(kind), message, literal(clock.utcnow()))
              .join(Unit, Unit.id == Report.unit_id).where(_where(form, period, unit), ~_sent(), _due()))
    stmt = _insert(session, Notification).from_select(
        ["unit_id", "report_id", "kind", "message", "created_at"], source,
    ).on_conflict_do_nothing(index_elements=["report_id", "kind"]).returning(Notification.unit_id)
    reminded = [row[0] for row in session.execute(stmt)]
    codes = sorted(session.execute(select(Unit.code).where(Unit.id.in_(reminded))).scalars()) if reminded else []
    audit.record("report.urge", "Form", form.id, {"form": form.code, "period": period.code, "unit": unit.code,
                                                  "units": len(codes), "by": by}, session=session)
    return codes
