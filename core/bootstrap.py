"""What ``baocao init`` does, as plain functions the CLI and tests share.

Each step is idempotent and reports what it changed, so a second run can say
"nothing to do" truthfully.
"""
from __future__ import annotations

from flask import current_app
from flask_migrate import upgrade

from core import audit, passwords, plugin_admin
from core.extensions import db

ADMIN_USERNAME = "admin"


def migrate_to_head() -> None:
    upgrade(directory=current_app.extensions["migrate"].directory)
    current_app.appbuilder.sm.sync_permissions()


def ensure_admin() -> str | None:
    """Create the first system administrator; returns its one-time password, or None if present."""
    sm = current_app.appbuilder.sm
    if sm.find_user(username=ADMIN_USERNAME) is not None:
        return None
    password = passwords.one_time_password(passwords.policy())
    role = sm.find_role(sm.auth_role_admin)
    user = sm.add_user(ADMIN_USERNAME, "Quản trị", "hệ thống", "admin@localhost", role, password=password)
    if not user:
        raise RuntimeError("could not create the admin account")
    user.must_change_password = True  # A3: the printed password only opens the change form
    db.session.commit()
    return password


def init_province(province: str, demo: bool = False) -> tuple[list[str], str | None]:
    """Migrate, enable ``province`` (and ``example`` for a demo), create the admin.

    Returns the list of changes made and the admin's one-time password if created.
    """
    changes: list[str] = []
    migrate_to_head()
    registry = plugin_admin.registry()
    if province not in registry.plugins:
        raise plugin_admin.PluginError(
            f"unknown province plugin {province!r}; known: {', '.join(sorted(registry.plugins))}"
        )
    wanted = [province] + (["example"] if demo and "example" in registry.plugins else [])
    for name in wanted:
        if plugin_admin.set_enabled(db.session, name, True):
            changes.append(f"enabled plugin {name}")
    password = ensure_admin()
    if password:
        changes.append(f"created account {ADMIN_USERNAME}")
    if changes:
        audit.record("cli.init", "Province", province, {"demo": demo, "changes": changes})
    db.session.commit()
    return changes, password
