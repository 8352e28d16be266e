"""What ``baocao init --demo`` adds so that a newcomer's first look is a province at work (issue 15, item 15).

A fresh database has reports assigned and nothing sent: the dashboard is empty, the totals are zeros,
the home pages have nothing to show. The demo adds, for a few dozen units of every scheduled form,
the reports of the last three closed periods, entered, submitted and approved up the whole chain —
a few of them late, one returned once and corrected — and, in the period being collected now, some
reports sent, some approved by their district and waiting for the board, two returned. Everything
goes through the real code: values through :func:`core.reporting.entry.save`, every state change
through the workflow service (:func:`workflows.service.move` for the submission, which the system
administrator records in the unit's name like an outage backfill, :func:`workflows.service.transition`
for the reviews), so the history, the audit log and the notifications are the ones a real province
would have. Past steps are dated in their period (the clock is set back while they are written).

Demo only: ``baocao init`` without ``--demo`` never calls this, and it does nothing on a database
where any report has already moved (a province at work never gets sample data).
"""
from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, func, select, update

from core.forms.definitions import fields_of
from core.forms.models.form import NUMERIC_TYPES, Form
from core.forms.models.period import Schedule
from core.forms import periods
from core.hierarchy.models import Unit
from core.platform import clock
from core.reporting import assignment, entry
from core.reporting.models import Notification, Report, Transition
from workflows import service

#: The history's depth and breadth: enough for a trend line and a bar per district, quick to build.
PERIODS = 3
UNITS = 40
#: What the history says of the submissions the demo records.
NOTE = "Số liệu mẫu của bản dùng thử (baocao init --demo)"
RETURN_NOTE = "Đề nghị kiểm tra lại số hộ nghèo"


@contextmanager
def _at(moment: datetime):
    """Write as of ``moment`` (naive UTC): the history of a past period carries its own dates."""
    real = clock.utcnow
    moment = min(moment, real())  # never in the future
    clock.utcnow = lambda: moment
    try:
        yield
    finally:
        clock.utcnow = real


def _moment(day: date, hour: int = 9) -> datetime:
    """``hour`` o'clock in Vietnam on ``day``, as stored (naive UTC)."""
    return datetime.combine(day, time(hour)) - clock.LOCAL_OFFSET


def chosen_units(session, levels: list[str], keep: list[int]) -> list[int]:
    """Up to :data:`UNITS` active units of ``levels``, a few under each parent (so that every district has a
    bar), and the demo accounts' own units ``keep``. One query."""
    rank = func.row_number().over(partition_by=Unit.parent_id, order_by=Unit.code).label("rank")
    ranked = select(Unit.id, Unit.path, rank).where(Unit.active.is_(True), Unit.level.in_(levels)).subquery()
    ids = list(session.execute(select(ranked.c.id).order_by(ranked.c.rank, ranked.c.path).limit(UNITS)).scalars())
    wanted = set(session.execute(select(Unit.id).where(Unit.id.in_(keep), Unit.level.in_(levels))).scalars())
    return ids + sorted(wanted - set(ids))


def sample_values(defn: dict, rng: random.Random, growth: float) -> dict:
    """Plausible values for the form's plain fields: the first number sets the unit's size, the others are
    shares of it (people several times it); disaggregations stay empty (the rules allow it)."""
    raw, size = {}, None
    for code, fld in fields_of(defn).items():
        if fld.get("combo") or fld["type"] not in NUMERIC_TYPES:
            continue
        if size is None:
            size = rng.randint(600, 3000) * growth
            number = size
        elif (fld.get("unit_of_measure") or "") == "người":
            number = size * rng.uniform(3.6, 4.6)
        else:
            number = size * rng.uniform(0.04, 0.18)
        raw[code] = str(int(number)) if fld["type"] == "integer" else f"{number:.1f}"
    return raw


class _Builder:
    def __init__(self, session, admin, today: date):
        self.session, self.admin, self.today = session, admin, today
        self.reports: list[int] = []

    def fill(self, report: Report, rng: random.Random, growth: float) -> bool:
        raw = sample_values(report.version.definition, rng, growth)
        return bool(raw) and not entry.save(self.session, report, raw)

    def submit(self, report: Report) -> None:
        levels = service.chain(report)
        now = clock.utcnow()
        service.move(self.session, report, "submit", "submitted", self.admin, NOTE, values={
            "state": "submitted", "level": levels[0], "review_step": 0, "submitted_at": now,
            "lock_version": Report.lock_version + 1, "updated_at": now}, expected=report.lock_version,
            details={"demo": True})

    def review(self, report: Report, until: str = "approved", returned: bool = False) -> None:
        """Approve level by level (each a day later) until the report is ``until``; ``returned``: the
        first reviewer returns it once and the unit corrects and resends it."""
        moment = clock.utcnow()
        if returned:
            with _at(moment + timedelta(days=1)):
                service.transition(self.session, report, "return", self.admin, RETURN_NOTE)
            with _at(moment + timedelta(days=2)):
                self.submit(report)
            moment += timedelta(days=2)
        steps = len(service.chain(report)) if until == "approved" else 1
        for step in range(steps):
            with _at(moment + timedelta(days=step + 1)):
                service.transition(self.session, report, "approve", self.admin)

    def past(self, form: Form, spec, unit_ids: list[int], growth: float, returned_one: bool) -> int:
        period = assignment.ensure_period(self.session, spec)
        assignment._assign_units(self.session, form.id, form_version_id(self.session, form), period,
                                 Unit.id.in_(unit_ids), period.deadline)
        reports = self.session.execute(select(Report).join(Unit).where(
            Report.form_id == form.id, Report.period_id == period.id, Report.unit_id.in_(unit_ids),
            Report.state == "draft").order_by(Unit.path)).scalars().all()
        done = 0
        for index, report in enumerate(reports):
            rng = random.Random(f"{report.unit_id}")
            late = index % 9 == 4  # about one in nine is sent after the deadline
            sent = period.deadline + timedelta(days=3) if late else period.deadline - timedelta(days=1 + index % 12)
            with _at(_moment(max(sent, period.opens), 8 + index % 9)):
                if not self.fill(report, rng, growth):
                    return done
                self.submit(report)
                self.review(report, returned=returned_one and index == 1)
            self.reports.append(report.id)
            done += 1
        return done

    def current(self, form: Form, unit_ids: list[int], keep: set[int]) -> int:
        """The collection under way: of the open scheduled reports of the chosen units (not the demo
        accounts' own), half sent; of those, some approved by the first level, two returned."""
        open_reports = self.session.execute(select(Report).join(Unit).where(
            Report.form_id == form.id, Report.request_id.is_(None), Report.state == "draft",
            Report.unit_id.in_(unit_ids), Report.unit_id.not_in(keep), Report.deadline >= self.today)
            .order_by(Unit.path)).scalars().all()
        done = 0
        for index, report in enumerate(open_reports[: len(open_reports) // 2]):
            rng = random.Random(f"{report.unit_id}")
            with _at(clock.utcnow() - timedelta(hours=2 * (len(open_reports) - index))):
                if not self.fill(report, rng, 1.1):
                    return done
                self.submit(report)
            if index % 3 == 0 and len(service.chain(report)) > 1:
                service.transition(self.session, report, "approve", self.admin)
            elif index in (1, 4):
                service.transition(self.session, report, "return", self.admin, RETURN_NOTE)
            done += 1
        return done


def form_version_id(session, form: Form) -> int:
    return assignment.published_version_ids(session, [form.id])[form.id]


def past_periods(kind: str, today: date, wanted: frozenset[int], ruleset) -> list:
    """The last :data:`PERIODS` periods of ``kind`` closed before ``today``, oldest first."""
    found = [p for p in periods.periods_between(kind, today - timedelta(days=366 * 4), today, ruleset)
             if p.closes < today and (not wanted or periods.parse(p.code).index in wanted)]
    return found[-PERIODS:]


def history(session, admin, keep_units: list[int]) -> list[str]:
    """Build the demo's history (see the module); returns what was added, or [] when reports have moved already."""
    if session.execute(select(exists().where(Transition.id.is_not(None)))).scalar():
        return []
    today = clock.today()
    ruleset = periods.rules()
    builder = _Builder(session, admin, today)
    changes = []
    schedules = session.execute(select(Schedule).join(Form).where(
        Schedule.active.is_(True), Form.active.is_(True), Form.published_version.is_not(None))
        .order_by(Form.code, Schedule.id)).scalars().all()
    for schedule in schedules:
        form = schedule.form
        unit_ids = chosen_units(session, schedule.level_codes, keep_units)
        if not unit_ids:
            continue
        specs = past_periods(schedule.period_type, today, schedule.index_set, ruleset)
        for number, spec in enumerate(specs):
            done = builder.past(form, spec, unit_ids, 1 + 0.04 * number, returned_one=number == len(specs) - 1)
            if done:
                changes.append(f"demo history: {form.code}/{spec.code} approved for {done} unit(s)")
        sent = builder.current(form, unit_ids, set(keep_units))
        if sent:
            changes.append(f"demo history: {form.code} sent now by {sent} unit(s)")
    if builder.reports:
        # Decisions of years past are not news: the units find them read.
        session.execute(update(Notification).where(Notification.report_id.in_(builder.reports),
                                                   Notification.read_at.is_(None))
                        .values(read_at=Notification.created_at).execution_options(synchronize_session=False))
    return changes
