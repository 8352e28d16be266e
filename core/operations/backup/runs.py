"""The ``backup_run`` log: one row per create, verify, restore and automatic restore test."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import inspect, select

from core.platform import clock
from core.platform.extensions import db
from core.operations.models.backup import BackupRun


def start(kind: str, file: str | None = None) -> int:
    """A row with ``ok`` NULL, committed at once, so a run that dies midway still shows."""
    row = BackupRun(kind=kind, started_at=clock.utcnow(), file=file)
    db.session.add(row)
    db.session.commit()
    return row.id


def finish(run_id: int, ok: bool, **values) -> None:
    row = db.session.get(BackupRun, run_id)
    row.finished_at, row.ok = clock.utcnow(), ok
    for name, value in values.items():
        setattr(row, name, value)
    db.session.commit()


def record(kind: str, started_at: datetime, ok: bool, **values) -> int | None:
    """One finished run in one go (after a restore, whose database did not exist when it began).

    Returns None when the restored database predates the ``backup_run`` table.
    """
    if not inspect(db.session.connection()).has_table(BackupRun.__tablename__):
        return None
    row = BackupRun(kind=kind, started_at=started_at, finished_at=clock.utcnow(), ok=ok, **values)
    db.session.add(row)
    db.session.flush()
    return row.id


def last(kind: str, ok: bool | None = None) -> BackupRun | None:
    """The newest finished run of ``kind`` (only good ones with ``ok=True``)."""
    query = select(BackupRun).where(BackupRun.kind == kind, BackupRun.finished_at.is_not(None))
    if ok is not None:
        query = query.where(BackupRun.ok.is_(ok))
    return db.session.execute(query.order_by(BackupRun.finished_at.desc(), BackupRun.id.desc()).limit(1)).scalar()


def completed_in_backup(run_id: int | None, created_at: str) -> None:
    """A restored database holds its own backup's run as still running (the snapshot was taken
    mid-run): the restore proves that run succeeded, so say so."""
    if run_id is None or not inspect(db.session.connection()).has_table(BackupRun.__tablename__):
        return
    row = db.session.get(BackupRun, run_id)
    if row is not None and row.kind == "create" and row.ok is None:
        row.ok, row.finished_at = True, row.started_at
        row.detail = {**(row.detail or {}), "completed": f"restored from the backup made at {created_at}"}
        db.session.commit()
