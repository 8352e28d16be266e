"""``/api/v1/report/``: report assignments in the caller's scope, their values, and the workflow (CONTRACT).

* ``GET /`` (FAB rison filters) lists flat rows: ``form_code``, ``period_code``
  and ``unit_code`` are correlated scalar subqueries and ``late`` a SQL
  expression, mapped below as deferred column properties of :class:`Report`
  (FAB undefers what it selects), so a page is one query and every field can
  be filtered and ordered on.
* ``GET /<id>`` adds ``values``, ``attachments``, ``history`` and the
  ``allowed_actions`` of the caller.
* ``PUT /<id>/values`` saves through :func:`core.reporting.entry.save` (the entry
  screen's code, with numbers read in machine form: ``1234.5``, never ``1.234,5``),
  ``POST /<id>/transition`` moves the report through
  :func:`workflows.service.transition`, each in one transaction.

Scope comes first: a report outside the caller's subtree is 404 whatever the
method, before the body is read.
"""
from __future__ import annotations

from flask import g, request
from flask_appbuilder import ModelRestApi
from flask_appbuilder.api import expose, protect, safe
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.accounts import light
from core.reporting import entry
from core.platform.extensions import db
from core.forms.definitions import fields_of
from core.reporting.models import Attachment, Report, Transition
from core.hierarchy.models import Unit
from core.hierarchy.scope import ScopedInterface, condition, current_account

FIELDS = ["id", "form_code", "period_code", "unit_code", "state", "level", "deadline", "submitted_at", "late"]


def _iso(value):
    return value.isoformat() if value is not None else None


def values_json(report: Report, stored: dict) -> dict:
    """``{field: value}``; a disaggregated field is ``{field: {cell key: value}}``; empty values are null."""
    defn = report.version.definition
    out: dict = {}
    for code, fld in fields_of(defn).items():
        if fld["type"] == "file":
            continue
        if fld.get("combo"):
            out[code] = {cell: stored.get((code, cell)) for cell in entry.cells_of(defn, fld)}
        else:
            out[code] = stored.get((code, ""))
    return out


def attachments_json(report_id: int) -> list[dict]:
    rows = db.session.execute(select(Attachment).where(Attachment.report_id == report_id)
                              .order_by(Attachment.id)).scalars()
    return [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
             "kind": a.kind, "sha256": a.sha256, "uploaded_by": a.uploaded_by,
             "uploaded_at": _iso(a.uploaded_at), "signature": a.signature} for a in rows]


def history_json(report_id: int) -> list[dict]:
    rows = db.session.execute(select(Transition).where(Transition.report_id == report_id)
                              .order_by(Transition.id)).scalars()
    return [{"action": t.action, "actor": t.actor, "unit": t.unit_code, "at": _iso(t.at), "comment": t.comment,
             "from": t.from_state, "to": t.to_state, "from_level": t.from_level, "to_level": t.to_level}
            for t in rows]


def scoped_report(pk: int, parent: bool = False) -> Report | None:
    """The report with what the services read, in one query; None out of scope. ``parent``: the unit's
    parent too (the default approval chain asks for its level: a query fewer per transition)."""
    unit = joinedload(Report.unit)
    return db.session.execute(
        select(Report).options(joinedload(Report.form), joinedload(Report.version), joinedload(Report.period),
                               unit.joinedload(Unit.parent) if parent else unit)
        .where(Report.id == pk, condition(Report, current_account()))
    ).scalar_one_or_none()


class ReportApi(ModelRestApi):
    resource_name = "report"
    datamodel = ScopedInterface(Report)
    allow_browser_login = True
    include_route_methods = {"get", "get_list", "info", "put_values", "patch_values", "transition"}
    method_permission_name = {"get": "get", "get_list": "get", "info": "info", "put_values": "put",
                              "patch_values": "put", "transition": "post"}
    base_order = ("deadline", "desc")
    list_columns = FIELDS
    show_columns = FIELDS + ["lock_version", "approved_at", "updated_at"]
    search_columns = ["form_code", "period_code", "unit_code", "state", "level", "deadline", "submitted_at", "late"]
    order_columns = ["id", "form_code", "period_code", "unit_code", "state", "level", "deadline", "submitted_at"]
    #: ``_info`` describes plain fields only: values are changed through ``/values``.
    add_columns = ["state"]
    edit_columns = ["state"]
    max_page_size = 500
    openapi_spec_tag = "Reports"
    list_title = _l("Reports")
    show_title = _l("Report")
    label_columns = {
        "id": _l("Id"),
        "form_code": _l("Form code"),
        "period_code": _l("Period code"),
        "unit_code": _l("Unit code"),
        "state": _l("State"),
        "level": _l("Held at level"),
        "deadline": _l("Deadline"),
        "submitted_at": _l("Sent at"),
        "late": _l("Late"),
        "lock_version": _l("Version"),
        "approved_at": _l("Approved at"),
        "updated_at": _l("Last saved"),
    }
    description_columns = {
        "level": _l("The tier whose reviewer holds a submitted report (the unit's own tier otherwise)."),
        "late": _l("Sent after the deadline, or not sent and the deadline has passed."),
        "lock_version": _l("Send it back as lock_version with a transition to be told if the report changed."),
    }

    def pre_get(self, data):
        report = scoped_report(data["id"])
        if report is None:  # not reached: FAB's get found it in scope
            return
        from core.reporting.views.review import actions_for

        data["result"]["values"] = values_json(report, entry.values_of(db.session, report))
        data["result"]["attachments"] = attachments_json(report.id)
        data["result"]["history"] = history_json(report.id)
        data["result"]["allowed_actions"] = actions_for(g.user, report)

    @expose("/<int:pk>/values", methods=["PUT"])
    @protect()
    @safe
    def put_values(self, pk):
        """Save values of a draft or returned report (partial allowed).
        ---
        put:
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
            description: The report's id (GET /api/v1/report/)
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    values:
                      type: object
                      description: >-
                        {field: value}, at least one; a disaggregated field as {field: {cell key: value}}
                        or "field__cell key" keys. Numbers are JSON numbers, or text in plain machine
                        form (1234, -5, 1234.5); the Vietnamese forms of the screens (1.234,5) are refused.
          responses:
            200:
              description: "Saved; the report's values"
              content:
                application/json:
                  example: {"id": 2, "state": "draft", "values": {"households": 10, "notes": null, "poor_households": null, "population": 40}}
            403:
              description: "Only the reporting unit enters its values"
              content:
                application/json:
                  example: {"errors": {}, "message": "Chỉ tài khoản của Phường Mường Lay được nhập số liệu của đơn vị này; bạn chỉ xem được."}
            404:
              description: "Not found (or out of scope)"
              content:
                application/json:
                  example: {"message": "Not found"}
            409:
              description: "The report is not a draft or returned"
              content:
                application/json:
                  example: {"errors": {"state": ["submitted"]}, "message": "Báo cáo đang ở trạng thái “Đã gửi”: chỉ báo cáo nháp hoặc bị trả lại mới được sửa."}
            422:
              description: "Values with errors, per field; nothing saved"
              content:
                application/json:
                  example: {"errors": {"households": ["Nhập giá trị không nhỏ hơn 0."]}, "message": "Chưa lưu: một số giá trị chưa đúng."}
        """
        report = scoped_report(pk)
        if report is None:
            return self.response_404()
        if not entry.is_editable(report):
            return self.response(409, message=_(
                "This report is %(state)s: only a draft or a returned report can be changed.",
                state=entry.state_label(report.state)), errors={"state": [report.state]})
        if not entry.may_enter(g.user, report):
            return self.response(403, message=_("Only the accounts of %(unit)s enter its data; you can read it.",
                                                unit=report.unit.name), errors={})
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("values"), dict):
            return self.response(422, message=_("Send a JSON object with \"values\": {field: value}."),
                                 errors={"values": [_("This field is required.")]})
        if not body["values"]:  # an integrator's empty object saves nothing: say so rather than a silent 200
            return self.response(422, message=_("Send at least one value in \"values\"."),
                                 errors={"values": [_("Send at least one value.")]})
        try:
            result = entry.save_checked(db.session, report, body["values"], partial=True, machine=True)
        except entry.EntryRefused as exc:  # the state changed since it was read
            db.session.rollback()
            return self.response(409, message=str(exc), errors={})
        if result.errors:
            db.session.rollback()
            return self.response(422, message=_("Not saved: some values are wrong."), errors=result.errors)
        # The answer is what was just stored (read under the row lock, merged): no second read.
        answer = {"id": pk, "state": report.state, "values": values_json(report, result.values)}
        db.session.commit()
        return self.response(200, **answer)

    @expose("/<int:pk>/transition", methods=["POST"])
    @protect()
    @safe
    def transition(self, pk):
        """Move the report through the workflow: submit, recall, approve, return, request_correction,
        reopen, reject_correction.
        ---
        post:
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
            description: The report's id (GET /api/v1/report/)
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [action]
                  properties:
                    action:
                      type: string
                      enum: [submit, recall, approve, return, request_correction, reopen, reject_correction]
                      description: The step; allowed_actions of GET /api/v1/report/{pk} lists the caller's
                    comment:
                      type: string
                      description: Required for return, request_correction and reject_correction (422 without)
                    values:
                      type: object
                      description: >-
                        With "submit" only: {field: value} as for PUT /values, saved and submitted in one
                        transaction, all or nothing (422 per field, nothing saved).
                    lock_version:
                      type: integer
                      description: The report's lock_version as read; 409 if it changed since
          responses:
            200:
              description: "Moved; the new state, level and lock_version"
              content:
                application/json:
                  example: {"id": 2, "level": "province", "lock_version": 2, "state": "submitted"}
            403:
              description: "The caller may not take this action on this report"
              content:
                application/json:
                  example: {"errors": {"reasons": ["Bạn không được thực hiện thao tác Gửi báo cáo với báo cáo này."]}, "message": "Bạn không được thực hiện thao tác Gửi báo cáo với báo cáo này."}
            404:
              description: "Not found (or out of scope)"
              content:
                application/json:
                  example: {"message": "Not found"}
            409:
              description: "The workflow refuses, with the reasons in errors.reasons: the state does not allow the action, required values are missing on submit, a plugin's workflow_guards refuses (a missing scan), or the report changed since it was read (lock_version)"
              content:
                application/json:
                  example: {"errors": {"reasons": ["Cần đính kèm bản scan báo cáo có chữ ký, đóng dấu trước khi gửi."]}, "message": "Cần đính kèm bản scan báo cáo có chữ ký, đóng dấu trước khi gửi."}
            422:
              description: "A comment is required, or the body is not understood"
              content:
                application/json:
                  example: {"errors": {"action": ["Chọn một trong các thao tác: submit, recall, approve, return, request_correction, reopen, reject_correction."]}, "message": "Không hiểu được yêu cầu."}
        """
        from workflows import service
        from workflows.machine import ACTIONS

        report = scoped_report(pk, parent=True)
        if report is None:
            return self.response_404()
        body = request.get_json(silent=True)
        errors = {}
        if not isinstance(body, dict):
            return self.response(422, message=_("Send a JSON object with \"action\" and \"comment\"."),
                                 errors={"action": [_("This field is required.")]})
        action, comment, seen = body.get("action"), body.get("comment") or "", body.get("lock_version")
        values = body.get("values")
        if not isinstance(action, str) or action not in ACTIONS:
            errors["action"] = [_("Choose one of: %(actions)s.", actions=", ".join(ACTIONS))]
        if values is not None and not isinstance(values, dict):
            errors["values"] = [_("Send a JSON object {field: value}.")]
        elif values and action != "submit":
            errors["values"] = [_("Values are sent only with the action submit.")]
        if not isinstance(comment, str):
            errors["comment"] = [_("Enter text.")]
        if seen is not None and (isinstance(seen, bool) or not isinstance(seen, int)):
            errors["lock_version"] = [_("Enter a whole number.")]
        if errors:
            return self.response(422, message=_("The request is not understood."), errors=errors)
        judged = None
        try:
            if values:
                # What the screen shows is what goes up: saved and submitted in this one transaction,
                # the values read and judged once (the save judges them as a submission too).
                refused, judged = self._save_for_submit(report, values, seen)
                if refused is not None:
                    db.session.rollback()
                    return refused
            service.transition(db.session, report, action, g.user, comment, seen_version=seen, judged=judged)
        except service.CommentRequired as exc:
            db.session.rollback()
            return self.response(422, message=str(exc), errors=exc.errors)
        except service.Forbidden as exc:
            db.session.rollback()
            return self.response(403, message=str(exc), errors={"reasons": exc.reasons})
        except service.Refused as exc:  # Conflict too
            db.session.rollback()
            return self.response(409, message=str(exc), errors={"reasons": exc.reasons, **exc.errors})
        except Exception:
            db.session.rollback()
            raise
        answer = {"id": pk, "state": report.state, "level": report.level, "lock_version": report.lock_version}
        db.session.commit()
        return self.response(200, **answer)

    def _save_for_submit(self, report: Report, values: dict, seen: int | None):
        """Save ``values`` before a submit: ``(the refusal to answer with, None)``, or ``(None, the
        values' errors as a submission)`` when saved (not committed)."""
        if seen is not None and seen != report.lock_version:
            return self.response(409, message=_("The report was changed by someone else. Reload it and try again."),
                                 errors={"lock_version": [str(report.lock_version)]}), None
        if not entry.may_enter(g.user, report):
            return self.response(403, message=_("Only the accounts of %(unit)s enter its data; you can read it.",
                                                unit=report.unit.name), errors={}), None
        try:
            result, judged = entry.save_for_submit(db.session, report, values, machine=True)
        except entry.EntryRefused as exc:
            return self.response(409, message=str(exc), errors={"state": [report.state]}), None
        if result.errors:
            return self.response(422, message=_("Not submitted: some values are wrong; nothing was saved."),
                                 errors=result.errors), None
        return None, judged

    @expose("/<int:pk>/values", methods=["PATCH"])
    @protect()
    @safe
    def patch_values(self, pk):
        """Autosave: store the changed cells that are right on their own, cheaply (the entry screen
        sends each cell a moment after it is typed).
        ---
        patch:
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    values:
                      type: object
                      description: '{field or "field__cell key": value}, the changed cells only'
                    as_typed:
                      type: boolean
                      description: >-
                        Numbers as an officer types them (12,5 and 1.234 are 12.5 and 1234), for the entry
                        screen; otherwise machine form as for PUT.
          responses:
            200:
              description: Every cell saved; ``saved`` lists them, ``saved_at`` is the time (UTC)
              content:
                application/json:
                  example: {"errors": {}, "id": 2, "saved": ["households"], "saved_at": "2026-11-10T02:00:00.000000Z", "saved_at_text": "Đã lưu lúc 09:00"}
            403:
              description: Only the reporting unit enters its values
              content:
                application/json:
                  example: {"errors": {}, "message": "Chỉ tài khoản của Phường Mường Lay được nhập số liệu của đơn vị này; bạn chỉ xem được."}
            404:
              description: Not found (or out of scope)
              content:
                application/json:
                  example: {"message": "Not found"}
            409:
              description: The report is not a draft or returned
              content:
                application/json:
                  example: {"errors": {"state": ["submitted"]}, "message": "Báo cáo đang ở trạng thái “Đã gửi”: chỉ báo cáo nháp hoặc bị trả lại mới được sửa."}
            422:
              description: Some cells are wrong (``errors`` per cell); the others in ``saved`` were stored
              content:
                application/json:
                  example: {"errors": {"households": ["Nhập giá trị không nhỏ hơn 0."]}, "id": 2, "message": "Có giá trị chưa đúng; các giá trị khác đã được lưu.", "saved": ["population"], "saved_at": "2026-11-10T02:00:00.000000Z", "saved_at_text": "Đã lưu lúc 09:00"}
        """
        from core.platform import clock

        body = request.get_json(silent=True)
        well_formed = (isinstance(body, dict) and isinstance(body.get("values"), dict) and body["values"]
                       and isinstance(body.get("as_typed", False), bool))
        # The light path: the signed-in unit's own editable report, written without loading it (one
        # UPDATE claims it: row lock, state, save time). Anything else, the ordinary path says why.
        account = g.user
        unit = getattr(account, "unit", None)
        try:
            result = (entry.autosave_own(db.session, pk, account.unit_id, body["values"], not body.get("as_typed"),
                                         light.claim_of(pk))
                      if well_formed and unit is not None and unit.active else None)
        except Exception:
            db.session.rollback()
            raise
        if result is None:
            report = scoped_report(pk)
            if report is None:
                return self.response_404()
            if not entry.may_enter(account, report):
                return self.response(403, message=_("Only the accounts of %(unit)s enter its data; you can read it.",
                                                    unit=report.unit.name), errors={})
            if not well_formed:
                return self.response(422, message=_("Send at least one value in \"values\"."),
                                     errors={"values": [_("Send at least one value.")]})
            try:
                result = entry.save_cells(db.session, report, body["values"], machine=not body.get("as_typed"))
            except entry.EntryRefused as exc:
                db.session.rollback()
                return self.response(409, message=str(exc), errors={"state": [report.state]})
            except Exception:
                db.session.rollback()
                raise
        saved = sorted(entry.input_name(*key) for key in result.values)
        now = clock.utcnow()
        db.session.commit()
        answer = {"id": pk, "saved": saved, "saved_at": now.isoformat() + "Z", "errors": result.errors,
                  "saved_at_text": _("Saved at %(time)s", time=clock.local(now).strftime("%H:%M"))}
        if result.errors:
            return self.response(422, message=_("Some values are wrong; the others were saved."), **answer)
        return self.response(200, **answer)
