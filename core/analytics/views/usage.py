"""``/usage/``: "Báo cáo tình hình sử dụng" (R10) — logins, submissions and punctuality per unit of the
caller's subtree over a date range, with a CSV; the system administrator also runs the yearly report job
and downloads its workbook."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from sqlalchemy import select

from core.platform import jobs, tabular
from core.analytics import usage
from core.reporting.entry import today
from core.platform.extensions import db
from core.hierarchy.models import Unit
from core.hierarchy.scope import current_account, in_scope
from core.analytics.views.analysis import root_unit
from core.analytics.views.dashboard import aggregating_units


def _day(name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return default


class UsageView(BaseView):
    route_base = "/usage"
    default_view = "index"
    base_permissions = ["can_list", "can_generate"]

    def _choices(self):
        """Start, end (default: this year to today) and unit (default: mine); a unit out of scope is 404."""
        now = today()
        start, end = _day("start", date(now.year, 1, 1)), _day("end", now)
        if end < start:
            start, end = end, start
        account = current_account()
        code = (request.args.get("unit") or "").strip()
        unit = db.session.execute(select(Unit).where(Unit.code == code)).scalar() if code else (
            account.unit or root_unit())
        if unit is None or not in_scope(account, unit):
            abort(404)
        return start, end, unit

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        start, end, unit = self._choices()
        rows = usage.usage(db.session, unit, start, end)
        may_generate = self.appbuilder.sm.has_access("can_generate", type(self).__name__)
        years = []
        if may_generate:
            folder = usage.report_path(start.year).parent
            years = sorted((int(p.stem.split("-", 1)[1]) for p in folder.glob("usage-*.xlsx")
                            if p.stem.split("-", 1)[1].isdigit()), reverse=True) if folder.is_dir() else []
        return self.render_template(
            "analytics/usage.html", rows=rows, start=start, end=end, unit=unit,
            units=aggregating_units(current_account()), may_generate=may_generate, years=years,
            this_year=today().year, title=_("System usage report"))

    @expose("/export.csv")
    @has_access
    @permission_name("list")
    def export(self):
        start, end, unit = self._choices()
        rows = usage.usage(db.session, unit, start, end)
        name = f"su-dung_{unit.code}_{start.isoformat()}_{end.isoformat()}.csv"
        return Response(tabular.csv_bytes(usage.headers(), usage.table(rows)), mimetype=tabular.CSV_MIME,
                        headers={"Content-Disposition": f"attachment; filename={name}"})

    @expose("/yearly", methods=["POST"])
    @has_access
    @permission_name("generate")
    def generate(self):
        year = request.form.get("year", type=int) or today().year
        handle = jobs.enqueue("core.analytics.usage:yearly_report", year=year, key=f"usage-yearly-{year}")
        if handle.status == "failed":
            flash(_("The yearly report could not be written; see the server log."), "danger")
        else:
            flash(_("The yearly usage report for %(year)d is being written.", year=year), "success")
        return redirect(url_for(".index"))

    @expose("/yearly/<int:year>")
    @has_access
    @permission_name("generate")
    def yearly(self, year):
        path = usage.report_path(year)
        if not path.is_file():
            abort(404)
        return send_file(path, mimetype=tabular.XLSX_MIME, as_attachment=True, download_name=path.name)
