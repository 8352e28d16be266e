"""Report assignments and their values (F5, F7, F8; the workflow of issue 5 moves ``state``).

One row per (form, period, unit): the unique constraint makes the assignment
job idempotent and safe when two runs race. Values live in a long table, one
row per field and disaggregation cell, so totals are SQL ``SUM``s.
"""
from __future__ import annotations

from datetime import date, datetime

from flask_appbuilder import Model
from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.form import Form, FormVersion
from core.models.period import Period
from core.models.unit import Unit

STATES = ("draft", "submitted", "approved", "returned", "correction_requested")


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
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=func.now())

    form: Mapped[Form] = relationship()
    period: Mapped[Period] = relationship()
    from_unit: Mapped[Unit] = relationship()
    parent: Mapped["Request | None"] = relationship(remote_side=[id])


class Report(Model):
    """The assignment of one form for one period to one unit, and where it stands."""

    __tablename__ = "report"
    __scope__ = "unit_id"
    __sector__ = "form_id"  # a sector department sees its sector's reports everywhere (H3)

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
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)

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
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: When the e-mail copy went out (None: not sent, or no mail server configured).
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime)

    unit: Mapped[Unit] = relationship()

    #: One reminder of each kind per report, however often the job runs.
    __table_args__ = (UniqueConstraint("report_id", "kind", name="uq_notification_report_kind"),
                      Index("ix_notification_unit_unread", "unit_id", "read_at"))
