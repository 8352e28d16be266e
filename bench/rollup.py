"""National roll-up and completeness (issue 6 targets, PostgreSQL, 2 cores):

* 3,321 communes × 200 fields = 664,200 approved values → province totals in < 1 s, and within 2× of a
  hand-written single SQL query over the same rows, both timed in this run;
* completeness of 3,321 units (per unit and by level) in < 300 ms;
* the same totals limited to the reports their sector verified (H3, ``verified=1``; half of them here),
  shown with their ratio to the plain totals;
* the reconstructed case (issue 19): a 2024 period reported by ~10,000 predecessor communes (under 300 old
  districts, closed on 30/6/2025) × 200 fields, folded into today's 3,321 communes by ``unit_lineage``
  (471 of them split in two, 0.4 / 0.6): the province total on ``tree=current`` in < 1.5 s and within
  3× of the same total on ``tree=as_reported``, both timed in this run (``BENCH_PREDECESSORS``, ``BENCH_SPLIT``).

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
PREDECESSORS = int(os.environ.get("BENCH_PREDECESSORS", "10000"))
SPLIT = int(os.environ.get("BENCH_SPLIT", "471"))
OLD_DISTRICTS = 300

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
    with app.app_context():
        reconstructed(url)


def reconstructed(url: str) -> None:
    """The 2024 period on the old tree, and its total on today's (see the module docstring)."""
    from sqlalchemy import select, text

    from core.analytics import rollup
    from core.analytics.tree import AS_REPORTED, CURRENT
    from core.forms.models.form import Form
    from core.forms.models.period import Period
    from core.hierarchy.models import Unit
    from core.hierarchy.units import import_units
    from core.platform.extensions import db

    session = db.session
    postgres = db.engine.dialect.name == "postgresql"
    start = time.perf_counter()
    rows = [Row(f"OH{d:03d}", f"Huyện cũ {d}", "district", "VN") for d in range(OLD_DISTRICTS)]
    rows += [Row(f"P{i:05d}", f"Xã cũ số {i}", "commune", f"OH{i % OLD_DISTRICTS:03d}") for i in range(PREDECESSORS)]
    import_units(session, rows, source="bench")
    session.execute(text("UPDATE unit SET valid_to = :last, active = :no WHERE code LIKE 'P%' OR code LIKE 'OH%'"),
                    {"last": date(2025, 6, 30), "no": False})
    # Every unit's version, as migration 0016 backfills them: the old tree's end on 30/6/2025.
    session.execute(text("DELETE FROM unit_lineage"))
    session.execute(text("DELETE FROM unit_version"))
    session.execute(text("INSERT INTO unit_version (unit_id, name, level, parent_id, path, valid_from, valid_to) "
                         "SELECT id, name, level, parent_id, path, valid_from, valid_to FROM unit"))
    current = [uid for (uid,) in session.execute(text("SELECT id FROM unit WHERE code LIKE 'X%' ORDER BY code"))]
    old = [uid for (uid,) in session.execute(text("SELECT id FROM unit WHERE code LIKE 'P%' ORDER BY code"))]
    lineage = []
    for i, uid in enumerate(old):  # predecessor i → today's commune i mod 3,321; the first SPLIT split 0.4 / 0.6
        if i < SPLIT:
            lineage += [(uid, current[i % len(current)], 0.4), (uid, current[(i + 1) % len(current)], 0.6)]
        else:
            lineage.append((uid, current[i % len(current)], 1))
    session.execute(text("INSERT INTO unit_lineage (unit_id, current_unit_id, share, reported_from, reported_to) "
                         "VALUES (:u, :c, :s, NULL, :to)"),
                    [{"u": u, "c": c, "s": s, "to": date(2025, 6, 30)} for u, c, s in lineage])
    form = session.scalar(select(Form).where(Form.code == "ROLLUP"))
    period = session.scalar(select(Period).where(Period.code == "2024"))
    if period is None:
        period = Period(code="2024", type="yearly", name="Năm 2024", start=date(2024, 1, 1), end=date(2024, 12, 31),
                        deadline=date(2025, 1, 20), opens=date(2024, 12, 1), closes=date(2025, 1, 31))
        session.add(period)
        session.flush()
    session.execute(text(
        "INSERT INTO report (form_id, form_version_id, period_id, unit_id, state, level, deadline, submitted_at, "
        "approved_at, lock_version, review_step, backfilled) "
        "SELECT :f, (SELECT form_version_id FROM report WHERE form_id = :f LIMIT 1), :p, id, 'approved', level, "
        ":d, :at, :at, 1, 0, :no FROM unit WHERE code LIKE 'P%'"),
        {"f": form.id, "p": period.id, "d": period.deadline, "at": date(2025, 1, 10), "no": False})
    numbers = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(FIELDS))
    session.execute(text(
        "INSERT INTO report_value (report_id, field_code, cell, number) "
        "SELECT r.id, 'f' || lpad(g.n::text, 3, '0'), '', (r.id % 89) + g.n FROM report r, "
        "generate_series(0, :fields - 1) AS g(n) WHERE r.period_id = :p") if postgres else text(
        "INSERT INTO report_value (report_id, field_code, cell, number) "
        f"SELECT r.id, 'f' || substr('00' || g.n, -3, 3), '', (r.id % 89) + g.n FROM report r, ({numbers}) g "
        "WHERE r.period_id = :p"), {"p": period.id, "fields": FIELDS})
    session.commit()
    if postgres:
        session.execute(text("ANALYZE"))
        session.commit()
    values = session.scalar(text("SELECT count(*) FROM report_value v JOIN report r ON r.id = v.report_id "
                                 "WHERE r.period_id = :p"), {"p": period.id})
    setup_s = time.perf_counter() - start
    root = session.scalar(select(Unit).where(Unit.code == "VN"))
    reported_s, reported = _median(lambda: rollup.totals(session, form, period, root, tree=AS_REPORTED))
    current_s, rebuilt = _median(lambda: rollup.totals(session, form, period, root, tree=CURRENT))
    assert reported.reports == rebuilt.reports == len(old)
    assert all(abs(rebuilt.values[key] - total) < 1e-6 for key, total in reported.values.items()), "trees differ"
    commune_s, _ = _median(lambda: rollup.contributions(session, form, period, root, "f000", by="child",
                                                         tree=CURRENT))
    print(f"reconstructed: {len(old):,} predecessors ({SPLIT} split in two) -> {len(current):,} communes "
          f"x {FIELDS} fields = {values:,} approved values, {len(lineage):,} lineage rows "
          f"(set up in {setup_s:.1f} s)")
    print(f"  province total, tree=as_reported {reported_s * 1000:8.1f} ms  (baseline)")
    print(f"  province total, tree=current     {current_s * 1000:8.1f} ms  ratio {current_s / reported_s:.2f}x "
          f"(target < 1.5 s, <= 3x)")
    print(f"  by child unit, tree=current      {commune_s * 1000:8.1f} ms  (1 field)")


if __name__ == "__main__":
    main()
