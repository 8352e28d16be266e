"""The offline workbook of a large form (issue 18 targets: download < 1 s, upload with validation < 2 s).

Measured, for a commune's report of the published 300-field form of ``bench/entry_form.py`` (every
field type, 20 fields disaggregated by a 2×2 combo, 30 rules), through the test client (the server's
whole work: security checks, queries, openpyxl; no network):

* download: ``GET /workbook/<id>/download``, the workbook with the stored values, median of N;
* upload: ``POST /workbook/<id>/upload`` of that workbook filled with a value in every input cell
  (360 cells), read, checked by the entry screen's rules and saved, median of N (each round
  downloads a fresh workbook and fills it untimed, since a saved report outdates the previous one).

Baselines, same run: bare openpyxl writing the same values at the same cells and saving (for the
download), and bare openpyxl opening the filled file and reading the same cells (for the upload).
"""
from __future__ import annotations

import io
import os
import secrets
import statistics
import tempfile
import time
from datetime import timedelta

from bench.common import Row
from bench.entry_form import FIELDS, GRIDS, RULES, big_spec, full_post

N = int(os.environ.get("BENCH_WORKBOOK_N", "10"))


def _timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def _typed(text: str):
    """A value as a person types it into Excel: whole numbers as numbers, the rest as text."""
    return int(text) if text.lstrip("-").isdigit() else text


def fill(data: bytes, slots, post: dict) -> bytes:
    """The workbook with ``post``'s value typed into every input cell (openpyxl, as in Excel)."""
    from openpyxl import load_workbook

    from core.reporting.entry import input_name

    book = load_workbook(io.BytesIO(data))
    for slot in slots:
        book[slot.sheet].cell(slot.row, slot.column).value = _typed(post[input_name(slot.code, slot.cell)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bare_read(data: bytes, slots) -> list:
    """The baseline: open the file with openpyxl and read the same cells, nothing else."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return [book[s.sheet].cell(s.row, s.column).value for s in slots]


def bare_write(slots, values: list) -> bytes:
    """The baseline: the same values at the same cells of a new workbook, saved."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    sheets = {}
    for slot, value in zip(slots, values):
        if slot.sheet not in sheets:
            sheets[slot.sheet] = book.create_sheet(slot.sheet)
        sheets[slot.sheet].cell(slot.row, slot.column, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _setup():
    from sqlalchemy import delete, select

    from core import create_app
    from core.accounts import lifecycle as accounts
    from core.bootstrap import migrate_to_head
    from core.forms.definitions import latest_version, sync_spec
    from core.forms.models.form import Form
    from core.forms.models.period import Period
    from core.hierarchy.models import Unit
    from core.hierarchy.units import import_units
    from core.platform.clock import today
    from core.platform.extensions import db
    from core.reporting.models import Report, ReportValue

    tmp = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": "bench", "DATABASE_URL": url, "REDIS_URL": None,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        migrate_to_head()
        import_units(db.session, [Row("BW", "Ban Dân tộc (thử)", "board"), Row("BW001", "Xã thử", "commune", "BW")],
                     source="bench")
        unit = db.session.execute(select(Unit).where(Unit.code == "BW001")).scalar_one()
        day = today()
        period = db.session.execute(select(Period).where(Period.code == "BENCH-W")).scalar_one_or_none()
        if period is None:
            period = Period(code="BENCH-W", type="adhoc", name="Kỳ thử", start=day, end=day,
                            deadline=day + timedelta(days=10), opens=day, closes=day + timedelta(days=10))
            db.session.add(period)
        code = f"BENCH-W{FIELDS}"
        sync_spec(db.session, big_spec(code, FIELDS, GRIDS, RULES), source="board")
        form = db.session.execute(select(Form).where(Form.code == code)).scalar_one()
        version = latest_version(db.session, form)
        db.session.flush()
        report = db.session.execute(select(Report).where(
            Report.form_id == form.id, Report.period_id == period.id, Report.unit_id == unit.id)).scalar_one_or_none()
        if report is None:
            report = Report(form_id=form.id, period_id=period.id, unit_id=unit.id, level=unit.level,
                            deadline=period.deadline, form_version_id=version.id)
            db.session.add(report)
        report.state, report.form_version_id = "draft", version.id
        db.session.flush()
        db.session.execute(delete(ReportValue).where(ReportValue.report_id == report.id))
        account, one_time, _created = accounts.issue(db.session, "BW001")
        db.session.commit()
        return app, url, report.id, version.definition, account.username, one_time


def main() -> None:
    from core.platform.extensions import db
    from core.reporting import workbook
    from core.reporting.models import ReportValue

    app, url, pk, defn, username, one_time = _setup()
    client = app.test_client()
    client.post("/login/", data={"username": username, "password": one_time})
    new = f"Thử-Nghiệm-{secrets.token_hex(4)}-2026!"
    client.post("/account/password/form", data={"old_password": one_time, "new_password": new,
                                                 "confirm_password": new})
    slots = workbook.layout(defn).slots

    def download() -> bytes:
        resp = client.get(f"/workbook/{pk}/download")
        assert resp.status_code == 200, resp.status_code
        return resp.data

    download()  # warm up: templates, caches, openpyxl imported
    down_ms, up_ms, bare_read_ms, bare_write_ms, sizes, statuses = [], [], [], [], [], set()
    for bump in range(N):
        ms, blank = _timed(download)
        down_ms.append(ms)
        sizes.append(len(blank))
        post = full_post(defn, bump + 1)
        values = [_typed(post[workbook.entry.input_name(s.code, s.cell)]) for s in slots]
        bare_write_ms.append(_timed(lambda: bare_write(slots, values))[0])
        filled = fill(blank, slots, post)
        bare_read_ms.append(_timed(lambda: bare_read(filled, slots))[0])
        ms, resp = _timed(lambda: client.post(f"/workbook/{pk}/upload", data={
            "file": (io.BytesIO(filled), "bench.xlsx")}, content_type="multipart/form-data"))
        up_ms.append(ms)
        statuses.add(resp.status_code)
    with app.app_context():
        kept = db.session.query(ReportValue).filter_by(report_id=pk).count()

    median = statistics.median
    print(f"offline workbook on {url.split(':')[0]}: {FIELDS} fields ({len(slots)} input cells, {GRIDS} grids, "
          f"{RULES} rules), median of {N}, server time through the test client")
    print(f"  baseline bare openpyxl write of the same cells  {median(bare_write_ms):7.1f} ms")
    print(f"  download (build + send)                          {median(down_ms):7.1f} ms  "
          f"(ratio {median(down_ms) / median(bare_write_ms):.1f}x; {median(sizes) / 1024:.0f} KiB; target < 1000 ms)")
    print(f"  baseline bare openpyxl read of the same cells   {median(bare_read_ms):7.1f} ms")
    print(f"  upload (read + validate + save)                  {median(up_ms):7.1f} ms  "
          f"(ratio {median(up_ms) / median(bare_read_ms):.1f}x; target < 2000 ms)")
    print(f"  (statuses {sorted(statuses)}: 302 = saved; {kept} values stored; worst download {max(down_ms):.0f} ms, "
          f"worst upload {max(up_ms):.0f} ms)")


if __name__ == "__main__":
    main()
