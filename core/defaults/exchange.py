"""Core's exchange answers: the board's approved report goes to the national system (R3)."""
from flask import current_app

from core.hookspecs import hookimpl


@hookimpl(trylast=True)
def after_transition(report, transition):
    """On the final approval of a top-level unit's report, queue its data value set for
    ``NATIONAL_ENDPOINT`` (nothing when it is not configured), in the approval's transaction."""
    destination = current_app.config.get("NATIONAL_ENDPOINT")
    if not destination or transition.action != "approve" or transition.to_state != "approved":
        return
    if report.unit.parent_id is not None:
        return
    from core.exchange import outbox
    from core.platform.extensions import db

    outbox.queue(db.session, report, destination)
