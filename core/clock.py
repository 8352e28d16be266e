"""The one clock baocao reads: naive UTC, as stored in every DateTime column.

Callers use ``clock.utcnow()`` (not ``from core.clock import utcnow``) so that
tests can move time forward with ``monkeypatch.setattr(clock, "utcnow", ...)``
to check expiry and lockout without sleeping.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: Vietnam has one time zone, UTC+7, and no daylight saving: the calendar day a deadline names.
LOCAL_OFFSET = timedelta(hours=7)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def today() -> date:
    """Today in Vietnam: the day periods open, deadlines fall and reminders are due (00:15 there is not
    yesterday, as ``utcnow().date()`` would say until 07:00)."""
    return local_day(utcnow())


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
