"""Units and their account holders (REQUIREMENTS H1, A1, A2).

A unit's ``path`` is the chain of ids from the root (``/1/7/42/``), so "my
subtree" is one indexed prefix match, never a recursive walk in Python.
"""
from __future__ import annotations

from datetime import date, datetime

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy import select
from sqlalchemy.orm import Mapped, aliased, column_property, mapped_column, relationship

from core.platform.crypto import EncryptedText

KINDS = ("board", "department", "district", "commune")


class Unit(Model):
    __tablename__ = "unit"
    __scope__ = "path"  # see core.hierarchy.scope

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    level: Mapped[str] = mapped_column(String(50), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    sector: Mapped[str | None] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    path: Mapped[str] = mapped_column(String(500), nullable=False, default="/")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], backref="children")

    __table_args__ = (
        Index("ix_unit_parent", "parent_id"),
        Index("ix_unit_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
        Index("ix_unit_level", "level"),
    )

    def __repr__(self) -> str:
        return f"{self.name} ({self.code})"


#: ``Unit.parent_code``: the parent's code as a flat, filterable column (API, exports).
#: Deferred, so ordinary unit queries do not pay for the subquery; FAB's REST API
#: undefers it when it selects the column.
_Parent = aliased(Unit, name="parent_unit")
Unit.parent_code = column_property(
    select(_Parent.code).where(_Parent.id == Unit.parent_id).correlate_except(_Parent).scalar_subquery(),
    deferred=True,
)
# FAB's SQLAInterface reads ``unique`` and ``nullable`` off every mapped column; an
# expression has neither, so say what they are: a nullable, non-unique string.
Unit.__mapper__.columns["parent_code"].unique = False
Unit.__mapper__.columns["parent_code"].nullable = True


class UnitHolder(Model):
    """Who holds a unit's account, and since when: the roster with its history (A2, A6)."""

    __tablename__ = "unit_holder"
    __scope__ = "unit_id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    title: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(200))
    #: Contact details, encrypted at rest (S6); not searchable or sortable in SQL (see core.platform.crypto).
    phone: Mapped[str | None] = mapped_column(EncryptedText())
    email: Mapped[str | None] = mapped_column(EncryptedText())
    started_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=func.now())
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)

    unit: Mapped[Unit] = relationship(backref="holders")

    __table_args__ = (Index("ix_unit_holder_unit", "unit_id", "ended_at"),)
