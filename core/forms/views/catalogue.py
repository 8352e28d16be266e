"""The catalogues forms draw on (REQUIREMENTS F2, R9): indicators, disaggregation categories and combos.

They are shared by every form and every year, so a row in use is never
deleted here: an indicator is deactivated instead, a category or combo is
kept while a combo or field still names it. Published versions carry their
own copy of what they used, so editing a catalogue row changes only the
next versions.
"""
from __future__ import annotations

import re

from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import StringField, ValidationError
from wtforms.validators import Length

from core.platform import labels
from core.platform.extensions import db
from core.forms.models.form import Category, CategoryCombo, CategoryOption, ComboCategory, FormField, Indicator
from core.forms.views.common import CODE, CODE_LENGTH, CheckedView, Refused, blank, flag, position_field, yes_no


def _used_by_fields(column, value) -> int:
    return db.session.scalar(select(func.count()).select_from(FormField).where(column == value))


class IndicatorsView(ModelView):
    """F2: one meaning, one method and one unit of measure for an indicator across agencies and years."""

    datamodel = SQLAInterface(Indicator)
    route_base = "/forms/indicators"
    exclude_route_methods = {"download", "action", "action_post"}
    list_title = _l("Indicators")
    show_title = _l("Indicator")
    add_title = _l("Add an indicator")
    edit_title = _l("Edit indicator")
    list_columns = ["code", "name", "unit_of_measure", "sector", "active"]
    show_columns = ["code", "name", "definition", "method", "unit_of_measure", "sector", "active"]
    add_columns = edit_columns = show_columns
    search_columns = ["code", "name", "definition", "unit_of_measure", "sector", "active"]
    order_columns = ["code", "name", "unit_of_measure", "sector", "active"]
    base_order = ("code", "asc")
    page_size = 50
    validators_columns = {"code": [CODE, CODE_LENGTH]}
    label_columns = {
        "code": _l("Code"),
        "name": _l("Indicator name"),
        "definition": _l("Definition"),
        "method": _l("Method of calculation"),
        "unit_of_measure": _l("Unit of measure"),
        "sector": _l("Sector"),
        "active": _l("Active"),
    }
    description_columns = {
        "code": _l("Stable code used by forms and exports, e.g. poor_households."),
        "definition": _l("The concept, worded the same for every agency."),
        "method": _l("How the value is calculated or counted."),
        "unit_of_measure": _l("e.g. households, persons, %."),
        "active": _l("An inactive indicator stays on the forms that use it but is not offered for new fields."),
    }
    formatters_columns = {"active": yes_no, "sector": labels.sector, "unit_of_measure": blank, "definition": blank,
                          "method": blank}
    add_form_extra_fields = {"active": flag(_l("Active"))}
    edit_form_extra_fields = {"active": flag(_l("Active"))}

    def pre_delete(self, item):
        used = _used_by_fields(FormField.indicator_id, item.id)
        if used:
            raise Refused(_("Indicator %(code)s is used by %(count)d form field(s) and cannot be deleted: "
                            "deactivate it instead.", code=item.code, count=used))


class CategoryOptionsView(CheckedView):
    datamodel = SQLAInterface(CategoryOption)
    route_base = "/forms/category-options"
    exclude_route_methods = {"download", "action", "action_post"}
    list_title = _l("Options")
    show_title = _l("Option")
    add_title = _l("Add an option")
    edit_title = _l("Edit option")
    list_columns = ["position", "code", "name"]
    show_columns = ["category", "position", "code", "name"]
    add_columns = ["category", "code", "name", "position"]
    edit_columns = ["code", "name", "position"]
    search_columns = ["category", "code", "name"]
    base_order = ("position", "asc")
    page_size = 100
    validators_columns = {"code": [CODE, CODE_LENGTH]}
    label_columns = {"category": _l("Category"), "position": _l("Order"), "code": _l("Code"),
                     "name": _l("Option name")}
    description_columns = {"code": _l("Part of each cell's key: letters without accents, digits and _.")}
    add_form_extra_fields = edit_form_extra_fields = {"position": position_field()}

    parent = "category"

    def _missing_parent(self) -> str:
        return _("Choose the category of the option.")

    def _duplicate(self, item) -> str:
        return _("Category %(category)s already has an option with code %(code)s.",
                 category=item.category.code, code=item.code)

    def _check(self, item: CategoryOption) -> None:
        self._check_coded(item)


class CategoriesView(ModelView):
    """Dimensions of disaggregation (ethnic group, sex) with their options, like DHIS2 categories."""

    datamodel = SQLAInterface(Category)
    route_base = "/forms/categories"
    exclude_route_methods = {"download", "action", "action_post"}
    list_title = _l("Disaggregation categories")
    show_title = _l("Category")
    add_title = _l("Add a category")
    edit_title = _l("Edit category")
    list_columns = ["code", "name", "options"]
    show_columns = ["code", "name", "options"]
    add_columns = edit_columns = ["code", "name"]
    search_columns = ["code", "name"]
    base_order = ("code", "asc")
    page_size = 50
    related_views = [CategoryOptionsView]
    validators_columns = {"code": [CODE, CODE_LENGTH]}
    label_columns = {"code": _l("Code"), "name": _l("Category name"), "options": _l("Options")}
    description_columns = {"code": _l("e.g. sex, ethnic_group."),
                           "name": _l("As the grid shows it, e.g. Sex, Ethnic group.")}
    formatters_columns = {"options": lambda options: ", ".join(o.name for o in options)}

    def pre_delete(self, item):
        used = db.session.scalar(select(func.count()).select_from(ComboCategory)
                                 .where(ComboCategory.category_id == item.id))
        if used:
            raise Refused(_("Category %(code)s is part of %(count)d combo(s) and cannot be deleted.",
                            code=item.code, count=used))


def _codes(text: str) -> list[str]:
    return [code for code in re.split(r"[,;\s]+", text or "") if code]


class CategoryListField(StringField):
    """A combo's categories as their codes in order, "sex, ethnic_group": the first gives the grid's rows."""

    def process_data(self, value):
        if value is None or isinstance(value, str):
            self.data = value or ""
        else:
            self.data = ", ".join(member.category.code for member in value)

    def pre_validate(self, form):
        codes = _codes(self.data)
        self.categories = []
        if not codes:
            raise ValidationError(_("Name at least one category."))
        doubled = sorted({c for c in codes if codes.count(c) > 1})
        if doubled:
            raise ValidationError(_("Each category once only: %(codes)s.", codes=", ".join(doubled)))
        found = {c.code: c for c in db.session.execute(select(Category).where(Category.code.in_(codes))).scalars()}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise ValidationError(_("Unknown category code(s): %(codes)s.", codes=", ".join(unknown)))
        self.categories = [found[c] for c in codes]

    def populate_obj(self, obj, name):
        """Keep the rows of categories that stay (their key is the category), add the others, in order."""
        existing = {member.category_id: member for member in obj.members}
        members = []
        for position, category in enumerate(getattr(self, "categories", [])):
            member = existing.get(category.id) or ComboCategory(category=category)
            member.position = position
            members.append(member)
        obj.members = members


def _category_names(members) -> str:
    return " × ".join(member.category.name for member in members)


class CombosView(ModelView):
    """Categories crossed into a grid (ethnic group × sex); a field with a combo is entered cell by cell."""

    datamodel = SQLAInterface(CategoryCombo)
    route_base = "/forms/combos"
    exclude_route_methods = {"download", "action", "action_post"}
    list_title = _l("Disaggregation combos")
    show_title = _l("Combo")
    add_title = _l("Add a combo")
    edit_title = _l("Edit combo")
    list_columns = ["code", "name", "members"]
    show_columns = ["code", "name", "members"]
    add_columns = edit_columns = ["code", "name", "members"]
    search_columns = ["code", "name"]
    base_order = ("code", "asc")
    page_size = 50
    validators_columns = {"code": [CODE, CODE_LENGTH]}
    label_columns = {"code": _l("Code"), "name": _l("Combo name"), "members": _l("Categories (in order)")}
    formatters_columns = {"members": _category_names}
    add_form_extra_fields = edit_form_extra_fields = {
        "members": CategoryListField(
            _l("Categories (in order)"), validators=[Length(max=500)],
            description=_l("Category codes separated by commas. The first category gives the rows of the "
                           "grid; the others, crossed, give its columns.")),
    }

    def pre_delete(self, item):
        used = _used_by_fields(FormField.combo_id, item.id)
        if used:
            raise Refused(_("Combo %(code)s is used by %(count)d form field(s) and cannot be deleted.",
                            code=item.code, count=used))
