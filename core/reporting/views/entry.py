"""Reports and their data entry screen (REQUIREMENTS F9).

The list shows the reports of the caller's scope (:class:`core.hierarchy.scope.ScopedInterface`;
anything else is 404) with the form, period and unit loaded in the same query.
The entry screen is drawn from the frozen definition of the report's form
version: sections, labels, help, units of measure, and HTML5 attributes so the
browser checks what it can on its own. A disaggregated field is a table. A
little ES5 script posts the form to ``/reports/<id>/validate`` when a value
changes: the server answers with the errors :func:`core.reporting.entry.check` finds, the
same function saving uses, so the browser and the server never disagree.

Saving is for the reporting unit's own accounts while the report is a draft
or returned; everyone else in scope sees the page read-only.
"""
from __future__ import annotations

import io

from flask import abort, current_app, flash, g, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access_api, permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectField

from core.reporting import cells, entry
from core.platform.extensions import db
from core.forms.definitions import grid
from core.reporting.models import Attachment, Report
from core.forms.models.form import NUMERIC_TYPES
from core.hierarchy.scope import ScopedInterface, condition, current_account
from core.accounts.views.accounts import when
from core.reporting.views import review
from core.hierarchy.views import level_label

STATE_STYLES = {"draft": "default", "submitted": "info", "approved": "success", "returned": "warning",
                "correction_requested": "warning"}


def dmy(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def state_badge(state: str) -> Markup:
    return Markup('<span class="label label-{}">{}</span>').format(STATE_STYLES.get(state, "default"),
                                                                   entry.state_label(state))


def state_choices():
    return [(code, str(label)) for code, label in entry.STATE_LABELS.items()]


def deadline_badge(report: Report) -> Markup:
    text = entry.deadline_text(report)
    late = report.submitted_at is None and entry.days_left(report.deadline) < 0
    style = "text-danger" if late else "text-muted" if not entry.is_editable(report) else ""
    return Markup('<span class="{}">{}</span>').format(style, text)


def may_open_entry() -> bool:
    """Whether the caller holds ``can_entry``, asked once per request (FAB asks the database each time)."""
    if "baocao_can_entry" not in g:
        g.baocao_can_entry = current_app.appbuilder.sm.has_access("can_entry", "ReportsView")
    return g.baocao_can_entry


def entry_link(report: Report) -> Markup:
    if not may_open_entry():
        return Markup("")
    typing = entry.is_editable(report) and entry.may_enter(current_account(), report)
    return Markup('<a class="btn btn-xs btn-primary" href="{}"><i class="fa fa-pencil-square-o"></i> {}</a>').format(
        url_for("ReportsView.entry", pk=report.id), _("Enter data") if typing else _("View data"))


class ReportInterface(ScopedInterface):
    """Reports in scope, their form, period and unit joined in (no query per row), and two
    computed columns the list shows: ``days_left`` and ``entry_link`` (both given the report)."""

    COMPUTED = ("days_left", "entry_link")

    def apply_filters(self, query, filters):
        return super().apply_filters(query, filters).options(
            joinedload(Report.form), joinedload(Report.period), joinedload(Report.unit))

    def get_related_interface(self, col_name: str):
        """The search form's drop-downs: units limited to the caller's subtree; forms and periods are public."""
        model = self.get_related_model(col_name)
        return (ScopedInterface if getattr(model, "__scope__", None) else SQLAInterface)(model)

    @staticmethod
    def _get_attr_value(item, col):
        if col in ReportInterface.COMPUTED:
            return item
        return ScopedInterface._get_attr_value(item, col)


# --- the grid of a disaggregated field -------------------------------------------------------


def placed_errors(defn: dict, grids: dict, errors: dict) -> tuple[dict, list[str]]:
    """Cell errors as ``{field: [(cell label, message)]}``, and messages for keys no field shows."""
    fields = {f["code"]: f for s in defn["sections"] for f in s["fields"]}
    by_field: dict[str, list] = {}
    stray: list[str] = []
    for key, messages in errors.items():
        if key == entry.RULES_KEY or key in fields:
            continue
        code, _sep, cell = key[:-1].partition("[") if key.endswith("]") else (key, "", "")
        if code in fields and fields[code].get("combo"):
            labels = {c["key"]: c["label"] for row in grids[fields[code]["combo"]]["rows"] for c in row["cells"]}
            by_field.setdefault(code, []).extend((labels.get(cell, cell), m) for m in messages)
        else:
            stray.extend(f"{key}: {m}" for m in messages)
    return by_field, stray


def input_attrs(fld: dict) -> dict:
    """HTML5 attributes the browser checks by itself (no script needed)."""
    attrs: dict = {}
    kind = fld["type"]
    if fld.get("required"):
        attrs["required"] = "required"
    if kind == "integer":
        # Whole numbers have no decimal mark, so a number input is unambiguous here.
        attrs.update(type="number", step="1", inputmode="numeric")
    elif kind in ("decimal", "percent"):
        # Text, not type=number: a browser's number input sends "1.234" for one point two three
        # four while an officer typing "1.234" means a thousand; the server reads one convention.
        attrs.update(type="text", inputmode="decimal", pattern=r"[\-+]?[0-9][0-9 .,]*|[\-+]?[.,][0-9]+")
    if kind in NUMERIC_TYPES:
        low, high = fld.get("min"), fld.get("max")
        if kind == "percent":
            low = 0 if low is None else max(low, 0)
            high = 100 if high is None else min(high, 100)
        if low is not None:
            attrs["min" if kind == "integer" else "data-min"] = entry.plain(low)
        if high is not None:
            attrs["max" if kind == "integer" else "data-max"] = entry.plain(high)
    elif kind == "date":
        attrs.update(type="date", placeholder="DD/MM/YYYY")
    elif kind == "text":
        attrs.update(type="text", maxlength=cells.TEXT_LIMITS["text"])
    return attrs


def field_context(report: Report, errors: dict, posted) -> dict:
    """What ``baocao/entry/_fields.html`` draws: the stored values, or ``posted`` as typed, with ``errors``.

    The entry page and the outage backfill page share it, so a field looks the same on both.
    """
    defn = report.version.definition
    if posted is None:
        stored = entry.values_of(db.session, report)
        fields = {f["code"]: f for s in defn["sections"] for f in s["fields"]}
        shown = {entry.input_name(code, cell): entry.display(fields[code], value)
                 for (code, cell), value in stored.items() if code in fields}
    else:
        shown = posted
    grids = {code: grid(combo) for code, combo in defn["combos"].items()}
    cell_errors, stray = placed_errors(defn, grids, errors)
    return {"defn": defn, "grids": grids, "shown": shown, "errors": errors, "cell_errors": cell_errors,
            "stray_errors": stray, "attrs": input_attrs, "numeric": NUMERIC_TYPES, "rules_key": entry.RULES_KEY,
            "cell_sep": entry.CELL_SEP}


class ReportsView(ModelView):
    datamodel = ReportInterface(Report)
    route_base = "/reports"
    include_route_methods = {"list", "show", "entry", "validate", "transition", "attach", "pdf"}
    list_title = _l("Reports")
    show_title = _l("Report")
    list_columns = ["form", "period", "unit", "state", "deadline", "days_left", "entry_link"]
    show_columns = ["form", "period", "unit", "state", "level", "deadline", "days_left", "submitted_at",
                    "updated_at", "entry_link"]
    search_columns = ["form", "period", "unit", "state", "deadline"]
    order_columns = ["state", "deadline"]
    base_order = ("deadline", "desc")
    page_size = 50
    label_columns = {
        "form": _l("Form"),
        "period": _l("Period"),
        "unit": _l("Unit"),
        "state": _l("State"),
        "level": _l("Held at level"),
        "deadline": _l("Deadline"),
        "days_left": _l("Days left"),
        "submitted_at": _l("Sent at"),
        "updated_at": _l("Last saved"),
        "entry_link": _l("Data"),
    }
    formatters_columns = {"state": state_badge, "deadline": dmy, "days_left": deadline_badge,
                          "entry_link": entry_link, "level": level_label, "submitted_at": when,
                          "updated_at": when}
    search_form_extra_fields = {
        "state": SelectField(_l("State"), choices=state_choices, widget=Select2Widget()),
    }

    # --- the entry screen ----------------------------------------------------------------------

    def _report(self, pk: int) -> Report:
        """The report with its form, version, period and unit, in one query; 404 out of scope."""
        report = db.session.execute(
            select(Report)
            .options(joinedload(Report.form), joinedload(Report.version), joinedload(Report.period),
                     joinedload(Report.unit))
            .where(Report.id == pk, condition(Report, current_account()))
        ).scalar_one_or_none()
        if report is None:
            abort(404)
        return report

    def _refusal(self, report: Report) -> str | None:
        """Why the caller may not save now, or None."""
        if not entry.is_editable(report):
            return _("This report is %(state)s: only a draft or a returned report can be changed.",
                     state=entry.state_label(report.state))
        if not entry.may_enter(current_account(), report):
            return _("Only the accounts of %(unit)s enter its data; you can read it.", unit=report.unit.name)
        return None

    @expose("/<int:pk>/entry", methods=["GET", "POST"])
    @has_access
    @permission_name("entry")
    def entry(self, pk):
        report = self._report(pk)
        refusal = self._refusal(report)
        errors, posted, status = {}, None, 200
        if request.method == "POST":
            if refusal:
                flash(refusal, "danger")
                status = 409 if not entry.is_editable(report) else 403
            else:
                try:
                    errors = entry.save(db.session, report, request.form.to_dict(), partial=True)
                except entry.EntryRefused as exc:  # the state changed since the check above
                    db.session.rollback()
                    flash(str(exc), "danger")
                    return redirect(url_for("ReportsView.entry", pk=pk))
                if not errors:
                    db.session.commit()
                    flash(_("Draft saved."), "success")
                    return redirect(url_for("ReportsView.entry", pk=pk))
                # Nothing was written; show what was typed, with the reasons.
                posted, status = request.form, 422
                flash(_("Not saved: correct the values marked in red, then save again."), "danger")
        return self._render(report, refusal, errors, posted), status

    def _render(self, report: Report, refusal: str | None, errors: dict, posted):
        defn = report.version.definition
        return self.render_template(
            "reporting/entry.html", report=report, **field_context(report, errors, posted),
            refusal=refusal, editable=refusal is None,
            state_badge=state_badge, deadline=dmy(report.deadline), deadline_text=entry.deadline_text(report),
            late=report.submitted_at is None and entry.days_left(report.deadline) < 0,
            workflow=review.workflow_context(report, current_account()),
            attached=db.session.query(Attachment).filter_by(report_id=report.id).order_by(Attachment.id).all(),
            title=_("Data entry: %(form)s", form=defn["name"]))

    @expose("/<int:pk>/attach", methods=["POST"])
    @has_access
    @permission_name("entry")
    def attach(self, pk):
        """W1 on screen: the signed scan (PDF, JPEG, PNG) or a digitally signed PDF, CSRF-checked."""
        from core.reporting import attachments

        report = self._report(pk)
        account = current_account()
        if not entry.may_enter(account, report):
            abort(403)
        upload = request.files.get("file")
        try:
            row = attachments.store(db.session, report, upload.stream if upload else None,
                                    upload.filename if upload else None, uploaded_by=account.username)
            db.session.commit()
        except attachments.AttachmentError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(_("File %(name)s attached.", name=row.filename), "success")
        return redirect(url_for(".entry", pk=report.id))

    @expose("/<int:pk>/transition", methods=["POST"])
    @has_access
    @permission_name("transition")
    def transition(self, pk):
        """The entry page's workflow buttons: one action through the workflow service."""
        return review.post_transition(self._report(pk))

    @expose("/pdf/<int:pk>")
    @has_access
    @permission_name("pdf")
    def pdf(self, pk):
        """The report as a PDF (W3), signed with the unit's certificate when one is configured."""
        from core.reporting import report_pdf

        report = self._report(pk)
        try:
            data = report_pdf.render(db.session, report)
        except report_pdf.CertificateError as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".entry", pk=report.id))
        return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                         download_name=report_pdf.filename(report))

    @expose("/<int:pk>/validate", methods=["POST"])
    @has_access_api
    @permission_name("validate")
    def validate(self, pk):
        """The errors saving this post would meet, as JSON: ``{"errors": {...}}``; writes nothing."""
        report = self._report(pk)
        refusal = self._refusal(report)
        if refusal:
            return jsonify(message=refusal, errors={}), 409 if not entry.is_editable(report) else 403
        full = request.form.get("_full") == "1"
        result = entry.check(db.session, report, request.form.to_dict(), partial=not full)
        return jsonify(errors=result.errors, changed=len(result.changes))
