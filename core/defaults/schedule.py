"""Core's scheduled jobs: the worker heartbeat, the daily assignment of reports with reminders,
the backups on the province's schedule (``backup_schedule``) and the weekly restore test (S2)."""
from flask import current_app

from core.contracts import ScheduledJob
from core.hookspecs import hookimpl


@hookimpl(trylast=True)
def scheduled_jobs() -> list[ScheduledJob]:
    return [
        ScheduledJob(
            name="core.heartbeat",
            cron="* * * * *",
            func="core.jobs:heartbeat",
            description="Records that a worker is alive, for /health.",
        ),
        ScheduledJob(
            name="core.assign",
            cron="15 0 * * *",
            func="core.assignment:daily",
            description="Creates the reports whose period opened (F7) and sends deadline reminders.",
        ),
        ScheduledJob(
            name="core.backup",
            cron=current_app.extensions["baocao.plugins"].hook.backup_schedule(),
            func="core.backup.jobs:scheduled_backup",
            description="Writes an encrypted backup to BACKUP_DIR on the province's schedule (S2).",
        ),
        ScheduledJob(
            name="core.restore_test",
            cron=current_app.config["BACKUP_RESTORE_TEST_CRON"],
            func="core.backup.jobs:restore_test",
            description="Restores the newest backup into a scratch database and checks it (S2).",
        ),
    ]
