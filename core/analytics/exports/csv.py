"""CSV: UTF-8 with a byte-order mark (so Excel reads the Vietnamese right), comma-separated.

A machine-readable file: one header row (unit code, unit, then each column's
label), one row per unit, the total row last; numbers with a decimal point
and no grouping, so any program reads them back; text neutralised
(:func:`core.platform.tabular.csv_text`), so a spreadsheet never runs it as a formula.
"""
from __future__ import annotations

import csv
import io
from typing import BinaryIO, Callable

from core.analytics.exports import document
from core.analytics.exports.table import Table, plain_value
from core.platform import tabular


def write(table: Table, head: document.Letterhead, out: BinaryIO,
          progress: Callable[[int, int], None] | None = None, **_options) -> None:
    words = document.labels()
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        rows = csv.writer(text)
        cols = table.columns
        rows.writerow(tabular.csv_row([words["no"], words["code"], words["unit"]] + [c.heading for c in cols]))
        for chunk in document.chunks(table.rows, document.chunk_size(), progress):
            rows.writerows(tabular.csv_row([row.no, row.code, row.name]
                                           + [plain_value(c, v) for c, v in zip(cols, row.values)])
                           for row in chunk)
        totals = [plain_value(c, v) for c, v in zip(cols, table.totals)]
        rows.writerow(tabular.csv_row(["", "", words["total"]] + totals))
        text.flush()
    finally:
        text.detach()  # the caller owns ``out``
