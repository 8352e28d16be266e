"""Malformed input is the client's mistake: 400 or 422 with a message, never a 500 (docs/security.md).

A penetration test found 33 server errors from input no form would send: ``?psize_ReportsView=abc``,
``?_oc_ReportsView=x``, ``q=((((((((((``, a NUL byte in a text, JSON nested 5,000 deep. Rather than a
fix per view, one guard runs before every view and refuses what FAB, Python or the database would
choke on:

* a NUL byte in the URL, a query argument, a form field or a JSON string (PostgreSQL text cannot
  hold one);
* a JSON body nested deeper than :data:`MAX_DEPTH` (Python's parser recurses);
* a field named ``*password*`` longer than ``PASSWORD_MAX_LENGTH``: refused before anything hashes it;
* FAB's list arguments on the screens: ``page_*``/``psize_*`` that are not whole numbers in range,
  ``_oc_<View>`` naming no column the list sorts by, ``_flt_<n>_<column>`` with no filter ``n`` or a
  value the column cannot be compared with (a number beyond the column's range, a yes/no other
  than ``y``);
* the REST API's rison ``q``: unreadable, nested too deep, a negative page, a filter value of the
  wrong kind for its column.

Behind the guard a safety net: a database *data exception* (SQLSTATE class 22 — out of range,
too long, not valid for the type) is the client's input too, answered 400 on the screens and on the
API (where FAB's ``@safe`` would answer 500). Screens get a Vietnamese page, the API and the screens'
own ``XMLHttpRequest`` calls ``{"message": ..., "errors": {...}}``.
"""
from __future__ import annotations

import json
import logging
import math
import re
import sys

from flask import Flask, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, StatementError

log = logging.getLogger(__name__)

#: Deeper JSON or rison is refused; real bodies are 3 or 4 levels deep.
MAX_DEPTH = 32
#: Multipart bodies larger than this are not read here (an attachment view reads them with its own limit).
SCAN_MULTIPART_BYTES = 1024 * 1024
PAGE_MAX = 1_000_000
PAGE_SIZE_MAX = 1000
INT32 = 2**31 - 1
INT64 = 2**63 - 1
NUL = "\x00"
#: FAB reads these with ``re.findall`` anywhere in an argument's name; so does the guard.
_PAGE = re.compile("page_(.*)")
_PAGE_SIZE = re.compile("psize_(.*)")
_ORDER = re.compile("_oc_(.*)")
_FILTER = re.compile(r"_flt_(\d)_(.*)")


class Refused(Exception):
    """The request is refused; ``message`` is for the user, ``errors`` names the parts at fault."""

    def __init__(self, message: str, errors: dict | None = None, status: int = 400, **extra):
        super().__init__(message)
        self.message, self.errors, self.status, self.extra = message, errors or {}, status, extra


def is_api() -> bool:
    return request.path.startswith("/api/")


def _wants_json() -> bool:
    return (is_api() or request.headers.get("X-Requested-With") == "XMLHttpRequest"
            or request.accept_mimetypes.best == "application/json")


def answer(refusal: Refused):
    """JSON for the API and the screens' own requests, the error page in the user's language otherwise."""
    from core.platform import errors

    if _wants_json():
        return jsonify(message=refusal.message, errors=refusal.errors, **refusal.extra), refusal.status
    return errors.render(refusal.status if refusal.status in errors.CODES else 400, refusal.message)


# --- what every request is checked for -------------------------------------------------------------


def _no_nul(where, text) -> None:
    if text and NUL in text:
        raise Refused(_("The request contains a NUL character (\\0), which no text may hold."),
                      {where: [_("Remove the NUL character (\\0).")]})


def _password_length(name: str, value) -> None:
    limit = int(current_app.config.get("PASSWORD_MAX_LENGTH", 256))
    if "password" in name.lower() and isinstance(value, str) and len(value) > limit:
        message = _("The password must have at most %(n)d characters.", n=limit)
        raise Refused(message, {name: [f"max_length: {message}"]}, status=422 if is_api() else 400,
                      rules=["max_length"])


def _check_url_and_query() -> None:
    _no_nul("url", request.path)
    for name, values in request.args.lists():
        _no_nul(name, name)
        for value in values:
            _no_nul(name, value)


def _check_form() -> None:
    if request.mimetype == "multipart/form-data" and (request.content_length is None
                                                      or request.content_length > SCAN_MULTIPART_BYTES):
        return
    if request.mimetype not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return
    for name, values in request.form.lists():
        name = name or ""
        _no_nul(name, name)
        for value in values:
            _no_nul(name, value)
            _password_length(name, value)
    # Uploads' file names are not refused: the attachment store strips what a name must not hold.


def _walk_json(document) -> None:
    """Depth, NUL bytes and password lengths of a parsed JSON document, without recursion."""
    stack = [(document, "", 1)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Refused(_("The JSON body is nested more than %(n)d levels deep.", n=MAX_DEPTH),
                          {"body": [_("Nested too deep.")]})
        if isinstance(node, dict):
            for key, value in node.items():
                where = f"{path}.{key}" if path else str(key)
                _no_nul(where, key)
                if depth == 1:
                    _password_length(key, value)
                stack.append((value, where, depth + 1))
        elif isinstance(node, list):
            stack.extend((value, f"{path}[{i}]", depth + 1) for i, value in enumerate(node))
        elif isinstance(node, str):
            _no_nul(path or "body", node)


def _check_json() -> None:
    if not request.is_json:
        return
    try:
        # Parsed once for the request: the view's own ``get_json`` gets this document from Flask's cache.
        # Unreadable JSON is None here (the view says what it expected: FAB's "Send a JSON object ...").
        document = request.get_json(silent=True)
    except RecursionError:
        raise Refused(_("The JSON body is nested more than %(n)d levels deep.", n=MAX_DEPTH),
                      {"body": [_("Nested too deep.")]}) from None
    if document is not None:
        _walk_json(document)


# --- FAB's list arguments on the screens ------------------------------------------------------------


def _views() -> dict:
    """Every view and API of the app by class name (FAB names arguments and blueprints so)."""
    found = current_app.extensions.get("baocao.views_by_name")
    if found is None:
        found = {}
        for view in current_app.appbuilder.baseviews:
            found.setdefault(type(view).__name__, view)
            for related in getattr(view, "_related_views", None) or []:
                found.setdefault(type(related).__name__, related)
        current_app.extensions["baocao.views_by_name"] = found
    return found


def _whole_number(name: str, value: str, low: int, high: int) -> None:
    if not (value.isascii() and value.isdigit() and low <= int(value) <= high):
        raise Refused(_("%(name)s must be a whole number from %(low)d to %(high)d.", name=name, low=low, high=high),
                      {name: [_("Not a whole number in range.")]})


def _column_type(datamodel, column: str) -> str | None:
    """What kind of value a filter on ``column`` compares with: int32, int64, float, bool, text; else None."""
    try:
        if datamodel.is_boolean(column):
            return "bool"
        if datamodel.is_integer(column):
            from sqlalchemy import BigInteger

            kind = getattr(datamodel.list_columns.get(column), "type", None)
            return "int64" if isinstance(kind, BigInteger) else "int32"
        if datamodel.is_float(column) or datamodel.is_numeric(column):
            return "float"
        if datamodel.is_string(column) or datamodel.is_text(column):
            return "text"
    except Exception:  # noqa: BLE001 (a property FAB cannot type: leave it to the filter)
        return None
    return None


def _fits(kind: str | None, value) -> bool:
    """Whether ``value`` (a screen's text or a rison value) can be compared with a column of ``kind``
    without the database refusing it; what FAB turns into no filter at all (text for a number) fits."""
    if isinstance(value, list):
        return all(_fits(kind, v) for v in value)
    if kind in ("int32", "int64"):
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):
            return True  # FAB compares with NULL: nothing matches, nothing fails
        return abs(number) <= (INT32 if kind == "int32" else INT64)
    if kind == "float":
        try:
            return math.isfinite(float(value))
        except (TypeError, ValueError, OverflowError):
            return True
    if kind == "bool":
        return isinstance(value, bool) or value == "y"
    if kind == "text":
        return isinstance(value, str)
    return True


def _bad_filter(column: str, value) -> Refused:
    shown = str(value)[:50]
    return Refused(_("The list cannot be filtered on %(column)s by %(value)s.", column=column, value=shown),
                   {column: [_("A value of the wrong kind for this column.")]})


def _check_list_arguments() -> None:
    views = _views()
    for name in request.args:
        value = request.args.get(name, "")
        if _PAGE.findall(name):
            _whole_number(name, value, 0, PAGE_MAX)
        if _PAGE_SIZE.findall(name):
            _whole_number(name, value, 0, PAGE_SIZE_MAX)
        order = _ORDER.findall(name)
        if order and value and order[0] in views:
            allowed = getattr(views[order[0]], "order_columns", None) or []
            if value not in allowed:
                raise Refused(_("The list cannot be sorted by %(column)s.", column=value[:50]),
                              {name: [_("Sort by one of: %(columns)s.", columns=", ".join(allowed))]})
    view = views.get(request.blueprint or "")
    filters = getattr(getattr(view, "_filters", None), "_all_filters", None)
    if not filters:
        return
    for name in request.args:
        found = _FILTER.findall(name)
        if not found:
            continue
        index, column = int(found[0][0]), found[0][1]
        if column not in filters:
            continue  # FAB ignores it
        if index >= len(filters[column]):
            raise Refused(_("The list has no filter number %(index)d on %(column)s.", index=index, column=column),
                          {name: [_("No such filter.")]})
        if getattr(filters[column][index], "arg_name", "") in ("rel_o_m", "nrel_o_m", "rel_m_m"):
            kind = "int32"  # a related row's id
        else:
            kind = _column_type(view.datamodel, column)
        for value in request.args.getlist(name):
            if not _fits(kind, value):
                raise _bad_filter(column, value)


# --- the REST API's rison argument ------------------------------------------------------------------


def _depth(node, limit: int = MAX_DEPTH) -> bool:
    stack = [(node, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return True


def _read_q(raw: str):
    """``q`` as FAB reads it: rison, else (``FAB_API_ALLOW_JSON_QS``, on by default) JSON."""
    import urllib.parse

    import prison

    try:
        return prison.loads(raw)
    except prison.decoder.ParserException:
        if not current_app.config.get("FAB_API_ALLOW_JSON_QS", True):
            raise
        return json.loads(urllib.parse.parse_qs(f"q={raw}").get("q")[0])


def _check_rison() -> None:
    raw = request.args.get("q")
    if not raw:
        return
    unreadable = Refused(_("The q argument is not valid Rison: write an object such as (page:0,page_size:25)."),
                         {"q": [_("Not valid Rison.")]})
    try:
        args = _read_q(raw)
    except Exception:  # noqa: BLE001 (prison and json raise several kinds; "((((" a RecursionError)
        raise unreadable from None
    if not isinstance(args, dict) or not _depth(args):
        raise unreadable
    for key in ("page", "page_size"):
        value = args.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not -1 <= value <= PAGE_MAX or (key == "page" and value < 0)):
            raise Refused(_("%(name)s must be a whole number from %(low)d to %(high)d.", name=key,
                            low=0, high=PAGE_MAX), {"q": [_("Not a whole number in range.")]})
    view = _views().get(request.blueprint or "")
    datamodel = getattr(view, "datamodel", None)
    for flt in args.get("filters") or []:
        if not isinstance(flt, dict) or datamodel is None or not isinstance(flt.get("col"), str):
            continue
        if "value" in flt and not _fits(_column_type(datamodel, flt["col"]), flt["value"]):
            raise _bad_filter(flt["col"], flt["value"])


# --- the guard and the safety net ------------------------------------------------------------------


def _guard():
    if request.endpoint and request.endpoint.endswith("static"):
        return None
    try:
        _check_url_and_query()
        _check_form()
        _check_json()
        if is_api():
            _check_rison()
        else:
            _check_list_arguments()
    except Refused as refusal:
        return answer(refusal)
    return None


def is_client_error(exc: BaseException | None) -> bool:
    """A database "data exception" (the value, not the query, is wrong), or SQLite's overflow on a huge int."""
    if isinstance(exc, DataError):
        return True
    return isinstance(exc, StatementError) and isinstance(getattr(exc, "orig", None), OverflowError)


def _refused_by_database() -> Refused:
    from core.platform.extensions import db

    db.session.rollback()
    return Refused(_("The request holds a value that cannot be stored or compared: too long, too large or "
                     "of the wrong kind."), {})


def _data_error(exc: StatementError):
    if not is_client_error(exc):
        raise exc  # a fault of ours: the usual 500, logged
    log.warning("refused as bad input: %s", str(exc).splitlines()[0][:300])
    return answer(_refused_by_database())


def _client_errors_are_400(api) -> None:
    """FAB's ``@safe`` answers any exception of an API with ``response_500``; while it handles one,
    a data exception becomes 400 instead (an attribute of this app's instance, FAB is not patched)."""
    fallback = api.response_500

    def response_500(message=None):
        exc = sys.exc_info()[1]
        if is_client_error(exc):
            refusal = _refused_by_database()
            return api.response(refusal.status, message=refusal.message, errors=refusal.errors)
        return fallback(message)

    api.response_500 = response_500


def init_app(app: Flask) -> None:
    """Call after every view and API is registered."""
    from flask_appbuilder.api import BaseApi

    from core.platform import i18n

    app.before_request(_guard)
    app.register_error_handler(StatementError, _data_error)  # DataError is one
    i18n.tolerate_percent_in_templates(app)  # a form error quoting a typed "%" drew a 500
    for view in app.appbuilder.baseviews:
        if isinstance(view, BaseApi):
            _client_errors_are_400(view)
