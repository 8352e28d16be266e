"""Maintenance notices (REQUIREMENTS S3): a banner on every page and a header on every API answer.

A planned notice shows from ``maintenance_lead_time()`` hours before it starts (24 by default,
48 in Hà Nội) until it ends; an emergency notice shows at once. API answers under ``/api/``
carry ``X-Baocao-Maintenance: <start>/<end>`` (ISO 8601, UTC) for the same window, so that
integrations can plan around it.

Each process keeps the notices that have not ended yet for ``MAINTENANCE_CACHE_SECONDS``
(5 s): the deadline spike must not pay one more query per request. A change made on the admin
screen clears this process's copy at once; other processes see it within those seconds.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app, request
from sqlalchemy import select

from core import clock

log = logging.getLogger(__name__)
EXTENSION = "baocao.maintenance"
HEADER = "X-Baocao-Maintenance"


@dataclass(frozen=True)
class Notice:
    id: int
    starts_at: datetime  # naive UTC, like every stored time
    ends_at: datetime
    message: str
    emergency: bool

    @property
    def interval(self) -> str:
        """ISO 8601 interval in UTC: ``2026-11-22T15:00:00Z/2026-11-22T17:00:00Z``."""
        return f"{self.starts_at.isoformat(timespec='seconds')}Z/{self.ends_at.isoformat(timespec='seconds')}Z"


def lead_time() -> timedelta:
    hours = current_app.extensions["baocao.plugins"].hook.maintenance_lead_time()
    try:
        return timedelta(hours=float(hours))
    except (TypeError, ValueError):
        log.error("maintenance_lead_time answered %r, not a number of hours: using 24", hours)
        return timedelta(hours=24)


def forget(app: Flask | None = None) -> None:
    """Drop this process's cached notices (after a change on the admin screen)."""
    (app or current_app).extensions.pop(EXTENSION, None)


def _not_ended() -> list[Notice]:
    from core.extensions import db
    from core.models import MaintenanceNotice

    app = current_app._get_current_object()
    cached = app.extensions.get(EXTENSION)
    if cached is not None and time.monotonic() - cached[0] < app.config["MAINTENANCE_CACHE_SECONDS"]:
        return cached[1]
    rows = db.session.execute(select(MaintenanceNotice).where(MaintenanceNotice.ends_at > clock.utcnow())
                              .order_by(MaintenanceNotice.starts_at).limit(20)).scalars()
    notices = [Notice(r.id, r.starts_at, r.ends_at, r.message, bool(r.emergency)) for r in rows]
    app.extensions[EXTENSION] = (time.monotonic(), notices)
    return notices


def current(now: datetime | None = None) -> list[Notice]:
    """The notices to show now, soonest first."""
    now = now or clock.utcnow()
    lead = lead_time()
    return [n for n in _not_ended() if n.ends_at > now and (n.emergency or n.starts_at - lead <= now)]


def _safe_current() -> list[Notice]:
    """A page must never fail because of its banner (e.g. a database not yet migrated)."""
    try:
        return current()
    except Exception:  # noqa: BLE001
        from core.extensions import db

        db.session.rollback()
        log.exception("cannot read maintenance notices")
        return []


def init_app(app: Flask) -> None:
    @app.context_processor
    def _banner():
        return {"maintenance_notices": _safe_current}  # called by the base template only

    @app.after_request
    def _api_header(response):
        if request.path.startswith("/api/"):
            notices = _safe_current()
            if notices:
                response.headers[HEADER] = notices[0].interval
        return response
