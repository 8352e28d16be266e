"""Ids in URLs never reach the database unless a database id can be that large.

Every table's id is a 32-bit ``INTEGER``. A URL carrying ``/report/17592186044416`` used to travel
to the database and fail there (PostgreSQL: "integer out of range"; SQLite: ``OverflowError``
past 64 bits), which FAB's APIs turn into a 500. Such an id names nothing: 404, like any unknown id.
"""
from __future__ import annotations

from flask import Flask, abort, jsonify, make_response, request

ID_MAX = 2**31 - 1
#: URL arguments that carry a row id: FAB's ``pk`` and ours (``pk``, ``aid``, ``*_id``).
ID_ARGS = ("pk", "id", "aid")


def _is_id(name: str) -> bool:
    return name in ID_ARGS or name.endswith("_id")


def _too_large(value) -> bool:
    if isinstance(value, int):
        return value > ID_MAX
    return isinstance(value, str) and value.isdigit() and int(value) > ID_MAX


def _refuse_impossible_ids():
    if any(_is_id(name) and _too_large(value) for name, value in (request.view_args or {}).items()):
        if request.path.startswith("/api/"):
            abort(make_response(jsonify(message="Not found"), 404))
        abort(404)


def init_app(app: Flask) -> None:
    app.before_request(_refuse_impossible_ids)
