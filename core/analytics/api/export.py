"""``/api/v1/export/``: a form's approved values for a unit's subtree as XLSX, CSV, DOCX or PDF (R1).

``GET /api/v1/export/?form=&period=&unit=&format=`` answers with the file at
once; ``POST /api/v1/export/jobs`` (same parameters) queues a background job
for a large export (202 with its id), ``GET /api/v1/export/jobs/<id>`` tells
its status and progress, and ``GET /api/v1/export/jobs/<id>/file`` gives the
file once it is done. The form, period and unit are read and scope-checked
as for the aggregate (:func:`core.analytics.api.aggregate.selection`): out of scope is
404, an unknown code or format is 422 naming the parameter. A job is seen
only by the account that asked for it, inside its scope.
"""
from __future__ import annotations

import io

from flask import g, request, send_file, url_for
from flask_appbuilder.api import expose, protect, safe
from flask_babel import gettext as _

from core.platform import audit
from core.analytics import exports
from core.analytics.api.aggregate import BadRequest, NotFound, SelectionApi, chosen_tree, selection
from core.analytics.exports import document, jobs
from core.platform.extensions import db
from core.analytics.models.export import ExportJob



def chosen_format() -> str:
    fmt = (request.args.get("format") or request.form.get("format") or "").strip().lower()
    if fmt not in exports.FORMATS:
        raise BadRequest({"format": [_("Choose one of: %(actions)s.", actions=", ".join(exports.FORMATS))]})
    return fmt


def checked_selection() -> tuple:
    """(form, period, unit, format); a bad format is named with any other bad parameter."""
    errors = {}
    try:
        fmt = chosen_format()
    except BadRequest as exc:
        errors, fmt = exc.errors, None
    try:
        form, period, unit = selection()
    except BadRequest as exc:
        raise BadRequest({**exc.errors, **errors}) from None
    if errors:
        raise BadRequest(errors)
    return form, period, unit, fmt


def my_job(pk: int) -> ExportJob | None:
    return jobs.find(db.session, pk, g.user)


def job_json(job: ExportJob) -> dict:
    body = {"id": job.id, "status": job.status, "progress": job.progress, "rows_done": job.rows_done,
            "rows_total": job.rows_total, "format": job.format, "tree": job.tree, "filename": job.filename,
            "error": job.error,
            "created_at": job.created_at.isoformat() if job.created_at else None,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}
    if job.status == "done":
        body["download_url"] = url_for("ExportApi.job_file", pk=job.id)
    return body


class ExportApi(SelectionApi):
    resource_name = "export"
    openapi_spec_tag = "Exports"
    method_permission_name = {"get": "get", "queue": "post", "job": "get", "job_file": "get"}

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def get(self):
        """The file: the subtree's approved values, one row per unit, the total, laid out as an official form.
        ---
        get:
          parameters:
          - {in: query, name: form, required: true, schema: {type: string}}
          - {in: query, name: period, required: true, schema: {type: string}}
          - {in: query, name: unit, schema: {type: string}, description: "unit code; default the caller's unit"}
          - {in: query, name: format, required: true, schema: {type: string, enum: [xlsx, csv, docx, pdf]}}
          - {in: query, name: verified, schema: {type: string, enum: ["0", "1"]},
             description: "1: only reports their sector department verified (H3)"}
          - {in: query, name: tree, schema: {type: string, enum: [as_reported, current], default: as_reported},
             description: "current: one row per today's unit, predecessors' figures summed with shares (marked *)"}
          responses:
            200:
              description: "the file, named <form>_<period>_<unit>.<format>"
              content:
                application/octet-stream:
                  schema: {type: string, format: binary}
            404: {description: "the unit is outside the caller's scope"}
            422: {description: "form, period, unit or format missing or unknown"}
        """
        try:
            form, period, unit, fmt = checked_selection()
        except (BadRequest, NotFound) as exc:
            return self.refused(exc)
        verified = request.args.get("verified") or "0"
        if verified not in ("0", "1"):
            return self.response(422, message=_("The request is not understood."),
                                 errors={"verified": [_("Choose one of: %(actions)s.", actions="0, 1")]})
        out = io.BytesIO()
        try:
            document.export(db.session, form, period, unit, fmt, out, verified=verified == "1", tree=chosen_tree())
        except LookupError as exc:
            return self.response(422, message=str(exc), errors={"form": [str(exc)]})
        audit.record("export.download", "Form", form.id, {"form": form.code, "period": period.code,
                                                          "unit": unit.code, "format": fmt,
                                                          "verified_only": verified == "1", "tree": chosen_tree()})
        db.session.commit()
        out.seek(0)
        return send_file(out, mimetype=exports.MIME[fmt], as_attachment=True,
                         download_name=exports.filename(form.code, period.code, unit.code, fmt))

    @expose("/jobs", methods=["POST"])
    @protect()
    @safe
    def queue(self):
        """Queue a large export; poll the job for its progress.
        ---
        post:
          parameters:
          - {in: query, name: form, required: true, schema: {type: string}}
          - {in: query, name: period, required: true, schema: {type: string}}
          - {in: query, name: unit, schema: {type: string}, description: "unit code; default the caller's unit"}
          - {in: query, name: format, required: true, schema: {type: string, enum: [xlsx, csv, docx, pdf]}}
          - {in: query, name: tree, schema: {type: string, enum: [as_reported, current], default: as_reported}}
          responses:
            202:
              description: "the job: id, status, progress"
              content:
                application/json:
                  example: {"id": 7, "status": "queued", "progress": 0, "rows_done": 0, "rows_total": 45, "format": "xlsx", "tree": "as_reported", "filename": "DB-DT01_2026_11.xlsx", "error": null, "created_at": "2026-12-05T02:10:00", "finished_at": null}
            404: {description: "the unit is outside the caller's scope"}
            422: {description: "form, period, unit or format missing or unknown"}
        """
        try:
            form, period, unit, fmt = checked_selection()
        except (BadRequest, NotFound) as exc:
            return self.refused(exc)
        job = jobs.queue(db.session, g.user, form, period, unit, fmt, tree=chosen_tree())
        db.session.commit()  # the job runs after this (inline without Redis)
        job = db.session.get(ExportJob, job.id)
        db.session.refresh(job)
        return self.response(202, **job_json(job))

    @expose("/jobs/<int:pk>", methods=["GET"])
    @protect()
    @safe
    def job(self, pk: int):
        """Status (queued, running, done, failed), progress 0–100, rows done, and the download URL when done.
        ---
        get:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200:
              description: "the job"
              content:
                application/json:
                  example: {"id": 7, "status": "done", "progress": 100, "rows_done": 45, "rows_total": 45, "format": "xlsx", "tree": "as_reported", "filename": "DB-DT01_2026_11.xlsx", "error": null, "created_at": "2026-12-05T02:10:00", "finished_at": "2026-12-05T02:10:04", "download_url": "/api/v1/export/jobs/7/file"}
            404: {description: "no such job of the caller's"}
        """
        job = my_job(pk)
        return self.response_404() if job is None else self.response(200, **job_json(job))

    @expose("/jobs/<int:pk>/file", methods=["GET"])
    @protect()
    @safe
    def job_file(self, pk: int):
        """The finished file (404 until the job is done).
        ---
        get:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200:
              description: "the file"
              content:
                application/octet-stream:
                  schema: {type: string, format: binary}
            404: {description: "no such job of the caller's, or not done yet"}
        """
        job = my_job(pk)
        if job is None or job.status != "done" or not job.path:
            return self.response_404()
        return send_file(job.path, mimetype=exports.MIME[job.format], as_attachment=True,
                         download_name=job.filename)
