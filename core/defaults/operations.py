"""Core's operations answers: backups twice per working week, 24 hours' notice of maintenance."""
from core.hookspecs import hookimpl

#: Tuesday and Friday at 02:00: twice per working week (Cao Bằng Đ5.1), the days 3 and 4 apart.
TWICE_PER_WORKING_WEEK = "0 2 * * 2,5"
LEAD_TIME_HOURS = 24


@hookimpl(trylast=True)
def backup_schedule() -> str:
    return TWICE_PER_WORKING_WEEK


@hookimpl(trylast=True)
def maintenance_lead_time() -> float:
    return LEAD_TIME_HOURS
