"""E-mail copies of in-app notifications, when ``MAIL_SERVER`` is configured (stdlib smtplib).

The address is the unit's current holder's e-mail from the roster (A2). Each
notification is sent once: ``emailed_at`` is set in the same transaction,
after the message is handed to the server.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from core import clock
from core.models import Notification, UnitHolder

log = logging.getLogger(__name__)
BATCH = 500


def send_pending(session) -> int:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0
    rows = session.execute(
        select(Notification, UnitHolder.email)
        .join(UnitHolder, (UnitHolder.unit_id == Notification.unit_id) & UnitHolder.ended_at.is_(None))
        .where(Notification.emailed_at.is_(None), UnitHolder.email.is_not(None))
        .order_by(Notification.id).limit(BATCH)
    ).all()
    if not rows:
        return 0
    sent = 0
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
    session.commit()
    log.info("sent %d notification e-mails", sent)
    return sent
