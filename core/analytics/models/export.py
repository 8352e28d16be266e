"""Exports (R1): Word templates the board uploads, and export jobs with their progress.

A template is stored by content under ``<instance>/export_templates/<sha256>.docx``;
the row says which form it is for (None: any form without its own). A job is
one file being built in the background; its file becomes visible only when
complete (``status == "done"``), see :mod:`core.analytics.exports.jobs`.
"""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.forms.models.form import Form
from core.forms.models.period import Period
from core.hierarchy.models import Unit
from core.platform import clock

FORMATS = ("xlsx", "csv", "docx", "pdf")
JOB_STATES = ("queued", "running", "done", "failed")


class ExportTemplate(Model):
    """A Word (DOCX) template for exports of one form, or of every form when ``form_id`` is None."""

    __tablename__ = "export_template"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int | None] = mapped_column(ForeignKey("form.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    uploaded_at: Mapped[datetime] = clock.stamped_column()
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())

    form: Mapped[Form | None] = relationship()

    __table_args__ = (Index("ix_export_template_form", "form_id", "active"),)


class ExportJob(Model):
    """One export built in the background: who asked, what, how far it is, and where the file is."""

    __tablename__ = "export_job"
    __scope__ = "unit_id"
    __audit__ = False  # progress changes each chunk; the export itself is audited once, when asked for

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), nullable=False)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id", ondelete="CASCADE"), nullable=False)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="CASCADE"), nullable=False)
    format: Mapped[str] = mapped_column(String(10), nullable=False)
    #: ``as_reported`` or ``current`` (issue 19: totals on either tree).
    tree: Mapped[str] = mapped_column(String(20), nullable=False, default="as_reported", server_default="as_reported")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="queued", server_default="queued")
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    rows_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    rows_total: Mapped[int | None] = mapped_column(Integer)
    #: The download name, ``<form>_<period>_<unit>.<ext>``; ``path`` is where the finished file is stored.
    filename: Mapped[str | None] = mapped_column(String(255))
    path: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = clock.stamped_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    unit: Mapped[Unit] = relationship()
    form: Mapped[Form] = relationship()
    period: Mapped[Period] = relationship()

    __table_args__ = (Index("ix_export_job_requested_by", "requested_by", "id"),)
