"""The one clock baocao reads: naive UTC, as stored in every DateTime column.

Callers use ``clock.utcnow()`` (not ``from core.platform.clock import utcnow``) so that
tests can move time forward with ``monkeypatch.setattr(clock, "utcnow", ...)``
to check expiry and lockout without sleeping.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import to_user_timezone

from sqlalchemy import Date, DateTime
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import mapped_column
from sqlalchemy.sql.functions import FunctionElement

from core.platform.models.stamps import utc_now  # noqa: F401 (clock.utc_now: the SQL side of the clock)

#: Vietnam has one time zone, UTC+7, and no daylight saving: the calendar day a deadline names.
LOCAL_OFFSET = timedelta(hours=7)
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def stamp() -> datetime:
    """The default of every "when" column (``default=clock.stamp``): the app's clock, the one every explicit
    time is written with, so a defaulted time and a written one agree. A function of its own, not
    ``default=utcnow``: the column keeps this one, which looks ``utcnow`` up at each call, so a test that
    replaces ``clock.utcnow`` moves the defaults too."""
    return utcnow()


def today() -> date:
    """Today in the province (the app's timezone), not the server's."""
    try:
        return to_user_timezone(utcnow()).date()
    except RuntimeError:  # outside an app context: Vietnam's one time zone
        return local(utcnow()).date()


def local(moment: datetime) -> datetime:
    """A stored time (naive UTC) as the time in Vietnam, the only time a screen shows (issue 15)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(VIETNAM)


def local_day(moment: datetime) -> date:
    """The day in Vietnam of a stored (naive UTC) time: 17:30 UTC on the 20th is the 21st there."""
    return (moment + LOCAL_OFFSET).date()


class local_date(FunctionElement):  # noqa: N801 (used like a SQL function)
    """SQL: the day in Vietnam of a naive UTC timestamp column, comparable with a Date (deadlines)."""

    type = Date()
    name = "local_date"
    inherit_cache = True


@compiles(local_date)
def _local_date(element, compiler, **kw):
    hours = int(LOCAL_OFFSET.total_seconds() // 3600)
    return f"CAST(({compiler.process(element.clauses, **kw)} + INTERVAL '{hours} hours') AS DATE)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    hours = int(LOCAL_OFFSET.total_seconds() // 3600)
    return f"date({compiler.process(element.clauses, **kw)}, '+{hours} hours')"


def stamped_column():
    """A row's "when" column (created, uploaded, published): naive UTC, written with the app's clock
    (:func:`stamp`), or with the database's in UTC (:class:`~core.platform.models.stamps.utc_now`) by a row
    inserted by SQL alone."""
    return mapped_column(DateTime, nullable=False, default=stamp, server_default=utc_now())
