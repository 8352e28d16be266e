"""Data exchange (REQUIREMENTS R3, R4, R6, R9): code mappings, the outbox to the national system, intake sources.

None of these tables is tied to a unit: they are the system administrator's
configuration and machinery, seen on admin screens only.
"""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from core.platform import clock

#: What a mapping row translates: unit codes (orgUnit), form codes (dataSet), field codes
#: (dataElement), period codes, and disaggregation cells (categoryOptionCombo).
MAPPING_KINDS = ("unit", "form", "field", "period", "cell")
FORMATS = ("json", "adx", "csv")
OUTBOX_STATES = ("pending", "sent", "failed")


class ExchangeMapping(Model):
    """One local code and its code in another system; a code without a row is used as it is."""

    __tablename__ = "exchange_mapping"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The other system, e.g. "national" or "dhis2-moh"; chosen by whoever exchanges (``?system=``).
    system: Mapped[str] = mapped_column(String(60), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    local_code: Mapped[str] = mapped_column(String(255), nullable=False)
    external_code: Mapped[str] = mapped_column(String(255), nullable=False)

    #: Both directions are functions: one external code per local code and one local code per external code.
    __table_args__ = (
        UniqueConstraint("system", "kind", "local_code", name="uq_exchange_mapping_local"),
        UniqueConstraint("system", "kind", "external_code", name="uq_exchange_mapping_external"),
    )

    def __repr__(self) -> str:
        return f"{self.system}/{self.kind}: {self.local_code} = {self.external_code}"


class OutboxMessage(Model):
    """A payload waiting for (or delivered to) another system: written in the transaction that
    produced it, sent by :func:`core.exchange.outbox.deliver`, retried until it is accepted (R3)."""

    __tablename__ = "outbox_message"
    __audit__ = False  # the payload is a whole report; queueing and delivery are audited explicitly

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    destination: Mapped[str] = mapped_column(String(1000), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = clock.stamped_column()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)


class IntakeSource(Model):
    """A provider's data service the admin has agreed to take in (R6, QN-A Đ5.1/Đ5.5)."""

    __tablename__ = "intake_source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    url: Mapped[str] = mapped_column(String(1000), nullable=False)
    format: Mapped[str] = mapped_column(String(10), nullable=False, default="json")
    #: The mapping system that translates the provider's codes; empty: its codes are ours.
    system: Mapped[str | None] = mapped_column(String(60))
    #: The form the data goes into when the payload does not name it (CSV has no dataSet column).
    form_code: Mapped[str | None] = mapped_column(String(60))
    #: Cron expression (province time), e.g. "0 2 * * *" for every night at two.
    schedule: Mapped[str] = mapped_column(String(100), nullable=False, default="0 2 * * *")
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: "ok", "rejected" (the data had errors, nothing imported) or "failed" (could not fetch).
    last_status: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = clock.stamped_column()

    def __repr__(self) -> str:
        return self.name
