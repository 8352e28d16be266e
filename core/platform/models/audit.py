"""The audit log: append-only and hash-chained (REQUIREMENTS S5, S8).

Each entry stores the previous entry's hash and the HMAC-SHA256, under ``AUDIT_KEY`` (kept in the
instance config, not in the database), of ``prev_hash + canonical content``; ``key_id`` names the
key, so a rotated key leaves old entries verifiable. Entries written before the key existed have
``key_id`` NULL and a plain SHA-256. Editing or deleting any row in SQL breaks the chain at that row,
and without the key it cannot be recomputed. ``AuditHead`` is a one-row table holding the newest
``seq`` and hash.

A request writes its entries *pending* (``seq``, ``prev_hash``, ``hash`` NULL; ``mac`` the HMAC of
the content), in its own transaction and without touching ``AuditHead``; one chainer
(``core.platform.audit_chainer``) then gives them their place in the chain, in id order, in batches.
So appends never queue on one row, and a committed change always has its (pending) entry.

``AuditCheckpoint`` rows are signed statements "entry ``seq`` had hash ``hash`` at ``at``", exported
and kept away from the database, so even a rewrite by someone holding the key is caught.
``AccessEntry`` rows (downloads, refusals, logouts) are written with a single insert and no chain
lock; a scheduled seal puts them under the chain in batches (``core.platform.access_log``).
"""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import DateTime, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

GENESIS_HASH = "0" * 64


class AuditEntry(Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The place in the chain; NULL while the entry is pending (written, not yet chained).
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
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
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    #: The id of the AUDIT_KEY the hash is an HMAC under; NULL: plain SHA-256 (before the key existed).
    key_id: Mapped[str | None] = mapped_column(String(8))
    #: The HMAC of the content (``audit_chain.pending_mac``), written with the entry, checked by the
    #: chainer before it chains the entry and by ``audit verify`` while it waits. NULL before 0018.
    mac: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_entry_pending", "id", postgresql_where=text("seq IS NULL"),
              sqlite_where=text("seq IS NULL")),
        Index("ix_audit_entry_at", "at"),
        Index("ix_audit_entry_actor", "actor"),
        Index("ix_audit_entry_action", "action"),
        Index("ix_audit_entry_object", "object_type", "object_id"),
    )

    @property
    def pending(self) -> bool:
        return self.seq is None

    def __repr__(self) -> str:
        return f"<AuditEntry {self.seq} {self.action} {self.object_type}:{self.object_id}>"


class AuditHead(Model):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, default=GENESIS_HASH)


class AuditCheckpoint(Model):
    """A signed statement of the chain's head at one moment; see ``core.platform.audit_verify``."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    key_id: Mapped[str] = mapped_column(String(8), nullable=False)
    signature: Mapped[str] = mapped_column(String(64), nullable=False)


class AccessEntry(Model):
    """One access to data that changes nothing: a download, a refusal (403/404), a logout.

    ``mac`` is the HMAC of the row under AUDIT_KEY; ``sealed_by`` is set when a seal (an
    ``audit.access_sealed`` entry in the chain) takes the row in, and names that batch.
    """

    __tablename__ = "audit_access"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    unit_code: Mapped[str | None] = mapped_column(String(50))
    ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    method: Mapped[str | None] = mapped_column(String(10))
    path: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[int | None] = mapped_column(Integer)
    #: JSON: the endpoint, its URL arguments, the file name and size of a download.
    details: Mapped[str | None] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(8), nullable=False)
    mac: Mapped[str] = mapped_column(String(64), nullable=False)
    sealed_by: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_audit_access_at", "at"),
        Index("ix_audit_access_actor", "actor"),
        Index("ix_audit_access_sealed_by", "sealed_by"),
    )
