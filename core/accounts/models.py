"""Accounts: FAB's ``ab_user`` plus what the regulations ask of an account (A1, A3, A4, A7, A10).

Named ``Account`` (not ``User``) because FAB's relationships resolve the
string "User"; a second mapped class of that name would make them ambiguous.
The columns live on ``ab_user`` itself (single-table extension, as in FAB's
extendsecurity example), so FAB's login and screens keep working.
"""
from __future__ import annotations

from datetime import date, datetime

from flask_appbuilder.security.sqla.models import User
from flask_appbuilder import Model
from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, false,
                        text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.hierarchy.models import Unit
from core.platform import clock
from core.platform.crypto import EncryptedText


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
    created_at: Mapped[datetime] = clock.stamped_column()

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


#: What a unit may ask of its account (A9; DN Đ6.7, HN Đ9.6, QN-R Đ6.4).
REQUEST_KINDS = ("create", "change", "handover", "lock", "revoke")
REQUEST_STATUSES = ("pending", "approved", "refused", "done")


class AccountRequest(Model):
    """A request (văn bản đề nghị) to create, change, hand over, lock or revoke a unit's account (A8, A9).

    Filed by the unit or its superior with the officer's details and the signed letter; approved or
    refused by the responsible leader; carried out by the operator, due one working day after it
    was received (``due_on``, :func:`core.platform.workdays.add_working_days`). A lock for a
    security threat is an ``emergency``: carried out at once and approved after the fact.
    Audited explicitly by :mod:`core.accounts.requests` (the letter and contact details never go
    into the log).
    """

    __tablename__ = "account_request"
    __scope__ = "unit_id"
    __audit__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    emergency: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    #: The officer the request is about: who will hold the account, or whose account changes.
    full_name: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(EncryptedText())
    email: Mapped[str | None] = mapped_column(EncryptedText())
    reason: Mapped[str | None] = mapped_column(Text)
    #: The signed letter (PDF or a scan), base64, encrypted at rest like the contact details (S6).
    letter: Mapped[str | None] = mapped_column(EncryptedText(), deferred=True)
    letter_name: Mapped[str | None] = mapped_column(String(150))
    letter_type: Mapped[str | None] = mapped_column(String(100))
    letter_sha256: Mapped[str | None] = mapped_column(String(64))
    filed_by: Mapped[str] = mapped_column(String(100), nullable=False)
    filed_by_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    received_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    done_by: Mapped[str | None] = mapped_column(String(100))
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    filed_by_unit: Mapped[Unit | None] = relationship(foreign_keys=[filed_by_unit_id])
    account: Mapped[Account | None] = relationship(foreign_keys=[account_id])

    __table_args__ = (
        CheckConstraint("kind IN ('create', 'change', 'handover', 'lock', 'revoke')", name="ck_account_request_kind"),
        CheckConstraint("status IN ('pending', 'approved', 'refused', 'done')", name="ck_account_request_status"),
        Index("ix_account_request_open", "status", "due_on"),
        Index("ix_account_request_unit", "unit_id", "received_at"),
    )
