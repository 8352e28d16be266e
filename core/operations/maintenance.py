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


# --- announcing and cancelling, for the CLI and the API ---------------------------------------------

PROVINCE_TZ = "Asia/Ho_Chi_Minh"


class NoticeRefused(ValueError):
    """A notice that cannot be announced: ``errors`` names each wrong field, nothing is stored."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(next(iter(errors.values()))[0])
        self.errors = errors


def to_utc(moment: datetime) -> datetime:
    """Naive UTC from an aware time, or from a naive one read as the province's time (what people type)."""
    from datetime import timezone
    from zoneinfo import ZoneInfo

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(PROVINCE_TZ))
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def local(moment: datetime) -> datetime:
    """A stored (naive UTC) time in the province's time zone, aware."""
    from datetime import timezone
    from zoneinfo import ZoneInfo

    return moment.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(PROVINCE_TZ))


def refusals(starts_at: datetime | None, ends_at: datetime | None, message: str | None,
             emergency: bool) -> dict[str, list[str]]:
    """What is wrong with a notice (naive UTC times), by field; the maintenance screen's rules."""
    from flask_babel import gettext as _

    errors: dict[str, list[str]] = {}
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is None:
            errors[name] = [_("This field is required.")]
    if not (message or "").strip():
        errors["message"] = [_("This field is required.")]
    if errors:
        return errors
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The maintenance must end after it starts.")]
    lead = lead_time()
    if not emergency and starts_at - clock.utcnow() < lead:
        errors["starts_at"] = [_("Planned maintenance must be announced at least %(hours)s hours before it starts. "
                                 "Mark it as an emergency to announce it at once.",
                                 hours=f"{lead.total_seconds() / 3600:g}")]
    return errors


def announce(session, starts_at: datetime, ends_at: datetime, message: str, emergency: bool = False,
             by: str | None = None):
    """Store a notice (times aware, or naive in the province's time); NoticeRefused names each wrong
    field. The caller commits; this process shows it at once, the others within seconds."""
    from core.operations.models.backup import MaintenanceNotice

    starts_at = to_utc(starts_at) if starts_at is not None else None
    ends_at = to_utc(ends_at) if ends_at is not None else None
    errors = refusals(starts_at, ends_at, message, emergency)
    if errors:
        raise NoticeRefused(errors)
    notice = MaintenanceNotice(starts_at=starts_at, ends_at=ends_at, message=message.strip(),
                               emergency=bool(emergency), created_by=by, created_at=clock.utcnow())
    session.add(notice)
    session.flush()
    forget()
    return notice


def notices(session, include_ended: bool = False) -> list:
    """The notices that have not ended (all of them with ``include_ended``), soonest first."""
    from core.operations.models.backup import MaintenanceNotice

    query = select(MaintenanceNotice).order_by(MaintenanceNotice.starts_at, MaintenanceNotice.id)
    if not include_ended:
        query = query.where(MaintenanceNotice.ends_at > clock.utcnow())
    return list(session.execute(query).scalars())


def cancel(session, pk: int):
    """Withdraw notice ``pk`` (deleted, in the audit log); None when there is no such notice."""
    from core.operations.models.backup import MaintenanceNotice

    notice = session.get(MaintenanceNotice, pk)
    if notice is not None:
        session.delete(notice)
        session.flush()
        forget()
    return notice


def as_json(notice) -> dict:
    """A notice for the API: times in UTC (``Z``) and in the province's time, and whether it shows now."""
    now = clock.utcnow()
    shown = notice.ends_at > now and (notice.emergency or notice.starts_at - lead_time() <= now)
    return {"id": notice.id, "starts_at": notice.starts_at.isoformat(timespec="seconds") + "Z",
            "ends_at": notice.ends_at.isoformat(timespec="seconds") + "Z",
            "starts_local": local(notice.starts_at).isoformat(timespec="minutes"),
            "ends_local": local(notice.ends_at).isoformat(timespec="minutes"),
            "message": notice.message, "emergency": bool(notice.emergency), "shown_now": shown,
            "created_by": notice.created_by}
