"""Automatic assignment at national scale: 3,321 communes × 5 yearly forms (issue 4 target: < 10 s on
PostgreSQL, and a second run < 2 s creating nothing).

Baseline, measured in the same run: the naive way — for one form, a SELECT per
unit to see whether its report exists, then an ORM ``add`` per new report —
so the ratio shows what one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` per
(form, period) buys.
"""
from __future__ import annotations

import os
import tempfile
import time
from datetime import date

from bench.common import Row

UNITS = int(os.environ.get("BENCH_UNITS", "3321"))
FORMS = 5
DAY = date(2026, 12, 5)  # the yearly window of 2026 is open



def main() -> None:
    from sqlalchemy import delete, select

    from core.reporting import assignment
    from core import create_app
    from core.bootstrap import migrate_to_head
    from core.contracts import FieldSpec, FormSpec, ScheduleSpec, SectionSpec
    from core.platform.extensions import db
    from core.forms.definitions import sync_spec
    from core.forms.models.form import Form, FormVersion
    from core.forms.models.period import Period
    from core.reporting.models import Report
    from core.hierarchy.models import Unit
    from core.hierarchy.units import import_units

    tmp = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": "bench", "DATABASE_URL": url, "REDIS_URL": None})
    with app.app_context():
        migrate_to_head()
        db.session.execute(delete(Report))
        rows = [Row("VN", "Ban Dân tộc", "board")] + [Row(f"X{i:05d}", f"Xã số {i}", "commune", "VN")
                                                      for i in range(UNITS)]
        import_units(db.session, rows, source="bench")
        for n in range(FORMS):
            sync_spec(db.session, FormSpec(f"B{n}", f"Biểu {n}", (SectionSpec("s", "Chung", (
                FieldSpec("a", "A", min=0), FieldSpec("b", "B", min=0))),),
                schedules=(ScheduleSpec("yearly", ("commune",)),)), source="board")
        db.session.commit()

        start = time.perf_counter()
        first = assignment.assign(db.session, DAY)
        db.session.commit()
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        second = assignment.assign(db.session, DAY)
        db.session.commit()
        second_s = time.perf_counter() - start

        # Baseline: one form, the naive per-unit way, into an empty slot.
        form = db.session.execute(select(Form).where(Form.code == "B0")).scalar_one()
        version = db.session.execute(select(FormVersion).where(FormVersion.form_id == form.id)).scalar_one()
        period = db.session.execute(select(Period).where(Period.code == "2026")).scalar_one()
        db.session.execute(delete(Report).where(Report.form_id == form.id))
        db.session.commit()
        start = time.perf_counter()
        for unit in db.session.execute(select(Unit).where(Unit.level == "commune")).scalars():
            exists = db.session.execute(select(Report.id).where(
                Report.form_id == form.id, Report.period_id == period.id, Report.unit_id == unit.id)).first()
            if not exists:
                db.session.add(Report(form_id=form.id, form_version_id=version.id, period_id=period.id,
                                      unit_id=unit.id, state="draft", level=unit.level, deadline=period.deadline))
        db.session.commit()
        naive_one = time.perf_counter() - start
        db.session.execute(delete(Report).where(Report.form_id == form.id))
        db.session.commit()
        start = time.perf_counter()
        again = assignment.assign(db.session, DAY)
        db.session.commit()
        ours_one = time.perf_counter() - start

    print(f"assignment on {url.split(':')[0]}: {UNITS} communes x {FORMS} yearly forms")
    print(f"  first run    {first_s * 1000:8.1f} ms  ({first.created} reports created; target < 10 s)")
    print(f"  second run   {second_s * 1000:8.1f} ms  ({second.created} created; target < 2 s)")
    print(f"  one form, naive per-unit SELECT + add  {naive_one * 1000:8.1f} ms  (baseline)")
    print(f"  one form, INSERT ... SELECT ON CONFLICT {ours_one * 1000:8.1f} ms  ({again.created} created, "
          f"ratio {ours_one / naive_one:.2f}x of baseline)")


if __name__ == "__main__":
    main()
