"""``/api/v1/aggregate/`` (roll-up with drill-down) and ``/api/v1/completeness/`` (who sent, on time).

Both take ``form`` (code), ``period`` (code) and ``unit`` (code; default the
caller's own unit). A unit outside the caller's subtree is 404, as everywhere,
except for a sector department asking about a form of its sector (H2, H3: it
aggregates its sector across the province); an unknown form or period is 422
naming the parameter.
"""
from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_babel import gettext as _
from sqlalchemy import select

from core.analytics import completeness, rollup
from core.analytics import tree as trees
from core.reporting.entry import plain
from core.platform.extensions import db
from core.forms.models.form import Form
from core.forms.models.period import Period
from core.hierarchy.models import Unit
from core.hierarchy.scope import in_scope, sector_sees


class NotFound(Exception):
    pass


class BadRequest(Exception):
    def __init__(self, errors: dict):
        self.errors = errors


def selection() -> tuple[Form, Period, Unit]:
    """The form, period and unit of the query string, checked; raises BadRequest or NotFound."""
    errors, found = {}, {}
    for name, model in (("form", Form), ("period", Period)):
        code = (request.args.get(name) or "").strip()
        if not code:
            errors[name] = [_("This field is required.")]
            continue
        found[name] = db.session.scalar(select(model).where(model.code == code))
        if found[name] is None:
            errors[name] = [_("Unknown code %(code)s.", code=code)]
    code = (request.args.get("unit") or "").strip()
    unit = db.session.scalar(select(Unit).where(Unit.code == code)) if code else g.user.unit
    if code and unit is None:
        errors["unit"] = [_("Unknown code %(code)s.", code=code)]
    elif unit is None:
        errors["unit"] = [_("This field is required.")]
    try:
        trees.parse(request.args.get("tree"))
    except trees.BadTree:
        errors["tree"] = [tree_error()]
    if errors:
        raise BadRequest(errors)
    if not in_scope(g.user, unit) and not sector_sees(g.user, found["form"]):
        raise NotFound()
    return found["form"], found["period"], unit


def tree_error() -> str:
    return _("Choose one of: %(actions)s.", actions=trees.choices_text())


def chosen_tree(default: str = trees.AS_REPORTED) -> str:
    """The query string's ``tree`` (checked with the rest by :func:`selection`), else ``default``."""
    try:
        return trees.parse(request.args.get("tree"), default)
    except trees.BadTree:
        raise BadRequest({"tree": [tree_error()]}) from None


def tree_json(result) -> dict:
    """What every answer says about the tree it counted on: which, whether a figure is reconstructed
    (estimated on today's boundaries) and, on ``as_reported``, that the unit did not exist then."""
    body = {"tree": result.tree, "reconstructed": bool(result.reconstructed)}
    if result.reconstructed:
        body["reconstructed_fields"] = sorted({code for code, _cell in result.reconstructed})
        body["note"] = str(trees.RECONSTRUCTED)
    if result.missing:
        body["note"] = trees.missing_message(result.unit, result.period.end)
    return body


def _json(value):
    return plain(value) if value is not None and not isinstance(value, (int, str)) else value


def values_json(values: dict) -> dict:
    """``{field: value}``; a disaggregated field as ``{field: {cell: value}}``."""
    out: dict = {}
    for (code, cell), value in sorted(values.items()):
        if cell:
            out.setdefault(code, {})[cell] = _json(value)
        else:
            out[code] = _json(value)
    return out


class SelectionApi(BaseApi):
    """An API over (form, period, unit) of the query string: one way to refuse a bad or foreign one."""

    allow_browser_login = True

    def refused(self, exc: Exception):
        """The answer to :class:`BadRequest` (422 naming each parameter) or :class:`NotFound` (404)."""
        if isinstance(exc, NotFound):
            return self.response_404()
        return self.response(422, message=_("The request is not understood."), errors=exc.errors)

    def checked(self, answer):
        try:
            chosen = selection()
        except (BadRequest, NotFound) as exc:
            return self.refused(exc)
        return answer(*chosen)


class AggregateApi(SelectionApi):
    resource_name = "aggregate"
    openapi_spec_tag = "Aggregation"
    method_permission_name = {"get": "get"}

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def get(self):
        """Approved values of the unit's subtree, rolled up per field (sum unless the form's rules say otherwise).
        ---
        get:
          parameters:
          - {in: query, name: form, required: true, schema: {type: string}}
          - {in: query, name: period, required: true, schema: {type: string}}
          - {in: query, name: unit, schema: {type: string}, description: "unit code; default the caller's unit"}
          - {in: query, name: field, schema: {type: string}, description: "drill down into this field"}
          - {in: query, name: cell, schema: {type: string}, description: "the cell of a disaggregated field"}
          - {in: query, name: by, schema: {type: string, enum: [report, child]}}
          - {in: query, name: verified, schema: {type: string, enum: ["0", "1"]},
             description: "1: only reports its sector department verified (H3)"}
          - {in: query, name: tree, schema: {type: string, enum: [as_reported, current], default: as_reported},
             description: "as_reported: history as approved; current: on today's units (a reorganised unit's
               predecessors counted, shares applied; such figures say reconstructed: true)"}
          responses:
            200:
              description: "totals: values, reports counted, rules; contributions when field is given"
              content:
                application/json:
                  example: {"form": "DB-DT01", "period": "2026", "reports": 1, "rules": {"households": "sum", "population": "sum"}, "unit": "11", "values": {"households": 10, "population": 40}, "verified_only": false, "tree": "as_reported", "reconstructed": false, "field": "households", "contributions": [{"form_version": null, "level": "commune", "report_id": null, "reports": 1, "unit_code": "03151", "unit_name": "Phường Mường Lay", "value": 10, "reconstructed": false}]}
            404:
              description: "the unit is outside the caller's scope"
              content:
                application/json:
                  example: {"message": "Not found"}
            422:
              description: "form, period or unit missing or unknown"
              content:
                application/json:
                  example: {"errors": {"form": ["Không có mã XX."]}, "message": "Không hiểu được yêu cầu."}
        """
        def answer(form, period, unit):
            verified = request.args.get("verified") or "0"
            if verified not in ("0", "1"):
                return self.response(422, message=_("The request is not understood."),
                                     errors={"verified": [_("Choose one of: %(actions)s.", actions="0, 1")]})
            verified = verified == "1"
            tree = chosen_tree()
            result = rollup.totals(db.session, form, period, unit, verified=verified, tree=tree)
            body = {"form": form.code, "period": period.code, "unit": unit.code, "reports": result.reports,
                    "values": values_json(result.values), "rules": result.rules, "verified_only": verified,
                    **tree_json(result)}
            code = request.args.get("field")
            if code:
                by = request.args.get("by") or "report"
                if by not in ("report", "child"):
                    return self.response(422, message=_("The request is not understood."),
                                         errors={"by": [_("Choose one of: %(actions)s.", actions="report, child")]})
                rows = rollup.contributions(db.session, form, period, unit, code, request.args.get("cell") or "", by,
                                            verified=verified, tree=tree)
                body["field"] = code
                body["contributions"] = [{"unit_code": c.unit_code, "unit_name": c.unit_name, "level": c.level,
                                          "report_id": c.report_id, "form_version": c.form_version,
                                          "value": _json(c.value), "reports": c.reports,
                                          "reconstructed": c.reconstructed} for c in rows]
            return self.response(200, **body)

        return self.checked(answer)


class CompletenessApi(SelectionApi):
    resource_name = "completeness"
    openapi_spec_tag = "Aggregation"
    method_permission_name = {"get": "get", "urge": "post"}

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def get(self):
        """Per unit of the subtree: state, submitted_at, on_time; and a summary by level. A report closed
        with its unit by a reorganisation is listed with state `closed` and is neither expected nor missing.
        ---
        get:
          parameters:
          - {in: query, name: form, required: true, schema: {type: string}}
          - {in: query, name: period, required: true, schema: {type: string}}
          - {in: query, name: unit, schema: {type: string}}
          - {in: query, name: tree, schema: {type: string, enum: [as_reported, current], default: as_reported}}
          responses:
            200:
              description: "units and summary"
              content:
                application/json:
                  example: {"form": "DB-DT01", "period": "2026", "unit": "11", "tree": "as_reported", "summary": [{"expected": 45, "late": 0, "level": "commune", "missing": 44, "on_time": 1, "rate": 2.2, "submitted": 1}], "units": [{"deadline": "2026-12-10", "level": "commune", "on_time": true, "report_id": 2, "state": "approved", "submitted_at": "2026-12-05T02:00:27.591492", "unit_code": "03151", "unit_name": "Phường Mường Lay", "reconstructed": false}, {"deadline": "2026-12-10", "level": "commune", "on_time": null, "report_id": 9, "state": "draft", "submitted_at": null, "unit_code": "03169", "unit_name": "Xã Nà Hỳ", "reconstructed": false}]}
            404: {description: "the unit is outside the caller's scope"}
            422: {description: "form, period or unit missing or unknown"}
        """
        def answer(form, period, unit):
            tree = chosen_tree()
            return self.response(
                200, form=form.code, period=period.code, unit=unit.code, tree=tree,
                units=[u.as_json() for u in completeness.units(db.session, form, period, unit, tree=tree)],
                summary=[s.as_json() for s in completeness.summary(db.session, form, period, unit, tree=tree)])

        return self.checked(answer)

    @expose("/urge", methods=["POST"])
    @protect()
    @safe
    def urge(self):
        """Remind (đôn đốc) every unit of the subtree that has not sent the report; once per unit and day.
        ---
        post:
          parameters:
          - {in: query, name: form, required: true, schema: {type: string}}
          - {in: query, name: period, required: true, schema: {type: string}}
          - {in: query, name: unit, schema: {type: string}}
          responses:
            200:
              description: "the unit codes reminded now"
              content:
                application/json:
                  example: {"reminded": ["03127", "03158", "03160"]}
            404: {description: "the unit is outside the caller's scope"}
            422: {description: "form, period or unit missing or unknown"}
        """
        def answer(form, period, unit):
            codes = completeness.urge(db.session, form, period, unit, by=g.user.username)
            db.session.commit()
            return self.response(200, reminded=codes)

        return self.checked(answer)
