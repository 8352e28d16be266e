"""``/api/v1/maintenance/``: operators script maintenance notices (S3) as the screen announces them.

The same rules as the *Maintenance notices* screen (``core.operations.maintenance.refusals``): a
planned notice leaves the province's lead time, an emergency one shows at once. Times are ISO 8601;
one without an offset is the province's time, as typed on the screen. System administrators only
(``core.hierarchy.roles.ADMIN_ONLY``).
"""
from __future__ import annotations

from datetime import datetime

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_babel import gettext as _

from core.operations import maintenance
from core.platform.extensions import db

def _moment(body: dict, name: str, errors: dict) -> datetime | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    try:
        if not isinstance(value, str):
            raise ValueError
        return datetime.fromisoformat(value)
    except ValueError:
        errors[name] = [_("Enter a date and time in ISO 8601, e.g. 2026-11-22T22:00+07:00.")]
        return None


class MaintenanceApi(BaseApi):
    resource_name = "maintenance"
    openapi_spec_tag = "Maintenance notices"
    allow_browser_login = True
    method_permission_name = {"notices": "get", "announce": "post", "withdraw": "delete"}

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def notices(self):
        """The maintenance notices that have not ended (every one with ``all=true``), soonest first.
        ---
        get:
          parameters:
          - {in: query, name: all, schema: {type: boolean}, description: "also the notices that have ended"}
          responses:
            200:
              description: "the notices; shown_now: on every page and in X-Baocao-Maintenance now"
              content:
                application/json:
                  example: {"result": [{"id": 3, "starts_at": "2026-11-22T15:00:00Z", "ends_at": "2026-11-22T17:00:00Z", "starts_local": "2026-11-22T22:00+07:00", "ends_local": "2026-11-23T00:00+07:00", "message": "Nâng cấp máy chủ", "emergency": false, "shown_now": false, "created_by": "admin"}]}
            401: {description: "not signed in"}
            403: {description: "not a system administrator"}
        """
        everything = (request.args.get("all") or "").lower() in ("1", "true", "yes")
        rows = maintenance.notices(db.session, include_ended=everything)
        return self.response(200, result=[maintenance.as_json(n) for n in rows])

    @expose("/", methods=["POST"])
    @protect()
    @safe
    def announce(self):
        """Announce a maintenance window: planned (at least the lead time ahead) or emergency (shown at once).
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [starts_at, ends_at, message]
                  properties:
                    starts_at: {type: string, description: "ISO 8601; without an offset, the province's time"}
                    ends_at: {type: string, description: "ISO 8601, after starts_at"}
                    message: {type: string, description: "what the units read, in Vietnamese"}
                    emergency: {type: boolean, description: "shown at once, whatever the lead time"}
          responses:
            201:
              description: "announced"
              content:
                application/json:
                  example: {"result": {"id": 3, "starts_at": "2026-11-22T15:00:00Z", "ends_at": "2026-11-22T17:00:00Z", "starts_local": "2026-11-22T22:00+07:00", "ends_local": "2026-11-23T00:00+07:00", "message": "Nâng cấp máy chủ", "emergency": false, "shown_now": false, "created_by": "admin"}}
            403: {description: "not a system administrator"}
            422:
              description: "a field is missing or wrong (a planned notice inside the lead time, an end before the start); nothing stored"
              content:
                application/json:
                  example: {"message": "Không hiểu được yêu cầu.", "errors": {"starts_at": ["Việc bảo trì, nâng cấp theo kế hoạch phải được thông báo trước thời điểm bắt đầu ít nhất 24 giờ. Đánh dấu là khẩn cấp để thông báo ngay."]}}
        """
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response(422, message=_("The request is not understood."),
                                 errors={"message": [_("This field is required.")]})
        errors: dict = {}
        starts_at, ends_at = _moment(body, "starts_at", errors), _moment(body, "ends_at", errors)
        emergency, message = body.get("emergency", False), body.get("message")
        if not isinstance(emergency, bool):
            errors["emergency"] = [_("Enter true or false.")]
        if message is not None and not isinstance(message, str):
            errors["message"] = [_("Enter text.")]
        if not errors:
            try:
                notice = maintenance.announce(db.session, starts_at, ends_at, message, emergency, by=g.user.username)
            except maintenance.NoticeRefused as exc:
                errors = exc.errors
        if errors:
            db.session.rollback()
            return self.response(422, message=_("The request is not understood."), errors=errors)
        db.session.commit()
        return self.response(201, result=maintenance.as_json(notice))

    @expose("/<int:pk>", methods=["DELETE"])
    @protect()
    @safe
    def withdraw(self, pk: int):
        """Cancel a notice: it no longer shows anywhere.
        ---
        delete:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: "cancelled; the notice as it was"
              content:
                application/json:
                  example: {"result": {"id": 3, "starts_at": "2026-11-22T15:00:00Z", "ends_at": "2026-11-22T17:00:00Z", "starts_local": "2026-11-22T22:00+07:00", "ends_local": "2026-11-23T00:00+07:00", "message": "Nâng cấp máy chủ", "emergency": false, "shown_now": false, "created_by": "admin"}}
            403: {description: "not a system administrator"}
            404:
              description: "no such notice"
              content:
                application/json:
                  example: {"message": "Not found"}
        """
        notice = maintenance.cancel(db.session, pk)
        if notice is None:
            return self.response_404()
        answer = maintenance.as_json(notice)
        db.session.commit()
        return self.response(200, result=answer)
