"""``/exports/`` "Kết xuất báo cáo" (R1): queue an export, follow my export jobs, download the files.

The page's form chooses a form, a period, a unit (default: the caller's own)
and a format, and queues a background job (:func:`core.analytics.exports.jobs.queue`);
the list below shows the caller's jobs with their progress and, once done,
the download link: one query. The system administrator also uploads Word
templates here (``can_upload``, which no other role is granted).
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from core.analytics import exports
from core.analytics import tree as trees
from core.analytics.views.dashboard import tree_choices, latest
from core.analytics.exports import jobs, templates
from core.platform.extensions import db
from core.analytics.models.export import ExportJob, ExportTemplate
from core.forms.models.form import Form
from core.forms.models.period import Period
from core.hierarchy.models import Unit
from core.hierarchy.scope import condition, current_account, in_scope

PAGE_SIZE = 50
STATUS_LABELS = {"queued": _l("Queued"), "running": _l("Running"), "done": _l("Done"), "failed": _l("Failed")}
FORMAT_LABELS = {"xlsx": "Excel (.xlsx)", "csv": "CSV (.csv)", "docx": "Word (.docx)", "pdf": "PDF (.pdf)"}


def _choices():
    forms = db.session.execute(select(Form.code, Form.name).where(Form.active.is_(True),
                                                                 Form.published_version.is_not(None))
                               .order_by(Form.name)).all()
    periods = db.session.execute(select(Period.code, Period.name).order_by(Period.start.desc()).limit(60)).all()
    return forms, periods


def _my_jobs(account):
    """The caller's latest jobs with their form, period and unit, in one query."""
    return db.session.execute(
        select(ExportJob).join(ExportJob.form).join(ExportJob.period).join(ExportJob.unit)
        .options(contains_eager(ExportJob.form), contains_eager(ExportJob.period), contains_eager(ExportJob.unit))
        .where(ExportJob.requested_by == account.id, condition(ExportJob, account))
        .order_by(ExportJob.id.desc()).limit(PAGE_SIZE)).scalars().all()


def _selected(account) -> tuple[dict, tuple | None]:
    """The posted choices, checked like the API's query parameters: (errors, (form, period, unit, format))."""
    posted = request.form
    errors, found = {}, {}
    for name, model in (("form", Form), ("period", Period)):
        code = (posted.get(name) or "").strip()
        found[name] = db.session.scalar(select(model).where(model.code == code)) if code else None
        if found[name] is None:
            errors[name] = _("Choose a form and a period.")
    code = (posted.get("unit") or "").strip()
    unit = db.session.scalar(select(Unit).where(Unit.code == code)) if code else account.unit
    if unit is None or not in_scope(account, unit):
        errors["unit"] = _("No unit with code %(code)s in your scope.", code=code)
    fmt = posted.get("format") or ""
    if fmt not in exports.FORMATS:
        errors["format"] = _("Choose one of: %(actions)s.", actions=", ".join(exports.FORMATS))
    try:
        tree = trees.parse(posted.get("tree"))  # the approved figures unless asked for today's tree
    except trees.BadTree:
        errors["tree"], tree = _("Choose the boundaries: as today or as when reported."), None
    return errors, None if errors else (found["form"], found["period"], unit, fmt, tree)


class ExportsView(BaseView):
    route_base = "/exports"
    default_view = "index"
    base_permissions = ["can_list", "can_queue", "can_download", "can_upload"]

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        account = current_account()
        forms, periods = _choices()
        may_upload = self.appbuilder.sm.has_access("can_upload", self.class_permission_name)
        uploaded = []
        if may_upload:
            uploaded = db.session.execute(select(ExportTemplate, Form.code).outerjoin(Form)
                                          .order_by(ExportTemplate.id.desc()).limit(PAGE_SIZE)).all()
        return self.render_template(
            "analytics/exports/index.html", title=_("Export reports"), forms=forms, periods=periods,
            formats=FORMAT_LABELS, own_unit=account.unit.code if account and account.unit else "",
            chosen=latest.latest_with_data(db.session, account.unit if account else None),
            jobs=_my_jobs(account), status_label=lambda s: str(STATUS_LABELS.get(s, s)),
            may_upload=may_upload, uploaded=uploaded, trees=tree_choices(), tree=trees.AS_REPORTED,
            tree_label=lambda code: str(trees.LABELS.get(code, code)))

    @expose("/queue", methods=["POST"])
    @has_access
    @permission_name("queue")
    def queue(self):
        account = current_account()
        errors, chosen = _selected(account)
        if errors:
            for message in dict.fromkeys(errors.values()):
                flash(message, "danger")
            return redirect(url_for("ExportsView.index"))
        *chosen, tree = chosen
        job = jobs.queue(db.session, account, *chosen, tree=tree)
        db.session.commit()
        flash(_("The export has been queued. Its file appears in the list below when it is complete."), "success")
        return redirect(url_for("ExportsView.index", _anchor=f"job-{job.id}"))

    @expose("/file/<int:pk>")
    @has_access
    @permission_name("download")
    def download(self, pk):
        job = jobs.find(db.session, pk, current_account())
        if job is None or job.status != "done" or not job.path:
            abort(404)
        return send_file(job.path, mimetype=exports.MIME[job.format], as_attachment=True,
                         download_name=job.filename)

    @expose("/templates", methods=["POST"])
    @has_access
    @permission_name("upload")
    def upload(self):
        upload = request.files.get("file")
        code = (request.form.get("form") or "").strip()
        form = db.session.scalar(select(Form).where(Form.code == code)) if code else None
        if code and form is None:
            flash(_("Choose a form and a period."), "danger")
        elif upload is None or not upload.filename:
            flash(_("Choose a Word file (.docx) to upload."), "danger")
        else:
            try:
                templates.store(db.session, form, upload.read(templates.MAX_BYTES + 1), upload.filename,
                                current_account().username, request.form.get("name") or None)
            except templates.TemplateError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                db.session.commit()
                flash(_("The Word template has been uploaded."), "success")
        return redirect(url_for("ExportsView.index", _anchor="templates"))
