"""Sector verification on the API (H3): ``POST /api/v1/report/<id>/verify`` and ``GET /api/v1/verification/``.

``POST /api/v1/report/<id>/verify`` ``{"result": "verified"|"remark", "comment": "..."}`` lives beside
the report API (same URL prefix, its own class and permission, ``ReportVerificationApi.can_post``).
A report the caller cannot see is 404 (the scope shows a sector department exactly its sector's
final reports); a department of another sector, or an account that is no department, 403; a report
not approved, 409; a bad body, 422 naming the field. ``GET /api/v1/verification/?form=&period=``
answers per sector form and period how many approved reports the caller sees, and how many are
verified or carry a remark (the board's view).
"""
from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_babel import gettext as _

from core.platform.extensions import db
from core.reporting import verification
from core.reporting.api.reports import scoped_report


class ReportVerificationApi(BaseApi):
    route_base = "/api/v1/report"
    resource_name = "report_verification"
    class_permission_name = "ReportVerificationApi"
    openapi_spec_tag = "Reports"
    allow_browser_login = True
    method_permission_name = {"verify": "post"}

    @expose("/<int:pk>/verify", methods=["POST"])
    @protect()
    @safe
    def verify(self, pk: int):
        """A sector department verifies the report's final data, or records a remark on it (H3).
        ---
        post:
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    result: {type: string, enum: [verified, remark]}
                    comment: {type: string}
          responses:
            200:
              description: Recorded; the report's state is unchanged
              content:
                application/json:
                  example: {"comment": "Khớp số liệu ngành.", "id": 2, "result": "verified", "state": "approved", "verified_at": "2026-11-10T02:00:00", "verified_by": "syt"}
            403:
              description: The caller is not a department of the form's sector
            404:
              description: No such report in the caller's scope
            409:
              description: The report's data are not approved
            422:
              description: A bad body (errors name result or comment)
        """
        report = scoped_report(pk)
        if report is None:
            return self.response_404()
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response(422, message=_("Send a JSON object with \"result\" and \"comment\"."),
                                 errors={"result": [_("This field is required.")]})
        result, comment = body.get("result"), body.get("comment") or ""
        errors = {}
        if not isinstance(result, str):
            errors["result"] = [_("The result must be \"verified\" or \"remark\".")]
        if not isinstance(comment, str):
            errors["comment"] = [_("Enter text.")]
        if errors:
            return self.response(422, message=_("The request is not understood."), errors=errors)
        try:
            row = verification.verify(db.session, report, g.user, result, comment)
        except verification.VerificationError as exc:
            db.session.rollback()
            return self.response(exc.status, message=str(exc),
                                 errors={exc.field: [str(exc)]} if exc.field else {"reasons": [str(exc)]})
        answer = {"id": pk, "state": report.state, "result": row.result, "comment": row.comment,
                  "verified_by": row.verified_by, "verified_at": row.verified_at.isoformat()}
        db.session.commit()
        return self.response(200, **answer)


class VerificationApi(BaseApi):
    route_base = "/api/v1/verification"
    resource_name = "verification"
    class_permission_name = "VerificationApi"
    openapi_spec_tag = "Reports"
    allow_browser_login = True
    method_permission_name = {"progress": "get"}

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def progress(self):
        """Per sector form and period: approved reports in the caller's scope, verified, with remarks.
        ---
        get:
          parameters:
          - in: query
            name: form
            schema: {type: string}
          - in: query
            name: period
            schema: {type: string}
          responses:
            200:
              description: One row per form and period
              content:
                application/json:
                  example: {"result": [{"approved": 12, "form_code": "SYT-01", "pending": 9, "period_code": "2026", "remarks": 1, "sector": "y_te", "verified": 2}]}
        """
        rows = verification.progress(db.session, g.user, (request.args.get("form") or "").strip()[:100],
                                     (request.args.get("period") or "").strip()[:50])
        return self.response(200, result=[{
            "form_code": r.form_code, "sector": r.sector, "period_code": r.period_code, "approved": r.approved,
            "verified": r.verified, "remarks": r.remarks, "pending": r.approved - r.verified - r.remarks}
            for r in rows])
