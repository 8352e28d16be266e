"""Ad-hoc and thematic requests (F5) and passing a report on to sub-units (F8), on screen.

The board or a reviewer picks a published form, a title, a deadline and the
units (by level, or one by one) under its own unit; each chosen unit gets a
report at once. A unit holding a report can pass it on to its sub-units with
an earlier deadline. Both go through :mod:`core.reporting.assignment`, which checks
that every unit is inside the requester's subtree.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget, Select2ManyWidget, Select2Widget
from flask_appbuilder.forms import DynamicForm
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.reporting import assignment
from core.platform import clock
from core.platform.extensions import db
from core.forms.models.form import Form
from core.reporting.models import Report, Request
from core.hierarchy.models import Unit
from core.hierarchy.scope import ScopedInterface, current_account, is_system_admin
from core.hierarchy.units import levels


class RequestForm(DynamicForm):
    form = SelectField(_l("Form"), coerce=int, validators=[DataRequired()], widget=Select2Widget())
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=255)], widget=BS3TextFieldWidget())
    deadline = DateField(_l("Deadline"), validators=[DataRequired()], widget=BS3TextFieldWidget(),
                         description=_l("YYYY-MM-DD"))
    levels = SelectMultipleField(_l("All units of these levels"), validators=[Optional()], widget=Select2ManyWidget())
    units = SelectMultipleField(_l("Or these units"), coerce=int, validators=[Optional()], widget=Select2ManyWidget())
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)], widget=BS3TextAreaFieldWidget())


class CascadeForm(DynamicForm):
    deadline = DateField(_l("Deadline for the sub-units"), validators=[DataRequired()], widget=BS3TextFieldWidget(),
                         description=_l("YYYY-MM-DD, no later than your own deadline"))
    units = SelectMultipleField(_l("Sub-units"), coerce=int, validators=[DataRequired()], widget=Select2ManyWidget())


def _requesting_unit() -> Unit | None:
    account = current_account()
    if account is not None and account.unit is not None:
        return account.unit
    if is_system_admin(account):  # the board's admin requests on behalf of the top unit
        return db.session.execute(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id)).scalars().first()
    return None


def _below(unit: Unit) -> list[tuple[int, str]]:
    rows = db.session.execute(select(Unit.id, Unit.code, Unit.name).where(
        Unit.path.startswith(unit.path, autoescape=True), Unit.id != unit.id, Unit.active.is_(True))
        .order_by(Unit.path)).all()
    return [(r.id, f"{r.name} ({r.code})") for r in rows]


class RequestsView(ModelView):
    datamodel = ScopedInterface(Request)
    route_base = "/requests"
    base_permissions = ["can_list", "can_show", "can_new", "can_cascade"]
    include_route_methods = {"list", "show", "new", "cascade"}
    base_order = ("created_at", "desc")
    list_title = _l("Requests")
    show_title = _l("Request")
    list_columns = ["title", "form", "period", "from_unit", "deadline", "created_by", "created_at"]
    show_columns = list_columns + ["note", "parent"]
    search_columns = ["title", "deadline", "created_by"]
    label_columns = {"title": _l("Title"), "form": _l("Form"), "period": _l("Period"), "from_unit": _l("From unit"),
                     "deadline": _l("Deadline"), "created_by": _l("Created by"), "created_at": _l("Created at"),
                     "note": _l("Note"), "parent": _l("Passed on from")}

    def _page(self, form, title, submit, message=None):
        return self.render_template("platform/action_form.html", title=title, form=form, submit=submit,
                                    message=message, back=url_for(".list"))

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        """F5: a one-off request with a deadline to chosen units under the requester."""
        unit = _requesting_unit()
        if unit is None:
            abort(404)
        form = RequestForm()
        form.form.choices = [(f.id, f"{f.name} ({f.code})") for f in db.session.execute(
            select(Form).where(Form.published_version.is_not(None), Form.active.is_(True)).order_by(Form.code))
            .scalars()]
        form.levels.choices = [(lvl.code, lvl.name) for lvl in levels()]
        form.units.choices = _below(unit)
        if request.method == "POST" and form.validate_on_submit():
            ids = set(form.units.data or [])
            if form.levels.data:
                ids |= set(db.session.execute(select(Unit.id).where(
                    Unit.level.in_(form.levels.data), Unit.id != unit.id, Unit.active.is_(True),
                    Unit.path.startswith(unit.path, autoescape=True))).scalars())
            try:
                req = assignment.request(db.session, db.session.get(Form, form.form.data), form.title.data,
                                         form.deadline.data, unit, sorted(ids), by=current_account().username,
                                         note=form.note.data or "")
                db.session.commit()
            except assignment.AssignmentError as exc:
                db.session.rollback()
                flash(_("The request was not sent: %(reason)s", reason=_(str(exc))), "danger")
            else:
                flash(_("Request sent to %(n)d unit(s).", n=len(ids)), "success")
                return redirect(url_for(".show", pk=req.id))
        return self._page(form, _("New request"), _("Send"),
                          message=_("Requesting unit: %(unit)s", unit=f"{unit.name} ({unit.code})"))

    @expose("/cascade/<int:report_id>", methods=["GET", "POST"])
    @has_access
    def cascade(self, report_id):
        """F8: pass a report this unit received on to its sub-units."""
        report = ScopedInterface(Report).get(report_id)
        account = current_account()
        if report is None or account is None or (report.unit_id != account.unit_id and not is_system_admin(account)):
            abort(404)
        form = CascadeForm()
        form.units.choices = _below(report.unit)
        if request.method == "POST" and form.validate_on_submit():
            try:
                req = assignment.cascade(db.session, report, form.units.data, form.deadline.data,
                                         by=account.username)
                db.session.commit()
            except assignment.AssignmentError as exc:
                db.session.rollback()
                flash(_("The request was not sent: %(reason)s", reason=_(str(exc))), "danger")
            else:
                flash(_("Request sent to %(n)d unit(s).", n=len(form.units.data)), "success")
                return redirect(url_for(".show", pk=req.id))
        if not form.deadline.data:
            form.deadline.data = min(report.deadline, max(clock.utcnow().date(), report.deadline))
        return self._page(form, _("Pass the report on to sub-units"), _("Send"),
                          message=f"{report.form.name} — {report.period.name}")
