"""``GET /api/v1/audit/``: the audit log for admins, read-only, with FAB's rison filters; chained
entries only (a pending one has no ``seq`` yet: ``core.platform.audit_chainer``)."""
from flask_appbuilder import ModelRestApi
from flask_appbuilder.models.sqla.filters import FilterGreater
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from core.platform import labels

from core.platform.models.audit import AuditEntry


class AuditApi(ModelRestApi):
    resource_name = "audit"
    datamodel = SQLAInterface(AuditEntry)
    allow_browser_login = True
    base_permissions = ["can_get", "can_info"]
    include_route_methods = {"get", "get_list", "info"}
    base_order = ("seq", "desc")
    base_filters = [["seq", FilterGreater, 0]]
    list_columns = ["id", "seq", "at", "actor", "actor_id", "unit_code", "ip", "action",
                    "object_type", "object_id", "changes", "prev_hash", "hash", "key_id"]
    show_columns = list_columns
    search_columns = ["at", "actor", "unit_code", "ip", "action", "object_type", "object_id"]
    openapi_spec_tag = "Audit"
    list_title = _l("Audit log")
    show_title = _l("Audit entry")
    label_columns = dict(labels.AUDIT_COLUMNS)
