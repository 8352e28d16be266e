"""Reviewing reports on screen (the CONTRACT workflow): buttons on the entry page, the reviewer's
inbox with bulk approval, and the reporting unit's own reports by state.

Every move goes through :func:`workflows.service.transition`, the same as the
API: the screen only offers the actions the machine accepts from the report's
state *and* the service lets the caller take (:func:`actions_for`), and shows
the service's reasons, in the user's language, when it still refuses.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from sqlalchemy import and_, false, func, select
from sqlalchemy.orm import contains_eager

from core.reporting import entry
from core.platform import labels

from core.platform.extensions import db
from core.forms.definitions import fields_of
from core.accounts.models import Account
from core.forms.models.form import Form
from core.forms.models.period import Period
from core.reporting.models import Report, Transition
from core.hierarchy.models import Unit
from core.hierarchy.scope import condition, current_account, is_system_admin
from workflows import machine, service

ACTION_STYLES = {"submit": "primary", "approve": "success", "return": "warning", "recall": "default",
                 "request_correction": "warning", "reopen": "primary", "reject_correction": "danger"}
#: The order the unit's own reports are grouped in: what needs its work first.
MY_STATE_ORDER = ("returned", "draft", "correction_requested", "submitted", "approved")
PAGE_SIZE = 50
MY_LIMIT = 500


def actions_for(actor: Account | None, report: Report) -> list[str]:
    """The actions ``actor`` may take on ``report`` now: the machine's, then the service's who-may-act."""
    if actor is None:
        return []
    levels = service.chain(report)
    step = report.review_step
    possible = machine.allowed(report.state, last_level=step >= len(levels) - 1, approved_once=step > 0)
    return [a for a in possible if service.may_act(actor, report, a, levels)]


def workflow_context(report: Report, actor: Account | None) -> dict:
    """What the entry page shows of the workflow: buttons, the return reason, the history."""
    history = db.session.execute(select(Transition).where(Transition.report_id == report.id)
                                 .order_by(Transition.id)).scalars().all()
    reason = None
    if report.state == "returned":
        returned = [t for t in history if t.action == "return"]
        reason = returned[-1] if returned else None
    return {
        "actions": [{"code": a, "label": entry.action_label(a), "style": ACTION_STYLES.get(a, "default"),
                     "needs_comment": a in machine.NEEDS_COMMENT} for a in actions_for(actor, report)],
        "history": history,
        "return_reason": reason,
        "action_label": entry.action_label,
        "state_label": entry.state_label,
        # who acted, by the name of their unit ("Phòng Dân tộc huyện …", not "040 (040)"): one query
        "unit_names": labels.unit_names(t.unit_code for t in history),
    }


def _refusal_messages(report: Report, exc: service.Refused) -> list[str]:
    """The service's reasons, and for missing or wrong values the field labels with their messages."""
    messages = list(exc.reasons)
    if exc.errors:
        labels = {code: f["label"] for code, f in fields_of(report.version.definition).items()}
        for key, errs in exc.errors.items():
            code = key.split("[", 1)[0]
            name = labels.get(code, key) if key != entry.RULES_KEY else _("Rules")
            messages.extend(f"{name}: {m}" for m in errs)
    return messages


def post_transition(report: Report):
    """``POST /reports/<id>/transition`` (the entry page's buttons): one action through the service."""
    action = request.form.get("action", "")
    comment = request.form.get("comment", "")
    seen = request.form.get("lock_version", "")
    seen_version = int(seen) if seen.isdigit() else None
    back = url_for("ReportsView.entry", pk=report.id)
    if action not in machine.ACTIONS:
        flash(_("Unknown action %(action)s.", action=action), "danger")
        return redirect(back)
    try:
        service.transition(db.session, report, action, current_account(), comment, seen_version=seen_version)
    except service.Refused as exc:
        db.session.rollback()
        flash(_("Not done: %(action)s.", action=entry.action_label(action)), "danger")
        for message in _refusal_messages(report, exc):
            flash(message, "danger")
        return redirect(back)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    # a district's approval leaves the report "submitted", now held by the province: say so
    flash(_("Done: %(action)s. The report is now %(state)s.", action=entry.action_label(action),
            state=entry.state_label(report.state, report.level)), "success")
    return redirect(back)


# --- the reviewer's inbox --------------------------------------------------------------------


def waiting_condition(account: Account | None):
    """Submitted reports held at the caller's level in its subtree (all submitted ones for a system admin)."""
    if is_system_admin(account):
        return Report.state == "submitted"
    unit = account.unit if account is not None else None
    if unit is None:
        return false()
    return and_(Report.state == "submitted", Report.level == unit.level, Report.unit_id != unit.id,
                Unit.path.startswith(unit.path, autoescape=True), condition(Report, account))


def _filters() -> dict:
    args = request.args
    return {"form": args.get("form", type=int), "period": args.get("period", type=int),
            "unit": (args.get("unit") or "").strip()[:100], "late": args.get("late", "")}


def _filter_query(filters: dict) -> str:
    kept = {k: v for k, v in filters.items() if v not in (None, "")}
    return urlencode(kept)


class ReviewInboxView(BaseView):
    """``/review/``: what waits for the caller's level, filtered, with "Approve selected"."""

    route_base = "/review"
    default_view = "index"
    base_permissions = ["can_list", "can_approve"]

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        account = current_account()
        filters = _filters()
        page = max(request.args.get("page", 0, type=int), 0)
        where = [waiting_condition(account)]
        if filters["form"]:
            where.append(Report.form_id == filters["form"])
        if filters["period"]:
            where.append(Report.period_id == filters["period"])
        if filters["unit"]:
            text = filters["unit"]
            where.append(Unit.code.ilike(f"%{text}%") | Unit.name.ilike(f"%{text}%"))
        if filters["late"] in ("1", "0"):
            where.append(Report.late.is_(True) if filters["late"] == "1" else Report.late.is_(False))
        # One query for the page: the reports, their form, period and unit, the late flag and the total.
        rows = db.session.execute(
            select(Report, Report.late.label("is_late"), func.count().over().label("total"))
            .join(Report.form).join(Report.period).join(Report.unit)
            .options(contains_eager(Report.form), contains_eager(Report.period), contains_eager(Report.unit))
            .where(*where)
            .order_by(Report.deadline, Unit.path, Report.id)
            .limit(PAGE_SIZE).offset(page * PAGE_SIZE)
        ).all()
        total = rows[0].total if rows else 0
        # The filter choices: the forms and periods of what waits (one small query).
        choices = db.session.execute(
            select(Form.id, Form.name, Period.id, Period.name)
            .select_from(Report).join(Report.form).join(Report.period).join(Report.unit)
            .where(waiting_condition(account)).distinct()
        ).all()
        forms = sorted({(r[0], r[1]) for r in choices}, key=lambda x: x[1])
        periods = sorted({(r[2], r[3]) for r in choices}, key=lambda x: x[1])
        return self.render_template(
            "reporting/review/inbox.html", rows=rows, total=total, page=page, page_size=PAGE_SIZE,
            filters=filters, forms=forms, periods=periods, query=_filter_query(filters),
            state_label=entry.state_label, deadline_text=entry.deadline_text,
            title=_("Reports waiting for my review"))

    @expose("/approve", methods=["POST"])
    @has_access
    @permission_name("approve")
    def approve(self):
        """Approve the selected reports one by one through the service; say what succeeded and what not."""
        account = current_account()
        picked: dict[int, int | None] = {}
        for value in request.form.getlist("report"):
            pk, _sep, version = value.partition(":")
            if pk.isdigit():
                picked[int(pk)] = int(version) if version.isdigit() else None
        back = url_for("ReviewInboxView.index")
        query = request.form.get("query", "")
        if query and all(c.isalnum() or c in "=&%+-_.~" for c in query):
            back += "?" + query
        if not picked:
            flash(_("Select at least one report."), "warning")
            return redirect(back)
        reports = db.session.execute(
            select(Report).join(Report.unit).where(Report.id.in_(list(picked)), condition(Report, account))
        ).scalars().all()
        found = {r.id: r for r in reports}
        labels = {r.id: f"{r.unit.name} — {r.form.name} — {r.period.name}" for r in reports}
        done, failures = 0, []
        for pk, version in picked.items():
            report = found.get(pk)
            if report is None:
                failures.append((f"#{pk}", [_("Not found.")]))
                continue
            try:
                service.transition(db.session, report, "approve", current_account(), "", seen_version=version)
            except service.Refused as exc:
                db.session.rollback()
                failures.append((labels[pk], list(exc.reasons)))
                continue
            except Exception:
                db.session.rollback()
                raise
            db.session.commit()
            done += 1
        flash(_("%(n)d of %(total)d report(s) approved.", n=done, total=len(picked)),
              "success" if done else "warning")
        for label, reasons in failures:
            flash(_("Not approved: %(report)s: %(reasons)s", report=label, reasons=" ".join(reasons)), "danger")
        return redirect(back)


# --- the unit's own reports ------------------------------------------------------------------


class MyReportsView(BaseView):
    """``/my-reports/``: the caller unit's reports grouped by state, with deadlines and days left."""

    route_base = "/my-reports"
    default_view = "index"
    base_permissions = ["can_list"]

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        account = current_account()
        reports = []
        if account is not None and account.unit_id is not None:
            reports = db.session.execute(
                select(Report).join(Report.form).join(Report.period)
                .options(contains_eager(Report.form), contains_eager(Report.period))
                .where(Report.unit_id == account.unit_id, condition(Report, account))
                .order_by(Report.deadline.desc(), Report.id).limit(MY_LIMIT)
            ).scalars().all()
        groups = []
        for state in MY_STATE_ORDER + tuple(s for s in entry.STATE_LABELS if s not in MY_STATE_ORDER):
            mine = [r for r in reports if r.state == state]
            if state in ("draft", "returned", "correction_requested"):
                mine.sort(key=lambda r: r.deadline)  # what is due first, first
            if mine:
                groups.append({"state": state, "label": entry.state_label(state), "reports": mine})
        return self.render_template(
            "reporting/review/my_reports.html", groups=groups, has_unit=account is not None and account.unit_id,
            truncated=len(reports) >= MY_LIMIT, deadline_text=entry.deadline_text, days_left=entry.days_left,
            editable=entry.is_editable, title=_("My reports"))
