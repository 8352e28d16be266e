"""Usage and status reports (R10): per unit over a date range, who logged in, what was sent, how punctually.

Three grouped queries, whatever the size of the province: logins (audit
entries ``login``, by the unit recorded with the entry, else the account's
unit), submissions (``submit`` steps of the workflow, by the report's unit),
and the reports sent in the range with how many of them on or before their
deadline (as :mod:`core.analytics.completeness` judges it). Dates are the province's
calendar days (``BABEL_DEFAULT_TIMEZONE``); the log stores UTC.

The operator's yearly report to the province (R10: before 31 December) is
:func:`yearly_report`, a job scheduled by :mod:`core.defaults.usage` on
15 December and runnable from the screen: it writes
``<instance>/reports/usage-<year>.xlsx`` through a temporary file renamed
into place, so the file is either complete or absent.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import case, func, select, true
from sqlalchemy.orm import aliased

from core.platform import audit, clock, tabular
from core.analytics.completeness import SENT_STATES
from core.accounts.models import Account
from core.platform.models.audit import AuditEntry
from core.reporting.models import Report, Transition
from core.hierarchy.models import Unit
from core.analytics.rollup import subtree

REPORTS_DIR = "reports"


@dataclass
class UnitUsage:
    unit_code: str
    unit_name: str
    level: str
    logins: int = 0
    submissions: int = 0
    sent: int = 0
    on_time: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """Share of the reports sent in the range that were on time, 0–100; None when none was sent."""
        return round(100 * self.on_time / self.sent, 1) if self.sent else None


def _utc(day: date) -> datetime:
    """Midnight starting ``day`` in the province, as the naive UTC the database stores."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh")
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)


def usage(session, unit: Unit | None, start: date, end: date) -> list[UnitUsage]:
    """One row per unit of ``unit``'s subtree (None: every unit), in tree order, for ``start``–``end`` inclusive."""
    since, until = _utc(start), _utc(end + timedelta(days=1))
    in_tree = subtree(unit) if unit is not None else true()
    codes = select(Unit.code).where(in_tree)

    own = aliased(Unit)
    login_unit = func.coalesce(AuditEntry.unit_code, own.code)
    logins = dict(session.execute(
        select(login_unit, func.count(AuditEntry.id)).select_from(AuditEntry)
        .outerjoin(Account, Account.id == AuditEntry.actor_id).outerjoin(own, own.id == Account.unit_id)
        .where(AuditEntry.action == "login", AuditEntry.at >= since, AuditEntry.at < until, login_unit.in_(codes))
        .group_by(login_unit)).all())
    submissions = dict(session.execute(
        select(Unit.code, func.count(Transition.id)).select_from(Transition)
        .join(Report, Report.id == Transition.report_id).join(Unit, Unit.id == Report.unit_id)
        .where(Transition.action == "submit", Transition.at >= since, Transition.at < until, in_tree)
        .group_by(Unit.code)).all())
    on_time = case((clock.local_date(Report.submitted_at) <= Report.deadline, 1), else_=0)
    sent = {code: (count, int(ok or 0)) for code, count, ok in session.execute(
        select(Unit.code, func.count(Report.id), func.sum(on_time)).join(Unit, Unit.id == Report.unit_id)
        .where(Report.state.in_(SENT_STATES), Report.submitted_at >= since, Report.submitted_at < until, in_tree)
        .group_by(Unit.code))}

    rows = []
    for code, name, level in session.execute(select(Unit.code, Unit.name, Unit.level).where(in_tree)
                                             .order_by(Unit.path)):
        count, ok = sent.get(code, (0, 0))
        rows.append(UnitUsage(code, name, level, logins.get(code, 0), submissions.get(code, 0), count, ok))
    return rows


def headers() -> list[str]:
    return [_("Code"), _("Unit"), _("Level"), _("Logins"), _("Submissions"), _("Reports sent"),
            _("Sent on time"), _("On-time rate (percent)")]


def table(rows: list[UnitUsage]) -> list[list]:
    return [[r.unit_code, r.unit_name, r.level, r.logins, r.submissions, r.sent, r.on_time, r.on_time_rate]
            for r in rows]


def report_path(year: int) -> Path:
    return Path(current_app.instance_path) / REPORTS_DIR / f"usage-{year}.xlsx"


def yearly_report(year: int | None = None) -> str:
    """The operator's report for ``year`` (default: this year, up to today) on every unit; returns its path."""
    from core.reporting.entry import today

    from core.platform.extensions import db

    year = int(year or today().year)
    rows = usage(db.session, None, date(year, 1, 1), date(year, 12, 31))
    target = report_path(year)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "vi"):
            tabular.write_xlsx(partial, _("Usage %(year)d", year=year), headers(), table(rows))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    audit.record("usage.yearly_report", None, None, {"year": year, "units": len(rows), "file": target.name},
                 session=db.session)
    return str(target)
