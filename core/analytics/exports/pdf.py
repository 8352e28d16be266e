"""PDF: the export table drawn like the report PDF (same letterhead, fonts, dateline and
signature block, :mod:`core.reporting.report_pdf`'s partials), in landscape when the table is wide.
Columns without any value in any row are left out and counted under the table, as the report
PDF leaves out empty grid rows.

The rows are built in chunks (progress is reported per chunk); WeasyPrint
then lays out the whole document in one step. Nothing is fetched while
rendering.
"""
from __future__ import annotations

from typing import BinaryIO, Callable

from flask import render_template

from core.analytics.exports import document
from core.analytics.exports.docx import context
from core.analytics.exports.table import Table

LANDSCAPE_FROM = 6  # columns of values


def _filled(table: Table) -> list[int]:
    """The columns with a value somewhere (a grid of 54 ethnic groups where the province has three)."""
    used = {i for row in table.rows for i, v in enumerate(row.values) if v not in (None, "")}
    used |= {i for i, v in enumerate(table.totals) if v not in (None, "", 0)}
    return sorted(used)


def html(table: Table, head: document.Letterhead, progress: Callable[[int, int], None] | None = None) -> str:
    ctx = context(table, head, progress)
    keep = _filled(table)
    pick = lambda cells: [cells[i] for i in keep]  # noqa: E731
    rows = [{**row, "cells": pick(row["cells"])} for row in ctx["rows"]]
    wide = len(keep)
    return render_template("analytics/exports/table.html", head=head, labels=ctx["labels"], columns=pick(ctx["columns"]),
                           rows=rows, totals={**ctx["totals"], "cells": pick(ctx["totals"]["cells"])},
                           numeric=[table.columns[i].numeric for i in keep],
                           omitted=len(table.columns) - wide, landscape=wide >= LANDSCAPE_FROM,
                           font_size=10 if wide < 10 else 8.5 if wide < 16 else 7)


def write(table: Table, head: document.Letterhead, out: BinaryIO,
          progress: Callable[[int, int], None] | None = None, **_options) -> None:
    from weasyprint import HTML

    from core.reporting.report_pdf import _no_fetching

    HTML(string=html(table, head, progress), url_fetcher=_no_fetching).write_pdf(out)
