"""Core's own answers to the hooks, registered as ordinary plugins after all others.

Every module here implements hooks with ``trylast=True`` so that any
province plugin answering the same hook runs first (and, for ``firstresult``
hooks, wins).
"""
from core.defaults import calendar, contacts, exchange, hierarchy, operations, password, periods, schedule, usage, workflow

DEFAULT_PLUGINS = [calendar, contacts, exchange, hierarchy, operations, password, periods, schedule, usage, workflow]
