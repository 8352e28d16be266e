"""The access log: downloads, refused access and logouts (Decree 85/2016, levels 2–3: access to data).

Why a table of its own and not ``audit.record``: a chained entry bumps the one ``audit_head`` row,
which every writing transaction locks in turn; at a deadline spike every unit downloads its PDF and
many requests are refused, and none of them writes anything else. An access entry is one
``INSERT`` into ``audit_access``, in its own short transaction after the view has answered (a
refused request whose own transaction rolls back keeps its entry), with no lock shared between
requests. Each row carries an HMAC under ``AUDIT_KEY`` (an edit without the key shows).

A seal (:func:`seal`, the scheduled job ``core.audit.seal`` every minute, and ``baocao audit
checkpoint``) then takes every unsealed row into the chain at once: it marks them ``sealed_by`` =
the batch's highest id and appends one ``audit.access_sealed`` entry with their count and the
SHA-256 of their MACs. From then on deleting or editing one is caught by ``baocao audit verify``
like any chained entry. Until the seal (a minute at most with the worker running) a row can be
deleted without trace: docs/operations.md says so.

What counts as a download: a successful answer with ``Content-Disposition: attachment`` on any route
(attachments, report PDFs, exchange and analysis exports, export job files, CSV/XLSX lists), so a
new download screen is covered without remembering to log it. Refused: 403 or 404 on a route that
exists (screens and APIs both answer 403 to a missing permission, 403 or 404 to another unit's
object); a scan of unknown URLs is the web server log's business.
"""
from __future__ import annotations

import json
import logging

from flask import Flask, has_request_context, request
from flask_login import user_logged_out
from werkzeug.http import parse_options_header
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.platform import audit, audit_chain, audit_verify, clock
from core.platform.models.audit import AccessEntry

log = logging.getLogger(__name__)

DOWNLOAD, REFUSED, LOGOUT = "download", "refused", "logout"
_STATIC = ("static", "appbuilder.static")


def record_access(action: str, status: int | None = None, details: dict | None = None,
                  actor: audit.Actor | None = None) -> None:
    """Insert one access entry in its own transaction; a failure is logged, never raised to the user."""
    from core.platform.extensions import db

    actor = actor or audit.current_actor()
    kid, key, _readable = audit_chain.keys()
    row = {
        "at": clock.utcnow(), "actor": actor.name, "actor_id": actor.id, "unit_code": actor.unit_code,
        "ip": actor.ip, "action": action,
        "method": request.method if has_request_context() else None,
        "path": request.path[:500] if has_request_context() else None,  # no query string: no secrets in it
        "status": status,
        "details": None if details is None else json.dumps(details, ensure_ascii=False, default=str, sort_keys=True),
        "key_id": kid,
    }
    row["mac"] = audit_verify.access_mac(key, row)
    try:
        with db.engine.begin() as connection:
            connection.execute(insert(AccessEntry.__table__), [row])
    except SQLAlchemyError:
        log.exception("access entry not written: %s %s", action, row["path"])


def _classify(response) -> str | None:
    if request.url_rule is None or request.endpoint in _STATIC:
        return None
    if response.status_code == 200 and response.headers.get("Content-Disposition", "").startswith("attachment"):
        return DOWNLOAD
    if response.status_code in (403, 404):
        return REFUSED
    return None


def _details(response, action: str) -> dict:
    details = {"endpoint": request.endpoint}
    if request.view_args:
        details["args"] = request.view_args
    if action == DOWNLOAD:
        # The name as the person saw it: ``filename*`` (UTF-8, "biên bản.png") over the ASCII fallback.
        name = parse_options_header(response.headers.get("Content-Disposition", ""))[1].get("filename")
        if name:
            details["file"] = name
        if response.content_length is not None:
            details["bytes"] = response.content_length
    return details


def _after_request(response):
    action = _classify(response)
    if action is not None:
        record_access(action, response.status_code, _details(response, action))
    return response


def _logged_out(sender, user=None, **extra) -> None:
    """Explicit logout, or the forced one of an account locked while signed in (``login_guard``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return
    unit = getattr(user, "unit", None)
    actor = audit.Actor(name=user.username, id=user.id, unit_code=getattr(unit, "code", None),
                        ip=request.remote_addr if has_request_context() else None)
    record_access(LOGOUT, None, {"endpoint": request.endpoint if has_request_context() else None}, actor=actor)


def init_app(app: Flask) -> None:
    app.after_request(_after_request)
    user_logged_out.connect(_logged_out, app)


# --- sealing -----------------------------------------------------------------------------------


def seal(session: Session) -> int:
    """Take every unsealed access entry into the chain (one entry for all); returns how many.

    The rows are marked and read in one statement (``UPDATE … WHERE sealed_by IS NULL … RETURNING``),
    so a row committed meanwhile with a lower id is simply left for the next seal, and of two sealers
    at once the second, waiting on the first's row locks, marks nothing and records nothing. The
    caller commits.
    """
    last = session.execute(select(func.max(AccessEntry.id)).where(AccessEntry.sealed_by.is_(None))).scalar()
    if last is None:
        return 0
    table = AccessEntry.__table__
    marked = session.execute(update(table).where(table.c.sealed_by.is_(None), table.c.id <= last)
                             .values(sealed_by=last).returning(table.c.id, table.c.mac)).all()
    if not marked:
        return 0
    macs = [mac for _id, mac in sorted(marked)]
    audit.record(audit_verify.SEALED, "AccessEntry", last,
                 {"batch": last, "count": len(macs), "digest": audit_verify.batch_digest(macs)}, session=session)
    return len(macs)


def seal_job() -> int:
    """The scheduled ``core.audit.seal``: every minute, so an access entry is chained within one."""
    from core.platform.extensions import db

    sealed = seal(db.session)
    db.session.commit()
    return sealed


def checkpoint_job() -> dict:
    """The scheduled ``core.audit.checkpoint`` and ``baocao audit checkpoint``: seal, then sign the head.

    The checkpoint also goes to the log (``baocao.audit`` at INFO), so a remote syslog keeps a copy
    away from the database without anyone exporting it.
    """
    from core.platform.extensions import db

    seal(db.session)
    db.session.commit()
    statement = audit_verify.checkpoint(db.session)
    db.session.commit()
    logging.getLogger("baocao.audit").info("audit checkpoint %s", json.dumps(statement, sort_keys=True))
    return statement
