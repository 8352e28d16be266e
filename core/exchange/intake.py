"""Data intake (R6, QN-A Đ5.1/Đ5.5): pull a provider's data service into reports, on a schedule.

The system administrator configures an :class:`~core.models.IntakeSource`
(URL, format, mapping system, form, cron schedule) on the provider's
agreement. :func:`run_due`, ticked every minute, queues :func:`pull` for each
enabled source whose schedule matches the minute (province time);
:func:`pull` fetches the URL and runs the same all-or-nothing import as
``POST /api/v1/exchange/datavaluesets``. The result — ``ok`` with counts,
``rejected`` with every row's error, or ``failed`` when the URL could not be
read — is kept on the source and in the audit log.
"""
from __future__ import annotations

import json
import logging
import urllib.request
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, g
from sqlalchemy import select

from core.platform import audit, clock, jobs
from core.exchange.datavalues import FormatError
from core.exchange.codecs import codec
from core.exchange.mapping import Mapper
from core.exchange.values import import_values
from core.exchange.models import IntakeSource

log = logging.getLogger(__name__)
TIMEOUT = 60
MAX_BYTES = 50 * 1024 * 1024
ERROR_LIMIT = 100


def _fetch(source: IntakeSource) -> bytes:
    if not source.url.lower().startswith(("http://", "https://")):
        raise ValueError("only http:// and https:// addresses are fetched")
    headers = {"Accept": codec(source.format).CONTENT_TYPE}
    token = (current_app.config.get("INTAKE_TOKENS") or {}).get(source.name)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(source.url, headers=headers)
    with urllib.request.urlopen(request, timeout=current_app.config.get("INTAKE_TIMEOUT", TIMEOUT)) as answer:
        data = answer.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"the answer is larger than {MAX_BYTES} bytes")
    return data


def _finish(session, source: IntakeSource, status: str, error: str | None, details: dict) -> dict:
    source.last_run_at, source.last_status, source.last_error = clock.utcnow(), status, error
    audit.record("exchange.intake", "IntakeSource", source.id,
                 {"name": source.name, "status": status, **details}, session=session)
    session.commit()
    return {"status": status, **details}


def pull(source_id: int) -> dict:
    """Job: fetch one source and import it, all or nothing; the outcome is recorded on the source."""
    from core.platform.extensions import db

    session = db.session
    source = session.get(IntakeSource, source_id)
    if source is None:
        return {"status": "missing"}
    g.audit_actor = f"intake:{source.name}"  # who changed the values, in W9's history and the audit log
    try:
        value_set = codec(source.format).loads(_fetch(source))
    except FormatError as exc:
        return _finish(session, source, "rejected", str(exc), {})
    except (OSError, ValueError) as exc:
        log.warning("intake %s: cannot read %s: %s", source.name, source.url, exc)
        return _finish(session, source, "failed", f"{type(exc).__name__}: {exc}"[:2000], {})
    result = import_values(session, value_set, Mapper(session, source.system), form_code=source.form_code)
    if result.errors:
        session.rollback()
        source = session.get(IntakeSource, source_id)
        text = json.dumps(result.errors[:ERROR_LIMIT], ensure_ascii=False)
        return _finish(session, source, "rejected", text, {"rows": result.rows, "errors": len(result.errors)})
    return _finish(session, source, "ok", None, result.as_json())


def due(source: IntakeSource, moment: datetime) -> bool:
    from croniter import croniter

    try:
        return croniter.match(source.schedule, moment)
    except (ValueError, KeyError):
        log.error("intake %s: invalid schedule %r", source.name, source.schedule)
        return False


def run_due(now: str | None = None) -> list[str]:
    """Job (every minute): queue :func:`pull` for each enabled source due this minute, province time."""
    from core.platform.extensions import db

    if now:
        moment = datetime.fromisoformat(now)
    else:
        zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))
        moment = datetime.now(zone).replace(tzinfo=None)
    moment = moment.replace(second=0, microsecond=0)
    names = []
    for source in db.session.scalars(select(IntakeSource).where(IntakeSource.enabled.is_(True))):
        if due(source, moment):
            jobs.enqueue(pull, source.id, key=f"intake-{source.id}-{moment:%Y%m%d%H%M}")
            names.append(source.name)
    return names
