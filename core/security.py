"""baocao's FAB security manager: FAB's own, plus what FAB lacks.

Named in ``FAB_SECURITY_MANAGER_CLASS``. FAB checks the password (scrypt,
FAB's default KDF); on top of that this class refuses locked and closed
accounts, locks an account after the policy's number of failed logins
(A10), keeps password history and change dates for every password FAB sets,
records every login attempt in the audit log and syncs roles from
:mod:`core.roles` after migrations. FAB's user and role screens are read only
and its own password forms lead to ours: accounts change only through
:mod:`core.accounts` (the Accounts screen, the CLI), roles only through
:mod:`core.roles`.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, has_request_context, request
from flask_appbuilder.security.manager import BaseSecurityManager
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager
from flask_babel import gettext as _
from werkzeug.security import check_password_hash

from core import audit, clock, passwords, roles
from core.models import Account, PasswordHistory
from core.views.fab_security import (OwnPasswordRedirect, ReadOnlyGroupView, ReadOnlyRoleView, ReadOnlyUserView,
                                     ResetPasswordRedirect, UserInfoEditRedirect)


class SecurityManager(FabSecurityManager):
    user_model = Account
    userdbmodelview = ReadOnlyUserView
    rolemodelview = ReadOnlyRoleView
    groupmodelview = ReadOnlyGroupView
    resetmypasswordview = OwnPasswordRedirect
    resetpasswordview = ResetPasswordRedirect
    userinfoeditview = UserInfoEditRedirect

    def auth_user_db(self, username, password):
        ip = request.remote_addr if has_request_context() else None
        name = (username or "")[:100]
        account = self.find_user(username=username) if username else None
        refusal = self._refusal(account) if account is not None else None
        if refusal:
            # Same KDF cost as a real check, so timing does not tell a locked account apart.
            check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], password or "")
            audit.record("login_refused", "Account", account.id, {"username": name, "reason": refusal},
                         actor=audit.Actor(name=name, id=account.id, ip=ip))
            self.session.commit()
            if has_request_context() and not request.path.startswith("/api/"):
                flash(self._refusal_message(account, refusal), "warning")
            return None
        user = super().auth_user_db(username, password)
        if user is not None:
            audit.record("login", "Account", user.id, {"username": name},
                         actor=audit.Actor(name=user.username, id=user.id, ip=ip))
        else:
            audit.record("login_failed", "Account", account.id if account else None, {"username": name},
                         actor=audit.Actor(name=name or "anonymous", ip=ip))
            if account is not None:
                self._lock_after_failures(account)
        self.session.commit()
        return user

    def get_user_by_id(self, pk):
        """One query for the account with its roles, groups and unit: every request needs all four
        (permission checks, scope), and lazy loading them cost three more round trips each time."""
        from sqlalchemy.orm import joinedload

        return self.session.get(Account, int(pk), options=[
            joinedload(Account.roles), joinedload(Account.groups), joinedload(Account.unit)])

    def on_user_login(self, user) -> None:
        """A browser sign-in: remember when, so a later reset or handover can end this session."""
        if has_request_context() and not request.path.startswith("/api/"):
            from core.login_guard import mark_signed_in

            mark_signed_in()

    def _refusal(self, account: Account) -> str | None:
        if account.closed_at is not None:
            return "closed"
        if account.locked_until is not None:
            if account.locked_until > clock.utcnow():
                return "locked"
            # The automatic lock has run out: start counting failures afresh.
            account.locked_until = None
            account.lock_reason = None
            account.fail_login_count = 0
        return None

    def _refusal_message(self, account: Account, refusal: str) -> str:
        if refusal == "closed":
            return _("This account has been closed. Contact the administrator.")
        from core.accounts import FOREVER

        if account.locked_until >= FOREVER:
            return _("This account is locked by the administrator. Contact the administrator.")
        return _("This account is locked after too many failed logins until %(time)s (UTC).",
                 time=account.locked_until.strftime("%H:%M"))

    def _lock_after_failures(self, account: Account) -> None:
        rules = passwords.policy()
        if rules.lockout_threshold and (account.fail_login_count or 0) >= rules.lockout_threshold:
            account.locked_until = clock.utcnow() + timedelta(minutes=rules.lockout_minutes)
            account.lock_reason = "failed_logins"
            audit.record("account.lock", "Account", account.id, {
                "username": account.username, "reason": "failed_logins",
                "failures": account.fail_login_count, "until": account.locked_until.isoformat(),
            }, actor=audit.Actor(name="system"))

    def add_user(self, *args, **kwargs):
        """FAB's add_user, plus the change date and history our policy reads."""
        user = super().add_user(*args, **kwargs)
        if user:
            user.password_changed_at = clock.utcnow()
            self.session.add(PasswordHistory(account_id=user.id, password_hash=user.password,
                                             created_at=clock.utcnow()))
            self.session.commit()
        return user

    def sync_permissions(self) -> None:
        """Write every view's permissions and the declared roles; run after each migration."""
        with audit.suppressed(self.session):
            BaseSecurityManager.create_db(self)
            self.appbuilder.add_permissions(update_perms=True)
            grants = roles.sync_roles(self)
        audit.record("permissions.sync", "Role", None, {"roles": grants})
        self.session.commit()
