"""Core's scheduled jobs: the worker heartbeat, the daily assignment of reports with reminders, and
the data exchange (the outbox to the national system, the intake sources that are due)."""
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
    ]
