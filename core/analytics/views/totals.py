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

from core.forms.definitions import grid
from core.hierarchy import units
from core.analytics import completeness, latest, rollup
from core.analytics import tree as trees
from core.analytics.views.dashboard import screen_tree, tree_choices
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


def _percent(value) -> str:
    """66,7 % — a rate as people read it."""
    return format_decimal(value, format="#,##0.#") + " %"


def _level_names() -> dict[str, str]:
    """The province's own names of its levels (the hierarchy hook), else the standard ones."""
    return {lvl.code: lvl.name for lvl in units.levels()}


def _grids(defn: dict, fields: list[dict]) -> tuple[dict, dict]:
    """For each disaggregated field its grid (rows: first category, columns: the others), and the
    label of every cell key: ``"kinh|nam"`` reads "Kinh – Nam"."""
    grids, cell_labels = {}, {}
    for f in fields:
        if not f.get("combo"):
            continue
        shape = grid(defn["combos"][f["combo"]])
        grids[f["code"]] = shape
        for row in shape["rows"]:
            for column, cell in zip(shape["columns"], row["cells"]):
                cell_labels[(f["code"], cell["key"])] = " – ".join(p for p in (row["label"], column["label"]) if p)
    return grids, cell_labels


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
        """(form, period, unit) from the query string; unit defaults to mine, and with no form and period
        chosen, the latest period with approved values in my area (:func:`core.analytics.latest.latest_with_data`)."""
        if not request.args.get("form") and not request.args.get("period"):
            form, period = latest.latest_with_data(db.session, g.user.unit)
            return form, period, g.user.unit, g.user.unit.code if g.user.unit else ""
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
            "form": form.code if form else "", "period": period.code if period else "", "unit": code}}
        if code and unit is None:
            flash(_("Unit %(code)s is not in your area.", code=code), "warning")
        tree = screen_tree(trees.AS_REPORTED)  # the approved figures, as before the dated tree
        context.update(tree=tree, trees=tree_choices(), reconstructed_label=str(trees.RECONSTRUCTED))
        if form is not None and period is not None and unit is not None:
            # ?verified=1: only the reports their sector department verified (H3).
            result = rollup.totals(db.session, form, period, unit, verified=request.args.get("verified") == "1",
                                   tree=tree)
            if result.missing:
                flash(trees.missing_message(unit, period.end), "warning")
            version = db.session.scalar(select(FormVersion).where(FormVersion.form_id == form.id,
                                                                  FormVersion.version == form.published_version))
            defn = version.definition if version else {"sections": [], "combos": {}}
            fields = [f for f in fields_of(defn).values() if f["type"] != "file"]
            grids, cell_labels = _grids(defn, fields)
            # 54 ethnic groups, most of them empty in a province: the grid shows the rows with values
            filled_rows = {code: [row for row in shape["rows"]
                                  if any(result.values.get((code, c["key"])) is not None for c in row["cells"])]
                           for code, shape in grids.items()}
            context.update(
                form=form, period=period, unit=unit, rollup=result, fields=fields, grids=grids,
                cell_labels=cell_labels, filled_rows=filled_rows, field_labels={f["code"]: f["label"] for f in fields},
                level_names=_level_names(), percent=_percent,
                summary=completeness.summary(db.session, form, period, unit, tree=tree),
                missing=completeness.units(db.session, form, period, unit, missing_only=True, tree=tree),
                may_urge=self.appbuilder.sm.has_access("can_urge", "TotalsView"),
                drill=self._drill(form, period, unit, tree),
            )
        return self.render_template("analytics/totals.html", title=_("Totals and progress"), format_number=_number,
                                    **context)

    def _drill(self, form, period, unit, tree):
        code = request.args.get("field")
        if not code:
            return None
        by = "report" if request.args.get("by") == "report" else "child"
        return {"field": code, "cell": request.args.get("cell", ""), "by": by,
                "rows": rollup.contributions(db.session, form, period, unit, code, request.args.get("cell", ""), by,
                                             verified=request.args.get("verified") == "1", tree=tree)}

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

