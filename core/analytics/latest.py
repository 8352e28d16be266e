"""Which form and period a results screen opens on (issue 15, item 14).

The dashboard, the totals and the exports used to open on whatever period sorted first: the
newest one, often a one-off request (the demo's "… (dùng thử)") or a period that has only
just opened, so a leader's first look was an empty chart. They now open on the latest period
that has approved values in the viewer's subtree; the viewer can still pick any other. One
helper for the three screens, so they agree on what "latest" means.
"""
from __future__ import annotations

from sqlalchemy import exists, select

from core.analytics.rollup import APPROVED_STATES, subtree
from core.forms.models.form import Form
from core.forms.models.period import Period
from core.hierarchy.models import Unit
from core.reporting.models import Report, ReportValue


def latest_with_data(session, unit: Unit | None = None, form: Form | None = None) -> tuple[Form | None, Period | None]:
    """``(form, period)`` of the newest period (by its end) with an approved report holding values
    in ``unit``'s subtree (everywhere when None), of ``form`` when given. ``(None, None)`` when
    nothing is approved yet. One indexed query with LIMIT 1."""
    query = (select(Form, Period).join(Report, Report.form_id == Form.id).join(Period, Period.id == Report.period_id)
             .where(Report.state.in_(APPROVED_STATES), Form.published_version.is_not(None),
                    exists().where(ReportValue.report_id == Report.id)))
    if unit is not None:
        query = query.join(Unit, Unit.id == Report.unit_id).where(subtree(unit))
    if form is not None:
        query = query.where(Report.form_id == form.id)
    found = session.execute(query.order_by(Period.end.desc(), Period.start.desc(), Form.code).limit(1)).first()
    return (found[0], found[1]) if found else (None, None)
