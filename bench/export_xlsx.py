"""Export at national scale (R1): 3,321 communes × 200 numeric fields approved, as one XLSX file
(target < 5 s on PostgreSQL).

The set-up writes the approved values directly with one INSERT … SELECT (a
benchmark of the export, not of the workflow). Measured: the whole export
through :func:`core.analytics.exports.document.export` (the one streamed query, the
roll-up's total, openpyxl write-only), split into reading and writing.
Baseline, in the same run: the same 3,321 × 200 numbers written with bare
openpyxl write-only from a Python list.

Set ``BENCH_EXPORT_URL`` (or ``DATABASE_URL``) to a scratch database: it is migrated and its
reports are wiped.
"""
from __future__ import annotations

import os
import tempfile
import time
from datetime import date

from bench.common import Row

UNITS = int(os.environ.get("BENCH_UNITS", "3321"))
FIELDS = int(os.environ.get("BENCH_FIELDS", "200"))
DAY = date(2026, 12, 5)



def _setup(db):
    from sqlalchemy import delete, select, text

    from core.reporting import assignment
    from core.contracts import FieldSpec, FormSpec, ScheduleSpec, SectionSpec
    from core.forms.definitions import sync_spec
    from core.forms.models.form import Form
    from core.forms.models.period import Period
    from core.reporting.models import Report, ReportValue
    from core.hierarchy.models import Unit
    from core.hierarchy.units import import_units

    db.session.execute(delete(ReportValue))
    db.session.execute(delete(Report))
    rows = [Row("VN", "Ban Dân tộc", "board")] + [Row(f"X{i:05d}", f"Xã số {i} – Hà Giang", "commune", "VN")
                                                  for i in range(UNITS)]
    import_units(db.session, rows, source="bench")
    fields = tuple(FieldSpec(f"f{n:03d}", f"Chỉ tiêu số {n}", min=0, unit_of_measure="người")
                   for n in range(FIELDS))
    sync_spec(db.session, FormSpec("BX", "Biểu kết xuất thử", (SectionSpec("s", "Chung", fields),),
                                   schedules=(ScheduleSpec("yearly", ("commune",)),)), source="board")
    db.session.commit()
    assignment.assign(db.session, DAY)
    db.session.commit()
    form = db.session.execute(select(Form).where(Form.code == "BX")).scalar_one()
    period = db.session.execute(select(Period).where(Period.code == "2026")).scalar_one()
    db.session.execute(text("UPDATE report SET state = 'approved' WHERE form_id = :f"), {"f": form.id})
    codes = " UNION ALL ".join(f"SELECT 'f{n:03d}' AS code, {n} AS n" for n in range(FIELDS))
    db.session.execute(text(
        f"INSERT INTO report_value (report_id, field_code, cell, number) "
        f"SELECT r.id, f.code, '', (r.id * 7 + f.n) % 1000 FROM report r CROSS JOIN ({codes}) f "
        f"WHERE r.form_id = :f"), {"f": form.id})
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # fresh statistics, as autovacuum would have gathered
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    root = db.session.execute(select(Unit).where(Unit.code == "VN")).scalar_one()
    return form, period, root


def _baseline(path: str) -> float:
    from openpyxl import Workbook

    rows = [[(u * 7 + n) % 1000 for n in range(FIELDS)] for u in range(UNITS)]
    start = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    for row in rows:
        ws.append(row)
    wb.save(path)
    return time.perf_counter() - start


def main() -> None:
    from core import create_app
    from core.bootstrap import migrate_to_head
    from core.analytics.exports import document, table
    from core.platform.extensions import db

    tmp = tempfile.mkdtemp()
    url = os.environ.get("BENCH_EXPORT_URL") or os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": "bench", "DATABASE_URL": url, "REDIS_URL": None})
    with app.app_context(), app.test_request_context():
        migrate_to_head()
        form, period, root = _setup(db)
        start = time.perf_counter()
        built = table.build(db.session, form, period, root)
        read_s = time.perf_counter() - start
        db.session.expire_all()
        out = os.path.join(tmp, "export.xlsx")
        start = time.perf_counter()
        with open(out, "wb") as fh:
            document.export(db.session, form, period, root, "xlsx", fh)
        ours = time.perf_counter() - start
        size = os.path.getsize(out)
    base = _baseline(os.path.join(tmp, "baseline.xlsx"))
    print(f"export_xlsx on {url.split(':')[0]}: {len(built.rows)} units x {len(built.columns)} fields approved")
    print(f"  read (one streamed query + roll-up) {read_s:8.2f} s")
    print(f"  whole export to XLSX               {ours:8.2f} s  ({size / 1e6:.1f} MB; target < 5 s)")
    print(f"  bare openpyxl write-only, list      {base:8.2f} s  (baseline; ratio {ours / base:.2f}x)")


if __name__ == "__main__":
    main()
