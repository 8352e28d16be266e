"""What ``baocao init`` does, as plain functions the CLI and tests share.

Each step is idempotent and reports what it changed, so a second run can say
"nothing to do" truthfully.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import select

from core.platform import audit, plugin_admin
from core.accounts import passwords
from core.platform.extensions import db

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


#: How the accounts' printout names a tier ("duyệt cấp tỉnh"); other levels by their own name.
LEVEL_WORDS = {"province": "cấp tỉnh", "district": "cấp huyện", "commune": "cấp xã"}
ADMIN_WHO = "Quản trị hệ thống (cấp tài khoản, bật plugin, sao lưu)"


def who(unit, role_names) -> str:
    """Who an account is, for the person reading the printout: "04 Ban Dân tộc tỉnh (duyệt cấp tỉnh)",
    "01267 Xã Trường Hà (nhập báo cáo)"."""
    from core.hierarchy import roles
    from core.hierarchy.units import levels

    if roles.REVIEWER in role_names:
        names = {lvl.code: lvl.name for lvl in levels()}
        what = "duyệt " + LEVEL_WORDS.get(unit.level, names.get(unit.level, unit.level))
    else:
        what = "nhập báo cáo"
    return f"{unit.code} {unit.name} ({what})"


def demo_accounts(session) -> list[tuple[str, str, str]]:
    """One account per tier for trying the system: the board, its first district, a commune there.
    Returns ``(username, one-time password, who)`` of each account created."""
    from core.accounts import lifecycle as accounts
    from core.hierarchy.models import Unit

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
            issued.append((account.username, password, who(unit, [r.name for r in account.roles])))
    return issued


def demo_units(session) -> list[int]:
    """The units of the demo's unit accounts."""
    from core.accounts.models import Account

    return list(session.execute(select(Account.unit_id).where(Account.unit_account.is_(True))).scalars())


def demo_requests(session, form_codes) -> list[str]:
    """A report of every province form for the demo's units now, whatever the calendar says."""
    from datetime import timedelta

    from core.reporting import assignment
    from core.platform import clock
    from core.accounts.models import Account
    from core.forms.models.form import Form
    from core.reporting.models import Report
    from core.hierarchy.models import Unit

    root = session.execute(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.code).limit(1)).scalar()
    if root is None:
        return []
    with_accounts = list(session.execute(select(Account.unit_id).join(Unit, Unit.id == Account.unit_id).where(
        Account.unit_account.is_(True), Unit.id != root.id, Unit.path.startswith(root.path, autoescape=True)))
        .scalars())
    done = []
    for code in form_codes:
        form = session.execute(select(Form).where(Form.code == code)).scalar_one()
        already = session.execute(select(Report.id).where(Report.form_id == form.id, Report.request_id.is_not(None))
                                  .limit(1)).first()
        if with_accounts and not already:
            assignment.request(session, form, f"{form.name} (dùng thử)", clock.utcnow().date() + timedelta(days=30),
                               root, with_accounts, by="init --demo")
            done.append(f"demo request of form {code} to {len(with_accounts)} unit(s)")
    return done


@dataclass
class InitResult:
    changes: list[str] = field(default_factory=list)
    admin_password: str | None = None
    #: (username, one-time password, who) of the demo's unit accounts created by this run.
    demo_accounts: list[tuple[str, str, str]] = field(default_factory=list)


def load_units(session, province: str) -> list[str]:
    """The province's real divisions (vietnam-provinces), then its agencies (``agency_units``).

    What ``baocao init`` loads; all or nothing (the caller commits). Returns what changed.
    """
    from dataclasses import replace

    from core.hierarchy.units import import_units, province_units

    registry = plugin_admin.registry()
    info = registry.plugins[province].info
    if info is None or not info.province_code:
        return []
    changes = []
    found = province_units(info.province_code)
    # The root is the province itself (kind board); the plugin may name it after the body it is.
    rows = [replace(row, name=info.root_name) if info.root_name and row.parent_code is None else row
            for row in found.rows]
    imported = import_units(session, rows, source=f"init {province}")
    if imported.created or imported.updated:
        changes.append(f"units of {found.name} ({found.structure}): {imported.created} created, "
                       f"{imported.updated} updated")
    # Two plugins of one province (Quảng Ngãi's two systems) may both list a sở: the first in
    # precedence order describes it.
    agencies = {}
    for spec in (spec for batch in registry.hook.agency_units() for spec in batch or []):
        if spec.code == found.code:
            raise plugin_admin.PluginError(
                f"agency_units: {spec.code} is the root unit ({found.name}), not an agency under it; "
                "name the root with PluginInfo(root_name=...)")
        agencies.setdefault(spec.code, replace(spec, parent_code=spec.parent_code or found.code))
    agencies = list(agencies.values())
    imported = import_units(session, agencies, source=f"init {province}") if agencies else None
    if imported and (imported.created or imported.updated):
        changes.append(f"agencies of {found.name}: {imported.created} created, {imported.updated} updated")
    return changes


def init_province(province: str, demo: bool = False) -> InitResult:
    """Migrate, enable ``province`` (and ``example`` for a demo), load its real units and forms,
    assign the reports whose period is open, create the admin."""
    result = InitResult()
    migrate_to_head()
    registry = plugin_admin.registry()
    if province not in registry.plugins:
        raise plugin_admin.PluginError(
            f"unknown province plugin {province!r}; known: {', '.join(sorted(registry.plugins))}"
        )
    from core.forms.models.form import Form

    forms_before = set(db.session.execute(select(Form.code)).scalars())
    # Not the example plugin, even for a demo: its placeholder contact would show to every unit.
    if plugin_admin.set_enabled(db.session, province, True):
        result.changes.append(f"enabled plugin {province}")
    result.changes += load_units(db.session, province)
    from core.forms.definitions import sync_forms

    synced = sync_forms(db.session)
    result.changes += [f"form {code} {'created' if code not in forms_before else what}"
                       for code, what in synced.items() if code not in forms_before or what == "updated"]
    from core.reporting.assignment import assign

    assigned = assign(db.session)
    if assigned.created:
        result.changes.append(f"reports assigned: {assigned.created} ({', '.join(assigned.periods[:5])})")
    result.admin_password = ensure_admin()
    if demo:
        from core import demo as sample

        result.demo_accounts = demo_accounts(db.session)
        result.changes += [f"created demo account {username}" for username, _, _ in result.demo_accounts]
        result.changes += demo_requests(db.session, synced)
        admin = current_app.appbuilder.sm.find_user(username=ADMIN_USERNAME)
        result.changes += sample.history(db.session, admin, demo_units(db.session))
    if result.admin_password:
        result.changes.append(f"created account {ADMIN_USERNAME}")
    if result.changes:
        audit.record("cli.init", "Province", province, {"demo": demo, "changes": result.changes})
    db.session.commit()
    return result
