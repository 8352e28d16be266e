"""Large exports as background jobs (R1): progress while building, the file published only when complete.

:func:`queue` records an :class:`~core.models.ExportJob` and enqueues
:func:`run_export` after the commit (:func:`core.platform.jobs.enqueue`). The job
builds the file in chunks of rows, committing ``progress`` after each, into a
temporary file in the job's own folder, and renames it into place only when
complete: a partial file is never visible, and ``done`` is set only after the
rename. A failure removes the temporary file, marks the job ``failed`` with a
message for the user (the details go to the log) and re-raises, so the jobs
layer retries it; a retry starts over.
"""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from core.platform import audit, clock, jobs
from core.analytics import exports
from core.analytics.exports import document
from core.platform.extensions import db
from core.analytics.models.export import ExportJob
from core.forms.models.form import Form
from core.forms.models.period import Period
from core.hierarchy.models import Unit

log = logging.getLogger(__name__)


def storage_root() -> Path:
    return Path(current_app.config.get("EXPORT_DIR") or Path(current_app.instance_path) / "exports")


def queue(session, account, form: Form, period: Period, unit: Unit, fmt: str, tree: str = "as_reported") -> ExportJob:
    """Record the job and enqueue it after the caller commits."""
    job = ExportJob(requested_by=account.id, unit_id=unit.id, form_id=form.id, period_id=period.id, format=fmt,
                    tree=tree,
                    status="queued", progress=0, rows_done=0,
                    filename=exports.filename(form.code, period.code, unit.code, fmt))
    session.add(job)
    session.flush()
    audit.record("export.queue", "ExportJob", job.id, {"form": form.code, "period": period.code, "unit": unit.code,
                                                        "format": fmt, "tree": tree}, session=session)
    jobs.enqueue(run_export, job.id, key=f"export-{job.id}")
    return job


def find(session, pk: int, account) -> ExportJob | None:
    """The account's own job, in its scope (a system administrator sees every job)."""
    from sqlalchemy import select

    from core.hierarchy.scope import condition, is_system_admin

    query = select(ExportJob).where(ExportJob.id == pk, condition(ExportJob, account))
    if not is_system_admin(account):
        query = query.where(ExportJob.requested_by == account.id)
    return session.scalar(query)


def _progress(job_id: int):
    def report(done: int, total: int) -> None:
        job = db.session.get(ExportJob, job_id)
        job.rows_done, job.rows_total = done, total
        job.progress = min(99, (100 * done) // total) if total else 99  # 100 only once published
        db.session.commit()
    return report


def run_export(job_id: int) -> str | None:
    """Build the job's file; returns its path (None for a job that no longer exists)."""
    job = db.session.get(ExportJob, job_id)
    if job is None:
        return None
    if job.status == "done" and job.path and Path(job.path).exists():
        return job.path  # already published: a repeated run changes nothing
    job.status, job.progress, job.rows_done, job.error, job.finished_at = "running", 0, 0, None, None
    db.session.commit()
    folder = storage_root() / str(job.id)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / job.filename
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            document.export(db.session, job.form, job.period, job.unit, job.format, out, seq=job.id,
                            progress=_progress(job_id), tree=job.tree)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except Exception as exc:
        Path(tmp).unlink(missing_ok=True)
        db.session.rollback()
        log.exception("export job %s failed", job_id)
        failed = db.session.get(ExportJob, job_id)
        failed.status, failed.finished_at = "failed", clock.utcnow()
        failed.error = _("The export could not be completed (%(error)s). It is tried again automatically; "
                         "if it keeps failing, tell the system administrator.", error=type(exc).__name__)
        db.session.commit()
        raise
    job = db.session.get(ExportJob, job_id)
    job.status, job.progress, job.path, job.finished_at = "done", 100, str(target), clock.utcnow()
    db.session.commit()
    return str(target)
