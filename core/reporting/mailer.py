"""E-mail copies of in-app notifications, when ``MAIL_SERVER`` is configured (stdlib smtplib).

The address is the unit's current holder's e-mail from the roster (A2). Each
notification is sent once: ``emailed_at`` is set after the message is handed
to the server, and kept even when the server fails later in the batch. Two
senders at once skip each other's rows (``SKIP LOCKED`` on PostgreSQL).

Transitions call :func:`queue_sending`: one keyed job (:func:`send_pending_job`)
per burst, after the commit, so the holder hears within moments; the daily job
sends what is left (reminders, and anything a failed job did not send).
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from core.platform import clock, jobs
from core.reporting.models import Notification
from core.hierarchy.models import UnitHolder

log = logging.getLogger(__name__)
BATCH = 500
#: One waiting job however many transitions a burst makes (core.platform.jobs skips a key already waiting).
JOB_KEY = "mail-send-pending"


def send_pending(session) -> int:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0
    rows = session.execute(
        select(Notification, UnitHolder.email)
        .join(UnitHolder, (UnitHolder.unit_id == Notification.unit_id) & UnitHolder.ended_at.is_(None))
        .where(Notification.emailed_at.is_(None), UnitHolder.email.is_not(None))
        .order_by(Notification.id).limit(BATCH).with_for_update(of=Notification, skip_locked=True)
    ).all()
    if not rows:
        return 0
    sent = 0
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config.get("MAIL_PORT", 25), timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            for notification, address in rows:
                message = EmailMessage()
                message["From"] = config.get("MAIL_DEFAULT_SENDER", "baocao@localhost")
                message["To"] = address
                message["Subject"] = notification.message[:150]
                message.set_content(notification.message)
                smtp.send_message(message)
                notification.emailed_at = clock.utcnow()
                sent += 1
    finally:
        session.commit()  # what was handed over stays sent, also when the server fails midway
    log.info("sent %d notification e-mails", sent)
    return sent


def send_pending_job() -> int:
    """The job :func:`queue_sending` queues: send until nothing waits; idempotent (``emailed_at``)."""
    from core.platform.extensions import db

    total = 0
    while sent := send_pending(db.session):
        total += sent
    return total


def queue_sending() -> None:
    """After a transition: e-mail its notifications soon, in the background; nothing without ``MAIL_SERVER``."""
    if current_app.config.get("MAIL_SERVER"):
        jobs.enqueue(send_pending_job, key=JOB_KEY)
