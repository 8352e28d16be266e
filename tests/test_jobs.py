"""Background jobs: inline without Redis, a real RQ queue with it; retried, and never before the commit."""
import os

import pytest

from core.platform import jobs
from core.platform.extensions import db
from core.platform.worker import AppSimpleWorker, make_worker
from tests.job_functions import append, flaky

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")


def _lines(path):
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def _drain(app):
    """Run what is queued, as `baocao worker --burst` would."""
    make_worker(app, AppSimpleWorker).work(burst=True)


def test_without_redis_jobs_run_inline_and_retry(make_app, tmp_path):
    app = make_app(REDIS_URL=None)
    counter = tmp_path / "attempts"
    with app.app_context():
        handle = jobs.enqueue(flaky, str(counter), 2)
    assert handle.status == "finished"
    assert handle.result == 3
    assert counter.read_text() == "3"


def test_inline_job_that_keeps_failing_is_reported_failed(make_app, tmp_path):
    app = make_app(REDIS_URL=None, JOB_RETRIES=1)
    counter = tmp_path / "attempts"
    with app.app_context():
        handle = jobs.enqueue(flaky, str(counter), 5)
    assert handle.status == "failed"
    assert counter.read_text() == "2"


def test_a_job_waits_for_the_commit_and_a_rollback_cancels_it(app, admin, tmp_path):
    out = tmp_path / "out"
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="admin")
        user.first_name = "Lê"
        handle = jobs.enqueue(append, str(out), "after commit")
        assert handle.status == "deferred"
        assert _lines(out) == []
        db.session.commit()
        if os.environ.get("REDIS_URL"):
            _drain(app)
        assert _lines(out) == ["after commit"]

        user = app.appbuilder.sm.find_user(username="admin")
        user.first_name = "Trần"
        jobs.enqueue(append, str(out), "rolled back")
        db.session.rollback()
        if os.environ.get("REDIS_URL"):
            _drain(app)
        assert _lines(out) == ["after commit"]


@needs_redis
def test_with_redis_jobs_go_to_the_queue_and_a_worker_runs_them(app, tmp_path):
    out = tmp_path / "out"
    with app.app_context():
        handle = jobs.enqueue(append, str(out), "xin chào")
        assert handle.status == "queued"
        assert jobs.runner().queue.count == 1
    assert _lines(out) == []
    _drain(app)
    assert _lines(out) == ["xin chào"]


@needs_redis
def test_with_redis_a_failing_job_is_retried_by_the_worker(app, tmp_path):
    counter = tmp_path / "attempts"
    with app.app_context():
        jobs.enqueue(flaky, str(counter), 2)
    _drain(app)
    assert counter.read_text() == "3"


@needs_redis
def test_with_redis_a_keyed_job_is_not_queued_twice(app, tmp_path):
    out = tmp_path / "out"
    with app.app_context():
        first = jobs.enqueue(append, str(out), "once", key="report-42-reminder")
        second = jobs.enqueue(append, str(out), "once", key="report-42-reminder")
    assert (first.status, second.status) == ("queued", "skipped")
    _drain(app)
    assert _lines(out) == ["once"]


EVERY_MINUTE = ["core.audit.seal", "core.exchange.deliver", "core.exchange.intake", "core.heartbeat"]


def test_tick_enqueues_what_enabled_plugins_schedule(app, cli):
    with app.app_context():
        assert sorted(jobs.tick("2026-11-21T02:00:00")) == EVERY_MINUTE
    cli("plugins", "enable", "example")
    with app.app_context():
        db.session.rollback()
        app.extensions["baocao.plugins"].refresh(db.session)
        assert sorted(jobs.tick("2026-11-21T02:00:00")) == sorted(EVERY_MINUTE + ["example.nightly"])
        assert sorted(jobs.tick("2026-11-21T02:01:00")) == EVERY_MINUTE
