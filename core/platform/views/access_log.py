"""The access log as an inspector reads it (Decree 85/2016: access to data): downloads, refused access and
sign-outs, recorded by :mod:`core.platform.access_log` and, until now, readable only in the database.

Read-only, for the system administrator (like the audit log). Each line says when (Vietnam time, to the
second), who and for which unit (the unit's name), what ("Tải tệp", "Bị từ chối", "Đăng xuất"), where
(the address, the file's name and size), and whether a seal has taken it into the audit chain yet.
Filters as on the audit log (account, unit, action, days); bad input is a Vietnamese message above an
empty list. One page is two queries: the entries, newest first by the ``at`` index, and their units' names.
"""
from __future__ import annotations

import json
from flask import request
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectField
from wtforms.validators import ValidationError

from core.platform import labels
from core.platform.models.audit import AccessEntry
from core.platform.views.audit import AuditFilter, log_page


def _action_choices():
    return [("", _("All actions"))] + [(code, str(name)) for code, name in labels.ACCESS_ACTIONS.items()]


class AccessFilter(AuditFilter):
    """The audit log's filters, with the access log's actions."""

    action = SelectField(_l("Action"), choices=_action_choices, validate_choice=False)

    def validate_action(self, field):
        if field.data and field.data not in labels.ACCESS_ACTIONS:
            raise ValidationError(_("Choose an action from the list."))


def what(entry: AccessEntry) -> str:
    """Where the access went, in words: the address, and the file's name and size for a download."""
    try:
        details = json.loads(entry.details) if entry.details else {}
    except ValueError:
        details = {}
    parts = [entry.path or labels.EMPTY]
    if isinstance(details, dict) and details.get("file"):
        size = details.get("bytes")
        parts.append(_("file %(name)s", name=details["file"]) +
                     (f" ({labels.file_size(size, smallest='KB')})" if isinstance(size, int) else ""))
    return " — ".join(parts)


def outcome(entry: AccessEntry) -> str:
    if entry.status == 403:
        return _("403: no right to this")
    if entry.status == 404:
        return _("404: not found or outside the unit's data")
    if entry.status == 200:
        return _("Succeeded")
    return labels.EMPTY if entry.status is None else str(entry.status)


class AccessLogView(ModelView):
    datamodel = SQLAInterface(AccessEntry)
    route_base = "/access-log"
    base_permissions = ["can_list"]
    include_route_methods = {"list"}
    list_title = show_title = add_title = edit_title = _l("Access log")
    label_columns = dict(labels.ACCESS_COLUMNS)

    @expose("/list/")
    @has_access
    @permission_name("list")
    def list(self):
        page = log_page(AccessFilter(request.args), select(AccessEntry), AccessEntry,
                        AccessEntry.at.desc(), AccessEntry.id.desc())
        return self.render_template("platform/access_log.html", title=self.list_title, what=what, outcome=outcome,
                                    **page)
