"""Outage backfill on screen (W7): the system administrator records a report received outside the system.

``/backfill/`` finds a report not yet sent (draft or returned) by unit, form
and period, a page in one query. ``/backfill/<id>`` shows the report's fields
(the entry page's partial), the real time it was received, the reason and
the signed scan; posting it calls :func:`workflows.backfill.backfill` in one
transaction. When anything is wrong nothing is saved, and the page comes back
with what was typed and the reasons next to the fields.

Times are typed as the province's clock shows them (DD/MM/YYYY HH:MM) and
stored in UTC like every other time.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from core.platform import datetimes
from core.reporting import attachments, entry
from core.platform.extensions import db
from core.forms.models.form import Form
from core.forms.models.period import Period
from core.reporting.models import Report
from core.hierarchy.models import Unit
from core.hierarchy.scope import condition, current_account
from core.reporting.views.entry import dmy, field_context, state_badge
from workflows import backfill as service
from workflows.service import Refused

OPEN_STATES = ("draft", "returned")
PAGE_SIZE = 50
#: The page's own inputs; a leading "_" keeps them out of the report's values (core.reporting.entry ignores such keys).
RECEIVED, NOTE, SCAN = "_received_at", "_note", "_scan"


def read_time(text: str) -> tuple[datetime | None, str | None]:
    """``DD/MM/YYYY HH:MM`` on the province's clock as naive UTC, or None and why not."""
    text = (text or "").strip()
    if not text:
        return None, _("Enter the date and time the report was received.")
    local = datetimes.parse_local(text)  # the datetime-local input's value, or typed where a browser lacks it
    if local is not None:
        return datetimes.local_to_utc(local), None
    return None, _("Enter the date and time as DD/MM/YYYY HH:MM, for example 19/12/2026 09:30.")


def _input_value(text: str) -> str:
    """What was typed, as the datetime-local input's value when it can be read (else as typed)."""
    local = datetimes.parse_local(text)
    return local.strftime(datetimes.INPUT_FORMAT) if local is not None else (text or "")


def _filters() -> dict:
    args = request.args
    return {"unit": (args.get("unit") or "").strip()[:100], "form": args.get("form", type=int),
            "period": args.get("period", type=int)}


def _open_report(pk: int) -> Report | None:
    """A report not yet sent, with what the page and the service read, in one query."""
    return db.session.execute(
        select(Report).options(joinedload(Report.form), joinedload(Report.version), joinedload(Report.period),
                               joinedload(Report.unit))
        .where(Report.id == pk, condition(Report, current_account()))
    ).scalar_one_or_none()


class BackfillView(BaseView):
    """``/backfill/``: choose a report not yet sent, then record it as received on paper."""

    route_base = "/backfill"
    default_view = "index"
    base_permissions = ["can_list", "can_record"]

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        filters = _filters()
        page = max(request.args.get("page", 0, type=int), 0)
        where = [Report.state.in_(OPEN_STATES), condition(Report, current_account())]
        if filters["unit"]:
            text = filters["unit"]
            where.append(Unit.code.icontains(text, autoescape=True) | Unit.name.icontains(text, autoescape=True))
        if filters["form"]:
            where.append(Report.form_id == filters["form"])
        if filters["period"]:
            where.append(Report.period_id == filters["period"])
        rows = db.session.execute(
            select(Report, func.count().over().label("total"))
            .join(Report.form).join(Report.period).join(Report.unit)
            .options(contains_eager(Report.form), contains_eager(Report.period), contains_eager(Report.unit))
            .where(*where)
            .order_by(Report.deadline.desc(), Unit.path, Report.id)
            .limit(PAGE_SIZE).offset(page * PAGE_SIZE)
        ).all()
        forms = db.session.execute(select(Form.id, Form.name).where(
            Form.id.in_(select(Report.form_id).where(Report.state.in_(OPEN_STATES)))).order_by(Form.name)).all()
        periods = db.session.execute(select(Period.id, Period.name).where(
            Period.id.in_(select(Report.period_id).where(Report.state.in_(OPEN_STATES))))
            .order_by(Period.start.desc())).all()
        return self.render_template(
            "reporting/backfill/list.html", rows=rows, total=rows[0].total if rows else 0, page=page,
            page_size=PAGE_SIZE, filters=filters, forms=forms, periods=periods,
            query=urlencode({k: v for k, v in filters.items() if v not in (None, "")}),
            state_label=entry.state_label, dmy=dmy, title=_("Record a report received outside the system"))

    @expose("/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("record")
    def record(self, pk):
        report = _open_report(pk)
        if report is None:
            abort(404)
        if report.state not in OPEN_STATES:
            flash(_("Only a report not yet sent can be recorded as received outside the system."), "warning")
            return redirect(url_for("ReportsView.entry", pk=pk))
        if request.method == "GET":
            return self._page(report, {}, None, {})
        return self._post(report)

    def _post(self, report: Report):
        form = request.form
        raw = {k: v for k, v in form.items() if not k.startswith("_") and k != "csrf_token"}
        upload = request.files.get(SCAN)
        has_scan = upload is not None and bool(upload.filename)
        received_at, unreadable = read_time(form.get(RECEIVED, ""))
        errors = service.problems(db.session, report, raw, received_at, form.get(NOTE, ""), has_scan)
        if unreadable:
            errors["received_at"] = [unreadable]
        if not errors:
            try:
                service.backfill(db.session, report, raw, received_at, current_account(), form[NOTE],
                                 scan=(upload.stream, upload.filename))
            except attachments.AttachmentError as exc:
                errors = {"file": [str(exc)]}
            except (Refused, entry.EntryRefused) as exc:
                errors = {"values": getattr(exc, "errors", {}), "_": [str(exc)]}
            except Exception:
                db.session.rollback()
                raise
            else:
                db.session.commit()
                flash(_("Recorded as received on %(at)s and sent for review.", at=form[RECEIVED].strip()),
                      "success")
                return redirect(url_for("ReportsView.entry", pk=report.id))
        db.session.rollback()  # nothing of this post stays
        report = _open_report(report.id)
        flash(_("Not recorded: correct what is marked in red, then send again."), "danger")
        return self._page(report, errors, form, form), 422

    def _page(self, report: Report, errors: dict, posted, typed):
        values_errors = errors.get("values") or {}
        return self.render_template(
            "reporting/backfill/form.html", report=report, **field_context(report, values_errors, posted),
            own_errors=errors, typed=typed, received_value=_input_value((typed or {}).get(RECEIVED, "")), names={"received_at": RECEIVED, "note": NOTE, "file": SCAN},
            state_badge=state_badge, deadline=dmy(report.deadline),
            title=_("Record a report received outside the system"))
