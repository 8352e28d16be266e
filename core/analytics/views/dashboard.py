"""The leaders' dashboard (R2): a field by child unit, its trend over the form's periods, and who has sent.

The page itself carries only the choices (form, period, field, unit); the
numbers come from one JSON request (``/dashboard/data``) that the page's one
script draws with the Chart.js served from ``core/static/vendor`` — the
provincial servers have no internet. The data is scope-checked the way
``/api/v1/aggregate/`` is (:func:`core.analytics.api.aggregate.selection`): a unit
outside the viewer's subtree is 404, and the bars are exactly the API's
``by=child`` contributions.
"""
from __future__ import annotations

from flask import flash, jsonify, request
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import has_access_api, permission_name
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from core.analytics import analysis, completeness, latest, rollup, trends
from core.hierarchy import units
from core.analytics import tree as trees
from core.analytics.api.aggregate import BadRequest, NotFound, _json, chosen_tree, selection
from core.platform.extensions import db
from core.forms.models.form import Form
from core.forms.models.period import Period
from core.reporting.models import Report
from core.hierarchy.models import Unit
from core.hierarchy.scope import condition, current_account

UNIT_CHOICES = 300  # aggregating units offered in the picker; a province has a few dozen


def numeric_fields(form: Form) -> list[dict]:
    """The form's numeric, non-disaggregated fields of its published version, in form order."""
    return list(analysis.numeric_fields(db.session, form).values())


def published_forms() -> list[Form]:
    return db.session.execute(select(Form).where(Form.active.is_(True), Form.published_version.is_not(None))
                              .order_by(Form.name)).scalars().all()


def form_periods(form: Form) -> list[Period]:
    """The periods the form was assigned in, newest first."""
    return db.session.execute(select(Period).where(exists().where(Report.period_id == Period.id,
                                                                   Report.form_id == form.id))
                              .order_by(Period.start.desc(), Period.code)).scalars().all()


def aggregating_units(account) -> list[Unit]:
    """Units in scope that have units below them (a leaf's chart would be a single bar), and one's own."""
    child = aliased(Unit)
    query = (select(Unit).where(condition(Unit, account), Unit.active.is_(True),
                                exists().where(child.parent_id == Unit.id))
             .order_by(Unit.path).limit(UNIT_CHOICES))
    found = db.session.execute(query).scalars().all()
    own = account.unit if account is not None else None
    if own is not None and own not in found:
        found.insert(0, own)
    return found


def level_names() -> dict[str, str]:
    return {lvl.code: lvl.name for lvl in units.levels() or []}


#: The dashboard draws today's tree unless told otherwise: its trend is the headline, and a line across a
#: reorganisation must not break (issue 19); the bars and gauges follow the same choice.
DEFAULT_TREE = trees.CURRENT


def screen_tree(default: str = DEFAULT_TREE) -> str:
    """The ``tree`` of a screen's query string; a bad one is said in Vietnamese and the default used."""
    try:
        return trees.parse(request.args.get("tree"), default)
    except trees.BadTree:
        flash(_("Choose the boundaries: as today or as when reported."), "warning")
        return default


def tree_choices() -> list[tuple[str, str]]:
    return [(trees.CURRENT, str(trees.LABELS[trees.CURRENT])), (trees.AS_REPORTED, str(trees.LABELS[trees.AS_REPORTED]))]


def _pick(options: list, wanted: str | None, key):
    return next((o for o in options if key(o) == wanted), options[0] if options else None)


class DashboardView(BaseView):
    """``/dashboard/``: "Bảng điều khiển" for leaders, reviewers and admins, scoped to their subtree."""

    route_base = "/dashboard"
    default_view = "index"
    base_permissions = ["can_list", "can_data"]

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        account = current_account()
        forms = published_forms()
        own = account.unit if account is not None else None
        latest_form, latest_period = latest.latest_with_data(db.session, own)
        form = _pick(forms, request.args.get("form") or (latest_form.code if latest_form else None), lambda f: f.code)
        if form is not None and latest_form is not None and form.id != latest_form.id:
            latest_period = latest.latest_with_data(db.session, own, form)[1]
        periods = form_periods(form) if form else []
        period = _pick(periods, request.args.get("period") or (latest_period.code if latest_period else None),
                       lambda p: p.code)
        fields = numeric_fields(form) if form else []
        fld = _pick(fields, request.args.get("field"), lambda f: f["code"])
        choices = aggregating_units(account)
        unit = _pick(choices, request.args.get("unit"), lambda u: u.code)
        ready = bool(form and period and fld and unit)
        return self.render_template(
            "analytics/dashboard.html", title=_("Dashboard"), forms=forms, form=form, periods=periods, period=period,
            fields=fields, field=fld, units=choices, unit=unit, ready=ready, tree=screen_tree(),
            trees=tree_choices(), reconstructed=str(trees.RECONSTRUCTED))

    @expose("/data")
    @has_access_api
    @permission_name("data")
    def data(self):
        """``{"children", "trend", "completeness"}`` for ``form``, ``period``, ``unit`` (codes) and ``field``."""
        try:
            form, period, unit = selection()
        except BadRequest as exc:
            return jsonify(message=_("The request is not understood."), errors=exc.errors), 422
        except NotFound:
            return jsonify(message=_("Not found.")), 404
        code = (request.args.get("field") or "").strip()
        fields = {f["code"]: f for f in numeric_fields(form)}
        if code not in fields:
            return jsonify(message=_("The request is not understood."),
                           errors={"field": [_("Unknown code %(code)s.", code=code)]}), 422
        tree = chosen_tree(DEFAULT_TREE)
        children = rollup.contributions(db.session, form, period, unit, code, "", by="child", tree=tree)
        names = level_names()
        trend = trends.over_periods(db.session, form, unit, code, tree=tree)
        gone = tree == trees.AS_REPORTED and not trees.version_on(db.session, unit, period.end)[0]
        return jsonify(
            tree=tree, reconstructed=any(c.reconstructed for c in children) or any(p.reconstructed for p in trend),
            note=trees.missing_message(unit, period.end) if gone else None,
            form=form.code, period=period.code, unit=unit.code, unit_name=unit.name, field=code,
            label=fields[code]["label"], unit_of_measure=fields[code].get("unit_of_measure") or "",
            contributions=[{"unit_code": c.unit_code, "unit_name": c.unit_name, "level": c.level,
                            "report_id": c.report_id, "form_version": c.form_version, "value": _json(c.value),
                            "reports": c.reports, "reconstructed": c.reconstructed} for c in children],
            trend=[p.as_json() for p in trend],
            completeness=[{**s.as_json(), "name": names.get(s.level, s.level)}
                          for s in completeness.summary(db.session, form, period, unit, tree=tree)],
        )
