"""The landing page: what the system is, where to go next, and the unit's unread notifications.

The system administrator also sees the last automatic restore test of the backups (S2).
"""
from flask import current_app
from flask_appbuilder import IndexView, expose
from flask_login import current_user

from core.reporting.views.notifications import unread


def _is_admin() -> bool:
    admin = current_app.appbuilder.sm.auth_role_admin
    return current_user.is_authenticated and any(role.name == admin for role in current_user.roles)


def last_restore_test():
    """The newest finished restore test, or None (also before the table exists)."""
    from core.operations.backup import runs
    from core.platform.extensions import db

    try:
        return runs.last("restore_test")
    except Exception:  # noqa: BLE001 (the page must not fail on a database not yet migrated)
        db.session.rollback()
        return None


class HomeView(IndexView):
    index_template = "reporting/index.html"

    @expose("/")
    def index(self):
        count, latest = unread()
        admin = _is_admin()
        return self.render_template(self.index_template, appbuilder=self.appbuilder,
                                    unread_count=count, notifications=latest, is_admin=admin,
                                    restore_test=last_restore_test() if admin else None)
