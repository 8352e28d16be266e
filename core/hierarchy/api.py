"""``GET /api/v1/unit/`` and ``GET /api/v1/unit/<id>``: the units in the caller's scope (H1, H5).

Read-only. Scope is applied inside the query (:class:`core.hierarchy.scope.ScopedInterface`):
a unit outside the caller's subtree is not found (404). ``parent_code`` is a
flat column (:data:`core.hierarchy.units` maps it on :class:`core.models.Unit`), so it
can be filtered on like any other field.
"""
from flask_appbuilder import ModelRestApi
from flask_babel import lazy_gettext as _l

from core.hierarchy.models import Unit
from core.hierarchy.scope import ScopedInterface

FIELDS = ["id", "code", "name", "level", "kind", "sector", "parent_code", "active", "valid_from", "valid_to"]


class UnitApi(ModelRestApi):
    resource_name = "unit"
    datamodel = ScopedInterface(Unit)
    allow_browser_login = True
    base_permissions = ["can_get", "can_info"]
    include_route_methods = {"get", "get_list", "info"}
    base_order = ("path", "asc")
    list_columns = FIELDS
    show_columns = FIELDS
    search_columns = ["code", "name", "level", "kind", "sector", "parent_code", "active", "valid_from", "valid_to"]
    order_columns = ["code", "name", "level", "kind", "sector", "parent_code", "active"]
    #: Read-only: ``_info`` describes these few plain fields, not a form over every unit.
    add_columns = ["code", "name", "kind", "sector", "active", "valid_from", "valid_to"]
    edit_columns = add_columns
    max_page_size = 500
    openapi_spec_tag = "Units"
    list_title = _l("Units")
    show_title = _l("Unit")
    label_columns = {
        "id": _l("Id"),
        "code": _l("Code"),
        "name": _l("Unit name"),
        "level": _l("Level"),
        "kind": _l("Kind"),
        "sector": _l("Sector"),
        "parent_code": _l("Parent unit code"),
        "active": _l("Active"),
        "valid_from": _l("Valid from"),
        "valid_to": _l("Valid to"),
    }
    description_columns = {
        "code": _l("Official code (GSO code for administrative units), unique."),
        "name": _l("Full name with diacritics."),
        "level": _l("Code of the hierarchy level the unit sits on."),
        "kind": _l("board, department, district or commune."),
        "sector": _l("The sector whose data the unit verifies, if any (e.g. health, education)."),
        "parent_code": _l("Code of the unit directly above; empty for the top."),
        "active": _l("An inactive unit stays in the records but its account sees nothing."),
        "valid_from": _l("First day the unit exists."),
        "valid_to": _l("Last day the unit exists."),
    }
