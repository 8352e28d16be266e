"""Report assignments and their values (F5, F7, F8; the workflow of issue 5 moves ``state``).

One row per (form, period, unit): the unique constraint makes the assignment
job idempotent and safe when two runs race. Values live in a long table, one
row per field and disaggregation cell, so totals are SQL ``SUM``s.
"""
from __future__ import annotations

from datetime import date, datetime

from flask_appbuilder import Model
from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint, false)
from sqlalchemy import and_, bindparam, exists, or_, select
from sqlalchemy.orm import Mapped, aliased, column_property, mapped_column, relationship

from core.platform import clock
from core.forms.models.form import Form, FormVersion
from core.forms.models.period import Period
from core.hierarchy.models import Unit

STATES = ("draft", "submitted", "approved", "returned", "correction_requested", "closed")


class Request(Model):
    """An ad-hoc or thematic request (F5), or a unit passing a request on to its sub-units (F8)."""

    __tablename__ = "report_request"
    __scope__ = "from_unit_id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id"), nullable=False)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"), nullable=False)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    #: The request this one passes on (cascading, F8); None for an original request.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("report_request.id"))
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = clock.stamped_column()

    form: Mapped[Form] = relationship()
    period: Mapped[Period] = relationship()
    from_unit: Mapped[Unit] = relationship()
    parent: Mapped["Request | None"] = relationship(remote_side=[id])


class Report(Model):
    """The assignment of one form for one period to one unit, and where it stands."""

    __tablename__ = "report"
    __scope__ = "unit_id"
    __sector__ = "form_id"  # a sector department sees its sector's reports everywhere (H3) ...
    __sector_states__ = ("approved", "correction_requested")  # ... once their data are final

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id"), nullable=False)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id"), nullable=False)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("report_request.id"))
    state: Mapped[str] = mapped_column(String(30), nullable=False, default="draft")
    #: The tier whose reviewer holds the report (the unit's own tier while it is a draft).
    level: Mapped[str] = mapped_column(String(50), nullable=False)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = clock.stamped_column()
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Optimistic lock: every transition bumps it; a transition that read an older value gets 409.
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    #: Position in the approval chain of the level holding a submitted report (0: first reviewer).
    review_step: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: W7: recorded by an admin after an outage, with the real time the paper report was received.
    backfilled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    received_at: Mapped[datetime | None] = mapped_column(DateTime)

    form: Mapped[Form] = relationship()
    version: Mapped[FormVersion] = relationship()
    period: Mapped[Period] = relationship()
    unit: Mapped[Unit] = relationship()
    request: Mapped[Request | None] = relationship()

    __table_args__ = (
        UniqueConstraint("form_id", "period_id", "unit_id", name="uq_report_assignment"),
        Index("ix_report_unit_state", "unit_id", "state"),
        Index("ix_report_period_form", "period_id", "form_id"),
    )


class ReportValue(Model):
    """One value: a field, and for disaggregated fields one cell (``cell`` = option codes joined by "|")."""

    __tablename__ = "report_value"
    __audit__ = False  # saves are audited once per save, with the changed cells, by the entry service

    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), primary_key=True)
    field_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    cell: Mapped[str] = mapped_column(String(255), primary_key=True, default="")
    number: Mapped[float | None] = mapped_column(Numeric(20, 6))
    text: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_report_value_field", "field_code", "cell"),)


class Notification(Model):
    """An in-app message (reminders before a deadline, late notices); e-mail is sent when configured."""

    __tablename__ = "notification"
    __scope__ = "unit_id"
    __audit__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), nullable=False)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    message: Mapped[str] = mapped_column(String(500), nullable=False)
    created_at: Mapped[datetime] = clock.stamped_column()
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: When the e-mail copy went out (None: not sent, or no mail server configured).
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime)

    unit: Mapped[Unit] = relationship()

    #: One reminder of each kind per report, however often the job runs.
    __table_args__ = (UniqueConstraint("report_id", "kind", name="uq_notification_report_kind"),
                      Index("ix_notification_unit_unread", "unit_id", "read_at"))


def _province_today():
    return clock.today()


# --- flat, filterable columns of a report (deferred: other report queries do not pay for them) -----

_Form, _Period, _Unit = aliased(Form, name="rf"), aliased(Period, name="rp"), aliased(Unit, name="ru")
#: Today in the province, read when each statement runs (not when it was compiled or cached).
_TODAY = bindparam("baocao_today", callable_=lambda: _province_today(), type_=Date)

Report.form_code = column_property(
    select(_Form.code).where(_Form.id == Report.form_id).correlate_except(_Form).scalar_subquery(),
    deferred=True)
Report.period_code = column_property(
    select(_Period.code).where(_Period.id == Report.period_id).correlate_except(_Period).scalar_subquery(),
    deferred=True)
Report.unit_code = column_property(
    select(_Unit.code).where(_Unit.id == Report.unit_id).correlate_except(_Unit).scalar_subquery(),
    deferred=True)
#: Sent after the deadline, or not sent and the deadline has passed.
Report.late = column_property(
    or_(and_(Report.submitted_at.is_not(None), clock.local_date(Report.submitted_at) > Report.deadline),
        and_(Report.submitted_at.is_(None), Report.deadline < _TODAY)),
    deferred=True)
# FAB's SQLAInterface reads ``unique`` and ``nullable`` off every mapped column.
for _name in ("form_code", "period_code", "unit_code", "late"):
    Report.__mapper__.columns[_name].unique = False
    Report.__mapper__.columns[_name].nullable = True


class Transition(Model):
    """One workflow step of a report: the history CONTRACT's report detail returns (W9)."""

    __tablename__ = "report_transition"
    __audit__ = False  # the workflow service records its own audit entry for each step

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), nullable=False)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    from_state: Mapped[str] = mapped_column(String(30), nullable=False)
    to_state: Mapped[str] = mapped_column(String(30), nullable=False)
    from_level: Mapped[str | None] = mapped_column(String(50))
    to_level: Mapped[str | None] = mapped_column(String(50))
    actor: Mapped[str] = mapped_column(String(100), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    unit_code: Mapped[str | None] = mapped_column(String(50))
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = clock.stamped_column()

    __table_args__ = (Index("ix_report_transition_report", "report_id", "id"),)


class ValueChange(Model):
    """Every change of every value, old and new: nothing changes silently (W9)."""

    __tablename__ = "report_value_change"
    __audit__ = False

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), nullable=False)
    field_code: Mapped[str] = mapped_column(String(60), nullable=False)
    cell: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    old_number: Mapped[float | None] = mapped_column(Numeric(20, 6))
    old_text: Mapped[str | None] = mapped_column(Text)
    new_number: Mapped[float | None] = mapped_column(Numeric(20, 6))
    new_text: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(30), nullable=False)
    actor: Mapped[str] = mapped_column(String(100), nullable=False)
    at: Mapped[datetime] = clock.stamped_column()

    __table_args__ = (Index("ix_report_value_change_report", "report_id", "id"),)


class Attachment(Model):
    """A file attached to a report (W1, W3): stored by SHA-256, encrypted at rest (S6)."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    #: "scan" (a signed scan), "signed_pdf" (a digitally signed PDF), "other".
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="scan")
    #: For signed PDFs: signer, signing time, integrity, whether the document is unchanged since signing.
    signature: Mapped[dict | None] = mapped_column(JSON)
    uploaded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    uploaded_at: Mapped[datetime] = clock.stamped_column()

    #: The same content is attached to a report once (also serves lookups by report).
    __table_args__ = (UniqueConstraint("report_id", "sha256", name="uq_attachment_report_sha256"),)


VERIFICATION_RESULTS = ("verified", "remark")


class ReportVerification(Model):
    """A sector department's word on a report's final data (H3): "đã xác thực" or "có ý kiến".

    An annotation beside the workflow, not a state of it: the report stays ``approved``. One row
    per report, replaced when the department verifies again; the audit log keeps every one
    (``report.verify``, written by :mod:`core.reporting.verification`). It holds for the approval it
    was given on (``approved_at``): a report reopened and approved again needs verifying again.
    """

    __tablename__ = "report_verification"
    __scope__ = "unit_id"
    __audit__ = False  # recorded once per verification, with the report and the result

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), nullable=False, unique=True)
    #: The verifying department.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    result: Mapped[str] = mapped_column(String(20), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    verified_by: Mapped[str] = mapped_column(String(100), nullable=False)
    verified_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    #: The report's ``approved_at`` when verified: a later approval makes this verification stale.
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)

    report: Mapped[Report] = relationship()
    unit: Mapped[Unit] = relationship()

    __table_args__ = (Index("ix_report_verification_result", "result", "report_id"),)


def verified_clause():
    """SQL: the report (``Report`` in the query) carries a current "đã xác thực" (H3)."""
    v = ReportVerification
    return exists().where(v.report_id == Report.id, v.result == "verified", v.approved_at == Report.approved_at)
