"""Analysis scenarios (R7, R8): an agency's saved aggregation, shared with its users to run.

A scenario names a form, the fields to total, how to group the rows
(``child``: each child unit of the unit run for; ``level``: each tier of its
subtree; ``unit``: each reporting unit) and filters (``levels``: only reports
of units of these levels; ``states``: report states, default the approved
ones). It belongs to the unit that made it (``__scope__``); running it is
always limited to the runner's own subtree (:mod:`core.analytics.analysis`).
"""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.forms.models.form import Form
from core.hierarchy.models import Unit
from core.platform import clock

GROUPINGS = ("child", "level", "unit")


class AnalysisScenario(Model):
    __tablename__ = "analysis_scenario"
    __scope__ = "owner_unit_id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id"), nullable=False)
    #: Field codes, in the order of the result's columns.
    fields: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    group_by: Mapped[str] = mapped_column(String(10), nullable=False, default="child")
    #: ``{"levels": [...], "states": [...]}``; an absent or empty list means no filter.
    filters: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    shared: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    created_at: Mapped[datetime] = clock.stamped_column()

    owner_unit: Mapped[Unit] = relationship()
    form: Mapped[Form] = relationship()

    __table_args__ = (Index("ix_analysis_scenario_owner", "owner_unit_id", "shared"),)

    def __repr__(self) -> str:
        return self.name
