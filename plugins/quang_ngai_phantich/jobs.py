"""Điều 9 khoản 3 of Decision 1415/QĐ-UBND: the platform's monthly status report to Sở TT&TT.

Written with core's usage figures (:mod:`core.analytics.usage`) for the month before ``day``, to
``<instance>/reports/usage-<YYYYMM>.xlsx`` through a temporary file, so a rerun only rewrites it.
"""
from __future__ import annotations

import os
from datetime import date, timedelta

from flask import current_app


def month_before(day: date) -> tuple[date, date]:
    last = day.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def monthly_report(day: str | None = None) -> str:
    """Writes the report of the month before ``day`` (ISO date, default today); returns its path."""
    from flask_babel import force_locale

    from core.platform import audit, tabular
    from core.analytics import usage
    from core.reporting.entry import today
    from core.platform.extensions import db

    start, end = month_before(date.fromisoformat(day) if day else today())
    rows = usage.usage(db.session, None, start, end)
    target = usage.report_path(start.year).with_name(f"usage-{start:%Y%m}.xlsx")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "vi"):
            tabular.write_xlsx(partial, f"Tháng {start.month:02d}-{start.year}", usage.headers(), usage.table(rows))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    audit.record("usage.monthly_report", None, None, {"month": f"{start:%Y%m}", "units": len(rows),
                                                     "file": target.name}, session=db.session)
    db.session.commit()
    return str(target)
