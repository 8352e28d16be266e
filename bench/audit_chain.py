"""Cost of the hash-chained audit log against a plain insert of the same rows.

Baseline: the same N rows inserted into ``audit_entry`` with a fixed hash,
one transaction each, so the ratio is the chain's own cost. Measured: the same N events through ``audit.record`` in batches
of one transaction each (the chain lock, the hashing, the head update).
"""
from __future__ import annotations

import os
import tempfile
import time

from sqlalchemy import insert

N = int(os.environ.get("BENCH_AUDIT_N", "2000"))


def main() -> None:
    from core.platform import audit
    from core import create_app
    from core.bootstrap import migrate_to_head
    from core.platform.extensions import db
    from core.platform.models.audit import AuditEntry

    tmp = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": "bench", "DATABASE_URL": url, "REDIS_URL": None})
    with app.app_context():
        migrate_to_head()
        actor = audit.Actor(name="bench")
        start = time.perf_counter()
        for i in range(N):
            audit.record("bench.chained", "Bench", i, {"i": i}, actor=actor)
            db.session.commit()
        chained = time.perf_counter() - start

        start = time.perf_counter()
        verdict = audit.verify(db.session)
        verify = time.perf_counter() - start
        start = time.perf_counter()
        rows = [dict(audit._entry(actor, "bench.plain", "Bench", i, {"i": i}), seq=10**9 + i,
                     prev_hash="0" * 64, hash="0" * 64) for i in range(N)]
        for row in rows:
            db.session.execute(insert(AuditEntry), [row])
            db.session.commit()
        plain = time.perf_counter() - start

    print(f"audit chain on {url.split(':')[0]}: {N} events")
    print(f"  baseline plain insert     {plain * 1000:8.1f} ms")
    print(f"  chained, one tx per event {chained * 1000:8.1f} ms  ({chained / N * 1e6:.0f} µs/event, "
          f"ratio {chained / plain:.1f}x)")
    print(f"  verify whole chain        {verify * 1000:8.1f} ms  (ok={verdict.ok}, {verdict.checked} entries)")


if __name__ == "__main__":
    main()
