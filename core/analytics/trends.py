"""Trends (R2): one field's total over every period of a form, for one unit's subtree.

:func:`core.analytics.rollup.totals` answers "this period"; a dashboard's line chart
needs the same total for each period the form was reported in. That is the
roll-up query grouped by period instead of by field: one statement however
many periods there are. The field's aggregation rule comes from the
``aggregation_rules`` hook as in the roll-up (``wavg:<field>`` weighs by the
other field of the same report).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from core.forms.models.form import Form
from core.forms.models.period import Period
from core.reporting.models import Report, ReportValue
from core.hierarchy.models import Unit
from core.analytics import tree as trees
from core.analytics.rollup import APPROVED_STATES, WEIGHTED, rules_for


@dataclass(frozen=True)
class Point:
    period_code: str
    period_name: str
    start: date
    value: object  # Decimal, int (count) or None
    reports: int
    #: Some report of this period counted through a lineage row (estimated on today's boundaries).
    reconstructed: bool = False

    def as_json(self) -> dict:
        from core.reporting.entry import plain

        value = self.value
        return {"period": self.period_code, "name": self.period_name, "start": self.start.isoformat(),
                "value": plain(value) if value is not None and not isinstance(value, int) else value,
                "reports": self.reports, "reconstructed": self.reconstructed}


def over_periods(session, form: Form, unit: Unit, field_code: str, cell: str = "",
                 tree: str = trees.CURRENT) -> list[Point]:
    """The subtree's approved total of ``field_code`` in each period of ``form``, oldest first.

    On the ``current`` tree (the default: a line has no break at a reorganisation) a period before it
    counts the predecessors' reports, shares applied, towards today's units; on ``as_reported`` each
    period counts the subtree as it stood on the period's end, and a period in which ``unit`` did not
    exist has no point."""
    rule = rules_for(form).get(field_code, "sum")
    v = ReportValue
    base = (select(Period.code, Period.name, Period.start).select_from(v).join(Report, Report.id == v.report_id)
            .join(Unit, Unit.id == Report.unit_id).join(Period, Period.id == Report.period_id))
    placed = trees.place(base, tree, unit, Period.end, Report.unit_id,
                         root_versions=tree == trees.AS_REPORTED and trees.has_versions(session, unit))
    query, s = placed.query, placed.share
    if rule.startswith(WEIGHTED):
        w = aliased(ReportValue)
        value = func.sum(v.number * w.number * s) / func.nullif(func.sum(w.number * s), 0)
        query = query.outerjoin(w, and_(w.report_id == v.report_id, w.field_code == rule[len(WEIGHTED):],
                                        w.cell == ""))
    elif rule in ("min", "max"):
        value = {"min": func.min, "max": func.max}[rule](v.number)  # whole values: a share of a minimum means nothing
    elif tree == trees.CURRENT:
        weight = func.sum(case((v.number.is_not(None), s), else_=0))
        value = {"count": weight, "avg": func.sum(v.number * s) / func.nullif(weight, 0)}.get(rule, func.sum(v.number * s))
    else:
        value = func.count(v.number) if rule == "count" else {"avg": func.avg}.get(rule, func.sum)(v.number)
    query = (query.add_columns(value, func.count(func.distinct(Report.id)), func.max(placed.reconstructed))
             .where(Report.form_id == form.id, Report.state.in_(APPROVED_STATES), placed.where,
                    v.field_code == field_code, v.cell == cell)
             .group_by(Period.code, Period.name, Period.start).order_by(Period.start, Period.code))
    return [Point(code, name, start, _number(total), count, bool(used))
            for code, name, start, total, count, used in session.execute(query)]


def _number(value):
    if value is None or isinstance(value, (int, Decimal)):
        return value
    return Decimal(str(value))  # SQLite answers a float for an average or a ratio
