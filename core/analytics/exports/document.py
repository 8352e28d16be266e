"""What every export carries besides its table, as an official form does: the issuing unit, the
document number, the title, the period and the dateline; and :func:`export`, which writes one file.

The dateline is the report PDF's (``Cao Bằng, ngày 21 tháng 11 năm 2026``,
:func:`core.reporting.report_pdf.dateline`), so exports and reports read alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import BinaryIO, Callable

from flask_babel import gettext as _

from core.reporting import entry, report_pdf
from core.analytics.exports import table as tables
from core.forms.models.form import Form
from core.forms.models.period import Period
from core.hierarchy.models import Unit


@dataclass(frozen=True)
class Letterhead:
    issuing_unit: str
    number: str
    title: str
    period: str
    date: str  # DD/MM/YYYY
    dateline: str


def number_of(unit: Unit, seq: int | None = None) -> str:
    """"12/BC-04": the job's number when it has one, else dots for the clerk to fill in by hand."""
    return f"{seq if seq else '……'}/BC-{unit.code}"


def letterhead(table: tables.Table, seq: int | None = None, on: date | None = None) -> Letterhead:
    on = on or entry.today()
    return Letterhead(issuing_unit=table.unit.name, number=number_of(table.unit, seq), title=table.title,
                      period=f"{table.period.name} ({table.period.code})", date=on.strftime("%d/%m/%Y"),
                      dateline=report_pdf.dateline(table.unit, on))


def labels() -> dict[str, str]:
    """The fixed words of every export, translated once per file."""
    return {"no": _("No."), "code": _("Unit code"), "unit": _("Unit"), "total": _("Grand total"),
            "period": _("Period"), "number": _("Number"), "nation": _("Socialist Republic of Vietnam"),
            "motto": _("Independence – Freedom – Happiness"), "prepared": _("Prepared by"),
            "head": _("Head of unit"), "sign": _("(signature, full name)"),
            "seal": _("(signature, full name, seal)"), "date": _("Date")}


def export(session, form: Form, period: Period, unit: Unit, fmt: str, out: BinaryIO, seq: int | None = None,
           progress: Callable[[int, int], None] | None = None, verified: bool = False,
           tree: str = "as_reported") -> tables.Table:
    """Write ``fmt`` into ``out``; ``progress(rows_done, rows_total)`` is called after each chunk of rows."""
    from core.analytics.exports import templates, writer

    table = tables.build(session, form, period, unit, verified=verified, tree=tree)
    options = {"template": templates.path_for(session, form)} if fmt == "docx" else {}
    writer(fmt).write(table, letterhead(table, seq), out, progress=progress, **options)
    return table


def chunks(rows: list, size: int, progress: Callable[[int, int], None] | None):
    """``rows`` in chunks of ``size``, reporting after each chunk is written."""
    total = len(rows)
    for start in range(0, total, size):
        yield rows[start:start + size]
        if progress is not None:
            progress(min(start + size, total), total)
    if not total and progress is not None:
        progress(0, 0)


def chunk_size() -> int:
    from flask import current_app

    return int(current_app.config.get("EXPORT_CHUNK_ROWS", 500))
