"""Who is signed in, for the layers that must not know about scopes (the audit log) and those that do.

FAB keeps the user of a session or an API token on its security manager; this is the one place that asks.
"""
from __future__ import annotations

from flask import current_app, has_request_context


def current_account():
    """The signed-in account, from the session or the API token; None outside a request."""
    if not has_request_context():
        return None
    try:
        user = current_app.appbuilder.sm.current_user
    except Exception:  # a malformed token: the request is anonymous (FAB's own check answers 401)
        return None
    return user if user is not None and getattr(user, "is_authenticated", False) and user.id else None
