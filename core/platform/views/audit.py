"""Read-only audit log screen: filters, no add, no edit, no delete."""
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from core.platform.models.audit import AuditEntry


class AuditView(ModelView):
    datamodel = SQLAInterface(AuditEntry)
    route_base = "/audit"
    base_permissions = ["can_list", "can_show"]
    include_route_methods = {"list", "show"}
    base_order = ("seq", "desc")
    list_title = _l("Audit log")
    show_title = _l("Audit entry")
    list_columns = ["seq", "at", "actor", "unit_code", "ip", "action", "object_type", "object_id"]
    show_columns = list_columns + ["changes", "prev_hash", "hash"]
    search_columns = ["at", "actor", "unit_code", "ip", "action", "object_type", "object_id"]
    label_columns = {
        "seq": _l("No."),
        "at": _l("Time (UTC)"),
        "actor": _l("Actor"),
        "unit_code": _l("Unit"),
        "ip": _l("IP address"),
        "action": _l("Action"),
        "object_type": _l("Object type"),
        "object_id": _l("Object"),
        "changes": _l("Changes"),
        "prev_hash": _l("Previous hash"),
        "hash": _l("Hash"),
    }
    page_size = 50
