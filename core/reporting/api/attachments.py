"""``POST /api/v1/report/<id>/attachments`` (multipart ``file``), the decrypted download, and ``DELETE``.

Lives beside the report API (same URL prefix, its own class and permission
name, ``ReportAttachmentApi``). 404 outside the caller's scope, 403 unless the
caller is the reporting unit (upload), 409 unless the report is a draft or
returned, 422 naming ``file`` for a refused type, size or signature.
"""
from __future__ import annotations

import io

from flask import g, request, send_file
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from core.reporting import attachments, entry
from core.platform.extensions import db
from core.reporting.models import Attachment, Report
from core.hierarchy.scope import ScopedInterface

#: Room for the multipart envelope around the file itself.
ENVELOPE = 64 * 1024
#: What a refusal says, by what the caller tried: (not the reporting unit, the report not a draft or returned).
REFUSALS = {
    "attach": (_l("Only the reporting unit may attach files to this report."),
               _l("Files can be attached only to a draft or a returned report.")),
    "remove": (_l("Only the reporting unit may remove files from this report."),
               _l("Files can be removed only from a draft or a returned report.")),
}


class ReportAttachmentApi(BaseApi):
    route_base = "/api/v1/report"
    resource_name = "report_attachment"
    class_permission_name = "ReportAttachmentApi"
    openapi_spec_tag = "Report attachments"
    allow_browser_login = True
    method_permission_name = {"upload": "post", "download": "get", "remove": "post"}

    def _report(self, pk: int) -> Report | None:
        return ScopedInterface(Report).get(pk)

    def _own_report(self, pk: int, doing: str):
        """``(report, None)`` when the caller may change the files of report ``pk`` (``doing``: a key of
        :data:`REFUSALS`), else ``(None, answer)``: 404 outside the caller's scope, 403 unless the caller is
        the reporting unit, 409 unless the report is a draft or returned."""
        report = self._report(pk)
        if report is None:
            return None, self.response_404()
        not_ours, not_open = REFUSALS[doing]
        if not entry.may_enter(g.user, report):
            return None, self.response(403, message=str(not_ours))
        if not entry.is_editable(report):
            return None, self.response(409, message=str(not_open))
        return report, None

    def _refused(self, message: str):
        return self.response(422, message=message, errors={"file": [message]})

    @expose("/<int:pk>/attachments", methods=["POST"])
    @protect()
    @safe
    def upload(self, pk: int):
        """Attach a file (PDF, JPEG, PNG) to a report of the caller's unit.
        ---
        post:
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file: {type: string, format: binary}
                    kind: {type: string, enum: [scan, other]}
          responses:
            201:
              description: "The attachment"
              content:
                application/json:
                  example: {"result": {"content_type": "application/pdf", "filename": "bien-ban-da-ky.pdf", "id": 1, "kind": "scan", "report_id": 2, "sha256": "cb37ac38a14d17b295fcd809d4482135ad3e59ffb5f71b4f18b43a7e54a423aa", "signature": null, "size": 603, "uploaded_at": "2026-12-05T02:00:27.516044", "uploaded_by": "03151"}}
            403:
              description: "Only the reporting unit attaches files"
              content:
                application/json:
                  example: {"message": "Chỉ đơn vị báo cáo được đính kèm tệp vào báo cáo này."}
            404:
              description: "No such report in the caller's scope"
              content:
                application/json:
                  example: {"message": "Not found"}
            409:
              description: "The report is not a draft or returned"
              content:
                application/json:
                  example: {"message": "Chỉ đính kèm tệp vào báo cáo đang soạn hoặc bị trả lại."}
            422:
              description: "Not a PDF, JPEG or PNG; too large; or a broken digital signature"
              content:
                application/json:
                  example: {"errors": {"file": ["Chỉ được đính kèm tệp PDF, JPEG hoặc PNG."]}, "message": "Chỉ được đính kèm tệp PDF, JPEG hoặc PNG."}
        """
        report, refusal = self._own_report(pk, "attach")
        if refusal is not None:
            return refusal
        limit = attachments.max_bytes()
        # Refuse before reading a body that is plainly too large; cap the parser for the rest.
        if request.content_length is not None and request.content_length > limit + ENVELOPE:
            return self._refused(str(attachments._too_large(limit)))
        request.max_content_length = limit + ENVELOPE
        try:
            upload = request.files.get("file")
            kind = request.form.get("kind") or None
        except RequestEntityTooLarge:
            return self._refused(str(attachments._too_large(limit)))
        if upload is None:
            return self._refused(_("Choose a file to attach."))
        if kind not in (None, "scan", "other"):
            return self.response(422, message=_("Unknown attachment kind %(kind)s.", kind=kind),
                                 errors={"kind": [_("Unknown attachment kind %(kind)s.", kind=kind)]})
        try:
            row = attachments.store(db.session, report, upload.stream, upload.filename, g.user.username, kind=kind)
            db.session.commit()
        except attachments.AttachmentError as exc:
            db.session.rollback()
            if exc.conflict:
                return self.response(409, message=str(exc))
            return self._refused(str(exc))
        except Exception:
            db.session.rollback()
            raise
        return self.response(201, result=attachments.as_json(row))

    @expose("/<int:pk>/attachments/<int:aid>", methods=["GET"])
    @protect()
    @safe
    def download(self, pk: int, aid: int):
        """The attachment's original bytes, decrypted.
        ---
        get:
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          - in: path
            name: aid
            schema: {type: integer}
          responses:
            200:
              description: The file
              content:
                application/octet-stream:
                  schema: {type: string, format: binary}
            404:
              description: "No such report in the caller's scope, or no such attachment of it"
              content:
                application/json:
                  example: {"message": "Not found"}
        """
        report = self._report(pk)
        if report is None:
            return self.response_404()
        row = db.session.execute(select(Attachment).where(Attachment.id == aid, Attachment.report_id == report.id)
                                 ).scalars().first()
        if row is None:
            return self.response_404()
        data = attachments.open_plain(row)
        resp = send_file(io.BytesIO(data), mimetype=row.content_type, as_attachment=True,
                         download_name=row.filename, max_age=0)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Cache-Control"] = "private, no-store"
        return resp

    @expose("/<int:pk>/attachments/<int:aid>", methods=["DELETE"])
    @protect()
    @safe
    def remove(self, pk: int, aid: int):
        """Take a wrongly attached file off a draft or returned report (the screen's "Gỡ"); audited.
        ---
        delete:
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          - in: path
            name: aid
            schema: {type: integer}
          responses:
            200:
              description: "The attachment that was removed"
              content:
                application/json:
                  example: {"result": {"content_type": "application/pdf", "filename": "bien-ban-da-ky.pdf", "id": 1, "kind": "scan", "report_id": 2, "sha256": "cb37ac38a14d17b295fcd809d4482135ad3e59ffb5f71b4f18b43a7e54a423aa", "signature": null, "size": 603, "uploaded_at": "2026-12-05T02:00:27.516044", "uploaded_by": "03151"}}
            403:
              description: "Only the reporting unit removes files"
              content:
                application/json:
                  example: {"message": "Chỉ đơn vị báo cáo được gỡ tệp khỏi báo cáo này."}
            404:
              description: "No such report in the caller's scope, or no such attachment of it"
              content:
                application/json:
                  example: {"message": "Not found"}
            409:
              description: "The report was submitted: its files are part of what was sent"
              content:
                application/json:
                  example: {"message": "Chỉ gỡ được tệp khỏi báo cáo nháp hoặc báo cáo bị trả lại."}
        """
        report, refusal = self._own_report(pk, "remove")
        if refusal is not None:
            return refusal
        try:
            row = attachments.remove(db.session, report, aid, g.user.username)
            db.session.commit()
        except attachments.AttachmentError as exc:
            db.session.rollback()
            return self.response(409, message=str(exc)) if exc.conflict else self.response_404()
        return self.response(200, result=attachments.as_json(row))
