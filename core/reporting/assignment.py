"""Automatic assignment of reports (REQUIREMENTS F5, F7, F8) and deadline reminders.

The daily job finds, for every active schedule, the periods whose entry
window is open today and creates one report per unit of the scheduled levels.
Each (schedule, period) is ONE ``INSERT … SELECT … ON CONFLICT DO NOTHING``
against the unique (form, period, unit) constraint: 3,321 communes cost one
statement, a second run creates nothing, and two runs racing cannot create
a duplicate — the database, not luck, decides.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from core.platform import audit, clock
from core.forms import periods
from core.contracts import PeriodType
from core.forms.definitions import published_version_ids
from core.platform.i18n import N_
from core.forms.models.form import Form
from core.reporting.models import Notification, Report, Request
from core.forms.models.period import Period, Schedule
from core.hierarchy.models import Unit

#: Days before the deadline when a unit with an unsent report is reminded.
REMIND_DAYS = 3
OPEN_STATES = ("draft", "returned")


class AssignmentError(Exception):
    """A refusal a user can read (bad units, no published version, past deadline)."""


def _insert(session, model):
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING (PostgreSQL and SQLite alike)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def ensure_period(session, spec) -> Period:
    """The stored row of a period built by :mod:`core.forms.definitions.periods`; inserted once, even under races."""
    stmt = _insert(session, Period).values(
        code=spec.code, type=str(spec.type.value if hasattr(spec.type, "value") else spec.type), name=spec.name,
        start=spec.start, end=spec.end, deadline=spec.deadline, opens=spec.opens, closes=spec.closes,
    ).on_conflict_do_nothing(index_elements=["code"])
    session.execute(stmt)
    return session.execute(select(Period).where(Period.code == spec.code)).scalar_one()


def open_periods(kind: str, today: date, ruleset) -> list:
    """Periods of ``kind`` whose entry window holds ``today``."""
    kind = PeriodType(kind)
    back = timedelta(days=365 * 6 if kind is PeriodType.PHASE else 400)
    return [p for p in periods.periods_between(kind, today - back, today + timedelta(days=62), ruleset)
            if p.opens <= today <= p.closes]


def _assign_units(session, form_id: int, version_id: int, period: Period, unit_filter, deadline: date,
                  request_id: int | None = None) -> int:
    """One statement: a draft report for every unit matching ``unit_filter``; returns how many were new."""
    now = clock.utcnow()
    source = select(
        literal(form_id), literal(version_id), literal(period.id), Unit.id, literal(request_id),
        literal("draft"), Unit.level, literal(deadline), literal(now),
    ).where(Unit.active.is_(True), unit_filter)
    stmt = _insert(session, Report).from_select(
        ["form_id", "form_version_id", "period_id", "unit_id", "request_id", "state", "level", "deadline",
         "created_at"], source,
    ).on_conflict_do_nothing(index_elements=["form_id", "period_id", "unit_id"]).returning(Report.id)
    return len(session.execute(stmt).all())  # rowcount is -1 for INSERT … SELECT on psycopg


@dataclass
class AssignResult:
    created: int = 0
    periods: list[str] = field(default_factory=list)


def assign(session, today: date | None = None, form_ids: list[int] | None = None) -> AssignResult:
    """Create the reports every schedule (of ``form_ids``, or all) asks for today; the caller commits.

    Safe to run any time, as often as wanted.
    """
    today = today or clock.today()
    ruleset = periods.rules()
    versions = published_version_ids(session, form_ids)
    result = AssignResult()
    query = select(Schedule).join(Form).where(Schedule.active.is_(True), Form.active.is_(True))
    if form_ids is not None:
        query = query.where(Schedule.form_id.in_(form_ids))
    schedules = session.execute(query).scalars().all()
    by_type: dict[str, list] = {}
    for schedule in schedules:
        if schedule.form_id not in versions or not schedule.level_codes:
            continue
        if schedule.period_type not in by_type:
            by_type[schedule.period_type] = open_periods(schedule.period_type, today, ruleset)
        wanted = schedule.index_set
        for spec in by_type[schedule.period_type]:
            if wanted and periods.parse(spec.code).index not in wanted:
                continue  # e.g. quý II of a schedule for quý I and III only
            period = ensure_period(session, spec)
            created = _assign_units(session, schedule.form_id, versions[schedule.form_id], period,
                                    Unit.level.in_(schedule.level_codes), period.deadline)
            result.created += created
            if created:
                result.periods.append(f"{schedule.form.code}/{period.code}")
    if result.created:
        audit.record("reports.assign", "Report", None,
                     {"created": result.created, "forms_periods": result.periods[:50], "day": today.isoformat()},
                     session=session)
    return result


# --- ad-hoc and cascaded requests ---------------------------------------------------------------


def _adhoc_period(session, title: str, today: date, deadline: date) -> Period:
    code = f"DX{today:%Y%m%d}-{session.execute(select(func.count()).select_from(Request)).scalar_one() + 1}"
    spec = periods.Period(code=code, type=PeriodType.ADHOC, name=title[:255], start=today, end=deadline,
                          deadline=deadline, opens=today, closes=deadline + timedelta(days=30))
    return ensure_period(session, spec)


def request(session, form: Form, title: str, deadline: date, from_unit: Unit, unit_ids: list[int],
            by: str, note: str = "", parent: Request | None = None, period: Period | None = None) -> Request:
    """A one-off (thematic, đột xuất) request to chosen units under ``from_unit`` (F5)."""
    today = clock.today()
    versions = published_version_ids(session, [form.id])
    if form.id not in versions:
        raise AssignmentError(N_("the form has no published version"))
    if deadline < today:
        raise AssignmentError(N_("the deadline is in the past"))
    wanted = set(unit_ids)
    inside = set(session.execute(select(Unit.id).where(
        Unit.id.in_(wanted), Unit.id != from_unit.id, Unit.active.is_(True),
        Unit.path.startswith(from_unit.path, autoescape=True))).scalars())
    if not wanted or inside != wanted:
        raise AssignmentError(N_("every chosen unit must be an active unit under the requesting unit"))
    period = period or _adhoc_period(session, title, today, deadline)
    req = Request(title=title, form_id=form.id, period_id=period.id, from_unit_id=from_unit.id, deadline=deadline,
                  note=note or None, parent_id=parent.id if parent else None, created_by=by,
                  created_at=clock.utcnow())
    session.add(req)
    session.flush()
    created = _assign_units(session, form.id, versions[form.id], period, Unit.id.in_(wanted), deadline, req.id)
    audit.record("request.create" if parent is None else "request.cascade", "Request", req.id, {
        "title": title, "form": form.code, "period": period.code, "deadline": deadline.isoformat(),
        "units": len(wanted), "created": created, "parent": parent.id if parent else None}, session=session)
    return req


def cascade(session, report: Report, unit_ids: list[int], deadline: date, by: str) -> Request:
    """A unit passes a report it received on to its sub-units, same form and period (F8)."""
    if deadline > report.deadline:
        raise AssignmentError(N_("sub-units must report before the unit's own deadline"))
    parent = report.request or Request(title=report.form.name, form_id=report.form_id, period_id=report.period_id,
                                       from_unit_id=report.unit.parent_id or report.unit_id,
                                       deadline=report.deadline, created_by="schedule", created_at=clock.utcnow())
    if parent.id is None:
        session.add(parent)
        session.flush()
        report.request_id = parent.id
    return request(session, report.form, report.form.name, deadline, report.unit, unit_ids, by,
                   parent=parent, period=report.period)


# --- reminders --------------------------------------------------------------------------------


def remind(session, today: date | None = None) -> dict[str, int]:
    """In-app reminders: due within :data:`REMIND_DAYS`, and late. One of each kind per report, ever."""
    today = today or clock.today()
    counts = {}
    for kind, condition, text in (
        ("due_soon", and_(Report.deadline >= today, Report.deadline <= today + timedelta(days=REMIND_DAYS)),
         "Sắp đến hạn nộp báo cáo: "),
        ("late", Report.deadline < today, "Quá hạn nộp báo cáo: "),
    ):
        message = literal(text) + Form.name + literal(" — ") + Period.name
        source = (select(Report.unit_id, Report.id, literal(kind), message, literal(clock.utcnow()))
                  .join(Form, Form.id == Report.form_id).join(Period, Period.id == Report.period_id)
                  .where(Report.state.in_(OPEN_STATES), condition))
        stmt = _insert(session, Notification).from_select(
            ["unit_id", "report_id", "kind", "message", "created_at"], source,
        ).on_conflict_do_nothing(index_elements=["report_id", "kind"]).returning(Notification.id)
        counts[kind] = len(session.execute(stmt).all())
    return counts


def daily() -> dict:
    """The scheduled job: assign, then remind (in-app; e-mail when configured)."""
    from core.platform.extensions import db

    result = assign(db.session)
    reminders = remind(db.session)
    db.session.commit()
    from core.reporting import mailer

    mailer.send_pending(db.session)
    return {"created": result.created, **reminders}
