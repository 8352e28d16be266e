"""``transition(report, action, actor, comment)``: the only way a report changes state (W2, W9).

In one database transaction it checks (the machine, who may act, the
comment, required values on submit, plugin guards), moves the report with an
optimistic lock, writes the history row and one audit entry, notifies, and
calls ``after_transition``. Two reviewers acting at once: the first wins, the
second gets :class:`Conflict` ("changed, reload") because the report's
``lock_version`` is no longer the one it read.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import inspect, update
from sqlalchemy.orm.attributes import set_committed_value

from core.platform import audit, clock, plugin_admin
from core.hierarchy import roles
from core.accounts.models import Account
from core.reporting.models import Notification, Report, Transition
from core.hierarchy.models import Unit
from core.hierarchy.scope import is_system_admin
from workflows.machine import ACTIONS, ACTOR, NEEDS_COMMENT, next_state


class Refused(Exception):
    """The workflow refuses (409): wrong state, required values missing, a guard."""

    def __init__(self, message: str, reasons: list[str] | None = None, errors: dict | None = None):
        self.reasons = reasons or [message]
        self.errors = errors or {}
        super().__init__(message)


class Forbidden(Refused):
    """The actor may not take this action on this report (403)."""


class Conflict(Refused):
    """Someone else moved the report since it was read (409): reload and try again."""


class CommentRequired(Refused):
    """A comment is required for this action (422 naming the field)."""


def _action_name(action: str) -> str:
    """The action as the screens name it (S10: "Duyệt", not "approve")."""
    from core.reporting.entry import action_label

    return action_label(action)


def _state_name(state: str) -> str:
    from core.reporting.entry import state_label

    return state_label(state)


def chain(report: Report) -> list[str]:
    levels = plugin_admin.registry().hook.approval_chain(form=report.form, unit=report.unit)
    return list(levels) or [report.unit.level]


def _has_role(actor: Account, name: str) -> bool:
    return is_system_admin(actor) or any(r.name == name for r in actor.roles)


def _reviews(actor: Account, report: Report, level: str) -> bool:
    """The actor's unit sits at ``level`` above the report's unit (or it is the board's admin)."""
    if is_system_admin(actor):
        return True
    unit = actor.unit
    return (unit is not None and unit.level == level and _has_role(actor, roles.REVIEWER)
            and report.unit.path.startswith(unit.path) and unit.id != report.unit_id)


def may_act(actor: Account, report: Report, action: str, levels: list[str]) -> bool:
    role = ACTOR.get(action)
    if role == "reporter":
        return actor.unit_id == report.unit_id and _has_role(actor, roles.REPORTER)
    if role == "reviewer":
        return report.state == "submitted" and _reviews(actor, report, report.level)
    if role == "final_approver":
        return _reviews(actor, report, levels[-1])
    return False


def _check_values(session, report: Report) -> dict:
    from core.reporting import entry

    result = entry.check(session, report, {}, partial=False)
    return result.errors


def transition(session, report: Report, action: str, actor: Account, comment: str = "",
               seen_version: int | None = None, judged: dict | None = None) -> Transition:
    """Move ``report`` by ``action``; the caller commits (or rolls back on any exception).

    ``judged``: for a submit right after a save in this transaction, the errors of the values as a
    submission, judged by that save (``entry.save_for_submit``): they are not read and judged again.
    """
    if action not in ACTIONS:
        raise Refused(_("Unknown action %(action)s.", action=action))
    if seen_version is not None and seen_version != report.lock_version:
        # What the actor saw is gone: judge nothing against a state they never read.
        raise Conflict(_("The report was changed by someone else. Reload it and try again."))
    levels = chain(report)
    step = report.review_step
    target = next_state(report.state, action, last_level=step >= len(levels) - 1, approved_once=step > 0)
    if target is None:
        raise Refused(_("Action %(action)s is not possible while the report is %(state)s.",
                        action=_action_name(action), state=_state_name(report.state)))
    if not may_act(actor, report, action, levels):
        raise Forbidden(_("You may not %(action)s this report.", action=_action_name(action)))
    comment = (comment or "").strip()
    if action in NEEDS_COMMENT and not comment:
        raise CommentRequired(_("A comment is required for this action."), errors={"comment": [
            _("A comment is required for this action.")]})
    if action == "submit":
        errors = judged if judged is not None else _check_values(session, report)
        if errors:
            raise Refused(_("Some values are missing or wrong."), errors=errors)
    reasons = [r for answer in plugin_admin.registry().hook.workflow_guards(report=report, action=action, actor=actor)
               for r in (answer or [])]
    if reasons:
        raise Refused(reasons[0], reasons=reasons)

    now = clock.utcnow()
    values = {"state": target, "lock_version": Report.lock_version + 1, "updated_at": now}
    if action == "submit":
        values.update(level=levels[0], review_step=0, submitted_at=now)
    elif action == "approve" and target == "submitted":
        values.update(level=levels[step + 1], review_step=step + 1)
    elif action == "approve":
        values.update(approved_at=now)
    elif action in ("recall", "return", "reopen"):
        values.update(level=report.unit.level, review_step=0)
    expected = seen_version if seen_version is not None else report.lock_version
    return move(session, report, action, target, actor, comment, values, expected)


def move(session, report: Report, action: str, target: str, actor: Account, comment: str, values: dict,
         expected: int, audit_action: str | None = None, details: dict | None = None) -> Transition:
    """The write half of a step, once checks are done: the locked UPDATE, the history row, one audit
    entry, notifications, ``after_transition``. :func:`transition` and the outage backfill share it."""
    written = list(values)
    moved = session.execute(update(Report).where(Report.id == report.id, Report.lock_version == expected)
                            .values(**values).returning(*(getattr(Report, k) for k in written))
                            .execution_options(synchronize_session=False)).first()
    if moved is None:
        raise Conflict(_("The report was changed by someone else. Reload it and try again."))
    from_state, from_level = report.state, report.level
    for key, value in zip(written, moved):  # what the UPDATE wrote, without reading the row again
        set_committed_value(report, key, value)
    row = Transition(report_id=report.id, action=action, from_state=from_state, to_state=target,
                     from_level=from_level, to_level=report.level, actor=actor.username, actor_id=actor.id,
                     unit_code=actor.unit.code if actor.unit else None, comment=comment or None, at=clock.utcnow())
    session.add(row)
    session.flush()
    audit.record(audit_action or f"report.{action}", "Report", report.id, {
        "form": report.form.code, "period": report.period.code, "unit": report.unit.code,
        "from": from_state, "to": target, "level": report.level, "comment": comment or None, **(details or {})},
        session=session)
    _notify(session, report, row)
    plugin_admin.registry().hook.after_transition(report=report, transition=row)
    return row


def close(session, report: Report, actor, reason: str, details: dict | None = None) -> Transition:
    """End an open report whose unit a reorganisation closed (issue 19): ``draft``, ``returned`` or
    ``submitted`` → ``closed``, with the reason in its history; the values stay. Only the reorganisation
    service calls it (no screen offers the action); ``actor`` is its system administrator or, from the
    CLI, None."""
    reason = (reason or "").strip()
    if not reason:
        raise CommentRequired(_("A comment is required for this action."), errors={"comment": [
            _("A comment is required for this action.")]})
    target = next_state(report.state, "close")
    if target is None:
        raise Refused(_("Action %(action)s is not possible while the report is %(state)s.",
                        action=_action_name("close"), state=_state_name(report.state)))
    values = {"state": target, "lock_version": Report.lock_version + 1, "updated_at": clock.utcnow()}
    return move(session, report, "close", target, _acting(actor), reason, values, report.lock_version,
                details=details)


def reassign(session, report: Report, unit: Unit, actor, reason: str, details: dict | None = None) -> Transition:
    """Hand an open report to ``unit``, the successor of its closed unit (issue 19). The state stays; a
    draft or returned report sits at its new unit's own level, a submitted one at the level of its
    review step in the new unit's chain. Recorded like a step: history row, audit entry, notices."""
    values = {"unit_id": unit.id, "lock_version": Report.lock_version + 1, "updated_at": clock.utcnow()}
    if report.state == "submitted":
        levels = list(plugin_admin.registry().hook.approval_chain(form=report.form, unit=unit)) or [unit.level]
        values["level"] = levels[min(report.review_step, len(levels) - 1)]
    else:
        values["level"] = unit.level
    details = {"from_unit": report.unit.code, "to_unit": unit.code, **(details or {})}
    row = move(session, report, "reassign", report.state, _acting(actor), reason, values, report.lock_version,
               details=details)
    session.expire(report, ["unit"])
    return row


def _acting(actor):
    """The account acting, or the CLI's user when a command applies the change (no account)."""
    if actor is not None:
        return actor
    from types import SimpleNamespace

    return SimpleNamespace(username=audit.current_actor().name, id=None, unit=None)


MESSAGES = {
    "submit": "Báo cáo chờ duyệt: ",
    "approve": "Báo cáo đã được duyệt: ",
    "return": "Báo cáo bị trả lại: ",
    "request_correction": "Đơn vị đề nghị điều chỉnh báo cáo: ",
    "reopen": "Báo cáo được mở lại để điều chỉnh: ",
    "reject_correction": "Đề nghị điều chỉnh bị từ chối: ",
    "recall": "Đơn vị đã rút lại báo cáo: ",
    "close": "Báo cáo được đóng do sắp xếp đơn vị hành chính: ",
    "reassign": "Báo cáo được chuyển cho đơn vị kế thừa: ",
}


def _notify(session, report: Report, row: Transition) -> None:
    """In-app: the reporting unit hears of decisions; the unit holding the report hears of work for it."""
    # An approval that leaves the report submitted hands it to the next level: for it, work is waiting.
    kind = "submit" if row.action == "approve" and report.state == "submitted" else row.action
    text = MESSAGES[kind] + f"{report.form.name} — {report.period.name} — {report.unit.name}"
    if row.comment:
        text += f" ({row.comment})"
    targets = {report.unit_id}
    if report.state == "submitted" or row.action in ("request_correction", "recall"):
        holder = _holder_unit(session, report)
        if holder is not None:
            targets = {holder} if row.action != "recall" else targets | {holder}
    for unit_id in targets:
        # kind is unique per report: one notice per transition, however many transitions a report sees
        session.add(Notification(unit_id=unit_id, report_id=report.id, kind=f"{row.action}:{row.id}"[:30],
                                 message=text[:500], created_at=row.at))
    from core.reporting import mailer

    mailer.queue_sending()  # e-mail copies soon after the commit, when a mail server is configured


def _holder_unit(session, report: Report) -> int | None:
    """The ancestor unit at the level now holding the report: the parent when it is at that level and
    already loaded (the API's transition loads it: no query), else the deepest ancestor at the level."""
    unit = report.unit
    if "parent" not in inspect(unit).unloaded and unit.parent is not None and unit.parent.level == report.level:
        return unit.parent.id
    ids = [int(i) for i in report.unit.path.strip("/").split("/")]
    return session.query(Unit.id).filter(Unit.id.in_(ids), Unit.level == report.level).order_by(
        Unit.path.desc()).limit(1).scalar()
