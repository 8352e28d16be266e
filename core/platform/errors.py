"""Error pages a person can act on: 400, 403, 404, 405, 413, 429 and 500 in Vietnamese, inside the layout.

Werkzeug's own pages are English, bare, and leave the officer without the menu. Here every HTTP
error of a screen draws ``platform/error.html`` (the site layout with its menu, a sentence saying
what happened and what to do); the API and the screens' own ``XMLHttpRequest`` calls keep
``{"message": ..., "errors": {...}}``.

A 403 names the right that is missing, in words (*"Tài khoản: cấp tài khoản cho đơn vị"*), and
whom to ask: the administrator of the unit above the account's unit, or the provincial system
administrator for an account at the top. A 500 never shows a traceback: it is logged, and the
page says only that the fault is ours and the time, for the help desk.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

from core.platform import clock, identity

log = logging.getLogger(__name__)

#: The codes drawn as a page of ours; any other HTTP error keeps Werkzeug's answer.
CODES = (400, 403, 404, 405, 413, 429, 500)

TITLES = {
    400: _l("The request cannot be carried out"),
    403: _l("You do not have the right to open this page"),
    404: _l("Page not found"),
    405: _l("This action cannot be done this way"),
    413: _l("The file or the data sent is too large"),
    429: _l("Too many requests"),
    500: _l("The system has met a fault"),
}
ADVICE = {
    400: _l("Go back, check what you typed and try again."),
    403: _l("If your work needs it, ask for the right as shown below."),
    404: _l("The address may be mistyped, or the page was moved or removed. Use the menu to find it."),
    405: _l("Use the buttons of the screen rather than typing the address."),
    413: _l("Send a smaller file (split the scan or lower its resolution) and try again."),
    429: _l("Wait a minute, then try again."),
    500: _l("Nothing you did caused this. Try again in a few minutes; if it goes on, tell the help desk the "
            "time shown below."),
}

#: FAB's permission names in words; a permission not listed reads as its own name.
PERMISSIONS = {
    "can_list": _l("see the list"), "can_show": _l("see the details"), "can_add": _l("add"),
    "can_edit": _l("edit"), "can_delete": _l("delete"), "can_get": _l("read"), "can_post": _l("send"),
    "can_put": _l("change"), "can_issue": _l("issue a unit's account"), "can_reset": _l("reset a password"),
    "can_lock": _l("lock an account"), "can_unlock": _l("unlock an account"), "can_close": _l("close an account"),
    "can_handover": _l("hand an account over"), "can_toggle": _l("switch plugins on and off"),
    "can_entry": _l("enter report data"), "can_transition": _l("submit or review reports"),
    "can_approve": _l("approve reports"), "can_urge": _l("remind units"), "can_edit_scenario": _l("edit"),
}


def _wants_json() -> bool:
    return (request.path.startswith("/api/") or request.headers.get("X-Requested-With") == "XMLHttpRequest"
            or request.accept_mimetypes.best == "application/json")


def _view_label(view) -> str:
    """The view's menu label (what the person sees in the menu), else its title, else its name."""
    for item in current_app.appbuilder.menu.get_list():
        for child in [item, *(item.childs or [])]:
            if child.baseview is view and child.label:
                return str(child.label)
    for attribute in ("list_title", "form_title", "title"):
        if getattr(view, attribute, None):
            return str(getattr(view, attribute))
    return type(view).__name__


def missing_right() -> str | None:
    """The right the request needed, in words: "<screen>: <action>"; None when it cannot be told."""
    endpoint = request.endpoint or ""
    blueprint, _sep, method = endpoint.partition(".")
    view = next((v for v in current_app.appbuilder.baseviews if v.blueprint and v.blueprint.name == blueprint), None)
    if view is None:
        return None
    name = getattr(getattr(view, method, None), "_permission_name", method)
    name = (getattr(view, "method_permission_name", None) or {}).get(method, name)
    permission = name if name.startswith("can_") else f"can_{name}"
    action = PERMISSIONS.get(permission)
    return f"{_view_label(view)}: {action if action is not None else name}"


def whom_to_ask() -> str:
    """The administrator of the unit above, or the provincial administrator for the top (and no unit)."""
    account = identity.current_account()
    unit = getattr(account, "unit", None)
    parent = getattr(unit, "parent", None)
    if parent is not None:
        return _("the administrator of %(unit)s, the unit above yours", unit=parent.name)
    return _("the provincial system administrator")


def render(status: int, message: str | None = None, errors: dict | None = None, **extra):
    """The answer for an error: JSON for the API, the page in the layout otherwise."""
    if _wants_json():
        return jsonify(message=message or str(TITLES[status]), errors=errors or {}, **extra), status
    details = {"title": TITLES[status], "advice": ADVICE[status], "message": message, "status": status}
    if status == 403 and identity.current_account() is not None:
        details["right"], details["ask"] = missing_right(), whom_to_ask()
    if status == 500:
        details["when"] = clock.utcnow()
    appbuilder = current_app.appbuilder
    try:
        page = render_template("platform/error.html", appbuilder=appbuilder, base_template=appbuilder.base_template,
                               **details)
    except Exception:  # noqa: BLE001 (the menu itself may be what failed: answer in plain text)
        log.exception("the error page for %s cannot be drawn", status)
        page = f"{details['title']}. {message or details['advice']}"
        return page, status, {"Content-Type": "text/plain; charset=utf-8"}
    return page, status


def _http_error(error: HTTPException):
    status = error.code or 500
    if status not in CODES:
        return error
    if _wants_json() and error.response is not None:
        return error  # a view's own JSON answer (abort(make_response(...)))
    message = None
    if status == 400 and error.description and error.description != type(error).description:
        message = _("The request was not accepted: the form may have expired. Go back, reload the page and try "
                    "again.") if "CSRF" in str(error.description) else None
    return render(status, message)


def _server_error(error: InternalServerError):
    original = getattr(error, "original_exception", None)
    from core.platform.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 (the session may be what broke)
        log.exception("rolling back after a server error failed")
    if original is not None:
        log.error("server error on %s %s", request.method, request.path, exc_info=original)
    return render(500)


def init_app(app: Flask) -> None:
    """Call after the other error handlers: an area's own handler for a code (429 at login) stays."""
    for status in CODES:
        if status == 500:
            app.register_error_handler(InternalServerError, _server_error)
        elif status not in app.error_handler_spec.get(None, {}):
            app.register_error_handler(status, _http_error)
