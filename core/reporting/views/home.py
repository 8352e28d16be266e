"""The home page: what the signed-in officer has to do now (issue 15, item 13).

A commune officer sees its reports due and overdue with the days left, each one click from its
entry page; a reviewer the number of reports waiting in its inbox and the oldest one; a unit
that others report to (the board, a district) the progress of the period being collected, by
level, and the units that have not sent yet; the system administrator what needs attention (no
restore test of the backups yet, or a failed one, with the button that runs it). The unit's
unread notifications link to their report.

Each block is one or two aggregated queries whatever the number of units (the page is what
thousands of officers open first at a deadline): counts and minimums in SQL, lists with LIMIT.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from core.analytics import completeness
from core.forms.models.form import Form
from core.forms.models.period import Period
from core.hierarchy import roles, units
from core.hierarchy.models import Unit
from core.hierarchy.scope import condition, current_account, is_system_admin
from core.platform import audit, clock, jobs
from core.platform.extensions import db
from core.reporting import entry
from core.reporting.models import Report
from core.reporting.views.notifications import unread
from core.reporting.views.review import waiting_condition

#: Rows of each list on the page; the full lists are one click away.
SHOWN = 10
#: A restore test older than this is due again (the scheduled one runs weekly).
RESTORE_TEST_DAYS = 8


def _is_admin() -> bool:
    admin = current_app.appbuilder.sm.auth_role_admin
    return current_user.is_authenticated and any(role.name == admin for role in current_user.roles)


def _has_role(account, name: str) -> bool:
    return account is not None and any(role.name == name for role in account.roles)


def last_restore_test():
    """The newest finished restore test, or None (also before the table exists)."""
    from core.operations.backup import runs

    try:
        return runs.last("restore_test")
    except Exception:  # noqa: BLE001 (the page must not fail on a database not yet migrated)
        db.session.rollback()
        return None


# --- a reporting unit: what is due ------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    report: Report
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def my_due(account) -> tuple[int, list[Due]]:
    """The unit's reports it still has to send (draft or returned), soonest deadline first: the total
    and the first :data:`SHOWN`, with their form and period, in one query."""
    if account is None or account.unit_id is None or not _has_role(account, roles.REPORTER):
        return 0, []
    rows = db.session.execute(
        select(Report, func.count().over()).join(Report.form).join(Report.period)
        .options(contains_eager(Report.form), contains_eager(Report.period))
        .where(Report.unit_id == account.unit_id, Report.state.in_(entry.EDITABLE_STATES))
        .order_by(Report.deadline, Report.id).limit(SHOWN)).all()
    today = clock.today()
    return (rows[0][1] if rows else 0), [Due(r, entry.days_left(r.deadline, today)) for r, _n in rows]


# --- a reviewer: the inbox --------------------------------------------------------------------


@dataclass(frozen=True)
class Inbox:
    count: int
    oldest: Report | None

    @property
    def waiting_days(self) -> int | None:
        if self.oldest is None or self.oldest.submitted_at is None:
            return None
        return (clock.today() - clock.local_day(self.oldest.submitted_at)).days


def inbox(account) -> Inbox | None:
    """How many reports wait for the reviewer's level, and the one waiting longest (one query)."""
    if not (_has_role(account, roles.REVIEWER) or is_system_admin(account)):
        return None
    row = db.session.execute(
        select(Report, func.count().over()).join(Report.unit).join(Report.form).join(Report.period)
        .options(contains_eager(Report.unit), contains_eager(Report.form), contains_eager(Report.period))
        .where(waiting_condition(account))
        .order_by(Report.submitted_at.asc().nulls_last(), Report.id).limit(1)).first()
    return Inbox(row[1], row[0]) if row else Inbox(0, None)


# --- units others report to: the period being collected --------------------------------------


@dataclass(frozen=True)
class Progress:
    form: Form
    period: Period
    levels: list[tuple[str, completeness.LevelSummary]]  # (level name, who sent)
    missing: list[tuple[Report, Unit]]  # the first SHOWN units that have not sent
    missing_count: int


def collecting(account, unit: Unit) -> list[tuple[Form, Period]]:
    """For each form, the newest scheduled period with reports in the subtree below ``unit`` (one grouped
    query): the collection under way, or the last one."""
    below = (Unit.path.like(f"{unit.path}%"), Unit.id != unit.id, condition(Report, account))
    newest = (select(Report.form_id, func.max(Period.start).label("start"))
              .join(Period, Period.id == Report.period_id).join(Unit, Unit.id == Report.unit_id)
              .where(Report.request_id.is_(None), *below)
              .group_by(Report.form_id).subquery())
    rows = db.session.execute(
        select(Form, Period).join(newest, newest.c.form_id == Form.id)
        .join(Period, Period.start == newest.c.start)
        .where(select(Report.id).join(Unit, Unit.id == Report.unit_id)
               .where(Report.form_id == Form.id, Report.period_id == Period.id, Report.request_id.is_(None), *below)
               .exists())
        .order_by(Form.name, Period.code)).all()
    seen, found = set(), []
    for form, period in rows:
        if form.id not in seen:  # two period types starting the same day: the first is enough
            seen.add(form.id)
            found.append((form, period))
    return found


def not_sent(account, form: Form, period: Period, unit: Unit) -> tuple[int, list[tuple[Report, Unit]]]:
    """The units below ``unit`` that have not sent: how many, and the first :data:`SHOWN` by place in the
    tree (one query, LIMIT in SQL: a province's 3,000 missing communes are not read into Python)."""
    rows = db.session.execute(
        select(Report, Unit, func.count().over()).join(Unit, Unit.id == Report.unit_id)
        .where(Report.form_id == form.id, Report.period_id == period.id, Unit.path.like(f"{unit.path}%"),
               Unit.id != unit.id, Report.state.not_in((*completeness.SENT_STATES, completeness.CLOSED)),
               condition(Report, account))
        .order_by(Unit.path).limit(SHOWN)).all()
    return (rows[0][2] if rows else 0), [(r, u) for r, u, _n in rows]


def progress(account) -> list[Progress]:
    """Who has sent, by level, and who has not, for each collection under the account's unit: three
    queries per form (a province has a handful of forms), none per unit."""
    unit = account.unit if account is not None else None
    if unit is None or not (_has_role(account, roles.REVIEWER) or _has_role(account, roles.VIEWER)):
        return []
    names = {lvl.code: lvl.name for lvl in units.levels() or []}
    shown = []
    for form, period in collecting(account, unit):
        levels = [(names.get(s.level, s.level), s) for s in completeness.summary(db.session, form, period, unit)
                  if s.level != unit.level]
        count, missing = not_sent(account, form, period, unit)
        shown.append(Progress(form, period, levels, missing, count))
    return shown


# --- the system administrator: what needs attention -----------------------------------------


def attention(restore_test) -> list[str]:
    """What the system administrator should act on, in words."""
    found = []
    if restore_test is None:
        found.append("restore_never")
    elif not restore_test.ok:
        found.append("restore_failed")
    elif (clock.utcnow() - restore_test.finished_at).days > RESTORE_TEST_DAYS:
        found.append("restore_old")
    return found


class HomeView(IndexView):
    index_template = "reporting/index.html"

    @expose("/")
    def index(self):
        account = current_account() if current_user.is_authenticated else None
        count, latest = unread()
        admin = _is_admin()
        restore_test = last_restore_test() if admin else None
        due_count, due = my_due(account)
        return self.render_template(
            self.index_template, appbuilder=self.appbuilder, unread_count=count, notifications=latest,
            is_admin=admin, restore_test=restore_test, attention=attention(restore_test) if admin else [],
            due=due, due_count=due_count, inbox=inbox(account) if account else None,
            progress=progress(account), unit=account.unit if account else None, shown=SHOWN,
            deadline_text=entry.deadline_text, state_label=entry.state_label)

    @expose("/restore-test", methods=["POST"])
    def run_restore_test(self):
        """The admin's button: prove the newest backup restores, now rather than at the weekly run."""
        if not _is_admin():
            abort(403)
        jobs.enqueue("core.operations.backup.jobs:restore_test", key="home.restore_test")
        audit.record("backup.restore_test.requested", "BackupRun", None, {"by": current_user.username})
        db.session.commit()
        flash(_("The restore test has started. Its result appears here when it is done."), "info")
        return redirect(url_for("HomeView.index"))
