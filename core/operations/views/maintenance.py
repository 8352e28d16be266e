"""Maintenance notices screen (S3): the system administrator announces planned and emergency maintenance.

Times are typed and shown in the province's time zone and stored in UTC like every other
time. A planned notice must leave the units the province's lead time (24 h, 48 h in Hà Nội);
a shorter one must be marked as an emergency, which shows at once.
"""
from __future__ import annotations

from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import BooleanField
from wtforms.validators import DataRequired

from core.platform import clock, labels
from core.platform.datetimes import LocalDateTimeField
from core.operations import maintenance
from core.operations.models.backup import MaintenanceNotice

TIME_COLUMNS = ("starts_at", "ends_at")


class MaintenanceNoticesView(ModelView):
    datamodel = SQLAInterface(MaintenanceNotice)
    route_base = "/maintenance"
    include_route_methods = {"list", "show", "add", "edit", "delete"}
    base_order = ("starts_at", "desc")
    list_title = _l("Maintenance notices")
    show_title = _l("Maintenance notice")
    add_title = _l("Announce maintenance")
    edit_title = _l("Edit maintenance notice")
    list_columns = ["starts_at", "ends_at", "emergency", "message", "created_by"]
    show_columns = ["starts_at", "ends_at", "emergency", "message", "created_by", "created_at"]
    add_columns = edit_columns = ["starts_at", "ends_at", "emergency", "message"]
    search_columns = ["starts_at", "ends_at", "emergency", "message"]
    label_columns = {
        "starts_at": _l("Starts at (province time)"),
        "ends_at": _l("Ends at (province time)"),
        "emergency": _l("Emergency"),
        "message": _l("Message to the units"),
        "created_by": _l("Announced by"),
        "created_at": _l("Announced at"),
    }
    description_columns = {
        "emergency": _l("An emergency notice is shown at once; a planned one from the lead time before it starts."),
    }
    formatters_columns = {**{name: labels.local_time for name in (*TIME_COLUMNS, "created_at")}, "emergency": labels.yes_no}
    # FAB makes the non-nullable column a required checkbox, which refuses every planned (unticked) notice;
    # its date picker drops the time: the times are typed on the province's clock and kept in UTC.
    add_form_extra_fields = edit_form_extra_fields = {
        "emergency": BooleanField(_l("Emergency"), description=description_columns["emergency"]),
        "starts_at": LocalDateTimeField(label_columns["starts_at"], validators=[DataRequired()]),
        "ends_at": LocalDateTimeField(label_columns["ends_at"], validators=[DataRequired()]),
    }

    def pre_add(self, item):
        self._check(item)
        lead = maintenance.lead_time()
        if not item.emergency and item.starts_at - clock.utcnow() < lead:
            raise ValueError(_("Planned maintenance must be announced at least %(hours)s hours before it starts. "
                               "Mark it as an emergency to announce it at once.",
                               hours=f"{lead.total_seconds() / 3600:g}"))
        from core.platform.audit import current_actor

        item.created_by = current_actor().name
        item.created_at = clock.utcnow()

    def pre_update(self, item):
        self._check(item)

    @staticmethod
    def _check(item):
        if item.ends_at <= item.starts_at:
            raise ValueError(_("The maintenance must end after it starts."))

    def post_add(self, item):
        maintenance.forget()

    def post_update(self, item):
        maintenance.forget()

    def post_delete(self, item):
        maintenance.forget()
