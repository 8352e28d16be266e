"""What ``baocao init`` does, as plain functions the CLI and tests share.

Each step is idempotent and reports what it changed, so a second run can say
"nothing to do" truthfully.
"""
from __future__ import annotations

from dataclasses import dataclass, field

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


def province_rows(query: str, structure: str | None = None) -> tuple[str, list]:
    """A province's real units from vietnam-provinces, shaped for :func:`core.units.import_units`.

    Without ``structure``, a hierarchy with a district tier gets the pre-2025
    districts (2020), any other the two-level 2025 structure. The province
    itself becomes the root: the provincial board's tier.
    """
    from dataclasses import replace

    from core.unit_sources import administrative_units, find_province
    from core.units import level_for_kind

    structure = structure or ("2020" if level_for_kind("district") else "2025")
    code, name = find_province(query, structure)
    rows = [replace(r, kind="board") if r.kind == "province" else r for r in administrative_units(code, structure)]
    return f"{name} ({structure})", rows


def demo_accounts(session) -> list[tuple[str, str]]:
    """One account per tier for trying the system: the board, its first district, a commune there."""
    from sqlalchemy import select

    from core import accounts
    from core.models import Unit

    chosen, parent = [], None
    for _ in range(3):
        query = select(Unit).where(Unit.parent_id.is_(None) if parent is None else Unit.parent_id == parent.id)
        unit = session.execute(query.order_by(Unit.code).limit(1)).scalar_one_or_none()
        if unit is None:
            break
        chosen.append(unit)
        parent = unit
    issued = []
    for unit in chosen:
        if accounts.unit_account(session, unit) is None:
            account, password, _ = accounts.issue(session, unit.code)
            issued.append((account.username, password))
    return issued


@dataclass
class InitResult:
    changes: list[str] = field(default_factory=list)
    admin_password: str | None = None
    #: (username, one-time password) of the demo's unit accounts created by this run.
    demo_accounts: list[tuple[str, str]] = field(default_factory=list)


def init_province(province: str, demo: bool = False) -> InitResult:
    """Migrate, enable ``province`` (and ``example`` for a demo), load its real units and forms,
    assign the reports whose period is open, create the admin."""
    from core.units import import_units

    result = InitResult()
    migrate_to_head()
    registry = plugin_admin.registry()
    if province not in registry.plugins:
        raise plugin_admin.PluginError(
            f"unknown province plugin {province!r}; known: {', '.join(sorted(registry.plugins))}"
        )
    wanted = [province] + (["example"] if demo and "example" in registry.plugins else [])
    for name in wanted:
        if plugin_admin.set_enabled(db.session, name, True):
            result.changes.append(f"enabled plugin {name}")
    info = registry.plugins[province].info
    if info is not None and info.province_code:
        label, rows = province_rows(info.province_code)
        imported = import_units(db.session, rows, source=f"init {province}")
        if imported.created or imported.updated:
            result.changes.append(f"units of {label}: {imported.created} created, {imported.updated} updated")
    synced = plugin_admin.sync_forms(db.session)
    result.changes += [f"form {code} {what}" for code, what in synced.items() if what in ("created", "updated")]
    from core.assignment import assign

    assigned = assign(db.session)
    if assigned.created:
        result.changes.append(f"reports assigned: {assigned.created} ({', '.join(assigned.periods[:5])})")
    if demo:
        result.demo_accounts = demo_accounts(db.session)
        result.changes += [f"created demo account {username}" for username, _ in result.demo_accounts]
    result.admin_password = ensure_admin()
    if result.admin_password:
        result.changes.append(f"created account {ADMIN_USERNAME}")
    if result.changes:
        audit.record("cli.init", "Province", province, {"demo": demo, "changes": result.changes})
    db.session.commit()
    return result
