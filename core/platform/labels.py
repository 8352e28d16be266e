"""The one place where a stored code becomes the words an officer reads (issue 15, item 6).

Reports, audit entries, notifications, units and plugins store codes (``submitted``, ``province``,
``approve:5``, ``dan_toc``, ``plugin:cao_bang``, ``True``); a screen shows their Vietnamese names.
Every screen, template (Jinja filters installed by :func:`install`), FAB ``formatters_columns``
and API ``label_columns`` read them from here, so a state is named the same on the entry page,
in the review inbox, in the history, in the audit log and in a refusal.

Labels are lazy English msgids translated by the catalogue (core/translations), as everywhere else.
An unknown code is shown as it is: a new plugin's action is readable, never an error.
"""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.platform import clock

#: What an empty value reads as in a table.
EMPTY = "—"

#: Report states (CONTRACT); a submitted report is named by the level holding it, see :func:`state`.
STATES = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "approved": _l("Approved"),
    "returned": _l("Returned"),
    "correction_requested": _l("Correction requested"),
    "closed": _l("Closed (unit reorganised)"),
}
#: A submitted report, by the level whose reviewer holds it: "Chờ tỉnh duyệt", not "Đã gửi".
WAITING = {
    "province": _l("Waiting for the province's review"),
    "district": _l("Waiting for the district's review"),
    "commune": _l("Waiting for the commune's review"),
}
#: The workflow actions as buttons and refusals name them (S10: "Duyệt", not "approve").
ACTIONS = {
    "submit": _l("Submit for review"),
    "recall": _l("Recall"),
    "approve": _l("Approve"),
    "return": _l("Return to the unit"),
    "request_correction": _l("Request a correction"),
    "reopen": _l("Reopen for correction"),
    "reject_correction": _l("Refuse the correction"),
    "close": _l("Close"),
    "reassign": _l("Hand over to the successor unit"),
}
#: The standard hierarchy levels (a plugin's own level names, from the hierarchy hook, come first).
LEVELS = {
    "province": _l("Province level"),
    "district": _l("District level"),
    "commune": _l("Commune level"),
}
#: Roles as data (core.hierarchy.roles takes its titles from here) and FAB's own.
ROLES = {
    "Admin": _l("System administrator"),
    "UnitAdmin": _l("Unit administrator"),
    "Reporter": _l("Reporter"),
    "Reviewer": _l("Reviewer"),
    "Viewer": _l("Leader (read only)"),
    "Public": _l("Not signed in"),
}
#: What a notification is about: its kind is ``<action>:<transition id>``, ``urge:<day>`` or a reminder.
NOTIFICATIONS = {
    "submit": _l("Waiting for review"),
    "approve": _l("Approved"),
    "return": _l("Returned"),
    "recall": _l("Recalled by the unit"),
    "request_correction": _l("Correction requested"),
    "reopen": _l("Reopened for correction"),
    "reject_correction": _l("Correction refused"),
    "due_soon": _l("Due soon"),
    "late": _l("Late"),
    "urge": _l("Reminder to send"),
    "request": _l("Data request"),
}
#: Sectors (ngành, lĩnh vực) of units and forms.
SECTORS = {
    "dan_toc": _l("Ethnic affairs"),
    "ton_giao": _l("Religious affairs"),
    "giao_duc": _l("Education"),
    "y_te": _l("Health"),
    "noi_vu": _l("Home affairs"),
    "nong_nghiep": _l("Agriculture"),
    "tai_chinh": _l("Finance"),
    "thong_ke": _l("Statistics"),
    "thue": _l("Taxation"),
    "cong_an": _l("Public security"),
    "cong_nghe_thong_tin": _l("Information technology"),
    "tong_hop": _l("General"),
    "van_hoa": _l("Culture"),
}
#: Audit actions: the ORM's row changes and the explicit events recorded with ``audit.record``.
AUDIT_ACTIONS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "login": _l("Signed in"),
    "logout": _l("Signed out"),
    "login_failed": _l("Failed sign-in"),
    "login_refused": _l("Sign-in refused"),
    "account.create": _l("Account issued"),
    "account.edit": _l("Account edited"),
    "account.delete": _l("Account deleted"),
    "account.lock": _l("Account locked"),
    "account.lock_skipped": _l("Account lock skipped"),
    "account.unlock": _l("Account unlocked"),
    "account.close": _l("Account closed"),
    "account.reset": _l("Password reset"),
    "account.handover": _l("Account handed over"),
    "account.signout": _l("Sessions ended"),
    "account.password_change": _l("Password changed"),
    "report.submit": _l("Report submitted"),
    "report.recall": _l("Report recalled"),
    "report.approve": _l("Report approved"),
    "report.return": _l("Report returned"),
    "report.request_correction": _l("Correction requested"),
    "report.reopen": _l("Report reopened"),
    "report.reject_correction": _l("Correction refused"),
    "report.backfill": _l("Report recorded after an outage"),
    "report.close": _l("Report closed (unit reorganised)"),
    "report.reassign": _l("Report handed over to the successor unit"),
    "reorganisation.create": _l("Reorganisation drafted"),
    "reorganisation.update": _l("Reorganisation changed"),
    "reorganisation.apply": _l("Reorganisation applied"),
    "reorganisation.handover": _l("Unit officer's duty ended by a reorganisation"),
    "report.save": _l("Report values saved"),
    "report.attach": _l("File attached"),
    "report.urge": _l("Units urged"),
    "reports.assign": _l("Reports assigned"),
    "request.create": _l("Data request sent"),
    "unit.move": _l("Unit moved"),
    "units.import": _l("Units imported"),
    "units.export": _l("Units exported"),
    "form.publish": _l("Form published"),
    "form.import": _l("Form imported"),
    "form.export": _l("Form exported"),
    "form.copy": _l("Form copied"),
    "plugin.enable": _l("Plugin switched on"),
    "plugin.disable": _l("Plugin switched off"),
    "permissions.sync": _l("Permissions synchronised"),
    "keys.rotate_fields": _l("Field key rotated"),
    "keys.rotate_attachments": _l("Attachment key rotated"),
    "export.queue": _l("Export started"),
    "export.download": _l("Export downloaded"),
    "analysis.download": _l("Analysis downloaded"),
    "incidents.export": _l("Incidents exported"),
    "exchange.import": _l("Data imported"),
    "exchange.intake": _l("Data received from a source"),
    "exchange.outbox.queue": _l("Sending to the national system queued"),
    "exchange.outbox.sent": _l("Sent to the national system"),
    "exchange.outbox.attempt": _l("Sending to the national system failed"),
    "usage.monthly_report": _l("Monthly usage report"),
    "usage.yearly_report": _l("Yearly usage report"),
    "backup.create": _l("Backup made"),
    "backup.verify": _l("Backup verified"),
    "backup.restore_test": _l("Restore test"),
    "restore_test": _l("Restore test"),
    "cli.init": _l("System initialised"),
    "audit.access_sealed": _l("Access log sealed"),
}
#: What the access log records (core/platform/access_log.py): reads that change nothing.
ACCESS_ACTIONS = {
    "download": _l("Downloaded a file"),
    "refused": _l("Access refused"),
    "logout": _l("Signed out"),
}
#: Audit object types: the model's class name, as the log stores it.
OBJECT_TYPES = {
    "Account": _l("Account"),
    "Role": _l("Role"),
    "Unit": _l("Unit"),
    "UnitHolder": _l("Unit officer"),
    "Reorganisation": _l("Administrative reorganisation"),
    "Report": _l("Report"),
    "ReportValue": _l("Report value"),
    "Attachment": _l("Attachment"),
    "Transition": _l("Report history"),
    "Notification": _l("Notification"),
    "Request": _l("Data request"),
    "Form": _l("Form"),
    "FormSection": _l("Form section"),
    "FormField": _l("Form field"),
    "FormRule": _l("Check rule"),
    "FormVersion": _l("Form version"),
    "Indicator": _l("Indicator"),
    "Category": _l("Disaggregation"),
    "CategoryOption": _l("Disaggregation option"),
    "CategoryCombo": _l("Disaggregation combination"),
    "ComboCategory": _l("Disaggregation of a combination"),
    "Period": _l("Period"),
    "Schedule": _l("Reporting schedule"),
    "Plugin": _l("Plugin"),
    "PluginState": _l("Plugin"),
    "BackupRun": _l("Backup"),
    "MaintenanceNotice": _l("Maintenance notice"),
    "Incident": _l("Incident"),
    "ExportJob": _l("Export"),
    "ExportTemplate": _l("Export template"),
    "AnalysisScenario": _l("Analysis scenario"),
    "ExchangeMapping": _l("Code mapping"),
    "IntakeSource": _l("Intake source"),
    "OutboxMessage": _l("Message to the national system"),
    "AccessEntry": _l("Access log"),
}
#: Stored field names as a change in the audit log names them ("trạng thái: Đã gửi → Đã duyệt").
FIELDS = {
    "state": _l("state"), "level": _l("level"), "name": _l("name"), "code": _l("code"), "active": _l("active"),
    "comment": _l("comment"), "form": _l("form"), "period": _l("period"), "unit": _l("unit"),
    "password": _l("password"), "username": _l("account"), "first_name": _l("first name"),
    "last_name": _l("last name"), "email": _l("e-mail"), "phone": _l("phone"), "unit_id": _l("unit"),
    "must_change_password": _l("must change the password"), "locked_until": _l("locked until"),
    "label": _l("label"), "title": _l("title"), "type": _l("type"), "required": _l("required"),
    "deadline": _l("deadline"), "value": _l("value"), "file": _l("file"), "units": _l("units"),
    "by": _l("by"), "version": _l("version"), "ok": _l("succeeded"), "published_version": _l("published version"),
    "enabled": _l("switched on"), "message": _l("message"), "starts_at": _l("starts at"), "ends_at": _l("ends at"),
    "sector": _l("sector"), "parent_id": _l("parent unit"), "path": _l("place in the tree"),
    "source": _l("source"), "unchanged": _l("unchanged"), "updated": _l("updated"), "fields": _l("fields"),
    "rules": _l("rules"), "sections": _l("sections"), "members": _l("members"), "options": _l("options"),
    "categories": _l("categories"), "roles": _l("roles"),
    "created": _l("created"), "day": _l("day"), "forms_periods": _l("forms and periods"),
    "cells": _l("values changed"), "reopened": _l("reopened"), "tables": _l("tables"), "rows": _l("rows"),
}
#: The audit log's columns, on its screen and in ``/api/v1/audit/``.
AUDIT_COLUMNS = {
    "id": _l("Id"), "seq": _l("No."), "at": _l("Time"), "actor": _l("Actor"), "actor_id": _l("Account id"),
    "unit_code": _l("Unit"), "ip": _l("IP address"), "action": _l("Action"), "object_type": _l("Object type"),
    "object_id": _l("Object"), "changes": _l("Changes"), "prev_hash": _l("Previous hash"), "hash": _l("Hash"),
    "key_id": _l("Key"),
}
#: The access log's columns (core/platform/views/access_log.py).
ACCESS_COLUMNS = {
    **AUDIT_COLUMNS, "method": _l("Method"), "path": _l("Address"), "status": _l("Outcome"),
    "details": _l("Details"), "mac": _l("Seal code"), "sealed_by": _l("In the audit chain"),
}
#: Who acted when no one signed in did.
ACTORS = {"system": _l("System (scheduled job)"), "anonymous": _l("Not signed in")}

_MAPS = {"state": STATES, "action": ACTIONS, "level": LEVELS, "role": ROLES, "notification": NOTIFICATIONS,
         "sector": SECTORS, "audit_action": AUDIT_ACTIONS, "object_type": OBJECT_TYPES,
         "access_action": ACCESS_ACTIONS}


def label(kind: str, code) -> str:
    """The Vietnamese name of ``code`` among the ``kind`` codes; the code itself when unknown, "—" when empty."""
    if code is None or code == "":
        return EMPTY
    found = _MAPS[kind].get(code)
    return str(found) if found is not None else str(code)


def state(code: str | None, level: str | None = None) -> str:
    """A report's state; a submitted one held at ``level`` reads "Chờ tỉnh duyệt"."""
    if code == "submitted" and level in WAITING:
        return str(WAITING[level])
    return label("state", code)


def sector(code: str | None) -> str:
    return label("sector", code)


def field(code: str) -> str:
    found = FIELDS.get(code)
    return str(found) if found is not None else code


def notification(kind: str | None) -> str:
    """``approve:5`` → "Đã duyệt"; ``urge:2026-12-01`` → "Đôn đốc nộp báo cáo"."""
    return label("notification", (kind or "").split(":", 1)[0] or None)


def plugin_source(source: str | None) -> str:
    """Where a form or hook comes from: ``bundled``/``board`` (this system), ``plugin:cao_bang``."""
    if source and source.startswith("plugin:"):
        return _("Plugin %(name)s", name=source.split(":", 1)[1])
    if source in (None, "", "board"):
        return _("Designed here")
    if source in ("bundled", "core"):
        return _("Built in")
    if source == "entry_point":
        return _("Installed package")
    return source


def actor(name: str | None) -> str:
    if name and name.startswith("cli:"):
        return _("Command line (%(user)s)", user=name.split(":", 1)[1])
    found = ACTORS.get(name or "")
    return str(found) if found is not None else (name or EMPTY)


def yes_no(value) -> str:
    """True/False as "Có"/"Không"; None stays empty ("—")."""
    if value is None:
        return EMPTY
    return _("Yes") if value else _("No")


def blank(value):
    """None (and "") as "—": a table cell never says None."""
    return EMPTY if value is None or value == "" else value


def local_time(value, seconds: bool = False) -> str:
    """A stored time (naive UTC) as Vietnam reads it, ``10/11/2026 09:00`` (``:05`` with ``seconds``);
    a date as ``10/11/2026``; None as "—"."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, datetime):
        return clock.local(value).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def local_time_seconds(value) -> str:
    return local_time(value, seconds=True)


def file_size(n: int, smallest: str = "B") -> str:
    """A size in bytes as a person reads it, in Vietnamese numbers: "850 B", "12,5 KB", "5 MB";
    ``smallest="KB"`` for a column of sizes in KB at least ("0,1 KB")."""
    from flask_babel import format_decimal

    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale or unit == smallest:
            return f"{format_decimal(n / scale, format='#,##0.#')} {unit}"
    return f"{n} B"


def value(value):
    """Any stored value as a table shows it: booleans in words, times in Vietnam time, None as "—"."""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, (datetime, date)):
        return local_time(value)
    return blank(value)


# --- unit names, which the platform cannot read itself -------------------------------------------


def on_unit_names(app, resolver) -> None:
    """Register ``resolver(codes) -> {code: name}``: the hierarchy area does, from the app factory,
    so the platform's screens (the audit log) name units without importing an area."""
    app.extensions["baocao.unit_names"] = resolver


def unit_names(codes) -> dict[str, str]:
    """``{unit code: unit name}`` for ``codes`` in one query (none when nothing is registered)."""
    codes = {c for c in codes if c}
    resolver = current_app.extensions.get("baocao.unit_names") if has_app_context() else None
    return resolver(codes) if codes and resolver else {}


def localise_views(appbuilder) -> list[str]:
    """Give every registered screen's columns without a formatter of their own one that shows times in
    Vietnam time, booleans as "Có"/"Không" and empty values as "—": a new screen cannot show UTC,
    ``True`` or ``None`` by forgetting one. Returns the ``View.column`` names given one."""
    from flask_appbuilder import ModelView
    from sqlalchemy import Boolean, DateTime

    changed = []
    for view in appbuilder.baseviews:
        if not isinstance(view, ModelView):
            continue
        model = view.datamodel.obj
        for column in set(view.list_columns) | set(view.show_columns or []):
            if column in view.formatters_columns:
                continue
            props = getattr(getattr(getattr(model, column, None), "property", None), "columns", None)
            kind = getattr(props[0], "type", None) if props else None
            if isinstance(kind, DateTime):
                view.formatters_columns[column] = local_time
            elif isinstance(kind, Boolean):
                view.formatters_columns[column] = yes_no
            else:
                view.formatters_columns[column] = value  # None as "—", and whatever it holds as words
            changed.append(f"{type(view).__name__}.{column}")
    return changed


FILTERS = {
    "label": label, "state_label": state, "notification_label": notification, "plugin_source": plugin_source,
    "actor_label": actor, "yes_no": yes_no, "blank": blank, "local_time": local_time, "value_label": value,
}


def install(app) -> None:
    """The Jinja filters every template uses: ``{{ report.state|state_label(report.level) }}``,
    ``{{ entry.at|local_time(seconds=True) }}``, ``{{ unit.sector|label('sector') }}``, ``{{ x|yes_no }}``."""
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.filters["label"] = lambda code, kind: label(kind, code)
