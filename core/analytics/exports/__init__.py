"""Exports (R1): one form's approved values for a unit's subtree as XLSX, CSV, DOCX or PDF.

:mod:`core.analytics.exports.table` reads the table (one query for the rows, the roll-up
for the total); each writer module turns it into one format; :mod:`.jobs` runs
large exports in the background and publishes the file only when complete.
"""
from __future__ import annotations

MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
FORMATS = tuple(MIME)


def writer(fmt: str):
    """The module writing ``fmt``: each has ``write(table, out, progress=None)`` into a binary file."""
    from importlib import import_module

    if fmt not in MIME:
        raise ValueError(fmt)
    return import_module(f"core.analytics.exports.{fmt}")


def filename(form_code: str, period_code: str, unit_code: str, fmt: str) -> str:
    """``<form>_<period>_<unit>.<ext>``, from codes (ASCII in every browser), as the report PDF names itself."""
    return f"{form_code}_{period_code}_{unit_code}.{fmt}"
