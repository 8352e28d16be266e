"""*Đề nghị cấp, thay đổi tài khoản* (A8, A9): file a request, approve or refuse it, carry it out, on the clock.

``/account-requests/``: the requests of the caller's units, the ones still open first, each with
its due day (one working day after receipt) and overdue ones highlighted. A unit, or a unit above
it, files a request with the officer's details and the signed letter; the responsible leader
(role Leader) approves or refuses with a reason; the operator (system or unit administrator)
carries it out, or locks an account at once for a security threat. Services:
:mod:`core.accounts.requests`.
"""
from __future__ import annotations

import io

from flask import abort, current_app, flash, make_response, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from core.accounts import lifecycle, requests
from core.accounts.models import AccountRequest
from core.hierarchy.models import Unit
from core.hierarchy.scope import condition, current_account
from core.platform import clock
from core.platform.extensions import db

PAGE_SIZE = 50


def when(moment) -> str:
    """A stored (UTC) time as the officer reads it, in Vietnam."""
    return (moment + clock.LOCAL_OFFSET).strftime("%d/%m/%Y %H:%M") if moment is not None else ""


def _can(permission: str) -> bool:
    return current_app.appbuilder.sm.has_access(permission, "AccountRequestsView")


def _scoped(pk: int) -> AccountRequest | None:
    return db.session.execute(
        select(AccountRequest).options(joinedload(AccountRequest.unit))
        .where(AccountRequest.id == pk, condition(AccountRequest, current_account()))).scalar_one_or_none()


def _letter():
    upload = request.files.get("letter")
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(requests.MAX_LETTER + 1)
    return requests.Letter(upload.filename, data)


class AccountRequestsView(BaseView):
    route_base = "/account-requests"
    default_view = "index"
    base_permissions = ["can_list", "can_show", "can_file", "can_letter", "can_decide", "can_carry_out"]

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        account = current_account()
        page = max(min(request.args.get("page", 0, type=int), 10_000), 0)
        status = request.args.get("status", "")
        where = [condition(AccountRequest, account)]
        if status in requests.STATUS_LABELS:
            where.append(AccountRequest.status == status)
        open_first = case((AccountRequest.status.in_(("pending", "approved")), 0), else_=1)
        rows = db.session.execute(
            select(AccountRequest, func.count().over().label("total"))
            .options(joinedload(AccountRequest.unit)).where(*where)
            .order_by(open_first, AccountRequest.due_on, AccountRequest.id.desc())
            .limit(PAGE_SIZE).offset(page * PAGE_SIZE)).all()
        total = rows[0].total if rows else 0
        today = clock.today()
        items = [(r.AccountRequest, requests.clock_state(r.AccountRequest, today)) for r in rows]
        return self.render_template(
            "accounts/requests/list.html", title=_("Account requests"), items=items, total=total, page=page,
            page_size=PAGE_SIZE, status=status, kinds=requests.KIND_LABELS, statuses=requests.STATUS_LABELS,
            can_file=_can("can_file"), can_carry_out=_can("can_carry_out"), when=when)

    @expose("/new", methods=["GET", "POST"])
    @has_access
    @permission_name("file")
    def new(self):
        account = current_account()
        values = {k: (request.form.get(k) or "") for k in ("unit", "kind", *requests.TEXT_LIMITS)}
        if not values["unit"] and account is not None and account.unit is not None:
            values["unit"] = account.unit.code
        errors: dict = {}
        if request.method == "POST":
            unit = db.session.execute(select(Unit).where(Unit.code == values["unit"].strip()[:50])).scalar_one_or_none()
            try:
                created = requests.file(db.session, account, unit, values["kind"], values, _letter())
            except (requests.RequestError, lifecycle.AccountError) as exc:
                db.session.rollback()
                errors[getattr(exc, "field", None) or "kind"] = str(exc)
            else:
                db.session.commit()
                flash(_("Request received; due %(day)s.", day=created.due_on.strftime("%d/%m/%Y")), "success")
                return redirect(url_for("AccountRequestsView.show", pk=created.id))
        status = 422 if errors else 200
        return self.render_template("accounts/requests/new.html", title=_("File an account request"),
                                    values=values, errors=errors, kinds=requests.KIND_LABELS), status

    @expose("/<int:pk>")
    @has_access
    @permission_name("show")
    def show(self, pk: int):
        item = _scoped(pk)
        if item is None:
            abort(404)
        return self.render_template(
            "accounts/requests/show.html", title=_("Account request no. %(id)d", id=item.id), item=item,
            state=requests.clock_state(item), kinds=requests.KIND_LABELS, statuses=requests.STATUS_LABELS,
            can_decide=_can("can_decide"), can_carry_out=_can("can_carry_out"), when=when)

    @expose("/<int:pk>/letter")
    @has_access
    @permission_name("letter")
    def letter(self, pk: int):
        item = _scoped(pk)
        if item is None or not item.letter_sha256:
            abort(404)
        return send_file(io.BytesIO(requests.letter_bytes(item)), mimetype=item.letter_type, as_attachment=True,
                         download_name=item.letter_name or "de-nghi")

    @expose("/<int:pk>/decide", methods=["POST"])
    @has_access
    @permission_name("decide")
    def decide(self, pk: int):
        item = _scoped(pk)
        if item is None:
            abort(404)
        try:
            requests.decide(db.session, current_account(), item, request.form.get("decision") == "approve",
                            request.form.get("note", ""))
        except requests.RequestError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Decision recorded."), "success")
        return redirect(url_for("AccountRequestsView.show", pk=pk))

    @expose("/<int:pk>/carry-out", methods=["POST"])
    @has_access
    @permission_name("carry_out")
    def carry_out(self, pk: int):
        item = _scoped(pk)
        if item is None:
            abort(404)
        try:
            password = requests.carry_out(db.session, current_account(), item)
        except (requests.RequestError, lifecycle.AccountError) as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("AccountRequestsView.show", pk=pk))
        account, holder = item.account, item.full_name
        db.session.commit()
        if password is None:
            flash(item.outcome, "success")
            return redirect(url_for("AccountRequestsView.show", pk=pk))
        response = make_response(self.render_template(
            "accounts/password.html", title=item.outcome, username=account.username, password=password,
            account_id=account.id, holder=holder))
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response

    @expose("/emergency-lock", methods=["POST"])
    @has_access
    @permission_name("carry_out")
    def emergency_lock(self):
        code = (request.form.get("unit") or "").strip()[:50]
        unit = db.session.execute(select(Unit).where(Unit.code == code, condition(Unit, current_account()))
                                  ).scalar_one_or_none()
        target = lifecycle.unit_account(db.session, unit) if unit is not None else None
        if target is None:
            flash(_("Unit %(code)s has no account in your units.", code=code), "danger")
            return redirect(url_for("AccountRequestsView.index"))
        try:
            item = requests.emergency_lock(db.session, current_account(), target, request.form.get("reason", ""))
        except (requests.RequestError, lifecycle.AccountError) as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("AccountRequestsView.index"))
        db.session.commit()
        flash(_("Account %(name)s locked at once; logged as an emergency.", name=target.username), "warning")
        return redirect(url_for("AccountRequestsView.show", pk=item.id))

