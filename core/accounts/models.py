"""Accounts: FAB's ``ab_user`` plus what the regulations ask of an account (A1, A3, A4, A7, A10).

Named ``Account`` (not ``User``) because FAB's relationships resolve the
string "User"; a second mapped class of that name would make them ambiguous.
The columns live on ``ab_user`` itself (single-table extension, as in FAB's
extendsecurity example), so FAB's login and screens keep working.
"""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder.security.sqla.models import User
from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, false, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.hierarchy.models import Unit


class Account(User):
    __tablename__ = "ab_user"
    __scope__ = "unit_id"  # see core.hierarchy.scope

    #: The unit whose account this is; None for personal admin accounts (A11).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), nullable=True, index=True)
    #: Set when a one-time password is issued; every endpoint but the change refuses until cleared.
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    lock_reason: Mapped[str | None] = mapped_column(String(500))
    #: Closed accounts keep their data and trail but can no longer log in (A7).
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    #: True for the unit's own account (one per unit, A1); False for personal accounts
    #: (admins, unit admins, leaders) that only use ``unit_id`` as their scope (A11).
    unit_account: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())

    #: Bumped by logout, a password change, a lock or unlock and "sign out everywhere": every browser
    #: session and API token carries the value it was issued under and is refused once it moved.
    session_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))

    unit: Mapped[Unit | None] = relationship(Unit, foreign_keys=[unit_id])

    @property
    def locked(self) -> bool:
        from core.platform import clock

        return self.locked_until is not None and self.locked_until > clock.utcnow()


#: One account per unit (A1): a partial unique index, since personal accounts share unit_id.
#: Declared outside the class because ``ab_user`` is FAB's table, extended in place.
Index("uq_ab_user_unit_account", Account.unit_id, unique=True,
      sqlite_where=text("unit_account"), postgresql_where=text("unit_account"))


class PasswordHistory(Model):
    """Hashes of an account's previous passwords, newest last, so a policy can refuse reuse (A4)."""

    __tablename__ = "password_history"
    __audit__ = False  # password material never enters the audit log

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=func.now())

    __table_args__ = (Index("ix_password_history_account", "account_id", "id"),)


class LoginFailure(Model):
    """Failed logins to one account from one address (an IPv6 /64 counts as one), and until when
    that address must wait before trying that account again.

    Counting per (account, address) is what keeps the brute-force protection from becoming a
    denial of service: one address that guesses wrong only delays itself; the account as a whole
    is locked only when failures come from many addresses (see :mod:`core.accounts.lockout`).
    Kept in the database so that every worker process and web node shares the counts, and
    stamped with :mod:`core.platform.clock` like every other time.
    """

    __tablename__ = "login_failure"
    __audit__ = False  # every failure is already an audit entry of its own (login_failed)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    address: Mapped[str] = mapped_column(String(64), nullable=False)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index("uq_login_failure_account_address", "account_id", "address", unique=True),
                      Index("ix_login_failure_last_at", "last_at"))
