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

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from core.forms.models.form import Form
from core.forms.models.period import Period
from core.reporting.models import Report, ReportValue
from core.hierarchy.models import Unit
from core.analytics.rollup import APPROVED_STATES, WEIGHTED, rules_for, subtree


@dataclass(frozen=True)
class Point:
    period_code: str
    period_name: str
    start: date
    value: object  # Decimal, int (count) or None
    reports: int

    def as_json(self) -> dict:
        from core.reporting.entry import plain

        value = self.value
        return {"period": self.period_code, "name": self.period_name, "start": self.start.isoformat(),
                "value": plain(value) if value is not None and not isinstance(value, int) else value,
                "reports": self.reports}


def over_periods(session, form: Form, unit: Unit, field_code: str, cell: str = "") -> list[Point]:
    """The subtree's approved total of ``field_code`` in each period of ``form``, oldest first."""
    rule = rules_for(form).get(field_code, "sum")
    v = ReportValue
    if rule.startswith(WEIGHTED):
        w = aliased(ReportValue)
        value = func.sum(v.number * w.number) / func.nullif(func.sum(w.number), 0)
        weight_join = (w, and_(w.report_id == v.report_id, w.field_code == rule[len(WEIGHTED):], w.cell == ""))
    else:
        aggregate = {"avg": func.avg, "min": func.min, "max": func.max}.get(rule, func.sum)
        value = func.count(v.number) if rule == "count" else aggregate(v.number)
        weight_join = None
    query = (select(Period.code, Period.name, Period.start, value, func.count(func.distinct(Report.id)))
             .select_from(v).join(Report, Report.id == v.report_id).join(Unit, Unit.id == Report.unit_id)
             .join(Period, Period.id == Report.period_id))
    if weight_join is not None:
        query = query.outerjoin(*weight_join)
    query = (query.where(Report.form_id == form.id, Report.state.in_(APPROVED_STATES), subtree(unit),
                         v.field_code == field_code, v.cell == cell)
             .group_by(Period.code, Period.name, Period.start).order_by(Period.start, Period.code))
    return [Point(code, name, start, _number(total), count) for code, name, start, total, count in session.execute(query)]


def _number(value):
    if value is None or isinstance(value, (int, Decimal)):
        return value
    return Decimal(str(value))  # SQLite answers a float for an average or a ratio
