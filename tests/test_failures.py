"""S1 (24/7): the system keeps working, or heals by itself, when a service it depends on fails.

Real processes and services: a throwaway redis-server that the test stops and starts again;
PostgreSQL connections killed under a running ``baocao serve``; a ``baocao worker`` killed with
SIGKILL in the middle of a job. Skipped, with the reason, where the service is not configured
(CI runs them all: ``DATABASE_URL`` is PostgreSQL and ``REDIS_URL`` is set).
"""
from __future__ import annotations

import logging
import os
import shutil
import time

import pytest
import requests
from sqlalchemy import create_engine, text

from core.accounts import lifecycle as accounts
from core.reporting import mailer
from core import normalise_db_url
from core.platform.extensions import db
from core.reporting.models import Notification
from core.hierarchy.models import Unit
from tests import factories, processes
from tests.conftest import ADMIN_PASSWORD, REDIS_URL, api_token
from tests.test_transition_mail import HOLDER, Inbox, smtp  # noqa: F401 (smtp is a fixture)

PG = (os.environ.get("DATABASE_URL") or "").startswith(("postgres://", "postgresql"))
needs_pg = pytest.mark.skipif(not PG, reason="needs DATABASE_URL on PostgreSQL (killing server connections)")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a real RQ queue and worker)")
needs_redis_server = pytest.mark.skipif(shutil.which("redis-server") is None,
                                        reason="needs the redis-server binary (a throwaway Redis to stop)")
FILLED = {"households": "120", "population": "500", "poor_households": "20"}


def _commune_token(client, one_time: str) -> dict:
    """The commune's first API login: change the one-time password, log in again."""
    first = {"Authorization": f"Bearer {api_token(client, 'x011', one_time)}"}
    resp = client.post("/api/v1/me/password", headers=first,
                       json={"old_password": one_time, "new_password": factories.NEW_PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    return {"Authorization": f"Bearer {api_token(client, 'x011', factories.NEW_PASSWORD)}"}


@needs_redis_server
def test_with_redis_stopped_a_commune_still_submits_and_the_mail_goes_out_later(make_app, smtp, caplog):  # noqa: F811
    redis = processes.RedisServer().start()
    inbox = Inbox()
    try:
        # Login limits count in Redis too: they are on here, as in production.
        app = make_app(REDIS_URL=redis.url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp(inbox), RATELIMIT_ENABLED=True)
        with app.app_context():
            one_time, ids = factories.cao_bang_reports()
            h01 = accounts.unit_account(db.session, db.session.query(Unit).filter_by(code="H01").one())
            accounts.handover(db.session, h01, "Nông Thị Lan", email=HOLDER)
            db.session.commit()
        redis.stop()

        client = app.test_client()
        headers = _commune_token(client, one_time["x011"])  # logins work without Redis too
        pk = ids["X011"]
        started = time.monotonic()
        with caplog.at_level(logging.ERROR, logger="core.platform.jobs"):
            saved = client.put(f"/api/v1/report/{pk}/values", headers=headers, json={"values": FILLED})
            submitted = client.post(f"/api/v1/report/{pk}/transition", headers=headers,
                                    json={"action": "submit", "comment": ""})
        elapsed = time.monotonic() - started
        assert saved.status_code == 200, saved.get_json()
        assert submitted.status_code == 200 and submitted.get_json()["state"] == "submitted", submitted.get_json()
        assert any("not queued, Redis is unreachable" in r.getMessage() for r in caplog.records)
        print(f"\nsave + submit with Redis down: {elapsed:.2f} s")
        with app.app_context():
            waiting = db.session.query(Notification).filter(Notification.kind.like("submit:%")).all()
            assert len(waiting) == 1 and waiting[0].emailed_at is None
        assert inbox.messages == []

        redis.start()  # Redis is back: the next sending run (the daily job, or the next transition's) sends it
        with app.app_context():
            assert mailer.send_pending(db.session) == 1
        assert [to for to, _content in inbox.messages] == [[HOLDER]]
    finally:
        redis.stop()


@needs_pg
def test_killed_database_connections_heal_on_the_next_request(make_app, admin, tmp_path):
    app = make_app()
    assert not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping")  # core.platform.pool_check instead
    name = f"baocao-failures-{os.getpid()}"
    url = os.environ["DATABASE_URL"]
    url += ("&" if "?" in url else "?") + f"application_name={name}"
    port = processes.free_port()
    env = processes.baocao_env(DATABASE_URL=url, SECRET_KEY="test-secret", BAOCAO_INSTANCE=tmp_path / "serve-instance")
    (tmp_path / "serve-instance").mkdir()
    server = processes.serve(port, env, tmp_path / "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        token = requests.post(f"{base}/api/v1/security/login", timeout=10, json={
            "username": "admin", "password": ADMIN_PASSWORD, "provider": "db", "refresh": True}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert requests.get(f"{base}/api/v1/unit/", headers=headers, timeout=10).status_code == 200

        engine = create_engine(normalise_db_url(os.environ["DATABASE_URL"]))
        with engine.begin() as conn:
            killed = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND application_name = :name"), {"name": name}).scalar()
        engine.dispose()
        assert killed >= 1  # the app's pooled connections, and only those

        started = time.monotonic()
        resp = requests.get(f"{base}/api/v1/unit/", headers=headers, timeout=30)
        recovery = time.monotonic() - started
        assert resp.status_code == 200, resp.text[:500]
        print(f"\n{killed} connection(s) killed; first request after: {resp.status_code} in {recovery * 1000:.0f} ms")
        assert server.poll() is None  # the same process, not restarted
    finally:
        processes.stop(server)


@needs_redis
def test_a_worker_killed_mid_job_leaves_no_half_file_and_the_next_worker_finishes_it(make_app, db_url, tmp_path):
    from core.platform import jobs
    from tests.job_functions import write_slowly

    app = make_app()  # the job is queued with Retry, as every job is
    target = tmp_path / "export.txt"
    attempts = tmp_path / "export.txt.attempts"
    with app.app_context():
        assert jobs.enqueue(write_slowly, str(target), 50, 0.1).status == "queued"
    instance = tmp_path / "worker-instance"
    instance.mkdir()
    env = processes.baocao_env(DATABASE_URL=db_url, REDIS_URL=REDIS_URL, SECRET_KEY="test-secret",
                               BAOCAO_INSTANCE=instance)

    def lines(path):
        return path.read_text().splitlines() if path.exists() else []

    first = processes.start(["worker"], env, tmp_path / "worker1.log")
    try:
        processes.wait_until(lambda: any(len(lines(p)) >= 10 for p in tmp_path.glob("export.txt.part-*")),
                             60, what="the first worker half-way through the job")
        processes.crash(first)
    finally:
        processes.stop(first)
    killed_at = time.monotonic()
    time.sleep(0.5)
    assert not target.exists()  # the half-written file never had the final name
    assert len(lines(attempts)) == 1

    second = processes.start(["worker"], env, tmp_path / "worker2.log")
    try:
        def done():
            if target.exists():
                assert len(lines(target)) == 50, "the final name appeared before the file was complete"
                return True
            return False

        processes.wait_until(done, 120, 0.05, what="the job retried by the second worker")
        retry_time = time.monotonic() - killed_at
    finally:
        processes.stop(second)
    assert lines(target) == [f"chunk {i}" for i in range(50)]
    assert len(lines(attempts)) == 2  # one attempt killed, one retry that finished
    print(f"\nworker killed mid-job; retried and finished {retry_time:.1f} s after the kill")
