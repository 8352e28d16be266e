"""The catalogue of forms and report templates (REQUIREMENTS F1, F7), with publish, copy and workbooks.

The board edits a form's draft through the related views of its page, then
publishes: :func:`core.forms.definitions.publish` freezes the draft into the next
version, so reports already filed keep the version they were filled with.
Each action has its own route: GET shows a confirmation form, POST (CSRF
checked app-wide) calls :mod:`core.forms.definitions` and commits, or rolls back and
says why in Vietnamese.
"""
from __future__ import annotations

import io

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from core.platform import audit, labels
from core.forms import definitions as forms
from core.platform.extensions import db
from core.forms.models.form import Category, CategoryCombo, Form, FormVersion, Indicator
from core.reporting.models import Report, Request
from core.forms.models.period import Schedule
from core.hierarchy.scope import current_account
from core.forms.views.common import (FORM_CODE, Refused, blank, field_type_label, flag, period_type_label,
                                     source_label, yes_no)
from core.forms.views.parts import FormFieldsView, FormRulesView, FormSectionsView, SchedulesView, level_names
from core.forms.views.preview import layout

MAX_WORKBOOK_BYTES = 5 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ConfirmForm(DynamicForm):
    """Nothing to fill in: posting it (with its CSRF token) is the confirmation."""


class CopyForm(DynamicForm):
    code = StringField(_l("Code of the copy"), widget=BS3TextFieldWidget(),
                       validators=[DataRequired(), Length(max=60), FORM_CODE])
    name = StringField(_l("Name of the copy"), widget=BS3TextFieldWidget(),
                       validators=[DataRequired(), Length(max=255)])


class WorkbookForm(DynamicForm):
    file = FileField(_l("Workbook (.xlsx)"), validators=[FileRequired(_l("Choose a workbook file."))])


#: A stored time as Vietnam reads it (10/11/2026 09:00), the same on every screen.
when = labels.local_time


def problem_text(sheet, row, message) -> str:
    """One workbook problem as the board reads it: sheet, row, what is wrong."""
    if sheet and row:
        return _("Sheet %(sheet)s, row %(row)s: %(message)s", sheet=sheet, row=row, message=message)
    if sheet:
        return _("Sheet %(sheet)s: %(message)s", sheet=sheet, message=message)
    return str(message)


class FormsView(ModelView):
    datamodel = SQLAInterface(Form)
    route_base = "/forms"
    exclude_route_methods = {"download", "action", "action_post"}
    list_template = "forms/list.html"
    show_template = "forms/show.html"
    list_title = _l("Forms and report templates")
    show_title = _l("Form")
    add_title = _l("Add a form")
    edit_title = _l("Edit form")
    list_columns = ["code", "name", "sector", "source", "published_version", "active"]
    add_columns = ["code", "name", "sector", "description", "active"]
    edit_columns = ["name", "sector", "description", "active"]
    show_columns = ["code", "name", "sector", "description", "source", "published_version", "active", "created_at"]
    search_columns = ["code", "name", "sector", "source", "active"]
    order_columns = ["code", "name", "sector", "source", "published_version", "active"]
    base_order = ("code", "asc")
    page_size = 50
    related_views = [FormSectionsView, FormFieldsView, FormRulesView, SchedulesView]
    validators_columns = {"code": [FORM_CODE]}
    label_columns = {
        "code": _l("Code"),
        "name": _l("Form name"),
        "sector": _l("Sector"),
        "description": _l("Description"),
        "source": _l("Source"),
        "published_version": _l("Published version"),
        "active": _l("Active"),
        "created_at": _l("Created (UTC)"),
    }
    description_columns = {
        "code": _l("Unique; also the name of the exported workbook, e.g. BC-DT01."),
        "sector": _l("The sector whose departments see this form's reports across units (e.g. health)."),
        "active": _l("An inactive form is assigned to no one; its reports stay."),
    }
    formatters_columns = {"source": source_label, "active": yes_no, "sector": labels.sector, "published_version": blank,
                          "description": blank, "created_at": when}
    add_form_extra_fields = {"active": flag(_l("Active"))}
    edit_form_extra_fields = {"active": flag(_l("Active"))}

    # --- add, edit, delete ---------------------------------------------------------------------

    def post_add(self, item):
        g.baocao_added_form = item.id

    def post_add_redirect(self):
        """After adding a form, go to its page: that is where sections and fields are added."""
        added = g.pop("baocao_added_form", None)
        return redirect(url_for(".show", pk=added)) if added else super().post_add_redirect()

    def pre_delete(self, item):
        versions = db.session.scalar(select(func.count()).select_from(FormVersion)
                                     .where(FormVersion.form_id == item.id))
        used = db.session.scalar(select(func.count()).select_from(Report).where(Report.form_id == item.id)) + \
            db.session.scalar(select(func.count()).select_from(Request).where(Request.form_id == item.id))
        if versions or used:
            raise Refused(_("Form %(code)s has been published and cannot be deleted: untick Active instead. "
                            "Its versions and reports stay.", code=item.code))
        for schedule in db.session.scalars(select(Schedule).where(Schedule.form_id == item.id)):
            db.session.delete(schedule)  # the ORM way, so the audit log records each

    # --- the form's page -----------------------------------------------------------------------

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        form = self._get(pk)
        widgets = self._show(form.id)
        draft = forms.definition(form)
        versions = db.session.execute(select(FormVersion).where(FormVersion.form_id == form.id)
                                      .order_by(FormVersion.version.desc())).scalars().all()
        latest = versions[0] if versions else None
        schedules = db.session.execute(select(Schedule).where(Schedule.form_id == form.id)
                                       .order_by(Schedule.period_type)).scalars().all()
        unpublished = latest is None or latest.definition != {**draft, "version": latest.version}
        return self.render_template(
            self.show_template, pk=form.id, title=self.show_title, widgets=widgets,
            related_views=self._related_views, form=form, sections=layout(draft), rules=draft["rules"],
            schedules=schedules, versions=versions, latest=latest, unpublished=unpublished,
            plugin=form.source.split(":", 1)[1] if form.source.startswith("plugin:") else None,
            buttons=self._buttons(form), source_label=source_label, type_label=field_type_label,
            period_label=period_type_label, level_names=level_names, yes_no=yes_no, when=when)

    def _buttons(self, form: Form) -> list[tuple[str, str, str, str]]:
        candidates = [
            ("edit", url_for(".edit", pk=form.id), _("Edit"), "fa-edit", "default"),
            ("publish", url_for(".publish", pk=form.id), _("Publish"), "fa-check", "primary"),
            ("assign", url_for(".assign", pk=form.id), _("Assign now"), "fa-paper-plane", "default"),
            ("copy", url_for(".copy", pk=form.id), _("Copy"), "fa-copy", "default"),
            ("export_workbook", url_for(".export_workbook", pk=form.id), _("Export workbook"), "fa-download",
             "default"),
        ]
        return [(url, label, icon, style) for name, url, label, icon, style in candidates if self._can(name)]

    # --- publish and copy ----------------------------------------------------------------------

    @expose("/publish/<int:pk>", methods=["GET", "POST"])
    @has_access
    def publish(self, pk):
        form = self._get(pk)
        confirm = ConfirmForm()
        if request.method == "POST" and confirm.validate_on_submit():
            account = current_account()
            try:
                version = forms.publish(db.session, form, by=account.username if account else "board")
                db.session.commit()
            except forms.FormError as exc:
                db.session.rollback()
                flash(_("Not published: %(problems)s", problems="; ".join(exc.problems)), "danger")
            else:
                if version is None:
                    flash(_("Nothing changed since version %(version)d: nothing was published.",
                            version=form.published_version), "info")
                else:
                    flash(_("Version %(version)d of form %(code)s published.", version=version.version,
                            code=form.code), "success")
            return redirect(url_for(".show", pk=form.id))
        following = (form.published_version or 0) + 1
        return self._form_page(confirm, _("Publish form"), _("Publish"), form, message=_(
            "Publish the draft of form %(code)s as version %(version)d? Reports assigned from now on are "
            "filled with it; reports already assigned keep the version they have.",
            code=form.code, version=following))

    @expose("/assign/<int:pk>", methods=["GET", "POST"])
    @has_access
    def assign(self, pk):
        """F7 at once: the reports this form's schedules ask for today, without waiting for the nightly job
        (which an installation without a worker, the embedded default, never runs)."""
        from core.reporting import assignment

        form = self._get(pk)
        confirm = ConfirmForm()
        if request.method == "POST" and confirm.validate_on_submit():
            result = assignment.assign(db.session, form_ids=[form.id])
            db.session.commit()
            flash(_("%(n)d report(s) assigned.", n=result.created) if result.created
                  else _("No report to assign today: every open period already has its reports."), "success")
            return redirect(url_for(".show", pk=form.id))
        return self._form_page(confirm, _("Assign now"), _("Assign"), form, message=_(
            "Create today the reports that the schedules of form %(code)s ask for (periods whose entry window "
            "is open)? Reports that already exist are left as they are.", code=form.code))

    @expose("/copy/<int:pk>", methods=["GET", "POST"])
    @has_access
    def copy(self, pk):
        form = self._get(pk)
        copy_form = CopyForm()
        if request.method == "GET":
            copy_form.name.data = _("Copy of %(name)s", name=form.name)[:255]
        if request.method == "POST" and copy_form.validate_on_submit():
            try:
                new = forms.copy(db.session, form, copy_form.code.data.strip(), copy_form.name.data.strip())
                db.session.commit()
            except forms.FormError:
                db.session.rollback()
                flash(_("Form code %(code)s is already used.", code=copy_form.code.data), "danger")
            else:
                flash(_("Form %(code)s created as a copy of %(source)s: a draft until you publish it.",
                        code=new.code, source=form.code), "success")
                return redirect(url_for(".show", pk=new.id))
        return self._form_page(copy_form, _("Copy form"), _("Copy"), form, message=_(
            "The copy belongs to the board and starts as a draft with the same sections, fields and rules; "
            "schedules are not copied."))

    # --- workbooks -----------------------------------------------------------------------------

    @expose("/export/<int:pk>")
    @has_access
    def export_workbook(self, pk):
        from core.forms import xlsform_write

        form = self._get(pk)
        data = xlsform_write.write_workbook(forms.to_spec(form))
        audit.record("form.export", "Form", form.id, {"code": form.code, "format": "xlsx"})
        db.session.commit()
        return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"{form.code}.xlsx")

    @expose("/import", methods=["GET", "POST"])
    @has_access
    def import_workbook(self):
        upload_form = WorkbookForm()
        problems: list[str] = []
        if request.method == "POST" and upload_form.validate_on_submit():
            data = upload_form.file.data.read(MAX_WORKBOOK_BYTES + 1)
            if len(data) > MAX_WORKBOOK_BYTES:
                flash(_("The file is larger than %(size)d MB.", size=MAX_WORKBOOK_BYTES // (1024 * 1024)), "danger")
            else:
                problems, form = self._import(data, upload_form.file.data.filename or "")
                if form is not None:
                    return redirect(url_for(".show", pk=form.id))
                if problems:
                    flash(_("%(count)d problem(s) in the workbook: nothing was imported. Correct them and "
                            "upload the file again.", count=len(problems)), "danger")
        return self.render_template("forms/import.html", form=upload_form, problems=problems,
                                    title=_("Import a form from a workbook"))

    def _import(self, data: bytes, filename: str) -> tuple[list[str], Form | None]:
        """Read, check and write the workbook's form as a draft; every problem, or the form."""
        from core.forms import xlsform

        known_combos = set(db.session.execute(select(CategoryCombo.code)).scalars())
        known_indicators = set(db.session.execute(select(Indicator.code)).scalars())
        known_categories = set(db.session.execute(select(Category.code)).scalars())
        try:
            spec, warnings = xlsform.read_workbook_with_warnings(
                data, known_combos=known_combos, known_indicators=known_indicators,
                known_categories=known_categories, filename=filename or None)
            result = forms.sync_spec(db.session, spec, source="board", publish_it=False)
        except xlsform.XLSFormError as exc:
            db.session.rollback()
            return [problem_text(sheet, row, message) for sheet, row, message in exc.problems], None
        except forms.FormError as exc:
            db.session.rollback()
            return [str(p) for p in exc.problems], None
        form = db.session.execute(select(Form).where(Form.code == spec.code)).scalar_one_or_none()
        if result == "refused" or form is None:
            owner = source_label(form.source) if form is not None else ""
            db.session.rollback()
            flash(_("Form code %(code)s belongs to %(owner)s: import the workbook under another code, or copy "
                    "that form first.", code=spec.code, owner=owner), "danger")
            return [], None
        audit.record("form.import", "Form", form.id, {"code": form.code, "result": result, "file": filename[:200],
                                                      "not_carried_over": len(warnings)})
        db.session.commit()
        for sheet, row, message in warnings:  # ODK columns and expressions baocao has no place for: said, not lost
            flash(_("Not carried over from the workbook: %(what)s", what=problem_text(sheet, row, message)), "warning")
        if result == "created":
            flash(_("Form %(code)s created from the workbook as a draft: check it, then publish it.",
                    code=form.code), "success")
        else:
            flash(_("The draft of form %(code)s was replaced from the workbook: check it, then publish it.",
                    code=form.code), "success")
        return [], form

    # --- helpers -------------------------------------------------------------------------------

    def _can(self, name: str) -> bool:
        return self.appbuilder.sm.has_access(f"can_{name}", self.class_permission_name)

    def _get(self, pk) -> Form:
        try:
            form = self.datamodel.get(int(pk))
        except (TypeError, ValueError):
            form = None
        if form is None:
            abort(404)
        return form

    def _form_page(self, wtform, title, submit, form: Form, message=None):
        return self.render_template("forms/action.html", title=title, form=wtform, submit=submit,
                                    designed=form, message=message, back=url_for(".show", pk=form.id))
