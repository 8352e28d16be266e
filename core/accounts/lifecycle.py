"""Accounts of units and people: issue, hand over, lock, close, delete (REQUIREMENTS A1–A15).

The CLI, the admin screens and the API all call these functions, so a rule
(one account per unit, a one-time password that must be changed, no deleting
an account with a trail) holds whichever door the request came in by. Each
function records one clear audit entry and leaves committing to the caller.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update as sql_update
from werkzeug.security import check_password_hash

from core.platform import audit, clock
from core.accounts import passwords
from core.hierarchy import roles
from core.accounts.models import Account, LoginFailure, PasswordHistory
from core.platform.models.audit import AuditEntry
from core.hierarchy.models import Unit, UnitHolder

#: "Locked until unlocked": an admin lock has no end of its own (A10).
FOREVER = datetime(9999, 12, 31)


class AccountError(Exception):
    """A refusal with a reason a user can read."""


def unit_account(session, unit: Unit) -> Account | None:
    return session.execute(
        select(Account).where(Account.unit_id == unit.id, Account.unit_account.is_(True))
    ).scalar_one_or_none()


def roles_for_unit(unit: Unit) -> list[str]:
    """A unit's account reports; it also reviews when some tier is reviewed by the unit's tier."""
    from core.hierarchy.units import levels

    names = [roles.REPORTER]
    if any(level.reviewed_by == unit.level for level in levels()):
        names.append(roles.REVIEWER)
    return names


def set_roles(session, account: Account, names: list[str]) -> None:
    """Give ``account`` exactly these roles; personal roles never go to a unit's shared account (A11)."""
    sm = current_app.appbuilder.sm
    for name in names:
        spec = roles.BY_NAME.get(name)
        if spec is None:
            raise AccountError(_("Unknown role %(name)s.", name=name))
        if spec.personal and account.unit_account:
            raise AccountError(_("Role %(name)s belongs to a person; a unit's shared account cannot hold it.",
                                 name=name))
    account.roles = [sm.find_role(name) for name in names]


def end_sessions(session, account: Account) -> None:
    """Move the account's session epoch: every browser session and API token issued before ends.

    One atomic ``UPDATE … SET session_epoch = session_epoch + 1``, so two bumps at once both
    count; the new value is read back on next access. The caller's audit entry says why.
    """
    session.execute(sql_update(Account).where(Account.id == account.id)
                    .values(session_epoch=Account.session_epoch + 1))
    session.expire(account, ["session_epoch"])


def sign_out_everywhere(session, account: Account, reason: str = "") -> None:
    """An administrator's "Đăng xuất mọi nơi" (or ``baocao accounts signout``): ends every session
    and token of the account without touching its password or lock."""
    with audit.suppressed(session):
        end_sessions(session, account)
        session.flush()
    audit.record("account.signout", "Account", account.id,
                 {"username": account.username, "reason": (reason or "").strip() or None}, session=session)


def set_password(session, account: Account, password: str, one_time: bool) -> None:
    """Store ``password`` (hashed), keep it in the history; a one-time one must be changed at login.

    Every session and token of the account ends (the holder's own change re-marks its session)."""
    hashed = passwords.hash_password(password)
    account.password = hashed
    account.password_changed_at = clock.utcnow()
    account.must_change_password = one_time
    account.fail_login_count = 0
    end_sessions(session, account)
    session.add(PasswordHistory(account_id=account.id, password_hash=hashed, created_at=clock.utcnow()))


def previous_hashes(session, account: Account, limit: int) -> list[str]:
    return list(session.execute(
        select(PasswordHistory.password_hash).where(PasswordHistory.account_id == account.id)
        .order_by(PasswordHistory.id.desc()).limit(limit)
    ).scalars())


@dataclass(frozen=True)
class Holder:
    """The officer who holds a unit's account: the roster's row (A2, A6)."""

    full_name: str
    title: str = ""
    department: str = ""
    phone: str = ""
    email: str = ""


def start_holder(session, unit: Unit, holder: Holder, now) -> tuple[UnitHolder | None, UnitHolder]:
    """End the unit's current holder's period and start ``holder``'s; returns (previous, new)."""
    if not (holder.full_name or "").strip():
        raise AccountError(_("The new holder's full name is required."))
    previous = current_holder(session, unit)
    if previous is not None:
        previous.ended_at = now
    row = UnitHolder(unit_id=unit.id, full_name=holder.full_name.strip(), title=holder.title or None,
                     department=holder.department or None, phone=holder.phone or None,
                     email=holder.email or None, started_at=now)
    session.add(row)
    return previous, row


def issue(session, unit_code: str, holder: Holder | None = None) -> tuple[Account, str, bool]:
    """Create the unit's account or give it a new one-time password; returns (account, password, created).

    With ``holder`` the officer joins the roster in the same transaction (the Accounts screen asks for
    the name and contact; the CLI and scripts may leave the roster to a later handover)."""
    unit = session.execute(select(Unit).where(Unit.code == unit_code)).scalar_one_or_none()
    if unit is None:
        raise AccountError(_("No unit has the code %(code)s.", code=unit_code))
    if not unit.active:
        raise AccountError(_("Unit %(code)s is no longer active; it cannot be given an account.", code=unit_code))
    password = passwords.one_time_password(passwords.policy())
    account = unit_account(session, unit)
    created = account is None
    with audit.suppressed(session):
        if created:
            username = unit.code.lower()
            if session.execute(select(Account.id).where(func.lower(Account.username) == username)).first():
                raise AccountError(_("User name %(name)s is already taken.", name=username))
            account = Account(username=username, first_name=unit.name[:64], last_name="",
                              email=f"{username}@unit.invalid", active=True, unit=unit, unit_account=True)
            session.add(account)
            session.flush()
            set_roles(session, account, roles_for_unit(unit))
        reopened = account.closed_at is not None
        account.closed_at = None
        account.active = True
        account.locked_until = None
        account.lock_reason = None
        set_password(session, account, password, one_time=True)
        if holder is not None:
            start_holder(session, unit, holder, clock.utcnow())
        session.flush()
    details = {"username": account.username, "unit": unit.code, "reopened": reopened}
    if holder is not None:  # S6: the contact stays encrypted in the roster, never in clear in the log
        details.update(holder=holder.full_name.strip(), title=holder.title,
                       phone=audit.REDACTED if holder.phone else None, email=audit.REDACTED if holder.email else None)
    audit.record("account.create" if created else "account.issue", "Account", account.id, details, session=session)
    return account, password, created


def change_password(session, account: Account, old: str, new: str) -> list[passwords.Violation]:
    """The holder's own change (and the forced first-login one); returns the rules broken, if any."""
    if not check_password_hash(account.password or "", old or ""):
        return [passwords.Violation("old_password", _("The current password is not correct."))]
    rules = passwords.policy()
    found = passwords.check(new, rules, account.username, previous_hashes(session, account, rules.history))
    if found:
        return found
    with audit.suppressed(session):
        set_password(session, account, new, one_time=False)
        session.flush()
    audit.record("account.password_change", "Account", account.id, {"username": account.username},
                 session=session)
    return []


def reset(session, account: Account) -> str:
    """Admin reset (A5): a new one-time password, to be changed at next login."""
    password = passwords.one_time_password(passwords.policy())
    with audit.suppressed(session):
        set_password(session, account, password, one_time=True)
        account.locked_until = None
        session.flush()
    audit.record("account.reset", "Account", account.id, {"username": account.username}, session=session)
    return password


def current_holder(session, unit: Unit) -> UnitHolder | None:
    return session.execute(
        select(UnitHolder).where(UnitHolder.unit_id == unit.id, UnitHolder.ended_at.is_(None))
        .order_by(UnitHolder.id.desc())
    ).scalars().first()


def handover(session, account: Account, full_name: str, title: str = "", department: str = "",
             phone: str = "", email: str = "") -> str:
    """A new officer takes the unit's account (A6): roster updated, one-time password issued."""
    if not account.unit_account or account.unit is None:
        raise AccountError(_("Only a unit's account is handed over; personal accounts are closed instead."))
    with audit.suppressed(session):
        previous, holder = start_holder(session, account.unit, Holder(full_name, title, department, phone, email),
                                        clock.utcnow())
        password = passwords.one_time_password(passwords.policy())
        set_password(session, account, password, one_time=True)
        session.flush()
    audit.record("account.handover", "Account", account.id, {
        "unit": account.unit.code, "from": previous.full_name if previous else None, "to": holder.full_name,
        "title": title, "department": department, "holder": holder.id,
        # S6: the contact details are kept encrypted in the roster (core.platform.crypto); the log says only which
        # were given, so it never holds them in clear text.
        "phone": audit.REDACTED if phone else None, "email": audit.REDACTED if email else None,
    }, session=session)
    return password


def lock(session, account: Account, reason: str, minutes: int | None = None) -> None:
    """Lock at once (A8, A10); without ``minutes`` the lock lasts until an admin unlocks."""
    if not (reason or "").strip():
        raise AccountError(_("A reason is required to lock an account."))
    with audit.suppressed(session):
        account.locked_until = clock.utcnow() + timedelta(minutes=minutes) if minutes else FOREVER
        account.lock_reason = reason.strip()[:500]
        end_sessions(session, account)
        session.flush()
    audit.record("account.lock", "Account", account.id,
                 {"username": account.username, "reason": account.lock_reason,
                  "until": None if account.locked_until == FOREVER else account.locked_until.isoformat()},
                 session=session)


def unlock(session, account: Account, reason: str) -> None:
    if not (reason or "").strip():
        raise AccountError(_("A reason is required to unlock an account."))
    with audit.suppressed(session):
        account.locked_until = None
        account.lock_reason = None
        account.fail_login_count = 0
        end_sessions(session, account)
        clear_login_failures(session, account)
        session.flush()
    audit.record("account.unlock", "Account", account.id, {"username": account.username, "reason": reason.strip()},
                 session=session)


def clear_login_failures(session, account: Account) -> None:
    """Forget the failed logins counted against the account, from every address (an unlock)."""
    session.execute(LoginFailure.__table__.delete().where(LoginFailure.account_id == account.id))


def close(session, account: Account, reason: str) -> None:
    """Closing keeps the account, its data and its trail; it just cannot log in (A7, A15)."""
    if not (reason or "").strip():
        raise AccountError(_("A reason is required to close an account."))
    with audit.suppressed(session):
        account.closed_at = clock.utcnow()
        account.active = False
        end_sessions(session, account)
        session.flush()
    audit.record("account.close", "Account", account.id, {"username": account.username, "reason": reason.strip()},
                 session=session)


def trail(session, account: Account) -> dict[str, int]:
    """Rows anywhere that point at the account, plus audit entries it made: why it may not be deleted.

    Every foreign key to ``ab_user`` counts, found from the metadata, so tables
    added later (reports, attachments) protect their authors automatically.
    """
    from flask_appbuilder import Model

    found = {}
    acted = session.execute(select(func.count()).where(AuditEntry.actor_id == account.id)).scalar_one()
    if acted:
        found["audit_entry"] = acted
    skip = {"ab_user_role", "ab_user_group", PasswordHistory.__tablename__, LoginFailure.__tablename__}
    for table in Model.metadata.sorted_tables:
        if table.name in skip:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "ab_user" and fk.column.name == "id":
                n = session.execute(select(func.count()).select_from(table).where(
                    fk.parent == account.id, *( [table.c.id != account.id] if table.name == "ab_user" else [] )
                )).scalar_one()
                if n:
                    found[f"{table.name}.{fk.parent.name}"] = n
    return found


def delete(session, account: Account) -> None:
    """Delete an account that never acted; anything else is refused: close it instead (A7, S8)."""
    found = trail(session, account)
    if found or account.login_count:
        raise AccountError(_("Account %(name)s has data or an audit trail and cannot be deleted; close it instead.",
                             name=account.username))
    username, account_id = account.username, account.id
    with audit.suppressed(session):
        session.execute(PasswordHistory.__table__.delete().where(PasswordHistory.account_id == account_id))
        clear_login_failures(session, account)
        account.roles = []
        session.delete(account)
        session.flush()
    audit.record("account.delete", "Account", account_id, {"username": username}, session=session)


# --- The admin screens: personal accounts, edits, and who may act on whom (A7, A11, A13) ---

#: Roles only a system administrator gives or manages.
PRIVILEGED = (roles.SYSTEM_ADMIN, roles.UNIT_ADMIN)


def _ordered(names) -> list[str]:
    """Role names in the order :data:`core.hierarchy.roles.ROLES` declares them, without duplicates."""
    wanted = set(names)
    return [spec.name for spec in roles.ROLES if spec.name in wanted] + sorted(wanted - set(roles.BY_NAME))


def grantable_roles(actor: Account | None) -> list[str]:
    """The roles ``actor`` may give: every role for a system admin, only the leader's read-only
    role for a unit admin, inside its own units (A13); ``None`` (CLI, jobs) may give any."""
    from core.hierarchy.scope import is_system_admin

    if actor is None or is_system_admin(actor):
        return [spec.name for spec in roles.ROLES]
    if actor.unit_id is not None and any(r.name == roles.UNIT_ADMIN for r in actor.roles):
        return [roles.VIEWER]
    return []


def check_manage(actor: Account | None, account: Account) -> None:
    """Refuse when ``actor`` may not act on ``account`` from the admin screens.

    Nobody manages their own account there (a slip would lock the last admin out; the
    holder changes its own password on its own page). A unit admin manages only accounts
    of its units, and never an administrator's account.
    """
    from core.hierarchy.scope import in_scope, is_system_admin

    if actor is None:
        return
    if actor.id == account.id:
        raise AccountError(_("You cannot manage your own account here; another administrator does that."))
    if is_system_admin(actor):
        return
    if account.unit is None or not in_scope(actor, account.unit):
        raise AccountError(_("Account %(name)s is outside your units.", name=account.username))
    if any(r.name in PRIVILEGED for r in account.roles):
        raise AccountError(_("Only a system administrator manages the administrator account %(name)s.",
                             name=account.username))


def _check_grant(actor: Account | None, names: list[str]) -> None:
    allowed = grantable_roles(actor)
    for name in names:
        if name not in allowed:
            spec = roles.BY_NAME.get(name)
            raise AccountError(_("You may not grant the role %(name)s.", name=spec.title if spec else name))


def _check_email(session, email: str, account_id: int | None = None) -> str:
    email = (email or "").strip()
    if not email:
        raise AccountError(_("An email address is required."))
    query = select(Account.id).where(func.lower(Account.email) == email.lower())
    if account_id is not None:
        query = query.where(Account.id != account_id)
    if session.execute(query).first():
        raise AccountError(_("The email address %(email)s is already used by another account.", email=email))
    return email


def create_personal(session, username: str, first_name: str, last_name: str, email: str,
                    unit: Unit | None, role_names: list[str], actor: Account | None = None) -> tuple[Account, str]:
    """A person's own account (admin, unit admin, leader) with a one-time password (A3, A11, A13).

    ``unit`` is its data scope. With ``actor`` given, only the roles ``actor`` may grant,
    and only a unit of ``actor``'s subtree. Returns (account, one-time password).
    """
    from core.hierarchy.scope import in_scope, is_system_admin

    username = (username or "").strip()
    if not username or len(username) > 64:
        raise AccountError(_("A user name of 1 to 64 characters is required."))
    names = _ordered(role_names or [])
    if not names:
        raise AccountError(_("Choose at least one role."))
    _check_grant(actor, names)
    if actor is not None and not is_system_admin(actor) and (unit is None or not in_scope(actor, unit)):
        raise AccountError(_("Choose a unit within your own units."))
    if unit is None and names != [roles.SYSTEM_ADMIN]:
        raise AccountError(_("Choose a unit: an account without one sees no unit's data."))
    if unit is not None and not unit.active:
        raise AccountError(_("Unit %(code)s is no longer active; it cannot be given an account.", code=unit.code))
    if session.execute(select(Account.id).where(func.lower(Account.username) == username.lower())).first():
        raise AccountError(_("User name %(name)s is already taken.", name=username))
    if session.execute(select(Unit.id).where(func.lower(Unit.code) == username.lower())).first():
        raise AccountError(_("User name %(name)s is kept for the account of the unit with that code.",
                             name=username))
    email = _check_email(session, email)
    password = passwords.one_time_password(passwords.policy())
    with audit.suppressed(session):
        account = Account(username=username, first_name=(first_name or "").strip()[:64] or username,
                          last_name=(last_name or "").strip()[:64], email=email, active=True,
                          unit=unit, unit_account=False)
        session.add(account)
        session.flush()
        set_roles(session, account, names)
        set_password(session, account, password, one_time=True)
        session.flush()
    audit.record("account.create", "Account", account.id, {
        "username": account.username, "unit": unit.code if unit else None, "roles": names, "personal": True,
    }, session=session)
    return account, password


def update(session, account: Account, first_name: str, last_name: str, email: str,
           role_names: list[str], actor: Account | None = None) -> dict:
    """Edit names, email and roles (A7). ``actor`` changes only the roles it may grant and keeps
    the others the account holds; personal roles never go to a unit's account (A11).
    Returns the changes recorded, ``{field: [before, after]}``."""
    allowed = grantable_roles(actor)
    current = [r.name for r in account.roles]
    chosen = _ordered(role_names or [])
    _check_grant(actor, chosen)
    names = _ordered([n for n in current if n not in allowed] + chosen)
    if not names:
        raise AccountError(_("Choose at least one role."))
    email = _check_email(session, email, account.id)
    before = {"first_name": account.first_name, "last_name": account.last_name, "email": account.email,
              "roles": _ordered(current)}
    with audit.suppressed(session):
        account.first_name = (first_name or "").strip()[:64] or account.first_name
        account.last_name = (last_name or "").strip()[:64]
        account.email = email
        if names != before["roles"]:
            set_roles(session, account, names)
        session.flush()
    after = {"first_name": account.first_name, "last_name": account.last_name, "email": account.email,
             "roles": names}
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changes:
        audit.record("account.edit", "Account", account.id, {"username": account.username, "changes": changes},
                     session=session)
    return changes
