"""Data exchange with other systems (REQUIREMENTS R3, R4, R6, R9).

Three file formats carry the same thing, a set of data values, each value
naming a data element (our field), a period, an org unit and a
disaggregation (our cell):

* :mod:`core.exchange.dhis2` — DHIS2 ``dataValueSets`` JSON;
* :mod:`core.exchange.adx` — IHE ADX XML (``urn:ihe:qrph:adx:2015``);
* :mod:`core.exchange.csv_format` — DHIS2's data value CSV.

Codes are translated by the mapping tables (:mod:`core.exchange.mapping`);
:mod:`core.exchange.values` reads approved values out and writes imported
ones in, all or nothing, through :func:`core.entry.save_checked`.
:mod:`core.exchange.outbox` pushes approved provincial reports to the
national system; :mod:`core.exchange.intake` pulls configured sources.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DataValue:
    """One value in the other system's codes. ``row`` numbers it in its file (for error messages);
    ``coc`` is the categoryOptionCombo ("" for none); ADX gives ``disaggregation`` instead."""

    data_element: str
    period: str
    org_unit: str
    value: str | None
    coc: str = ""
    data_set: str | None = None
    row: int = 0
    disaggregation: tuple[tuple[str, str], ...] = ()


@dataclass
class ValueSet:
    """What one file holds: the header (DHIS2's ``dataSet``/``period``/``orgUnit``) and the values."""

    data_set: str | None = None
    period: str | None = None
    org_unit: str | None = None
    complete_date: str | None = None
    values: list[DataValue] = field(default_factory=list)


class FormatError(ValueError):
    """The file cannot be read at all (not JSON, not XML, no header); the message is for the user."""


FORMATS = ("json", "adx", "csv")
CONTENT_TYPES = {"json": "application/json", "adx": "application/adx+xml", "csv": "text/csv"}


def codec(fmt: str):
    """The module reading and writing ``fmt``: ``dumps(value_set, ...) -> str``, ``loads(bytes) -> ValueSet``."""
    from core.exchange import adx, csv_format, dhis2

    try:
        return {"json": dhis2, "adx": adx, "csv": csv_format}[fmt]
    except KeyError:
        raise FormatError(fmt) from None
