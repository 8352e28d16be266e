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
import statistics
import time

from bench.common import bench_app, commune_with_period, draft_report, signed_in
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


def main() -> None:
    from core.platform.extensions import db
    from core.reporting import workbook
    from core.reporting.models import ReportValue

    app, url = bench_app()
    with app.app_context():
        unit, period = commune_with_period(db.session, "BW")
        report = draft_report(db.session, big_spec(f"BENCH-W{FIELDS}", FIELDS, GRIDS, RULES), unit, period)
        pk, defn = report.id, report.version.definition
        db.session.commit()
    client = signed_in(app, "BW001")
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
