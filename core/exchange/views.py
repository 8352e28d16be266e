"""Admin screens of the data exchange (R3, R6, R9): mapping tables, intake sources, the outbox.

System administrators only (:data:`core.hierarchy.roles.ADMIN_ONLY`). The outbox is
read-only: messages are written by approvals and moved by the delivery job;
a failed one can be put back in the queue.
"""
from __future__ import annotations

from flask import flash, redirect
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, ValidationError

from core.platform import clock, jobs
from core.platform.extensions import db
from core.exchange.models import ExchangeMapping, IntakeSource, OutboxMessage
from core.exchange.models import FORMATS, MAPPING_KINDS

KIND_LABELS = {"unit": _l("Unit"), "form": _l("Form (data set)"), "field": _l("Field (data element)"),
               "period": _l("Period"), "cell": _l("Disaggregation cell (category option combo)")}
FORMAT_LABELS = {"json": "DHIS2 dataValueSets JSON", "adx": "ADX XML", "csv": "DHIS2 CSV"}


def _valid_schedule(form, field) -> None:
    from croniter import croniter

    if not croniter.is_valid(field.data or ""):
        raise ValidationError(_("Enter a cron schedule of five fields, e.g. 0 2 * * * (every night at 2:00)."))


def _web_address(form, field) -> None:
    if not (field.data or "").strip().lower().startswith(("http://", "https://")):
        raise ValidationError(_("Enter a web address starting with http:// or https://."))


class ExchangeMappingView(ModelView):
    """R9: which of our codes is which code in another system; a code without a row is used as it is."""

    datamodel = SQLAInterface(ExchangeMapping)
    route_base = "/exchange/mappings"
    exclude_route_methods = {"download", "action", "action_post"}
    list_title = _l("Code mappings")
    show_title = add_title = edit_title = _l("Code mapping")
    list_columns = ["system", "kind", "local_code", "external_code"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = list_columns
    base_order = ("system", "asc")
    page_size = 50
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": SelectField(_l("Kind"), choices=[(k, KIND_LABELS[k]) for k in MAPPING_KINDS], widget=Select2Widget()),
    }
    label_columns = {"system": _l("Other system"), "kind": _l("Kind"), "local_code": _l("Our code"),
                     "external_code": _l("Code in the other system")}
    description_columns = {"system": _l("A short name, e.g. national; given as ?system= when exchanging.")}


class IntakeSourceView(ModelView):
    """R6: a provider's data service, taken in on a schedule."""

    datamodel = SQLAInterface(IntakeSource)
    route_base = "/exchange/intake"
    exclude_route_methods = {"download", "action"}  # actions from the list (action_post) only
    list_title = _l("Intake sources")
    show_title = _l("Intake source")
    add_title = _l("Add an intake source")
    edit_title = _l("Edit intake source")
    list_columns = ["name", "format", "schedule", "enabled", "last_run_at", "last_status"]
    add_columns = edit_columns = ["name", "url", "format", "system", "form_code", "schedule", "enabled"]
    show_columns = add_columns + ["last_run_at", "last_status", "last_error"]
    search_columns = ["name", "url", "format", "enabled", "last_status"]
    base_order = ("name", "asc")
    add_form_extra_fields = edit_form_extra_fields = {
        "format": SelectField(_l("Format"), choices=[(f, FORMAT_LABELS[f]) for f in FORMATS],
                              widget=Select2Widget()),
    }
    validators_columns = {"schedule": [_valid_schedule], "url": [_web_address]}
    label_columns = {"name": _l("Name"), "url": _l("Address (URL)"), "format": _l("Format"),
                     "system": _l("Mapping system"), "form_code": _l("Form code"), "schedule": _l("Schedule (cron)"),
                     "enabled": _l("Enabled"), "last_run_at": _l("Last run (UTC)"), "last_status": _l("Last result"),
                     "last_error": _l("Errors of the last run")}
    description_columns = {
        "system": _l("The mapping tables that translate the provider's codes; empty when they are ours."),
        "form_code": _l("The form the data goes into when the file does not name it (CSV)."),
        "schedule": _l("Province time, e.g. 0 2 * * * for every night at 2:00."),
    }

    @expose("/action_post", methods=["POST"])
    @has_access
    @permission_name("pull")
    def action_post(self):
        """FAB reads the posted action before checking access (a 400 to anyone); check first."""
        return super().action_post()

    @action("pull", _l("Pull now"), _l("Pull the selected sources now?"), "fa-download")
    def pull(self, items):
        items = [item for item in (items if isinstance(items, list) else [items]) if item is not None]
        for item in items:
            jobs.enqueue("core.exchange.intake:pull", item.id, key=f"intake-{item.id}-now")
        flash(_("%(count)d source(s) queued for pulling.", count=len(items)), "success")
        self.update_redirect()
        return redirect(self.get_redirect())


class OutboxView(ModelView):
    """R3: what went, or waits to go, to the national reporting system."""

    datamodel = SQLAInterface(OutboxMessage)
    route_base = "/exchange/outbox"
    base_permissions = ["can_list", "can_show", "can_retry"]
    include_route_methods = {"list", "show", "action_post"}
    base_order = ("id", "desc")
    list_title = _l("Outbox to the national system")
    show_title = _l("Outbox message")
    list_columns = ["id", "report_id", "status", "attempts", "created_at", "next_attempt_at", "sent_at"]
    show_columns = list_columns + ["destination", "content_type", "last_error", "payload"]
    search_columns = ["status", "report_id", "created_at", "sent_at"]
    label_columns = {"id": _l("No."), "report_id": _l("Report"), "status": _l("Status"), "attempts": _l("Attempts"),
                     "created_at": _l("Queued (UTC)"), "next_attempt_at": _l("Next attempt (UTC)"),
                     "sent_at": _l("Sent (UTC)"), "destination": _l("Destination"),
                     "content_type": _l("Content type"), "last_error": _l("Last error"), "payload": _l("Content")}
    page_size = 50

    @expose("/action_post", methods=["POST"])
    @has_access
    @permission_name("retry")
    def action_post(self):
        """FAB reads the posted action before checking access (a 400 to anyone); check first."""
        return super().action_post()

    @action("retry", _l("Send again"), _l("Put the selected messages back in the queue?"), "fa-repeat")
    def retry(self, items):
        items = [item for item in (items if isinstance(items, list) else [items]) if item is not None]
        for item in items:
            if item.status != "sent":
                item.status, item.next_attempt_at = "pending", clock.utcnow()
        db.session.commit()
        jobs.enqueue("core.exchange.outbox:deliver", key="exchange-outbox-deliver")
        flash(_("%(count)d message(s) queued again.", count=len(items)), "success")
        self.update_redirect()
        return redirect(self.get_redirect())
