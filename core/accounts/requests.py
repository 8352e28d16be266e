"""Account requests (A8, A9; QN-R Đ6.4–6.5, HN Đ9.6–9.7, DN Đ6.6–6.7): asked by letter, approved, done in a working day.

A unit, or a unit above it, files a request to create, change, hand over, lock or revoke the
unit's account, with the officer's details and the signed letter (:func:`file`). The clock
starts when the operator receives it: due one working day later (:func:`due_on`, the one
working-day calendar, :mod:`core.platform.workdays`). The responsible leader approves or
refuses it with a reason (:func:`decide`); the operator carries it out through the account
lifecycle (:func:`carry_out`), which records the account's own audit entry beside the
request's. A lock for a security threat does not wait (:func:`emergency_lock`): it is done at
once and logged as an emergency (HN Đ9.7).

Every step is an explicit audit entry (``account_request.*``) that names the request, the unit
and the kind; the letter and the officer's phone and e-mail never go into the log.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.accounts import lifecycle
from core.accounts.models import REQUEST_KINDS, Account, AccountRequest
from core.hierarchy.models import Unit, UnitHolder
from core.hierarchy.scope import in_scope
from core.platform import audit, clock, workdays

KIND_LABELS = {"create": _l("Create an account"), "change": _l("Change an account"),
               "handover": _l("Hand an account over"), "lock": _l("Lock an account"),
               "revoke": _l("Revoke an account")}
STATUS_LABELS = {"pending": _l("Waiting for approval"), "approved": _l("Approved, to be carried out"),
                 "refused": _l("Refused"), "done": _l("Done")}
#: Working days the operator has (QN-R Đ6.5, HN Đ9.7: "không quá 01 ngày làm việc").
WORKING_DAYS = 1
MAX_LETTER = 10 * 1024 * 1024
LETTER_TYPES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
TEXT_LIMITS = {"full_name": 200, "title": 200, "department": 200, "phone": 50, "email": 200, "reason": 2000}


class RequestError(Exception):
    """Refused, with a Vietnamese reason and the field it is about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Letter:
    name: str
    data: bytes


def due_on(session, received_at) -> date:
    """The day the request must be done by: one working day after the day (in Vietnam) it arrived."""
    return workdays.add_working_days(session, clock.local_day(received_at), WORKING_DAYS)


def clock_state(request: AccountRequest, today: date | None = None) -> str:
    """``open``, ``overdue`` (not done and past its day), ``on_time``, ``late`` or ``refused``."""
    if request.status == "refused":
        return "refused"
    if request.status == "done":
        return "late" if request.done_at and clock.local_day(request.done_at) > request.due_on else "on_time"
    return "overdue" if (today or clock.today()) > request.due_on else "open"


def _letter_type(data: bytes) -> str | None:
    return next((mime for magic, mime in LETTER_TYPES.items() if data.startswith(magic)), None)


def _clean(details: dict) -> dict:
    out = {}
    for name, limit in TEXT_LIMITS.items():
        value = details.get(name)
        value = value.strip() if isinstance(value, str) else ""
        if len(value) > limit:
            raise RequestError(_("At most %(n)d characters.", n=limit), field=name)
        out[name] = value or None
    return out


def _account_of(session, unit: Unit) -> Account | None:
    return lifecycle.unit_account(session, unit)


def file(session, actor: Account, unit: Unit, kind: str, details: dict, letter: Letter | None) -> AccountRequest:
    """Record a request received now from ``actor`` (the unit, or a unit above it) about ``unit``'s account."""
    if kind not in REQUEST_KINDS:
        raise RequestError(_("Choose what is asked."), field="kind")
    if unit is None or not in_scope(actor, unit):
        raise RequestError(_("Choose your own unit or a unit under it."), field="unit")
    fields = _clean(details)
    account = _account_of(session, unit)
    if kind == "create" and account is not None and account.closed_at is None:
        raise RequestError(_("Unit %(code)s already has an account: ask for a handover or a change.",
                             code=unit.code), field="kind")
    if kind != "create" and account is None:
        raise RequestError(_("Unit %(code)s has no account yet: ask to create one.", code=unit.code), field="kind")
    if kind in ("create", "handover", "change") and not fields["full_name"]:
        raise RequestError(_("Give the officer's full name."), field="full_name")
    if kind in ("lock", "revoke") and not fields["reason"]:
        raise RequestError(_("Give the reason."), field="reason")
    if letter is None or not letter.data:
        raise RequestError(_("Attach the signed request letter (PDF or a scan)."), field="letter")
    if len(letter.data) > MAX_LETTER:
        raise RequestError(_("The letter is larger than %(n)d MB.", n=MAX_LETTER // (1024 * 1024)), field="letter")
    mime = _letter_type(letter.data)
    if mime is None:
        raise RequestError(_("The letter must be a PDF, JPEG or PNG file."), field="letter")
    now = clock.utcnow()
    request = AccountRequest(
        unit_id=unit.id, account_id=account.id if account is not None else None, kind=kind, status="pending",
        letter=base64.b64encode(letter.data).decode("ascii"), letter_name=(letter.name or "de-nghi")[-150:],
        letter_type=mime, letter_sha256=hashlib.sha256(letter.data).hexdigest(), filed_by=actor.username,
        filed_by_unit_id=actor.unit_id, received_at=now, due_on=due_on(session, now), **fields)
    session.add(request)
    session.flush()
    audit.record("account_request.file", "AccountRequest", request.id, {
        "unit": unit.code, "kind": kind, "full_name": fields["full_name"], "letter_sha256": request.letter_sha256,
        "due_on": request.due_on.isoformat()}, session=session)
    return request


def decide(session, actor: Account, request: AccountRequest, approve: bool, note: str = "") -> None:
    """The responsible leader's decision (HN Đ9.6); a refusal says why."""
    if request.status != "pending":
        raise RequestError(_("This request was already decided."), field="decision")
    note = (note or "").strip()
    if not approve and not note:
        raise RequestError(_("Give the reason for the refusal."), field="note")
    if len(note) > 2000:
        raise RequestError(_("At most %(n)d characters.", n=2000), field="note")
    request.status = "approved" if approve else "refused"
    request.decided_by, request.decided_at, request.decision_note = actor.username, clock.utcnow(), note or None
    session.flush()
    audit.record("account_request.approve" if approve else "account_request.refuse", "AccountRequest", request.id,
                 {"unit": request.unit.code, "kind": request.kind, "note": note or None}, session=session)


def carry_out(session, actor: Account, request: AccountRequest) -> str | None:
    """The operator does what was approved; returns the one-time password when one was issued."""
    if request.status != "approved":
        raise RequestError(_("Only an approved request is carried out."), field="status")
    unit, password, outcome = request.unit, None, ""
    if not in_scope(actor, unit):
        raise RequestError(_("Choose your own unit or a unit under it."), field="unit")
    account = _account_of(session, unit)
    if request.kind != "create" and account is None:
        raise RequestError(_("Unit %(code)s has no account yet: ask to create one.", code=unit.code))
    if account is not None and request.kind != "create":
        lifecycle.check_manage(actor, account)
    reason = _("Request no. %(id)d: %(reason)s", id=request.id, reason=request.reason or KIND_LABELS[request.kind])
    if request.kind == "create":
        account, password, _created = lifecycle.issue(session, unit.code)
        if request.full_name:
            _holder(session, account, request, new=True)
        outcome = _("Account %(name)s issued.", name=account.username)
    elif request.kind == "handover":
        password = lifecycle.handover(session, account, request.full_name or "", request.title or "",
                                      request.department or "", request.phone or "", request.email or "")
        outcome = _("Account %(name)s handed over to %(who)s.", name=account.username, who=request.full_name)
    elif request.kind == "change":
        _holder(session, account, request, new=False)
        outcome = _("The holder's details of %(name)s changed.", name=account.username)
    elif request.kind == "lock":
        lifecycle.lock(session, account, reason)
        outcome = _("Account %(name)s locked.", name=account.username)
    else:
        lifecycle.close(session, account, reason)
        outcome = _("Account %(name)s revoked (closed; its data stay).", name=account.username)
    now = clock.utcnow()
    request.account_id = account.id
    request.status, request.done_by, request.done_at, request.outcome = "done", actor.username, now, outcome
    session.flush()
    audit.record("account_request.done", "AccountRequest", request.id, {
        "unit": unit.code, "kind": request.kind, "account": account.username,
        "on_time": clock.local_day(now) <= request.due_on}, session=session)
    return password


def _holder(session, account: Account, request: AccountRequest, new: bool) -> None:
    """The roster (A2) after a create (a new holder) or a change (the current holder's details).
    Recorded by the request's own audit entry: the contact details stay out of the log (S6)."""
    with audit.suppressed(session):
        holder = lifecycle.current_holder(session, account.unit)
        if new or holder is None:
            if holder is not None:
                holder.ended_at = clock.utcnow()
            holder = UnitHolder(unit_id=account.unit_id, full_name=request.full_name, started_at=clock.utcnow())
            session.add(holder)
        holder.full_name = request.full_name or holder.full_name
        for name in ("title", "department", "phone", "email"):
            value = getattr(request, name)
            if value:
                setattr(holder, name, value)
        session.flush()


def emergency_lock(session, actor: Account, account: Account, reason: str) -> AccountRequest:
    """A security threat (HN Đ9.7): the account is locked at once, the request recorded as done and
    approved by the operator's action, logged as an emergency."""
    reason = (reason or "").strip()
    if not reason:
        raise RequestError(_("Give the reason."), field="reason")
    if account.unit is None:
        raise RequestError(_("Only a unit's account is locked from a request."), field="account")
    lifecycle.check_manage(actor, account)
    lifecycle.lock(session, account, reason)
    now = clock.utcnow()
    request = AccountRequest(
        unit_id=account.unit_id, account_id=account.id, kind="lock", status="done", emergency=True,
        reason=reason[:2000], filed_by=actor.username, filed_by_unit_id=actor.unit_id, received_at=now,
        due_on=clock.local_day(now), decided_by=actor.username, decided_at=now, done_by=actor.username, done_at=now,
        outcome=_("Locked at once for a security threat."))
    session.add(request)
    session.flush()
    audit.record("account_request.emergency_lock", "AccountRequest", request.id, {
        "unit": account.unit.code, "account": account.username, "reason": reason, "emergency": True},
        session=session)
    return request


def letter_bytes(request: AccountRequest) -> bytes:
    return base64.b64decode(request.letter or "")
