"""The two scheduled jobs: a backup on the province's schedule, and a weekly restore test (S2)."""
from __future__ import annotations

import logging
from pathlib import Path

from core.platform import clock
from core.operations.backup import archive, runs, service
from core.operations.backup.errors import BackupError
from core.platform.extensions import db

log = logging.getLogger(__name__)


def scheduled_backup() -> str:
    """``backup create`` into ``BACKUP_DIR``; a failure is logged in backup_run, then retried by the queue."""
    return str(service.create().file)


def newest_backup(folder: Path) -> Path | None:
    """The newest ``baocao-<UTC time>.bcbk`` (the names sort by time)."""
    found = sorted(folder.glob(f"baocao-*{archive.SUFFIX}")) if folder.is_dir() else []
    return found[-1] if found else None


def restore_test() -> dict:
    """Verify the newest backup as kind ``restore_test``; the result shows on the admin home page.

    A failed test is a result, not a job failure: it is not retried.
    """
    newest = newest_backup(service.backup_dir())
    if newest is None:
        reason = f"no backup in {service.backup_dir()}"
        runs.record("restore_test", clock.utcnow(), False, detail={"error": reason})
        db.session.commit()
        return {"ok": False, "error": reason}
    try:
        outcome = service.verify(newest, kind="restore_test")
    except BackupError as exc:
        log.error("restore test of %s failed: %s", newest, exc)
        return {"ok": False, "file": str(newest), "error": str(exc)}
    return {"ok": True, "file": str(newest), "seconds": outcome.seconds}
