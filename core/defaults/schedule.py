"""Core's scheduled jobs: none of its own yet beyond the worker heartbeat."""
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
        )
    ]
