"""What the benchmarks share: a unit row as ``core.hierarchy.units.import_units`` reads it."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    kind: str
    parent_code: str | None = None


def bench_app():
    """``(app, url)``: an app over ``DATABASE_URL``, else a scratch SQLite file, migrated to head."""
    import os
    import tempfile

    from core import create_app
    from core.bootstrap import migrate_to_head

    tmp = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": "bench", "DATABASE_URL": url, "REDIS_URL": None,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        migrate_to_head()
    return app, url


def commune_with_period(session, prefix: str):
    """``(unit, period)``: a board ``<prefix>`` with one commune ``<prefix>001``, and an ad-hoc period
    ``BENCH-<prefix>`` open today for ten days (both made once, found again on a later run)."""
    from datetime import timedelta

    from sqlalchemy import select

    from core.forms.models.period import Period
    from core.hierarchy.models import Unit
    from core.hierarchy.units import import_units
    from core.platform.clock import today

    import_units(session, [Row(prefix, "Ban Dân tộc (thử)", "board"), Row(f"{prefix}001", "Xã thử", "commune", prefix)],
                 source="bench")
    unit = session.execute(select(Unit).where(Unit.code == f"{prefix}001")).scalar_one()
    day = today()
    period = session.execute(select(Period).where(Period.code == f"BENCH-{prefix}")).scalar_one_or_none()
    if period is None:
        period = Period(code=f"BENCH-{prefix}", type="adhoc", name="Kỳ thử", start=day, end=day,
                        deadline=day + timedelta(days=10), opens=day, closes=day + timedelta(days=10))
        session.add(period)
    return unit, period


def draft_report(session, spec, unit, period):
    """The unit's report of ``spec`` (published now by the board) for ``period``: a draft with no values."""
    from sqlalchemy import delete, select

    from core.forms.definitions import latest_version, sync_spec
    from core.forms.models.form import Form
    from core.reporting.models import Report, ReportValue

    sync_spec(session, spec, source="board")
    form = session.execute(select(Form).where(Form.code == spec.code)).scalar_one()
    version = latest_version(session, form)
    session.flush()
    report = session.execute(select(Report).where(
        Report.form_id == form.id, Report.period_id == period.id, Report.unit_id == unit.id)).scalar_one_or_none()
    if report is None:
        report = Report(form_id=form.id, period_id=period.id, unit_id=unit.id, level=unit.level,
                        deadline=period.deadline, form_version_id=version.id)
        session.add(report)
    report.state, report.form_version_id = "draft", version.id
    session.flush()
    session.execute(delete(ReportValue).where(ReportValue.report_id == report.id))
    return report


def signed_in(app, unit_code: str):
    """A test client signed in as the unit's account, after the first login's forced password change."""
    import secrets

    from core.accounts import lifecycle as accounts
    from core.platform.extensions import db

    with app.app_context():
        account, one_time, _created = accounts.issue(db.session, unit_code)
        db.session.commit()
        username = account.username
    client = app.test_client()
    client.post("/login/", data={"username": username, "password": one_time})
    new = f"Thử-Nghiệm-{secrets.token_hex(4)}-2026!"
    client.post("/account/password/form", data={"old_password": one_time, "new_password": new,
                                                 "confirm_password": new})
    return client
