"""The 1 July 2025 transition of a real province, applied (issue 19): Thanh Hóa by default (``BENCH_PROVINCE``),
576 units of the 2020 tree → 166 communes, no district.

Figures: building the draft from the table, the preview, and the apply (versions, closing, succession,
lineage, all in one transaction). Baseline, measured in the same run: importing the same 2020 units
(``import_units``, one flush per tier), so the ratio says what an event costs next to loading the tree.
"""
from __future__ import annotations

import os
import time


def main() -> None:
    from core.hierarchy import reorganisation, transition
    from core.hierarchy.models import UnitLineage, UnitVersion
    from core.hierarchy.reorganisation import from_transition
    from core.hierarchy.units import import_units, province_units
    from core.platform import plugin_admin
    from core.platform.extensions import db

    from bench.common import bench_app

    province = os.environ.get("BENCH_PROVINCE", "38")
    app, url = bench_app()
    with app.app_context():
        plugin_admin.set_enabled(db.session, "cao_bang", True)  # a hierarchy with a district tier: the 2020 tree
        db.session.commit()
        rows = province_units(province, "2020").rows
        start = time.perf_counter()
        import_units(db.session, rows, source="bench")
        db.session.commit()
        baseline = time.perf_counter() - start
        start = time.perf_counter()
        reorg, built = from_transition.draft(db.session, transition.load(province))
        draft = time.perf_counter() - start
        assert reorg is not None, [str(why) for _n, why in built.problems][:3]
        start = time.perf_counter()
        plan = reorganisation.preview(db.session, reorg)
        preview = time.perf_counter() - start
        start = time.perf_counter()
        reorganisation.apply(db.session, reorg)
        db.session.commit()
        applied = time.perf_counter() - start
        versions, lineage = db.session.query(UnitVersion).count(), db.session.query(UnitLineage).count()
    print(f"reorganise {province} on {url.split(':')[0]}: {len(rows)} units, {len(plan.created)} created, "
          f"{len(plan.closed)} closed, {len(plan.moved)} moved; {versions} versions, {lineage} lineage rows")
    print(f"  import (baseline) {baseline:.2f} s; draft {draft:.2f} s; preview {preview:.2f} s; "
          f"apply {applied:.2f} s (ratio to baseline {applied / baseline:.1f}x)")


if __name__ == "__main__":
    main()
