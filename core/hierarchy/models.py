"""Units and their account holders (REQUIREMENTS H1, A1, A2).

A unit's ``path`` is the chain of ids from the root (``/1/7/42/``), so "my
subtree" is one indexed prefix match, never a recursive walk in Python.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy import select
from sqlalchemy.orm import Mapped, aliased, column_property, mapped_column, relationship

from core.platform import clock
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
    started_at: Mapped[datetime] = clock.stamped_column()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)

    unit: Mapped[Unit] = relationship(backref="holders")

    __table_args__ = (Index("ix_unit_holder_unit", "unit_id", "ended_at"),)


# --- History: the dated tree and its reorganisations (issue 19; docs/reorganisation.md) -------------------
#
# ``Unit`` keeps the CURRENT tree (its ``path`` is where the unit sits today, or sat on its last day if it
# is closed), so every screen that asks "my subtree" stays one prefix match. The past lives beside it:
#
# * ``UnitVersion``: one row per stretch of time in which a unit had one name, parent, level and path.
#   The tree "as of" a date is one query: the versions whose [valid_from, valid_to] holds that date; the
#   subtree of a unit as of a date is the same query with a prefix match on that version's ``path``.
# * ``Reorganisation``: one event (merges, splits, renames, re-parenting, a level removed), all effective
#   on one date, with its legal basis; previewed as a draft, applied all or nothing.
# * ``UnitSuccession``: the event's direct edges, predecessor → successor with a share (1 for a whole
#   unit, the decision's population or area share for a part of a split unit).
# * ``UnitLineage``: the edges folded over every event, kept by the reorganisation service: for the
#   reports a unit made while it was in one configuration (``reported_from``..``reported_to``, report
#   dates = the period's end), which CURRENT units they count towards and with which share. A unit with
#   no row for a date counts wholly towards itself, so the table holds only units some event touched and
#   the "current tree" roll-up is one LEFT JOIN with ``COALESCE(current_unit_id, unit_id)`` and
#   ``COALESCE(share, 1)``.
#
# Dates are inclusive (``valid_to`` is the last day), NULL means "open", as on ``Unit``.


class UnitVersion(Model):
    __tablename__ = "unit_version"
    __scope__ = "unit_id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    level: Mapped[str] = mapped_column(String(50), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    path: Mapped[str] = mapped_column(String(500), nullable=False)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    reorganisation_id: Mapped[int | None] = mapped_column(ForeignKey("reorganisation.id", ondelete="RESTRICT"))

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id], backref="versions")

    __table_args__ = (
        Index("ix_unit_version_unit", "unit_id", "valid_from"),
        Index("ix_unit_version_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
        Index("ix_unit_version_parent", "parent_id"),
    )


class Reorganisation(Model):
    __tablename__ = "reorganisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    legal_basis: Mapped[str] = mapped_column(String(500), nullable=False)
    effective: Mapped[date] = mapped_column(Date, nullable=False)
    #: ``draft`` (editable, previewable) or ``applied`` (frozen: its edges are history).
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    #: What happens to open reports of closed units: ``move`` (to the successor) or ``close`` (with a reason).
    open_reports: Mapped[str] = mapped_column(String(20), nullable=False, default="move")
    #: The steps as entered (JSON list of {"kind": merge|split|rename|reparent|remove_level|create, ...}).
    steps: Mapped[str] = mapped_column(String, nullable=False, default="[]")
    #: Where the steps came from ("vietnamadminunits 1.0.4, converter_2025", "nhập tay", a plugin name).
    source: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = clock.stamped_column()
    applied_by: Mapped[str | None] = mapped_column(String(100))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index("ix_reorganisation_effective", "effective"),)


class UnitSuccession(Model):
    __tablename__ = "unit_succession"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reorganisation_id: Mapped[int] = mapped_column(ForeignKey("reorganisation.id", ondelete="RESTRICT"),
                                                   nullable=False)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False)
    successor_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False)
    share: Mapped[Decimal] = mapped_column(Numeric(12, 10), nullable=False, default=1)

    __table_args__ = (
        Index("ix_unit_succession_pred", "predecessor_id"),
        Index("ix_unit_succession_succ", "successor_id"),
        Index("uq_unit_succession", "reorganisation_id", "predecessor_id", "successor_id", unique=True),
    )


class UnitLineage(Model):
    __tablename__ = "unit_lineage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False)
    current_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False)
    share: Mapped[Decimal] = mapped_column(Numeric(12, 10), nullable=False)
    reported_from: Mapped[date | None] = mapped_column(Date)
    reported_to: Mapped[date] = mapped_column(Date, nullable=False)

    __table_args__ = (
        Index("ix_unit_lineage_unit", "unit_id", "reported_to"),
        Index("ix_unit_lineage_current", "current_unit_id"),
    )
