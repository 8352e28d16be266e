"""National roll-up and completeness (issue 6 targets, PostgreSQL, 2 cores):

* 3,321 communes × 200 fields = 664,200 approved values → province totals in < 1 s, and within 2× of a
  hand-written single SQL query over the same rows, both timed in this run;
* completeness of 3,321 units (per unit and by level) in < 300 ms;
* the same totals limited to the reports their sector verified (H3, ``verified=1``; half of them here),
  shown with their ratio to the plain totals.

The communes sit under 100 districts under one board, so the subtree condition and the joins are those
of a real province. Set-up writes rows with bulk SQL (this measures reading, not the workflow).
Uses ``DATABASE_URL`` when set (SQLite otherwise, in a scratch file); the median of 5 runs is shown.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import date

from bench.common import Row

UNITS = int(os.environ.get("BENCH_UNITS", "3321"))
FIELDS = 200
DISTRICTS = 100
RUNS = 5

HAND_WRITTEN = """
SELECT v.field_code, v.cell, sum(v.number)
FROM report_value v JOIN report r ON r.id = v.report_id
WHERE r.form_id = :form AND r.period_id = :period AND r.state = 'approved'
GROUP BY v.field_code, v.cell
"""



def _median(fn) -> tuple[float, object]:
    times, result = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    from sqlalchemy import delete, select, text

    from core.reporting import assignment
    from core.analytics import completeness, rollup
    from core import create_app
    from core.bootstrap import migrate_to_head
    from core.contracts import FieldSpec, FormSpec, ScheduleSpec, SectionSpec
    from core.platform.extensions import db
    from core.forms.definitions import sync_spec
    from core.forms.models.form import Form
    from core.forms.models.period import Period
    from core.reporting.models import Report
    from core.hierarchy.models import Unit
    from core.hierarchy.units import import_units

    tmp = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": "bench", "DATABASE_URL": url, "REDIS_URL": None})
    with app.app_context():
        migrate_to_head()
        db.session.execute(text("DELETE FROM report_verification"))
        db.session.execute(delete(Report))
        from core.platform import plugin_admin

        plugin_admin.set_enabled(db.session, "cao_bang", True)  # a hierarchy with districts
        db.session.commit()
        rows = [Row("VN", "Ban Dân tộc", "board")]
        rows += [Row(f"H{d:03d}", f"Huyện {d}", "district", "VN") for d in range(DISTRICTS)]
        rows += [Row(f"X{i:05d}", f"Xã số {i}", "commune", f"H{i % DISTRICTS:03d}") for i in range(UNITS)]
        import_units(db.session, rows, source="bench")
        sync_spec(db.session, FormSpec("ROLLUP", "Biểu 200 chỉ tiêu", (SectionSpec("s", "Chung", tuple(
            FieldSpec(f"f{n:03d}", f"Chỉ tiêu {n}", min=0) for n in range(FIELDS))),),
            schedules=(ScheduleSpec("yearly", ("commune",)),)), source="board")
        db.session.commit()
        assignment.assign(db.session, date(2026, 12, 5))
        db.session.commit()
        form = db.session.scalar(select(Form).where(Form.code == "ROLLUP"))
        period = db.session.scalar(select(Period).where(Period.code == "2026"))
        root = db.session.scalar(select(Unit).where(Unit.code == "VN"))
        start = time.perf_counter()
        db.session.execute(text("UPDATE report SET state = 'approved', submitted_at = deadline, approved_at = deadline "
                                "WHERE form_id = :f"), {"f": form.id})
        db.session.execute(text("DELETE FROM report_value WHERE report_id IN (SELECT id FROM report WHERE form_id = :f)"),
                           {"f": form.id})
        numbers = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(FIELDS))
        db.session.execute(text(
            "INSERT INTO report_value (report_id, field_code, cell, number) "
            f"SELECT r.id, 'f' || substr('00' || g.n, -3, 3), '', (r.id % 97) + g.n FROM report r, ({numbers}) g "
            "WHERE r.form_id = :f") if db.engine.dialect.name == "sqlite" else text(
            "INSERT INTO report_value (report_id, field_code, cell, number) "
            "SELECT r.id, 'f' || lpad(g.n::text, 3, '0'), '', (r.id % 97) + g.n FROM report r, "
            "generate_series(0, :fields - 1) AS g(n) WHERE r.form_id = :f"), {"f": form.id, "fields": FIELDS})
        db.session.execute(text(
            "INSERT INTO report_verification (report_id, unit_id, result, verified_by, verified_at, approved_at) "
            "SELECT id, unit_id, 'verified', 'bench', approved_at, approved_at FROM report "
            "WHERE form_id = :f AND id % 2 = 0"), {"f": form.id})
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        values = db.session.scalar(text("SELECT count(*) FROM report_value"))
        setup_s = time.perf_counter() - start

        ours_s, totals = _median(lambda: rollup.totals(db.session, form, period, root))
        base_s, base = _median(lambda: db.session.execute(text(HAND_WRITTEN), {"form": form.id, "period": period.id})
                               .all())
        assert len(totals.values) == len(base) == FIELDS
        assert all(totals.values[(code, cell)] == total for code, cell, total in base), "totals differ"
        verified_s, verified = _median(lambda: rollup.totals(db.session, form, period, root, verified=True))
        assert 0 < verified.reports < totals.reports
        child_s, children = _median(lambda: rollup.contributions(db.session, form, period, root, "f000", by="child"))
        units_s, _ = _median(lambda: completeness.units(db.session, form, period, root))
        summary_s, summary = _median(lambda: completeness.summary(db.session, form, period, root))

    print(f"roll-up on {url.split(':')[0]}: {UNITS} communes under {DISTRICTS} districts x {FIELDS} fields "
          f"= {values:,} approved values (set up in {setup_s:.1f} s)")
    print(f"  province totals, rollup.totals   {ours_s * 1000:8.1f} ms  (target < 1 s)")
    print(f"  hand-written single SQL (base)   {base_s * 1000:8.1f} ms  ratio {ours_s / base_s:.2f}x (target <= 2x)")
    print(f"  verified reports only (H3)       {verified_s * 1000:8.1f} ms  ratio {verified_s / ours_s:.2f}x to all "
          f"({verified.reports} of {totals.reports} reports)")
    print(f"  drill-down by district, 1 field  {child_s * 1000:8.1f} ms  ({len(children)} districts)")
    print(f"  completeness per unit            {units_s * 1000:8.1f} ms  (target < 300 ms)")
    print(f"  completeness by level            {summary_s * 1000:8.1f} ms  "
          f"({sum(s.expected for s in summary)} reports expected)")


if __name__ == "__main__":
    main()
