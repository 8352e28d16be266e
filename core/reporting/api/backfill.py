"""``POST /api/v1/report/<id>/backfill``: an integrator records a report received outside the system (W7).

Beside the report API (same URL prefix, its own class and permission name,
``ReportBackfillApi``), for system administrators only: no role below the
admin lists it in :mod:`core.hierarchy.roles`. Multipart: ``values`` (a JSON object as
text), ``received_at`` (ISO 8601; with an offset it is converted, without one
it is UTC like every time this API returns), ``note`` and ``file`` (the signed
scan). 404 for an unknown report, 409 when it is no longer a draft or
returned, 422 naming each wrong part (``values`` nests the per-field errors);
one transaction, nothing saved on any error.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from core.reporting import attachments, entry
from core.reporting.api.attachments import ENVELOPE
from core.reporting.api.reports import scoped_report
from core.platform.extensions import db
from core.hierarchy.scope import is_system_admin
from workflows import backfill as service
from workflows.service import Forbidden, Refused


def read_iso(text: str | None) -> tuple[datetime | None, str | None]:
    """ISO 8601 as naive UTC, or None and why not."""
    if not (text or "").strip():
        return None, _("This field is required.")
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None, _("Send an ISO 8601 date and time, for example 2026-12-19T09:30:00+07:00.")
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment, None


def read_values(text: str | None) -> tuple[dict, str | None]:
    try:
        values = json.loads(text or "{}")
    except (ValueError, RecursionError):  # RecursionError: nested thousands deep
        return {}, _("Send the values as a JSON object: {field: value}.")
    if not isinstance(values, dict):
        return {}, _("Send the values as a JSON object: {field: value}.")
    return values, None


class ReportBackfillApi(BaseApi):
    route_base = "/api/v1/report"
    resource_name = "report_backfill"
    class_permission_name = "ReportBackfillApi"
    openapi_spec_tag = "Report backfill"
    allow_browser_login = False  # integrators sign in with a JWT; the screen is /backfill/
    method_permission_name = {"backfill": "post"}

    @expose("/<int:pk>/backfill", methods=["POST"])
    @protect()
    @safe
    def backfill(self, pk: int):
        """Record a report received outside the system (an outage) and send it for review as of that time.
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
                  required: [values, received_at, note, file]
                  properties:
                    values: {type: string, description: 'A JSON object {field: value}, as in PUT /values'}
                    received_at: {type: string, format: date-time, description: 'ISO 8601; UTC unless an offset is given'}
                    note: {type: string, description: Why the report arrived outside the system}
                    file: {type: string, format: binary, description: The signed scan (PDF, JPEG, PNG)}
          responses:
            200:
              description: "Recorded and submitted; the new state, level, submitted_at"
              content:
                application/json:
                  example: {"id": 2, "state": "submitted", "level": "province", "backfilled": true, "submitted_at": "2026-12-05T01:30:00", "received_at": "2026-12-05T01:30:00"}
            403:
              description: Only a system administrator records reports received outside the system
            404:
              description: No such report
            409:
              description: The report is not a draft or returned, or changed meanwhile
            422:
              description: Wrong or missing parts, named in errors (values nests the per-field errors)
        """
        if not is_system_admin(g.user):
            return self.response(403, message=_(
                "Only a system administrator records reports received outside the system."))
        report = scoped_report(pk)
        if report is None:
            return self.response_404()
        if not entry.is_editable(report):
            return self.response(409, message=_(
                "Only a report not yet sent can be recorded as received outside the system."),
                errors={"state": [report.state]})
        limit = attachments.max_bytes()
        if request.content_length is not None and request.content_length > limit + ENVELOPE:
            return self.response(422, message=str(attachments._too_large(limit)),
                                 errors={"file": [str(attachments._too_large(limit))]})
        request.max_content_length = limit + ENVELOPE
        try:
            form, upload = request.form, request.files.get("file")
        except RequestEntityTooLarge:
            return self.response(422, message=str(attachments._too_large(limit)),
                                 errors={"file": [str(attachments._too_large(limit))]})
        values, bad_values = read_values(form.get("values"))
        received_at, bad_time = read_iso(form.get("received_at"))
        errors = service.problems(db.session, report, values, received_at, form.get("note", ""),
                                  upload is not None and bool(upload.filename), machine=True)
        if bad_values:
            errors["values"] = [bad_values]
        if bad_time:
            errors["received_at"] = [bad_time]
        if not errors:
            try:
                service.backfill(db.session, report, values, received_at, g.user, form["note"],
                                 scan=(upload.stream, upload.filename), machine=True)
            except attachments.AttachmentError as exc:
                errors = {"file": [str(exc)]}
            except Forbidden as exc:
                db.session.rollback()
                return self.response(403, message=str(exc))
            except (Refused, entry.EntryRefused) as exc:
                db.session.rollback()
                return self.response(409, message=str(exc), errors=getattr(exc, "errors", {}))
            except Exception:
                db.session.rollback()
                raise
            else:
                db.session.commit()
                report = scoped_report(pk)
                return self.response(200, id=pk, state=report.state, level=report.level, backfilled=True,
                                     submitted_at=report.submitted_at.isoformat(),
                                     received_at=report.received_at.isoformat())
        db.session.rollback()
        return self.response(422, message=_("Not recorded: some parts are missing or wrong."), errors=errors)
