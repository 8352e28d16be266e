"""Analysis scenarios on screen (R7, R8): an agency administrator saves an aggregation and shares it;
its users run it for a period and a unit of their own subtree and download the table (CSV, XLSX).

What a scenario computes lives in :mod:`core.analytics.analysis`; this module checks who
may see, change or run which scenario (404 otherwise, as everywhere) and that
the unit run for is in the runner's scope, whatever the scenario's owner.
"""
from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from core.analytics import analysis
from core.analytics import tree as trees
from core.platform import audit, tabular
from core.reporting import entry
from core.hierarchy import units
from core.platform.extensions import db
from core.analytics.models.analysis import AnalysisScenario
from core.hierarchy.models import Unit
from core.analytics.models.analysis import GROUPINGS
from core.reporting.models import STATES
from core.analytics.rollup import APPROVED_STATES
from core.hierarchy.scope import current_account, in_scope
from core.analytics.views.dashboard import aggregating_units, form_periods, published_forms, screen_tree, tree_choices

GROUPING_LABELS = {"child": _l("Each unit directly below"), "level": _l("Each level"),
                   "unit": _l("Each reporting unit")}


def grouping_label(code: str) -> str:
    return str(GROUPING_LABELS.get(code, code))


def root_unit() -> Unit | None:
    return db.session.execute(select(Unit).where(Unit.parent_id.is_(None), Unit.active.is_(True))
                              .order_by(Unit.path).limit(1)).scalar_one_or_none()


class AnalysisView(BaseView):
    """``/analysis/``: the scenarios I may run; new, edit and delete for agency administrators."""

    route_base = "/analysis"
    default_view = "index"
    base_permissions = ["can_list", "can_run", "can_edit"]

    def _may_edit(self) -> bool:
        return self.appbuilder.sm.has_access("can_edit", type(self).__name__)

    def _runnable(self, pk: int) -> AnalysisScenario:
        account = current_account()
        where = analysis.visible(account)
        if self._may_edit():
            where = or_(where, analysis.editable(account))
        scenario = db.session.execute(select(AnalysisScenario).where(AnalysisScenario.id == pk, where)).scalar()
        if scenario is None:
            abort(404)
        return scenario

    def _editable(self, pk: int) -> AnalysisScenario:
        scenario = db.session.execute(select(AnalysisScenario).where(
            AnalysisScenario.id == pk, analysis.editable(current_account()))).scalar()
        if scenario is None:
            abort(404)
        return scenario

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        account = current_account()
        may_edit = self._may_edit()
        where = analysis.visible(account)
        if may_edit:
            where = or_(where, analysis.editable(account))
        scenarios = db.session.execute(select(AnalysisScenario).join(AnalysisScenario.owner_unit).where(where)
                                       .order_by(Unit.path, AnalysisScenario.name)).scalars().all()
        mine = set(db.session.execute(select(AnalysisScenario.id).where(analysis.editable(account))).scalars()) \
            if may_edit else set()
        return self.render_template("analytics/analysis/list.html", scenarios=scenarios, editable=mine,
                                    may_edit=may_edit, grouping_label=grouping_label, title=_("Analysis scenarios"))

    # --- set-up (agency administrators) -----------------------------------------------------------

    @expose("/new", methods=["GET", "POST"])
    @has_access
    @permission_name("edit")
    def new(self):
        return self._edit(None)

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("edit")
    def edit(self, pk):
        return self._edit(self._editable(pk))

    def _edit(self, scenario: AnalysisScenario | None):
        forms = published_forms()
        wanted = request.values.get("form") or (scenario.form.code if scenario else None)
        form = next((f for f in forms if f.code == wanted), forms[0] if forms else None)
        fields = analysis.numeric_fields(db.session, form) if form else {}
        if request.method == "POST" and request.form.get("save"):
            errors = self._save(scenario, form, fields)
            if not errors:
                return redirect(url_for(".index"))
            for message in errors:
                flash(message, "danger")
        values = request.form if request.method == "POST" else None
        current = scenario or AnalysisScenario(fields=list(fields)[:1], group_by="child", filters={}, shared=False)
        return self.render_template(
            "analytics/analysis/edit.html", scenario=scenario, current=current, values=values, forms=forms, form=form,
            fields=fields, groupings=[(g, grouping_label(g)) for g in GROUPINGS], levels=units.levels() or [],
            states=[(s, entry.state_label(s)) for s in STATES],
            chosen_states=(current.filters or {}).get("states") or list(APPROVED_STATES),
            title=_("Edit analysis scenario") if scenario else _("New analysis scenario"))

    def _save(self, scenario: AnalysisScenario | None, form, fields: dict) -> list[str]:
        name = (request.form.get("name") or "").strip()[:255]
        chosen = [c for c in request.form.getlist("fields") if c in fields]
        group_by = request.form.get("group_by")
        known_levels = {lvl.code for lvl in units.levels() or []}
        errors = []
        if not name:
            errors.append(_("Give the scenario a name."))
        if form is None:
            errors.append(_("Choose a form."))
        if not chosen:
            errors.append(_("Choose at least one field."))
        if group_by not in GROUPINGS:
            errors.append(_("Choose how to group the rows."))
        if errors:
            return errors
        account = current_account()
        if scenario is None:
            owner = account.unit if account.unit is not None else root_unit()
            if owner is None:
                return [_("Your account belongs to no unit.")]
            scenario = AnalysisScenario(owner_unit_id=owner.id, created_by=account.id)
            db.session.add(scenario)
        scenario.name, scenario.form_id, scenario.fields, scenario.group_by = name, form.id, chosen, group_by
        scenario.filters = {"levels": [lv for lv in request.form.getlist("levels") if lv in known_levels],
                            "states": [s for s in request.form.getlist("states") if s in STATES]}
        scenario.shared = request.form.get("shared") == "1"
        db.session.commit()
        flash(_("Scenario saved: %(name)s.", name=name), "success")
        return []

    @expose("/delete/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("edit")
    def delete(self, pk):
        scenario = self._editable(pk)
        db.session.delete(scenario)
        db.session.commit()
        flash(_("Scenario deleted."), "success")
        return redirect(url_for(".index"))

    # --- running --------------------------------------------------------------------------------

    def _run_choices(self, scenario: AnalysisScenario):
        """The period and unit asked for (defaults: the form's latest period, my unit); 404 out of scope."""
        account = current_account()
        periods = form_periods(scenario.form)
        code = request.args.get("period")
        period = next((p for p in periods if p.code == code), periods[0] if periods else None)
        code = (request.args.get("unit") or "").strip()
        unit = db.session.execute(select(Unit).where(Unit.code == code)).scalar() if code else (
            account.unit or root_unit())
        if unit is None or not in_scope(account, unit):
            abort(404)
        return periods, period, unit

    @expose("/run/<int:pk>")
    @has_access
    @permission_name("run")
    def run(self, pk):
        scenario = self._runnable(pk)
        periods, period, unit = self._run_choices(scenario)
        tree = screen_tree(trees.AS_REPORTED)
        result = analysis.run(db.session, scenario, period, unit, tree) if period else None
        return self.render_template(
            "analytics/analysis/run.html", scenario=scenario, periods=periods, period=period, unit=unit,
            tree=tree, trees=tree_choices(), reconstructed_label=str(trees.RECONSTRUCTED),
            units=aggregating_units(current_account()), result=result, grouping_label=grouping_label,
            number=tabular.display_number,
            title=scenario.name)

    @expose("/download/<int:pk>")
    @has_access
    @permission_name("run")
    def download(self, pk):
        scenario = self._runnable(pk)
        _periods, period, unit = self._run_choices(scenario)
        kind = request.args.get("format", "csv")
        if period is None or kind not in ("csv", "xlsx"):
            abort(404)
        try:
            tree = trees.parse(request.args.get("tree"))
        except trees.BadTree:
            flash(_("Choose the boundaries: as today or as when reported."), "danger")
            return redirect(url_for("AnalysisView.run", pk=pk, period=period.code, unit=unit.code))
        result = analysis.run(db.session, scenario, period, unit, tree)
        headers, rows = analysis.table(result, (_("Code"), _("Unit") if scenario.group_by != "level" else _("Level"),
                                                _("Reports"), _("Total")))
        audit.record("analysis.download", "AnalysisScenario", scenario.id,
                     {"period": period.code, "unit": unit.code, "format": kind, "tree": tree})
        db.session.commit()
        name = f"phan-tich-{scenario.id}_{period.code}_{unit.code}.{kind}"
        if kind == "csv":
            data, mime = tabular.csv_bytes(headers, rows), tabular.CSV_MIME
        else:
            data, mime = tabular.xlsx_bytes(scenario.name, headers, rows), tabular.XLSX_MIME
        return Response(data, mimetype=mime, headers={"Content-Disposition": f"attachment; filename={name}"})
