"""Core's yearly usage report (R10): the operator reports to the province before 31 December."""
from core.contracts import ScheduledJob
from core.hookspecs import hookimpl


@hookimpl(trylast=True)
def scheduled_jobs() -> list[ScheduledJob]:
    return [
        ScheduledJob(
            name="core.usage_yearly",
            cron="0 6 15 12 *",
            func="core.analytics.usage:yearly_report",
            description="Writes the year's usage and status report (instance/reports/usage-<year>.xlsx).",
        ),
    ]
