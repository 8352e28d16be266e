"""Outage backfill (W7): a board admin records a report that arrived outside the system.

When the system was down, units sent their reports on paper or by e-mail. The
admin enters the values, attaches the scan, and gives the real time the
report was received; the report is then *submitted* as of that time — so
lateness is judged on the real receipt — flagged ``backfilled``, and goes
through the normal review chain. The history says who entered it and why.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import format_datetime
from flask_babel import gettext as _

from core.platform import clock
from core.reporting import entry
from core.accounts.models import Account
from core.reporting.models import Report, Transition
from core.hierarchy.scope import is_system_admin
from workflows.service import Forbidden, Refused, chain, move


def problems(session, report: Report, raw: dict, received_at: datetime | None, note: str,
             has_scan: bool, machine: bool = False) -> dict:
    """Everything :func:`backfill` would refuse in what a person typed, at once; writes nothing.

    Keys: ``received_at``, ``note``, ``file`` (messages) and ``values`` (the
    entry check's ``{field: [messages]}``). ``received_at`` is None when the
    caller could not read it (the caller says why). ``machine``: ``raw`` comes from the API
    (numbers in machine form, :func:`core.reporting.entry.parse`).
    """
    errors: dict = {}
    if received_at is not None and received_at > clock.utcnow():
        errors["received_at"] = [_("The receipt time cannot be in the future.")]
    if not (note or "").strip():
        errors["note"] = [_("Say why the report arrived outside the system.")]
    if not has_scan:
        errors["file"] = [_("Attach the signed scan of the paper report.")]
    values = entry.check(session, report, raw, partial=False, machine=machine).errors
    if values:
        errors["values"] = values
    return errors


def backfill(session, report: Report, raw: dict, received_at: datetime, admin: Account, note: str,
             scan: tuple | None = None, machine: bool = False) -> Transition:
    """Enter ``raw`` and submit ``report`` as received at ``received_at``; the caller commits.

    ``scan`` is ``(stream, filename)`` of the signed paper report, stored like any attachment.
    """
    if not is_system_admin(admin):
        raise Forbidden(_("Only a system administrator records reports received outside the system."))
    if report.state not in ("draft", "returned"):
        raise Refused(_("Only a report not yet sent can be recorded as received outside the system."))
    if received_at > clock.utcnow():
        raise Refused(_("The receipt time cannot be in the future."))
    if not (note or "").strip():
        raise Refused(_("Say why the report arrived outside the system."), errors={"note": [
            _("Say why the report arrived outside the system.")]})
    errors = entry.save(session, report, raw, partial=False, machine=machine)
    if errors:
        raise Refused(_("Some values are missing or wrong."), errors=errors)
    if scan is not None:
        from core.reporting import attachments

        attachments.store(session, report, scan[0], scan[1], uploaded_by=admin.username)
    levels = chain(report)
    return move(session, report, "submit", "submitted", admin,
                _("Recorded after an outage, received %(at)s: %(note)s",
                  at=format_datetime(received_at, "dd/MM/yyyy HH:mm"), note=note.strip()),  # the province's clock
                values={"state": "submitted", "level": levels[0], "review_step": 0, "submitted_at": received_at,
                        "received_at": received_at, "backfilled": True, "lock_version": Report.lock_version + 1,
                        "updated_at": clock.utcnow()},
                expected=report.lock_version, audit_action="report.backfill",
                details={"received_at": received_at.isoformat(), "note": note.strip()})
