"""The export table of a form, period and unit: one column per field (and cell), one row per unit.

Columns come from the form's published version (its frozen definition), a
disaggregated field giving one column per cell. Rows are the approved reports
(approved, or with a correction requested: :data:`core.analytics.rollup.APPROVED_STATES`)
of the unit's subtree, read in ONE query over ``report`` joined to its unit and
its values, ordered by unit path and grouped by report: each unit's values come
as one JSON object (``json_object_agg``; SQLite's ``json_group_object``), so a
province of 3,321 units × 200 fields is 3,321 rows, not 664,200.
The total row is :func:`core.analytics.rollup.totals`, so the province's aggregation
rules apply and it equals ``/api/v1/aggregate/``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Iterator

from flask_babel import gettext as _
from sqlalchemy import case, func, literal, select

from core.reporting import entry
from core.analytics import rollup
from core.analytics import tree as trees
from core.forms.definitions import fields_of
from core.forms.models.form import Form, FormVersion
from core.forms.models.period import Period
from core.reporting.models import Report, ReportValue, verified_clause
from core.hierarchy.models import Unit
from core.forms.models.form import NUMERIC_TYPES

STREAM_ROWS = 500  # units fetched at a time from the database


@dataclass(frozen=True)
class Column:
    code: str
    cell: str
    label: str
    type: str
    unit_of_measure: str = ""
    choices: tuple = ()

    @property
    def key(self) -> str:
        """``households``, or ``population__kinh|nam`` for a cell (as the entry form names inputs)."""
        return entry.input_name(self.code, self.cell)

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def heading(self) -> str:
        return f"{self.label} ({self.unit_of_measure})" if self.unit_of_measure else self.label


@dataclass
class Row:
    no: int
    code: str
    name: str
    level: str
    values: list


@dataclass
class Table:
    form: Form
    period: Period
    unit: Unit
    version: int
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    totals: list = field(default_factory=list)
    reports: int = 0
    tree: str = trees.AS_REPORTED
    #: Some figure is estimated on today's boundaries: the title says so, the rows carry a ``*``.
    reconstructed: bool = False

    @property
    def title(self) -> str:
        if self.reconstructed:
            return f"{self.form.name} ({trees.RECONSTRUCTED})"
        return self.form.name


def columns_of(defn: dict) -> list[Column]:
    """Every field but file uploads, a disaggregated one as one column per cell ("Dân số – Kinh / Nam")."""
    out = []
    for fld in fields_of(defn).values():
        if fld["type"] == "file":
            continue
        choices = tuple((c["code"], c["label"]) for c in fld.get("choices") or [])
        if not fld.get("combo"):
            out.append(Column(fld["code"], "", fld["label"], fld["type"], fld.get("unit_of_measure") or "", choices))
            continue
        for cell in defn["combos"][fld["combo"]]["cells"]:
            label = f"{fld['label']} – {' / '.join(cell['labels'])}"
            out.append(Column(fld["code"], cell["key"], label, fld["type"], fld.get("unit_of_measure") or "",
                              choices))
    return out


def _converter(column: Column):
    """From the JSON the query aggregates (numbers as JSON numbers, texts as strings) to a typed value."""
    if column.type == "integer":
        return int
    if column.numeric or column.type == "yes_no":
        return lambda number: int(number) if float(number).is_integer() else float(number)
    return lambda value: value if isinstance(value, str) else entry.plain(value)


def _object_agg(session, key, value):
    """``{key: value}`` of a group as JSON, skipping NULL values (PostgreSQL and SQLite spell it apart)."""
    name = "json_object_agg" if session.get_bind().dialect.name == "postgresql" else "json_group_object"
    return getattr(func, name)(key, value).filter(value.is_not(None))


def _json(value) -> dict:
    if value is None:
        return {}
    return json.loads(value) if isinstance(value, str) else value


def published_definition(session, form: Form) -> dict:
    version = session.scalar(select(FormVersion).where(FormVersion.form_id == form.id,
                                                       FormVersion.version == form.published_version))
    if version is None:
        raise LookupError(_("The form %(form)s has no published version.", form=form.code))
    return version.definition


def unit_rows(session, form: Form, period: Period, unit: Unit, columns: list[Column],
              verified: bool = False, tree: str = trees.AS_REPORTED) -> Iterator[Row]:
    """Each approved unit's values in column order, from ONE statement: the database gathers each
    report's values into JSON (one row per unit, not per value), Python only places them.

    On ``current`` a row is one of today's units: its own report's values, or its predecessors' numbers
    summed with their shares (texts are not carried over: they cannot be added), named with a ``*``."""
    if tree == trees.CURRENT:
        yield from _current_rows(session, form, period, unit, columns, verified)
        return
    exists_then, root_path = trees.version_on(session, unit, period.end)
    if not exists_then:
        return
    index = {f"{c.code}|{c.cell}": i for i, c in enumerate(columns)}
    convert = [_converter(c) for c in columns]
    v = ReportValue
    key = v.field_code + literal("|") + v.cell
    approved = (Report.form_id == form.id, Report.period_id == period.id,
                Report.state.in_(rollup.APPROVED_STATES)) + ((verified_clause(),) if verified else ())
    # Gather each report's values first, then sort the 3,321 units (not 664,200 values) by path.
    gathered = (select(v.report_id, _object_agg(session, key, v.number).label("numbers"),
                       _object_agg(session, key, v.text).label("texts"))
                .join(Report, Report.id == v.report_id).where(*approved).group_by(v.report_id).subquery())
    placed = trees.place(select(Unit.code, Unit.name, Unit.level, gathered.c.numbers, gathered.c.texts)
                         .select_from(Report).join(Unit, Unit.id == Report.unit_id),
                         tree, unit, period.end, Report.unit_id, root_path)
    query = (placed.query.outerjoin(gathered, gathered.c.report_id == Report.id)
             .where(*approved, placed.where).order_by(Unit.path, Report.id))
    yield from _placed_rows(session, query, index, convert, len(columns))


def _current_rows(session, form, period, unit, columns, verified) -> Iterator[Row]:
    index = {f"{c.code}|{c.cell}": i for i, c in enumerate(columns)}
    convert = [_converter(c) for c in columns]
    v = ReportValue
    key = (v.field_code + literal("|") + v.cell).label("key")
    approved = (Report.form_id == form.id, Report.period_id == period.id,
                Report.state.in_(rollup.APPROVED_STATES)) + ((verified_clause(),) if verified else ())
    placed = trees.place(select(key).select_from(v).join(Report, Report.id == v.report_id)
                         .join(Unit, Unit.id == Report.unit_id), trees.CURRENT, unit, period.end, Report.unit_id)
    # Per today's unit and cell: Σ value × share, the text only when no lineage row was used.
    cells = (placed.query.add_columns(placed.target.id.label("unit_id"),
                                      func.sum(v.number * placed.share).label("number"),
                                      func.max(case((placed.reconstructed == 0, v.text))).label("text"),
                                      func.max(placed.reconstructed).label("used"))
             .where(*approved, placed.where).group_by(placed.target.id, key).subquery())
    gathered = (select(cells.c.unit_id, _object_agg(session, cells.c.key, cells.c.number).label("numbers"),
                       _object_agg(session, cells.c.key, cells.c.text).label("texts"),
                       func.max(cells.c.used).label("used"))
                .group_by(cells.c.unit_id).subquery())
    query = (select(Unit.code, Unit.name, Unit.level, gathered.c.numbers, gathered.c.texts, gathered.c.used)
             .join(gathered, gathered.c.unit_id == Unit.id).order_by(Unit.path))
    yield from _placed_rows(session, query, index, convert, len(columns))


def _placed_rows(session, query, index, convert, width) -> Iterator[Row]:
    # Options on the statement, not the connection: the session's later statements must not stream.
    result = session.connection().execute(query.execution_options(yield_per=STREAM_ROWS))
    for no, (code, name, level, numbers, texts, *used) in enumerate(result, start=1):
        values = [None] * width
        for found in (_json(numbers), _json(texts)):
            for k, value in found.items():
                i = index.get(k)
                if i is not None:
                    values[i] = convert[i](value)
        yield Row(no, code, f"{name} *" if used and used[0] else name, level, values)


def totals_of(session, form: Form, period: Period, unit: Unit, columns: list[Column],
              verified: bool = False, tree: str = trees.AS_REPORTED) -> tuple[list, int, bool]:
    """The total row from the roll-up (aggregation rules applied), the number of reports in it, and
    whether a figure of it is reconstructed."""
    result = rollup.totals(session, form, period, unit, verified=verified, tree=tree)
    out = []
    for column in columns:
        value = result.values.get((column.code, column.cell))
        out.append(None if value is None or isinstance(value, str) else entry.plain(value))
    return out, result.reports, bool(result.reconstructed)


def build(session, form: Form, period: Period, unit: Unit, verified: bool = False,
          tree: str = trees.AS_REPORTED) -> Table:
    """The whole table in memory (rows of a province: 3,321 × 200 values is a few MB)."""
    defn = published_definition(session, form)
    columns = columns_of(defn)
    table = Table(form, period, unit, defn.get("version") or form.published_version, columns, tree=tree)
    # verified: only the reports their sector department verified (H3).
    table.totals, table.reports, table.reconstructed = totals_of(session, form, period, unit, columns, verified, tree)
    table.rows = list(unit_rows(session, form, period, unit, columns, verified, tree))
    return table


# --- how a value reads in a document ---------------------------------------------------------


def shown(column: Column, value) -> str:
    """A value as a reader expects it (1.234,5; the choice's label; Có/Không; DD/MM/YYYY)."""
    from core.reporting.report_pdf import shown as pdf_shown

    return pdf_shown({"type": column.type, "choices": [{"code": c, "label": l} for c, l in column.choices]}, value)


def plain_value(column: Column, value):
    """A value for a machine-readable file (CSV): numbers stay numbers (written with a decimal point, no
    grouping), yes/no is 1 or 0, a choice its label, a date DD/MM/YYYY, text as typed; None when empty."""
    if value is None:
        return None
    if column.type == "yes_no":
        return int(value)
    if column.type == "choice":
        return next((label for code, label in column.choices if code == value), str(value))
    if column.type == "date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    return value
