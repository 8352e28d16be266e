"""Brute-force protection that cannot be turned into a denial of service (A10).

Counting failed logins per account let anybody lock any account: user names are the
units' public codes, so one address could keep every commune and the administrator locked
out for good. Failures are now counted per (account, address):

* after the policy's ``lockout_threshold`` failures in a row, that address waits
  ``lockout_minutes`` before it may try that account again, and twice as long after each
  further failure (15, 30, 60 minutes … at most a day); the holder at another address is
  not affected, and a correct password from the address clears its count;
* the account itself is locked for ``lockout_minutes`` only when failures come from
  ``LOGIN_LOCK_ADDRESSES`` different addresses within ``LOGIN_LOCK_WINDOW`` (a spread-out
  attack), and never when it is the last active system administrator (``baocao accounts
  unlock`` stays the way back for any account).

An IPv6 /64 counts as one address: a single machine holds a whole /64. The counts live in
``login_failure``, shared by every process, with times from :mod:`core.platform.clock`.
"""
from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, select

from core.accounts import passwords
from core.accounts.models import Account, LoginFailure
from core.platform import audit, clock

#: A pair quiet this long starts from zero again; older rows are deleted.
MEMORY = timedelta(days=1)
#: The longest an address waits between two guesses at one account.
LONGEST_WAIT = timedelta(days=1)


def address_of(ip: str | None) -> str:
    """The address failures are counted under: the IPv4 address, or the IPv6 /64."""
    try:
        parsed = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return "unknown"
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _row(session, account: Account, address: str) -> LoginFailure | None:
    return session.execute(select(LoginFailure).where(
        LoginFailure.account_id == account.id, LoginFailure.address == address)).scalar_one_or_none()


def waiting_until(session, account: Account, ip: str | None) -> datetime | None:
    """When this address may try this account again, if it must wait now."""
    row = _row(session, account, address_of(ip))
    if row is not None and row.blocked_until is not None and row.blocked_until > clock.utcnow():
        return row.blocked_until
    return None


def succeeded(session, account: Account, ip: str | None) -> None:
    """The right password from this address: its count starts again (other addresses keep theirs)."""
    session.execute(LoginFailure.__table__.delete().where(
        LoginFailure.account_id == account.id, LoginFailure.address == address_of(ip)))


def _insert_once(session, account: Account, address: str, now: datetime) -> None:
    """The pair's row, created at most once even when two failures race (unique index)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover (PostgreSQL in production, SQLite in development)
        if _row(session, account, address) is None:
            session.add(LoginFailure(account_id=account.id, address=address, failures=0, last_at=now))
            session.flush()
        return
    session.execute(insert(LoginFailure).values(account_id=account.id, address=address, failures=0, last_at=now)
                    .on_conflict_do_nothing(index_elements=["account_id", "address"]))


def failed(session, account: Account, ip: str | None) -> None:
    """Count a wrong password; make the address wait, or lock the account, as the module says."""
    rules = passwords.policy()
    now = clock.utcnow()
    address = address_of(ip)
    session.execute(LoginFailure.__table__.delete().where(LoginFailure.last_at < now - MEMORY))
    _insert_once(session, account, address, now)
    row = session.execute(select(LoginFailure).where(LoginFailure.account_id == account.id,
                                                     LoginFailure.address == address)
                          .with_for_update()).scalar_one()
    if row.last_at < now - MEMORY:
        row.failures = 0
    row.failures += 1
    row.last_at = now
    threshold = rules.lockout_threshold
    if threshold and row.failures >= threshold:
        wait = timedelta(minutes=rules.lockout_minutes) * 2 ** min(row.failures - threshold, 10)
        row.blocked_until = now + min(wait, LONGEST_WAIT)
    session.flush()
    if threshold:
        _lock_if_spread(session, account, rules, now)


def _lock_if_spread(session, account: Account, rules, now: datetime) -> None:
    """Lock the account when failures come from many addresses, unless it is the last admin."""
    window = current_app.config.get("LOGIN_LOCK_WINDOW", timedelta(hours=1))
    needed = current_app.config.get("LOGIN_LOCK_ADDRESSES", 10)
    addresses = session.execute(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.account_id == account.id, LoginFailure.last_at >= now - window)).scalar_one()
    if addresses < needed or account.locked:
        return
    details = {"username": account.username, "reason": "failed_logins", "addresses": addresses}
    if is_last_active_admin(session, account):
        audit.record("account.lock_skipped", "Account", account.id,
                     {**details, "why": "last_active_system_administrator"}, actor=audit.Actor(name="system"))
        return
    from core.accounts.lifecycle import end_sessions

    account.locked_until = now + timedelta(minutes=rules.lockout_minutes)
    account.lock_reason = "failed_logins"
    end_sessions(session, account)
    audit.record("account.lock", "Account", account.id, {**details, "until": account.locked_until.isoformat()},
                 actor=audit.Actor(name="system"))


def is_last_active_admin(session, account: Account) -> bool:
    """True when no other open, unlocked account holds the system administrator's role."""
    from flask_appbuilder.security.sqla.models import Role, assoc_user_role

    from core.hierarchy.roles import SYSTEM_ADMIN

    if not any(r.name == SYSTEM_ADMIN for r in account.roles):
        return False
    now = clock.utcnow()
    others = session.execute(
        select(func.count()).select_from(Account)
        .join(assoc_user_role, assoc_user_role.c.user_id == Account.id)
        .join(Role, and_(Role.id == assoc_user_role.c.role_id, Role.name == SYSTEM_ADMIN))
        .where(Account.id != account.id, Account.active.is_(True), Account.closed_at.is_(None),
               (Account.locked_until.is_(None)) | (Account.locked_until <= now))).scalar_one()
    return others == 0
