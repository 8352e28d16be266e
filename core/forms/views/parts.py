"""The parts of a form's draft, edited from the form's page: sections, fields, rules and schedules.

Each is a related view of :class:`~core.forms.views.forms.FormsView`,
so its add link carries the form (``_flt_0_form``). What the database
constraints would refuse with a bare integrity error (a code used twice, a
section of another form) is refused first with a Vietnamese reason. Nothing
here touches a published version: the board publishes the draft when it is
ready.
"""
from __future__ import annotations

from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, Select2ManyWidget, Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from core.forms import periods
from core.hierarchy import units
from core.platform.extensions import db
from core.forms.models.form import CategoryCombo, FormField, FormRule, FormSection, Indicator
from core.forms.models.period import Schedule
from core.forms.models.form import NUMERIC_TYPES
from core.forms.views.common import (CODE, CODE_LENGTH, CheckedView, blank, edited_form, field_kind,
                                     field_type_choices, field_type_label, flag, number, period_type_choices,
                                     period_type_label, position_field, refuse, source_label, yes_no)

PART_ROUTES = {"download", "action", "action_post"}


class FormSectionsView(CheckedView):
    datamodel = SQLAInterface(FormSection)
    route_base = "/forms/sections"
    exclude_route_methods = PART_ROUTES
    list_title = _l("Sections")
    show_title = _l("Section")
    add_title = _l("Add a section")
    edit_title = _l("Edit section")
    list_columns = ["position", "code", "title"]
    show_columns = ["form", "position", "code", "title"]
    add_columns = ["form", "code", "title", "position"]
    edit_columns = ["code", "title", "position"]
    search_columns = ["form", "code", "title"]
    base_order = ("position", "asc")
    page_size = 100
    validators_columns = {"code": [CODE, CODE_LENGTH]}
    label_columns = {"form": _l("Form"), "position": _l("Order"), "code": _l("Code"), "title": _l("Section title")}
    add_form_extra_fields = edit_form_extra_fields = {"position": position_field()}

    def _duplicate(self, item) -> str:
        return _("Form %(form)s already has a section with code %(code)s.", form=item.form.code, code=item.code)

    def _check(self, item: FormSection) -> None:
        self._check_coded(item)

    def pre_delete(self, item):
        """Its fields stay, after the sections (SQLite enforces no ``ON DELETE SET NULL`` here)."""
        db.session.execute(update(FormField).where(FormField.section_id == item.id).values(section_id=None))


# --- fields ----------------------------------------------------------------------------------


class ChoicesField(TextAreaField):
    """A choice list as lines ``code|label``, stored as ``[{"code": ..., "label": ...}]``."""

    widget = BS3TextAreaFieldWidget()

    def process_data(self, value):
        if isinstance(value, list):
            self.data = "\n".join(f"{c.get('code', '')}|{c.get('label', '')}" for c in value)
        else:
            self.data = value or ""

    def lines(self) -> list[tuple[int, dict]]:
        """``(line number, choice)`` of each non-empty line; a line without ``|`` is its own label."""
        choices = []
        for number_, line in enumerate((self.data or "").splitlines(), start=1):
            if line.strip():
                code, _sep, label = line.partition("|")
                choices.append((number_, {"code": code.strip(), "label": label.strip() or code.strip()}))
        return choices

    def parsed(self) -> list[dict]:
        return [choice for _number, choice in self.lines()]

    def pre_validate(self, form):
        codes = []
        for number_, choice in self.lines():
            if not choice["code"]:
                raise ValidationError(_("Line %(line)d has no code before |.", line=number_))
            codes.append(choice["code"])
        doubled = sorted({c for c in codes if codes.count(c) > 1})
        if doubled:
            raise ValidationError(_("Each code once only: %(codes)s.", codes=", ".join(doubled)))

    def populate_obj(self, obj, name):
        setattr(obj, name, self.parsed() or None)


def _sections():
    """The sections of the form being edited (all forms' only when it is not known yet)."""
    form = edited_form(model=FormField)
    query = select(FormSection).order_by(FormSection.form_id, FormSection.position)
    if form is not None:
        query = query.where(FormSection.form_id == form.id)
    return db.session.execute(query).scalars().all()


def _section_label(section: FormSection) -> str:
    return f"{section.title} ({section.form.code})" if edited_form(model=FormField) is None else section.title


def _combos():
    return db.session.execute(select(CategoryCombo).order_by(CategoryCombo.name)).scalars().all()


def _indicators():
    return db.session.execute(select(Indicator).where(Indicator.active.is_(True))
                              .order_by(Indicator.code)).scalars().all()


def _field_extra():
    return {
        "type": SelectField(_l("Type"), choices=field_type_choices, validators=[DataRequired()],
                            widget=Select2Widget()),
        "section": QuerySelectField(_l("Section"), query_func=_sections, get_pk_func=lambda s: s.id,
                                    get_label=_section_label, allow_blank=True,
                                    blank_text=_l("(none: after the sections)"), widget=Select2Widget()),
        "combo": QuerySelectField(_l("Disaggregation"), query_func=_combos, get_pk_func=lambda c: c.id,
                                  allow_blank=True, blank_text=_l("(none: a single value)"), widget=Select2Widget()),
        "indicator": QuerySelectField(_l("Indicator"), query_func=_indicators, get_pk_func=lambda i: i.id,
                                      allow_blank=True, blank_text=_l("(none)"), widget=Select2Widget()),
        "choices": ChoicesField(_l("Choices"), validators=[Length(max=10000)],
                                description=_l("For a choice list: one choice per line, as code|label, "
                                               "e.g. kinh|Kinh.")),
        "position": position_field(),
        "required": flag(_l("Required")),
    }


class FormFieldsView(CheckedView):
    datamodel = SQLAInterface(FormField)
    route_base = "/forms/fields"
    exclude_route_methods = PART_ROUTES
    list_title = _l("Fields")
    show_title = _l("Field")
    add_title = _l("Add a field")
    edit_title = _l("Edit field")
    list_columns = ["position", "code", "label", "type", "section", "combo", "required"]
    show_columns = ["form", "section", "position", "code", "label", "type", "required", "min_value", "max_value",
                    "unit_of_measure", "help_text", "choices", "combo", "indicator"]
    add_columns = ["form", "section", "code", "label", "type", "required", "min_value", "max_value",
                   "unit_of_measure", "help_text", "choices", "combo", "indicator", "position"]
    edit_columns = [c for c in add_columns if c != "form"]
    search_columns = ["form", "code", "label", "type"]
    base_order = ("position", "asc")
    page_size = 100
    validators_columns = {"code": [CODE, CODE_LENGTH]}
    label_columns = {
        "form": _l("Form"),
        "section": _l("Section"),
        "position": _l("Order"),
        "code": _l("Code"),
        "label": _l("Label"),
        "type": _l("Type"),
        "required": _l("Required"),
        "min_value": _l("Minimum"),
        "max_value": _l("Maximum"),
        "unit_of_measure": _l("Unit of measure"),
        "help_text": _l("Help for the reporter"),
        "choices": _l("Choices"),
        "combo": _l("Disaggregation"),
        "indicator": _l("Indicator"),
    }
    description_columns = {
        "code": _l("Used in rules and exports, e.g. poor_households: letters without accents, digits and _."),
        "label": _l("The question as the reporting unit reads it."),
        "min_value": _l("For numbers: the smallest value accepted."),
        "max_value": _l("For numbers: the largest value accepted."),
        "combo": _l("A number field with a combo is entered as a grid, one cell per combination of options."),
        "indicator": _l("The catalogue indicator this field reports, if any."),
    }
    formatters_columns = {
        "type": field_type_label, "required": yes_no, "section": blank, "combo": blank, "indicator": blank,
        "min_value": number, "max_value": number, "unit_of_measure": blank, "help_text": blank,
        "choices": lambda choices: "; ".join(f"{c['code']}|{c['label']}" for c in choices or []),
    }
    add_form_extra_fields = _field_extra()
    edit_form_extra_fields = _field_extra()

    def _duplicate(self, item) -> str:
        return _("Form %(form)s already has a field with code %(code)s.", form=item.form.code, code=item.code)

    def _check(self, item: FormField) -> None:
        self._check_coded(item)
        form = item.form
        if item.section is not None and item.section.form_id != form.id:
            refuse(_("Section %(section)s belongs to another form.", section=item.section.title))
        if item.type == "choice" and not item.choices:
            refuse(_("Field %(code)s is a choice list: enter its choices.", code=item.code))
        if item.type != "choice":
            item.choices = None
        if item.combo is not None and item.type not in NUMERIC_TYPES:
            refuse(_("Field %(code)s: only number fields (integer, decimal, percentage) can be disaggregated.",
                     code=item.code))
        if item.min_value is not None and item.max_value is not None and item.min_value > item.max_value:
            refuse(_("Field %(code)s: the minimum is greater than the maximum.", code=item.code))


# --- rules -----------------------------------------------------------------------------------


def expression_reason(exc: Exception) -> str:
    translated = getattr(exc, "translated", None)
    return str(translated()) if callable(translated) else str(exc)


class ValidExpression:
    """The rule must compile against the form's fields, with each field's kind (cells, number, text)."""

    def __call__(self, wtform, field):
        form = edited_form(wtform, FormRule)
        if form is None or not (field.data or "").strip():
            return
        from core.forms import expressions

        kinds = {f.code: field_kind(f) for f in form.fields}
        try:
            expressions.check(field.data, kinds)
        except expressions.ExpressionError as exc:
            raise ValidationError(_("This expression cannot be used: %(reason)s", reason=expression_reason(exc)))


def _rule_extra():
    return {
        "expression": TextAreaField(_l("Condition"), validators=[DataRequired(), Length(max=2000), ValidExpression()],
                                    widget=BS3TextAreaFieldWidget()),
        "position": position_field(),
    }


class FormRulesView(CheckedView):
    datamodel = SQLAInterface(FormRule)
    route_base = "/forms/rules"
    exclude_route_methods = PART_ROUTES
    list_title = _l("Rules")
    show_title = _l("Rule")
    add_title = _l("Add a rule")
    edit_title = _l("Edit rule")
    list_columns = ["position", "code", "expression", "message"]
    show_columns = ["form", "position", "code", "expression", "message"]
    add_columns = ["form", "code", "expression", "message", "position"]
    edit_columns = ["code", "expression", "message", "position"]
    search_columns = ["form", "code", "expression", "message"]
    base_order = ("position", "asc")
    page_size = 100
    validators_columns = {"code": [CODE, CODE_LENGTH]}
    label_columns = {"form": _l("Form"), "position": _l("Order"), "code": _l("Code"),
                     "expression": _l("Condition"), "message": _l("Message when it fails")}
    description_columns = {
        "expression": _l("Written with field codes, e.g. poor_households <= households, or "
                         "sum(population_by_ethnicity) == population. Checked when you save."),
        "message": _l("Shown to the reporting unit when the condition is false."),
    }

    add_form_extra_fields = _rule_extra()
    edit_form_extra_fields = _rule_extra()

    def _duplicate(self, item) -> str:
        return _("Form %(form)s already has a rule with code %(code)s.", form=item.form.code, code=item.code)

    def _check(self, item: FormRule) -> None:
        self._check_coded(item)


# --- schedules -------------------------------------------------------------------------------


def level_choices():
    return [(lvl.code, lvl.name) for lvl in units.levels()]


def level_names(value: str) -> str:
    names = {lvl.code: lvl.name for lvl in units.levels()}
    return ", ".join(names.get(code, code) for code in (value or "").split(",") if code.strip())


class LevelsField(SelectMultipleField):
    """Hierarchy levels picked from the hook's list, stored as ``"commune,district"``."""

    widget = Select2ManyWidget()

    def process_data(self, value):
        if isinstance(value, str):
            value = [code.strip() for code in value.split(",") if code.strip()]
        super().process_data(value)

    def populate_obj(self, obj, name):
        setattr(obj, name, ",".join(self.data or []))


def _schedule_extra():
    return {
        "period_type": SelectField(_l("Period type"), choices=period_type_choices, validators=[DataRequired()],
                                   widget=Select2Widget()),
        "levels": LevelsField(_l("Levels"), choices=level_choices, validators=[DataRequired()],
                              description=_l("Units of these levels of the hierarchy are assigned the form "
                                             "every period.")),
        "indexes": StringField(_l("Periods of the year"), validators=[Optional(), Length(max=50)],
                               description=_l("Only the periods with these numbers in the year, separated by "
                                              "commas (1,3: the first and third quarters). Empty: every period.")),
        "active": flag(_l("Active")),
    }


def _indexes(item: Schedule) -> None:
    """Normalise ``item.indexes`` ("3, 1" → "1,3") or refuse it in Vietnamese."""
    text = (item.indexes or "").replace(" ", "")
    if not text:
        item.indexes = None
        return
    most = periods.per_year(item.period_type)
    if most is None:
        refuse(_("This period type has no numbered periods within the year: leave Periods of the year empty."))
    try:
        wanted = sorted({int(part) for part in text.split(",")})
    except ValueError:
        wanted = [0]
    if not all(1 <= i <= most for i in wanted):
        refuse(_("Periods of the year must be numbers from 1 to %(most)s separated by commas.", most=most))
    item.indexes = ",".join(map(str, wanted))


class SchedulesView(CheckedView):
    """F7: "this form falls due every <period type> from units of these levels"."""

    datamodel = SQLAInterface(Schedule)
    route_base = "/forms/schedules"
    exclude_route_methods = PART_ROUTES
    list_title = _l("Schedules")
    show_title = _l("Schedule")
    add_title = _l("Add a schedule")
    edit_title = _l("Edit schedule")
    list_columns = ["period_type", "indexes", "levels", "active", "source"]
    show_columns = ["form", "period_type", "indexes", "levels", "active", "source"]
    add_columns = ["form", "period_type", "levels", "indexes", "active"]
    edit_columns = ["period_type", "levels", "indexes", "active"]
    search_columns = ["form", "period_type", "active"]
    base_order = ("period_type", "asc")
    page_size = 50
    label_columns = {"form": _l("Form"), "period_type": _l("Period type"), "levels": _l("Levels"),
                     "indexes": _l("Periods of the year"),
                     "active": _l("Active"), "source": _l("Source")}
    description_columns = {"active": _l("An inactive schedule assigns nothing new; reports already assigned stay.")}
    formatters_columns = {"period_type": period_type_label, "levels": level_names, "active": yes_no,
                          "indexes": lambda value: value or _("All periods"),
                          "source": source_label}
    add_form_extra_fields = _schedule_extra()
    edit_form_extra_fields = _schedule_extra()

    def _check(self, item: Schedule) -> None:
        if item.form is None:
            refuse(_("Choose the form."))
        with db.session.no_autoflush:
            other = db.session.execute(select(Schedule.id).where(
                Schedule.form_id == item.form.id, Schedule.period_type == item.period_type,
                Schedule.id != (item.id or 0))).first()
        if other is not None:
            refuse(_("Form %(form)s already has a %(period)s schedule: edit that one.",
                     form=item.form.code, period=period_type_label(item.period_type)))
        _indexes(item)
        item.source = "board"  # the board's edit is kept by the next plugin sync
