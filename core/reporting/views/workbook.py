"""The offline workbook on screen (issue 18, part 3): download a report as XLSX, upload it filled.

``/workbook/<id>/download`` gives the reporting unit the workbook to fill while the report is a draft
or returned, and everyone else in scope (the district, the board, a sector department) a locked
read-only copy. ``/workbook/<id>/upload`` takes the filled file back through
:func:`core.reporting.workbook.upload`: saved and back to the entry page, or the list of every
problem with its sheet and cell, nothing saved. The entry page and "my reports" show the links
through ``workbook_links(report)``, a template function this view's blueprint provides.
"""
from __future__ import annotations

import io

from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.platform.extensions import db
from core.platform.tabular import XLSX_MIME
from core.reporting import entry
from core.reporting import workbook
from core.reporting.models import Report
from core.hierarchy.scope import condition, current_account


def scoped(pk: int) -> Report | None:
    """The report with what the workbook reads, in one query; None out of the caller's scope."""
    return db.session.execute(
        select(Report).options(joinedload(Report.form), joinedload(Report.version), joinedload(Report.period),
                               joinedload(Report.unit))
        .where(Report.id == pk, condition(Report, current_account()))
    ).scalar_one_or_none()


def may_fill(report: Report) -> bool:
    """The reporting unit's own accounts fill and upload while the report can change."""
    return entry.is_editable(report) and entry.may_enter(current_account(), report)


def _can(permission: str) -> bool:
    """Whether the caller holds ``can_<permission>`` on this view, asked once per request."""
    cache = g.setdefault("baocao_workbook_can", {})
    if permission not in cache:
        cache[permission] = current_app.appbuilder.sm.has_access(f"can_{permission}", "WorkbookView")
    return cache[permission]


def workbook_links(report: Report) -> dict:
    """What the entry page and "my reports" offer for ``report``: the download and, for its unit while
    it can change, the upload (None where the caller may not)."""
    download = url_for("WorkbookView.download", pk=report.id) if _can("download") else None
    upload = url_for("WorkbookView.upload", pk=report.id) if _can("upload") and may_fill(report) else None
    return {"download": download, "upload": upload}


class WorkbookView(BaseView):
    route_base = "/workbook"
    base_permissions = ["can_download", "can_upload"]
    default_view = "download"

    def create_blueprint(self, appbuilder, endpoint=None, static_folder=None):
        blueprint = super().create_blueprint(appbuilder, endpoint, static_folder)
        blueprint.app_context_processor(lambda: {"workbook_links": workbook_links})
        return blueprint

    def _report(self, pk: int) -> Report:
        report = scoped(pk)
        if report is None:
            abort(404)
        return report

    @expose("/<int:pk>/download")
    @has_access
    @permission_name("download")
    def download(self, pk):
        """The workbook: to fill for the reporting unit while it can change, a read-only copy otherwise."""
        report = self._report(pk)
        data = workbook.build(db.session, report, editable=may_fill(report))
        return send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True,
                         download_name=workbook.filename(report))

    @expose("/<int:pk>/upload", methods=["GET", "POST"])
    @has_access
    @permission_name("upload")
    def upload(self, pk):
        report = self._report(pk)
        refusal, problems, status = None, [], 200
        if not entry.may_enter(current_account(), report):
            refusal, status = _("Only the accounts of %(unit)s enter its data; you can read it.",
                                unit=report.unit.name), 403
        elif not entry.is_editable(report):
            refusal, status = _("This report is %(state)s: only a draft or a returned report can be changed.",
                                state=entry.state_label(report.state)), 409
        elif request.method == "POST":
            upload = request.files.get("file")
            data = upload.stream.read(workbook.MAX_BYTES + 1) if upload else b""
            name = upload.filename if upload else None
            outcome, refusal, status = workbook.receive(db.session, report, data, name)
            if outcome is not None and not outcome.problems:
                flash(_("Workbook received: %(n)d value(s) changed.", n=outcome.changed), "success")
                return redirect(url_for("ReportsView.entry", pk=report.id))
            problems = outcome.problems if outcome is not None else []
        return self.render_template(
            "reporting/workbook/upload.html", report=report, refusal=refusal, problems=problems,
            links=workbook_links(report), title=_("Upload the filled workbook")), status

