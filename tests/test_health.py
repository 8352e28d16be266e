"""GET /health (S1): no login, 200 when the database, Redis, the worker and the backups are fine, 503 otherwise."""
from __future__ import annotations

import os
from datetime import datetime, timedelta

import pytest

from core.platform import clock, jobs
from core.platform.extensions import db
from core.operations.models.backup import BackupRun

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")


def _backup(app, hours_ago: float, ok: bool = True) -> None:
    with app.app_context():
        started = clock.utcnow() - timedelta(hours=hours_ago)
        db.session.add(BackupRun(kind="create", started_at=started, finished_at=started + timedelta(minutes=2),
                                 ok=ok, file="/srv/backups/x.bcbk", size=1))
        db.session.commit()
        jobs.heartbeat()  # a worker ran its minute job (nothing to do without Redis)


def _health(app):
    resp = app.test_client().get("/health")
    return resp.status_code, resp.get_json(), resp


def test_everything_fine_is_200_ok_without_login(app):
    _backup(app, hours_ago=30)
    status, body, resp = _health(app)
    assert status == 200, body
    assert body["status"] == "ok" and resp.headers["Cache-Control"] == "no-store"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["backup"] == {"ok": True, "last_good_age_h": 30.0, "max_age_h": 96.0}
    if os.environ.get("REDIS_URL"):
        assert body["checks"]["redis"]["ok"] is True
        assert body["checks"]["worker"]["ok"] is True and body["checks"]["worker"]["last_heartbeat_age_s"] < 60
    else:  # jobs run inline: there is no Redis and no worker to check
        assert set(body["checks"]) == {"database", "backup"}


def test_a_backup_older_than_the_limit_is_503(app):
    _backup(app, hours_ago=100)
    _backup(app, hours_ago=1, ok=False)  # a failed backup does not count
    status, body, _ = _health(app)
    assert status == 503 and body["status"] == "failing"
    assert body["checks"]["backup"]["ok"] is False and body["checks"]["backup"]["last_good_age_h"] == 100.0
    assert body["checks"]["database"]["ok"] is True


def test_the_backup_age_limit_is_configurable(make_app):
    app = make_app(HEALTH_BACKUP_MAX_AGE_HOURS=120)
    _backup(app, hours_ago=100)
    status, body, _ = _health(app)
    assert status == 200, body


def test_no_backup_at_all_is_503(app):
    status, body, _ = _health(app)
    assert status == 503 and body["checks"]["backup"] == {
        "ok": False, "last_good_age_h": None, "max_age_h": 96.0, "error": "no good backup"}


@needs_redis
def test_a_worker_heartbeat_too_old_is_503(app):
    _backup(app, hours_ago=1)
    with app.app_context():
        stale = (datetime.utcnow() - timedelta(minutes=10)).isoformat()
        jobs.runner().connection.set(jobs.HEARTBEAT_KEY, stale)
    status, body, _ = _health(app)
    assert status == 503
    worker = body["checks"]["worker"]
    assert worker["ok"] is False and 590 <= worker["last_heartbeat_age_s"] <= 660
    assert body["checks"]["redis"]["ok"] is True and body["checks"]["backup"]["ok"] is True
    with app.app_context():
        jobs.runner().connection.delete(jobs.HEARTBEAT_KEY)
    status, body, _ = _health(app)
    assert status == 503 and body["checks"]["worker"]["error"] == "no heartbeat"
