"""Maintenance notices (REQUIREMENTS S3): a banner on every page and a header on every API answer.

A planned notice shows from ``maintenance_lead_time()`` hours before it starts (24 by default,
48 in Hà Nội) until it ends; an emergency notice shows at once. API answers under ``/api/``
carry ``X-Baocao-Maintenance: <start>/<end>`` (ISO 8601, UTC) for the same window, so that
integrations can plan around it.

Each process keeps the notices that have not ended yet and re-reads them when it re-reads its
plugin state (:meth:`PluginRegistry.refresh`, at most every ``PLUGIN_REFRESH_SECONDS``, 2 s),
in the same request: the deadline spike pays no query per request, and the statements a page
costs stay the same from one request to the next. A change made on the admin screen clears
this process's copy at once; other processes see it within those seconds.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app, request
from sqlalchemy import select

from core.platform import clock

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


def _load() -> list[Notice]:
    from core.platform.extensions import db
    from core.operations.models.backup import MaintenanceNotice

    rows = db.session.execute(select(MaintenanceNotice).where(MaintenanceNotice.ends_at > clock.utcnow())
                              .order_by(MaintenanceNotice.starts_at).limit(20)).scalars()
    return [Notice(r.id, r.starts_at, r.ends_at, r.message, bool(r.emergency)) for r in rows]


def follow(registry) -> None:
    """Re-read the notices when the plugin registry has just re-read ``plugin_state`` (or never read them)."""
    app = current_app._get_current_object()
    cached = app.extensions.get(EXTENSION)
    if cached is not None and cached[0] == registry.checked_at:
        return
    try:
        app.extensions[EXTENSION] = (registry.checked_at, _load())
    except Exception:  # noqa: BLE001 (e.g. not migrated yet: no banner rather than no page)
        from core.platform.extensions import db

        db.session.rollback()
        log.exception("cannot read maintenance notices")


def _not_ended() -> list[Notice]:
    cached = current_app.extensions.get(EXTENSION)
    if cached is None:  # outside a request (a job rendering a page), or just forgotten
        follow(current_app.extensions["baocao.plugins"])
        cached = current_app.extensions.get(EXTENSION)
    return cached[1] if cached else []


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
        from core.platform.extensions import db

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
