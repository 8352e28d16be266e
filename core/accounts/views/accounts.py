"""Account administration (REQUIREMENTS A1, A2, A5, A6, A7, A10, A11, A13).

A system administrator sees every account; a unit administrator sees the
accounts of its own units' subtree (:class:`core.hierarchy.scope.ScopedInterface`: any
other account is 404) and never an account without a unit. Every change goes
through :mod:`core.accounts.lifecycle`, so the rules (one account per unit, one-time
passwords, no personal role on a shared account, no deleting an account with
a trail) and the audit entries are the CLI's and the API's too.

Each action has its own route: GET shows a confirmation form, POST (CSRF
checked by the app-wide ``CSRFProtect``) calls the service and commits, or
rolls back and shows the reason. A one-time password is rendered once, in the
POST response itself, marked ``no-store``: never flashed (flashes live in the
session cookie) and never logged.
"""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.exceptions import FABException
from flask_appbuilder.fieldwidgets import (BS3TextAreaFieldWidget, BS3TextFieldWidget, Select2ManyWidget,
                                           Select2Widget)
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.widgets import ListWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from core.accounts import lifecycle as accounts, passwords
from core.platform import clock
from core.hierarchy import roles
from core.platform.extensions import db
from core.accounts.models import Account
from core.platform.models.audit import AuditEntry
from core.hierarchy.models import Unit, UnitHolder
from core.hierarchy.scope import ScopedInterface, condition, current_account, is_system_admin

EMAIL = Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("Enter an email address such as name@example.vn."))

#: The status quick filters of the list, ``?status=<code>``.
STATUSES = (
    ("active", _l("Active")),
    ("locked", _l("Locked")),
    ("closed", _l("Closed")),
    ("must_change", _l("Must change password")),
)


def status_condition(code: str):
    """The SQL condition for one status of :data:`STATUSES` (None for an unknown code)."""
    now = clock.utcnow()
    is_open = Account.closed_at.is_(None)
    locked = and_(Account.locked_until.is_not(None), Account.locked_until > now)
    return {
        "active": and_(is_open, or_(Account.locked_until.is_(None), Account.locked_until <= now)),
        "locked": and_(is_open, locked),
        "closed": Account.closed_at.is_not(None),
        "must_change": and_(is_open, Account.must_change_password.is_(True)),
    }.get(code)


class StatusFilter(BaseFilter):
    """Adds the chosen status to FAB's list query (with the scope, search and paging)."""

    name = _l("Status")

    def apply(self, query, value):
        cond = status_condition(value)
        return query if cond is None else query.filter(cond)


def lock_reason_text(reason: str | None) -> str:
    if reason == "failed_logins":
        return _("too many failed logins")
    return reason or ""


def status_badges(account: Account) -> Markup:
    """Active / locked with its reason / closed, and "must change password", as labels."""
    badge = Markup('<span class="label label-{}">{}</span>')
    if account.closed_at is not None:
        parts = [badge.format("default", _("Closed"))]
    elif account.locked:
        text = _("Locked: %(reason)s", reason=lock_reason_text(account.lock_reason))
        parts = [badge.format("danger", text)]
    else:
        parts = [badge.format("success", _("Active"))]
    if account.closed_at is None and account.must_change_password:
        parts.append(badge.format("warning", _("Must change password")))
    return Markup(" ").join(parts)


def role_titles(names) -> str:
    return ", ".join(str(roles.BY_NAME[n].title) if n in roles.BY_NAME else n for n in names)


def when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


# --- forms -------------------------------------------------------------------


class ConfirmForm(DynamicForm):
    """Nothing to fill in: posting it (with its CSRF token) is the confirmation."""


class ReasonForm(DynamicForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)],
                           widget=BS3TextAreaFieldWidget(), description=_l("Kept in the audit log."))


class IssueForm(DynamicForm):
    """The unit and the officer who will hold its account: the roster starts with the account (A2)."""

    unit = SelectField(_l("Unit"), validators=[DataRequired()], widget=Select2Widget(), choices=[],
                       description=_l("Units that already have an open account are not listed: to give one a "
                                      "new password, open its account and choose \"Reset password\"."))
    full_name = StringField(_l("Officer's full name"), validators=[DataRequired(), Length(max=200)],
                            widget=BS3TextFieldWidget())
    title = StringField(_l("Job title"), validators=[Optional(), Length(max=200)], widget=BS3TextFieldWidget())
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)], widget=BS3TextFieldWidget())
    email = StringField(_l("Email"), validators=[Optional(), Length(max=320), EMAIL], widget=BS3TextFieldWidget())


class HandoverForm(DynamicForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)],
                            widget=BS3TextFieldWidget())
    title = StringField(_l("Job title"), validators=[Optional(), Length(max=200)], widget=BS3TextFieldWidget())
    department = StringField(_l("Department"), validators=[Optional(), Length(max=200)],
                             widget=BS3TextFieldWidget())
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)], widget=BS3TextFieldWidget())
    email = StringField(_l("Email"), validators=[Optional(), Length(max=320), EMAIL], widget=BS3TextFieldWidget())


class EditForm(DynamicForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=64)],
                             widget=BS3TextFieldWidget())
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=64)], widget=BS3TextFieldWidget())
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=320), EMAIL],
                        widget=BS3TextFieldWidget())
    roles = SelectMultipleField(_l("Roles"), choices=[], widget=Select2ManyWidget())


class AddForm(DynamicForm):
    username = StringField(_l("User name"), widget=BS3TextFieldWidget(), validators=[
        DataRequired(), Length(max=64),
        Regexp(r"^[A-Za-z0-9._@-]+$", message=_l("Use only letters without accents, digits and . _ @ -.")),
    ])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=64)],
                             widget=BS3TextFieldWidget())
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=64)], widget=BS3TextFieldWidget())
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=320), EMAIL],
                        widget=BS3TextFieldWidget())
    unit = SelectField(_l("Unit (data scope)"), choices=[], widget=Select2Widget(),
                       description=_l("The account sees this unit and the units under it."))
    roles = SelectMultipleField(_l("Roles"), choices=[], widget=Select2ManyWidget())


class AccountListWidget(ListWidget):
    template = "accounts/list_widget.html"


# --- the view ----------------------------------------------------------------


class AccountsView(ModelView):
    datamodel = ScopedInterface(Account)
    route_base = "/accounts"
    #: FAB's own add/edit/delete would write past the service: they are replaced below,
    #: and its other routes (actions, downloads) are not registered.
    include_route_methods = {"list", "show", "add", "edit", "delete", "issue", "reset", "lock", "unlock",
                             "close", "handover", "signout"}

    list_title = _l("Accounts")
    show_title = _l("Account")
    add_title = _l("Add a personal account")
    edit_title = _l("Edit account")
    list_columns = ["username", "unit", "holder", "roles", "status", "last_login"]
    order_columns = ["username", "last_login"]
    search_columns = ["username", "unit"]
    base_order = ("username", "asc")
    page_size = 50
    label_columns = {
        "username": _l("User name"),
        "unit": _l("Unit"),
        "holder": _l("Current holder"),
        "roles": _l("Roles"),
        "status": _l("Status"),
        "last_login": _l("Last login"),
    }
    list_template = "accounts/list.html"
    list_widget = AccountListWidget
    # Set so FAB builds no forms of its own from the model.
    add_form = AddForm
    edit_form = EditForm
    add_columns = edit_columns = show_columns = ["username"]

    # --- list ------------------------------------------------------------------

    @expose("/list/")
    @has_access
    def list(self):
        self.update_redirect()
        try:
            widgets = self._list()
        except FABException as exc:
            flash(str(exc), "warning")
            return redirect(url_for(".list"))
        status = request.args.get("status")
        return self.render_template(self.list_template, title=self.list_title, widgets=widgets,
                                    statuses=STATUSES, status=status if status_condition(status or "") is not None
                                    else None, can_issue=self._can("issue"))

    def _get_list_widget(self, filters, actions=None, order_column="", order_direction="", page=None,
                         page_size=None, widgets=None, **kwargs):
        """FAB's list query (scope, search, order, paging), then one query each for units, roles and holders."""
        widgets = widgets or {}
        page_size = page_size or self.page_size
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        joined = filters.get_joined_filters(self._base_filters)
        status = request.args.get("status")
        if status_condition(status or "") is not None:
            joined.add_filter("username", StatusFilter, status)
        count, items = self.datamodel.query(joined, order_column, order_direction, page=page, page_size=page_size)
        ids = [a.id for a in items]
        if ids:
            db.session.execute(
                select(Account).where(Account.id.in_(ids))
                .options(joinedload(Account.unit), selectinload(Account.roles))
                .execution_options(populate_existing=True)
            ).unique().scalars().all()
        holders = current_holders({a.unit_id for a in items if a.unit_account and a.unit_id})
        rows = [{
            "username": a.username,
            "unit": str(a.unit) if a.unit is not None else "",
            "holder": holders.get(a.unit_id, "") if a.unit_account else "",
            "roles": role_titles(r.name for r in a.roles),
            "status": status_badges(a),
            "last_login": when(a.last_login),
        } for a in items]
        widgets["list"] = self.list_widget(
            label_columns=self.label_columns, include_columns=self.list_columns, value_columns=rows,
            order_columns=self.order_columns, formatters_columns=self.formatters_columns, page=page,
            page_size=page_size, count=count, pks=ids, actions=actions or self.actions, filters=filters,
            modelview_name=self.__class__.__name__, **kwargs,
        )
        return widgets

    # --- show ------------------------------------------------------------------

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk):
        account = self._get(pk)
        holders = []
        if account.unit_account and account.unit_id is not None:
            holders = db.session.execute(
                select(UnitHolder).where(UnitHolder.unit_id == account.unit_id)
                .order_by(UnitHolder.started_at.desc(), UnitHolder.id.desc())
            ).scalars().all()
        history = db.session.execute(
            select(AuditEntry).where(AuditEntry.object_type == "Account", AuditEntry.object_id == str(account.id))
            .order_by(AuditEntry.seq.desc()).limit(20)
        ).scalars().all()
        self.update_redirect()
        return self.render_template(
            "accounts/show.html", title=self.show_title, account=account, holders=holders,
            history=history, status=status_badges(account), role_names=role_titles(r.name for r in account.roles),
            refusal=self._refusal(account), buttons=self._buttons(account), when=when,
        )

    # --- issue a unit's account ------------------------------------------------

    @expose("/issue", methods=["GET", "POST"])
    @has_access
    def issue(self):
        """A unit without an open account gets one, or a closed one is reopened; never a silent reset.

        A unit whose account is open is not offered; posting it anyway is refused with the way to a new
        password (the account's own "Reset password", which asks for confirmation)."""
        actor = current_account()
        form = IssueForm()
        form.unit.choices = [("", _("— choose a unit —"))] + unit_choices(actor, without_open_account=True)
        if request.method == "GET" and request.args.get("unit"):
            form.unit.data = request.args["unit"]
        chosen = scoped_unit(actor, form.unit.data) if request.method == "POST" and form.unit.data else None
        existing = accounts.unit_account(db.session, chosen) if chosen is not None else None
        if existing is not None and existing.closed_at is None:  # not offered; posted anyway (an old tab)
            flash(Markup(_("%(unit)s already has an account, %(name)s: nothing was changed. To give it a new "
                           "password, open <a href=\"%(url)s\">its account</a> and choose \"Reset password\".",
                           unit=Markup.escape(chosen.name), name=Markup.escape(existing.username),
                           url=url_for(".show", pk=existing.id))), "warning")
            return redirect(url_for(".show", pk=existing.id))
        if request.method == "POST" and form.validate_on_submit():
            unit = chosen
            if unit is None:
                abort(404)
            try:
                if existing is not None:
                    accounts.check_manage(actor, existing)
                account, password, created = accounts.issue(db.session, unit.code, accounts.Holder(
                    form.full_name.data, form.title.data or "", "", form.phone.data or "", form.email.data or ""))
                db.session.commit()
            except accounts.AccountError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                title = _("Account issued") if created else _("Account reopened with a new password")
                return self._password_page(account, password, title, holder=form.full_name.data)
        return self._form_page(form, _("Issue a unit's account"), _("Issue"), message=_(
            "Choose a unit without an account and give the officer who will hold it. A closed account is "
            "reopened. The one-time password is shown once, on the next page."))

    # --- add and edit personal accounts ----------------------------------------

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        actor = current_account()
        form = AddForm()
        form.roles.choices = role_choices(actor)
        none = [("", _("(none: system administrators only)"))] if is_system_admin(actor) else []
        form.unit.choices = none + unit_choices(actor)
        if request.method == "POST" and form.validate_on_submit():
            unit = scoped_unit(actor, form.unit.data) if form.unit.data else None
            if form.unit.data and unit is None:
                abort(404)
            try:
                account, password = accounts.create_personal(
                    db.session, form.username.data, form.first_name.data, form.last_name.data, form.email.data,
                    unit, form.roles.data, actor=actor)
                db.session.commit()
            except accounts.AccountError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                return self._password_page(account, password, _("Account created"))
        return self._form_page(form, self.add_title, _("Create"), message=_(
            "A personal account belongs to one person and is never shared. It gets a one-time "
            "password, shown once on the next page, that must be changed at first login."))

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        account, actor = self._get(pk), current_account()
        refused = self._refuse(account)
        if refused:
            return refused
        form = EditForm(obj=account)
        allowed = accounts.grantable_roles(actor)
        form.roles.choices = role_choices(actor, unit_account=account.unit_account)
        kept = [r.name for r in account.roles if r.name not in allowed]
        if request.method == "GET":
            form.roles.data = [r.name for r in account.roles if r.name in allowed]
        if request.method == "POST" and form.validate_on_submit():
            try:
                accounts.update(db.session, account, form.first_name.data, form.last_name.data, form.email.data,
                                form.roles.data, actor=actor)
                db.session.commit()
            except accounts.AccountError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                flash(_("Account %(name)s saved.", name=account.username), "success")
                return redirect(url_for(".show", pk=pk))
        message = _("Roles you cannot grant stay as they are: %(roles)s.", roles=role_titles(kept)) if kept else None
        return self._form_page(form, self.edit_title, _("Save"), account=account, message=message)

    # --- actions on one account --------------------------------------------------

    @expose("/reset/<int:pk>", methods=["GET", "POST"])
    @has_access
    def reset(self, pk):
        """A5: a new one-time password; the old one stops working at once."""
        def perform(account, form):
            password = accounts.reset(db.session, account)
            return lambda: self._password_page(account, password, _("Password reset"))

        return self._act(pk, ConfirmForm, _("Reset password"), _("Reset password"), perform, open_only=True,
                         message=lambda a: _("Give account %(name)s a new one-time password? The current "
                                             "password stops working at once, and the holder must change the "
                                             "new one at first login.", name=a.username))

    @expose("/lock/<int:pk>", methods=["GET", "POST"])
    @has_access
    def lock(self, pk):
        """A10: locked at once, until unlocked; open sessions end at their next request."""
        def perform(account, form):
            accounts.lock(db.session, account, form.reason.data)
            return _("Account %(name)s is locked.", name=account.username)

        return self._act(pk, ReasonForm, _("Lock account"), _("Lock"), perform, danger=True, open_only=True,
                         message=lambda a: _("Lock account %(name)s now? It is signed out at its next request "
                                             "and cannot log in until an administrator unlocks it.",
                                             name=a.username))

    @expose("/unlock/<int:pk>", methods=["GET", "POST"])
    @has_access
    def unlock(self, pk):
        def perform(account, form):
            accounts.unlock(db.session, account, form.reason.data)
            return _("Account %(name)s is unlocked.", name=account.username)

        return self._act(pk, ReasonForm, _("Unlock account"), _("Unlock"), perform,
                         message=lambda a: _("Unlock account %(name)s? It can log in again with its password.",
                                             name=a.username))

    @expose("/signout/<int:pk>", methods=["GET", "POST"])
    @has_access
    def signout(self, pk):
        """Đăng xuất mọi nơi: every browser session and API token of the account ends at its next
        request (a lost phone, a shared computer); the password and the lock stay as they are."""
        def perform(account, form):
            accounts.sign_out_everywhere(db.session, account, form.reason.data)
            return _("Account %(name)s is signed out everywhere.", name=account.username)

        return self._act(pk, ReasonForm, _("Sign out everywhere"), _("Sign out everywhere"), perform,
                         open_only=True,
                         message=lambda a: _("Sign account %(name)s out of every browser and API client now? "
                                             "Its password stays; the holder just logs in again.",
                                             name=a.username))

    @expose("/close/<int:pk>", methods=["GET", "POST"])
    @has_access
    def close(self, pk):
        """A7, A15: closed, not deleted: data and audit trail stay."""
        def perform(account, form):
            accounts.close(db.session, account, form.reason.data)
            return _("Account %(name)s is closed.", name=account.username)

        return self._act(pk, ReasonForm, _("Close account"), _("Close account"), perform, danger=True,
                         open_only=True,
                         message=lambda a: _("Close account %(name)s? It keeps its data and audit trail but can "
                                             "no longer log in. A unit's account is reopened by issuing it again.",
                                             name=a.username))

    @expose("/handover/<int:pk>", methods=["GET", "POST"])
    @has_access
    def handover(self, pk):
        """A6: the previous holder's period ends, the new holder joins the roster with a one-time password."""
        def perform(account, form):
            password = accounts.handover(db.session, account, form.full_name.data, form.title.data or "",
                                         form.department.data or "", form.phone.data or "", form.email.data or "")
            return lambda: self._password_page(account, password, _("Account handed over"),
                                               holder=form.full_name.data)

        return self._act(pk, HandoverForm, _("Hand over the account"), _("Hand over"), perform, open_only=True,
                         message=lambda a: _("Hand account %(name)s over to a new officer? The current holder's "
                                             "period ends now, the new holder joins the roster, and the account "
                                             "gets a one-time password that the new holder must change.",
                                             name=a.username))

    @expose("/delete/<int:pk>", methods=["GET", "POST"])
    @has_access
    def delete(self, pk):
        """A7: only an account that never acted; anything else is refused (close it instead)."""
        def perform(account, form):
            name = account.username
            accounts.delete(db.session, account)

            def deleted():
                flash(_("Account %(name)s deleted.", name=name), "success")
                return redirect(url_for(".list"))
            return deleted

        return self._act(pk, ConfirmForm, _("Delete account"), _("Delete"), perform, danger=True,
                         message=lambda a: _("Delete account %(name)s for good? Only an account that never "
                                             "logged in and has no data can be deleted; any other is refused: "
                                             "close it instead.", name=a.username))

    # --- helpers -------------------------------------------------------------------

    def _can(self, name: str) -> bool:
        return self.appbuilder.sm.has_access(f"can_{name}", self.class_permission_name)

    def _get(self, pk) -> Account:
        """The account if it is in the caller's scope; 404 otherwise (no hint that it exists)."""
        account = self.datamodel.get(pk)
        if account is None:
            abort(404)
        return account

    def _refusal(self, account: Account) -> str | None:
        try:
            accounts.check_manage(current_account(), account)
        except accounts.AccountError as exc:
            return str(exc)
        return None

    def _refuse(self, account: Account):
        refusal = self._refusal(account)
        if refusal is None:
            return None
        flash(refusal, "danger")
        return redirect(url_for(".show", pk=account.id))

    def _act(self, pk, form_class, title, submit, perform, message, danger=False, open_only=False):
        """GET: the confirmation form. POST: the service call, committed, or rolled back with its reason.

        ``perform`` returns a success message (shown on the account's page) or a function making the
        response, called only once the commit has succeeded (a one-time password page, say).
        """
        account = self._get(pk)
        refused = self._refuse(account)
        if refused:
            return refused
        if open_only and account.closed_at is not None:
            flash(_("Account %(name)s is closed.", name=account.username), "warning")
            return redirect(url_for(".show", pk=account.id))
        form = form_class()
        if request.method == "POST" and form.validate_on_submit():
            try:
                result = perform(account, form)
                db.session.commit()
            except accounts.AccountError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
                return redirect(url_for(".show", pk=pk))
            if callable(result):
                return result()
            flash(result, "success")
            return redirect(url_for(".show", pk=pk))
        return self._form_page(form, title, submit, account=account, danger=danger, message=message(account))

    def _form_page(self, form, title, submit, account=None, message=None, danger=False):
        back = url_for(".show", pk=account.id) if account is not None else url_for(".list")
        return self.render_template("accounts/form.html", title=title, form=form, submit=submit,
                                    account=account, message=message, danger=danger, back=back)

    def _password_page(self, account: Account, password: str, title: str, holder: str | None = None):
        """The one time a one-time password is shown: in this response only, never stored by the browser."""
        response = make_response(self.render_template(
            "accounts/password.html", title=title, username=account.username, password=password,
            account_id=account.id, holder=holder, password_rules=passwords.describe(passwords.policy())))
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response

    def _buttons(self, account: Account) -> list[tuple[str, str, str, str]]:
        """(url, label, icon, style) of the actions this caller may take on this account now."""
        if self._refusal(account) is not None:
            return []
        is_open = account.closed_at is None
        candidates = [
            ("edit", True, url_for(".edit", pk=account.id), _("Edit"), "fa-edit", "default"),
            ("issue", not is_open and account.unit_account and account.unit is not None,
             url_for(".issue", unit=account.unit.code) if account.unit is not None else "",
             _("Reopen with a new password"), "fa-key", "default"),
            ("reset", is_open, url_for(".reset", pk=account.id), _("Reset password"),
             "fa-key", "default"),
            ("handover", is_open and account.unit_account, url_for(".handover", pk=account.id),
             _("Hand over the account"), "fa-exchange", "default"),
            ("lock", is_open and not account.locked, url_for(".lock", pk=account.id), _("Lock"), "fa-lock",
             "warning"),
            ("unlock", account.locked, url_for(".unlock", pk=account.id), _("Unlock"), "fa-unlock", "default"),
            ("signout", is_open, url_for(".signout", pk=account.id), _("Sign out everywhere"), "fa-sign-out",
             "warning"),
            ("close", is_open, url_for(".close", pk=account.id), _("Close account"), "fa-ban", "danger"),
            ("delete", True, url_for(".delete", pk=account.id), _("Delete"), "fa-trash", "danger"),
        ]
        return [(url, label, icon, style) for name, shown, url, label, icon, style in candidates
                if shown and self._can(name)]


# --- queries shared by the forms -------------------------------------------------


def current_holders(unit_ids: set[int]) -> dict[int, str]:
    """``{unit id: current holder's name}`` for these units, in one query."""
    if not unit_ids:
        return {}
    rows = db.session.execute(
        select(UnitHolder.unit_id, UnitHolder.full_name)
        .where(UnitHolder.unit_id.in_(unit_ids), UnitHolder.ended_at.is_(None)).order_by(UnitHolder.id)
    ).all()
    return {unit_id: name for unit_id, name in rows}  # the newest open row wins


def scoped_unit(actor: Account | None, code: str) -> Unit | None:
    """The active unit with this code if the actor's scope holds it."""
    return db.session.execute(
        select(Unit).where(Unit.code == code, Unit.active.is_(True), condition(Unit, actor))
    ).scalar_one_or_none()


def unit_choices(actor: Account | None, without_open_account: bool = False) -> list[tuple[str, str]]:
    """The active units of the actor's scope, in tree order, indented by depth.

    ``without_open_account``: only units whose shared account is missing or closed (marked "reopen"),
    so issuing can never land on a unit that already has a working account."""
    query = select(Unit).where(Unit.active.is_(True), condition(Unit, actor)).order_by(Unit.path)
    closed = set()
    if without_open_account:
        unit_accounts = select(Account.unit_id, Account.closed_at).where(
            Account.unit_account.is_(True), Account.unit_id.is_not(None)).subquery()
        query = query.outerjoin(unit_accounts, unit_accounts.c.unit_id == Unit.id) \
            .where(unit_accounts.c.closed_at.is_not(None) | unit_accounts.c.unit_id.is_(None)) \
            .add_columns(unit_accounts.c.closed_at)
        rows = db.session.execute(query).all()
        units = [row[0] for row in rows]
        closed = {row[0].id for row in rows if row[1] is not None}
    else:
        units = db.session.execute(query).scalars().all()
    top = min((u.path.count("/") for u in units), default=0)
    choices = []
    for unit in units:
        label = "\u2003" * (unit.path.count("/") - top) + f"{unit.name} ({unit.code})"
        if unit.id in closed:
            label += " · " + _("closed account: reopen")
        choices.append((unit.code, label))
    return choices


def role_choices(actor: Account | None, unit_account: bool = False) -> list[tuple[str, str]]:
    """The roles the actor may grant; a unit's shared account is never offered a personal one (A11)."""
    allowed = accounts.grantable_roles(actor)
    return [(spec.name, str(spec.title)) for spec in roles.ROLES
            if spec.name in allowed and not (unit_account and spec.personal)]
