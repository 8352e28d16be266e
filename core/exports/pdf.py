"""PDF: the export table drawn like the report PDF (same letterhead, fonts, dateline and
signature block, :mod:`core.report_pdf`'s partials), in landscape when the table is wide.

The rows are built in chunks (progress is reported per chunk); WeasyPrint
then lays out the whole document in one step. Nothing is fetched while
rendering.
"""
from __future__ import annotations

from typing import BinaryIO, Callable

from flask import render_template

from core.exports import document
from core.exports.docx import context
from core.exports.table import Table

LANDSCAPE_FROM = 6  # columns of values


def html(table: Table, head: document.Letterhead, progress: Callable[[int, int], None] | None = None) -> str:
    ctx = context(table, head, progress)
    wide = len(table.columns)
    return render_template("exports/table.html", head=head, labels=ctx["labels"], columns=ctx["columns"],
                           rows=ctx["rows"], totals=ctx["totals"], numeric=[c.numeric for c in table.columns],
                           landscape=wide >= LANDSCAPE_FROM,
                           font_size=10 if wide < 10 else 8.5 if wide < 16 else 7)


def write(table: Table, head: document.Letterhead, out: BinaryIO,
          progress: Callable[[int, int], None] | None = None, **_options) -> None:
    from weasyprint import HTML

    from core.report_pdf import _no_fetching

    HTML(string=html(table, head, progress), url_fetcher=_no_fetching).write_pdf(out)
