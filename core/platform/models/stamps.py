"""The server-side default of the "when" columns: the current time as naive UTC, in SQL.

Every time is stored as naive UTC (core/platform/clock.py). PostgreSQL's ``now()`` stored in a
``timestamp without time zone`` is the time in the session's ``TimeZone``, which a server installed in
Vietnam takes from its system: Asia/Ho_Chi_Minh, seven hours ahead of UTC, so a row stamped by it was
shown seven hours later than it happened. Here (in the models package, which imports nothing of the
platform's modules) so that the platform's own models can use it too.
"""
from __future__ import annotations

from sqlalchemy import DateTime
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class utc_now(FunctionElement):  # noqa: N801 (used like a SQL function)
    """SQL: the current time as naive UTC, whatever the database session's time zone."""

    type = DateTime()
    name = "utc_now"
    inherit_cache = True


@compiles(utc_now)
def _utc_now(element, compiler, **kw):
    return "CURRENT_TIMESTAMP"  # SQLite's is UTC


@compiles(utc_now, "postgresql")
def _utc_now_postgresql(element, compiler, **kw):
    return "(now() AT TIME ZONE 'utc')"
