"""Approved values out, imported values in: the part every format shares.

Export reads the approved values of a unit's subtree in one query (approved
as in :mod:`core.analytics.rollup`). Import is all or nothing: every row is read,
mapped and judged first — unknown unit, form, field, period or cell, no
report, a report that is not a draft or returned, a value the entry rules
refuse — and all errors are listed with their row numbers. Values are read
as a program writes them (DHIS2: ``"1234.5"``), never the Vietnamese way
(``"1.234"`` would be 1234): :func:`core.reporting.entry.parse` with ``machine``. Only when there
is none is anything written, report by report through
:func:`core.reporting.entry.save_checked` (so W9's history and the audit log see an
import like any other save), in the caller's one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from core.platform import audit
from core.reporting import entry
from core.exchange.datavalues import DataValue, ValueSet
from core.exchange.mapping import Mapper
from core.forms.definitions import fields_of
from core.forms.models.form import Form, FormVersion
from core.forms.models.period import Period
from core.reporting.models import Report, ReportValue
from core.hierarchy.models import Unit
from core.analytics import tree as trees
from core.analytics.rollup import APPROVED_STATES


def _text(number, text) -> str | None:
    if number is None:
        return text
    return format(Decimal(number).normalize(), "f")


def export(session, form: Form, period: Period, unit: Unit, mapper: Mapper, children: bool = True,
           tree: str = trees.AS_REPORTED) -> ValueSet:
    """The approved values of ``unit`` (and, with ``children``, every unit below it), sorted.

    Each value of a disaggregated field also carries its categories and options (ADX writes them so).
    On the ``current`` tree (:mod:`core.analytics.tree`) the values are today's units': a predecessor's
    number counts towards its successors times the share (summed per successor, field and cell); texts
    are sent only where no lineage row was used (they cannot be added).
    """
    where = [Report.form_id == form.id, Report.period_id == period.id, Report.state.in_(APPROVED_STATES)]
    if tree == trees.CURRENT:
        rows = _current_rows(session, unit, period, where, children)
    else:
        exists_then, root_path = trees.version_on(session, unit, period.end)
        placed = trees.place(
            select(Unit.code, Report.unit_id, Report.approved_at, Report.form_version_id, ReportValue.field_code,
                   ReportValue.cell, ReportValue.number, ReportValue.text)
            .select_from(ReportValue).join(Report, Report.id == ReportValue.report_id)
            .join(Unit, Unit.id == Report.unit_id), tree, unit, period.end, Report.unit_id, root_path)
        where.append(placed.where if children else Report.unit_id == unit.id)
        rows = session.execute(placed.query.where(and_(*where))).all() if exists_then else []
    categories = _categories(session, {r.form_version_id for r in rows})
    ext_period = mapper.external("period", period.code)
    values = sorted(
        (DataValue(data_element=mapper.external("field", r.field_code), period=ext_period,
                   org_unit=mapper.external("unit", r.code), coc=mapper.external("cell", r.cell),
                   value=_text(r.number, r.text),
                   disaggregation=tuple(zip(categories.get((r.form_version_id, r.field_code), ()),
                                            r.cell.split("|"))) if r.cell else ())
         for r in rows),
        key=lambda v: (v.org_unit, v.data_element, v.coc))
    own = [r.approved_at for r in rows if r.unit_id == unit.id and r.approved_at is not None]
    return ValueSet(data_set=mapper.external("form", form.code), period=ext_period,
                    org_unit=mapper.external("unit", unit.code),
                    complete_date=max(own).date().isoformat() if own else None, values=values)


def _current_rows(session, unit: Unit, period: Period, where: list, children: bool):
    """``export``'s rows on today's tree: one per today's unit, field and cell, in one grouped query."""
    v = ReportValue
    placed = trees.place(select(v.field_code, v.cell).select_from(v).join(Report, Report.id == v.report_id)
                         .join(Unit, Unit.id == Report.unit_id), trees.CURRENT, unit, period.end, Report.unit_id)
    target, own = placed.target, placed.reconstructed == 0
    query = (placed.query.add_columns(
        target.code.label("code"), target.id.label("unit_id"),
        func.max(case((own, Report.approved_at))).label("approved_at"),
        func.max(Report.form_version_id).label("form_version_id"),
        func.sum(v.number * placed.share).label("number"), func.max(case((own, v.text))).label("text"))
        .where(and_(*where), placed.where if children else target.id == unit.id)
        .group_by(target.code, target.id, v.field_code, v.cell))
    return [r for r in session.execute(query) if r.number is not None or r.text is not None]


def _categories(session, version_ids: set[int]) -> dict[tuple[int, str], tuple[str, ...]]:
    """``{(version id, field code): (category code, ...)}`` of the disaggregated fields."""
    out: dict[tuple[int, str], tuple[str, ...]] = {}
    if not version_ids:
        return out
    for version in session.scalars(select(FormVersion).where(FormVersion.id.in_(version_ids))):
        defn = version.definition
        for code, fld in fields_of(defn).items():
            if fld.get("combo"):
                out[(version.id, code)] = tuple(c["code"] for c in defn["combos"][fld["combo"]]["categories"])
    return out


# --- import ---------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    #: ``[{"row": n, "field": ..., "message": ...}]``, by row; empty when imported.
    errors: list[dict] = field(default_factory=list)
    rows: int = 0
    reports: int = 0
    #: Cells whose value changed (the rest already held the imported value).
    changed: int = 0

    def as_json(self) -> dict:
        return {"rows": self.rows, "reports": self.reports, "changed": self.changed}


@dataclass
class _Target:
    report: Report
    raw: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)  # error key -> row number
    first_row: int = 0


def _error(row: int, name: str, message: str) -> dict:
    return {"row": row, "field": name, "message": message}


def _by_code(session, model, codes: set[str]) -> dict:
    if not codes:
        return {}
    return {obj.code: obj for obj in session.scalars(select(model).where(model.code.in_(codes)))}


class _Resolver:
    """Local codes of each row, and the reports they name, read with a handful of IN queries."""

    def __init__(self, session, value_set: ValueSet, mapper: Mapper, form_code: str | None, account):
        self.mapper, self.value_set, self.form_code = mapper, value_set, form_code
        rows = [self.codes(v) for v in value_set.values]
        self.forms = _by_code(session, Form, {f for f, _p, _u in rows if f})
        self.periods = _by_code(session, Period, {p for _f, p, _u in rows if p})
        self.units = _by_code(session, Unit, {u for _f, _p, u in rows if u})
        if account is not None:
            from core.hierarchy.scope import in_scope

            self.units = {code: unit for code, unit in self.units.items() if in_scope(account, unit)}
        self.reports = {}
        if self.forms and self.periods and self.units:
            found = session.execute(
                select(Report, Form.code, Period.code, Unit.code)
                .join(Form, Form.id == Report.form_id).join(Period, Period.id == Report.period_id)
                .join(Unit, Unit.id == Report.unit_id)
                .where(Report.form_id.in_([f.id for f in self.forms.values()]),
                       Report.period_id.in_([p.id for p in self.periods.values()]),
                       Report.unit_id.in_([u.id for u in self.units.values()])))
            self.reports = {(f, p, u): report for report, f, p, u in found}

    def codes(self, value: DataValue) -> tuple[str | None, str | None, str | None]:
        data_set = value.data_set or self.value_set.data_set
        form = self.mapper.local("form", data_set) if data_set else self.form_code
        period = value.period or self.value_set.period
        unit = value.org_unit or self.value_set.org_unit
        return (form, self.mapper.local("period", period) if period else None,
                self.mapper.local("unit", unit) if unit else None)


def _cell(value: DataValue, defn: dict, fld: dict, mapper: Mapper) -> tuple[str | None, str | None]:
    """The local cell key of a value, or ``(None, message)``."""
    if value.disaggregation:
        if not fld.get("combo"):
            return None, _("This field has no disaggregation.")
        given = dict(value.disaggregation)
        categories = [c["code"] for c in defn["combos"][fld["combo"]]["categories"]]
        missing = [c for c in categories if c not in given]
        if missing or len(given) != len(categories):
            return None, _("The disaggregation must give exactly these categories: %(names)s.",
                           names=", ".join(categories))
        cell = "|".join(given[c] for c in categories)
    else:
        cell = mapper.local("cell", value.coc or "default")
    if cell not in entry.cells_of(defn, fld):
        return None, _("Unknown disaggregation %(code)s.", code=value.coc or cell)
    return cell, None


def _judge(resolver: _Resolver, value: DataValue, targets: dict, errors: list) -> None:
    """Map one row; record its errors, or add it to its report's values."""
    form, period, unit = resolver.codes(value)
    row = value.row
    problems = []
    if not form:
        problems.append(_error(row, "dataSet", _("The form (data set) is not given.")))
    elif form not in resolver.forms:
        problems.append(_error(row, "dataSet", _("Unknown form %(code)s.", code=form)))
    if not period or period not in resolver.periods:
        problems.append(_error(row, "period", _("Unknown period %(code)s.", code=period or "")))
    if not unit or unit not in resolver.units:
        problems.append(_error(row, "orgUnit", _("Unknown unit %(code)s.", code=unit or "")))
    if problems:
        errors.extend(problems)
        return
    report = resolver.reports.get((form, period, unit))
    if report is None:
        errors.append(_error(row, "orgUnit", _("Unit %(unit)s has no report of form %(form)s for period %(period)s.",
                                               unit=unit, form=form, period=period)))
        return
    if not entry.is_editable(report):
        errors.append(_error(row, "orgUnit", _(
            "The report of %(unit)s is %(state)s: only a draft or a returned report can take imported values.",
            unit=unit, state=entry.state_label(report.state))))
        return
    defn = report.version.definition
    code = resolver.mapper.local("field", value.data_element)
    fld = entry.fields_of(defn).get(code)
    if fld is None:
        errors.append(_error(row, "dataElement", _("Unknown data element %(code)s.", code=value.data_element)))
        return
    cell, message = _cell(value, defn, fld, resolver.mapper)
    if message:
        errors.append(_error(row, "categoryOptionCombo", message))
        return
    target = targets.setdefault(report.id, _Target(report, first_row=row))
    key = entry.error_key(code, cell)
    if key in target.rows:
        errors.append(_error(row, "dataElement", _("This value is already given in row %(row)d.",
                                                   row=target.rows[key])))
        return
    target.rows[key] = row
    target.raw[entry.input_name(code, cell)] = value.value


def import_values(session, value_set: ValueSet, mapper: Mapper, form_code: str | None = None,
                  account=None) -> ImportResult:
    """Check every row; write all of them, or nothing. The caller commits (or rolls back)."""
    result = ImportResult(rows=len(value_set.values))
    resolver = _Resolver(session, value_set, mapper, form_code, account)
    targets: dict[int, _Target] = {}
    for value in value_set.values:
        _judge(resolver, value, targets, result.errors)
    for target in targets.values():
        for key, messages in entry.check(session, target.report, target.raw, partial=True,
                                         machine=True).errors.items():
            row = target.rows.get(key, target.first_row)
            result.errors.extend(_error(row, "value" if key in target.rows else key, m) for m in messages)
    if result.errors or not targets:
        if not result.errors:
            result.errors.append(_error(0, "dataValues", _("The file holds no data values.")))
        result.errors.sort(key=lambda e: e["row"])
        return result
    for target in targets.values():
        check = entry.save_checked(session, target.report, target.raw, partial=True, machine=True)
        if check.errors:  # changed between the check and the save (another writer): nothing is kept
            raise RuntimeError(f"report {target.report.id} changed during the import: {check.errors}")
        result.changed += len(check.changes)
    result.reports = len(targets)
    audit.record("exchange.import", "Report", None, {
        "system": mapper.system, "rows": result.rows, "reports": sorted(targets), "changed": result.changed},
        session=session)
    return result
