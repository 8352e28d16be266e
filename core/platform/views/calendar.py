"""*Lịch làm việc* (A8): the system administrator enters the year's make-up Saturdays and extra days off.

The national holidays come from the ``holidays`` package and province plugins
(:mod:`core.platform.workdays`); this screen is for what was decided after the package was
released. Rows are audited by the ORM listener; the list also shows the year as the product
counts it, so the administrator sees the effect of a row at once.
"""
from __future__ import annotations

from datetime import date

from flask import request
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import InputRequired

from core.platform import audit, clock, workdays
from core.platform.extensions import db
from core.platform.models.calendar import WorkingCalendarDay

KIND_LABELS = {"1": _l("Working day (make-up)"), "0": _l("Day off")}


def _kind(value) -> str:
    return str(KIND_LABELS["1" if value else "0"])


class _KindField(SelectField):
    """``working`` as a choice the administrator reads, stored as the boolean."""

    def process_data(self, value):
        self.data = "1" if value else "0" if value is not None else None

    def populate_obj(self, obj, name):
        setattr(obj, name, self.data == "1")


class WorkingCalendarView(ModelView):
    datamodel = SQLAInterface(WorkingCalendarDay)
    route_base = "/working-calendar"
    list_template = "platform/working_calendar.html"
    base_permissions = ["can_list", "can_add", "can_edit", "can_delete"]
    include_route_methods = {"list", "add", "edit", "delete"}
    base_order = ("day", "asc")
    list_title = _l("Working calendar")
    add_title = _l("Add a day to the working calendar")
    edit_title = _l("Change a day of the working calendar")
    show_title = _l("A day of the working calendar")
    list_columns = ["day", "working", "name", "created_by"]
    add_columns = edit_columns = ["day", "working", "name"]
    search_columns = ["day", "working", "name"]
    formatters_columns = {"working": _kind}
    add_form_extra_fields = edit_form_extra_fields = {
        "working": _KindField(_l("Kind of day"), choices=list(KIND_LABELS.items()), validators=[InputRequired()]),
    }
    label_columns = {"day": _l("Day"), "working": _l("Kind of day"), "name": _l("Reason"),
                     "created_by": _l("Entered by"), "created_at": _l("Created at")}
    description_columns = {
        "name": _l("E.g. the decision that moves the day: \"Làm bù cho ngày nghỉ Tết theo Thông báo số …\"."),
    }
    page_size = 50

    def pre_add(self, item):
        item.created_by = audit.current_actor().name

    def _year(self) -> int:
        text = request.args.get("year", "")
        return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else clock.today().year

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            year = self._year()
            special = workdays.special_days(db.session, date(year, 1, 1), date(year, 12, 31))
            # Only the days that differ from their weekday: holidays on weekdays, Saturdays worked.
            kwargs.update(calendar_year=year, calendar_days=sorted(
                (day, working, name) for day, (working, name) in special.items() if working != (day.weekday() < 5)))
        return super().render_template(template, **kwargs)
