"""The administrator's own days in the working calendar (A8): make-up Saturdays and extra days off.

The government decides each year which Saturdays are worked in exchange for a longer Tết or
National Day break, and a province may give an extra day off; the ``holidays`` package and the
plugins cannot know a decision made last week. Rows here override every other source. Every
change is audited by the ORM audit listener like any other row (S5).
"""
from __future__ import annotations

from datetime import date, datetime

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.platform.models.stamps import utc_now


class WorkingCalendarDay(Model):
    __tablename__ = "working_calendar_day"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False, unique=True)
    #: True: worked although a weekend or holiday (ngày làm việc bù); False: a day off (ngày nghỉ).
    working: Mapped[bool] = mapped_column(Boolean, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=utc_now())

    def __repr__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.name}"
