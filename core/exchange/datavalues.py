"""A set of data values as every exchange format carries it, and the one error a file can raise."""
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
