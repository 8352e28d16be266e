"""Mapping tables: our unit, form, field, period and cell codes and another system's, per system.

A code without a row is used as it is (identity), so a system that shares our
codes needs no table at all. Rows are unique both ways (per system and kind),
so translating there and back always gives the code one started with.

The cell of an ordinary field (``""``) is the other system's default
categoryOptionCombo, ``"default"``, unless a ``cell`` row maps ``"default"``.
"""
from __future__ import annotations

from sqlalchemy import select

from core.exchange.models import ExchangeMapping

DEFAULT_CELL = "default"


class Mapper:
    """Both directions of one system's tables, read in one query; ``system=None`` is identity."""

    def __init__(self, session, system: str | None):
        self.system = system or None
        self._out: dict[str, dict[str, str]] = {}
        self._in: dict[str, dict[str, str]] = {}
        if self.system:
            rows = session.execute(select(ExchangeMapping.kind, ExchangeMapping.local_code,
                                          ExchangeMapping.external_code)
                                   .where(ExchangeMapping.system == self.system))
            for kind, local, external in rows:
                self._out.setdefault(kind, {})[local] = external
                self._in.setdefault(kind, {})[external] = local

    def external(self, kind: str, local: str) -> str:
        if kind == "cell":
            local = local or DEFAULT_CELL
        return self._out.get(kind, {}).get(local, local)

    def local(self, kind: str, external: str) -> str:
        found = self._in.get(kind, {}).get(external, external)
        if kind == "cell" and found == DEFAULT_CELL:
            return ""
        return found


def add(session, system: str, kind: str, local_code: str, external_code: str) -> ExchangeMapping:
    """One mapping row (tests, set-up scripts); the admin screen does the same."""
    row = ExchangeMapping(system=system, kind=kind, local_code=local_code, external_code=external_code)
    session.add(row)
    session.flush()
    return row
