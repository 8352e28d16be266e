"""Sector verification (H3; Đồng Nai Đ5.2, Cao Bằng Đ6.2): a department's word on its sector's final data.

A provincial department (sở, ngành: a unit of kind ``department`` with a ``sector``) reads the
approved reports of the forms of its sector in every district and commune — the scope
(:func:`core.hierarchy.scope.condition`) lets it see exactly those — and marks each "đã xác
thực" (``verified``) or "có ý kiến" (``remark``, with the remark). This is an annotation beside
the workflow: the report's state does not move, and the data stand as approved. The board reads
per form and period how much of its sectors' data is verified (:func:`progress`), and totals and
exports can be limited to verified reports (:func:`core.reporting.models.verified_clause`).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from core.forms.models.form import Form
from core.forms.models.period import Period
from core.hierarchy.models import Unit
from core.hierarchy.scope import condition, sector_of
from core.platform import audit, clock
from core.reporting.models import VERIFICATION_RESULTS, Report, ReportVerification

#: The states whose figures stand as approved (a correction asked for does not withdraw them).
FINAL_STATES = ("approved", "correction_requested")
MAX_COMMENT = 2000


class VerificationError(Exception):
    """Refused, with a Vietnamese reason; ``field`` names what was wrong in the request."""

    def __init__(self, message: str, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.field, self.status = field, status


def check(report: Report, account, result: str, comment: str) -> tuple[str, str | None]:
    """What may be recorded, or :class:`VerificationError`: only a department of the form's sector,
    only on final data, only the two results, a remark always with its text."""
    sector = sector_of(account)
    if not sector or (report.form.sector or "") != sector:
        raise VerificationError(_("Only a department of the form's sector verifies its data."), status=403)
    if report.state not in FINAL_STATES:
        raise VerificationError(_("Only approved data are verified."), status=409)
    if result not in VERIFICATION_RESULTS:
        raise VerificationError(_("The result must be \"verified\" or \"remark\"."), field="result")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise VerificationError(_("The comment may have at most %(n)d characters.", n=MAX_COMMENT), field="comment")
    if result == "remark" and not comment:
        raise VerificationError(_("Write the remark on the data."), field="comment")
    return result, comment or None


def verify(session, report: Report, account, result: str, comment: str = "") -> ReportVerification:
    """Record the department's verification of ``report`` (replacing its earlier one); audited."""
    result, comment = check(report, account, result, comment)
    row = session.execute(select(ReportVerification).where(ReportVerification.report_id == report.id)
                          ).scalar_one_or_none()
    if row is None:
        row = ReportVerification(report_id=report.id)
        session.add(row)
    row.unit_id, row.result, row.comment = account.unit_id, result, comment
    row.verified_by, row.verified_at, row.approved_at = account.username, clock.utcnow(), report.approved_at
    session.flush()
    audit.record("report.verify", "Report", report.id, {
        "form": report.form.code, "period": report.period.code, "unit": report.unit.code,
        "by_unit": account.unit.code, "result": result, "comment": comment}, session=session)
    return row


def scoped_report(session, account, pk: int) -> Report | None:
    """The report ``pk`` if ``account`` may see it (for a department: its sector's final data), else None."""
    return session.execute(select(Report).where(Report.id == pk, condition(Report, account))).scalar_one_or_none()


def current(session, report_id: int) -> ReportVerification | None:
    """The verification that still holds for the report's present approval, if any."""
    return session.execute(
        select(ReportVerification).join(Report, Report.id == ReportVerification.report_id)
        .where(ReportVerification.report_id == report_id, ReportVerification.approved_at == Report.approved_at)
    ).scalar_one_or_none()


_STATUS = case((ReportVerification.id.is_(None), "pending"), else_=ReportVerification.result)


def _current_join():
    return and_(ReportVerification.report_id == Report.id, ReportVerification.approved_at == Report.approved_at)


@dataclass(frozen=True)
class InboxRow:
    report_id: int
    form_code: str
    form_name: str
    period_code: str
    unit_code: str
    unit_name: str
    approved_at: object
    status: str
    comment: str | None
    verified_by: str | None


def inbox(session, account, form_code: str = "", period_code: str = "", status: str = "",
          page: int = 0, page_size: int = 50) -> tuple[int, list[InboxRow]]:
    """The department's approved reports of its sector's forms, oldest first; one query per page."""
    sector = sector_of(account)
    if not sector:
        return 0, []
    query = (select(Report.id, Form.code, Form.name, Period.code, Unit.code, Unit.name, Report.approved_at, _STATUS,
                    ReportVerification.comment, ReportVerification.verified_by)
             .join(Form, Form.id == Report.form_id).join(Period, Period.id == Report.period_id)
             .join(Unit, Unit.id == Report.unit_id).outerjoin(ReportVerification, _current_join())
             .where(Form.sector == sector, Report.state.in_(FINAL_STATES), condition(Report, account)))
    if form_code:
        query = query.where(Form.code == form_code)
    if period_code:
        query = query.where(Period.code == period_code)
    if status in ("pending", "verified", "remark"):
        query = query.where(_STATUS == status)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(Period.start.desc(), Form.code, Unit.path)
                           .limit(page_size).offset(page * page_size))
    return total or 0, [InboxRow(*row) for row in rows]


@dataclass(frozen=True)
class Progress:
    form_code: str
    form_name: str
    sector: str
    period_code: str
    approved: int
    verified: int
    remarks: int

    @property
    def share(self) -> float:
        return self.verified / self.approved if self.approved else 0.0


def progress(session, account, form_code: str = "", period_code: str = "") -> list[Progress]:
    """Per sector form and period, of the approved reports the caller sees: how many are verified,
    how many have a remark (the board's view of H3). One grouped query."""
    query = (select(Form.code, Form.name, Form.sector, Period.code, func.count(Report.id),
                    func.count(case((ReportVerification.result == "verified", 1))),
                    func.count(case((ReportVerification.result == "remark", 1))))
             .join(Form, Form.id == Report.form_id).join(Period, Period.id == Report.period_id)
             .outerjoin(ReportVerification, _current_join())
             .where(Form.sector.is_not(None), Form.sector != "", Report.state.in_(FINAL_STATES),
                    condition(Report, account))
             .group_by(Form.code, Form.name, Form.sector, Period.code, Period.start)
             .order_by(Period.start.desc(), Form.code))
    if form_code:
        query = query.where(Form.code == form_code)
    if period_code:
        query = query.where(Period.code == period_code)
    return [Progress(*row) for row in session.execute(query)]
