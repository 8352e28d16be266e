"""Incident log (S4): the system administrator records each technical incident and its handling.

Changes are audited by the ORM audit listener; the list exports to CSV (UTF-8 with BOM, for
Excel) with the filters on screen.
"""
from __future__ import annotations

from flask import Response
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.urltools import get_filter_args
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import DataRequired, InputRequired, Optional

from core.platform import audit, clock, labels, tabular
from core.platform.datetimes import LocalDateTimeField
from core.platform.extensions import db
from core.operations.models.incident import Incident

IMPACT_LABELS = {"low": _l("low"), "medium": _l("medium"), "high": _l("high"), "critical": _l("critical")}
STATUS_LABELS = {"open": _l("open"), "resolved": _l("resolved")}
COLUMNS = ["occurred_at", "detected_at", "title", "impact", "category", "status", "description", "actions_taken",
           "resolution", "resolved_at", "reported_by"]


def _impact(value):
    return IMPACT_LABELS.get(value, value)


def _status(value):
    return STATUS_LABELS.get(value, value)


def _choice_fields() -> dict:
    """Impact and status as choices; times typed on the province's clock, kept in UTC (core.platform.datetimes)."""
    return {
        "impact": SelectField(_l("Impact"), choices=list(IMPACT_LABELS.items()), validators=[InputRequired()]),
        "status": SelectField(_l("Status"), choices=list(STATUS_LABELS.items()), validators=[InputRequired()]),
        "occurred_at": LocalDateTimeField(_l("Occurred at"), validators=[DataRequired()]),
        "detected_at": LocalDateTimeField(_l("Detected at"), validators=[Optional()]),
        "resolved_at": LocalDateTimeField(_l("Resolved at"), validators=[Optional()]),
    }


class IncidentsView(ModelView):
    datamodel = SQLAInterface(Incident)
    route_base = "/incidents"
    list_template = "operations/incidents_list.html"
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]  # an incident is never deleted (S8)
    # No FAB actions, downloads or legacy JSON routes (FAB 5.3 answers 500 on an unknown action name).
    include_route_methods = {"list", "show", "add", "edit", "export"}
    base_order = ("occurred_at", "desc")
    list_title = _l("Incident log")
    show_title = _l("Incident")
    add_title = _l("Record an incident")
    edit_title = _l("Update the incident")
    list_columns = ["occurred_at", "title", "impact", "category", "status", "resolved_at", "reported_by"]
    show_columns = COLUMNS + ["created_at"]
    add_columns = edit_columns = COLUMNS
    search_columns = ["impact", "status", "occurred_at", "category", "title", "reported_by"]
    formatters_columns = {"impact": _impact, "status": _status, "occurred_at": labels.local_time, "detected_at": labels.local_time,
                          "resolved_at": labels.local_time, "created_at": labels.local_time}
    add_form_extra_fields = edit_form_extra_fields = _choice_fields()
    description_columns = {
        "detected_at": _l("When the incident was noticed, if later than it occurred."),
        "resolved_at": _l("Filled in automatically when the status becomes resolved."),
    }
    label_columns = {
        "occurred_at": _l("Occurred at"),
        "detected_at": _l("Detected at"),
        "title": _l("Title"),
        "description": _l("Description"),
        "impact": _l("Impact"),
        "category": _l("Incident type"),
        "actions_taken": _l("Actions taken"),
        "resolution": _l("Resolution"),
        "resolved_at": _l("Resolved at"),
        "reported_by": _l("Reported by"),
        "status": _l("Status"),
        "created_at": _l("Recorded at"),
    }
    page_size = 50

    def pre_add(self, item):
        item.reported_by = item.reported_by or audit.current_actor().name
        self._settle(item)

    def pre_update(self, item):
        self._settle(item)

    @staticmethod
    def _settle(item) -> None:
        """A resolved incident has a resolution time; reopening one clears it."""
        if item.status == "resolved" and item.resolved_at is None:
            item.resolved_at = clock.utcnow()
        elif item.status == "open":
            item.resolved_at = None

    @expose("/export.csv")
    @has_access
    @permission_name("list")
    def export(self):
        filters = self.datamodel.get_filters(self.search_columns)
        get_filter_args(filters)
        _count, items = self.datamodel.query(self._base_filters.get_joined_filters(filters), "occurred_at", "desc")
        audit.record("incidents.export", "Incident", None, {"incidents": len(items), "format": "csv"})
        db.session.commit()
        return Response(incidents_csv(items, self.label_columns), mimetype=tabular.CSV_MIME,
                        headers={"Content-Disposition": "attachment; filename=incidents.csv"})


def incidents_csv(items, labels: dict) -> bytes:
    """UTF-8 with BOM so Excel reads Vietnamese; labels in the user's language, impact and status too;
    text neutralised (:mod:`core.platform.tabular`): a title starting with ``=`` is never a formula."""
    rows = []
    for item in items:
        row = []
        for column in COLUMNS:
            value = getattr(item, column)
            if column == "impact":
                value = _impact(value)
            elif column == "status":
                value = _status(value)
            row.append(None if value is None else str(value))
        rows.append(row)
    return tabular.csv_bytes([str(labels[c]) for c in COLUMNS], rows)
