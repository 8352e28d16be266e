"""Which plugins are switched on: the database is the one source of truth.

Every web and worker process compares its loaded set with this small table at
the start of each request or job, so a toggle needs no restart.
"""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from core.platform.models.stamps import utc_now


class PluginState(Model):
    __tablename__ = "plugin_state"
    #: core.platform.plugin_admin records "plugin.enable/disable" instead of a row diff.
    __audit__ = False

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    changed_at: Mapped[datetime] = mapped_column(
        DateTime, nullable=False, server_default=utc_now(), onupdate=utc_now()
    )
    changed_by: Mapped[str | None] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<PluginState {self.name} {'on' if self.enabled else 'off'}>"
