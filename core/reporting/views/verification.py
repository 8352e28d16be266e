"""*Xác thực dữ liệu theo ngành* (H3): the sector department's inbox, and everyone's progress table.

A department of a sector sees the approved reports of its sector's forms across the province,
with the latest data one click away (the entry page, read-only), and marks each "đã xác thực" or
"có ý kiến" with its remark (:func:`core.reporting.verification.verify`, the API's service). Every
account that reads reports sees, per form and period, how much of the data in its scope the
sectors have verified: the board reads it for the whole province.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.hierarchy.scope import current_account, sector_of
from core.platform.extensions import db
from core.reporting import verification

PAGE_SIZE = 50
STATUS_LABELS = {"pending": _l("Not yet verified"), "verified": _l("Verified"), "remark": _l("Has a remark")}
STATUS_STYLES = {"pending": "default", "verified": "success", "remark": "warning"}


def _filters() -> dict:
    args = request.args
    status = args.get("status", "")
    return {"form": (args.get("form") or "").strip()[:100], "period": (args.get("period") or "").strip()[:50],
            "status": status if status in STATUS_LABELS else ""}


class VerificationView(BaseView):
    """``/verification/``: the department's inbox and the verification progress per form and period."""

    route_base = "/verification"
    default_view = "index"
    base_permissions = ["can_list", "can_verify"]

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        account = current_account()
        filters = _filters()
        page = max(min(request.args.get("page", 0, type=int), 10_000), 0)
        total, rows = verification.inbox(db.session, account, filters["form"], filters["period"], filters["status"],
                                         page, PAGE_SIZE)
        progress = verification.progress(db.session, account, filters["form"], filters["period"])
        query = urlencode({k: v for k, v in filters.items() if v})
        return self.render_template(
            "reporting/verification.html", title=_("Sector data verification"), sector=sector_of(account),
            rows=rows, total=total, page=page, page_size=PAGE_SIZE, filters=filters, query=query,
            progress=progress, status_labels=STATUS_LABELS, status_styles=STATUS_STYLES)

    @expose("/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("verify")
    def verify(self, pk: int):
        back = request.form.get("query", "")
        target = url_for("VerificationView.index") + (f"?{back}" if back and len(back) < 500 else "")
        report = verification.scoped_report(db.session, current_account(), pk)
        if report is None:
            return self.render_template("reporting/verification_missing.html"), 404
        try:
            verification.verify(db.session, report, current_account(), request.form.get("result", ""),
                                request.form.get("comment", ""))
        except verification.VerificationError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(target)
        db.session.commit()
        flash(_("Recorded for %(unit)s, %(form)s, %(period)s.", unit=report.unit.name, form=report.form.name,
                period=report.period.name), "success")
        return redirect(target)
