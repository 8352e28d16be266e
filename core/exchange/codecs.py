"""The module that reads and writes each exchange format."""
from __future__ import annotations

from core.exchange import adx, csv_format, dhis2
from core.exchange.datavalues import FormatError


def codec(fmt: str):
    """The module reading and writing ``fmt``: ``dumps(value_set, ...) -> str``, ``loads(bytes) -> ValueSet``."""
    try:
        return {"json": dhis2, "adx": adx, "csv": csv_format}[fmt]
    except KeyError:
        raise FormatError(fmt) from None
