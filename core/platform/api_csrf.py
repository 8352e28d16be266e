"""CSRF on the REST API when the browser's session cookie is what authenticates the call.

FAB exempts every ``BaseApi`` from Flask-WTF's CSRF check (an API is meant for JWT
clients), yet our APIs also accept the session cookie (``allow_browser_login``) so that the
screens can call them. A page on another site could then make the browser post to
``/api/…`` with the cookie attached: ``Content-Type: text/plain`` needs no preflight, so
the write went through. Here, in one place: a state-changing call to ``/api/`` made with
the session cookie and without ``Authorization: Bearer`` must carry the CSRF token in the
``X-CSRFToken`` header (or ``csrf_token`` in a form body), as a screen's own script does.
A JWT call is untouched: another site cannot add the header without a CORS preflight.
Follows ``WTF_CSRF_ENABLED`` like every form.
"""
from __future__ import annotations

from flask import Flask, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _token() -> str | None:
    for header in current_app.config.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"]):
        if request.headers.get(header):
            return request.headers[header]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form.get("csrf_token")
    return None


def _check():
    if request.method not in UNSAFE or not request.path.startswith("/api/"):
        return None
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return None
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return None
    if not current_user.is_authenticated:
        return None  # no session: the API itself answers 401 (the login API needs no token)
    try:
        validate_csrf(_token())
    except ValidationError as exc:  # missing, expired, or not this session's
        message = _("The CSRF token is missing or invalid: reload the page and try again.")
        return jsonify(message=message, errors={"csrf_token": [str(exc)]}), 400
    return None


def init_app(app: Flask) -> None:
    app.before_request(_check)
