"""Technical incidents and their handling (S4, HN Đ12.2/Đ12.5): what happened, how bad, what was done.

Every change is audited by the ORM audit listener like any other row (S5).
"""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.platform import clock

#: Impact classes (HN Đ12.5), mildest first.
IMPACTS = ("low", "medium", "high", "critical")
STATUSES = ("open", "resolved")


class Incident(Model):
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    detected_at: Mapped[datetime | None] = mapped_column(DateTime)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(String(20), nullable=False, default="low")
    category: Mapped[str | None] = mapped_column(String(100))
    actions_taken: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    reported_by: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    created_at: Mapped[datetime] = clock.stamped_column()

    __table_args__ = (
        CheckConstraint("impact IN ('low', 'medium', 'high', 'critical')", name="ck_incident_impact"),
        CheckConstraint("status IN ('open', 'resolved')", name="ck_incident_status"),
        Index("ix_incident_occurred", "occurred_at"),
        Index("ix_incident_status", "status", "impact"),
    )

    def __repr__(self) -> str:
        return self.title
