"""The report workflow of CONTRACT, declared in one place with python-statemachine.

States and actions are exactly CONTRACT's. Conditions read the facts the
service hands to the machine (is this the last review level? has any level
approved yet?); who may act, comments and plugin guards are checked by
:mod:`workflows.service` before the machine moves.
"""
from __future__ import annotations

from dataclasses import dataclass

from statemachine import State, StateMachine

STATES = ("draft", "submitted", "approved", "returned", "correction_requested", "closed")
ACTIONS = ("submit", "recall", "approve", "return", "request_correction", "reopen", "reject_correction", "close")
#: Actions whose comment is required (CONTRACT; ``close`` says why the work ended).
NEEDS_COMMENT = frozenset({"return", "request_correction", "reject_correction", "close"})
#: Who may take each action: the reporting unit, the reviewer of the current level, the final approver.
ACTOR = {
    "submit": "reporter", "recall": "reporter", "request_correction": "reporter",
    "approve": "reviewer", "return": "reviewer",
    "reopen": "final_approver", "reject_correction": "final_approver",
    # Beyond CONTRACT (issue 19): an open report of a unit closed by a reorganisation ends with a reason.
    # Nobody takes it on a screen: only :func:`workflows.service.close` does, for an applied event.
    "close": "reorganisation",
}


@dataclass
class Facts:
    """What the conditions read; the service fills it from the report and its approval chain."""

    state: str
    last_level: bool = False
    approved_once: bool = False


class ReportMachine(StateMachine):
    draft = State("Nháp", initial=True, value="draft")
    submitted = State("Đã gửi", value="submitted")
    approved = State("Đã duyệt", value="approved")
    returned = State("Bị trả lại", value="returned")
    correction_requested = State("Yêu cầu điều chỉnh", value="correction_requested")
    #: The unit was closed by a reorganisation before the report was approved: the work ends here.
    closed = State("Đã đóng", value="closed", final=True)

    submit = draft.to(submitted) | returned.to(submitted)
    recall = submitted.to(draft, unless="approved_once")
    approve = submitted.to(approved, cond="last_level") | submitted.to.itself(unless="last_level")
    return_ = submitted.to(returned)
    request_correction = approved.to(correction_requested)
    reopen = correction_requested.to(draft)
    reject_correction = correction_requested.to(approved)
    close = draft.to(closed) | returned.to(closed) | submitted.to(closed)


def next_state(state: str, action: str, last_level: bool = False, approved_once: bool = False) -> str | None:
    """The state ``action`` leads to from ``state``, or None when the machine refuses it."""
    from statemachine.exceptions import TransitionNotAllowed

    if action not in ACTIONS:
        return None
    facts = Facts(state=state, last_level=last_level, approved_once=approved_once)
    machine = ReportMachine(model=facts, state_field="state")
    try:
        machine.send("return_" if action == "return" else action)
    except TransitionNotAllowed:
        return None
    return facts.state


def allowed(state: str, **facts) -> list[str]:
    """Actions the machine accepts from ``state`` (before actor checks): for buttons and the API."""
    return [a for a in ACTIONS if next_state(state, a, **facts) is not None]
