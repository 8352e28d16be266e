"""Reporting periods stored once per code, and schedules saying which forms fall due (F3, F4, F7)."""
from __future__ import annotations

from datetime import date

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.forms.models.form import Form


class Period(Model):
    """A period as built by :mod:`core.forms.periods` from its code and the rules then in force.

    Stored, not recomputed, so that a later change of plugin rules never moves
    the deadline of reports already assigned.
    """

    __tablename__ = "period"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    start: Mapped[date] = mapped_column(Date, nullable=False)
    end: Mapped[date] = mapped_column(Date, nullable=False)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    opens: Mapped[date] = mapped_column(Date, nullable=False)
    closes: Mapped[date] = mapped_column(Date, nullable=False)

    __table_args__ = (Index("ix_period_type_opens", "type", "opens"),)

    def __repr__(self) -> str:
        return f"{self.name} ({self.code})"


class Schedule(Model):
    """"Form F is due every <period type> from units of these levels" (F7)."""

    __tablename__ = "schedule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id", ondelete="CASCADE"), nullable=False)
    period_type: Mapped[str] = mapped_column(String(20), nullable=False)
    #: Comma-separated level codes of the hierarchy, e.g. "commune,district".
    levels: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())
    #: Comma-separated period indexes of the year it applies to ("1,3": quý I and III); NULL: all.
    indexes: Mapped[str | None] = mapped_column(String(50))
    #: "board" or "plugin:<name>", like forms.
    source: Mapped[str] = mapped_column(String(100), nullable=False, default="board")

    form: Mapped[Form] = relationship()

    __table_args__ = (UniqueConstraint("form_id", "period_type", name="uq_schedule_form_type"),)

    @property
    def level_codes(self) -> list[str]:
        return [c.strip() for c in self.levels.split(",") if c.strip()]

    @property
    def index_set(self) -> frozenset[int]:
        """The period indexes it applies to; empty: every period of its type."""
        return frozenset(int(i) for i in (self.indexes or "").split(",") if i.strip())
