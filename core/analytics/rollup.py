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
from core.analytics import tree as trees

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
    #: ``as_reported`` or ``current`` (:mod:`core.analytics.tree`).
    tree: str = "as_reported"
    #: The (field, cell) keys whose figure used a lineage row: estimated on today's boundaries.
    reconstructed: set = field(default_factory=set)
    #: On ``as_reported``: the chosen unit did not exist on the report date, so it has no figures.
    missing: bool = False


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


def _approved(form: Form, period: Period, verified: bool = False):
    clause = and_(Report.form_id == form.id, Report.period_id == period.id, Report.state.in_(APPROVED_STATES))
    return and_(clause, verified_clause()) if verified else clause


def _root(session, unit: Unit, period: Period, tree: str) -> tuple[bool, str | None]:
    """``(exists, path)`` of the chosen unit for this period's report date on ``tree``."""
    if tree == trees.CURRENT:
        return True, unit.path
    return trees.version_on(session, unit, period.end)


def totals(session, form: Form, period: Period, unit: Unit, verified: bool = False,
           tree: str = trees.AS_REPORTED) -> Rollup:
    """One grouped query: every aggregate of every (field, cell) of the subtree's approved reports
    (``verified``: only those its sector department verified, H3), on ``tree`` (:mod:`core.analytics.tree`)."""
    rules = rules_for(form)
    exists_then, root_path = _root(session, unit, period, tree)
    if not exists_then:
        return Rollup(form, period, unit, 0, {}, rules, tree=tree, missing=True)
    weights = {code: rule[len(WEIGHTED):] for code, rule in rules.items() if rule.startswith(WEIGHTED)}
    v = ReportValue
    base = (select(v.field_code, v.cell).select_from(v)
            .join(Report, Report.id == v.report_id).join(Unit, Unit.id == Report.unit_id))
    placed = trees.place(base, tree, unit, period.end, Report.unit_id, root_path)
    query, s = placed.query, placed.share
    reconstructed = tree == trees.CURRENT
    if reconstructed:
        # Shares apply to sum, count and the averages (Σ v·s / Σ s); min and max are of the whole values.
        aggregates = {"sum": func.sum(v.number * s), "avg": func.sum(case((v.number.is_not(None), s))),
                      "min": func.min(v.number), "max": func.max(v.number),
                      "count": func.sum(case((v.number.is_not(None), s), else_=0))
                      + func.sum(case((v.text.is_not(None), s), else_=0))}
    else:
        aggregates = {"sum": func.sum(v.number), "avg": func.avg(v.number), "min": func.min(v.number),
                      "max": func.max(v.number), "count": func.count(v.number) + func.count(v.text)}
    # Only the aggregates some field's rule asks for (usually just the sum): each extra one costs.
    wanted = {"sum"} | {rule for rule in rules.values() if rule in RULES}
    names = [name for name in RULES if name in wanted]
    query = query.add_columns(*(aggregates[name] for name in names), func.max(placed.reconstructed))
    if weights:
        # The weight of a value: the weight field's value in the same report (its total cell), times the share.
        w = aliased(ReportValue)
        weight_field = case(*((v.field_code == code, literal(weight)) for code, weight in weights.items()))
        query = query.add_columns(func.sum(v.number * w.number * s),
                                  func.sum(case((v.number.is_not(None), w.number * s))))
        query = query.outerjoin(w, and_(w.report_id == v.report_id, w.field_code == weight_field, w.cell == ""))
    query = query.where(_approved(form, period, verified), placed.where).group_by(v.field_code, v.cell)
    values, used = {}, set()
    for row in session.execute(query):
        code, cell = row[0], row[1]
        found = dict(zip(names, row[2:2 + len(names)]))
        if row[2 + len(names)]:
            used.add((code, cell))
        if reconstructed and "avg" in found:
            found["avg"] = _ratio(found["sum"], found["avg"])
        rule = rules.get(code, "sum")
        if rule.startswith(WEIGHTED):
            weighted, weight_sum = row[3 + len(names):]
            values[(code, cell)] = _ratio(weighted, weight_sum)
        else:
            values[(code, cell)] = found.get(rule, found["sum"])
    counted = trees.place(select(func.count(func.distinct(Report.id))).select_from(Report)
                          .join(Unit, Unit.id == Report.unit_id), tree, unit, period.end, Report.unit_id, root_path)
    reports = session.scalar(counted.query.where(_approved(form, period, verified), counted.where))
    return Rollup(form, period, unit, reports or 0, values, rules, tree=tree, reconstructed=used)


def _ratio(top, bottom):
    return (Decimal(str(top)) / Decimal(str(bottom))) if bottom else None


@dataclass(frozen=True)
class Contribution:
    unit_code: str
    unit_name: str
    level: str
    report_id: int | None
    form_version: int | None
    value: object
    reports: int = 1
    #: The value used a lineage row (a predecessor's report counted on today's tree).
    reconstructed: bool = False


def contributions(session, form: Form, period: Period, unit: Unit, field_code: str, cell: str = "",
                  by: str = "report", verified: bool = False, tree: str = trees.AS_REPORTED) -> list[Contribution]:
    """What a total is made of: each approved report's value (``by="report"``; on the current tree times its
    share, under the name of the unit that made it), or each child unit's rolled-up total (``by="child"``;
    the child units are read once and each one's subtree summed in the same grouped query, joined on the
    path prefix: the children as of the report date on ``as_reported``, today's on ``current``)."""
    rule = rules_for(form).get(field_code, "sum")
    exists_then, root_path = _root(session, unit, period, tree)
    if not exists_then:
        return []
    approved = _approved(form, period, verified)
    value_join = and_(ReportValue.report_id == Report.id, ReportValue.field_code == field_code,
                      ReportValue.cell == cell)
    if by == "child":
        child = trees.children(session, unit, period.end, tree)
        base = (select(child.c.code, child.c.name, child.c.level).select_from(Report)
                .join(Unit, Unit.id == Report.unit_id).join(ReportValue, value_join))
        placed = trees.place(base, tree, unit, period.end, Report.unit_id, root_path)
        s = placed.share
        number = ReportValue.number
        if tree == trees.CURRENT and rule in ("sum", "avg", "count"):
            weighted = {"sum": func.sum(number * s), "count": func.sum(case((number.is_not(None), s), else_=0)),
                        "avg": func.sum(number * s) / func.nullif(func.sum(case((number.is_not(None), s))), 0)}
            value = weighted[rule]
        else:
            aggregate = {"avg": func.avg, "min": func.min, "max": func.max, "count": func.count}.get(rule, func.sum)
            value = aggregate(number)
        rows = session.execute(
            placed.query.join(child, placed.path.like(child.c.path + "%"))
            .add_columns(value, func.count(func.distinct(Report.id)), func.max(placed.reconstructed))
            .where(approved, placed.where)
            .group_by(child.c.code, child.c.name, child.c.level).order_by(child.c.code))
        return [Contribution(code, name, level, None, None, _plain(value), count, bool(used))
                for code, name, level, value, count, used in rows]
    from core.forms.models.form import FormVersion

    base = (select(Unit.code, Unit.name, Unit.level, Report.id, FormVersion.version).select_from(Unit)
            .join(Report, Report.unit_id == Unit.id).join(FormVersion, FormVersion.id == Report.form_version_id)
            .join(ReportValue, value_join))
    placed = trees.place(base, tree, unit, period.end, Report.unit_id, root_path)
    rows = session.execute(
        placed.query.add_columns(ReportValue.number * placed.share, ReportValue.text, placed.reconstructed)
        .where(approved, placed.where).order_by(Unit.path, Report.id))
    return [Contribution(code, name, level, rid, version, text if number is None else number, 1, bool(used))
            for code, name, level, rid, version, number, text, used in rows]


def _plain(value):
    if value is None or isinstance(value, (int, Decimal)):
        return value
    return Decimal(str(value))  # SQLite answers a float for an average or a ratio
