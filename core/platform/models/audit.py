"""The audit log: append-only and hash-chained (REQUIREMENTS S5, S8).

Each entry stores the previous entry's hash and the SHA-256 of
``prev_hash + canonical content``, so editing or deleting any row in SQL
breaks the chain at that row. ``AuditHead`` is a one-row table holding the
newest ``seq`` and hash; writers update it first, which serialises appends on
every database (a row lock on PostgreSQL, the write lock on SQLite).
"""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

GENESIS_HASH = "0" * 64


class AuditEntry(Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    unit_code: Mapped[str | None] = mapped_column(String(50))
    ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    object_type: Mapped[str | None] = mapped_column(String(100))
    object_id: Mapped[str | None] = mapped_column(String(100))
    #: JSON: for updates ``{field: [before, after]}``; otherwise the event's details.
    changes: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (
        Index("ix_audit_entry_at", "at"),
        Index("ix_audit_entry_actor", "actor"),
        Index("ix_audit_entry_action", "action"),
        Index("ix_audit_entry_object", "object_type", "object_id"),
    )

    def __repr__(self) -> str:
        return f"<AuditEntry {self.seq} {self.action} {self.object_type}:{self.object_id}>"


class AuditHead(Model):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, default=GENESIS_HASH)
