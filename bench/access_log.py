"""Cost of logging downloads and refused access (issue "security, round two", item 6).

1. Requests: ``BENCH_ACCESS_N`` signed-in API requests that are refused (``GET /api/v1/report/<an id
   that does not exist>``, 404), served in-process, first with the access log's ``after_request``
   hook taken off the app (before), then with it (after). The ratio is what logging adds to such a
   request.
2. Contention: ``BENCH_ACCESS_THREADS`` threads each log ``BENCH_ACCESS_EVENTS`` events, one
   transaction each, as access entries (one INSERT, no shared lock: what the app does) against
   chained audit entries (``audit.record`` + commit, every one bumping the head row: the design not
   chosen). Threads stand in for worker processes: on PostgreSQL they wait on the database, not on
   the GIL.

Uses ``DATABASE_URL`` when set (a scratch database: the benchmark adds rows), else a SQLite file.
"""
from __future__ import annotations

import os
import tempfile
import time

from bench.common import run_threads

N = int(os.environ.get("BENCH_ACCESS_N", "400"))
THREADS = int(os.environ.get("BENCH_ACCESS_THREADS", "8"))
EVENTS = int(os.environ.get("BENCH_ACCESS_EVENTS", "100"))


def _requests(app, client, headers) -> float:
    start = time.perf_counter()
    for i in range(N):
        assert client.get(f"/api/v1/report/{10**6 + i}", headers=headers).status_code == 404
    return time.perf_counter() - start


def _threads(app, work) -> float:
    from core.platform.extensions import db

    def run():
        with app.app_context():
            for i in range(EVENTS):
                work(i)
            db.session.remove()

    return run_threads(run, THREADS)


def main() -> None:
    from flask_jwt_extended import create_access_token

    from core import create_app
    from core.bootstrap import migrate_to_head
    from core.platform import access_log, audit
    from core.platform.extensions import db

    tmp = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": "bench", "DATABASE_URL": url, "REDIS_URL": None,
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        migrate_to_head()
        sm = app.appbuilder.sm
        user = sm.find_user(username="bench-admin") or sm.add_user(
            "bench-admin", "Bench", "Admin", "bench@example.vn", sm.find_role(sm.auth_role_admin), password="x")
        headers = {"Authorization": f"Bearer {create_access_token(identity=str(user.id), fresh=True)}"}
        db.session.remove()
    client = app.test_client()
    hook = access_log._after_request
    funcs = app.after_request_funcs[None]
    _requests(app, client, headers)  # warm up: caches, the first connection
    funcs.remove(hook)
    before = _requests(app, client, headers)
    funcs.append(hook)
    after = _requests(app, client, headers)

    actor = audit.Actor(name="bench", ip="127.0.0.1")

    def access(i):
        access_log.record_access(access_log.REFUSED, 404, {"i": i}, actor=actor)

    def chained(i):
        audit.record("bench.refused", "Bench", i, {"i": i}, actor=actor)
        db.session.commit()

    total = THREADS * EVENTS
    concurrent = not url.startswith("sqlite")  # SQLite has one writer: threads would only fail "locked"
    if concurrent:
        inserted = _threads(app, access)
        chain = _threads(app, chained)

    print(f"access log on {url.split(':')[0]}")
    print(f"  {N} refused requests, not logged  {before * 1000:8.1f} ms  ({before / N * 1000:.2f} ms each)")
    print(f"  {N} refused requests, logged      {after * 1000:8.1f} ms  ({after / N * 1000:.2f} ms each, "
          f"ratio {after / before:.2f}x)")
    if concurrent:
        print(f"  {total} events from {THREADS} threads: access entries {inserted * 1000:8.1f} ms "
              f"({total / inserted:.0f}/s), chained entries {chain * 1000:8.1f} ms ({total / chain:.0f}/s), "
              f"ratio {inserted / chain:.2f}x")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
