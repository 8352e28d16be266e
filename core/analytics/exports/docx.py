"""DOCX: a Word template rendered with docxtpl (Đồng Nai distributes its forms as Word files).

The board uploads a template per form (:mod:`core.analytics.exports.templates`); without
one, ``core/templates/analytics/exports/default.docx`` is used (made by
:mod:`core.analytics.exports.default_docx`). A template sees this context, every value
already written as a reader expects it (1.234,5; Có/Không; DD/MM/YYYY):

``unit``      ``code``, ``name``, ``level`` of the issuing unit (the subtree's root)
``form``      ``code``, ``name``, ``version``
``period``    ``code``, ``name``, ``start``, ``end``
``date``      ``21/11/2026``; ``dateline``: ``Cao Bằng, ngày 21 tháng 11 năm 2026``
``number``    ``12/BC-04`` (the export job's number), ``title`` the form's name
``columns``   each ``key``, ``code``, ``cell``, ``label``, ``heading`` (label and unit of measure)
``rows``      each unit: ``no``, ``code``, ``name``, ``level``, ``cells`` (in column order) and
              ``fields`` (by column key: ``row.fields.households``)
``totals``    the total row: ``name``, ``cells``, ``fields``
``labels``    the fixed words (``labels.total`` is "Tổng cộng"…)

A table row repeats with ``{%tr for r in rows %}`` … ``{%tr endfor %}`` and
columns with ``{%tc for v in r.cells %}`` … ``{%tc endfor %}`` (docxtpl's tags).
Templates render in Jinja's sandbox with autoescaping: a template cannot
reach the server, and a name with "&" stays valid Word XML.
"""
from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Callable

from jinja2.sandbox import SandboxedEnvironment

from core.analytics.exports import document
from core.analytics.exports.table import Table, shown


def _row(columns, no, code, name, level, values) -> dict:
    cells = [shown(c, v) for c, v in zip(columns, values)]
    return {"no": no, "code": code, "name": name, "level": level, "cells": cells,
            "fields": {c.key: text for c, text in zip(columns, cells)}}


def context(table: Table, head: document.Letterhead, progress: Callable[[int, int], None] | None = None) -> dict:
    words = document.labels()
    cols = table.columns
    rows = []
    for chunk in document.chunks(table.rows, document.chunk_size(), progress):
        rows.extend(_row(cols, r.no, r.code, r.name, r.level, r.values) for r in chunk)
    unit, form, period = table.unit, table.form, table.period
    return {
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level},
        "form": {"code": form.code, "name": form.name, "version": table.version},
        "period": {"code": period.code, "name": period.name, "start": period.start.strftime("%d/%m/%Y"),
                   "end": period.end.strftime("%d/%m/%Y")},
        "date": head.date, "dateline": head.dateline, "number": head.number, "title": head.title,
        "columns": [{"key": c.key, "code": c.code, "cell": c.cell, "label": c.label, "heading": c.heading,
                     "unit_of_measure": c.unit_of_measure} for c in cols],
        "rows": rows,
        "totals": _row(cols, "", "", words["total"], "", table.totals),
        "labels": words,
    }


def render(template: Path | BinaryIO, ctx: dict, out: BinaryIO) -> None:
    from docxtpl import DocxTemplate

    doc = DocxTemplate(template)
    doc.render(ctx, jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True)
    doc.save(out)


def write(table: Table, head: document.Letterhead, out: BinaryIO,
          progress: Callable[[int, int], None] | None = None, template: Path | None = None, **_options) -> None:
    from core.analytics.exports.templates import DEFAULT

    render(template or DEFAULT, context(table, head, progress), out)
