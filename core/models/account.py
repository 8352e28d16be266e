"""Accounts: FAB's ``ab_user`` plus what the regulations ask of an account (A1, A3, A4, A7, A10).

Named ``Account`` (not ``User``) because FAB's relationships resolve the
string "User"; a second mapped class of that name would make them ambiguous.
The columns live on ``ab_user`` itself (single-table extension, as in FAB's
extendsecurity example), so FAB's login and screens keep working.
"""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, DateTime, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.unit import Unit


class Account(User):
    __tablename__ = "ab_user"

    #: The unit whose account this is; None for personal admin accounts (A11).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), nullable=True, index=True)
    #: Set when a one-time password is issued; every endpoint but the change refuses until cleared.
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    lock_reason: Mapped[str | None] = mapped_column(String(500))
    #: Closed accounts keep their data and trail but can no longer log in (A7).
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    unit: Mapped[Unit | None] = relationship(Unit, foreign_keys=[unit_id])
