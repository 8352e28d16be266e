"""Core's scheduled jobs: the worker heartbeat, and the daily assignment of reports with reminders."""
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
    ]
