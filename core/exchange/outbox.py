"""The outbox to the national reporting system (R3, QN-R Đ9.3/Đ13): nothing is lost while it is down.

When the board's own report of a form gets its final approval, the
``after_transition`` default (:mod:`core.defaults.exchange`) writes its DHIS2
data value set into ``outbox_message`` in the approval's own transaction, so
the message exists exactly when the approval does. :func:`deliver` — queued
right after the commit and run every minute — POSTs what is due; a failure
(refused connection, timeout, a 5xx answer) keeps the message pending with
its error and the next attempt pushed back exponentially (1, 2, 4 … minutes,
at most :data:`MAX_BACKOFF`). A 4xx answer other than 408/429 means the
national system rejects the data itself: the message is marked ``failed``
(kept, with the answer) for an administrator to look at.
"""
from __future__ import annotations

import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from core.platform import audit, clock, jobs
from core.exchange import dhis2
from core.exchange.mapping import Mapper
from core.exchange.models import OutboxMessage
from core.reporting.models import Report

log = logging.getLogger(__name__)
JOB_KEY = "exchange-outbox-deliver"
#: Messages per job run; a longer queue continues in the next job.
BATCH = 50
TIMEOUT = 30
MAX_BACKOFF = timedelta(hours=1)
RETRYABLE_4XX = (408, 425, 429)


def national_payload(session, report: Report) -> str:
    """The report's own approved values as a DHIS2 data value set, in the national system's codes."""
    from core.exchange.values import export

    mapper = Mapper(session, current_app.config.get("NATIONAL_SYSTEM", "national"))
    return dhis2.dumps(export(session, report.form, report.period, report.unit, mapper, children=False))


def queue(session, report: Report, destination: str) -> OutboxMessage:
    """Put the report's data value set in the outbox (the caller's transaction) and send it after the commit."""
    message = OutboxMessage(destination=destination, payload=national_payload(session, report),
                            content_type=dhis2.CONTENT_TYPE, status="pending", attempts=0,
                            next_attempt_at=clock.utcnow(), report_id=report.id)
    session.add(message)
    session.flush()
    audit.record("exchange.outbox.queue", "OutboxMessage", message.id,
                 {"report": report.id, "destination": destination}, session=session)
    jobs.enqueue(deliver, key=JOB_KEY)
    return message


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _post(message: OutboxMessage) -> None:
    """POST the payload; raises on anything but a 2xx answer."""
    headers = {"Content-Type": message.content_type + "; charset=utf-8", "Accept": "application/json"}
    token = current_app.config.get("NATIONAL_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(message.destination, data=message.payload.encode("utf-8"), headers=headers,
                                     method="POST")
    with urllib.request.urlopen(request, timeout=current_app.config.get("NATIONAL_TIMEOUT", TIMEOUT)) as answer:
        answer.read()


def _attempt(session, message: OutboxMessage, now: datetime) -> bool:
    message.attempts += 1
    try:
        _post(message)
    except urllib.error.HTTPError as exc:
        message.last_error = f"HTTP {exc.code}: {exc.read()[:500].decode('utf-8', 'replace')}"
        if 400 <= exc.code < 500 and exc.code not in RETRYABLE_4XX:
            message.status = "failed"
        else:
            message.next_attempt_at = now + backoff(message.attempts)
    except (OSError, ValueError) as exc:  # refused, unreachable, timed out, bad URL
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.next_attempt_at = now + backoff(message.attempts)
    else:
        message.status, message.sent_at, message.last_error = "sent", now, None
    audit.record(f"exchange.outbox.{'sent' if message.status == 'sent' else 'attempt'}", "OutboxMessage",
                 message.id, {"attempts": message.attempts, "status": message.status,
                              "error": message.last_error}, session=session)
    if message.status != "sent":
        log.warning("outbox message %s to %s: attempt %d failed: %s", message.id, message.destination,
                    message.attempts, message.last_error)
    session.commit()  # each message's outcome stands on its own, whatever happens to the next
    return message.status == "sent"


def deliver(now: str | None = None) -> int:
    """Job: send the pending messages that are due; returns how many were accepted. Idempotent."""
    from core.platform.extensions import db

    moment = datetime.fromisoformat(now) if now else clock.utcnow()
    session = db.session
    sent = 0
    for _ in range(BATCH):  # one message at a time, locked: two workers never send the same one
        message = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending",
                   or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= moment))
            .order_by(OutboxMessage.id).limit(1).with_for_update(skip_locked=True)).first()
        if message is None:
            break
        sent += _attempt(session, message, moment)
    else:
        jobs.enqueue(deliver, key=JOB_KEY)  # more are due: carry on in a fresh job
    return sent
