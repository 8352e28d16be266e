"""Running an analysis scenario (R7, R8): a saved aggregation, computed in SQL for the runner's subtree.

Who sees a scenario: its creator; every account of its owner unit and of the
units below it once it is shared (the board shares with the province, a
district with its communes); and the administrators who may edit it (owner in
their subtree). Whoever runs it, the rows come only from the subtree of a unit
*in the runner's scope* (the caller checks :func:`core.hierarchy.scope.in_scope`), so a
scenario shared by the board gives a district officer the district's figures.

A run is one grouped query over ``report_value`` — group key and field, every
aggregate at once, the field's rule (``aggregation_rules``, as in
:mod:`core.analytics.rollup`) picking the column — plus one for the total row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, case, false, func, literal, or_, select, true
from sqlalchemy.orm import aliased

from core.hierarchy import units as unit_levels
from core.forms.definitions import fields_of, published_versions
from core.analytics.models.analysis import AnalysisScenario
from core.forms.models.period import Period
from core.reporting.models import Report, ReportValue
from core.hierarchy.models import Unit
from core.forms.models.form import NUMERIC_TYPES
from core.reporting.models import STATES
from core.analytics import tree as trees
from core.analytics.rollup import APPROVED_STATES, WEIGHTED, rules_for
from core.hierarchy.scope import condition, is_system_admin


@dataclass
class Row:
    key: str
    name: str
    values: dict[str, object] = field(default_factory=dict)
    reports: int = 0
    #: Some figure of the row is estimated on today's boundaries (issue 19).
    reconstructed: bool = False


@dataclass
class Result:
    scenario: AnalysisScenario
    period: Period
    unit: Unit
    columns: list[tuple[str, str]]  # (field code, label)
    rows: list[Row]
    total: Row
    tree: str = trees.AS_REPORTED


def numeric_fields(session, form) -> dict[str, dict]:
    """``{code: field}``: the published version's numeric, non-disaggregated fields (what a scenario totals)."""
    version = published_versions(session, [form.id]).get(form.id)
    if version is None:
        return {}
    return {c: f for c, f in fields_of(version.definition).items() if f["type"] in NUMERIC_TYPES and not f.get("combo")}


def visible(account):
    """The scenarios ``account`` may list and run (see the module docstring)."""
    if account is None:
        return false()
    if is_system_admin(account):
        return true()
    clauses = [AnalysisScenario.created_by == account.id]
    unit = account.unit
    if unit is not None and unit.active:
        ancestors = select(Unit.id).where(literal(unit.path).startswith(Unit.path))
        clauses.append(and_(AnalysisScenario.shared.is_(True), AnalysisScenario.owner_unit_id.in_(ancestors)))
    return or_(*clauses)


def editable(account):
    """The scenarios ``account`` may change: those owned in its subtree (the role decides whether it may at all)."""
    return condition(AnalysisScenario, account)


def states_of(scenario: AnalysisScenario) -> tuple[str, ...]:
    wanted = [s for s in (scenario.filters or {}).get("states") or [] if s in STATES]
    return tuple(wanted) or APPROVED_STATES


def levels_of(scenario: AnalysisScenario) -> tuple[str, ...]:
    return tuple((scenario.filters or {}).get("levels") or ())


def _grouped(session, scenario: AnalysisScenario, period: Period, unit: Unit, group: str | None,
             tree: str = trees.AS_REPORTED):
    """``[(key, name, field_code, value, reports, reconstructed)]`` for the grouping (None: the whole subtree),
    on ``tree`` (:mod:`core.analytics.tree`: on ``current`` a row is today's unit, shares applied)."""
    form = scenario.form
    rules = rules_for(form)
    codes = list(scenario.fields or [])
    weights = {c: r[len(WEIGHTED):] for c, r in rules.items() if r.startswith(WEIGHTED) and c in codes}
    root_path = None
    if tree == trees.AS_REPORTED:
        exists_then, root_path = trees.version_on(session, unit, period.end)
        if not exists_then:
            return []
    v = ReportValue
    base = select().select_from(v).join(Report, Report.id == v.report_id).join(Unit, Unit.id == Report.unit_id)
    placed = trees.place(base, tree, unit, period.end, Report.unit_id, root_path)
    query, s = placed.query, placed.share
    weight = func.sum(case((v.number.is_not(None), s), else_=0))
    aggregates = [func.sum(v.number * s), func.sum(v.number * s) / func.nullif(weight, 0), func.min(v.number),
                  func.max(v.number), weight if tree == trees.CURRENT else func.count(v.number),
                  func.count(func.distinct(Report.id)), func.max(placed.reconstructed)]
    if tree == trees.AS_REPORTED:
        aggregates[1] = func.avg(v.number)
    if group == "child":
        child = trees.children(session, unit, period.end, tree)
        keys, order = [child.c.code, child.c.name], [child.c.path]
        query = query.join(child, placed.path.like(child.c.path + "%"))
    else:
        target = placed.target
        keys, order = {"level": ([placed.level, placed.level], []), "unit": ([target.code, target.name], [target.path]),
                       None: ([literal(""), literal("")], [])}[group]
    query = query.add_columns(*keys, v.field_code, *aggregates).where(placed.where)
    if weights:
        w = aliased(ReportValue)
        weight_field = case(*((v.field_code == code, literal(weight)) for code, weight in weights.items()))
        query = query.add_columns(func.sum(v.number * w.number * s), func.sum(case((v.number.is_not(None), w.number * s))))
        query = query.outerjoin(w, and_(w.report_id == v.report_id, w.field_code == weight_field, w.cell == ""))
    else:
        query = query.add_columns(literal(None), literal(None))
    query = query.where(Report.form_id == form.id, Report.period_id == period.id,
                        Report.state.in_(states_of(scenario)), v.field_code.in_(codes), v.cell == "")
    if levels_of(scenario):
        query = query.where(placed.level.in_(levels_of(scenario)))
    group_columns = [k for k in keys if group is not None] + order + [v.field_code]
    query = query.group_by(*dict.fromkeys(group_columns)).order_by(*order, *[k for k in keys if group is not None])
    out = []
    for key, name, code, total, mean, low, high, count, reports, used, weighted, weight_sum in session.execute(query):
        rule = rules.get(code, "sum")
        if rule.startswith(WEIGHTED):
            value = Decimal(str(weighted)) / Decimal(str(weight_sum)) if weight_sum else None
        else:
            value = {"sum": total, "avg": mean, "min": low, "max": high, "count": count}.get(rule, total)
        out.append((key, name, code, value, reports, bool(used)))
    return out


def _rows(raw) -> list[Row]:
    rows: dict[str, Row] = {}
    for key, name, code, value, reports, used in raw:
        row = rows.setdefault(key, Row(key, name))
        row.values[code] = value
        row.reports = max(row.reports, reports)
        row.reconstructed = row.reconstructed or used
    return list(rows.values())


def run(session, scenario: AnalysisScenario, period: Period, unit: Unit, tree: str = trees.AS_REPORTED) -> Result:
    """The scenario's table for ``unit``'s subtree and ``period`` on ``tree``; the caller has checked ``unit``
    is in scope."""
    labels = numeric_fields(session, scenario.form)
    columns = [(c, labels[c]["label"] if c in labels else c) for c in scenario.fields or []]
    rows = _rows(_grouped(session, scenario, period, unit, scenario.group_by, tree))
    if scenario.group_by == "level":
        names = {lvl.code: lvl.name for lvl in unit_levels.levels() or []}
        position = {code: i for i, code in enumerate(names)}
        rows.sort(key=lambda r: position.get(r.key, len(position)))
        for row in rows:
            row.name = names.get(row.key, row.key)
    total = (_rows(_grouped(session, scenario, period, unit, None, tree)) or [Row("", "")])[0]
    return Result(scenario, period, unit, columns, rows, total, tree)


def table(result: Result, headings: tuple[str, str, str, str]) -> tuple[list[str], list[list]]:
    """Headers and rows for a download: ``headings`` are the translated (code, name, reports, total) words."""
    code, name, reports, total = headings
    headers = [code, name] + [label for _c, label in result.columns] + [reports]
    rows = [[r.key, f"{r.name} *" if r.reconstructed else r.name] + [r.values.get(c) for c, _l in result.columns]
            + [r.reports] for r in result.rows]
    rows.append(["", total] + [result.total.values.get(c) for c, _l in result.columns] + [result.total.reports])
    return headers, rows
