"""``GET|PUT /api/v1/report/<id>/workbook``: the offline workbook through the REST API (issue 18, part 3).

Beside the report API (same URL prefix, its own class and permissions ``ReportWorkbookApi.can_get`` and
``can_put``), like the report PDF. Scope first: a report outside the caller's subtree is 404 whatever
the method. GET gives the reporting unit the workbook to fill while the report can change, anyone else
in scope a read-only copy. PUT takes the filled file as the body (or as ``file`` in a multipart form)
and answers like ``PUT /values``: 200 with the values now stored, 422 with ``errors`` keyed
``"<sheet>!<cell>"`` and ``problems`` naming sheet, cell, field and reason (nothing saved), 409 for an
outdated workbook or a report that cannot change, 403 for an account of another unit.
"""
from __future__ import annotations

import io

from flask import g, request, send_file
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_babel import gettext as _

from core.platform.extensions import db
from core.platform.tabular import XLSX_MIME
from core.reporting import entry, workbook
from core.reporting.api.reports import scoped_report, values_json


class ReportWorkbookApi(BaseApi):
    route_base = "/api/v1/report"
    resource_name = "report_workbook"
    class_permission_name = "ReportWorkbookApi"
    openapi_spec_tag = "Reports"
    allow_browser_login = True
    method_permission_name = {"get_workbook": "get", "put_workbook": "put"}

    @expose("/<int:pk>/workbook", methods=["GET"])
    @protect()
    @safe
    def get_workbook(self, pk: int):
        """The report as an XLSX workbook to fill offline (read-only for anyone but its unit while it can change).
        ---
        get:
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          responses:
            200:
              description: The workbook
              content:
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:
                  schema: {type: string, format: binary}
            404:
              description: No such report in the caller's scope
        """
        report = scoped_report(pk)
        if report is None:
            return self.response_404()
        editable = entry.is_editable(report) and entry.may_enter(g.user, report)
        data = workbook.build(db.session, report, editable=editable)
        return send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True,
                         download_name=workbook.filename(report))

    @expose("/<int:pk>/workbook", methods=["PUT"])
    @protect()
    @safe
    def put_workbook(self, pk: int):
        """Save the values of a filled workbook, all or nothing.
        ---
        put:
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            content:
              application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:
                schema: {type: string, format: binary}
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file: {type: string, format: binary}
          responses:
            200:
              description: Saved; the report's values and how many cells changed
              content:
                application/json:
                  example: {"changed": 2, "id": 2, "state": "draft", "values": {"households": 10, "notes": null, "poor_households": 3, "population": 40}}
            403:
              description: Only the reporting unit enters its values
            404:
              description: Not found (or out of scope)
            409:
              description: The report cannot change now, or the workbook is outdated (errors.workbook)
            422:
              description: Not a workbook of this report (errors.workbook), or cells with problems
                (errors keyed "sheet!cell", problems with sheet, cell, field, message); nothing saved
        """
        report = scoped_report(pk)
        if report is None:
            return self.response_404()
        if not entry.may_enter(g.user, report):
            return self.response(403, message=_("Only the accounts of %(unit)s enter its data; you can read it.",
                                                unit=report.unit.name), errors={})
        if not entry.is_editable(report):
            return self.response(409, message=_(
                "This report is %(state)s: only a draft or a returned report can be changed.",
                state=entry.state_label(report.state)), errors={"state": [report.state]})
        upload = request.files.get("file")
        if upload is not None:
            data, name = upload.stream.read(workbook.MAX_BYTES + 1), upload.filename
        else:
            data, name = request.stream.read(workbook.MAX_BYTES + 1), None  # never more than a workbook can be
        outcome, refusal, status = workbook.receive(db.session, report, data, name)
        if outcome is None:
            return self.response(status, message=refusal, errors={"workbook": [refusal]})
        if outcome.problems:
            return self.response(422, message=refusal, errors=outcome.errors(),
                                 problems=[p.as_json() for p in outcome.problems])
        return self.response(200, id=pk, state=report.state, changed=outcome.changed,
                             values=values_json(report, outcome.check.values))
