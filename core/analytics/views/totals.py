"""Totals and completeness on screen (H2, H4): *Tổng hợp và tiến độ*.

One page per (form, period, unit): how many units of the subtree have sent,
on time or late, by level; the units still missing, with an "urge" button
(đôn đốc) for reviewers; and the approved totals per field, each with a
drill-down to the child units or the reports behind it. Everything comes from
:mod:`core.analytics.rollup` and :mod:`core.analytics.completeness` (a few grouped queries), the
same code as ``/api/v1/aggregate/`` and ``/api/v1/completeness/``.
"""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from core.analytics import completeness, rollup
from core.reporting import entry
from core.platform.extensions import db
from core.forms.definitions import fields_of
from core.forms.models.form import Form, FormVersion
from core.forms.models.period import Period
from core.reporting.models import Report
from core.hierarchy.models import Unit
from core.hierarchy.scope import in_scope, sector_sees

PERIOD_CHOICES = 60


def _number(value) -> str:
    """1.234,5 — Vietnamese grouping and decimal comma, at most 2 decimals."""
    return format_decimal(value, format="#,##0.##")


def _choices():
    forms = db.session.execute(select(Form.code, Form.name).where(Form.published_version.is_not(None))
                               .order_by(Form.code)).all()
    periods = db.session.execute(select(Period.code, Period.name).where(
        Period.id.in_(select(Report.period_id).distinct())).order_by(Period.start.desc()).limit(PERIOD_CHOICES)).all()
    return forms, periods


class TotalsView(BaseView):
    route_base = "/totals"
    default_view = "index"

    def _selection(self):
        """(form, period, unit) from the query string, or None when not chosen; unit defaults to mine."""
        form = db.session.scalar(select(Form).where(Form.code == request.args.get("form", "")))
        period = db.session.scalar(select(Period).where(Period.code == request.args.get("period", "")))
        code = request.args.get("unit") or (g.user.unit.code if g.user.unit else "")
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        if unit is not None and not in_scope(g.user, unit) and not sector_sees(g.user, form):
            unit = None  # out of the caller's area: shown as not found
        return form, period, unit, code

    @expose("/")
    @has_access
    @permission_name("show")
    def index(self):
        forms, periods = _choices()
        form, period, unit, code = self._selection()
        context = {"forms": forms, "periods": periods, "chosen": {
            "form": request.args.get("form", ""), "period": request.args.get("period", ""), "unit": code}}
        if code and unit is None:
            flash(_("Unit %(code)s is not in your area.", code=code), "warning")
        if form is not None and period is not None and unit is not None:
            # ?verified=1: only the reports their sector department verified (H3).
            result = rollup.totals(db.session, form, period, unit, verified=request.args.get("verified") == "1")
            version = db.session.scalar(select(FormVersion).where(FormVersion.form_id == form.id,
                                                                  FormVersion.version == form.published_version))
            defn = version.definition if version else {"sections": [], "combos": {}}
            fields = [f for f in fields_of(defn).values() if f["type"] != "file"]
            context.update(
                form=form, period=period, unit=unit, rollup=result, fields=fields,
                cells={f["code"]: entry.cells_of(defn, f) for f in fields},
                summary=completeness.summary(db.session, form, period, unit),
                missing=completeness.units(db.session, form, period, unit, missing_only=True),
                may_urge=self.appbuilder.sm.has_access("can_urge", "TotalsView"),
                drill=self._drill(form, period, unit),
            )
        return self.render_template("analytics/totals.html", title=_("Totals and progress"), format_number=_number,
                                    **context)

    def _drill(self, form, period, unit):
        code = request.args.get("field")
        if not code:
            return None
        by = "report" if request.args.get("by") == "report" else "child"
        return {"field": code, "cell": request.args.get("cell", ""), "by": by,
                "rows": rollup.contributions(db.session, form, period, unit, code, request.args.get("cell", ""), by,
                                             verified=request.args.get("verified") == "1")}

    @expose("/urge", methods=["POST"])
    @has_access
    @permission_name("urge")
    def urge(self):
        form = db.session.scalar(select(Form).where(Form.code == request.form.get("form", "")))
        period = db.session.scalar(select(Period).where(Period.code == request.form.get("period", "")))
        unit = db.session.scalar(select(Unit).where(Unit.code == request.form.get("unit", "")))
        if form is None or period is None or unit is None or not (in_scope(g.user, unit)
                                                                   or sector_sees(g.user, form)):
            flash(_("Choose a form, a period and a unit of your area."), "danger")
            return redirect(url_for("TotalsView.index"))
        codes = completeness.urge(db.session, form, period, unit, by=g.user.username)
        db.session.commit()
        if codes:
            flash(_("Reminded %(n)d unit(s) that have not sent: %(units)s.", n=len(codes),
                    units=", ".join(codes[:20]) + ("…" if len(codes) > 20 else "")), "success")
        else:
            flash(_("Every unit has been reminded today already, or nothing is missing."), "info")
        return redirect(url_for("TotalsView.index", form=form.code, period=period.code, unit=unit.code))

