"""baocao's FAB security manager: FAB's own, plus what FAB lacks.

Named in ``FAB_SECURITY_MANAGER_CLASS``. FAB checks the password (scrypt,
FAB's default KDF); on top of that this class refuses locked and closed
accounts, makes an address wait after the policy's number of failed logins
and locks an account tried from many addresses (A10, :mod:`core.accounts.lockout`), keeps password history and change dates for every password FAB sets,
records every login attempt in the audit log and syncs roles from
:mod:`core.hierarchy.roles` after migrations. FAB's user and role screens are read only
and its own password forms lead to ours: accounts change only through
:mod:`core.accounts.lifecycle` (the Accounts screen, the CLI), roles only through
:mod:`core.hierarchy.roles`.
"""
from __future__ import annotations

import threading
import time

from flask import current_app, g, has_app_context, has_request_context, request
from flask_appbuilder.security.manager import BaseSecurityManager
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager
from werkzeug.security import check_password_hash

from core.platform import audit, clock
from core.accounts import light, lockout
from core.hierarchy import roles
from core.accounts.models import Account, PasswordHistory
from core.accounts.views.fab_security import (AuthDBView, OwnPasswordRedirect, ReadOnlyGroupView, ReadOnlyRoleView,
                                              ReadOnlyUserView, ResetPasswordRedirect, UserInfoEditRedirect)


class SecurityManager(FabSecurityManager):
    user_model = Account
    authdbview = AuthDBView  # signing out is a POST (fab_security.AuthDBView)
    userdbmodelview = ReadOnlyUserView
    rolemodelview = ReadOnlyRoleView
    groupmodelview = ReadOnlyGroupView
    resetmypasswordview = OwnPasswordRedirect
    resetpasswordview = ResetPasswordRedirect
    userinfoeditview = UserInfoEditRedirect
    #: FAB's "User's Statistics" draws with Google Charts from a CDN, which the CSP refuses (docs/security.md).
    userstatschartview = None

    def create_jwt_manager(self, app):
        """FAB's, remembering verified tokens until they expire (:mod:`core.accounts.tokens`)."""
        from core.accounts.tokens import RememberingJWTManager

        jwt_manager = RememberingJWTManager()
        jwt_manager.init_app(app)
        jwt_manager.user_lookup_loader(self.load_user_jwt)
        return jwt_manager

    def auth_user_db(self, username, password):
        """FAB's password check behind our refusals. Every refusal (closed, locked, this address
        waiting after its failures) looks like a wrong password to the person trying: the same
        message, the same KDF cost, so the form tells nobody which accounts exist or are locked."""
        ip = request.remote_addr if has_request_context() else None
        name = (username or "")[:100]
        account = self.find_user(username=username) if username else None
        refusal = self._refusal(account) if account is not None else None
        if refusal:
            check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], password or "")
            audit.record("login_refused", "Account", account.id, {"username": name, "reason": refusal},
                         actor=audit.Actor(name=name, id=account.id, ip=ip))
            self.session.commit()
            return None
        user = super().auth_user_db(username, password)
        if user is not None:
            lockout.succeeded(self.session, user, ip)
            audit.record("login", "Account", user.id, {"username": name},
                         actor=audit.Actor(name=user.username, id=user.id, ip=ip,
                                           unit_code=getattr(getattr(user, "unit", None), "code", None)))
        else:
            audit.record("login_failed", "Account", account.id if account else None, {"username": name},
                         actor=audit.Actor(name=name or "anonymous", ip=ip))
            if account is not None:
                lockout.failed(self.session, account, ip)
        self.session.commit()
        return user

    # --- permission checks from memory ------------------------------------------------------------
    #: FAB asks the database two or three times per request whether a role has a permission (the
    #: Public role's permissions, then an EXISTS over the user's roles). Role permissions change only
    #: when :meth:`sync_permissions` runs (init, db upgrade, plugin switches), so each process keeps
    #: them as ``{role id: {(view, permission)}}``, read in one query, dropped by a sync in this
    #: process and re-read at most ``PERMISSION_CACHE_SECONDS`` (default 30) after one in another.
    #: A user's roles are not cached: they come with the account on every request.
    _grants: tuple[float, dict[int, frozenset], frozenset] | None = None
    _grants_lock = threading.Lock()

    def _role_grants(self) -> tuple[dict[int, frozenset], frozenset]:
        ttl = current_app.config.get("PERMISSION_CACHE_SECONDS", 30)
        cached = self._grants
        if cached is None or time.monotonic() - cached[0] > ttl:
            with self._grants_lock:
                cached = self._grants
                if cached is None or time.monotonic() - cached[0] > ttl:
                    cached = self._grants = (time.monotonic(), *self._read_grants())
        return cached[1], cached[2]

    def _read_grants(self) -> tuple[dict[int, frozenset], frozenset]:
        from flask_appbuilder.security.sqla.models import Permission, PermissionView, Role, ViewMenu, assoc_permissionview_role
        from sqlalchemy import select

        rows = self.session.execute(
            select(Role.id, Role.name, ViewMenu.name, Permission.name)
            .join(assoc_permissionview_role, assoc_permissionview_role.c.role_id == Role.id)
            .join(PermissionView, PermissionView.id == assoc_permissionview_role.c.permission_view_id)
            .join(ViewMenu, ViewMenu.id == PermissionView.view_menu_id)
            .join(Permission, Permission.id == PermissionView.permission_id))
        grants: dict[int, set] = {}
        public: set = set()
        for role_id, role_name, view, permission in rows:
            grants.setdefault(role_id, set()).add((view, permission))
            if role_name == self.auth_role_public:
                public.add((view, permission))
        return {k: frozenset(v) for k, v in grants.items()}, frozenset(public)

    def forget_permissions(self) -> None:
        self._grants = None

    def add_permission_role(self, role, perm_view) -> None:
        super().add_permission_role(role, perm_view)
        self.forget_permissions()

    def del_permission_role(self, role, perm_view) -> None:
        super().del_permission_role(role, perm_view)
        self.forget_permissions()

    def is_item_public(self, permission_name, view_name):
        return (view_name, permission_name) in self._role_grants()[1]

    def exist_permission_on_roles(self, view_name, permission_name, role_ids):
        grants = self._role_grants()[0]
        return any((view_name, permission_name) in grants.get(role_id, ()) for role_id in role_ids)

    def get_user_by_id(self, pk):
        """One query for the account with its roles, groups and unit: every request needs all four
        (permission checks, scope), and lazy loading them cost three more round trips each time."""
        from sqlalchemy.orm import joinedload

        # The session's identity map holds objects weakly: the token's revocation check and FAB's user
        # lookup both ask for the account, and without a strong reference between them the first copy
        # is collected and the second costs another query. Keep it for the request (``g``).
        held = g.setdefault("_baocao_accounts", {}) if has_app_context() else {}
        account = held.get(int(pk))
        if account is not None and (isinstance(account, light.LightAccount) or account in self.session):
            return account
        if light.wanted():  # a hot endpoint (autosave): the account as one Core query, read-only
            account = held[int(pk)] = light.load(self.session, pk)
            return account
        account = self.session.get(Account, int(pk), options=[
            joinedload(Account.roles), joinedload(Account.groups), joinedload(Account.unit)])
        if account is not None:
            held[int(pk)] = account
        return account

    def on_user_login(self, user) -> None:
        """A browser sign-in: remember when, so a later reset or handover can end this session."""
        if has_request_context() and not request.path.startswith("/api/"):
            from core.accounts.login_guard import mark_signed_in

            mark_signed_in(user)

    def on_user_logout(self, user) -> None:
        """``/logout/``: the cookie is signed, not stored, so a copy saved before logout would still
        open the pages. Moving the account's session epoch ends it, and every other session and
        token of the account with it (docs/security.md)."""
        from flask import session as cookie

        from core.accounts.lifecycle import end_sessions

        end_sessions(self.session, user)
        ip = request.remote_addr if has_request_context() else None
        audit.record("logout", "Account", user.id, {"username": user.username},
                     actor=audit.Actor(name=user.username, id=user.id, ip=ip))
        self.session.commit()
        cookie.clear()

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
        ip = request.remote_addr if has_request_context() else None
        if lockout.waiting_until(self.session, account, ip) is not None:
            return "address_waiting"
        return None

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
        self.forget_permissions()
