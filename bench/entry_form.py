"""The data entry screen of a large form (issue F9 target: render < 150 ms on the server).

Measured: the entry page of a published 300-field form (every field type, 20
fields disaggregated by a 2×2 combo, 30 rules) for a commune's report, as the
median of N logged-in GETs through the test client (the server's whole work:
security checks, two queries, the template; no network). Baselines, same run:
the same page for a 10-field form, and the help page (an almost empty FAB
page). Also timed: the live check and the save of a complete 300-field post
(first save: inserts; then every value changed: updates; then nothing new).
"""
from __future__ import annotations

import os
import statistics
import time

from bench.common import bench_app, commune_with_period, draft_report, signed_in

N = int(os.environ.get("BENCH_ENTRY_N", "30"))
FIELDS = 300
GRIDS = 20
RULES = 30
TYPES = ("integer", "integer", "integer", "decimal", "percent", "text", "date", "choice", "yes_no", "long_text")



def big_spec(code: str, fields: int, grids: int, rules: int):
    """A form of ``fields`` fields in sections of 30: the first ``grids`` integer fields are 2×2 tables."""
    from core.contracts import CategorySpec, Choice, ComboSpec, FieldSpec, FormSpec, RuleSpec, SectionSpec

    specs, numbers, tables = [], [], []
    for i in range(fields):
        kind = "integer" if i < grids else TYPES[i % len(TYPES)]
        extra = {}
        if i < grids:
            extra["combo"] = "bench_eth_sex"
            tables.append(f"f{i:03d}")
        elif kind == "integer":
            numbers.append(f"f{i:03d}")
            extra["min"] = 0
        elif kind == "choice":
            extra["choices"] = (Choice("a", "Phương án A"), Choice("b", "Phương án B"), Choice("c", "Phương án C"))
        specs.append(FieldSpec(f"f{i:03d}", f"Chỉ tiêu số {i + 1} của biểu báo cáo", kind,
                               required=i % 7 == 0, unit_of_measure="người" if kind == "integer" else "",
                               help="Ghi theo số liệu đến cuối kỳ báo cáo." if i % 5 == 0 else "", **extra))
    sections = tuple(SectionSpec(f"s{n}", f"Phần {n + 1}", tuple(specs[n * 30:(n + 1) * 30]))
                     for n in range((fields + 29) // 30))
    rule_specs = []
    for r in range(rules):
        if r % 3 == 0 and tables:
            rule_specs.append(RuleSpec(f"R{r}", f"sum({tables[r % len(tables)]}) >= 0", "Tổng phải không âm."))
        elif len(numbers) > 1:
            a, b = numbers[r % (len(numbers) - 1)], numbers[r % (len(numbers) - 1) + 1]
            rule_specs.append(RuleSpec(f"R{r}", f"{a} <= {b}", f"{a} không lớn hơn {b}."))
    return FormSpec(
        code=code, name=f"Biểu thử {fields} chỉ tiêu", sections=sections, rules=tuple(rule_specs),
        categories=(CategorySpec("bench_eth", "Dân tộc", (Choice("kinh", "Kinh"), Choice("dtts", "Dân tộc thiểu số"))),
                    CategorySpec("bench_sex", "Giới tính", (Choice("nam", "Nam"), Choice("nu", "Nữ")))),
        combos=(ComboSpec("bench_eth_sex", "Dân tộc × giới tính", ("bench_eth", "bench_sex")),) if grids else ())


def full_post(defn: dict, bump: int = 0) -> dict:
    """A value for every field (and cell) that passes every rule; ``bump`` changes them all."""
    from core.reporting.entry import cells_of, input_name

    post = {}
    for n, (code, fld) in enumerate((f["code"], f) for s in defn["sections"] for f in s["fields"]):
        for cell in cells_of(defn, fld):
            kind = fld["type"]
            post[input_name(code, cell)] = {
                "integer": str(n * 10 + bump), "decimal": f"{n},{5 + bump}", "percent": str(10 + bump % 50),
                "text": f"Ghi chú {n} {bump}", "long_text": f"Nội dung {n} {bump}",
                "date": f"{1 + bump % 28:02d}/03/2026", "choice": "abc"[bump % 3],
                "yes_no": "yes" if bump % 2 else "no",
            }[kind]
    return post


def median_ms(fn, n: int = N) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    from core.platform.extensions import db
    from core.reporting.models import ReportValue

    app, url = bench_app()
    with app.app_context():
        unit, period = commune_with_period(db.session, "BE")
        reports = {}
        for size, grids, rules in ((FIELDS, GRIDS, RULES), (10, 1, 3)):
            report = draft_report(db.session, big_spec(f"BENCH-E{size}", size, grids, rules), unit, period)
            reports[size] = (report.id, report.version.definition)
        db.session.commit()
    client = signed_in(app, "BE001")
    big_id, big_defn = reports[FIELDS]
    small_id, _ = reports[10]

    def get(path):
        resp = client.get(path)
        assert resp.status_code == 200, (path, resp.status_code)
        return resp

    for path in (f"/reports/{big_id}/entry", f"/reports/{small_id}/entry", "/help/"):
        get(path)  # warm up: templates compiled, caches filled
    big_ms = median_ms(lambda: get(f"/reports/{big_id}/entry"))
    small_ms = median_ms(lambda: get(f"/reports/{small_id}/entry"))
    help_ms = median_ms(lambda: get("/help/"))
    size_empty = len(get(f"/reports/{big_id}/entry").data)

    post = full_post(big_defn)
    validate_ms = median_ms(lambda: client.post(f"/reports/{big_id}/validate", data={**post, "_full": "1"}))
    checked = client.post(f"/reports/{big_id}/validate", data={**post, "_full": "1"}).get_json()
    start = time.perf_counter()
    first = client.post(f"/reports/{big_id}/entry", data=post)
    insert_ms = (time.perf_counter() - start) * 1000
    bumps = iter(range(1, 10**6))
    update_ms = median_ms(lambda: client.post(f"/reports/{big_id}/entry", data=full_post(big_defn, next(bumps))),
                          max(5, N // 3))
    last = full_post(big_defn, next(bumps))
    client.post(f"/reports/{big_id}/entry", data=last)
    same_ms = median_ms(lambda: client.post(f"/reports/{big_id}/entry", data=last), max(5, N // 3))
    filled_ms = median_ms(lambda: get(f"/reports/{big_id}/entry"))
    size_filled = len(get(f"/reports/{big_id}/entry").data)
    cells = len(post)
    with app.app_context():
        from core.platform.models.audit import AuditEntry

        kept = db.session.query(ReportValue).filter_by(report_id=big_id).count()
        audited = db.session.query(AuditEntry).filter_by(action="report.save", object_id=str(big_id)).count()
        sample = db.session.get(ReportValue, (big_id, "f021", ""))

    print(f"entry form on {url.split(':')[0]}: median of {N} requests, server time through the test client")
    print(f"  baseline help page (empty FAB page)   {help_ms:7.1f} ms")
    print(f"  baseline entry page, 10 fields        {small_ms:7.1f} ms")
    print(f"  entry page, {FIELDS} fields, empty        {big_ms:7.1f} ms  (ratio {big_ms / small_ms:.1f}x the 10-field "
          f"page, {big_ms / help_ms:.1f}x the help page; {size_empty / 1024:.0f} KiB, target < 150 ms)")
    print(f"  entry page, {FIELDS} fields, filled       {filled_ms:7.1f} ms  ({size_filled / 1024:.0f} KiB)")
    print(f"  live check of a full post ({cells} cells) {validate_ms:7.1f} ms  "
          f"(errors: {len(checked['errors'])})")
    print(f"  save, first (inserts)                 {insert_ms:7.1f} ms  (status {first.status_code})")
    print(f"  save, every value changed (updates)   {update_ms:7.1f} ms")
    print(f"  save, nothing changed                 {same_ms:7.1f} ms")
    print(f"  (after: {kept} values stored, {audited} saves audited, f021 = {float(sample.number):g}, "
          f"posted {last['f021']})")


if __name__ == "__main__":
    main()
