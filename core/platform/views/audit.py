"""The audit log as an inspector reads it (S5, issue 15 item 8): read-only, no add, no edit, no delete.

The list names what happened ("Duyệt báo cáo", not ``report.approve``), who did it and for which
unit (the unit's name, not its code), when in Vietnam time to the second, and what changed as
"trường: cũ → mới". Filters by actor, unit, action and a range of days (Vietnam days); bad filter
input is a Vietnamese message above an empty list, never a 500. One page is two queries whatever its
length: the entries (newest first, by the ``seq`` index) and the names of their units. It lists
chained entries only: a pending one (written, not yet chained, ``core.platform.audit_chainer``) shows
once it has its place, milliseconds later.

An entry's own page (``/audit/show/<id>``) writes everything out: each change in a row "trường |
trước | sau" (an edit, a workflow step, each value of a save), the other details in words, and the
stored text with the hashes folded below for whoever checks the chain.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta

from flask import abort, request
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import Form, IntegerField, SelectField, StringField
from wtforms.fields import DateField
from wtforms.widgets import TextInput
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from core.platform import clock, labels
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry

PAGE_SIZE = 50
#: Longest change text shown in the list; the entry's own page shows all of it.
CHANGE_CHARS = 300


def _action_choices():
    return [("", _("All actions"))] + sorted(((code, str(name)) for code, name in labels.AUDIT_ACTIONS.items()),
                                             key=lambda choice: choice[1])


class AuditFilter(Form):
    """The list's filters, from the query string; every message is for a person."""

    actor = StringField(_l("Account"), validators=[Optional(), Length(max=200)])
    unit = StringField(_l("Unit code"), validators=[Optional(), Length(max=50)])
    action = SelectField(_l("Action"), choices=_action_choices, validate_choice=False)
    since = DateField(_l("From day"), validators=[Optional()],
                      format=["%d/%m/%Y", "%Y-%m-%d"], widget=TextInput(),
                      render_kw={"placeholder": "dd/mm/yyyy", "size": 10})
    until = DateField(_l("To day"), validators=[Optional()],
                      format=["%d/%m/%Y", "%Y-%m-%d"], widget=TextInput(),
                      render_kw={"placeholder": "dd/mm/yyyy", "size": 10})
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100000)])

    def validate_action(self, field):
        if field.data and field.data not in labels.AUDIT_ACTIONS:
            raise ValidationError(_("Choose an action from the list."))

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_("The last day is before the first day."))

    def messages(self) -> list[str]:
        """One sentence per wrong filter, in Vietnamese (WTForms' own messages are English)."""
        plain = {"since": _("Type the first day as dd/mm/yyyy."), "until": _("Type the last day as dd/mm/yyyy."),
                 "page": _("The page number is not valid."), "actor": _("The account name is too long."),
                 "unit": _("The unit code is too long.")}
        out = []
        for name, errors in self.errors.items():
            own = [e for e in errors if e in (_("Choose an action from the list."),
                                              _("The last day is before the first day."))]
            out.extend(own or [plain.get(name, _("This filter is not valid."))])
        return out


def _utc_start(day) -> datetime:
    """00:00 of a Vietnam day, as the naive UTC the log stores."""
    return datetime.combine(day, time()) - clock.LOCAL_OFFSET


#: What names a created or deleted row in the list (its page shows every column).
NAMING_FIELDS = ("code", "name", "label", "title", "username", "form", "period", "unit")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: A stored time (naive UTC, as the ORM wrote it): shown in Vietnam time.
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?")
#: Stored values that are codes of an enum, by field.
CODED_FIELDS = {"state": "state", "level": "level", "sector": "sector", "action": "action"}


def _shown(key: str, value) -> str:
    if key in CODED_FIELDS and isinstance(value, str):
        return labels.label(CODED_FIELDS[key], value)
    if isinstance(value, str) and value.startswith("plugin:"):
        return labels.plugin_source(value)
    if isinstance(value, str) and ISO_TIME.fullmatch(value):
        return labels.local_time(datetime.fromisoformat(value), seconds=True)
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
    if isinstance(value, (dict, list)):  # the cells of a save, a list of units: counted here, listed on its page
        return _("%(n)d item(s)", n=len(value))
    return str(labels.value(value))


def _details(entry: AuditEntry) -> dict | str:
    """The entry's stored details: a JSON object, else the text as stored."""
    try:
        details = json.loads(entry.changes) if entry.changes else {}
    except ValueError:
        return entry.changes or ""
    return details if isinstance(details, dict) else str(details)


def _step(details: dict) -> tuple[str, str, str]:
    """A workflow step's state change: ("trạng thái", "Đã gửi", "Chờ tỉnh duyệt")."""
    return (labels.field("state"), labels.state(details.get("from")),
            labels.state(details.get("to"), details.get("level")))


def _is_step(entry: AuditEntry, details: dict) -> bool:
    return entry.object_type == "Report" and "to" in details


def change_lines(entry: AuditEntry) -> list[str]:
    """The entry's details as lines a person reads: "trạng thái: Đã gửi → Chờ tỉnh duyệt"."""
    details = _details(entry)
    if isinstance(details, str):
        return [details]
    if _is_step(entry, details):
        lines = ["%s: %s → %s" % _step(details)]
        if details.get("comment"):
            lines.append(f"{labels.field('comment')}: {details['comment']}")
        return lines
    if entry.action in ("create", "delete"):  # named by its name, else by its code
        named = [key for key in NAMING_FIELDS if details.get(key) not in (None, "")]
        if set(named) - {"code"}:
            named = [key for key in named if key != "code"]
        details = {key: details[key] for key in named}
    lines = []
    for key, value in details.items():
        name = labels.field(key)
        if _is_pair(value) and entry.action == "update":
            lines.append(f"{name}: {_shown(key, value[0])} → {_shown(key, value[1])}")
        elif _is_collection_change(value):
            lines.append(f"{name}: +{len(value.get('added', []))} / −{len(value.get('removed', []))}")
        else:
            lines.append(f"{name}: {_shown(key, value)}")
    return lines


def _is_pair(value) -> bool:
    return isinstance(value, list) and len(value) == 2


def _is_collection_change(value) -> bool:
    return isinstance(value, dict) and {"added", "removed"} >= set(value)


def _written(key: str, value) -> str:
    """A value written out in full, as the entry's own page shows it (the list counts lists and mappings)."""
    if isinstance(value, list):
        return ", ".join(_written(key, item) for item in value) or labels.EMPTY
    if isinstance(value, dict):
        return "; ".join(f"{labels.field(k)}: {_written(k, v)}" for k, v in value.items()) or labels.EMPTY
    return _shown(key, value)


def detail_rows(entry: AuditEntry) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Everything the entry records, in words, for its own page: ``(changes, facts)``. A change is
    ``(field, old, new)``, "trường: cũ → mới" in three columns (a workflow step's state, an edited column,
    each value of a save); a fact is ``(field, value)``, every other detail written out in full."""
    details = _details(entry)
    if isinstance(details, str):
        return [], [(str(labels.AUDIT_COLUMNS["changes"]), details)] if details else []
    changes, facts = [], []
    if _is_step(entry, details):
        changes.append(_step(details))
        details = {key: value for key, value in details.items() if key not in ("from", "to")}
    for key, value in details.items():
        name = labels.field(key)
        if _is_pair(value) and entry.action == "update":
            changes.append((name, _written(key, value[0]), _written(key, value[1])))
        elif _is_collection_change(value):
            facts.append((name, "; ".join(f"{sign} {_written(key, value[part])}" for sign, part in
                                          (("+", "added"), ("−", "removed")) if value.get(part)) or labels.EMPTY))
        elif isinstance(value, dict) and value and all(_is_pair(v) for v in value.values()):  # a save's cells
            changes.extend((cell, _written(cell, old), _written(cell, new)) for cell, (old, new) in value.items())
        else:
            facts.append((name, _written(key, value)))
    return changes, facts


def change_text(entry: AuditEntry) -> str:
    text = "; ".join(change_lines(entry))
    return text if len(text) <= CHANGE_CHARS else text[:CHANGE_CHARS] + "…"


def log_page(filters: AuditFilter, query, model, *order) -> dict:
    """One page of a log (the audit log, the access log: both have ``actor``, ``unit_code``, ``action`` and
    ``at``) under ``filters`` from the query string: what its template needs. Two queries: the page (one
    row more, to know whether there is a next one) and the names of its units."""
    entries, more, units = [], False, {}
    valid = filters.validate()
    if valid:
        page = filters.page.data or 1
        if filters.actor.data:
            query = query.where(model.actor == filters.actor.data.strip())
        if filters.unit.data:
            query = query.where(model.unit_code == filters.unit.data.strip())
        if filters.action.data:
            query = query.where(model.action == filters.action.data)
        if filters.since.data:
            query = query.where(model.at >= _utc_start(filters.since.data))
        if filters.until.data:
            query = query.where(model.at < _utc_start(filters.until.data + timedelta(days=1)))
        rows = db.session.execute(query.order_by(*order).offset((page - 1) * PAGE_SIZE)
                                  .limit(PAGE_SIZE + 1)).scalars().all()
        entries, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
        units = labels.unit_names(e.unit_code for e in entries)
    return {"filters": filters, "valid": valid, "entries": entries, "more": more, "units": units,
            "errors": [] if valid else filters.messages(), "page": (filters.page.data or 1) if valid else 1,
            "args": {k: v for k, v in request.args.items() if k != "page" and v}}


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
    label_columns = dict(labels.AUDIT_COLUMNS)
    formatters_columns = {
        "at": labels.local_time_seconds,
        "actor": labels.actor,
        "action": lambda code: labels.label("audit_action", code),
        "object_type": lambda code: labels.label("object_type", code),
        "unit_code": labels.blank,
        "ip": labels.blank,
        "object_id": labels.blank,
    }
    page_size = PAGE_SIZE

    @expose("/list/")
    @has_access
    @permission_name("list")
    def list(self):
        filters = AuditFilter(request.args)
        # Chained entries only: pending ones follow in milliseconds.
        page = log_page(filters, select(AuditEntry).where(AuditEntry.seq.is_not(None)), AuditEntry,
                        AuditEntry.seq.desc())
        return self.render_template("platform/audit.html", title=self.list_title, change_text=change_text, **page)

    @expose("/show/<pk>")
    @has_access
    @permission_name("show")
    def show(self, pk):
        """One entry in words: who, for which unit, what, and each change as "trường: cũ → mới"; the stored
        text and the hashes below, for whoever checks the chain."""
        entry = db.session.get(AuditEntry, int(pk)) if str(pk).isdigit() else None
        if entry is None:
            abort(404)
        changes, facts = detail_rows(entry)
        return self.render_template(
            "platform/audit_show.html", title=self.show_title, entry=entry, changes=changes, facts=facts,
            unit_name=labels.unit_names([entry.unit_code]).get(entry.unit_code) if entry.unit_code else None,
            columns=labels.AUDIT_COLUMNS)
