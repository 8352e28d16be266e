"""``GET /api/v1/report/<id>/pdf``: the report as a PDF, signed with its unit's certificate if configured (W3).

Beside the report API (same URL prefix, its own class and permission,
``ReportPdfApi.can_get``). A report outside the caller's scope is 404, found
the way the report API finds it (:func:`core.reporting.api.reports.scoped_report`).
A configured but unusable certificate is 422 naming ``certificate``.
"""
from __future__ import annotations

import io

from flask import send_file
from flask_appbuilder.api import BaseApi, expose, protect, safe

from core.reporting import report_pdf
from core.reporting.api.reports import scoped_report
from core.platform.extensions import db


class ReportPdfApi(BaseApi):
    route_base = "/api/v1/report"
    resource_name = "report_pdf"
    class_permission_name = "ReportPdfApi"
    openapi_spec_tag = "Reports"
    allow_browser_login = True
    method_permission_name = {"pdf": "get"}

    @expose("/<int:pk>/pdf", methods=["GET"])
    @protect()
    @safe
    def pdf(self, pk: int):
        """The report as PDF: facts, every field's value, history and signature block.
        ---
        get:
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          responses:
            200:
              description: The PDF, digitally signed when the unit has a configured certificate
              content:
                application/pdf:
                  schema: {type: string, format: binary}
            404:
              description: No such report in the caller's scope
            422:
              description: The unit's certificate is configured but cannot be used (errors.certificate)
        """
        report = scoped_report(pk)
        if report is None:
            return self.response_404()
        try:
            data = report_pdf.render(db.session, report)
        except report_pdf.CertificateError as exc:
            return self.response(422, message=str(exc), errors={"certificate": [str(exc)]})
        return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                         download_name=report_pdf.filename(report))
