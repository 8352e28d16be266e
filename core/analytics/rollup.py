"""Roll-up (H2): approved values of a unit's subtree, aggregated per field and cell, in SQL.

A unit's ``path`` (``/1/7/42/``) makes its subtree one ``LIKE '/1/7/%'``
condition on an indexed column, so the totals of any tier are one grouped
query over ``report_value`` — no nightly rebuild, no Python loop over rows:
a total is current the moment a report is approved. Approved means
``approved`` and ``correction_requested`` (the approved figures stand until
the board reopens the report).

How a field aggregates comes from the ``aggregation_rules`` hook (default
``sum``): ``avg``, ``min``, ``max``, ``count``, or ``wavg:<field>`` — the
average weighted by another field of the same report (a poverty rate weighted
by households). The one query computes every aggregate for every cell; the
rule only picks the column, per field.

:func:`contributions` is the drill-down: the reports (unit, report, form
version, value) behind one field's total, or the totals of each child unit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, select, true
from sqlalchemy.orm import aliased

from core.platform import plugin_admin
from core.forms.models.form import Form
from core.forms.models.period import Period
from core.reporting.models import Report, ReportValue, verified_clause
from core.hierarchy.models import Unit

APPROVED_STATES = ("approved", "correction_requested")
RULES = ("sum", "avg", "min", "max", "count")
WEIGHTED = "wavg:"


@dataclass
class Rollup:
    """The totals of ``unit``'s subtree for one form and period."""

    form: Form
    period: Period
    unit: Unit
    reports: int
    #: ``{(field_code, cell): value}``; numbers as Decimal (count as int).
    values: dict[tuple[str, str], object] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)


def rules_for(form: Form) -> dict[str, str]:
    """``{field_code: rule}`` from the plugins (later plugins do not override earlier answers)."""
    merged: dict[str, str] = {}
    for answer in plugin_admin.registry().hook.aggregation_rules(form=form) or []:
        for code, rule in (answer or {}).items():
            merged.setdefault(code, rule)
    return merged


def valid_rule(rule: str) -> bool:
    return rule in RULES or (rule.startswith(WEIGHTED) and len(rule) > len(WEIGHTED))


def subtree(unit: Unit):
    """The SQL condition "the report's unit is ``unit`` or below it" (needs ``Unit`` joined)."""
    return Unit.path.like(f"{unit.path}%")


def _approved(form: Form, period: Period, unit: Unit, verified: bool = False):
    clause = and_(Report.form_id == form.id, Report.period_id == period.id, Report.state.in_(APPROVED_STATES),
                  subtree(unit))
    return and_(clause, verified_clause()) if verified else clause


def totals(session, form: Form, period: Period, unit: Unit, verified: bool = False) -> Rollup:
    """One grouped query: every aggregate of every (field, cell) of the subtree's approved reports
    (``verified``: only those its sector department verified, H3)."""
    rules = rules_for(form)
    weights = {code: rule[len(WEIGHTED):] for code, rule in rules.items() if rule.startswith(WEIGHTED)}
    v = ReportValue
    # Only the aggregates some field's rule asks for (usually just the sum): each extra one costs.
    wanted = {"sum"} | {rule for rule in rules.values() if rule in RULES}
    aggregates = {"sum": func.sum(v.number), "avg": func.avg(v.number), "min": func.min(v.number),
                  "max": func.max(v.number), "count": func.count(v.number) + func.count(v.text)}
    names = [name for name in RULES if name in wanted]
    query = (select(v.field_code, v.cell, *(aggregates[name] for name in names))
             .join(Report, Report.id == v.report_id).join(Unit, Unit.id == Report.unit_id))
    if weights:
        # The weight of a value: the weight field's value in the same report (its total cell).
        w = aliased(ReportValue)
        weight_field = case(*((v.field_code == code, literal(weight)) for code, weight in weights.items()))
        query = query.add_columns(func.sum(v.number * w.number), func.sum(case((v.number.is_not(None), w.number))))
        query = query.outerjoin(w, and_(w.report_id == v.report_id, w.field_code == weight_field, w.cell == ""))
    query = query.where(_approved(form, period, unit, verified)).group_by(v.field_code, v.cell)
    values = {}
    for row in session.execute(query):
        code, cell = row[0], row[1]
        found = dict(zip(names, row[2:2 + len(names)]))
        rule = rules.get(code, "sum")
        if rule.startswith(WEIGHTED):
            weighted, weight_sum = row[2 + len(names):]
            values[(code, cell)] = (Decimal(weighted) / Decimal(weight_sum)) if weight_sum else None
        else:
            values[(code, cell)] = found.get(rule, found["sum"])
    reports = session.scalar(select(func.count(Report.id)).join(Unit, Unit.id == Report.unit_id)
                             .where(_approved(form, period, unit, verified)))
    return Rollup(form, period, unit, reports or 0, values, rules)


@dataclass(frozen=True)
class Contribution:
    unit_code: str
    unit_name: str
    level: str
    report_id: int | None
    form_version: int | None
    value: object
    reports: int = 1


def contributions(session, form: Form, period: Period, unit: Unit, field_code: str, cell: str = "",
                  by: str = "report", verified: bool = False) -> list[Contribution]:
    """What a total is made of: each approved report's value (``by="report"``), or each child unit's
    rolled-up total (``by="child"``; the child units are read once and each one's subtree summed in
    the same grouped query, joined on the path prefix)."""
    rule = rules_for(form).get(field_code, "sum")
    if by == "child":
        child = aliased(Unit)
        aggregate = {"avg": func.avg, "min": func.min, "max": func.max, "count": func.count}.get(rule, func.sum)
        rows = session.execute(
            select(child.code, child.name, child.level, aggregate(ReportValue.number), func.count(Report.id))
            .select_from(child)
            .join(Unit, Unit.path.like(child.path + "%"))
            .join(Report, and_(Report.unit_id == Unit.id, Report.form_id == form.id, Report.period_id == period.id,
                               Report.state.in_(APPROVED_STATES), verified_clause() if verified else true()))
            .join(ReportValue, and_(ReportValue.report_id == Report.id, ReportValue.field_code == field_code,
                                    ReportValue.cell == cell))
            .where(child.parent_id == unit.id)
            .group_by(child.code, child.name, child.level).order_by(child.code))
        return [Contribution(code, name, level, None, None, value, count) for code, name, level, value, count in rows]
    from core.forms.models.form import FormVersion

    rows = session.execute(
        select(Unit.code, Unit.name, Unit.level, Report.id, FormVersion.version, ReportValue.number,
               ReportValue.text)
        .join(Report, Report.unit_id == Unit.id).join(FormVersion, FormVersion.id == Report.form_version_id)
        .join(ReportValue, and_(ReportValue.report_id == Report.id, ReportValue.field_code == field_code,
                                ReportValue.cell == cell))
        .where(_approved(form, period, unit, verified)).order_by(Unit.path))
    return [Contribution(code, name, level, rid, version, text if number is None else number)
            for code, name, level, rid, version, number, text in rows]
