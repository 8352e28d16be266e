"""Core's working calendar: Vietnam's public holidays and the government's make-up Saturdays (A8).

The ``holidays`` package keeps the Labour Code's holidays, the lunar ones (Tết, Giỗ Tổ) computed
from the lunar calendar, and the days off the government moved in past years, with the Saturdays
worked in exchange (``weekend_workdays``). A province adds its own days through the same hook;
the administrator adds the year's decisions not yet in the package on the *Working calendar* screen.
"""
from __future__ import annotations

import holidays

from core.contracts import CalendarDay
from core.hookspecs import hookimpl


@hookimpl(trylast=True)
def calendar_days(year: int) -> list[CalendarDay]:
    national = holidays.country_holidays("VN", years=year, language="vi")
    days = [CalendarDay(day, working=False, name=name) for day, name in sorted(national.items())
            if day.weekday() < 5]
    days += [CalendarDay(day, working=True, name="Ngày làm việc bù")
             for day in sorted(national.weekend_workdays) if day.year == year]
    return days
