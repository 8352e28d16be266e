"""Working days (A8): the one answer to "which day is n working days after this one".

Account requests are due one working day after receipt (QN-R Đ6.5, HN Đ9.7); every count of
working days in the product goes through :func:`add_working_days`. A day is a working day when
it is Monday to Friday, unless a source says otherwise. Sources, strongest first:

1. the administrator's rows (:class:`~core.platform.models.calendar.WorkingCalendarDay`, the
   *Working calendar* screen), for the year's decisions no package knows yet;
2. the ``calendar_days`` hook: province plugins first, then core's default
   (:mod:`core.defaults.calendar`: Vietnam's holidays with lunar Tết, from ``holidays``).

The hook's answers are kept per process and plugin set (a year is asked once); the
administrator's rows are read in one small query per call, so a change applies at once.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, has_app_context
from sqlalchemy import select

from core.platform.models.calendar import WorkingCalendarDay

#: A chain of days off longer than this is a wrong calendar, not a holiday: stop looking.
LONGEST_BREAK = 60
_hook_cache: dict[tuple[int, int], dict[date, tuple[bool, str]]] = {}


def _plugin_days(year: int) -> dict[date, tuple[bool, str]]:
    """``{day: (working, name)}`` of the ``calendar_days`` hook for ``year``; earlier answers win."""
    if has_app_context() and "baocao.plugins" in current_app.extensions:
        plugins = current_app.extensions["baocao.plugins"]
        key = (id(plugins.pm), year)
        if key not in _hook_cache:
            days: dict[date, tuple[bool, str]] = {}
            for answer in plugins.hook.calendar_days(year=year):
                for entry in answer or ():
                    if entry.day.year == year:
                        days.setdefault(entry.day, (bool(entry.working), entry.name))
            _hook_cache[key] = days
        return _hook_cache[key]
    return {}  # no app: weekends only (every caller runs inside the app)


def _admin_days(session, first: date, last: date) -> dict[date, tuple[bool, str]]:
    if session is None:
        return {}
    rows = session.execute(select(WorkingCalendarDay.day, WorkingCalendarDay.working, WorkingCalendarDay.name)
                           .where(WorkingCalendarDay.day.between(first, last)))
    return {day: (working, name) for day, working, name in rows}


def special_days(session, first: date, last: date) -> dict[date, tuple[bool, str]]:
    """Every day between ``first`` and ``last`` that is not what its weekday says, with its name."""
    days: dict[date, tuple[bool, str]] = {}
    for year in range(first.year, last.year + 1):
        days.update({d: v for d, v in _plugin_days(year).items() if first <= d <= last})
    days.update(_admin_days(session, first, last))
    return days


def _working(day: date, special: dict) -> bool:
    if day in special:
        return special[day][0]
    return day.weekday() < 5


def is_working_day(session, day: date) -> bool:
    return _working(day, special_days(session, day, day))


def add_working_days(session, day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (``day`` itself never counts; n >= 1).

    Received on Friday 13/2/2026, the eve of the Tết break: one working day later is Monday
    23/2/2026. Received on a Saturday: Monday, the first working day.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    horizon = day + timedelta(days=n * 7 // 5 + LONGEST_BREAK)
    special = special_days(session, day + timedelta(days=1), horizon)
    current, left = day, n
    while left:
        current += timedelta(days=1)
        if current > horizon:
            raise ValueError(f"no {n} working days within {LONGEST_BREAK} days after {day}")
        if _working(current, special):
            left -= 1
    return current


def working_days_between(session, start: date, end: date) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (0 when end <= start)."""
    if end <= start:
        return 0
    special = special_days(session, start + timedelta(days=1), end)
    return sum(_working(start + timedelta(days=i), special) for i in range(1, (end - start).days + 1))
