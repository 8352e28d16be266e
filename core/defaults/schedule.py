"""Core's scheduled jobs: the worker heartbeat, the daily assignment of reports with reminders, the
data exchange (the outbox to the national system, the intake sources that are due), the audit log's
seal of access entries and its signed checkpoints, the backups on the province's schedule
(``backup_schedule``) and the weekly restore test (S2)."""
import logging

from flask import current_app

from core.contracts import ScheduledJob
from core.defaults.operations import TWICE_PER_WORKING_WEEK
from core.hookspecs import hookimpl

log = logging.getLogger(__name__)


def _backup_cron() -> str:
    """The ``backup_schedule`` answer; a cron text croniter cannot read must not stop every other job."""
    from croniter import croniter

    cron = current_app.extensions["baocao.plugins"].hook.backup_schedule()
    if isinstance(cron, str) and croniter.is_valid(cron):
        return cron
    log.error("backup_schedule answered %r, not a cron schedule: backing up at %s", cron, TWICE_PER_WORKING_WEEK)
    return TWICE_PER_WORKING_WEEK


@hookimpl(trylast=True)
def scheduled_jobs() -> list[ScheduledJob]:
    return [
        ScheduledJob(
            name="core.heartbeat",
            cron="* * * * *",
            func="core.platform.jobs:heartbeat",
            description="Records that a worker is alive, for /health.",
        ),
        ScheduledJob(
            name="core.assign",
            cron="15 0 * * *",
            func="core.reporting.assignment:daily",
            description="Creates the reports whose period opened (F7) and sends deadline reminders.",
        ),
        ScheduledJob(
            name="core.exchange.deliver",
            cron="* * * * *",
            func="core.exchange.outbox:deliver",
            description="Sends the outbox's due messages to the national reporting system (R3).",
        ),
        ScheduledJob(
            name="core.exchange.intake",
            cron="* * * * *",
            func="core.exchange.intake:run_due",
            description="Pulls the intake sources whose schedule falls due this minute (R6).",
        ),
        ScheduledJob(
            name="core.audit.seal",
            cron="* * * * *",
            func="core.platform.access_log:seal_job",
            description="Takes the access log's new entries (downloads, refusals, logouts) into the audit chain.",
        ),
        ScheduledJob(
            name="core.audit.checkpoint",
            cron=current_app.config["AUDIT_CHECKPOINT_CRON"],
            func="core.platform.access_log:checkpoint_job",
            description="Signs the audit chain's head (a checkpoint to export and keep elsewhere).",
        ),
        ScheduledJob(
            name="core.backup",
            cron=_backup_cron(),
            func="core.operations.backup.jobs:scheduled_backup",
            description="Writes an encrypted backup to BACKUP_DIR on the province's schedule (S2).",
        ),
        ScheduledJob(
            name="core.restore_test",
            cron=current_app.config["BACKUP_RESTORE_TEST_CRON"],
            func="core.operations.backup.jobs:restore_test",
            description="Restores the newest backup into a scratch database and checks it (S2).",
        ),
    ]
