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

import functools
import io

from flask import abort, current_app, flash, g, jsonify, redirect, request, send_file, url_for
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access_api, permission_name
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectField

from core.reporting import cells, entry
from core.platform.extensions import csrf, db
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
    if kind in ("integer", "decimal", "percent"):
        # Text, not type=number: a browser's number input sends "1.234" for one point two three
        # four while an officer typing "1.234" means a thousand, turns "12,5" into 125 or nothing,
        # and changes the number on arrow keys (which move between cells here). The server reads one
        # convention (core.reporting.cells.parse_number) and says in Vietnamese what is wrong.
        attrs.update(type="text", inputmode="decimal", pattern=r"[\-+]?[0-9][0-9 .,]*|[\-+]?[.,][0-9]+")
    if kind in NUMERIC_TYPES:
        low, high = fld.get("min"), fld.get("max")
        if kind == "percent":
            low = 0 if low is None else max(low, 0)
            high = 100 if high is None else min(high, 100)
        if low is not None:
            attrs["data-min"] = entry.plain(low)
        if high is not None:
            attrs["data-max"] = entry.plain(high)
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
    grids = grids_of(defn)
    cell_errors, stray = placed_errors(defn, grids, errors)
    return {"defn": defn, "grids": grids, "shown": shown, "errors": errors, "cell_errors": cell_errors,
            "stray_errors": stray, "attrs": input_attrs, "numeric": NUMERIC_TYPES, "rules_key": entry.RULES_KEY,
            "cell_sep": entry.CELL_SEP}


def grids_of(defn: dict) -> dict:
    return {code: grid(combo) for code, combo in defn["combos"].items()}


def sections_of(defn: dict, grids: dict) -> list[dict]:
    """The section index of the sticky bar: each part's title and how many inputs it holds."""
    out = []
    for section in defn["sections"]:
        count = sum(len(entry.cells_of(defn, f)) for f in section["fields"] if f["type"] != "file")
        out.append({"code": section["code"], "title": section.get("title") or section["code"], "count": count})
    return out


def entry_time(at) -> str:
    """"10:42" (today) or "10:42 08/12" in Vietnam time, for "Đã lưu lúc …"."""
    if at is None:
        return ""
    from core.platform import clock

    local = format_datetime(at, "dd/MM/yyyy")
    today = clock.today().strftime("%d/%m/%Y")
    return format_datetime(at, "HH:mm") if local == today else format_datetime(at, "HH:mm dd/MM")


def _csrf_ok() -> bool:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


def keep_typed_values(view):
    """A post of the entry page whose session ended (30 minutes idle) or whose CSRF token is gone is
    not FAB's bare "Bad Request": the page comes back, in Vietnamese, with every value as posted,
    and asks to sign in again (the form's own token check is done here, see ``csrf.exempt`` below)."""

    @functools.wraps(view)
    def wrapper(self, pk, *args, **kwargs):
        if request.method == "POST" and (not current_user.is_authenticated or (
                current_app.config.get("WTF_CSRF_ENABLED", True) and not _csrf_ok())):
            return self.expired(pk)
        return view(self, pk, *args, **kwargs)

    return wrapper


#: The entry page checks its own CSRF token (keep_typed_values) so that a stale one loses nothing.
csrf.exempt("core.reporting.views.entry.entry")


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
    @keep_typed_values
    @has_access
    @permission_name("entry")
    def entry(self, pk):
        """The page, and its one form's buttons: "Lưu" saves; "Gửi" (``_submit``) saves and submits,
        "Đính kèm" (``_attach`` with ``file``) saves and attaches, "Gỡ" (``_detach``) saves and
        removes a file, each in one transaction: what is on the screen is never dropped."""
        report = self._report(pk)
        refusal = self._refusal(report)
        errors, posted, status = {}, None, 200
        if request.method == "POST":
            if refusal:
                flash(refusal, "danger")
                status = 409 if not entry.is_editable(report) else 403
            else:
                outcome = self._post(report)
                if outcome is not None:
                    return outcome
                posted, status = request.form, 422
                errors = g.baocao_entry_errors
        return self._render(report, refusal, errors, posted), status

    def _post(self, report: Report):
        """Save the posted values and do what the pressed button asks; a redirect, or None to redraw
        the page with the posted values (``g.baocao_entry_errors`` says why; nothing was written)."""
        from core.reporting import attachments
        from workflows import service

        form = request.form
        back = url_for("ReportsView.entry", pk=report.id)
        g.baocao_entry_errors = {}
        judged = None
        try:
            if form.get("_submit"):  # judged once: as a draft for the save, as a submission for the submit
                checked, judged = entry.save_for_submit(db.session, report, form.to_dict())
                errors = checked.errors
            else:
                errors = entry.save(db.session, report, form.to_dict(), partial=True)
        except entry.EntryRefused as exc:  # the state changed since the page was drawn
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(back)
        if errors:
            db.session.rollback()
            g.baocao_entry_errors = errors
            flash(_("Not saved: correct the values marked in red, then save again."), "danger")
            return None
        done = _("Draft saved.")
        account = current_account()
        try:
            if form.get("_submit"):
                seen = form.get("_lock_version", "")
                service.transition(db.session, report, "submit", account, "",
                                   seen_version=int(seen) if seen.isdigit() else None, judged=judged)
                done = _("Saved and submitted. The report is now %(state)s.", state=entry.state_label(report.state))
            elif form.get("_attach"):
                upload = request.files.get("file")
                row = attachments.store(db.session, report, upload.stream if upload else None,
                                        upload.filename if upload else None, uploaded_by=account.username)
                done = _("Values saved and file %(name)s attached.", name=row.filename)
            elif form.get("_detach", "").isdigit():
                row = attachments.remove(db.session, report, int(form["_detach"]), account.username)
                done = _("Values saved and file %(name)s removed.", name=row.filename)
        except service.Refused as exc:
            db.session.rollback()
            g.baocao_entry_errors = exc.errors
            flash(_("Not submitted, and nothing was saved."), "danger")
            for message in review._refusal_messages(report, exc):
                flash(message, "danger")
            return None
        except attachments.AttachmentError as exc:
            db.session.rollback()
            flash(_("Nothing was saved: %(why)s", why=str(exc)), "danger")
            return None
        except Exception:
            db.session.rollback()
            raise
        db.session.commit()
        flash(done, "success")
        return redirect(back)

    def _render(self, report: Report, refusal: str | None, errors: dict, posted, expired: bool = False):
        defn = report.version.definition
        workflow = review.workflow_context(report, current_account()) if not expired else {"actions": []}
        can_submit = refusal is None and any(a["code"] == "submit" for a in workflow["actions"])
        if can_submit:  # "Gửi" is in the entry form's action bar, where it sends what is on the screen
            workflow["actions"] = [a for a in workflow["actions"] if a["code"] != "submit"]
        return self.render_template(
            "reporting/entry_expired.html" if expired else "reporting/entry.html", report=report,
            **field_context(report, errors, posted),
            refusal=refusal, editable=refusal is None,
            state_badge=state_badge, deadline=dmy(report.deadline), deadline_text=entry.deadline_text(report),
            late=report.submitted_at is None and entry.days_left(report.deadline) < 0,
            workflow=workflow, can_submit=can_submit,
            attached=[] if expired else db.session.query(Attachment).filter_by(report_id=report.id)
            .order_by(Attachment.id).all(),
            saved_at=entry_time(report.updated_at), sections=sections_of(defn, grids_of(defn)),
            title=_("Data entry: %(form)s", form=defn["name"]))

    def expired(self, pk):
        """The page drawn again with what was posted, when the session or its CSRF token is gone."""
        report = db.session.execute(select(Report).options(joinedload(Report.version))
                                    .where(Report.id == pk)).scalar_one_or_none()
        if report is None:
            abort(404)
        posted = {k: v for k, v in request.form.items() if not k.startswith("_") and k != "csrf_token"}
        return self._render(report, None, {}, posted, expired=True), 401

    @expose("/<int:pk>/attach", methods=["POST"])
    @has_access
    @permission_name("entry")
    def attach(self, pk):
        """W1 from other pages and older copies of this one: the signed scan, CSRF-checked. The entry
        page itself attaches through its own form (``_attach``), which saves the typed values first."""
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
