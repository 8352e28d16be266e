"""baocao's FAB security manager: FAB's own, plus what FAB lacks.

Named in ``FAB_SECURITY_MANAGER_CLASS``. Issue by issue this grows lockout,
password policy and first-login change; here it records every login attempt
in the audit log and syncs permissions after migrations.
"""
from __future__ import annotations

from flask import has_request_context, request
from flask_appbuilder.security.manager import BaseSecurityManager
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager

from core import audit
from core.models import Account


class SecurityManager(FabSecurityManager):
    user_model = Account

    def auth_user_db(self, username, password):
        user = super().auth_user_db(username, password)
        ip = request.remote_addr if has_request_context() else None
        name = (username or "")[:100]
        if user is not None:
            audit.record("login", "Account", user.id, {"username": name},
                         actor=audit.Actor(name=user.username, id=user.id, ip=ip))
        else:
            audit.record("login_failed", "Account", None, {"username": name},
                         actor=audit.Actor(name=name or "anonymous", ip=ip))
        self.session.commit()
        return user

    def sync_permissions(self) -> None:
        """Write every view's permissions and the builtin roles; run after each migration."""
        with audit.suppressed(self.session):
            BaseSecurityManager.create_db(self)
            self.appbuilder.add_permissions(update_perms=True)
        audit.record("permissions.sync", "Role", None, {"roles": [r.name for r in self.get_all_roles()]})
        self.session.commit()
