"""Operations: every backup run (S2) and the maintenance notices shown to the units (S3)."""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from core.platform import clock

#: What a run did: make a backup, check one, put one back, or the weekly automatic check.
BACKUP_KINDS = ("create", "verify", "restore", "restore_test")


class BackupRun(Model):
    """One ``baocao backup`` run or scheduled job; ``ok`` is NULL while it runs."""

    __tablename__ = "backup_run"
    #: core.operations.backup records "backup.create/verify/restore" events instead of row diffs.
    __audit__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    ok: Mapped[bool | None] = mapped_column(Boolean)
    file: Mapped[str | None] = mapped_column(String(500))
    size: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_backup_run_kind_started", "kind", "started_at"),)

    def __repr__(self) -> str:
        return f"<BackupRun {self.id} {self.kind} ok={self.ok}>"


class MaintenanceNotice(Model):
    """A planned (or emergency) maintenance window, announced on every page and API answer (S3)."""

    __tablename__ = "maintenance_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    emergency: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = clock.stamped_column()

    __table_args__ = (Index("ix_maintenance_notice_ends_at", "ends_at"),)

    def __repr__(self) -> str:
        return f"<MaintenanceNotice {self.id} {self.starts_at}–{self.ends_at}>"
